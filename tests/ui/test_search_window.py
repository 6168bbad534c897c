"""The bar's search field finds any device, plugged in or not: several hits open a list
from which one opens; a device that is not on the bench opens on its own page, with who
it is, its journey and its whole history (who, on which station, when, what)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget
from pytestqt.qtbot import QtBot

from bench_app.domain.model import Device, DeviceKind, DonorKind
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from tests.ui.conftest import Bench
from tests.ui.test_french_screens import Checker, texts_of
from ui.search_results import SearchResults
from ui.window_fit import alive


def _given(station: Station, device: Device, beneficiary: str) -> None:
    """A donation recorded as the journey records it (its rules are tested elsewhere)."""
    station.store.record(
        [
            NewEvent(
                "outcome.recorded",
                {"device_id": device.id, "kind": "donation", "beneficiary": beneficiary},
                device.id,
            )
        ],
        operator=station.operator,
        training=station.training,
    )


def _workshop(station: Station) -> tuple[Device, Device, Device]:
    """Three devices nobody has plugged in: two Galaxy phones of the Rhône's donation (one
    given to a beneficiary), and a laptop identified then left on the shelf."""
    lot = station.register_lot(
        station.register_donor("Département du Rhône", DonorKind.PUBLIC_BODY), None, "CONV-RH-7"
    )
    first = station.register_device(
        DeviceKind.PHONE, brand="Samsung", model="Galaxy S9", serial="R58M11", lot_id=lot
    )
    second = station.register_device(
        DeviceKind.PHONE, brand="Samsung", model="Galaxy A52", serial="R58M22", lot_id=lot
    )
    station.identify(second.id, {"storage_gb": 128})
    _given(station, second, "BEN-2026-0042")
    laptop = station.register_device(DeviceKind.LAPTOP, brand="Lenovo", model="ThinkPad T480")
    station.identify(laptop.id, {"ram_gb": 8})
    return first, second, laptop


def _search(qtbot: QtBot, bench: Bench, text: str) -> None:
    window = bench.window
    window.search.setFocus()
    window.search.setText(text)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


def _items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    found = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [item for item in found if item is not None]


def _rows(tree: QTreeWidget) -> list[list[str]]:
    return [[item.text(c) for c in range(tree.columnCount())] for item in _items(tree)]


def _french(root: QWidget, tree: QTreeWidget) -> list[str]:
    checker = Checker()
    checker.add(root.objectName(), texts_of(root))
    checker.add("headers", [tree.headerItem().text(c) for c in range(tree.columnCount())])
    checker.add("rows", [cell for row in _rows(tree) for cell in row])
    return checker.report()


def test_several_hits_open_a_list_and_one_opens_on_its_page(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    first, second, _laptop = _workshop(bench.station)
    _search(qtbot, bench, "galaxy")
    listing = bench.window.search_results
    assert isinstance(listing, SearchResults)
    qtbot.waitExposed(listing)
    rows = _rows(listing.list)
    assert sorted(r[0] for r in rows) == sorted([first.asset_code, second.asset_code])
    given = next(r for r in rows if r[0] == second.asset_code)
    assert given[1:] == [
        "Samsung Galaxy A52",
        "R58M22",
        "Terminé",
        "Département du Rhône — CONV-RH-7",
        "don",
    ]
    assert listing.heading.text() == "2 appareils trouvés pour « galaxy »"
    assert not bench.window.search.text()  # ready for the next scan
    assert _french(listing, listing.list) == []
    assert listing.grab().save(str(artifacts_dir / "search-results-fr.png"))

    # The given phone: keyboard down to it, Enter; it is not on the bench: its page opens.
    listing.list.setFocus()
    listing.list.setCurrentItem(
        next(i for i in _items(listing.list) if i.text(0) == second.asset_code)
    )
    qtbot.keyClick(listing.list, Qt.Key.Key_Return)
    page = bench.window.device_pages[second.id]
    qtbot.waitExposed(page)
    assert second.id not in bench.window.cards  # no card for a device that left
    assert page.code.text() == second.asset_code
    assert page.values["serial"].text() == "R58M22"
    donation = page.values["donation"].text()
    assert re.fullmatch(r"Département du Rhône — CONV-RH-7 — reçu le \d\d/\d\d/\d{4}", donation)
    assert page.values["stage"].text() == "Terminé"
    assert "bénéficiaire BEN-2026-0042" in page.values["outcome"].text()
    # Its whole history, newest first: what, who, on which station.
    history = _rows(page.history)
    facts = queries.events(bench.station.store, second.id)
    assert len(history) == len(facts) == 3
    assert [r[1] for r in history] == [e.operator for e in reversed(facts)]
    assert {r[2] for r in history} == {"Poste de formation"}
    assert history[-1][3] == f"Enregistré sous le code {second.asset_code}"
    assert "BEN-2026-0042" in history[0][3]
    assert _french(page, page.history) == []
    assert page.grab().save(str(artifacts_dir / "device-page-fr.png"))


def test_one_exact_hit_opens_at_once_and_its_page_puts_it_on_the_bench(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="en")
    _first, _second, laptop = _workshop(bench.station)
    # A scanned label: the address printed in its QR code, the code at its end.
    _search(qtbot, bench, f"https://verif.example.org/v/{laptop.asset_code}")
    page = bench.window.device_pages[laptop.id]
    qtbot.waitExposed(page)
    assert bench.window.search_results is None  # one device: no list
    assert page.windowTitle() == f"Device {laptop.asset_code} — Établi"
    assert page.values["kind"].text() == "Laptop"
    assert page.values["outcome"].text() == "not yet"
    assert not page.form.isRowVisible(page.values["imei"])  # a laptop has none
    assert [r[3] for r in _rows(page.history)] == [
        "Identified",
        f"Registered with code {laptop.asset_code}",
    ]
    assert page.grab().save(str(artifacts_dir / "device-page-en.png"))
    # Its page redraws in the other language with the window.
    bench.window.language.setCurrentIndex(bench.window.language.findData("fr"))
    bench.window.language.activated.emit(bench.window.language.currentIndex())
    qtbot.waitUntil(lambda: page.values["kind"].text() == "Ordinateur portable")
    assert next(r[3] for r in _rows(page.history)) == "Identifié"
    assert page.windowTitle() == f"Appareil {laptop.asset_code} — Établi"
    # "Work on it": its card on the bench, selected, and the page goes.
    qtbot.mouseClick(page.work_button, Qt.MouseButton.LeftButton)
    assert bench.window.selected == laptop.id and laptop.id in bench.window.cards
    qtbot.waitUntil(lambda: not page.isVisible())
    # Now that it has a card, finding it again selects its card, as for a plugged device.
    bench.window.select(next(iter(bench.window.cards)))
    _search(qtbot, bench, laptop.serial or laptop.asset_code)
    assert bench.window.selected == laptop.id


def test_a_serial_typed_differently_finds_the_plugged_phone_card(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=60_000)
    phone = queries.devices(bench.station.store)[0]
    qtbot.waitUntil(lambda: bool(bench.station.device(phone.id).serial), timeout=60_000)  # type: ignore[union-attr]
    serial = bench.station.device(phone.id).serial  # type: ignore[union-attr]
    bench.window.selected = None
    _search(qtbot, bench, " ".join(serial.lower()))
    assert bench.window.selected == phone.id
    assert not bench.window.device_pages  # plugged in: its card, not a page


def test_the_list_and_the_pages_close_with_the_window(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    """Closing the station closes what its search opened: nothing stays on screen reading a
    closed database (nor keeps the application from quitting)."""
    bench = make_bench()
    _first, second, _laptop = _workshop(bench.station)
    _search(qtbot, bench, "galaxy")
    listing = bench.window.search_results
    assert isinstance(listing, SearchResults)
    qtbot.waitExposed(listing)
    listing.list.setCurrentItem(
        next(i for i in _items(listing.list) if i.text(0) == second.asset_code)
    )
    qtbot.keyClick(listing.list, Qt.Key.Key_Return)
    page = bench.window.device_pages[second.id]
    qtbot.waitExposed(page)
    bench.window.shutdown()
    for window in (listing, page):
        assert not alive(window) or not window.isVisible()
