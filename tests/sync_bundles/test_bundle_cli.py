"""`etabli bundle export` and `etabli bundle import` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.signing import StationKey, public_pem
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.sync_bundles.support import intake, open_bench


def test_export_then_import_on_another_station(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = open_bench(tmp_path, "A"), open_bench(tmp_path, "B")
    made = intake(a)
    a_count = a.event_count()
    a.station.close()
    b.station.close()
    stick = tmp_path / "stick" / "atelier.etabli-bundle"
    stick.parent.mkdir()

    assert main(["bundle", "export", str(stick), "--data-dir", str(a.folder), "--lang", "en"]) == 0
    assert f"{a_count} event(s), signed by key {a.key.key_id}" in capsys.readouterr().out

    # Not trusted yet: refused, naming the key and what to do.
    assert main(["bundle", "import", str(stick), "--data-dir", str(b.folder)]) == 2
    err = capsys.readouterr().err
    assert a.key.key_id in err and "etabli keys trust" in err

    pub = tmp_path / "a.pub"
    pub.write_text(public_pem(StationKey.load_or_create(a.folder).public), encoding="ascii")
    assert main(["keys", "trust", str(pub), "--data-dir", str(b.folder)]) == 0
    capsys.readouterr()
    assert main(["bundle", "import", str(stick), "--data-dir", str(b.folder), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"imported: {a_count}" in out and "refused: 0" in out
    assert main(["bundle", "import", str(stick), "--data-dir", str(b.folder)]) == 0
    out = capsys.readouterr().out
    assert "importés : 0" in out and f"déjà présents : {a_count}" in out

    with Store(b.folder / DB_NAME) as store:
        assert {d.id for d in queries.devices(store)} == set(made["devices"])

    stick.write_bytes(stick.read_bytes()[:-40])
    assert main(["bundle", "import", str(stick), "--data-dir", str(b.folder), "--lang", "en"]) == 2
    assert "Nothing was imported" in capsys.readouterr().err


def test_a_drive_erasure_travels_in_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A drive erasure's facts (its pass timed in milliseconds) go into a bundle and come
    out on the other station with the same hashes."""
    from bench_app.devices.drives.handle import DriveHandle
    from bench_app.domain.model import JobState
    from tests.devices_drives.conftest import make_image
    from tests.unit.support import finish

    a, b = open_bench(tmp_path, "A"), open_bench(tmp_path, "B")
    image = make_image(tmp_path / "disk-TRVL.img", 1 << 20)
    drive = a.station.device_connected(DriveHandle(str(image)))
    options = {"method": "clear-zero", "verify": "full", "confirm_serial": "TRVL"}
    assert finish(a.station.start_job(drive.id, "drive.erase", options)) is JobState.SUCCEEDED
    timed = a.station.store.query(
        "SELECT json_extract(payload, '$.milliseconds') FROM events"
        " WHERE type = 'erasure.pass_finished'"
    )
    assert isinstance(timed[0][0], int)
    sent = {(e.id, e.hash) for e in a.station.store.events_since()}
    a.station.close()
    b.station.close()
    stick = tmp_path / "erasures.etabli"
    assert main(["bundle", "export", str(stick), "--data-dir", str(a.folder)]) == 0
    pub = tmp_path / "a.pub"
    pub.write_text(public_pem(StationKey.load_or_create(a.folder).public), encoding="ascii")
    assert main(["keys", "trust", str(pub), "--data-dir", str(b.folder)]) == 0
    capsys.readouterr()
    assert main(["bundle", "import", str(stick), "--data-dir", str(b.folder), "--lang", "en"]) == 0
    assert f"imported: {len(sent)}" in capsys.readouterr().out
    with Store(b.folder / DB_NAME) as store:
        assert sent <= {(e.id, e.hash) for e in store.events_since(a.station.store.station_id)}
        assert store.check().ok
