"""The privileged erasure helper as a real process, started the way systemd starts it (the
listening socket passed as fd 3 with LISTEN_FDS/LISTEN_PID), on a unix socket in a temporary
folder. Its targets are loop devices this test made; it refuses the system disk, a mounted
disk, a wrong serial, a peer outside the group and a malformed request (and keeps serving),
and an accepted request gives descriptors through which the station's erasure engine erases
and verifies the disk."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.devices.drives.erase_helper import EraseHelperClient
from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import SystemView, disks_of, resolve_target
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure.records import latest_erasure
from bench_app.errors import BenchError
from bench_app.station import Station
from tests.unit.support import finish

MiB = 1 << 20
UNUSED_GID = 4_242_424  # a group no process of this machine is in


@dataclass
class RunningHelper:
    socket: str
    log: Path
    proc: subprocess.Popen[bytes]

    def client(self) -> EraseHelperClient:
        return EraseHelperClient(self.socket, timeout=60)

    def log_text(self) -> str:
        return self.log.read_text()


@pytest.fixture
def start_helper(tmp_path: Path) -> Iterator[Callable[..., RunningHelper]]:
    """Starts the helper as systemd would: a listening socket already bound (so a client
    never races its start), handed over as fd 3 with LISTEN_PID set to the helper's pid."""
    started: list[tuple[RunningHelper, socket.socket]] = []
    short = tempfile.mkdtemp(prefix="eh-")  # a unix socket's path is at most 107 bytes

    def start(
        gid: int = 0, data_dir: Path | None = None, args: Sequence[str] = ()
    ) -> RunningHelper:
        path = str(Path(short) / f"erase-{len(started)}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(8)
        fd = listener.fileno()
        argv = [sys.executable, "-m", "bench_app.erasure.erase_helper_service", "--gid", str(gid)]
        if data_dir is not None:
            argv += ["--data-dir", str(data_dir)]
        argv += list(args)
        # bash keeps its pid through exec: LISTEN_PID=$$ names the helper, as systemd does.
        script = f'exec 3<&{fd} {fd}<&-; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
        log = tmp_path / f"helper-{len(started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["bash", "-c", script, "bash", *argv],
                pass_fds=(fd,),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = RunningHelper(path, log, proc)
        started.append((running, listener))
        return running

    yield start
    for running, listener in started:
        running.proc.terminate()
        running.proc.wait(timeout=20)
        listener.close()
    shutil.rmtree(short, ignore_errors=True)


def _backing(dev: str) -> Path:
    return Path(Path(f"/sys/block/{Path(dev).name}/loop/backing_file").read_text().strip())


def _raw(path: str, payload: bytes) -> dict[str, object]:
    """Sends bytes as they are and reads the helper's one-line answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        s.connect(path)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    answer = json.loads(data)
    assert isinstance(answer, dict)
    return answer


def test_an_accepted_disk_is_erased_and_verified_through_the_helper(
    start_helper: Callable[..., RunningHelper],
    loop_device: Callable[..., str],
    station: Station,
) -> None:
    helper = start_helper(gid=0)  # root's group: this test's process is in it
    dev = loop_device("HLPR-SN-8K3M.img", size=16 * MiB)
    before = _backing(dev).read_bytes()
    opened = helper.client().open(dev, "HLPR-SN-8K3M")
    try:
        # The descriptor is the loop device itself, open for writing.
        assert os.fstat(opened.fd).st_rdev == os.stat(dev).st_rdev
        assert os.fstat(opened._plain_fd()).st_rdev == os.stat(dev).st_rdev
    finally:
        opened.close()
    device = station.device_connected(DriveHandle(dev, helper=helper.client()))
    job = station.start_job(
        device.id,
        "drive.erase",
        {"method": "clear-zero", "verify": "full", "confirm_serial": "8k3m"},
    )
    assert finish(job) is JobState.SUCCEEDED, job.message
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased", record
    assert record["verification"]["ok"] and record["verification"]["bytes_checked"] == 16 * MiB
    after = _backing(dev).read_bytes()
    assert before != after and after == bytes(16 * MiB)
    assert (station.device(device.id) or device).stage is DeviceStage.ERASED
    # Opened above, then for the pass and for the verification: each logged.
    assert helper.log_text().count(f"opened {dev} (serial HLPR-SN-8K3M)") == 3


def test_a_wrong_serial_is_refused_and_nothing_is_sent(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str]
) -> None:
    helper = start_helper(gid=0)
    dev = loop_device("RIGHT-SN-1A2B.img", size=8 * MiB)
    with pytest.raises(BenchError) as refused:
        helper.client().open(dev, "OTHER-SN-9Z9Z")
    assert refused.value.code == "ERASE_TARGET_CHANGED"
    assert refused.value.values == {"expected": "OTHER-SN-9Z9Z", "found": "RIGHT-SN-1A2B"}
    assert "refused [ERASE_TARGET_CHANGED]" in helper.log_text()


def _mkfs(dev: str) -> None:
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev], check=True, capture_output=True
    )


def test_a_mounted_disk_is_refused(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str], tmp_path: Path
) -> None:
    helper = start_helper(gid=0)
    dev = loop_device("MOUNT-SN-5T6Y.img", size=16 * MiB)
    _mkfs(dev)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True)
    try:
        with pytest.raises(BenchError) as refused:
            helper.client().open(dev, "MOUNT-SN-5T6Y")
        assert refused.value.code == "ERASE_MOUNTED"
        assert str(mnt) in refused.value.message.en
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_the_system_disk_is_refused_by_the_helper(
    start_helper: Callable[..., RunningHelper],
) -> None:
    """Read-only: the helper is asked for the disk under `/`, with its true serial."""
    view = SystemView.read()
    root = view.mounts_under(("/",))[0]
    [name, *_] = sorted(disks_of(root.devnum))
    target = resolve_target(f"/dev/{name}")
    helper = start_helper(gid=0)
    with pytest.raises(BenchError) as refused:
        helper.client().open(target.path, target.serial)
    assert refused.value.code == "ERASE_SYSTEM_DISK"


def test_a_peer_outside_the_group_is_refused_and_an_image_file_too(
    start_helper: Callable[..., RunningHelper],
    loop_device: Callable[..., str],
    image: Callable[..., Path],
) -> None:
    outsider = start_helper(gid=UNUSED_GID)
    dev = loop_device("GROUP-SN-3E4R.img", size=8 * MiB)
    with pytest.raises(BenchError) as refused:
        outsider.client().open(dev, "GROUP-SN-3E4R")
    assert refused.value.code == "ERASE_HELPER_NOT_ALLOWED"
    assert refused.value.values["uid"] == str(os.getuid())
    with pytest.raises(BenchError) as pinged:
        outsider.client().ping()
    assert pinged.value.code == "ERASE_HELPER_NOT_ALLOWED"
    # The helper opens whole disks only: an image file is the station's own business.
    member = start_helper(gid=0)
    path = image("FILE-SN-0000.img", size=4 * MiB)
    with pytest.raises(BenchError) as not_disk:
        member.client().open(str(path), "FILE-SN-0000")
    assert not_disk.value.code == "ERASE_NOT_A_DRIVE"


def test_a_disk_holding_the_station_data_is_refused(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str], tmp_path: Path
) -> None:
    """The data folder the station names is never erased, even on a disk that is not
    mounted: here a loop device over a file inside that folder."""
    folder = tmp_path / "station-data-here"
    folder.mkdir()
    dev = loop_device("DATA-SN-7U8I.img", size=8 * MiB)
    moved = folder / "DATA-SN-7U8I.img"
    shutil.move(str(_backing(dev)), moved)
    helper = start_helper(gid=0)
    with pytest.raises(BenchError) as refused:
        helper.client().open(dev, resolve_target(dev).serial, data_dir=folder)
    assert refused.value.code == "ERASE_DATA_FILE"


def test_a_malformed_request_is_refused_plainly_and_the_helper_keeps_serving(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str]
) -> None:
    helper = start_helper(gid=0)
    for payload, detail in [
        (b"this is not json\n", "not JSON"),
        (b"[1, 2]\n", "not a JSON object"),
        (b'{"op": "format-everything"}\n', "unknown op 'format-everything'"),
        (b'{"op": "open", "path": 3}\n', "path and serial expected"),
        (b'{"op": "open", "path": "sdb", "serial": "X"}\n', "the path must be absolute"),
        (b"x" * 5000, "request too long"),
    ]:
        answer = _raw(helper.socket, payload)
        assert answer == {
            "ok": False,
            "code": "ERASE_HELPER_BAD_REQUEST",
            "values": {"detail": detail},
        }
    # A client that connects and says nothing, then goes, does not stop it either.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(helper.socket)
    assert helper.client().ping() is True
    dev = loop_device("AFTER-SN-2W3E.img", size=8 * MiB)
    opened = helper.client().open(dev, "AFTER-SN-2W3E")
    opened.close()
    assert helper.proc.poll() is None


def test_an_unreachable_helper_says_what_to_do(
    tmp_path: Path, loop_device: Callable[..., str]
) -> None:
    dev = loop_device("NOHLP-SN-6Y7U.img", size=8 * MiB)
    handle = DriveHandle(dev, helper=EraseHelperClient(str(tmp_path / "no-such.sock")))
    with pytest.raises(BenchError) as refused:
        handle.open_io(write=True)
    assert refused.value.code == "ERASE_HELPER_UNREACHABLE"
    assert "etabli-erase-helper.socket" in refused.value.action.fr
    assert "groupe etabli" in refused.value.action.fr


def _open_to_others(path: Path) -> bool:
    """Whether a user with no rights of its own may reach `path` (every folder above it
    searchable by others, the file readable and, for a program, executable)."""
    real = path.resolve()
    if not real.exists() or not real.stat().st_mode & 0o005:
        return False
    return all(p.stat().st_mode & 0o001 for p in real.parents)


def _interpreter_for_others() -> tuple[str, list[str]]:
    """A Python of this version that `nobody` may run, and the folders it imports from:
    this one when it may (a venv under /root may not: then the system's own Python with
    this venv's packages)."""
    import site

    root = str(Path(__file__).resolve().parents[2])
    paths = [root, *site.getsitepackages()]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys.executable), Path("/usr/bin") / version):
        if _open_to_others(candidate):
            return str(candidate), paths
    raise AssertionError(f"no {version} that an unprivileged user may run")


