"""The erasure helper runs the drive programs (smartctl, hdparm -I / nvme id-ctrl, the purge
commands) for a station that is not root: a real helper process, handed its socket as
systemd does, on loop devices this test made. Loop devices have no SMART nor firmware
erase, so the helper is started with --test-programs pointing at fake smartctl, hdparm and
nvme written here: they record the argv they were given and print answers recorded from the
real programs (tests/drives/data, the simulator's answers)."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bench_app.devices.drives import smart
from bench_app.devices.drives.erase_helper import EraseHelperClient
from bench_app.devices.drives.system_view import SystemView, disks_of, resolve_target
from bench_app.erasure import purge
from bench_app.erasure.helper_commands import DriveRunner
from bench_app.errors import BenchError
from bench_app.jobs.process import ProcessResult
from bench_app.jobs.prompt import Cancelled
from tests.erasure.test_erase_helper import UNUSED_GID, RunningHelper, start_helper

__all__ = ["start_helper"]  # the fixture, shared with the helper's own tests

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "drives" / "data"
ANSWERS = ROOT / "bench_app" / "simulators" / "drive_firmware" / "answers"

# The fake program: records its argv, answers from canned.json by its arguments (the disk
# written DEV); a list of answers is played in order, the last one repeated.
FAKE = """#!{python}
import json, os, sys
folder = os.path.dirname(os.path.abspath(__file__))
calls = os.path.join(folder, "calls.jsonl")
with open(calls, "a") as f:
    f.write(json.dumps(sys.argv) + "\\n")
args = ["DEV" if a == {dev!r} else a for a in sys.argv[1:]]
key = os.path.basename(sys.argv[0]) + " " + " ".join(args)
with open(os.path.join(folder, "canned.json")) as f:
    canned = json.load(f)
answer = canned.get(key, {{"rc": 0, "stdout": "", "stderr": ""}})
if isinstance(answer, list):
    with open(calls) as f:
        seen = sum(1 for line in f if json.loads(line)[1:] == sys.argv[1:])
    answer = answer[min(seen, len(answer)) - 1]
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("rc", 0))
"""


@dataclass
class FakePrograms:
    folder: Path
    dev: str

    def answer(self, key: str, *answers: dict[str, Any]) -> None:
        """What `key` ("hdparm -I DEV") prints; several answers are given in turn."""
        path = self.folder / "canned.json"
        canned = json.loads(path.read_text())
        canned[key] = list(answers) if len(answers) > 1 else answers[0]
        path.write_text(json.dumps(canned))

    def calls(self) -> list[list[str]]:
        path = self.folder / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def forget(self) -> None:
        (self.folder / "calls.jsonl").unlink(missing_ok=True)


@dataclass
class Bench:
    helper: RunningHelper
    fake: FakePrograms
    dev: str
    serial: str

    def run(self, request: dict[str, Any], serial: str | None = None) -> dict[str, Any]:
        return self.helper.client().run(request, self.dev, serial or self.serial, wait=120)


@pytest.fixture
def bench(
    start_helper: Callable[..., RunningHelper], loop_device: Callable[..., str], tmp_path: Path
) -> Bench:
    dev = loop_device("CMD-SN-7H8J.img", size=8 * MiB, random=False)
    folder = tmp_path / "programs"
    folder.mkdir()
    for name in ("smartctl", "hdparm", "nvme"):
        path = folder / name
        path.write_text(FAKE.format(python=sys.executable, dev=dev))
        path.chmod(0o755)
    (folder / "canned.json").write_text("{}")
    helper = start_helper(gid=0, args=["--test-programs", str(folder)])
    return Bench(helper, FakePrograms(folder, dev), dev, "CMD-SN-7H8J")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# Written out by hand from hdparm's and nvme-cli's manuals and purge.py's engine: the table
# in helper_commands.py must produce exactly these (DEV is the disk).
EXPECTED_PURGE: dict[tuple[str, str], list[str]] = {
    ("nvme-sanitize-crypto", "erase"): ["nvme", "sanitize", "DEV", "--sanact=4"],
    ("nvme-sanitize-crypto", "status"): ["nvme", "sanitize-log", "DEV", "-o", "json"],
    ("nvme-sanitize-block", "erase"): ["nvme", "sanitize", "DEV", "--sanact=2"],
    ("nvme-sanitize-block", "status"): ["nvme", "sanitize-log", "DEV", "-o", "json"],
    ("nvme-format-crypto", "erase"): [
        "nvme", "format", "DEV", "--ses=2", "--force", "--timeout=21600000"],
    ("nvme-format-user-data", "erase"): [
        "nvme", "format", "DEV", "--ses=1", "--force", "--timeout=21600000"],
    ("ata-sanitize-crypto", "erase"): [
        "hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble", "DEV"],
    ("ata-sanitize-crypto", "status"): ["hdparm", "--sanitize-status", "DEV"],
    ("ata-sanitize-block", "erase"): [
        "hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-block-erase", "DEV"],
    ("ata-sanitize-block", "status"): ["hdparm", "--sanitize-status", "DEV"],
    ("ata-sanitize-overwrite", "erase"): [
        "hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-overwrite", "hex:00000000", "DEV"],
    ("ata-sanitize-overwrite", "status"): ["hdparm", "--sanitize-status", "DEV"],
    ("ata-security-erase", "set-password"): [
        "hdparm", "--user-master", "u", "--security-set-pass", "Etabli", "DEV"],
    ("ata-security-erase", "erase"): [
        "hdparm", "--user-master", "u", "--security-erase", "Etabli", "DEV"],
    ("ata-security-erase", "disable-password"): [
        "hdparm", "--user-master", "u", "--security-disable", "Etabli", "DEV"],
    ("ata-security-erase-enhanced", "set-password"): [
        "hdparm", "--user-master", "u", "--security-set-pass", "Etabli", "DEV"],
    ("ata-security-erase-enhanced", "erase"): [
        "hdparm", "--user-master", "u", "--security-erase-enhanced", "Etabli", "DEV"],
    ("ata-security-erase-enhanced", "disable-password"): [
        "hdparm", "--user-master", "u", "--security-disable", "Etabli", "DEV"],
}  # fmt: skip
EXPECTED_QUESTIONS: dict[tuple[str, str], list[str]] = {
    ("smart", "all"): ["smartctl", "-j", "-a", "DEV"],
    ("smart", "all-sat"): ["smartctl", "-j", "-a", "-d", "sat", "DEV"],
    ("identify", "ata"): ["hdparm", "-I", "DEV"],
    ("identify", "nvme"): ["nvme", "id-ctrl", "DEV", "-o", "json"],
}


def _as_run(bench: Bench, argv: list[str]) -> list[str]:
    """The argv as the helper runs it: the fake program's path, the loop device."""
    return [str(bench.fake.folder / argv[0]), *(bench.dev if a == "DEV" else a for a in argv[1:])]


