"""A donation's overview and page: devices at several stages are counted at the stage
they wait at, as their journeys (bench_app/journey.py) say; the page lists each with its
stage, grade, outcome and what blocks it; scanned labels attach devices at once."""

from __future__ import annotations

import uuid

from bench_app import lots
from bench_app.domain.model import Device, DeviceKind
from bench_app.journey import JourneyPolicy, device_journey, pipeline_purposes
from bench_app.store import queries
from tests.lots.conftest import Bench

POLICY = JourneyPolicy("/e/OS")


def _stages(bench: Bench) -> None:
    """Eleven devices: nine in the lot at several stages, one in training, one elsewhere."""
    b = bench
    b.add("neuf", DeviceKind.PHONE)
    b.checked(b.add("controle", DeviceKind.PHONE))
    locked = b.add("verrouille", DeviceKind.PHONE)
    b.checked(locked, locks={"reading": {"google_accounts": ["a@b.c"], "device_owner": ""}})
    wiped = b.add("efface", DeviceKind.PHONE)
    b.checked(wiped)
    b.erased(wiped)
    done = b.add("fini", DeviceKind.PHONE)
    b.checked(done)
    b.erased(done)
    b.fact(done, "device.os_installed", os="eos", name="/e/OS", version="2.0")
    b.fact(done, "grade.assigned", functional="A", cosmetic=2, workshop_grade="B", reasons=[])
    b.fact(done, "label.printed", template="brother-62")
    b.fact(done, "outcome.recorded", kind="spare_parts", reference="", note="")
    failing = b.add("defaillant", DeviceKind.DRIVE)
    b.checked(failing, "drive.erase", health={"status": "failed", "smart": "bad"})
    failed = b.add("rate", DeviceKind.DRIVE)
    b.checked(failed, "drive.erase", health={"smart": "ok"})
    b.erased(failed, ok=False)
    laptop = b.add("portable", DeviceKind.LAPTOP)
    b.fact(laptop, "device.inventoried", inventory={})
    disk = b.add("disque", DeviceKind.DRIVE, lot=False)
    b.fact(disk, "disk.linked", host_id=laptop.id, host_asset=laptop.asset_code, reason="")
    b.checked(disk, "drive.erase", health={"smart": "ok"})
    b.erased(disk)
    job = str(uuid.uuid4())
    b.fact(disk, "image.written", job_id=job, write_id=job, bytes=1, milliseconds=1,
           verify_milliseconds=1, verified=True, result="installed", reasons=[])  # fmt: skip
    b.erased(disk)  # erased again: the system written before is gone
    b.add("sans-disque", DeviceKind.LAPTOP)
    training = b.station.register_device(DeviceKind.PHONE, lot_id=b.lot_id, training=True)
    b.devices["formation"] = training


def test_the_overview_counts_each_stage_as_the_journeys_do(bench: Bench) -> None:
    _stages(bench)
    store = bench.station.store
    purposes = pipeline_purposes(bench.station.pipelines.all())
    [line] = lots.overview(store, purposes=purposes, policy=POLICY)
    assert line.donor == "Département du Nord"
    assert line.lot.agreement_ref == "CONV-2026-07"
    assert line.lot.expected_count == 8
    assert line.received == 9  # the training phone is not counted in a real lot
    assert {p: n for p, n in line.positions.items() if n} == {
        "check": 2,  # the new phone, the laptop with no disk linked
        "wipe": 1,
        "blocked": 1,  # the phone held by a Google account
        "install": 1,
        "erase": 2,  # the failing disk, the disk whose erasure failed
        "system_image": 1,  # the laptop whose disk was erased after its system was written
        "done": 1,
    }
    assert line.attention == 4  # locked, failing, erasure failed, no disk linked
    read = lots.read_journeys(store, bench.lot_id, purposes=purposes, policy=POLICY)
    for name, device in bench.devices.items():
        if name in ("disque", "formation"):
            assert device.id not in read
            continue
        journey = device_journey(store, device, purposes=purposes, policy=POLICY)
        assert read[device.id].done == journey.done, name
        assert [b.code for b in read[device.id].blockers] == [b.code for b in journey.blockers]