def test_a_normal_user_in_the_group_erases_a_disk_it_cannot_open_itself(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str]
) -> None:
    """The station as a normal user (nobody, with the helper's group as a supplementary
    group): `etabli erase` cannot open the loop device itself (root-only), asks the helper
    named by $ETABLI_ERASE_HELPER_SOCKET, erases through the descriptors and verifies."""
    dev = loop_device("USER-SN-4R5T.img", size=8 * MiB)
    assert os.stat(dev).st_mode & 0o006 == 0  # others may not open it
    helper = start_helper(gid=UNUSED_GID)
    os.chmod(Path(helper.socket).parent, 0o755)
    os.chown(helper.socket, 0, UNUSED_GID)
    os.chmod(helper.socket, 0o660)
    home = Path(tempfile.mkdtemp(prefix="eh-user-"))
    os.chmod(home, 0o755)
    os.chown(home, 65534, 65534)
    python, paths = _interpreter_for_others()
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(paths),
        "HOME": str(home),
        "ETABLI_DATA_DIR": str(home / "data"),
        "ETABLI_ERASE_HELPER_SOCKET": helper.socket,
    }
    try:
        done = subprocess.run(
            [python, "-m", "bench_app.commands.main", "erase", dev, "--method",
             "clear-zero", "--verify", "full", "--confirm-serial", "4r5t", "--json"],
            user=65534, group=65534, extra_groups=[UNUSED_GID], env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["result"] == "erased" and record["verification"]["ok"]
        assert _backing(dev).read_bytes() == bytes(8 * MiB)
        assert f"uid=65534: opened {dev}" in helper.log_text()
        # SMART, which a normal user may not read either, was read by the helper too.
        assert f"uid=65534: running {shutil.which('smartctl')} -j -a {dev}" in helper.log_text()
        # Without the group, the same user is refused by the helper, with what to do.
        again = subprocess.run(
            [python, "-m", "bench_app.commands.main", "erase", dev, "--method",
             "clear-zero", "--confirm-serial", "4r5t"],
            user=65534, group=65534, extra_groups=[], env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert again.returncode != 0
        assert "etabli" in again.stderr and "Traceback" not in again.stderr
    finally:
        shutil.rmtree(home, ignore_errors=True)
