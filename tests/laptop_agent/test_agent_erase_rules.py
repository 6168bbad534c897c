"""The rules of an erasure through the agent, each shown where it lives: the agent never
writes to a disk the safety rules forbid (its boot stick, a file of its own data folder) nor
to a disk it did not offer, and the station records as erased only a report that wrote and
read back every byte of the disk."""

from __future__ import annotations

import hashlib
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.erasure import overwrite as io
from bench_app.erasure.agent_erase import erase_one, erase_order_refusal
from bench_app.errors import BenchError
from bench_app.laptop_erasure import _report_facts, chosen_disks
from tests.cli_bad_input.conftest import CLI, child_env
from tests.devices_drives.conftest import loop_device  # noqa: F401  (a fixture)

ZEROS = io.Stream.new(io.Pattern.ZEROS)
UNSHARE = ("unshare", "--mount", "--propagation", "private", "sh", "-c")


def _digest(path: Path | str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def test_the_agent_refuses_to_start_with_its_boot_stick_as_a_disk(
    loop_device: Callable[..., str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """In a private mount namespace a loop device of the test's is mounted where the stick
    the laptop booted from is; the agent named it as a disk refuses to start, and says why."""
    dev = loop_device()
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev], check=True, capture_output=True
    )
    before = _digest(dev)
    # Read-only, as a live medium is (and so the test's check of its bytes holds).
    script = 'mkdir -p /run/live/medium && mount -o ro,noload "$0" /run/live/medium && shift && exec "$@"'
    argv = [*CLI, "agent", "--disk", dev, "--pair-code", "123456", "--listen", "127.0.0.1:0"]
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [*UNSHARE, script, dev, "x", *argv, "--lang", "en"],
        env=child_env(tmp_path / "agent-data", home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert BenchError("ERASE_LIVE_MEDIUM", path=dev).message.en in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert _digest(dev) == before


def test_the_agent_itself_refuses_a_file_of_its_own_data_folder(tmp_path: Path) -> None:
    """Even when a station orders it (with the right serial), the agent checks the safety
    rules again and writes nothing."""
    data = tmp_path / "agent-data"
    data.mkdir()
    image = data / "OWN-D4T4.img"
    image.write_bytes(b"the agent's own file " * 1000)
    before = _digest(image)
    report = erase_one(str(image), "D4T4", ZEROS, data, threading.Event(), lambda _f: None)
    assert report == {
        "path": str(image),
        "refused": "ERASE_DATA_DISK",
        "detail": report["detail"],
    }
    assert _digest(image) == before


def test_the_agent_refuses_a_wrong_serial_and_a_disk_it_did_not_offer(tmp_path: Path) -> None:
    image = tmp_path / "DISK-R1GHT.img"
    image.write_bytes(b"donor " * 1000)
    before = _digest(image)
    report = erase_one(str(image), "WRONG", ZEROS, tmp_path / "data", threading.Event(), print)
    assert report["refused"] == "ERASE_NOT_CONFIRMED"
    assert _digest(image) == before
    order = {"disks": [{"path": "/dev/sda", "confirm_serial": "1234", "stream": ZEROS.to_json()}]}
    assert erase_order_refusal(order, [str(image)]) == "/dev/sda is not a disk this laptop offers"
    twice = {"disks": [order["disks"][0], order["disks"][0]]}
    assert erase_order_refusal(twice, ["/dev/sda"]) == "a disk named twice"


def test_the_station_names_only_offered_disks_it_may_erase() -> None:
    disks = [
        {"path": "/a", "serial": "S3RIAL-AAAA", "refusals": []},
        {"path": "/b", "serial": "S3RIAL-BBBB", "refusals": ["ERASE_MOUNTED"]},
    ]
    assert [d["path"] for d in chosen_disks(disks, ["aaaa"])] == ["/a"]
    with pytest.raises(BenchError) as refused:
        chosen_disks(disks, ["BBBB"])
    assert refused.value.code == "LAPTOP_DISK_REFUSED"
    with pytest.raises(BenchError) as unknown:
        chosen_disks(disks, ["RIAL"])  # both end differently: "RIAL" names neither
    assert unknown.value.code == "LAPTOP_DISK_UNKNOWN"


SIZE = 1_100_000


def _report(written: int, mode: str, checked: int, ok: bool = True) -> dict[str, object]:
    return {
        "path": "/a",
        "pass": {"bytes": written, "milliseconds": 5, "errors": [], "completed": True},
        "verification": {"mode": mode, "bytes_checked": checked, "ok": ok, "mismatches": []},
    }


@pytest.mark.parametrize(
    ("report", "erased"),
    [
        (_report(SIZE, "full", SIZE), True),
        (_report(SIZE, "sample", SIZE), False),  # a sampled check is not the full one asked
        (_report(SIZE, "full", SIZE // 2), False),  # half the disk read back
        (_report(SIZE - 512, "full", SIZE), False),  # the last sector never written
        (_report(SIZE, "full", SIZE, ok=False), False),
        ({"path": "/a", "pass": {"bytes": SIZE}}, False),  # incomplete report
        ({"path": "/a", "refused": "ERASE_MOUNTED"}, False),
    ],
)
def test_the_station_checks_the_agents_report(report: dict[str, object], erased: bool) -> None:
    from bench_app.erasure.verdict import erasure_reasons

    done, verified, found = _report_facts(report, {"size_bytes": SIZE})
    reasons = found + erasure_reasons(
        [done] if done else [], [verified] if verified else [], {"state": "not_applicable"}
    )
    assert (not reasons) is erased