def test_each_purge_method_step_runs_exactly_its_command(bench: Bench) -> None:
    assert {m for m, _ in EXPECTED_PURGE} == set(purge.METHODS)
    bench.fake.answer("hdparm --sanitize-status DEV", {"rc": 0, "stdout": "busy", "stderr": "x"})
    for (method, step), argv in EXPECTED_PURGE.items():
        bench.fake.forget()
        reply = bench.run({"op": "purge", "method": method, "step": step})
        assert reply["argv"] == _as_run(bench, argv), (method, step)
        assert bench.fake.calls() == [_as_run(bench, argv)], (method, step)
    # The program's own exit status and words come back as they are.
    reply = bench.run({"op": "purge", "method": "ata-sanitize-block", "step": "status"})
    assert (reply["returncode"], reply["stdout"], reply["stderr"]) == (0, "busy", "x")
    log = bench.helper.log_text()
    assert f"running {bench.fake.folder}/nvme sanitize {bench.dev} --sanact=4" in log


def test_smart_and_identify_return_the_programs_answers(bench: Bench) -> None:
    smart_json = _text(ANSWERS / "smartctl" / "sata_ssd_healthy.json")
    identify = _text(DATA / "hdparm" / "identify_ssd_sanitize.txt")
    id_ctrl = _text(ANSWERS / "nvme" / "id_ctrl_sanitize.json")
    bench.fake.answer("smartctl -j -a DEV", {"rc": 0, "stdout": smart_json})
    bench.fake.answer("smartctl -j -a -d sat DEV", {"rc": 2, "stdout": "{}", "stderr": "no"})
    bench.fake.answer("hdparm -I DEV", {"rc": 0, "stdout": identify})
    bench.fake.answer("nvme id-ctrl DEV -o json", {"rc": 0, "stdout": id_ctrl})
    outputs = {
        ("smart", "all"): (0, smart_json),
        ("smart", "all-sat"): (2, "{}"),
        ("identify", "ata"): (0, identify),
        ("identify", "nvme"): (0, id_ctrl),
    }
    for (op, variant), argv in EXPECTED_QUESTIONS.items():
        bench.fake.forget()
        reply = bench.run({"op": op, "variant": variant})
        assert bench.fake.calls() == [_as_run(bench, argv)]
        assert (reply["returncode"], reply["stdout"]) == outputs[op, variant]


