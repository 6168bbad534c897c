"""The window on a 1366×768 workshop laptop and on 1920×1080: long messages wrap and never
widen it, it opens fitted to the screen, and new cards come into sight in arrival order."""

from __future__ import annotations

import json
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.source import DeviceHandle, DeviceSource, SourceAction
from bench_app.errors import CATALOG, BenchError
from bench_app.simulators.adb_phone import AdbSimulator, list_models, load_persona
from bench_app.store import queries
from bench_app.sync.worker import SyncWorker
from tests.ui.conftest import Bench
from ui.sync_status import SyncStatusLabel
from ui.window_fit import SMALLEST_SCREEN

WAIT = 20_000
SIZES = [(1366, 768), (1920, 1080)]
ROOT = Path(__file__).resolve().parents[2]
# A long but real-looking value for every placeholder: paths and details as users see them.
LONG_VALUE = "/media/atelier/Données de l’établi/sauvegardes/station-07/etabli.sqlite3"


def settle() -> None:
    for _ in range(6):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


def every_error() -> list[BenchError]:
    """One error per catalogue entry, every placeholder filled with a long value."""
    errors = []
    for code, kind in CATALOG.items():
        fields = {
            name
            for text in (kind.message.fr, kind.message.en, kind.action.fr, kind.action.en)
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        }
        errors.append(BenchError(code, **dict.fromkeys(fields, LONG_VALUE)))
    return errors


