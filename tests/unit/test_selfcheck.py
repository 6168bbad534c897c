"""The self-check ("Ce poste", `etabli selfcheck`): each line in each of its states, the
machine put in that state through the probes; which lines block work; and the command as a
real process, whose exit code follows the blocking lines."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bench_app.errors import BenchError
from bench_app.install.images import ImageLibrary
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.profiles.loader import load_profiles
from bench_app.selfcheck import (
    GiB,
    GroupInfo,
    Probes,
    State,
    blocks,
    check_erase_helper,
    check_free_space,
    check_group,
    check_hub,
    check_images,
    check_libusb,
    check_printers,
    check_udev_rules,
    run_selfcheck,
)
from bench_app.store.anchors import record_hub_ack
from bench_app.sync.client import SyncConfig

CLI = [sys.executable, "-m", "bench_app.commands.main"]


def _probes(**kw: object) -> Probes:
    """A machine where everything is in place, as a normal user (uid 1000) in the group."""
    base = Probes(
        find_library=lambda name: "libusb-1.0.so.0",
        rules_dirs=(),
        euid=lambda: 1000,
        group=lambda name: GroupInfo(990, ("camille",)),
        process_groups=lambda: {1000, 990},
        user_name=lambda: "camille",
        primary_gid_of=lambda user: 1000,
        ping_helper=lambda: None,
        usb_vendors=lambda: [],
        free_bytes=lambda folder: 100 * GiB,
        hub_health=lambda url: None,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_libusb_present_or_missing() -> None:
    assert check_libusb(_probes()).state is State.OK
    missing = check_libusb(_probes(find_library=lambda name: None))
    assert missing.state is State.BLOCKING
    assert missing.action is not None and "libusb-1.0-0" in missing.action.fr


def test_udev_rules_found_in_either_folder_or_missing(tmp_path: Path) -> None:
    etc, lib = tmp_path / "etc", tmp_path / "lib"
    etc.mkdir()
    lib.mkdir()
    (etc / "70-other.rules").write_text("")
    missing = check_udev_rules(_probes(rules_dirs=(etc, lib)))
    assert missing.state is State.BLOCKING
    assert missing.action is not None and "60-etabli.rules" in missing.action.fr
    # As root the devices are reached anyway: a warning only.
    assert check_udev_rules(_probes(rules_dirs=(etc, lib), euid=lambda: 0)).state is State.WARNING
    (lib / "60-etabli.rules").write_text("")
    found = check_udev_rules(_probes(rules_dirs=(etc, lib)))
    assert found.state is State.OK and str(lib / "60-etabli.rules") in found.found.en


def test_the_group_in_each_of_its_states() -> None:
    assert check_group(_probes()).state is State.OK
    assert check_group(_probes(euid=lambda: 0)).state is State.OK
    no_group = check_group(_probes(group=lambda name: None))
    assert no_group.state is State.BLOCKING and "does not exist" in no_group.found.en
    outside = check_group(
        _probes(group=lambda name: GroupInfo(990, ()), process_groups=lambda: {1000})
    )
    assert outside.state is State.BLOCKING
    assert outside.action is not None and "usermod -aG etabli camille" in outside.action.fr
    # Added to the group, but this session started before: log in again.
    pending = check_group(_probes(process_groups=lambda: {1000}))
    assert pending.state is State.BLOCKING
    assert pending.action is not None and "reconnectez-vous" in pending.action.fr


def test_the_erase_helper_reachable_or_not() -> None:
    assert check_erase_helper(_probes()).state is State.OK

    def unreachable() -> None:
        raise BenchError(
            "ERASE_HELPER_UNREACHABLE", socket="/run/etabli/erase.sock", detail="No such file"
        )

    down = check_erase_helper(_probes(ping_helper=unreachable))
    assert down.state is State.BLOCKING
    assert down.action is not None and "etabli-erase-helper.socket" in down.action.fr
    assert "/run/etabli/erase.sock" in down.found.fr
    # Root opens disks itself: the helper is not asked.
    assert check_erase_helper(_probes(euid=lambda: 0, ping_helper=unreachable)).state is State.OK


def test_printers_set_up_plugged_or_none(tmp_path: Path) -> None:
    none = check_printers(_probes(), tmp_path)
    assert none.state is State.WARNING and none.action is not None
    plugged = check_printers(_probes(usb_vendors=lambda: ["1d6b", "04f9"]), tmp_path)
    assert plugged.state is State.WARNING and "Brother" in plugged.found.en
    save_printers(
        tmp_path,
        PrinterSetup([PrinterConfig("Accueil", PrinterKind.FILE, "a4-24", str(tmp_path))]),
    )
    ok = check_printers(_probes(), tmp_path)
    assert ok.state is State.OK and "Accueil" in ok.found.fr
    (tmp_path / "printers.json").write_text("{not json")
    broken = check_printers(_probes(), tmp_path)
    assert broken.state is State.WARNING and "printers.json" in broken.found.en


@pytest.mark.parametrize(
    ("free", "state"),
    [(0.5 * GiB, State.BLOCKING), (4 * GiB, State.WARNING), (20 * GiB, State.OK)],
)
def test_free_space_thresholds(tmp_path: Path, free: float, state: State) -> None:
    line = check_free_space(_probes(free_bytes=lambda folder: int(free)), tmp_path)
    assert line.state is state
    assert f"{free / 1e9:.1f} GB free" in line.found.en
    assert (line.action is None) == (state is State.OK)


def test_the_image_library_present_damaged_and_what_profiles_miss(tmp_path: Path) -> None:
    profiles = list(load_profiles())
    assert profiles
    empty = check_images(tmp_path, "", profiles)
    assert empty.state is State.WARNING and empty.found.en.startswith("0 image(s)")
    # The workshop installs /e/OS: the profiles offering it without their images are named.
    lacking = check_images(tmp_path, "/e/OS", profiles)
    offering = sorted(
        p.codename for p in profiles if any(s.name == "/e/OS" for s in p.operating_systems)
    )
    assert offering  # the shipped profiles offer /e/OS on some models, not on others
    assert len(offering) < len(profiles)
    assert f"{len(offering)} model(s) without their /e/OS images: {', '.join(offering)}." in (
        lacking.found.en
    )
    # An imported image, then its file cut short behind the library's back.
    source = tmp_path / "stick"
    source.mkdir()
    (source / "debian-12-laptop.img").write_bytes(b"x" * 4096)
    library = ImageLibrary(tmp_path / "data")
    report = library.import_folder(source, allow_unchecked=True)
    assert report.imported, report.refused
    good = check_images(tmp_path / "data", "", profiles)
    assert good.state is State.OK and good.found.en.startswith("1 image(s) verified")
    library.path_of(report.imported[0]).write_bytes(b"x")
    damaged = check_images(tmp_path / "data", "", profiles)
    assert damaged.state is State.WARNING and "debian-12-laptop.img" in damaged.found.en


def test_the_hub_not_enrolled_reachable_or_not_with_the_last_sync(tmp_path: Path) -> None:
    alone = check_hub(_probes(), tmp_path)
    assert alone.state is State.OK and "offline" in alone.found.en
    SyncConfig(hub_url="https://hub.example.org", workshop="A", enrolled=True).save(tmp_path)
    never = check_hub(_probes(), tmp_path)
    assert never.state is State.OK and "Never synced" in never.found.en
    record_hub_ack(tmp_path, "https://hub.example.org", "station", 12, "ab" * 32)
    synced = check_hub(_probes(), tmp_path)
    assert "Last sync: 20" in synced.found.en

    def refused(url: str) -> None:
        raise OSError("connection refused")

    down = check_hub(_probes(hub_health=refused), tmp_path)
    assert down.state is State.WARNING
    assert "unreachable (connection refused)" in down.found.en and "Last sync: 20" in down.found.en
    assert down.action is not None and "Nothing is lost" in down.action.en


def test_only_the_blocking_lines_block(tmp_path: Path) -> None:
    etc = tmp_path / "rules"
    etc.mkdir()
    (etc / "60-etabli.rules").write_text("")
    ready = run_selfcheck(tmp_path, _probes(rules_dirs=(etc,)), phone_system="", profiles=[])
    assert [line.id for line in ready] == [
        "libusb", "udev_rules", "group", "erase_helper", "printers", "free_space", "images", "hub",
    ]  # fmt: skip
    # No printer and no image: warnings, the station still works.
    assert {line.id for line in ready if line.state is State.WARNING} == {"printers", "images"}
    assert not blocks(ready)
    stuck = run_selfcheck(
        tmp_path, _probes(rules_dirs=(etc,), free_bytes=lambda f: 10), phone_system="", profiles=[]
    )
    assert blocks(stuck)


def test_the_command_reports_every_line_and_exits_on_what_blocks(tmp_path: Path) -> None:
    """As a real process on this machine (root, where no udev rule of Établi is installed):
    the JSON lists every line and `blocking` matches the exit code."""
    env_data = tmp_path / "data"
    done = subprocess.run(
        [*CLI, "selfcheck", "--json", "--data-dir", str(env_data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert [line["id"] for line in report["lines"]][:4] == [
        "libusb", "udev_rules", "group", "erase_helper",
    ]  # fmt: skip
    blocking = [line["id"] for line in report["lines"] if line["state"] == "blocking"]
    assert report["blocking"] == bool(blocking)
    assert done.returncode == (1 if blocking else 0), done.stderr
    for line in report["lines"]:
        assert line["title"]["fr"] and line["title"]["en"]
        assert (line["action"] is None) == (line["state"] == "ok")
    text = subprocess.run(
        [*CLI, "selfcheck", "--data-dir", str(env_data), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert text.returncode == done.returncode
    assert "USB library (libusb)" in text.stdout and "Traceback" not in text.stderr
    # Free space is read where the data folder will be, even before it exists.
    assert not env_data.exists()