def _refused(bench: Bench, request: dict[str, Any], serial: str | None = None) -> BenchError:
    with pytest.raises(BenchError) as refused:
        bench.run(request, serial)
    assert bench.fake.calls() == [], "nothing may run for a refused request"
    return refused.value


def test_unknown_methods_steps_and_variants_are_refused_and_nothing_runs(bench: Bench) -> None:
    cases: list[tuple[dict[str, Any], str | None]] = [
        (
            {"op": "purge", "method": "rm-rf", "step": "erase"},
            "unknown purge method or step 'rm-rf' 'erase'",
        ),
        (
            {"op": "purge", "method": "nvme-format-crypto", "step": "status"},
            "unknown purge method or step 'nvme-format-crypto' 'status'",
        ),
        (
            {"op": "purge", "method": "ata-sanitize-crypto", "step": "set-password"},
            "unknown purge method or step 'ata-sanitize-crypto' 'set-password'",
        ),
        ({"op": "purge", "method": ["nvme-sanitize-crypto"], "step": "erase"}, None),
        ({"op": "smart", "variant": "-t short"}, "unknown smart variant '-t short'"),
        ({"op": "identify"}, "unknown identify variant None"),
    ]
    for request, detail in cases:
        refused = _refused(bench, request)
        assert refused.code == "ERASE_HELPER_BAD_REQUEST"
        if detail is not None:
            assert refused.values == {"detail": detail}


def test_a_wrong_serial_is_refused_before_any_command(bench: Bench) -> None:
    for request in (
        {"op": "smart", "variant": "all"},
        {"op": "identify", "variant": "ata"},
        {"op": "purge", "method": "nvme-sanitize-crypto", "step": "erase"},
    ):
        refused = _refused(bench, request, serial="OTHER-SN-0000")
        assert refused.code == "ERASE_TARGET_CHANGED"
        assert refused.values == {"expected": "OTHER-SN-0000", "found": "CMD-SN-7H8J"}


def test_a_mounted_disk_is_refused_for_every_command(bench: Bench, tmp_path: Path) -> None:
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", bench.dev], check=True, capture_output=True
    )
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", bench.dev, str(mnt)], check=True)
    try:
        for request in (
            {"op": "smart", "variant": "all"},
            {"op": "purge", "method": "ata-security-erase", "step": "set-password"},
        ):
            assert _refused(bench, request).code == "ERASE_MOUNTED"
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_the_system_disk_is_refused(bench: Bench) -> None:
    view = SystemView.read()
    root = view.mounts_under(("/",))[0]
    [name, *_] = sorted(disks_of(root.devnum))
    target = resolve_target(f"/dev/{name}")
    for request in (
        {"op": "smart", "variant": "all"},
        {"op": "purge", "method": "nvme-sanitize-crypto", "step": "erase"},
    ):
        with pytest.raises(BenchError) as refused:
            bench.helper.client().run(request, target.path, target.serial)
        assert refused.value.code == "ERASE_SYSTEM_DISK"
    assert bench.fake.calls() == []


def test_a_caller_outside_the_group_is_refused(
    start_helper: Callable[..., RunningHelper], bench: Bench
) -> None:
    outsider = start_helper(gid=UNUSED_GID, args=["--test-programs", str(bench.fake.folder)])
    for request in (
        {"op": "smart", "variant": "all"},
        {"op": "purge", "method": "ata-security-erase", "step": "erase"},
    ):
        with pytest.raises(BenchError) as refused:
            outsider.client().run(request, bench.dev, bench.serial)
        assert refused.value.code == "ERASE_HELPER_NOT_ALLOWED"
    assert bench.fake.calls() == []


# -- No client value ever reaches a command line ---------------------------------------------

