"""The simulated phone's power and cable under concurrent hands: a mode switch, an unplug,
a reboot and a power-on from different threads never trip over one another, and once
unplugged nothing of the phone keeps running.

The interleavings are forced, not hoped for: the simulator's own `threading` is replaced by
a probe that can hold a thread at the moment it starts the phone's listening thread, and
that tells when another thread is kept waiting on one of the simulator's locks.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from bench_app.simulators.adb_phone import server
from bench_app.simulators.adb_phone.persona import load_persona
from bench_app.simulators.adb_phone.server import AdbSimulator
from tests.simulators.adb_phone.raw_host import RawHost, new_key
from tests.threading_probe import WAIT, Hand, ThreadingProbe

ACCEPT_THREAD = "adb-sim-fairphone-4"  # the name of the phone's listening thread


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ThreadingProbe:
    found = ThreadingProbe()
    monkeypatch.setattr(server, "threading", found)
    return found


@pytest.fixture
def phone(probe: ThreadingProbe) -> Iterator[AdbSimulator]:
    persona = load_persona("fairphone-4")
    sim = AdbSimulator(
        persona, behaviour=persona.behaviour.with_flags(boot_delay=0.0, accept_delay=0.0)
    )
    yield sim
    probe.let_go()
    sim.close()


def _banner(sim: AdbSimulator) -> bytes:
    host = RawHost(sim.port)
    try:
        return host.connect(new_key()).data
    finally:
        host.close()


def _refused(sim: AdbSimulator) -> bool:
    try:
        socket.create_connection((sim.host, sim.port), timeout=5).close()
    except OSError:
        return True
    return False


def test_a_mode_switch_while_the_phone_powers_on_waits_for_it(
    probe: ThreadingProbe, phone: AdbSimulator
) -> None:
    """`fastboot reboot recovery` powers the phone on in recovery (the bootloader's thread)
    while the operator picks "Apply update from ADB" on it: the switch waits for the
    power-on instead of cutting a listening thread that has not started yet."""
    phone.start()
    phone.boot("bootloader")
    booting = Hand(probe, lambda: phone.boot("recovery"))
    probe.hold(lambda t: t.name == ACCEPT_THREAD and threading.current_thread() is booting)
    booting.start()
    assert probe.reached.wait(WAIT)
    # Half-way through its power-on the phone cannot be seen: whoever looks waits for the end.
    looking = probe.hand(lambda: phone.listening)
    assert not looking.done

    operator = probe.hand(lambda: phone.recovery_select("apply_update_from_adb"))
    probe.let_go()
    for hand in (booting, looking, operator):
        hand.join(WAIT)

    assert booting.error is None and operator.error is None, (booting.error, operator.error)
    assert looking.result is True
    assert phone.mode == "sideload" and phone.listening
    assert _banner(phone).startswith(b"sideload::")
    phone.stop()
    assert _refused(phone)
    assert probe.alive() == []


def test_a_mode_switch_is_never_seen_as_an_unplug(
    probe: ThreadingProbe, phone: AdbSimulator
) -> None:
    """Recovery to sideload: every connection drops and the phone answers again at once.
    Whoever looks at it half-way (discovery polling the cable) waits and sees it plugged
    in, never an unplug that it could act on after the station has reconnected."""
    phone.start()
    phone.boot("recovery")
    switching = Hand(probe, lambda: phone.switch_mode("sideload"))
    probe.hold(lambda t: t.name == ACCEPT_THREAD and threading.current_thread() is switching)
    switching.start()
    assert probe.reached.wait(WAIT)
    looking = probe.hand(lambda: phone.listening)
    assert not looking.done
    probe.let_go()
    for hand in (switching, looking):
        hand.join(WAIT)
    assert switching.error is None and looking.result is True
    assert _banner(phone).startswith(b"sideload::")


def test_an_unplug_while_a_reboot_powers_on_leaves_nothing_running(
    probe: ThreadingProbe, phone: AdbSimulator
) -> None:
    """The cable comes out just as the phone, back from a reboot, starts listening: once
    the unplug returns nothing listens and none of its threads runs; plugged back, it is
    in the mode it rebooted to."""
    phone.start()
    main = threading.current_thread()
    probe.hold(lambda t: t.name == ACCEPT_THREAD and threading.current_thread() is not main)
    phone.reboot("recovery")  # its power-on runs in the phone's own reboot thread
    assert probe.reached.wait(WAIT)

    unplug = probe.hand(phone.stop)
    probe.let_go()
    unplug.join(WAIT)

    assert unplug.error is None, unplug.error
    assert not phone.listening and _refused(phone)
    assert probe.alive() == []
    phone.start()  # plugged back: the phone is in the recovery it rebooted to
    assert phone.mode == "recovery" and _banner(phone).startswith(b"recovery::")


def test_an_unplugged_phone_stays_unreachable_whatever_its_bootloader_does(
    probe: ThreadingProbe, phone: AdbSimulator
) -> None:
    """A reboot changes the phone's mode as soon as it is asked for, and a boot with the
    cable out (the bootloader's thread finishing `fastboot reboot` during an unplug or at
    the end of a session) starts no listener and no thread behind the unplug's back."""
    phone.start()
    phone.reboot("bootloader")
    phone.stop()  # the cable comes out while the phone sits in its bootloader
    phone.boot("android")  # the bootloader starts Android all the same
    assert phone.mode == "android" and not phone.listening and _refused(phone)
    assert probe.alive() == []
    phone.start()
    assert phone.listening and _banner(phone).startswith(b"device::")


def test_lifecycle_calls_from_many_threads_at_once(
    probe: ThreadingProbe, phone: AdbSimulator
) -> None:
    """Four hands on one phone and a host talking to it, released together round after
    round by a barrier: no call fails, and after the last unplug no thread of the phone is
    left."""
    rounds = 200
    barrier = threading.Barrier(5)
    phone.start()
    key = new_key()

    def talk() -> None:
        try:
            host = RawHost(phone.port)
        except OSError:
            return  # not listening at that moment
        try:
            host.connect(key)
            host.shell("echo hi")
        except Exception:  # cut by the phone leaving, as a real host would be
            pass
        finally:
            host.close()

    def hand(*actions: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for n in range(rounds):
                barrier.wait(WAIT)
                actions[n % len(actions)]()

        return run

    hands = [
        Hand(probe, hand(lambda: phone.boot("recovery"), lambda: phone.switch_mode("sideload"))),
        Hand(probe, hand(phone.stop, phone.start)),
        Hand(probe, hand(lambda: phone.reboot("recovery"), lambda: phone.reboot(""))),
        Hand(probe, hand(phone.enable_debugging, lambda: phone.boot("android"))),
        Hand(probe, hand(talk)),
    ]
    for h in hands:
        h.start()
    for h in hands:
        h.join(WAIT)
    assert [h.error for h in hands] == [None] * len(hands)
    assert all(h.done for h in hands)

    phone.stop()
    assert not phone.listening and _refused(phone)
    assert probe.alive() == []
    phone.start()
    mode = phone.mode
    expected = {"android": b"device::", "recovery": b"recovery::", "sideload": b"sideload::"}
    assert _banner(phone).startswith(expected[mode])
