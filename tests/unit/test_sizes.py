"""Sizes as people read them: one rounded decimal unit, Mo below a gigabyte (a 32 MiB
simulated drive is "34 Mo", never "0,0 Go"), the same words on the label, in the panel
and in an erasure's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceKind, JobState
from bench_app.output.formatting import capacity_text
from bench_app.output.labels.content import key_specs
from bench_app.sizes import size_text, size_words
from bench_app.station import Station
from bench_app.store import queries
from bench_app.text import Text
from tests.devices_drives.conftest import make_image
from tests.unit.support import finish

MiB = 1 << 20


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (32 * MiB, "34 Mo", "34 MB"),
        (4 * MiB, "4,2 Mo", "4.2 MB"),
        (999_999_999, "1 Go", "1 GB"),
        (994_000_000, "994 Mo", "994 MB"),
        (1_000_000_000, "1 Go", "1 GB"),
        (3_600_000_000, "3,6 Go", "3.6 GB"),
        (500_107_862_016, "500 Go", "500 GB"),
        (1_500_000_000_000, "1,5 To", "1.5 TB"),
        (2_000_000_000_000, "2 To", "2 TB"),
        (512_000, "512 ko", "512 kB"),
        (12, "12 octets", "12 bytes"),
        (0, "0 octets", "0 bytes"),
    ],
)
def test_a_size_is_said_in_its_own_unit(n: int, fr: str, en: str) -> None:
    assert size_words(n, "fr") == fr
    assert size_words(n, "en") == en
    assert size_text(n) == Text(fr, en)


def test_under_a_gigabyte_never_reads_zero_gigabytes() -> None:
    for n in (1 * MiB, 32 * MiB, 100 * MiB, 900 * MiB):
        for lang in ("fr", "en"):
            words = size_words(n, lang)
            assert not words.startswith("0") and ("Mo" in words or "MB" in words), words


def test_the_label_of_a_small_drive_says_mo(station: Station) -> None:
    drive = station.register_device(
        DeviceKind.DRIVE,
        brand="Sim",
        model="USB-32",
        serial="SIM32",
        identity={"size_bytes": 32 * MiB},
    )
    assert key_specs(station.store, drive, "fr") == "34 Mo"
    assert key_specs(station.store, drive, "en") == "34 MB"
    assert capacity_text(32 * MiB, "fr") == "34 Mo"
    assert capacity_text(120e9, "en", flash=True) == "128 GB"  # a phone's flash, as sold


def test_an_erasure_of_a_small_drive_says_mo_in_its_summaries(
    station: Station, tmp_path: Path
) -> None:
    """The step summaries a card shows, from a real erasure of an image file made here."""
    image = make_image(tmp_path / "SMALL-32MB-7Q2W.img", 32 * MiB)
    device = station.device_connected(DriveHandle(str(image)))
    options = {"method": "clear-zero", "verify": "full", "confirm_serial": "7q2w"}
    job = station.start_job(device.id, "drive.erase", options)
    assert finish(job) is JobState.SUCCEEDED
    summaries = [r.summary for r in queries.step_results(station.store, job.id)]
    french = " ".join(s.fr for s in summaries)
    english = " ".join(s.en for s in summaries)
    assert "34 Mo réécrits" in french and "Vérifié : 34 Mo relus" in french, french
    assert "34 MB overwritten" in english and "34 MB read back" in english, english
    assert "0,0 Go" not in french and "0.03" not in french + english