_NOISE = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)
_VALUE = st.one_of(
    _NOISE,
    st.integers(),
    st.none(),
    st.lists(_NOISE, max_size=3),
    st.sampled_from(["-a", "--force", "/dev/sda", "; reboot", "$(id)", "Etabli", "DEV"]),
)
_KNOWN_METHODS = sorted(purge.METHODS)
_EXTRAS = st.fixed_dictionaries(
    {},
    optional={
        "argv": st.lists(_NOISE, max_size=4),
        "args": st.lists(_NOISE, max_size=4),
        "command": _NOISE,
        "program": st.sampled_from(["/bin/sh", "bash", "dd"]),
        "timeout": st.integers(),
        "device": st.sampled_from(["/dev/sda", "/dev/nvme0n1"]),
        "extra": _VALUE,
        "variant": _VALUE,  # ignored by purge
        "method": _VALUE,  # ignored by smart and identify
        "step": _VALUE,
    },
)
_VALID = [{"op": op, "variant": v} for op, v in EXPECTED_QUESTIONS] + [
    {"op": "purge", "method": m, "step": s} for m, s in EXPECTED_PURGE
]
_RANDOM = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["smart", "identify", "purge", "open-sesame"]),
        "variant": st.one_of(st.sampled_from(["all", "all-sat", "ata", "nvme"]), _VALUE),
        "method": st.one_of(st.sampled_from(_KNOWN_METHODS), _VALUE),
        "step": st.one_of(
            st.sampled_from(["erase", "status", "set-password", "disable-password"]), _VALUE
        ),
    },
)
# Half the requests name a real entry, with noise around it that must be ignored; half are
# anything at all, which must be refused unless they happen to name an entry.
_REQUEST = st.one_of(
    st.tuples(_EXTRAS, st.sampled_from(_VALID)).map(lambda pair: {**pair[0], **pair[1]}),
    st.tuples(_RANDOM, _EXTRAS).map(lambda pair: {**pair[1], **pair[0]}),
)
_ALLOWED = [*EXPECTED_PURGE.values(), *EXPECTED_QUESTIONS.values()]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=_REQUEST)
def test_no_client_value_ever_reaches_the_command_line(
    bench: Bench, request: dict[str, Any]
) -> None:
    bench.fake.forget()
    try:
        reply: dict[str, Any] | None = bench.run(request)
    except BenchError as refused:
        assert refused.code == "ERASE_HELPER_BAD_REQUEST"
        reply = None
    calls = bench.fake.calls()
    event("refused" if reply is None else "accepted")
    if reply is None:
        assert calls == []
        return
    # Accepted: exactly one command ran, and it is one of the table's, whatever else came.
    assert calls == [reply["argv"]]
    assert calls[0] in [_as_run(bench, argv) for argv in _ALLOWED]
    if request["op"] == "purge":
        chosen = (request["method"], request["step"])
    else:
        chosen = (request["op"], request["variant"])
    expected = {**EXPECTED_PURGE, **EXPECTED_QUESTIONS}[chosen]
    assert calls[0] == _as_run(bench, expected)


# -- The station's runner --------------------------------------------------------------------


