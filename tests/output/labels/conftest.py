"""Label tests: devices with what a label needs, simulated printers, and a real cupsd
started on its own temporary configuration (a Unix socket, raw queues)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.domain.model import Device, DeviceKind
from bench_app.simulators.printers import SimulatedBrotherQL, SimulatedZebra
from bench_app.station import Station
from bench_app.store.database import NewEvent


def scan(path: Path) -> list[str]:
    """Every QR code zbar finds in an image, as text."""
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if line]


@dataclass
class Workshop:
    station: Station
    phone: Device
    drive: Device
    laptop: Device


def grade(station: Station, device: Device, workshop_grade: str) -> None:
    station.store.record(
        [
            NewEvent(
                "grade.assigned",
                {
                    "device_id": device.id,
                    "functional": "B",
                    "cosmetic": 6,
                    "workshop_grade": workshop_grade,
                },
                device.id,
            )
        ],
        operator="test",
        training=device.training,
    )


@pytest.fixture
def workshop(station: Station) -> Workshop:
    """A graded phone (64 GB, 4 GB RAM), a 500 GB drive and an inventoried laptop."""
    phone = station.register_device(
        DeviceKind.PHONE,
        brand="Samsung",
        model="SM-G960F",
        serial="R58M12ABCDE",
        identity={"marketing_name": "Samsung Galaxy S9", "storage_gb": 64, "ram_mb": 3700},
    )
    grade(station, phone, "B")
    drive = station.register_device(
        DeviceKind.DRIVE,
        brand="Seagate",
        model="ST500LM030",
        serial="ZDE1XYZ",
        identity={"size_bytes": 500_107_862_016},
    )
    laptop = station.register_device(
        DeviceKind.LAPTOP, brand="Lenovo", model="ThinkPad T480", serial="PF1ABCDE"
    )
    inventory = {
        "ram": {"total_bytes": 8_200_000_000, "installed_bytes": 8 * 2**30},
        "drives": [{"path": "/dev/nvme0n1", "size_bytes": 256_060_514_304}],
    }
    station.store.record(
        [
            NewEvent(
                "device.inventoried", {"device_id": laptop.id, "inventory": inventory}, laptop.id
            )
        ],
        operator="test",
        training=False,
    )
    found = [station.device(d.id) for d in (phone, drive, laptop)]
    assert all(found)
    return Workshop(station, *(d for d in found if d is not None))


@pytest.fixture
def zebra() -> Iterator[SimulatedZebra]:
    printer = SimulatedZebra()
    yield printer
    printer.off()


@pytest.fixture
def brother() -> Iterator[SimulatedBrotherQL]:
    printer = SimulatedBrotherQL(62)
    yield printer
    printer.off()


@dataclass
class Cups:
    server: str  # the value for CUPS_SERVER / PrinterConfig.server
    root: Path
    process: subprocess.Popen[bytes]

    def add_raw_queue(self, name: str, device_uri: str) -> None:
        env = dict(os.environ, CUPS_SERVER=self.server)
        subprocess.run(
            ["lpadmin", "-p", name, "-E", "-v", device_uri, "-m", "raw"],
            env=env,
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


_CUPSD_CONF = """\
Listen {root}/cups.sock
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_CUPS_FILES_CONF = """\
ServerRoot {root}
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/spool
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Printcap {root}/printcap
"""


@pytest.fixture
def cups() -> Iterator[Cups]:
    """A real cupsd of its own (Debian's `cups` package), reached through a Unix socket."""
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    assert Path(cupsd).exists(), "install Debian's cups package (cupsd and its socket backend)"
    # Not under pytest's tmp_path (mode 0700): CUPS backends run as user lp and read the spool.
    root = Path(tempfile.mkdtemp(prefix="etabli-cups-"))
    for sub in ("spool", "cache", "state", "log", "ppd"):
        (root / sub).mkdir(parents=True)
    root.chmod(0o755)
    (root / "cupsd.conf").write_text(_CUPSD_CONF.format(root=root))
    (root / "cups-files.conf").write_text(_CUPS_FILES_CONF.format(root=root))
    process = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Cups(str(root / "cups.sock"), root, process)
    env = dict(os.environ, CUPS_SERVER=server.server)
    deadline = time.monotonic() + 20
    while True:
        ready = subprocess.run(["lpstat", "-r"], env=env, capture_output=True, text=True)
        if "is running" in ready.stdout and "not" not in ready.stdout:
            break
        assert process.poll() is None, (root / "log" / "error_log").read_text()
        assert time.monotonic() < deadline, "cupsd did not start"
        time.sleep(0.1)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def wait_for(predicate: object, timeout_s: float = 20.0) -> None:
    """Waits for a printer on the other side of CUPS to receive its job."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "the job never reached the printer"
        time.sleep(0.05)
