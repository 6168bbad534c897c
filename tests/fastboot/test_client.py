"""The project's fastboot client on its own: errors the operator sees, progress, format,
unlock prompts, checking the phone's model, and the simulator's refusal outside tests."""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.devices.fastboot.client import FastbootClient, FastbootFailed, FastbootGone
from bench_app.devices.fastboot.tcp import TcpTransport
from bench_app.devices.fastboot.transport import TransportGarbled, TransportGone
from bench_app.errors import BenchError
from bench_app.simulators.bootloader import FastbootSimulator, SimulatedBootloader
from bench_app.simulators.mode import TEST_ENV, SimulationMode
from bench_app.text import Text
from tests.fastboot.conftest import StartSim
from tests.fastboot.support import make_raw, wait_until


def connect(sim: FastbootSimulator, lines: list[str] | None = None) -> FastbootClient:
    return FastbootClient(
        TcpTransport(sim.host, sim.port), on_info=None if lines is None else lines.append
    )


def test_assert_var_refuses_another_model_before_writing(start_sim: StartSim) -> None:
    sim = start_sim("lavender", unlocked=True)
    with connect(sim) as client:
        assert client.assert_var("product", ["lavender", "lavender_in"]) == "lavender"
        with pytest.raises(BenchError) as wrong:
            client.assert_var("product", ["FP4"])
    assert wrong.value.code == "FASTBOOT_WRONG_DEVICE"
    assert "« lavender »" in wrong.value.message.fr and "« FP4 »" in wrong.value.message.fr
    assert "Nothing was written" in wrong.value.text("en")
    assert not [c for c in sim.bootloader.commands if not c.startswith("getvar")]


def test_getvar_all_and_unknown_variables(start_sim: StartSim) -> None:
    sim = start_sim(slot_count=1)
    with connect(sim) as client:
        values = client.getvar_all()
        assert values["product"] == "FP4" and values["slot-count"] == "1"
        assert values["partition-type:userdata"] == "ext4"
        with pytest.raises(FastbootFailed) as unknown:
            client.getvar("frobnicate")
        assert unknown.value.reason == "GetVar Variable Not found"
        assert client.resolve_slots("boot", None) == ["boot"]  # no A/B: names as they are


