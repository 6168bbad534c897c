"""The "Bénéficiaires" view, opened from the "Atelier" menu: add, edit, export to a chosen
file, erase after a question that says what goes and what stays, apply the retention period;
French first and English; the outcome dialog offers the file numbers on record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QTableWidgetItem
from pytestqt.qtbot import QtBot

from bench_app import beneficiaries
from bench_app.domain.model import DeviceKind
from bench_app.store import queries
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from tests.ui.test_french_screens import Checker, texts_of
from ui.beneficiaries_view import BeneficiariesView
from ui.outcome_dialog import OutcomeDialog


def _open(bench: Bench, qtbot: QtBot) -> BeneficiariesView:
    bench.window.workshop_menu.actions_["beneficiaries"].trigger()
    view = bench.window.workshop_menu.opened["beneficiaries"]
    assert isinstance(view, BeneficiariesView) and view.isVisible()
    qtbot.addWidget(view)
    return view


def _type(qtbot: QtBot, view: BeneficiariesView, **values: str) -> None:
    for key, text in values.items():
        view.fields[key].clear()
        # QTest types ASCII only (it aborts on "é"): the accented rest goes in as typed text.
        ascii_part = text.encode("ascii", "ignore").decode()
        if ascii_part == text:
            qtbot.keyClicks(view.fields[key], text)
        else:
            view.fields[key].insert(text)


def _click(qtbot: QtBot, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _rows(view: BeneficiariesView) -> list[list[str]]:
    table = view.table
    return [[view._cell(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_add_edit_export_and_erase_a_person(
    qtbot: QtBot, make_bench: Callable[..., Bench], tmp_path: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    view = _open(bench, qtbot)
    assert view.windowTitle() == "Bénéficiaires"
    assert not view.buttons["export"].isEnabled() and not view.buttons["forget"].isEnabled()
    _type(qtbot, view, reference="DOS-2026-0005", name="Léa Martin",
          structure="CCAS de Lyon", contact="06 11 22 33 44")  # fmt: skip
    _click(qtbot, view.buttons["save"])
    assert view.message.text() == "Enregistré : DOS-2026-0005."
    _click(qtbot, view.buttons["new"])
    _type(qtbot, view, reference="DOS-2026-0009", structure="Mission locale")
    _click(qtbot, view.buttons["save"])
    assert [r[:4] for r in _rows(view)] == [
        ["DOS-2026-0005", "Léa Martin", "CCAS de Lyon", "06 11 22 33 44"],
        ["DOS-2026-0009", "", "Mission locale", ""],
    ]
    # The same file number again is refused, in one short sentence.
    _click(qtbot, view.buttons["new"])
    _type(qtbot, view, reference="DOS-2026-0005")
    _click(qtbot, view.buttons["save"])
    assert view.message.text() == "Dossier DOS-2026-0005 déjà enregistré."
    assert len(_rows(view)) == 2

    # Chosen in the list: the form shows them; the file number cannot be changed.
    view.select("DOS-2026-0005")
    assert view.fields["name"].text() == "Léa Martin"
    assert view.fields["reference"].isReadOnly()
    _type(qtbot, view, contact="lea@exemple.org")
    _click(qtbot, view.buttons["save"])
    person = beneficiaries.get(bench.station.store, "DOS-2026-0005")
    assert person is not None and person.contact == "lea@exemple.org"
    screenshot(view, artifacts_dir / "beneficiaries-view.png")

    # Export: the chooser proposes the file number as the name; the file holds the record.
    _click(qtbot, view.buttons["export"])
    chooser = view.chooser
    assert chooser is not None and chooser.isVisible()
    out = tmp_path / "lea.json"
    chooser.selectFile(str(out))
    chooser.accept()
    qtbot.waitUntil(lambda: out.exists())
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["reference"] == "DOS-2026-0005"
    assert data["record"]["name"] == "Léa Martin"
    assert view.message.text() == f"Exporté : {out}"

    # Erase: the question says what goes and what stays; "Non" erases nothing.
    _click(qtbot, view.buttons["forget"])
    box = view.question
    assert box is not None and box.isVisible()
    assert box.text() == "Effacer les données de DOS-2026-0005 ?"
    assert "Effacés\u00a0: nom, structure, contact" in box.informativeText()
    assert "historique des appareils" in box.informativeText()
    screenshot(view, artifacts_dir / "beneficiaries-forget-question.png", box)
    no = next(b for b in box.buttons() if b.text() == "Non")
    _click(qtbot, no)
    assert beneficiaries.get(bench.station.store, "DOS-2026-0005") is not None
    _click(qtbot, view.buttons["forget"])
    box = view.question
    assert box is not None
    yes = next(b for b in box.buttons() if b.text() == "Oui, effacer")
    _click(qtbot, yes)
    assert beneficiaries.get(bench.station.store, "DOS-2026-0005") is None
    assert [r[0] for r in _rows(view)] == ["DOS-2026-0009"]
    assert view.message.text() == "Données de DOS-2026-0005 effacées."
    events = queries.events(bench.station.store)
    forgotten = [e.payload for e in events if e.type == "beneficiary.forgotten"]
    assert forgotten == [{"reference": "DOS-2026-0005", "reason": "request"}]


def test_the_retention_period_is_applied_on_demand(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    bench = make_bench(lang="fr")
    store = bench.station.store
    beneficiaries.add(store, "DOS-2019", name="Ancien", operator="o", training=True,
                      now="2019-03-01T10:00:00.000Z")  # fmt: skip
    beneficiaries.add(store, "DOS-NOW", operator="o", training=True)
    view = _open(bench, qtbot)
    assert [r[0] for r in _rows(view)] == ["DOS-2019", "DOS-NOW"]
    _click(qtbot, view.buttons["purge"])
    assert [r[0] for r in _rows(view)] == ["DOS-NOW"]
    assert view.message.text() == "Délai de 36 mois : 1 personne(s) effacée(s)."


def test_the_view_reads_french_then_english(
    qtbot: QtBot, make_bench: Callable[..., Bench], artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    beneficiaries.add(bench.station.store, "DOS-1", name="Léa", structure="CCAS",
                      operator="o", training=True)  # fmt: skip
    view = _open(bench, qtbot)
    view.select("DOS-1")
    checker = Checker()
    items = [view.table.horizontalHeaderItem(c) for c in range(view.table.columnCount())]
    headers = [i.text() for i in items if isinstance(i, QTableWidgetItem)]
    assert len(headers) == 5
    checker.add("beneficiaries view", [*texts_of(view), *headers])
    assert checker.report() == []
    bench.window.language.setCurrentIndex(bench.window.language.findData("en"))
    bench.window.language.activated.emit(bench.window.language.currentIndex())
    qtbot.waitUntil(lambda: view.windowTitle() == "Beneficiaries")
    assert view.buttons["forget"].text() == "Erase their data…"
    first = view.table.horizontalHeaderItem(0)
    assert first is not None and first.text() == "File number"
    screenshot(view, artifacts_dir / "beneficiaries-view-en.png")


def test_the_outcome_dialog_offers_the_file_numbers_on_record(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    bench = make_bench(lang="fr")
    for ref in ("DOS-0001", "DOS-0002"):
        beneficiaries.add(bench.station.store, ref, operator="o", training=True)
    device = bench.station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP4")
    dialog = OutcomeDialog(bench.station, device.id, "fr", bench.window)
    qtbot.addWidget(dialog)
    completer = dialog.beneficiary.completer()
    assert completer is not None
    model = completer.model()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["DOS-0001", "DOS-0002"]
