"""The physical side of a simulated handset: what its screen shows and its three keys.

A real phone needs a hand: in recovery, a sideload only starts once "Apply update → Apply
from ADB" is chosen with the volume keys and power; a factory reset is "Factory reset →
Format data/factory reset → Format data"; `fastboot flashing unlock` waits for "Unlock the
bootloader" to be chosen on the screen. `HandsetFace` draws those screens (modelled on
LineageOS recovery, AOSP's stock recovery and a fastboot bootloader screen) and turns key
presses into what the phone does, so the protocol side only moves when a hand moved it.

Two kinds of hand: `auto` presses the keys as a person would, a short while after the screen
asks (an unlock to confirm; a sideload the station tried while the recovery showed its
menu) and does what `recovery_select` asks through the menus (tests, headless use);
`person` waits for presses (training: the window's "Téléphone simulé" panel, or
`etabli simulate handset --operator person` in a terminal).

The phone's own screens speak English, as the phones do; the station's prompts name their
items in the same words. No Qt here: observers get a plain callback with each new `Screen`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench_app.simulators.adb_phone.server import ANDROID, BOOTLOADER, RECOVERY, SIDELOAD
from bench_app.simulators.mode import AUTO, OPERATORS

if TYPE_CHECKING:
    from bench_app.simulators.handset import SimulatedHandset

log = logging.getLogger(__name__)

POWER, VOLUME_UP, VOLUME_DOWN = "power", "volume_up", "volume_down"
KEYS = (POWER, VOLUME_UP, VOLUME_DOWN)

# "Press and hold" combos a trainer explains, and where each takes the phone (most phones;
# a few makers swap the volume keys).
HOLD_COMBOS: dict[frozenset[str], str] = {
    frozenset({POWER, VOLUME_DOWN}): BOOTLOADER,
    frozenset({POWER, VOLUME_UP}): RECOVERY,
    frozenset({POWER}): ANDROID,  # a long press on power: the phone restarts
}

MENU_HINT = "Volume up/down to move, power to select"
UNLOCK_NO, UNLOCK_YES = "Do not unlock the bootloader", "Unlock the bootloader"

# The path through the menus a hand takes for each item of AdbSimulator.recovery_select.
LINEAGE_PATHS: dict[str, tuple[str, ...]] = {
    "wipe_data": ("Factory reset", "Format data/factory reset", "Format data"),
    "apply_update_from_adb": ("Apply update", "Apply from ADB"),
    "reboot": ("Reboot system now",),
    "reboot_bootloader": ("Advanced", "Reboot to bootloader"),
}
STOCK_PATHS: dict[str, tuple[str, ...]] = {
    "wipe_data": ("Wipe data/factory reset", "Factory data reset"),
    "apply_update_from_adb": ("Apply update from ADB",),
    "reboot": ("Reboot system now",),
    "reboot_bootloader": ("Reboot to bootloader",),
}


@dataclass(frozen=True)
class Screen:
    """What the phone shows: a page id, a title, lines of text, and the menu's items with
    the highlighted one (None when the page has no menu)."""

    page: str
    title: str
    lines: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    highlight: int | None = None
    hint: str = ""

    def render(self) -> str:
        """The screen as plain text (a terminal demo): the highlighted item marked with >."""
        out = [f"┌─ {self.title}"]
        out += [f"│ {line}" for line in self.lines]
        for index, item in enumerate(self.items):
            out.append(f"│ {'>' if index == self.highlight else ' '} {item}")
        if self.hint:
            out.append(f"│ ({self.hint})")
        out.append("└─")
        return "\n".join(out)


Item = tuple[str, str]  # (label, action)


class HandsetFace:
    """The screen and keys of one SimulatedHandset (see the module's docstring). Thread-safe:
    keys may be pressed from any thread while hosts talk to the phone."""

    def __init__(
        self,
        handset: SimulatedHandset,
        operator: str = AUTO,
        *,
        unlock_answer: str = "accept",
        unlock_delay: float = 0.0,
        auto_delay: float = 0.5,
    ) -> None:
        if operator not in OPERATORS:
            raise ValueError(f"operator must be one of {', '.join(OPERATORS)}")
        self.handset = handset
        self.operator = operator
        self.unlock_answer = unlock_answer  # what an auto hand does at "Unlock?": accept/refuse
        self.unlock_delay = unlock_delay
        self.auto_delay = auto_delay
        self.presses: list[str] = []  # every key pressed or combo held, for tests
        self._lock = threading.RLock()
        self._page = ""
        self._highlight = 0
        self._status: tuple[str, ...] = ()
        self._confirming = False
        self._custom_recovery = False
        self._sideloads_seen = 0  # sideloads served before the sideload page showed
        self._observers: list[Callable[[Screen], None]] = []
        self._timers: list[threading.Timer] = []
        self._closed = False
        handset.adb.on_mode.append(lambda mode: self.follow())
        handset.adb.on_sideload_refused.append(self._sideload_refused)
        handset.adb.menu_hand = self.recovery_select
        handset.bootloader.on_confirm.append(self._confirm)
        handset.bootloader.on_reboot.append(lambda target: self.follow())
        self.follow()

    # ---- what observers and tests use -----------------------------------------------------
    def screen(self) -> Screen:
        """What the phone shows now."""
        with self._lock:
            title, lines, items = self._build(self._page)
            highlight = min(self._highlight, len(items) - 1) if items else None
            hint = MENU_HINT if items else ""
            if self._page == "android":
                hint = "Hold power + volume down: bootloader"
            return Screen(
                self._page, title, lines, tuple(label for label, _ in items), highlight, hint
            )

    def watch(self, observer: Callable[[Screen], None]) -> Callable[[], None]:
        """Calls `observer` (from any thread) with each new screen; returns how to stop."""
        with self._lock:
            self._observers.append(observer)

        def unwatch() -> None:
            with self._lock:
                if observer in self._observers:
                    self._observers.remove(observer)

        return unwatch

    def press(self, key: str) -> Screen:
        """A short press on `key` (power, volume_up, volume_down); returns the new screen."""
        if key not in KEYS:
            raise ValueError(f"unknown key {key!r}; keys: {', '.join(KEYS)}")
        action = ""
        with self._lock:
            self.presses.append(key)
            _, _, items = self._build(self._page)
            if items:
                count = len(items)
                if key == VOLUME_UP:
                    self._highlight = (self._highlight - 1) % count
                elif key == VOLUME_DOWN:
                    self._highlight = (self._highlight + 1) % count
                else:
                    action = items[min(self._highlight, count - 1)][1]
        if action:
            self._do(action)
        else:
            self._tell()
        return self.screen()

    def hold(self, *keys: str) -> Screen:
        """Keys held together a few seconds (e.g. power + volume down: the bootloader)."""
        combo = frozenset(keys)
        target = HOLD_COMBOS.get(combo)
        if target is None:
            raise ValueError(f"nothing happens when holding {' + '.join(sorted(combo))}")
        with self._lock:
            self.presses.append("hold:" + "+".join(sorted(combo)))
        self.handset.restart(target)
        self.follow()
        return self.screen()

    def choose(self, *labels: str) -> Screen:
        """A hand going through the menus: for each label, the volume keys until it is
        highlighted, then power. ValueError when a label is not on the screen."""
        for label in labels:
            screen = self.screen()
            if label not in screen.items or screen.highlight is None:
                raise ValueError(f"“{label}” is not on the phone's screen ({screen.title})")
            target = screen.items.index(label)
            for _ in range((target - screen.highlight) % len(screen.items)):
                self.press(VOLUME_DOWN)
            self.press(POWER)
        return self.screen()

    def recovery_select(self, item: str) -> None:
        """What `AdbSimulator.recovery_select` asks (wipe_data, apply_update_from_adb,
        reboot, reboot_bootloader), done with the keys from the recovery's main menu."""
        screen = self.screen()
        if screen.page == "sideload":
            if item == "apply_update_from_adb":
                return  # already waiting for the package
            self.choose("Cancel")
        while self.screen().page not in ("recovery", "stock-recovery"):
            if "Back" not in self.screen().items:
                raise ValueError(f"the phone shows {self.screen().title}, not its recovery")
            self.choose("Back")
        paths = LINEAGE_PATHS if self.screen().page == "recovery" else STOCK_PATHS
        self.choose(*paths[item])

    def close(self) -> None:
        """No more presses from the auto hand; waits for one under way."""
        with self._lock:
            self._closed = True
            timers, self._timers = self._timers, []
            self._observers.clear()
        for timer in timers:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join(timeout=10)

    # ---- following the phone --------------------------------------------------------------
    def follow(self) -> None:
        """The phone changed mode (a host command, a key, the recovery ending a sideload):
        the screen shows that mode's first page."""
        handset = self.handset
        mode = handset.mode
        custom = handset.custom_recovery() if mode in (RECOVERY, SIDELOAD) else False
        status: tuple[str, ...] = ()
        with self._lock:
            was = self._page
        served = len(handset.adb.sideloads)
        if mode == RECOVERY and was == "sideload" and served > self._sideloads_seen:
            status = (handset.sideload_result(),)
        with self._lock:
            if mode == SIDELOAD and was != "sideload":
                self._sideloads_seen = served
            page = {
                ANDROID: "android",
                SIDELOAD: "sideload",
                BOOTLOADER: "unlock" if self._confirming else "bootloader",
            }.get(mode, "recovery" if custom else "stock-recovery")
            self._custom_recovery = custom
            if page != self._page or mode != RECOVERY or status:
                self._page, self._highlight = page, 0
                self._status = status
        self._tell()

    def _confirm(self, asking: bool) -> None:
        with self._lock:
            self._confirming = asking
            if asking:
                self._page, self._highlight = "unlock", 0
            elif self._page == "unlock":
                self._page, self._highlight = "bootloader", 0
        self._tell()
        if asking and self.operator == AUTO and self.unlock_answer in ("accept", "refuse"):
            label = UNLOCK_YES if self.unlock_answer == "accept" else UNLOCK_NO
            self._later(self.unlock_delay, self._auto_choose, "unlock", label)

    def _sideload_refused(self) -> None:
        """The station tried to send a package: a person reads its prompt and picks
        "Apply from ADB" (the auto hand only)."""
        if self.operator == AUTO:
            self._later(self.auto_delay, self._auto_sideload)

    def _auto_sideload(self) -> None:
        if self.screen().page in ("recovery", "stock-recovery"):
            self.recovery_select("apply_update_from_adb")

    def _auto_choose(self, page: str, label: str) -> None:
        if self.screen().page == page:
            self.choose(label)

    def _later(self, delay: float, action: Callable[..., None], *args: str) -> None:
        def run() -> None:
            with self._lock:
                if self._closed:
                    return
            try:
                action(*args)
            except ValueError as exc:  # the screen changed meanwhile: the hand stops
                log.info("handset %s: auto hand stopped: %s", self.handset.serial, exc)

        with self._lock:
            if self._closed:
                return
            timer = threading.Timer(delay, run)
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def _tell(self) -> None:
        screen = self.screen()
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            try:
                observer(screen)
            except Exception:  # a broken observer must not stop the phone
                log.exception("handset screen observer failed")

    # ---- the pages ------------------------------------------------------------------------
    def _do(self, action: str) -> None:
        """Carries out a menu item (outside the lock: it may wait for the phone's sides)."""
        verb, _, argument = action.partition(":")
        handset = self.handset
        if verb == "page":
            with self._lock:
                self._page, self._highlight, self._status = argument, 0, ()
        elif verb == "restart":
            handset.restart(argument)
        elif verb == "sideload":
            handset.adb.switch_mode(SIDELOAD if argument == "start" else RECOVERY)
        elif verb == "format":
            handset.format_data()
            with self._lock:
                home = "recovery" if self._custom_recovery else "stock-recovery"
                self._page, self._highlight = home, 0
                self._status = ("Data wipe complete.",)
        elif verb == "unlock":
            handset.bootloader.press_keys(argument == "yes")
        if verb in ("restart", "sideload"):
            self.follow()
        else:
            self._tell()

    def _build(self, page: str) -> tuple[str, tuple[str, ...], list[Item]]:
        """(title, lines, items) of a page; called under the lock."""
        handset = self.handset
        props = handset.persona.props
        if page == "android":
            model = props.get("ro.product.model", "")
            with handset.adb.phone.lock:
                settings = handset.adb.phone.settings.get("secure", {})
                setup = settings.get("user_setup_complete", "1") == "0"
            if setup:
                return "Android", (model, "Hi there", "Welcome! Let's set up your phone."), []
            return "Android", (model, props.get("ro.build.display.id", ""), "Home screen"), []
        if page in ("bootloader", "unlock"):
            title = "Fastboot Mode" if handset.bootloader.mode != "fastbootd" else "fastbootd"
            state = "unlocked" if handset.bootloader.unlocked else "locked"
            lines = (
                f"PRODUCT_NAME - {handset.codename}",
                f"SERIAL NUMBER - {handset.serial}",
                f"DEVICE STATE - {state}",
            )
            if page == "unlock":
                return (
                    "Unlock the bootloader?",
                    (
                        "Unlocking lets you install other operating system software.",
                        "It deletes all personal data from your phone.",
                    ),
                    [(UNLOCK_NO, "unlock:no"), (UNLOCK_YES, "unlock:yes")],
                )
            return (
                title,
                lines,
                [
                    ("START", "restart:android"),
                    ("Restart bootloader", "restart:bootloader"),
                    ("Recovery mode", "restart:recovery"),
                ],
            )
        if page == "sideload":
            return (
                "Apply from ADB",
                (
                    "Now send the package you want to apply",
                    "to the device with “adb sideload <filename>”…",
                ),
                [("Cancel", "sideload:cancel")],
            )
        if page == "stock-recovery":
            return (
                "Android Recovery",
                (props.get("ro.build.fingerprint", ""), *self._status),
                [
                    ("Reboot system now", "restart:android"),
                    ("Reboot to bootloader", "restart:bootloader"),
                    ("Apply update from ADB", "sideload:start"),
                    ("Wipe data/factory reset", "page:stock-confirm"),
                ],
            )
        if page == "stock-confirm":
            return (
                "Wipe all user data?",
                ("THIS CAN NOT BE UNDONE!",),
                [("Cancel", "page:stock-recovery"), ("Factory data reset", "format:data")],
            )
        if page == "recovery/apply":
            return (
                "Apply update",
                (),
                [("Apply from ADB", "sideload:start"), ("Back", "page:recovery")],
            )
        if page == "recovery/reset":
            return (
                "Factory reset",
                (),
                [("Format data/factory reset", "page:recovery/confirm"), ("Back", "page:recovery")],
            )
        if page == "recovery/confirm":
            return (
                "Format data?",
                ("This cannot be undone.",),
                [("Cancel", "page:recovery/reset"), ("Format data", "format:data")],
            )
        if page == "recovery/advanced":
            return (
                "Advanced",
                (),
                [
                    ("Reboot to bootloader", "restart:bootloader"),
                    ("Reboot to recovery", "restart:recovery"),
                    ("Back", "page:recovery"),
                ],
            )
        # The LineageOS recovery's main menu.
        return (
            "LineageOS Recovery",
            (props.get("ro.product.model", ""), *self._status),
            [
                ("Reboot system now", "restart:android"),
                ("Apply update", "page:recovery/apply"),
                ("Factory reset", "page:recovery/reset"),
                ("Advanced", "page:recovery/advanced"),
            ],
        )