def test_the_page_lists_stage_grade_outcome_and_blockers(bench: Bench) -> None:
    _stages(bench)
    purposes = pipeline_purposes(bench.station.pipelines.all())
    lot = lots.find_lot(bench.station.store, "conv-2026-07")
    page = lots.page(bench.station.store, lot, purposes=purposes, policy=POLICY)
    by_model = {line.device.model: line for line in page.devices}
    assert set(by_model) == set(bench.devices) - {"disque", "formation"}
    assert by_model["fini"].position == "done"
    assert by_model["fini"].grade == "B"
    words = by_model["fini"].outcome_words()
    assert words is not None and words.fr == "pièces détachées"
    assert [b.code for b in by_model["verrouille"].blockers] == ["JOURNEY_FRP_LOCK"]
    assert by_model["verrouille"].position == "blocked"
    assert [b.code for b in by_model["rate"].blockers] == ["JOURNEY_ERASURE_FAILED"]
    assert by_model["neuf"].blockers == () and by_model["neuf"].grade == ""
    for line in page.devices:  # each as its journey from its own facts says
        journey = device_journey(bench.station.store, line.device, purposes=purposes, policy=POLICY)
        assert (line.journey.done, line.position) == (journey.done, lots.position_of(journey))
        assert line.blockers == journey.blockers
        assert line.outcome == journey.outcome
    # The page's counts are its devices' positions.
    assert page.summary.positions["erase"] == sum(
        1 for line in page.devices if line.position == "erase"
    )
    data = page.to_json()
    assert data["received"] == 9 and len(data["devices"]) == 9


def test_scanning_labels_attaches_devices_once(bench: Bench) -> None:
    station = bench.station
    other = station.register_device(DeviceKind.PHONE, model="ailleurs")
    inside = bench.add("dedans", DeviceKind.PHONE)
    lot = lots.find_lot(station.store, bench.lot_id)
    url = f"https://verif.exemple.org/{other.asset_code}"
    added = lots.attach_scanned(station, lot, url)
    assert added.result is lots.ScanResult.ADDED
    assert added.message.fr == f"{other.asset_code} : ajouté à ce don."
    moved = queries.device(station.store, other.id)
    assert moved is not None and moved.lot_id == lot.id
    count = len(queries.events(station.store, other.id))
    again = lots.attach_scanned(station, lot, other.asset_code.replace("-", "").lower())
    assert again.result is lots.ScanResult.ALREADY
    assert len(queries.events(station.store, other.id)) == count  # nothing recorded
    assert lots.attach_scanned(station, lot, inside.asset_code).result is lots.ScanResult.ALREADY
    # A valid code no device has here, then a code with a typing mistake.
    unknown = lots.attach_scanned(station, lot, "ZZZZ-2345-" + "X")
    assert unknown.result in (lots.ScanResult.UNKNOWN, lots.ScanResult.INVALID)
    wrong = other.asset_code[:-1] + ("A" if other.asset_code[-1] != "A" else "B")
    assert lots.attach_scanned(station, lot, wrong).result is lots.ScanResult.INVALID


def test_the_progress_kept_reads_the_steps_the_journey_reads() -> None:
    from bench_app.journey import HEALTH_STEP, LOCK_STEPS
    from bench_app.store.projections import PROGRESS_HEALTH_STEP, PROGRESS_LOCK_STEPS

    assert PROGRESS_LOCK_STEPS == LOCK_STEPS and PROGRESS_HEALTH_STEP == HEALTH_STEP


def test_the_counted_overview_knows_a_latest_failed_check(bench: Bench) -> None:
    """The lots' counters keep each pipeline's latest job: a device whose only check failed
    waits at the check with that blocker; one whose failed check was followed by a good one
    goes on; a failed job of a pipeline that is not a check blocks nothing. The counters say
    it as the facts do."""

    def failed(device: Device, pipeline: str = "phone.check") -> None:
        job = str(uuid.uuid4())
        bench.fact(device, "job.created", job_id=job, pipeline=pipeline, steps=[])
        bench.fact(device, "job.failed", job_id=job, code="X", message={"fr": "x", "en": "x"})

    never, fixed, other = (bench.add(n, DeviceKind.PHONE) for n in ("never", "fixed", "other"))
    failed(never)
    failed(fixed)
    bench.checked(fixed)
    failed(other, "drive.erase")
    purposes = pipeline_purposes(bench.station.pipelines.all())
    policy = JourneyPolicy("/e/OS")
    store = bench.station.store
    counted = lots.overview(store, purposes=purposes, policy=policy)
    assert counted == lots.overview(store, purposes=purposes, policy=policy, from_facts=True)
    assert counted[0].positions["check"] == 2 and counted[0].positions["wipe"] == 1
    assert counted[0].attention == 1