def in_sight(window: QWidget, widget: QWidget) -> bool:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return widget.isVisible() and window.rect().contains(rect)


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1920x1080"])
def test_long_messages_wrap_and_never_widen_the_window(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int], artifacts_dir: Path
) -> None:
    bench = make_bench()
    window = bench.window
    window.resize(*size)
    bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    device_id = next(iter(window.cards))
    window.select(device_id)
    # The sync status, as the window shows it once the station is enrolled.
    worker = SyncWorker(bench.station.folder, bench.station.store)
    worker.run_round()  # not enrolled: a real failed round, its reason shown
    sync_label = SyncStatusLabel(worker, lambda: window.lang, window)
    window.statusBar().addPermanentWidget(sync_label)
    settle()
    assert window.size().toTuple() == size
    # A code typed with a typo, as the operator types it.
    code = bench.station.device(device_id).asset_code  # type: ignore[union-attr]
    typo = code[:-1] + ("Z" if code[-1] != "Z" else "Y")
    window.search.clear()
    qtbot.keyClicks(window.search, typo)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    settle()
    assert window.search_error.isVisible() and "faute de frappe" in window.search_error.text()
    if size == SIZES[0]:
        assert window.grab().save(str(artifacts_dir / "long-error-1366x768.png"))
    checked = 0
    for lang in ("fr", "en"):
        window.lang = lang
        for error in every_error():
            # In every place the window writes a message: under the bar, in the panel,
            # on the card, in the status bar.
            window.show_search_error(error)
            view = window.views[device_id]
            view.message = error.message
            window._mark(device_id)
            window._flush()
            worker._failed(error)
            sync_label.refresh()
            settle()
            assert window.size().toTuple() == size, (error.code, lang)
            assert window.minimumSizeHint().width() <= size[0], (error.code, lang)
            assert window.search_error.text() == error.short.get(lang)
            assert window.search_error.wordWrap() and window.search_error.height() < size[1] / 3
            for widget in (window.search, window.intake_button, window.language, window.panel):
                assert in_sight(window, widget), (error.code, lang, widget)
            assert window.panel.step_message.text() == error.message.get(lang)
            assert window.panel.horizontalScrollBar().maximum() == 0
            assert sync_label.isVisible() and sync_label.width() >= 200
            assert error.message.get(lang) in sync_label._full  # whole behind "Learn more"
            checked += 1
    assert checked == 2 * len(CATALOG)
    if size == SIZES[0]:
        window.lang = "fr"
        longest = max(every_error(), key=lambda e: len(e.text("fr")))
        window.show_search_error(longest)
        settle()
        assert window.grab().save(str(artifacts_dir / "longest-error-1366x768.png"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_minimum_size_fits_the_workshop_laptop(make_bench: Callable[..., Bench], lang: str) -> None:
    bench = make_bench(lang=lang)
    window = bench.window
    window.tcp_source = object()  # type: ignore[assignment]  # every toolbar button shown
    bench.station.operator = "Marie-Christine Dupont-Lefebvre"  # a long name is cut short
    window.retranslate()
    settle()
    assert window.network_button.isVisible() and window.sim_button.isVisible()
    assert window.operator_button.text().endswith("…")
    assert "Marie-Christine Dupont-Lefebvre" in window.operator_button.toolTip()
    # The language box shows its code; its list names each language in full.
    assert window.language.shown_text() == lang.upper()
    names = [window.language.itemText(i) for i in range(window.language.count())]
    assert names == ["Français", "English"]
    assert window.language.toolTip() == names[0 if lang == "fr" else 1]
    window.language.showPopup()
    listed = window.language.view()
    assert listed.isVisible() and listed.width() >= listed.sizeHintForColumn(0)  # names whole
    window.language.hidePopup()
    minimum = window.minimumSizeHint()
    # Room left for the window frame and a desktop panel.
    assert minimum.width() <= SMALLEST_SCREEN.width() - 24, minimum
    assert minimum.height() <= SMALLEST_SCREEN.height() - 80, minimum
    window.resize(SMALLEST_SCREEN)
    settle()
    assert window.size() == SMALLEST_SCREEN
    bar = [window.search, window.intake_button, window.network_button, window.workshop_menu]
    bar += [window.training_toggle, window.sim_button, window.language]
    rects = [QRect(w.mapTo(window, QPoint(0, 0)), w.size()) for w in bar]
    for widget, rect in zip(bar, rects, strict=True):
        assert window.rect().contains(rect), widget
    # The search box is wide enough for a code, and nothing lies on it.
    assert window.search.width() >= 220
    assert all(not rects[0].intersects(r) for r in rects[1:])


OPEN_SCRIPT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from ui import app as gui

from ui.main_window import MainWindow

def report() -> None:
    try:
        window = next(w for w in gui.QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        screen = window.screen().availableGeometry()
        print(json.dumps({"window": list(window.geometry().getRect()),
                          "maximized": window.isMaximized(),
                          "screen": list(screen.getRect())}), flush=True)
    finally:
        gui.QApplication.instance().quit()

app = gui.create_app()
QTimer.singleShot(0, report)
sys.exit(gui.run_gui(Path(sys.argv[1]), training=True, lang="fr"))
"""


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1920x1080"])
def test_the_window_opens_fitted_to_the_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    """The real start-up (`run_gui`) on a screen of that size, in its own process."""
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "workshop",
                        "x": 0,
                        "y": 0,
                        "width": size[0],
                        "height": size[1],
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }
    done = subprocess.run(
        [sys.executable, "-c", OPEN_SCRIPT, str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-3000:]
    shown = json.loads(lines[-1])
    assert shown["screen"] == [0, 0, size[0], size[1]]
    # Maximised: the window takes the screen's available area, whatever its size.
    assert shown["maximized"], shown
    assert shown["window"][2:] == [size[0], size[1]], shown


def test_a_new_card_comes_into_sight_in_arrival_order(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    window.resize(*SIZES[0])
    # Enough devices to fill the card list past its bottom edge.
    drives = [bench.simulator.add_drive("ssd-sata-256") for _ in range(12)]
    qtbot.waitUntil(lambda: len(window.cards) == len(drives), timeout=WAIT)
    settle()
    scroll = window.card_scroll
    assert scroll.verticalScrollBar().maximum() > 0
    first = queries.devices(bench.station.store)[0].id
    window.select(first)
    scroll.verticalScrollBar().setValue(0)
    order_before = [window.grid.itemAt(i).widget() for i in range(window.grid.count())]  # type: ignore[union-attr]
    # A phone plugged in now: its card is in sight and opened, the operator being idle.
    phone = bench.simulator.add_adb_phone(list_models()[0])
    qtbot.waitUntil(lambda: len(window.cards) == len(drives) + 1, timeout=WAIT)
    new_id = next(i for i in window.cards if bench.station.device(i).kind.value == "phone")  # type: ignore[union-attr]
    card = window.cards[new_id]
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().value() > 0, timeout=WAIT)
    settle()
    top_left = card.mapTo(scroll.viewport(), QPoint(0, 0))
    assert scroll.viewport().rect().contains(QRect(top_left, card.size()))
    assert window.selected == new_id
    # Last arrived, last card; the others kept their places.
    order_after = [window.grid.itemAt(i).widget() for i in range(window.grid.count())]  # type: ignore[union-attr]
    assert order_after[: len(order_before)] == order_before and order_after[-1] is card
    # States change (a check starts, a drive is unplugged and back): no card moves.
    bench.station.start_job(first)
    bench.simulator.unplug(drives[3].key)
    qtbot.waitUntil(lambda: len(window.cards) == len(drives), timeout=WAIT)
    bench.simulator.replug(drives[3].key)
    qtbot.waitUntil(lambda: len(window.cards) == len(drives) + 1, timeout=WAIT)
    order_now = [window.grid.itemAt(i).widget() for i in range(window.grid.count())]  # type: ignore[union-attr]
    ids_now = [getattr(w, "device_id", None) for w in order_now]
    assert ids_now == [getattr(w, "device_id", None) for w in order_before] + [new_id]
    del phone


def test_a_new_card_does_not_take_the_panel_from_a_check_in_hand(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    bench.simulator.add_adb_phone("google-pixel-6")
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    busy = next(iter(window.cards))
    bench.station.start_job(busy)
    qtbot.waitUntil(lambda: window.views[busy].state is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: bool(window.views[busy].state.active), timeout=WAIT)  # type: ignore[union-attr]
    bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(window.cards) == 2, timeout=WAIT)
    assert window.selected == busy


class UsbStandIn(DeviceSource):
    """Stands in for USB discovery: a phone first waits for its user to allow the station,
    then is reported usable under the same key."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def plug_waiting(self, key: str) -> None:
        waiting = SimpleNamespace(key=key, connected=False, state="unauthorized")
        self._emit(SourceAction.ADDED, waiting)  # type: ignore[arg-type]

    def plug(self, handle: DeviceHandle) -> None:
        self._emit(SourceAction.ADDED, handle)


def test_a_phone_keeps_the_place_its_waiting_card_had(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    usb = UsbStandIn()
    bench.station.attach_source(usb)
    signer = bench.simulator.adb_signer
    assert signer is not None
    with AdbSimulator(load_persona("fairphone-4", serial="SIMWAIT0001")) as sim:
        phone = AndroidPhone(AdbTarget(host="127.0.0.1", port=sim.port), signer, simulated=True)
        usb.plug_waiting(phone.key)  # the phone asks its user; a waiting card shows
        qtbot.waitUntil(lambda: len(window.pending_cards) == 1, timeout=WAIT)
        bench.simulator.add_drive("ssd-sata-256")  # another device arrives meanwhile
        qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
        drive_card = next(iter(window.cards.values()))
        # The user allowed it: the phone is identified under the same key.
        usb.plug(phone)
        qtbot.waitUntil(lambda: len(window.cards) == 2 and not window.pending_cards, timeout=WAIT)
        phone_id = next(i for i in window.cards if window.cards[i] is not drive_card)
        order = [window.grid.itemAt(i).widget() for i in range(window.grid.count())]  # type: ignore[union-attr]
        assert order == [window.cards[phone_id], drive_card]
        bench.station.detach_source(usb)  # the phone goes before its simulator stops
