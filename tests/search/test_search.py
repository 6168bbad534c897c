"""Search finds any device by whatever a person has in hand: its code (typed in any case,
without dashes, or scanned from its label as an address), its serial (any case, with
spaces), its IMEI (with spaces or dashes), words of its model, its donor, its lot agreement
or a beneficiary's reference. Exact hits come first; training devices stay in training; and
the index comes back whole from the log alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain.imei import luhn_digit
from bench_app.domain.model import Device, DeviceKind, DonorKind
from bench_app.errors import BenchError
from bench_app.search import TEXT_LIMIT, search
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.migrations import MIGRATIONS, split_sql

URL = "https://verif.atelier.example.org/v"


def imei_from(body: str) -> str:
    return body + luhn_digit(body)


def give(station: Station, device: Device, kind: str, beneficiary: str) -> None:
    """An outcome fact as the journey records it (its rules are tested elsewhere)."""
    station.store.record(
        [
            NewEvent(
                "outcome.recorded",
                {"device_id": device.id, "kind": kind, "beneficiary": beneficiary},
                device.id,
            )
        ],
        operator="test-operator",
        training=station.training,
    )


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Station, list[Device]]]:
    """Twelve devices from two donors, some handed to beneficiaries, and one training device
    with the same identifiers as a real one."""
    folder = tmp_path_factory.mktemp("search") / "data"
    station = Station(folder, training=False, operator="test-operator")
    rhone = station.register_lot(
        station.register_donor("Département du Rhône", DonorKind.PUBLIC_BODY), None, "CONV-RH-7"
    )
    poste = station.register_lot(station.register_donor("La Poste", DonorKind.COMPANY), None, "")
    models = [
        ("Samsung", "Galaxy S9"),
        ("Fairphone", "FP4"),
        ("Lenovo", "ThinkPad T480"),
        ("Google", "Pixel 7a"),
    ]
    devices = []
    for n in range(12):
        brand, model = models[n % len(models)]
        kind = DeviceKind.LAPTOP if model.startswith("Think") else DeviceKind.PHONE
        devices.append(
            station.register_device(
                kind,
                brand=brand,
                model=model,
                serial=f"Sn{n:03d}x-q",
                imei=imei_from(f"35209900{n:06d}") if kind is DeviceKind.PHONE else "",
                lot_id=rhone if n % 2 else poste,
            )
        )
    give(station, devices[1], "loan", "BEN-2026-0042")
    give(station, devices[1], "donation", "BEN-2026-0077")  # back from a loan, then given
    give(station, devices[3], "rental", "DOSSIER-913")
    station.register_device(
        DeviceKind.PHONE,
        brand="Samsung",
        model="Galaxy S9",
        serial="Sn000x-q",
        imei=devices[0].imei,
        training=True,
    )
    yield station, devices
    station.close()


# What a person may type or scan for each kind of field, and how the hit must be marked.
FIELDS = {
    "code": lambda d: (d.asset_code, "code"),
    "code_typed": lambda d: (d.asset_code.lower().replace("-", ""), "code"),
    "label_url": lambda d: (f"{URL}/{d.asset_code}", "code"),
    "label_url_slash": lambda d: (f"{URL}/{d.asset_code.replace('-', '')}/", "code"),
    "serial": lambda d: (d.serial, "serial"),
    "serial_case_spaces": lambda d: (" ".join(d.serial.lower()), "serial"),
    "imei": lambda d: (d.imei, "imei"),
    "imei_spaced": lambda d: (f"{d.imei[:2]} {d.imei[2:8]} {d.imei[8:14]}-{d.imei[14]}", "imei"),
    "model": lambda d: (d.model.lower(), "text"),
    "model_prefix": lambda d: (d.model.split()[0][:3], "text"),
    "brand_and_model": lambda d: (f"{d.brand} {d.model}", "text"),
}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 11), field=st.sampled_from(sorted(FIELDS)))
def test_every_field_finds_its_device(
    workshop: tuple[Station, list[Device]], index: int, field: str
) -> None:
    station, devices = workshop
    device = devices[index]
    if field.startswith("imei") and not device.imei:
        return  # a laptop has none: the IMEI cases are drawn for phones
    text, matched = FIELDS[field](device)
    hits = station.search(text).hits
    mine = [h for h in hits if h.device_id == device.id]
    assert len(mine) == 1, (text, hits)
    assert mine[0].matched == matched
    assert not any(h.training for h in hits)
    if matched != "text":
        assert hits[0].device_id == device.id  # an exact hit is first
        assert all(h.matched == "text" for h in hits[1:])


def test_donor_agreement_and_beneficiary_words(workshop: tuple[Station, list[Device]]) -> None:
    station, devices = workshop
    rhone = {d.id for d in devices[1::2]}
    for text in ("rhone", "Département du Rhône", "DEPARTEMENT", "conv-rh-7"):
        assert {h.device_id for h in station.search(text).hits} == rhone, text
    assert {h.device_id for h in station.search("la poste").hits} == {d.id for d in devices[::2]}
    # Every beneficiary a device was handed to finds it, the earlier ones too.
    for reference in ("BEN-2026-0042", "ben 2026 0077", "ben20260042", "Conv rh 7"):
        hits = station.search(reference).hits
        assert devices[1].id in {h.device_id for h in hits}, reference
        if reference.lower().startswith("ben"):
            assert [h.device_id for h in hits] == [devices[1].id]
    hit = station.search("DOSSIER-913").hits[0]
    assert hit.device_id == devices[3].id and hit.outcome == "rental"
    assert hit.donor == "Département du Rhône" and hit.agreement_ref == "CONV-RH-7"
    # Words narrow: a model and a donor together.
    both = station.search("pixel rhone").hits
    assert {h.device_id for h in both} == {d.id for d in devices[3::4]} & rhone


def test_an_exact_hit_comes_before_word_hits(workshop: tuple[Station, list[Device]]) -> None:
    station, devices = workshop
    # A serial that is also a word of other devices' model: the serial's device first.
    station.identify(devices[0].id, {"serial": "PIXEL"})
    try:
        hits = station.search("pixel").hits
        assert hits[0].device_id == devices[0].id and hits[0].matched == "serial"
        assert {h.device_id for h in hits[1:]} == {d.id for d in devices[3::4]}
        assert all(h.matched == "text" for h in hits[1:])
    finally:
        station.identify(devices[0].id, {"serial": "Sn000x-q"})


def test_nothing_found_is_said_and_a_mistyped_code_says_why(
    workshop: tuple[Station, list[Device]],
) -> None:
    station, devices = workshop
    with pytest.raises(BenchError) as nothing:
        station.search("Nokia 3310")
    assert nothing.value.code == "SEARCH_NOTHING_FOUND"
    code = devices[0].asset_code
    typo = code[:-1] + ("Z" if code[-1] != "Z" else "Y")
    for text in (typo, f"{URL}/{typo}"):
        with pytest.raises(BenchError) as mistyped:
            station.search(text)
        assert mistyped.value.code == "ASSET_CODE_INVALID"
    for empty in ("", "   ", "https://verif.example.org/"):
        with pytest.raises(BenchError) as blank:
            station.search(empty)
        assert blank.value.code == "SEARCH_EMPTY"


def test_training_devices_are_found_only_in_training(
    workshop: tuple[Station, list[Device]],
) -> None:
    station, devices = workshop
    real = station.search(devices[0].imei).hits
    assert [h.device_id for h in real] == [devices[0].id]
    training = search(station.store, devices[0].imei, training=True).hits
    assert len(training) == 1 and training[0].training
    assert training[0].asset_code.startswith("TEST-")
    by_words = search(station.store, "galaxy", training=True).hits
    assert [h.device_id for h in by_words] == [training[0].device_id]
    assert all(not h.training for h in station.search("galaxy").hits)


def test_word_hits_are_limited_and_say_there_are_more(station: Station) -> None:
    for n in range(TEXT_LIMIT + 5):
        station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP3", serial=f"S{n}")
    found = station.search("fairphone")
    assert len(found.hits) == TEXT_LIMIT and found.more
    assert len({h.device_id for h in found.hits}) == TEXT_LIMIT
    few = search(station.store, "fairphone", limit=200)
    assert len(few.hits) == TEXT_LIMIT + 5 and not few.more


def _snapshot(store: Store, text: str) -> list[str]:
    try:
        return [h.device_id for h in search(store, text).hits]
    except BenchError as exc:
        return [exc.code]


QUERIES = ("galaxy", "rhone", "BEN-2026-0042", "dossier", "sn003x-q", "conv", "la poste")


def test_rebuilding_from_the_log_recreates_the_search_index(
    workshop: tuple[Station, list[Device]], tmp_path: Path
) -> None:
    station, _ = workshop
    before = {q: _snapshot(station.store, q) for q in QUERIES}
    table = station.store.query("SELECT * FROM device_search ORDER BY id")
    references = station.store.query("SELECT * FROM device_references ORDER BY 1, 2")
    assert len(table) == 13 and all(before.values())
    assert ("BEN20260042", station.search("BEN-2026-0042").hits[0].device_id) in references
    station.store.rebuild_projections()
    assert station.store.query("SELECT * FROM device_search ORDER BY id") == table
    assert station.store.query("SELECT * FROM device_references ORDER BY 1, 2") == references
    assert {q: _snapshot(station.store, q) for q in QUERIES} == before
    # The full-text index agrees with its table, and the check compares the table.
    with station.store.transaction() as conn:  # raises if the index and table disagree
        conn.execute("INSERT INTO device_search_fts (device_search_fts) VALUES ('integrity-check')")
    assert station.store.check().ok


def test_a_database_from_before_search_gets_its_index_from_the_log(
    workshop: tuple[Station, list[Device]], tmp_path: Path
) -> None:
    """A station upgraded from schema 3: the migration replays the log into the index."""
    station, _ = workshop
    old = tmp_path / "old" / DB_NAME
    old.parent.mkdir()
    conn = sqlite3.connect(old, isolation_level=None)
    for migration in MIGRATIONS[:3]:
        for statement in split_sql(migration.sql):
            conn.execute(statement)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", station.store.query("SELECT * FROM meta"))
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(events)")]
    names = ", ".join(columns)
    conn.executemany(
        f"INSERT INTO events ({names}) VALUES ({', '.join('?' for _ in columns)})",
        station.store.query(f"SELECT {names} FROM events ORDER BY rowid"),
    )
    conn.close()
    upgraded = Store(old, sign_head=False)
    try:
        assert {q: _snapshot(upgraded, q) for q in QUERIES} == {
            q: _snapshot(station.store, q) for q in QUERIES
        }
        assert len(queries.devices(upgraded)) == len(queries.devices(station.store))
    finally:
        upgraded.close()


def test_past_the_ranked_candidates_the_newest_devices_come_first(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word many devices share: the newest ones are ranked, the older ones left out."""
    import bench_app.search as search_module

    made = [
        station.register_device(DeviceKind.PHONE, brand="Nokia", model="3310", serial=f"N{n}")
        for n in range(12)
    ]
    monkeypatch.setattr(search_module, "CANDIDATES", 5)
    found = station.search("nokia")
    assert {h.device_id for h in found.hits} == {d.id for d in made[-5:]}
    every = search(station.store, "nokia", limit=3)
    assert len(every.hits) == 3 and every.more
