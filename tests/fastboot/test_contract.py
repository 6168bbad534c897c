"""One contract for every fastboot client, held against the simulated bootloader.

`FastbootContract` says what a client and the simulator must do together. It runs twice:
with Debian's own `fastboot` (which proves the simulator is faithful: the real client takes it
for a phone) and with the project's `FastbootClient` over TCP (which proves our client does
what the real one does). A subclass pointed at a real phone would hold both to the same rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import pytest

from bench_app.devices.fastboot.client import FastbootClient
from bench_app.devices.fastboot.tcp import TcpTransport
from bench_app.errors import BenchError
from bench_app.simulators.bootloader import FastbootSimulator
from bench_app.simulators.bootloader.bootloader import LOCKED_MESSAGE
from tests.fastboot.conftest import MAX_DOWNLOAD, StartSim
from tests.fastboot.support import fastboot, img2simg, make_raw, wait_until


class ClientFailed(Exception):
    """The client reported a failure; the text is what it showed."""


class Driver:
    """A fastboot client as the contract uses it."""

    name: ClassVar[str]

    def getvar(self, sim: FastbootSimulator, name: str) -> str:
        raise NotImplementedError

    def flash(self, sim: FastbootSimulator, partition: str, path: Path) -> None:
        raise NotImplementedError

    def erase(self, sim: FastbootSimulator, partition: str) -> None:
        raise NotImplementedError

    def set_active(self, sim: FastbootSimulator, slot: str) -> None:
        raise NotImplementedError

    def reboot(self, sim: FastbootSimulator, target: str | None) -> None:
        raise NotImplementedError

    def unlock(self, sim: FastbootSimulator) -> list[str]:
        """Unlocks; returns the INFO lines the client showed."""
        raise NotImplementedError


class DebianFastboot(Driver):
    name = "fastboot"

    def _run(self, sim: FastbootSimulator, *args: str) -> str:
        done = fastboot(sim.serial, *args)
        if done.returncode != 0:
            raise ClientFailed(done.stderr + done.stdout)
        return done.stderr

    def getvar(self, sim: FastbootSimulator, name: str) -> str:
        out = self._run(sim, "getvar", name)
        line = next(ln for ln in out.splitlines() if ln.startswith(f"{name}:"))
        return line.split(": ", 1)[1] if ": " in line else ""

    def flash(self, sim: FastbootSimulator, partition: str, path: Path) -> None:
        self._run(sim, "flash", partition, str(path))

    def erase(self, sim: FastbootSimulator, partition: str) -> None:
        self._run(sim, "erase", partition)

    def set_active(self, sim: FastbootSimulator, slot: str) -> None:
        self._run(sim, f"--set-active={slot}")

    def reboot(self, sim: FastbootSimulator, target: str | None) -> None:
        self._run(sim, "reboot", *([target] if target and target != "fastboot" else []))

    def unlock(self, sim: FastbootSimulator) -> list[str]:
        out = self._run(sim, "flashing", "unlock")
        return [ln.split("(bootloader) ", 1)[1] for ln in out.splitlines() if "(bootloader) " in ln]


class OurClient(Driver):
    name = "etabli"

    def _client(self, sim: FastbootSimulator, lines: list[str] | None = None) -> FastbootClient:
        return FastbootClient(
            TcpTransport(sim.host, sim.port), on_info=lines.append if lines is not None else None
        )

    def _do(self, sim: FastbootSimulator, action: str, *args: object) -> object:
        with self._client(sim) as client:
            try:
                return getattr(client, action)(*args)
            except BenchError as exc:
                raise ClientFailed(exc.text("en")) from exc

    def getvar(self, sim: FastbootSimulator, name: str) -> str:
        return str(self._do(sim, "getvar", name))

    def flash(self, sim: FastbootSimulator, partition: str, path: Path) -> None:
        self._do(sim, "flash", partition, path)

    def erase(self, sim: FastbootSimulator, partition: str) -> None:
        self._do(sim, "erase", partition)

    def set_active(self, sim: FastbootSimulator, slot: str) -> None:
        self._do(sim, "set_active", slot)

    def reboot(self, sim: FastbootSimulator, target: str | None) -> None:
        self._do(sim, "reboot", target)

    def unlock(self, sim: FastbootSimulator) -> list[str]:
        lines: list[str] = []
        with self._client(sim, lines) as client:
            try:
                client.flashing_unlock(timeout=30)
            except BenchError as exc:
                raise ClientFailed(exc.text("en")) from exc
        return lines


class FastbootContract:
    """What a client and the simulated bootloader do together."""

    driver: ClassVar[Driver]

    def test_getvar_answers_the_phone_s_variables(self, start_sim: StartSim) -> None:
        sim = start_sim("oriole", serial="1A2B3C4D")
        assert self.driver.getvar(sim, "product") == "oriole"
        assert self.driver.getvar(sim, "serialno") == "1A2B3C4D"
        assert int(self.driver.getvar(sim, "max-download-size"), 0) == MAX_DOWNLOAD
        assert self.driver.getvar(sim, "unlocked") == "no"
        assert self.driver.getvar(sim, "partition-size:boot_a") == "0x4000000"

    def test_a_small_raw_image_is_written_to_the_current_slot(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(unlocked=True)
        raw = make_raw(tmp_path / "dtbo.img", 300 * 1024 + 17)
        self.driver.flash(sim, "dtbo", tmp_path / "dtbo.img")
        assert sim.bootloader.read_partition("dtbo_a")[: len(raw)] == raw
        assert not any(sim.bootloader.read_partition("dtbo_b"))
        downloads = [c for c in sim.bootloader.commands if c.startswith("flash:")]
        assert downloads == ["flash:dtbo_a"]

    def test_a_raw_image_larger_than_a_download_is_split_and_arrives_whole(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(unlocked=True)
        old = os.urandom(4 << 20)
        sim.bootloader.write_partition("boot_a", old)
        raw = make_raw(tmp_path / "boot.img", (3 << 20) + 4096 * 3)
        self.driver.flash(sim, "boot", tmp_path / "boot.img")
        written = sim.bootloader.read_partition("boot_a")
        # Every byte of the image, zero stretch included, replaced the old content.
        assert written[: len(raw)] == raw
        assert sim.bootloader.commands.count("flash:boot_a") >= 3  # 2.9 MiB of data, 1 MiB each

    def test_a_sparse_image_is_expanded_into_the_partition(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(unlocked=True)
        raw = make_raw(tmp_path / "vendor.raw", 5 << 20)
        img2simg(tmp_path / "vendor.raw", tmp_path / "vendor.simg")
        self.driver.flash(sim, "vendor_b", tmp_path / "vendor.simg")
        assert sim.bootloader.read_partition("vendor_b")[: len(raw)] == raw
        assert not any(sim.bootloader.read_partition("vendor_a")[: 1 << 20])

    def test_a_locked_bootloader_refuses_until_the_operator_unlocks(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(faults={"operator_delay": 0.3})
        sim.bootloader.write_partition("userdata", b"donor's photos" * 100)
        raw = make_raw(tmp_path / "boot.img", 64 * 1024)
        with pytest.raises(ClientFailed) as refused:
            self.driver.flash(sim, "boot", tmp_path / "boot.img")
        assert LOCKED_MESSAGE in str(refused.value)
        assert not any(sim.bootloader.read_partition("boot_a"))
        lines = self.driver.unlock(sim)
        assert any("Volume keys" in line for line in lines)
        assert self.driver.getvar(sim, "unlocked") == "yes"
        assert not any(sim.bootloader.read_partition("userdata", 1 << 20))  # unlocking wipes data
        self.driver.flash(sim, "boot", tmp_path / "boot.img")
        assert sim.bootloader.read_partition("boot_a")[: len(raw)] == raw

    def test_an_unlock_the_operator_refuses_fails_and_stays_locked(
        self, start_sim: StartSim
    ) -> None:
        sim = start_sim(faults={"operator": "refuse", "operator_delay": 0.1})
        with pytest.raises(ClientFailed) as refused:
            self.driver.unlock(sim)
        assert "Unlock cancelled by the user" in str(refused.value)
        assert self.driver.getvar(sim, "unlocked") == "no"

    def test_erase_and_set_active(self, start_sim: StartSim) -> None:
        sim = start_sim(unlocked=True)
        sim.bootloader.write_partition("misc", b"\x5a" * (1 << 20))
        self.driver.erase(sim, "misc")
        assert sim.bootloader.read_partition("misc") == bytes(1 << 20)
        self.driver.set_active(sim, "b")
        assert self.driver.getvar(sim, "current-slot") == "b"

    def test_a_failed_flash_shows_the_bootloader_s_message(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(unlocked=True, faults={"fail_flash": "Image signature mismatch"})
        make_raw(tmp_path / "boot.img", 64 * 1024)
        with pytest.raises(ClientFailed) as failed:
            self.driver.flash(sim, "boot", tmp_path / "boot.img")
        assert "Image signature mismatch" in str(failed.value)
        self.driver.flash(sim, "boot", tmp_path / "boot.img")  # redoing the step works

    def test_a_cable_pulled_mid_download_fails_then_the_step_can_be_redone(
        self, start_sim: StartSim, tmp_path: Path
    ) -> None:
        sim = start_sim(unlocked=True, faults={"drop_download_after": 200_000})
        raw = make_raw(tmp_path / "boot.img", 900 * 1024)
        with pytest.raises(ClientFailed):
            self.driver.flash(sim, "boot", tmp_path / "boot.img")
        assert not any(sim.bootloader.read_partition("boot_a")[: len(raw)])
        self.driver.flash(sim, "boot", tmp_path / "boot.img")
        assert sim.bootloader.read_partition("boot_a")[: len(raw)] == raw

    @pytest.mark.parametrize(
        ("target", "mode", "reachable"),
        [
            ("bootloader", "bootloader", True),
            ("recovery", "recovery", False),
            (None, "android", False),
        ],
    )
    def test_reboot_targets(
        self, start_sim: StartSim, target: str | None, mode: str, reachable: bool
    ) -> None:
        sim = start_sim()
        seen: list[str | None] = []
        sim.bootloader.on_reboot.append(seen.append)
        self.driver.reboot(sim, target)
        # The phone answers OKAY, then reboots: give it its moment.
        wait_until(lambda: seen == [target], "the reboot")
        assert sim.bootloader.mode == mode
        assert sim.bootloader.reachable is reachable
        if reachable:
            assert self.driver.getvar(sim, "product") == "FP4"


class TestDebianFastbootAgainstSimulator(FastbootContract):
    driver = DebianFastboot()


class TestOurClientAgainstSimulator(FastbootContract):
    driver = OurClient()
