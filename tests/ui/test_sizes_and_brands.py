"""What a trainee reads on a card and in the panel: a 32 MiB simulated drive's size in Mo
(never "0,0 Go"), and brands as their makers write them (OnePlus, Fairphone, Google), on
device cards and on the card of a phone not usable yet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceKind
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from ui.pending_card import PendingCard

WAIT = 30_000
MiB = 1 << 20


def identity_rows(bench: Bench) -> dict[str, str]:
    form = bench.window.panel.identity
    rows = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole)
        value = form.itemAt(row, form.ItemRole.FieldRole)
        if label is None or value is None:
            continue
        label_widget, value_widget = label.widget(), value.widget()
        assert isinstance(label_widget, QLabel) and isinstance(value_widget, QLabel)
        rows[label_widget.text().rstrip(" :")] = value_widget.text()
    return rows


def test_a_small_simulated_drive_shows_its_size_in_mo(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    drive = bench.simulator.add_drive("hdd-sata-500", size=32 * MiB)
    qtbot.waitUntil(lambda: drive.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[drive.key]
    qtbot.waitUntil(lambda: device_id in bench.window.cards, timeout=WAIT)
    bench.window.select(device_id)
    rows = identity_rows(bench)
    assert rows["Capacité"] == "34 Mo", rows
    screenshot(bench.window, artifacts_dir / "small-drive-fr.png")
    language = bench.window.language
    english = language.findData("en")
    language.setCurrentIndex(english)
    language.activated.emit(english)
    assert bench.window.lang == "en"
    bench.window.select(device_id)
    assert identity_rows(bench)["Capacity"] == "34 MB"


def test_brands_on_cards_are_written_as_their_makers_write_them(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr")
    oneplus = bench.station.register_device(DeviceKind.PHONE, brand="oneplus", model="BE2029")
    fairphone = bench.station.register_device(DeviceKind.PHONE, brand="fairphone", model="FP4")
    for device_id, title in ((oneplus.id, "OnePlus BE2029"), (fairphone.id, "Fairphone FP4")):
        bench.window.select_device_card(device_id)
        bench.window._flush(full=True)
        card = bench.window.cards[device_id]
        qtbot.waitUntil(card.isVisible, timeout=WAIT)
        assert card.title.text() == title
    pending = PendingCard("adb:usb:1-2", "no_debugging", "google")
    try:
        assert pending.title.text() == "Google branché"
        assert pending.brand == "google"  # the guide still finds the maker's steps by it
    finally:
        pending.deleteLater()
