"""The "Bénéficiaires" view (menu "Atelier"): the people the workshop gives, lends or rents
devices to. List, add and edit (file number, name, referring structure, contact), export one
person's data to a file (right of access), erase it (right to erasure, after a question that
says what goes and what stays), and apply the retention period now. The data stays on this
station (bench_app/beneficiaries.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bench_app import beneficiaries
from bench_app.approvals import Guarded
from bench_app.errors import BenchError
from bench_app.output.formatting import day_text
from bench_app.output.reports.spreadsheet import write_atomically
from bench_app.station import Station
from bench_app.text import Text
from ui.file_chooser import media_folder

if TYPE_CHECKING:
    from ui.main_window import MainWindow

TITLE = Text("Bénéficiaires", "Beneficiaries")
NOTE = Text(
    "Noms et contacts restent sur ce poste, jamais envoyés.",
    "Names and contacts stay on this station, never sent.",
)
COLUMNS = (
    Text("N° de dossier", "File number"),
    Text("Nom", "Name"),
    Text("Structure d’orientation", "Referring structure"),
    Text("Contact", "Contact"),
    Text("Enregistré le", "Recorded on"),
)
FIELDS = (
    ("reference", Text("N° de dossier", "File number")),
    ("name", Text("Nom (facultatif)", "Name (optional)")),
    ("structure", Text("Structure d’orientation", "Referring structure")),
    ("contact", Text("Téléphone ou e-mail", "Phone or e-mail")),
)
WORDS = {
    "save": Text("Enregistrer", "Save"),
    "new": Text("Nouvelle personne", "New person"),
    "export": Text("Exporter ses données…", "Export their data…"),
    "forget": Text("Effacer ses données…", "Erase their data…"),
    "purge": Text("Appliquer le délai de conservation", "Apply the retention period"),
    "reference_hint": Text("Numéro de dossier, jamais un nom", "File number, never a name"),
    "saved": Text("Enregistré : {ref}.", "Saved: {ref}."),
    "exported": Text("Exporté : {path}", "Exported: {path}"),
    "forgotten": Text("Données de {ref} effacées.", "Data of {ref} erased."),
    "purged": Text(
        "Délai de {months} mois : {count} personne(s) effacée(s).",
        "{months}-month period: {count} person(s) erased.",
    ),
    "ask": Text("Effacer les données de {ref} ?", "Erase the data of {ref}?"),
    "ask_detail": Text(
        "Effacés\u00a0: nom, structure, contact. Gardé\u00a0: l’historique des appareils, "
        "avec le numéro de dossier seulement.",
        "Erased: name, structure, contact. Kept: the devices' history, with the file number only.",
    ),
    "yes": Text("Oui, effacer", "Yes, erase"),
    "no": Text("Non", "No"),
    "export_title": Text("Exporter les données de {ref}", "Export the data of {ref}"),
}


class BeneficiariesView(QWidget):
    """The list of people on record and what can be done for one of them. `chooser` and
    `question` are the last file chooser and question opened (tests answer them)."""

    def __init__(self, station: Station, lang: str = "fr") -> None:
        super().__init__()
        self.setObjectName("BeneficiariesView")
        self.station = station
        self.lang = lang
        self.editing: str | None = None  # the file number being edited, None: a new person
        self.chooser: QFileDialog | None = None
        self.question: QMessageBox | None = None
        self.approval_dialog: QDialog | None = None  # a supervisor's approval, when asked
        self.resize(1000, 640)

        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("SectionTitle")
        layout.addWidget(self.heading)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("BeneficiaryTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for key, _title in FIELDS:
            field = QLineEdit()
            field.setObjectName(f"BeneficiaryField-{key}")
            field.setMaxLength(
                beneficiaries.REFERENCE_MAX if key == "reference" else beneficiaries.FIELD_MAX
            )
            field.returnPressed.connect(self.save)
            label = QLabel()
            label.setBuddy(field)
            form.addRow(label, field)
            self.fields[key] = field
            self.labels[key] = label
        layout.addLayout(form)

        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, action in (
            ("save", self.save),
            ("new", self.new_person),
            ("export", self.export),
            ("forget", self.ask_forget),
            ("purge", self.purge),
        ):
            button = QPushButton()
            button.setObjectName(f"Beneficiary-{key}")
            button.setMinimumHeight(48)
            button.clicked.connect(action)
            row.addWidget(button)
            self.buttons[key] = button
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("BeneficiaryMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.retranslate(lang)
        self.refresh()
        self.new_person()

    # -- language -----------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return WORDS[key].get(self.lang).format(**values)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.heading.setText(TITLE.get(lang))
        self.note.setText(NOTE.get(lang))
        self.table.setHorizontalHeaderLabels([c.get(lang) for c in COLUMNS])
        self.table.setAccessibleName(TITLE.get(lang))
        for key, title in FIELDS:
            self.labels[key].setText(title.get(lang))
            self.fields[key].setAccessibleName(title.get(lang))
        self.fields["reference"].setPlaceholderText(self._t("reference_hint"))
        for key, button in self.buttons.items():
            button.setText(self._t(key))
            button.setAccessibleName(self._t(key))
        if self.table.rowCount():
            self.refresh()  # the days, as each language writes them

    # -- the list -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Reads the people on record again, keeping the one being edited selected."""
        people = beneficiaries.listing(self.station.store)
        self.table.blockSignals(True)
        self.table.setRowCount(len(people))
        for row, person in enumerate(people):
            cells = (
                person.reference,
                person.name,
                person.structure,
                person.contact,
                _day(person.registered_at, self.lang),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if person.reference == self.editing:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._enable()

    def references(self) -> list[str]:
        return [self._cell(r, 0) for r in range(self.table.rowCount())]

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def select(self, reference: str) -> None:
        """Selects the person with this file number (as a click on their row does)."""
        self.table.selectRow(self.references().index(reference))

    def _selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if not rows:
            return
        reference = self._cell(rows.pop(), 0)
        person = beneficiaries.get(self.station.store, reference)
        if person is None:
            return
        self.editing = person.reference
        for key in ("reference", "name", "structure", "contact"):
            self.fields[key].setText(getattr(person, key))
        self.fields["reference"].setReadOnly(True)  # the key the facts use: never changed
        self._enable()

    def _enable(self) -> None:
        chosen = self.editing is not None
        self.buttons["export"].setEnabled(chosen)
        self.buttons["forget"].setEnabled(chosen)

    # -- actions ------------------------------------------------------------------------

    def new_person(self) -> None:
        self.editing = None
        self.table.clearSelection()
        for field in self.fields.values():
            field.clear()
        self.fields["reference"].setReadOnly(False)
        self.fields["reference"].setFocus()
        self._enable()

    def save(self) -> None:
        values = {k: self.fields[k].text() for k in ("name", "structure", "contact")}
        try:
            if self.editing is None:
                person = beneficiaries.add(
                    self.station.store,
                    self.fields["reference"].text(),
                    operator=self.station.operator,
                    training=self.station.training,
                    **values,
                )
            else:
                person = beneficiaries.update(self.station.store, self.editing, **values)
        except BenchError as exc:
            self._say(exc.short.get(self.lang))
            return
        self.editing = person.reference
        self.fields["reference"].setReadOnly(True)
        self.refresh()
        self._say(self._t("saved", ref=person.reference))

    def export(self) -> QFileDialog | None:
        """Opens a chooser for the file the person's data is written to."""
        if self.editing is None:
            return None
        reference = self.editing
        chooser = QFileDialog(self, self._t("export_title", ref=reference))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        chooser.setNameFilter("JSON (*.json)")
        chooser.setDefaultSuffix("json")
        chooser.setDirectory(str(media_folder()))
        chooser.selectFile(f"{reference}.json")
        chooser.fileSelected.connect(lambda path: self.export_to(reference, Path(path)))
        self.chooser = chooser
        chooser.open()
        return chooser

    def export_to(self, reference: str, path: Path) -> None:
        try:
            data = beneficiaries.export(self.station.store, reference)
            write_atomically(path, beneficiaries.export_json(data).encode("utf-8"))
        except BenchError as exc:
            self._say(exc.short.get(self.lang))
            return
        self._say(self._t("exported", path=path))

    def ask_forget(self) -> QMessageBox | None:
        """Asks before erasing: what goes (name, structure, contact) and what stays."""
        if self.editing is None:
            return None
        reference = self.editing
        box = QMessageBox(self)
        box.setObjectName("ForgetQuestion")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self._t("ask", ref=reference))
        box.setText(self._t("ask", ref=reference))
        box.setInformativeText(self._t("ask_detail"))
        yes = box.addButton(self._t("yes"), QMessageBox.ButtonRole.DestructiveRole)
        no = box.addButton(self._t("no"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)

        def answered(button: object) -> None:
            if button is yes:
                self.forget(reference)

        box.buttonClicked.connect(answered)
        self.question = box
        box.open()
        return box

    def forget(self, reference: str) -> None:
        """Erases the person's data; a supervisor approves first where the station has one."""
        from ui.approval_dialog import attempt_or_ask

        def done() -> None:
            self.new_person()
            self.refresh()
            self._say(self._t("forgotten", ref=reference))

        try:
            self.approval_dialog = attempt_or_ask(
                self.station,
                self.lang,
                Guarded.FORGET_BENEFICIARY,
                lambda r: self.station.forget_beneficiary(reference, approval=r),
                self,
                on_done=done,
            )
        except BenchError as exc:
            self._say(exc.short.get(self.lang))

    def purge(self) -> None:
        try:
            erased = self.station.purge_beneficiaries()
        except BenchError as exc:
            self._say(exc.short.get(self.lang))
            return
        if self.editing in erased:
            self.new_person()
        self.refresh()
        months = self.station.settings.beneficiary_retention_months
        self._say(self._t("purged", months=months, count=len(erased)))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleName(text)


def _day(ts: str, lang: str) -> str:
    """The local day of a UTC timestamp, as people write it."""
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return ts
    return day_text(moment.astimezone().date(), lang)


def open_beneficiaries(window: MainWindow) -> QWidget:
    """The opener of the "Atelier" menu's entry."""
    view = BeneficiariesView(window.station, window.lang)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return view
