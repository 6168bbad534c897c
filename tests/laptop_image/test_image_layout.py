"""An image whose decompressed start looks like no disk (an HTML error page saved as
`debian-12-live.img.xz`) is refused before anything is written, unless the operator says to
write it anyway; real images with an MBR or GPT made by sfdisk, an ISO 9660 made by xorriso
and a bare ext4 file system are accepted."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceStage, JobState
from bench_app.install.image_writer import (
    BOOT_SECTOR,
    GPT,
    ISO9660,
    MBR,
    check_layout,
    disk_layout,
)
from bench_app.install.laptop_image import PIPELINE, WRITE_ANYWAY, image_write_record
from bench_app.jobs.prompt import Prompt
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.laptop_image.conftest import compress, partition_table
from tests.laptop_image.test_write_image import backing, read_dev, write_image
from tests.unit.support import Listener, finish

MiB = 1 << 20
ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="fr"><head><title>404 Introuvable</title></head>\n'
    "<body><h1>Page introuvable</h1><p>Le fichier demandé n’existe plus sur ce miroir.</p>"
    + "<!-- padding -->" * 400
    + "</body></html>\n"
)


@pytest.fixture
def error_page_image(tmp_path: Path) -> Path:
    """An HTML error page, compressed by xz under the name of the image it replaced."""
    page = tmp_path / "debian-12-live.img"
    page.write_text(ERROR_PAGE)
    packed = compress(page, "xz")
    page.unlink()
    assert packed.name == "debian-12-live.img.xz"
    return packed


def _events(data_dir: Path, event_type: str) -> list[object]:
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        return [e for e in queries.events(store) if e.type == event_type]


def test_an_error_page_saved_as_an_image_is_refused_and_nothing_is_written(
    error_page_image: Path, loop_device: Callable[..., str], data_dir: Path
) -> None:
    dev = loop_device("LAPTOP-HT4L.img", size=8 * MiB)
    before = backing(dev).read_bytes()
    done = write_image(error_page_image, dev, data_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "WRITTEN" not in done.stdout
    assert "debian-12-live.img.xz does not look like a disk image" in done.stderr
    assert 'It starts with “<!DOCTYPE html> <html lang="fr"><head><title>' in done.stderr
    assert "--no-layout-check" in done.stderr
    assert _events(data_dir, "image.write_started") == []
    assert backing(dev).read_bytes() == before
    # Said to write it anyway, the operator gets what was asked for: the page, verified.
    forced = write_image(error_page_image, dev, data_dir, "--json", "--no-layout-check")
    assert forced.returncode == 0, forced.stderr
    assert read_dev(dev, len(ERROR_PAGE.encode())) == ERROR_PAGE.encode()


def test_the_refusal_is_in_french_too(
    error_page_image: Path, loop_device: Callable[..., str], data_dir: Path
) -> None:
    dev = loop_device("LAPTOP-FR9Z.img", size=8 * MiB)
    before = backing(dev).read_bytes()
    done = write_image(error_page_image, dev, data_dir, "--lang", "fr")
    assert done.returncode == 2
    assert "ne ressemble pas à une image disque" in done.stderr
    assert "« <!DOCTYPE html>" in done.stderr
    assert backing(dev).read_bytes() == before


def _ask_and_answer(answer: str) -> tuple[Listener, list[Prompt]]:
    asked: list[Prompt] = []

    def reply(prompt: Prompt) -> str:
        asked.append(prompt)
        return answer

    return Listener(reply), asked


@pytest.mark.parametrize("answer", ["cancel", WRITE_ANYWAY.key])
def test_the_pipeline_asks_the_operator_before_writing_an_unrecognised_image(
    error_page_image: Path,
    loop_device: Callable[..., str],
    station: Station,
    answer: str,
) -> None:
    dev = loop_device("LAPTOP-PR0M.img", size=8 * MiB)
    before = backing(dev).read_bytes()
    listener, asked = _ask_and_answer(answer)
    station.set_job_listener(listener)
    device = station.device_connected(DriveHandle(dev))
    job = station.start_job(
        device.id, PIPELINE, {"image": str(error_page_image), "confirm_serial": "pr0m"}
    )
    state = finish(job)
    assert len(asked) == 1 and "does not look like a disk image" in asked[0].question.en
    assert asked[0].detail is not None and "<!DOCTYPE html>" in asked[0].detail.en
    if answer == "cancel":
        assert state is JobState.CANCELLED
        assert image_write_record(station.store, job.id) is None
        assert backing(dev).read_bytes() == before
    else:
        assert state is JobState.SUCCEEDED
        steps = {r.step_id: r for r in queries.step_results(station.store, job.id)}
        assert steps["image"].evidence["layout_confirmed_by_operator"] is True
        assert read_dev(dev, len(ERROR_PAGE.encode())) == ERROR_PAGE.encode()
        assert (station.device(device.id) or device).stage is DeviceStage.INSTALLED


def _iso(tmp_path: Path) -> Path:
    tree = tmp_path / "iso-tree"
    (tree / "live").mkdir(parents=True)
    (tree / "live" / "README.txt").write_text("Établi test ISO\n")
    (tree / "live" / "filesystem.bin").write_bytes(os.urandom(MiB))
    iso = tmp_path / "tiny-live.iso"
    subprocess.run(
        ["xorriso", "-as", "mkisofs", "-quiet", "-V", "ETABLI_TEST", "-o", str(iso), str(tree)],
        check=True,
        capture_output=True,
    )
    return iso


@pytest.mark.parametrize(
    ("kind", "layout"),
    [("mbr", MBR), ("gpt", GPT), ("mbr.xz", MBR), ("gpt.zst", GPT), ("iso", ISO9660)],
)
def test_real_disk_images_are_recognised_and_written(
    tmp_path: Path,
    loop_device: Callable[..., str],
    data_dir: Path,
    kind: str,
    layout: str,
) -> None:
    if kind == "iso":
        raw = _iso(tmp_path)
    else:
        raw = tmp_path / f"laptop-{kind.split('.')[0]}.img"
        with open(raw, "wb") as f:
            f.truncate(6 * MiB)
            f.seek(2 * MiB)
            f.write(os.urandom(MiB))
        partition_table(raw, "dos" if kind.startswith("mbr") else "gpt")
    image = compress(raw, kind.split(".")[1]) if "." in kind else raw
    assert check_layout(image) == layout
    dev = loop_device("LAPTOP-0K5D.img", size=8 * MiB, random=False)
    done = write_image(image, dev, data_dir, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["result"] == "installed"
    assert read_dev(dev, raw.stat().st_size) == raw.read_bytes()


def test_the_layouts_are_told_apart_by_their_signatures() -> None:
    """Each signature where the specifications put it, and nothing else recognised."""
    empty = bytearray(128 * 1024)
    assert disk_layout(bytes(empty)) == ""
    assert disk_layout(ERROR_PAGE.encode()) == ""
    assert disk_layout(b"") == ""
    for at in (0x8001, 0x8801, 0x9001):
        iso = bytearray(empty)
        iso[at : at + 5] = b"CD001"
        assert disk_layout(bytes(iso)) == ISO9660
    iso = bytearray(empty)
    iso[0x8002 : 0x8002 + 5] = b"CD001"  # one byte off: not an ISO
    assert disk_layout(bytes(iso)) == ""
    boot = bytearray(empty)
    boot[510:512] = b"\x55\xaa"
    assert disk_layout(bytes(boot)) == BOOT_SECTOR  # a boot sector (FAT, NTFS), no table
    boot[446 + 4] = 0x83  # a Linux partition in the first entry
    assert disk_layout(bytes(boot)) == MBR
    gpt4k = bytearray(empty)
    gpt4k[4096 : 4096 + 8] = b"EFI PART"  # 4 KiB logical blocks
    assert disk_layout(bytes(gpt4k)) == GPT
    ext = bytearray(empty)
    ext[0x438:0x43A] = b"\x53\xef"
    assert disk_layout(bytes(ext)) == "ext"
    btrfs = bytearray(empty)
    btrfs[0x10040 : 0x10040 + 8] = b"_BHRfS_M"
    assert disk_layout(bytes(btrfs)) == "btrfs"


def test_a_bare_file_system_image_is_accepted(ext4_image: Callable[..., Path]) -> None:
    assert check_layout(ext4_image()) == "ext"