def test_a_locked_phone_gives_the_locked_error_and_nothing_is_written(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim = start_sim()
    make_raw(tmp_path / "boot.img", 200 * 1024)
    with connect(sim) as client, pytest.raises(FastbootFailed) as locked:
        client.step = Text("Installer LineageOS", "Install LineageOS")
        client.flash("boot", tmp_path / "boot.img")
    assert locked.value.code == "FASTBOOT_LOCKED"
    assert "Flashing is not allowed in Lock State" in locked.value.message.en
    assert "« Installer LineageOS »" in locked.value.action.fr


def test_an_unplug_mid_download_says_the_phone_is_still_in_fastboot(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim = start_sim(unlocked=True, faults={"drop_download_after": 100_000})
    make_raw(tmp_path / "boot.img", 800 * 1024)
    with connect(sim) as client, pytest.raises(FastbootGone) as gone:
        client.flash("boot", tmp_path / "boot.img")
    assert gone.value.code == "FASTBOOT_GONE"
    assert "resté en mode fastboot" in gone.value.action.fr
    assert "« flasher boot_a »" in gone.value.action.fr  # the step to resume at


def test_garbage_closes_the_session_with_a_clear_error(start_sim: StartSim) -> None:
    sim = start_sim(faults={"garbage_reply_to": "getvar:product"})
    client = connect(sim)
    with pytest.raises(BenchError) as garbled:
        client.getvar("product")
    assert garbled.value.code == "FASTBOOT_GARBLED"
    with pytest.raises(FastbootGone):
        client.getvar("product")  # the link was closed: nothing more is trusted on it
    with connect(sim) as again:  # reconnecting works
        assert again.getvar("product") == "FP4"


def test_a_phone_that_does_not_speak_fastboot_is_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer() -> None:
            conn, _ = server.accept()
            conn.recv(4)
            conn.sendall(b"HTTP/1.1 400\r\n")
            conn.close()

        thread = threading.Thread(target=answer)
        thread.start()
        with pytest.raises(TransportGarbled):
            TcpTransport("127.0.0.1", port)
        thread.join()
    with pytest.raises(TransportGone):
        TcpTransport("127.0.0.1", port)  # nobody listens any more


def test_unlock_reports_the_phone_s_prompts_while_waiting_for_the_operator(
    start_sim: StartSim,
) -> None:
    sim = start_sim(faults={"operator": "nothing", "info_interval": 0.05})
    lines: list[str] = []
    pressed = threading.Event()

    def operator(line: str) -> None:
        lines.append(line)
        if len(lines) == 4 and not pressed.is_set():
            pressed.set()
            sim.bootloader.press_keys(True)

    with FastbootClient(TcpTransport(sim.host, sim.port), on_info=operator) as client:
        client.flashing_unlock(timeout=30)
        assert client.getvar("unlocked") == "yes"
    assert "Volume keys to choose" in lines[0]
    assert "Waiting for confirmation on the device" in lines[1:4]


def test_an_operator_who_never_answers_times_out_with_what_to_do(start_sim: StartSim) -> None:
    sim = start_sim(faults={"operator": "nothing", "info_interval": 5.0})
    with connect(sim) as client, pytest.raises(BenchError) as waited:
        client.flashing_unlock(timeout=0.3)
    assert waited.value.code == "FASTBOOT_OPERATOR_TIMEOUT"
    assert "touches de volume" in waited.value.action.fr


def test_a_phone_unplugged_at_its_unlock_prompt_leaves_no_operator_behind(
    start_sim: StartSim,
) -> None:
    """The simulated operator (a timer) would press the keys in ten minutes; the cable
    comes out first. The press is called off with the prompt rather than left running to
    answer some later prompt."""
    sim = start_sim(faults={"operator": "accept", "operator_delay": 600.0, "info_interval": 0.05})
    before = set(threading.enumerate())
    lines: list[str] = []
    unlocking = threading.Thread(target=_unlock_quietly, args=(sim, lines))
    unlocking.start()
    wait_until(lambda: len(lines) >= 2, "the phone to wait for its operator")
    sim.stop()
    unlocking.join()

    def operators() -> list[threading.Thread]:
        return [
            t for t in threading.enumerate() if t not in before and isinstance(t, threading.Timer)
        ]

    wait_until(lambda: not operators(), "the simulated operator to be called off")
    assert not sim.bootloader.unlocked


def _unlock_quietly(sim: FastbootSimulator, lines: list[str]) -> None:
    with contextlib.suppress(Exception), connect(sim, lines) as client:  # the cable comes out
        client.flashing_unlock(timeout=30)


def test_oem_unlock_with_the_maker_s_code(start_sim: StartSim) -> None:
    sim = start_sim(faults={"unlock_code": "0123456789ABCDEF"})
    with connect(sim) as client:
        with pytest.raises(FastbootFailed) as wrong:
            client.oem_unlock("1111")
        assert wrong.value.code == "FASTBOOT_FAILED" and wrong.value.reason == "Wrong unlock code"
        client.oem_unlock("0123456789ABCDEF")
        assert client.getvar("unlocked") == "yes"


def test_progress_rises_to_the_total_over_every_piece(start_sim: StartSim, tmp_path: Path) -> None:
    sim = start_sim(unlocked=True)
    raw = make_raw(tmp_path / "boot.img", 4 << 20)
    seen: list[tuple[int, int]] = []
    with connect(sim) as client:
        client.flash("boot", tmp_path / "boot.img", progress=lambda a, b: seen.append((a, b)))
    sent = [a for a, _ in seen]
    assert sent == sorted(sent) and sent[-1] == seen[-1][1] and len({b for _, b in seen}) == 1
    assert sim.bootloader.read_partition("boot_a", len(raw)) == raw


def test_flash_to_both_slots_and_a_bad_image_sends_nothing(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim = start_sim(unlocked=True)
    raw = make_raw(tmp_path / "dtbo.img", 100 * 1024)
    with connect(sim) as client:
        client.flash("dtbo", tmp_path / "dtbo.img", slot="all")
        assert sim.bootloader.read_partition("dtbo_b", len(raw)) == raw
        assert sim.bootloader.read_partition("dtbo_a", len(raw)) == raw
        broken = tmp_path / "broken.simg"
        broken.write_bytes(bytes.fromhex("3aff26ed01000000") + b"\0" * 40)
        before = len(sim.bootloader.commands)
        for bad in (broken, tmp_path / "missing.img"):
            with pytest.raises(BenchError) as refused:
                client.flash("dtbo", bad)
            assert refused.value.code == "FASTBOOT_IMAGE_INVALID"
        assert sim.bootloader.commands[before:] == []


def test_format_builds_an_ext4_file_system_the_kernel_tools_accept(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim = start_sim(unlocked=True, max_download_size=4 << 20)
    sim.bootloader.write_partition("metadata", b"\xaa" * (1 << 20))
    with connect(sim) as client:
        client.format("metadata")
    fsck = shutil.which("e2fsck") or "/usr/sbin/e2fsck"
    checked = subprocess.run(
        [fsck, "-f", "-n", str(sim.bootloader.partitions["metadata"].path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "erase:metadata" in sim.bootloader.commands


def test_format_refuses_a_raw_partition(start_sim: StartSim) -> None:
    sim = start_sim(unlocked=True)
    with connect(sim) as client, pytest.raises(BenchError) as refused:
        client.format("boot_a")
    assert refused.value.code == "FASTBOOT_FORMAT_UNSUPPORTED"


def test_reboot_to_fastbootd_makes_is_userspace_yes(start_sim: StartSim) -> None:
    sim = start_sim()
    with connect(sim) as client:
        client.reboot("fastboot")
    with connect(sim) as client:
        assert client.getvar("is-userspace") == "yes"
    with pytest.raises(ValueError):
        FastbootClient(TcpTransport(sim.host, sim.port)).reboot("download-mode")


def test_the_simulator_refuses_to_exist_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEST_ENV, raising=False)
    with pytest.raises(BenchError) as refused:
        SimulatedBootloader("FP4", simulation=SimulationMode.TEST)
    assert refused.value.code == "SIMULATION_REFUSED"


def test_a_new_session_does_not_see_the_last_sessions_download(start_sim: StartSim) -> None:
    """The simulated phone keeps its download memory from one connection to the next (as a
    phone's RAM), but a flash in a new session without a download of its own is refused,
    never written from what the previous host sent."""
    sim = start_sim(unlocked=True)
    with connect(sim) as client:
        client.download(b"\x5a" * 8192)
        client.command("flash:boot_a")
    assert sim.bootloader.read_partition("boot_a", 8192) == b"\x5a" * 8192
    sim.bootloader.write_partition("boot_a", bytes(8192))
    with connect(sim) as client, pytest.raises(FastbootFailed) as refused:
        client.command("flash:boot_a")
    assert refused.value.reason == "no data downloaded"
    assert sim.bootloader.read_partition("boot_a", 8192) == bytes(8192)


LIMIT = 64 << 10  # the phone's max-download-size in the test below


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pieces=st.integers(min_value=0, max_value=3),
    delta=st.integers(min_value=-3 * 4096 - 40, max_value=3 * 4096 + 40),
    layout=st.lists(st.sampled_from(["random", "zero", "pattern"]), min_size=1, max_size=12),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_images_around_the_download_size_come_back_whole(
    start_sim: StartSim, pieces: int, delta: int, layout: list[str], seed: int
) -> None:
    """Raw images of sizes around multiples of max-download-size (a byte or a few blocks
    under or over, so the split falls on and beside chunk and block edges), with zero and
    pattern stretches: what the simulator reassembles from the sparse pieces is the image,
    and the rest of the partition is untouched. (A simulated phone per example: each starts
    with its partitions blank, then gets "old content" around where the image goes.)"""
    size = max(1, pieces * LIMIT + delta)
    rng = random.Random(seed)
    stretch = -(-size // len(layout))
    raw = b"".join(
        rng.randbytes(stretch)
        if kind == "random"
        else bytes(stretch)
        if kind == "zero"
        else b"\x12\x34\x56\x78" * (stretch // 4 + 1)
        for kind in layout
    )[:size]
    sim = start_sim(unlocked=True, max_download_size=LIMIT)
    old = b"\xa5" * (size + 3 * 4096)  # "old content", so a block left unwritten shows
    sim.bootloader.write_partition("boot_a", old)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "boot.img"
        path.write_bytes(raw)
        with connect(sim) as client:
            client.flash("boot", path, slot="a")
    written = sim.bootloader.read_partition("boot_a", len(old))
    # Split, a last partial block is padded with zeros; sent whole, it is written as it is.
    padded = -(-size // 4096) * 4096 if size > LIMIT else size
    assert written[:size] == raw
    assert written[size:padded] == bytes(padded - size)
    assert written[padded:] == old[padded:]