@pytest.fixture
def helper_env(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> Bench:
    """The station finds the helper where $ETABLI_ERASE_HELPER_SOCKET says."""
    monkeypatch.setenv("ETABLI_ERASE_HELPER_SOCKET", bench.helper.socket)
    return bench


class LocalRuns:
    """The station's own runner, as a recorder: what would have run without the helper."""

    def __init__(self) -> None:
        self.argvs: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        self.argvs.append(list(argv))
        return ProcessResult(tuple(argv), 0, "", "")


def _runner(bench: Bench, local: LocalRuns, *, root: bool, **kw: Any) -> DriveRunner:
    """The runner the erasure job builds, as a station that is (not) root."""
    return DriveRunner(local, lambda: resolve_target(bench.dev), is_root=lambda: root, **kw)


def test_a_station_that_is_not_root_reads_smart_through_the_helper(helper_env: Bench) -> None:
    bench = helper_env
    smart_json = _text(ANSWERS / "smartctl" / "sata_hdd_bad_sectors.json")
    bench.fake.answer("smartctl -j -a DEV", {"rc": 0, "stdout": smart_json})
    local = LocalRuns()
    report = smart.read_smart(bench.dev, _runner(bench, local, root=False))
    assert report.verdict == smart.parse_smartctl(json.loads(smart_json)).verdict != "unknown"
    assert bench.fake.calls() == [_as_run(bench, ["smartctl", "-j", "-a", "DEV"])]
    # A program outside the helper's table (HPA reading) stays the station's own.
    _runner(bench, local, root=False)(["hdparm", "-N", bench.dev])
    assert local.argvs == [["hdparm", "-N", bench.dev]]
    # Root runs everything itself; the helper is not asked.
    bench.fake.forget()
    _runner(bench, local, root=True)(["smartctl", "-j", "-a", bench.dev])
    assert local.argvs[-1] == ["smartctl", "-j", "-a", bench.dev]
    assert bench.fake.calls() == []


def test_without_a_helper_a_normal_user_runs_the_program_itself(
    loop_device: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No helper installed: the program runs as the user (and says it may not), as before
    the helper existed; the erasure itself stops at the disk's opening."""
    dev = loop_device("NOHLP-SN-2K4M.img", size=4 * MiB, random=False)
    monkeypatch.setenv("ETABLI_ERASE_HELPER_SOCKET", str(tmp_path / "none.sock"))
    local = LocalRuns()
    runner = DriveRunner(local, lambda: resolve_target(dev), is_root=lambda: False)
    runner(["smartctl", "-j", "-a", dev])
    assert local.argvs == [["smartctl", "-j", "-a", dev]]
    # A helper the station was told to use must answer, though.
    named = DriveRunner(
        local,
        lambda: resolve_target(dev),
        helper=EraseHelperClient(str(tmp_path / "none.sock")),
        is_root=lambda: True,
    )
    with pytest.raises(BenchError) as refused:
        named(["hdparm", "-I", dev])
    assert refused.value.code == "ERASE_HELPER_UNREACHABLE"
    assert len(local.argvs) == 1


def test_a_purge_by_the_engine_goes_through_the_helper_step_by_step(helper_env: Bench) -> None:
    """The engine's ATA security erase, as a normal user: identify, set the temporary
    password, erase, identify again; each a command the helper built itself."""
    bench = helper_env
    before = _text(DATA / "hdparm" / "identify_hdd_security.txt")
    enabled = before.replace("\tnot\tenabled", "\t\tenabled", 1)
    assert enabled != before
    bench.fake.answer(
        "hdparm -I DEV",
        {"stdout": before},
        {"stdout": enabled},
        {"stdout": before},
    )
    local = LocalRuns()
    runner = _runner(bench, local, root=False)
    plan = purge.detect(bench.dev, "sata", "hdd", runner)
    assert isinstance(plan, purge.PurgePlan) and plan.method == "ata-security-erase"
    bench.fake.forget()
    bench.fake.answer("hdparm -I DEV", {"stdout": before}, {"stdout": enabled}, {"stdout": before})
    result = purge.run_purge(
        plan, bench.dev, runner, progress=lambda _f: None, cancelled=threading.Event()
    )
    assert result.ok, result.detail.en
    assert bench.fake.calls() == [
        _as_run(bench, argv)
        for argv in (
            ["hdparm", "-I", "DEV"],
            EXPECTED_PURGE["ata-security-erase", "set-password"],
            ["hdparm", "-I", "DEV"],
            EXPECTED_PURGE["ata-security-erase", "erase"],
            ["hdparm", "-I", "DEV"],
        )
    ]
    assert local.argvs == []
    # The password is still kept out of the engine's record.
    assert all("Etabli" not in argv for argv in result.commands)


def test_cancelling_stops_the_command_in_the_helper(helper_env: Bench) -> None:
    """A job cancelled while the drive erases closes the connection; the helper stops the
    program instead of leaving it behind. The fake program holds a pipe open while it runs:
    its end of file is the proof that it was stopped."""
    bench = helper_env
    fifo = bench.fake.folder / "running"
    os.mkfifo(fifo)
    slow = bench.fake.folder / "nvme"
    slow.write_text(
        f"#!{sys.executable}\nimport os, signal\n"
        f"pipe = open({str(fifo)!r}, 'w')\n"
        "pipe.write(f'{os.getpid()}\\n'); pipe.flush()\n"
        "signal.pause()\n"
    )
    slow.chmod(0o755)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    cancelled = threading.Event()
    runner = _runner(bench, LocalRuns(), root=False, cancelled=cancelled)
    outcome: list[BaseException | ProcessResult] = []

    def erase() -> None:
        try:
            outcome.append(runner(["nvme", "sanitize", bench.dev, "--sanact=4"]))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=erase)
    worker.start()
    try:
        assert _read_pipe(reader).strip().isdigit()  # the program runs
        cancelled.set()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert isinstance(outcome[0], Cancelled)
        assert _read_pipe(reader) == ""  # its end of the pipe closed: it was stopped
    finally:
        cancelled.set()
        worker.join(timeout=60)
        os.close(reader)


def _read_pipe(fd: int, timeout: float = 60.0) -> str:
    """What comes next on the pipe ("" at its end), waiting at most `timeout` seconds."""
    ready, _, _ = select.select([fd], [], [], timeout)
    assert ready, "nothing on the pipe in time"
    return os.read(fd, 4096).decode()


def test_the_helper_refuses_to_run_a_program_the_system_lacks(tmp_path: Path) -> None:
    """Without --test-programs the programs come from the system folders only."""
    from bench_app.erasure.erase_helper_service import Helper

    helper = Helper(0)
    found = helper.program("hdparm")
    assert found.startswith(("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"))
    assert stat.S_IMODE(os.stat(found).st_mode) & 0o111
    with pytest.raises(BenchError) as missing:
        helper.program("no-such-drive-tool")
    assert missing.value.code == "ERASE_HELPER_FAILED"
