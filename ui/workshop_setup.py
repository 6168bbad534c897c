"""The station's set-up: the first-run assistant of a real station (one page at a time:
workshop, station, operators, language, label printer, phones' system, the collective) and
"Réglages", the same pages side by side to change later.

Both work on a copy of the settings: nothing is written until "Terminer" / "Enregistrer",
then the settings file is replaced in one step (`Settings.save`); "Annuler" leaves every
file as it was. Two things are done at once because they act outside the settings file and
say so: a test print, and the enrolment with the collective's hub (its own sync.json)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bench_app.approvals import Guarded
from bench_app.errors import BenchError
from bench_app.operators import OPERATOR, SUPERVISOR, TRAINER, new_operator
from bench_app.output.labels.content import sample_content
from bench_app.output.printers import PrinterSetup, load_printers, save_printers
from bench_app.settings import Settings
from bench_app.settings_edit import KNOWN_SYSTEMS, parse_value
from bench_app.station import Station
from bench_app.text import Text
from ui.approval_dialog import ApprovalDialog, attempt_or_ask
from ui.device_view import tr
from ui.look_settings import TAB_TITLE, LookFields
from ui.printer_dialog import PrinterDialog, PrintTask
from ui.style import apply_style


class Page(QWidget):
    """One page: a title, a short sentence, its fields. `load` fills them from the draft;
    `store` checks them and writes them into the draft (a BenchError says what is wrong)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.lang = "fr"  # the window's language, for the core's messages (set by the dialog)
        self.layout_ = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("Question")
        self.heading.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.layout_.addWidget(self.heading)
        self.layout_.addWidget(self.hint)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)

    def title(self) -> str:
        return self.heading.text()

    def load(self, draft: Settings) -> None:  # pragma: no cover - every page defines it
        raise NotImplementedError

    def store(self, draft: Settings) -> None:  # pragma: no cover - every page defines it
        raise NotImplementedError


def _field(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(380)
    return edit


def _set(draft: Settings, key: str, text: str) -> None:
    """Checks `text` as the command line does (`etabli settings set`) and keeps it."""
    setattr(draft, key, parse_value(key, text))


class WorkshopPage(Page):
    def __init__(self) -> None:
        super().__init__("WorkshopPage")
        self.heading.setText(tr("Your workshop"))
        self.hint.setText(tr("Its name goes on every certificate."))
        self.name = _field(tr("e.g. Ressourcerie du Port"))
        self.address = _field(tr("Street, postcode, town"))
        self.contact = _field(tr("Phone or e-mail"))
        self.form.addRow(tr("Name"), self.name)
        self.form.addRow(tr("Address"), self.address)
        self.form.addRow(tr("How to reach you"), self.contact)

    def load(self, draft: Settings) -> None:
        self.name.setText(draft.organisation)
        self.address.setText(draft.organisation_address)
        self.contact.setText(draft.organisation_contact)

    def store(self, draft: Settings) -> None:
        if not self.name.text().strip():
            raise BenchError("WORKSHOP_UNNAMED")
        _set(draft, "organisation", self.name.text())
        _set(draft, "organisation_address", self.address.text())
        _set(draft, "organisation_contact", self.contact.text())


class StationPage(Page):
    def __init__(self) -> None:
        super().__init__("StationPage")
        self.heading.setText(tr("This station"))
        self.hint.setText(tr("Give it a short name, like “Station 1”."))
        self.name = _field(tr("Station 1"))
        self.form.addRow(tr("Station name"), self.name)

    def load(self, draft: Settings) -> None:
        self.name.setText(draft.station_name)

    def store(self, draft: Settings) -> None:
        if not self.name.text().strip():
            raise BenchError("SETUP_STATION_UNNAMED")
        _set(draft, "station_name", self.name.text())


# Each person's role: a supervisor approves what an operator must not do alone; a trainer,
# in training mode only (bench_app/approvals.py). Both need a PIN.
ROLE_WORDS = {
    OPERATOR: Text("Opérateur", "Operator"),
    SUPERVISOR: Text("Responsable", "Supervisor"),
    TRAINER: Text("Formateur", "Trainer"),
}
ROLE_CAPTION = Text("Rôle", "Role")
ROLE_HINT = Text(
    "Un responsable ou un formateur a toujours un code.",
    "A supervisor or a trainer always has a PIN.",
)


class OperatorsPage(Page):
    """The people who work here: a name, a short PIN and a role each (at least one
    person)."""

    def __init__(self) -> None:
        super().__init__("OperatorsPage")
        self.heading.setText(tr("Who works here?"))
        self.hint.setText(tr("Add each person: a name and a PIN of 4 to 8 digits."))
        self.names = QListWidget()
        self.names.setMaximumHeight(150)
        self.layout_.insertWidget(2, self.names)
        self.name = _field(tr("First name"))
        self.pin = _field(tr("4 to 8 digits (optional)"))
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(tr("Name"), self.name)
        self.form.addRow(tr("PIN"), self.pin)
        self.role = QComboBox()
        for key, words in ROLE_WORDS.items():
            self.role.addItem(words.get(self.lang), key)
        self.role.setToolTip(ROLE_HINT.get(self.lang))
        self.role_caption = QLabel(ROLE_CAPTION.get(self.lang))
        self.form.addRow(self.role_caption, self.role)
        row = QHBoxLayout()
        self.add_button = QPushButton(tr("Add this person"))
        self.add_button.setObjectName("BigAction")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(tr("Remove the chosen person"))
        self.remove_button.clicked.connect(self.remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("SearchError")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.operators: list[dict[str, str]] = []

    def load(self, draft: Settings) -> None:
        self.operators = [dict(o) for o in draft.operators]
        # The page's language is known now (set after it was built).
        for index, words in enumerate(ROLE_WORDS.values()):
            self.role.setItemText(index, words.get(self.lang))
        self.role.setToolTip(ROLE_HINT.get(self.lang))
        self.role_caption.setText(ROLE_CAPTION.get(self.lang))
        self._show()

    def _show(self) -> None:
        self.names.clear()
        for entry in self.operators:
            notes = [tr("with PIN")] if entry.get("pin_hash") else []
            role = entry.get("role", OPERATOR)
            if role != OPERATOR:
                notes.append(ROLE_WORDS[role].get(self.lang).lower())
            self.names.addItem(entry["name"] + (f" ({', '.join(notes)})" if notes else ""))

    def add(self) -> bool:
        """Adds the person typed in; False (and why, in the page) when refused."""
        draft = Settings(operators=self.operators)
        try:
            role = str(self.role.currentData() or OPERATOR)
            operator = new_operator(draft.operator_list(), self.name.text(), self.pin.text(), role)
        except BenchError as exc:
            self.message.setText(exc.short.get(self.lang))
            return False
        draft.add_operator(operator)
        self.operators = draft.operators
        self.name.clear()
        self.pin.clear()
        self.role.setCurrentIndex(0)
        self.message.clear()
        self._show()
        return True

    def remove(self) -> None:
        row = self.names.currentRow()
        if 0 <= row < len(self.operators):
            del self.operators[row]
            self._show()

    def store(self, draft: Settings) -> None:
        if self.name.text().strip() and not self.add():  # typed, but "Add" not pressed
            raise BenchError("SETUP_OPERATOR_REFUSED")
        if not self.operators:
            raise BenchError("SETUP_NO_OPERATOR")
        draft.operators = [dict(o) for o in self.operators]


class LanguagePage(Page):
    def __init__(self) -> None:
        super().__init__("LanguagePage")
        self.heading.setText(tr("Language of the station"))
        self.hint.setText(tr("Screens and documents use it."))
        self.choice = QComboBox()
        self.choice.addItem("Français", "fr")
        self.choice.addItem("English", "en")
        self.form.addRow(tr("Language"), self.choice)
        self.look: LookFields | None = None  # contrast and text size (given the language)

    def load(self, draft: Settings) -> None:
        self.choice.setCurrentIndex(max(self.choice.findData(draft.language), 0))
        if self.look is None:
            self.look = LookFields(self.form, self.lang)
        self.look.load(draft)

    def store(self, draft: Settings) -> None:
        draft.language = str(self.choice.currentData())
        if self.look is not None:
            self.look.store(draft)


class _TestSignals(QObject):
    done = Signal(str)
    failed = Signal(str)


class PrinterPage(Page):
    """The label printer: one of the printers set up on this station, with a test print;
    "Set up a printer…" opens the printers' dialog (which saves printers.json itself)."""

    def __init__(self, folder: Path, settings: Settings, pool: QThreadPool | None = None) -> None:
        super().__init__("PrinterPage")
        self.folder = folder
        self.settings = settings
        self.pool = pool or QThreadPool.globalInstance()
        self.heading.setText(tr("Label printer"))
        self.hint.setText(tr("Choose the printer, then print a test label."))
        self.choice = QComboBox()
        self.form.addRow(tr("Printer"), self.choice)
        row = QHBoxLayout()
        self.test_button = QPushButton(tr("Print a test label"))
        self.test_button.clicked.connect(self.test_print)
        self.setup_button = QPushButton(tr("Set up a printer…"))
        self.setup_button.clicked.connect(self.open_printers)
        row.addWidget(self.test_button)
        row.addWidget(self.setup_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.dialog: PrinterDialog | None = None
        self.task: PrintTask | None = None
        self.setup = PrinterSetup()
        self._read()

    def _read(self) -> None:
        try:
            self.setup = load_printers(self.folder)
        except BenchError as exc:
            self.setup = PrinterSetup()
            self.message.setText(exc.short.get(self.lang))
        self.choice.clear()
        for printer in self.setup.printers:
            self.choice.addItem(printer.name, printer.name)
        if not self.setup.printers:
            self.choice.addItem(tr("No printer yet: set one up."), "")
        else:
            self.choice.setCurrentIndex(max(self.choice.findData(self.setup.get().name), 0))
        self.test_button.setEnabled(bool(self.setup.printers))

    def load(self, draft: Settings) -> None:
        self.settings = draft

    def open_printers(self) -> PrinterDialog:
        dialog = PrinterDialog(self.folder, self.settings, self.lang, self, pool=self.pool)
        dialog.finished.connect(lambda _result: self._read())
        self.dialog = dialog
        dialog.open()
        return dialog

    def test_print(self) -> None:
        name = str(self.choice.currentData() or "")
        if not name:
            return
        task = PrintTask(self.setup.get(name), [sample_content(self.lang)], self.lang)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.done.connect(self._printed, queued)
        task.signals.failed.connect(lambda _code, text: self._said(text, ok=False), queued)
        self.task = task
        self.test_button.setEnabled(False)
        self.message.setText(tr("Printing…"))
        self.pool.start(task)

    def _printed(self, where: str) -> None:
        self._said(tr("Test label sent: %1").replace("%1", where), ok=True)

    def _said(self, text: str, *, ok: bool) -> None:
        self.test_button.setEnabled(True)
        self.message.setStyleSheet("color: #1b7f3b;" if ok else "color: #b3261e;")
        self.message.setText(text)

    def store(self, draft: Settings) -> None:
        """The chosen printer becomes the default one (printers.json, at the end)."""

    def save_default(self) -> None:
        name = str(self.choice.currentData() or "")
        if name and name != self.setup.default:
            self.setup.default = name
            save_printers(self.folder, self.setup)


class SystemPage(Page):
    def __init__(self) -> None:
        super().__init__("SystemPage")
        self.heading.setText(tr("System for the phones"))
        self.hint.setText(tr("Installed on each phone once it is wiped."))
        self.choice = QComboBox()
        self.choice.setEditable(True)
        for system in KNOWN_SYSTEMS:
            self.choice.addItem(system, system)
        self.choice.addItem(tr("None: phones keep their own"), "")
        self.form.addRow(tr("System"), self.choice)

    def load(self, draft: Settings) -> None:
        index = self.choice.findData(draft.phone_system)
        if index >= 0:
            self.choice.setCurrentIndex(index)
        else:
            self.choice.setEditText(draft.phone_system)

    def store(self, draft: Settings) -> None:
        index = self.choice.currentIndex()
        text = self.choice.currentText()
        if index >= 0 and self.choice.itemText(index) == text:
            text = str(self.choice.itemData(index))
        _set(draft, "phone_system", text or "aucun")


class _EnrolSignals(QObject):
    done = Signal(str)
    failed = Signal(str)


class _Enrol(QRunnable):
    """The enrolment with the hub (`enrol_station`, as `etabli enrol`), off the GUI thread."""

    def __init__(self, station: Station, url: str, code: str, lang: str) -> None:
        super().__init__()
        self.station, self.url, self.code, self.lang = station, url, code, lang
        self.signals = _EnrolSignals()

    def run(self) -> None:
        from bench_app.sync.client import enrol_station

        try:
            config = enrol_station(self.station.folder, self.station.store, self.url, self.code)
        except BenchError as exc:
            self.signals.failed.emit(exc.short.get(self.lang))
            return
        except Exception as exc:  # a bug must reach the person as a message, not a dead page
            self.signals.failed.emit(str(exc))
            return
        self.signals.done.emit(config.workshop or config.hub_url)


class HubPage(Page):
    """Optional: the collective's hub address and the enrolment code it gave."""

    def __init__(self, station: Station, pool: QThreadPool | None = None) -> None:
        super().__init__("HubPage")
        self.station = station
        self.pool = pool or QThreadPool.globalInstance()
        self.heading.setText(tr("The collective (optional)"))
        self.hint.setText(tr("No code yet? Skip this page."))
        self.url = _field("https://hub.exemple.org")
        self.code = _field(tr("Given by the collective"))
        self.form.addRow(tr("Hub address"), self.url)
        self.form.addRow(tr("Enrolment code"), self.code)
        row = QHBoxLayout()
        self.enrol_button = QPushButton(tr("Enrol this station"))
        self.enrol_button.clicked.connect(self.enrol)
        row.addWidget(self.enrol_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.task: _Enrol | None = None
        self.enrolled = ""

    def load(self, draft: Settings) -> None:
        from bench_app.sync.client import SyncConfig

        try:
            config = SyncConfig.load(self.station.folder)
        except BenchError:
            return
        if config.enrolled:
            self.url.setText(config.hub_url)
            self._said(tr("Already enrolled with %1.").replace("%1", config.hub_url), ok=True)

    def enrol(self) -> None:
        if not self.url.text().strip() or not self.code.text().strip():
            self._said(tr("Type the hub's address and the code."), ok=False)
            return
        task = _Enrol(self.station, self.url.text(), self.code.text().strip(), self.lang)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.done.connect(self._enrolled, queued)
        task.signals.failed.connect(lambda text: self._said(text, ok=False), queued)
        self.task = task
        self.enrol_button.setEnabled(False)
        self.message.setText(tr("Enrolling…"))
        self.pool.start(task)

    def _enrolled(self, workshop: str) -> None:
        self.enrolled = workshop
        self._said(tr("Station enrolled (%1).").replace("%1", workshop), ok=True)

    def _said(self, text: str, *, ok: bool) -> None:
        self.enrol_button.setEnabled(True)
        self.message.setStyleSheet("color: #1b7f3b;" if ok else "color: #b3261e;")
        self.message.setText(text)

    def store(self, draft: Settings) -> None:
        """Nothing to keep in the settings: an enrolment is saved when it succeeds."""


def make_pages(
    station: Station, draft: Settings, lang: str, pool: QThreadPool | None = None
) -> list[Page]:
    """The set-up's pages, in the order the assistant shows them."""
    pages = [
        WorkshopPage(),
        StationPage(),
        OperatorsPage(),
        LanguagePage(),
        PrinterPage(station.folder, draft, pool),
        SystemPage(),
        HubPage(station, pool),
    ]
    for page in pages:
        page.lang = lang
        page.layout_.addStretch(1)  # the fields stay at the top, under their sentence
    return pages


class _SetupBase(QDialog):
    """What the assistant and "Réglages" share: the draft, the pages, the error line and
    the one save at the end."""

    def __init__(
        self,
        station: Station,
        lang: str,
        parent: QWidget | None,
        on_saved: Callable[[Settings], None] | None,
        pool: QThreadPool | None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.lang = lang
        self.on_saved = on_saved
        self.draft = replace(
            station.settings, operators=[dict(o) for o in station.settings.operators]
        )
        self.pages = make_pages(station, self.draft, lang, pool)
        for page in self.pages:
            page.load(self.draft)
        self.error = QLabel()
        self.error.setObjectName("SearchError")
        self.error.setWordWrap(True)
        self.setModal(True)
        self.setMinimumWidth(640)
        self.saved = False
        self.approval_dialog: ApprovalDialog | None = None  # a change of supervisors asked

    def page(self, name: str) -> Page:
        return next(p for p in self.pages if p.objectName() == name)

    def _stored(self, page: Page) -> bool:
        try:
            page.store(self.draft)
        except BenchError as exc:
            self.error.setText(exc.short.get(self.lang))
            return False
        self.error.clear()
        return True

    def save(self) -> bool:
        """Every page checked, then the settings file replaced in one step; False (and the
        page that is wrong shown) when a page refuses. A change of who may approve (a
        supervisor or trainer added, removed or given another PIN) first asks one of the
        current supervisors ("Accord d’un responsable"); False while it is asked."""
        for page in self.pages:
            if not self._stored(page):
                self.show_page(page)
                return False
        self.saved = False
        try:
            self.approval_dialog = attempt_or_ask(
                self.station,
                self.lang,
                Guarded.CHANGE_ROLES,
                lambda r: self.station.approve_roles(self.draft.operator_list(), r),
                self,
                on_done=self._write,
            )
        except BenchError as exc:
            self.error.setText(exc.short.get(self.lang))
            return False
        return self.saved

    def _write(self) -> None:
        """The settings file replaced in one step, and every holder told."""
        try:
            self.draft.save(self.station.folder)
            self.page_of(PrinterPage).save_default()
        except BenchError as exc:
            self.error.setText(exc.short.get(self.lang))
            return
        for f in fields(Settings):  # the station's own object: every holder sees the change
            setattr(self.station.settings, f.name, getattr(self.draft, f.name))
        app = QApplication.instance()
        if isinstance(app, QApplication):  # the new look, at once
            apply_style(app, self.draft.theme, self.draft.text_size)
        if self.on_saved is not None:
            self.on_saved(self.station.settings)
        self.saved = True
        self.accept()

    def page_of(self, kind: type[PrinterPage]) -> PrinterPage:
        return next(p for p in self.pages if isinstance(p, kind))

    def show_page(self, page: Page) -> None:  # pragma: no cover - each dialog defines it
        raise NotImplementedError


class SetupAssistant(_SetupBase):
    """The first-run set-up: one page at a time, "Next" checks the page."""

    def __init__(
        self,
        station: Station,
        lang: str,
        parent: QWidget | None = None,
        *,
        on_saved: Callable[[Settings], None] | None = None,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(station, lang, parent, on_saved, pool)
        self.setObjectName("SetupAssistant")
        self.setWindowTitle(tr("Setting up Établi"))
        layout = QVBoxLayout(self)
        self.step = QLabel()
        layout.addWidget(self.step)
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.back_button = QPushButton(tr("Back"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton()
        self.next_button.setObjectName("BigAction")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        self.show_page(self.pages[0])

    def current(self) -> Page:
        page = self.stack.currentWidget()
        assert isinstance(page, Page)
        return page

    def show_page(self, page: Page) -> None:
        index = self.pages.index(page)
        self.stack.setCurrentIndex(index)
        last = index == len(self.pages) - 1
        self.step.setText(
            tr("Step %1 of %2").replace("%1", str(index + 1)).replace("%2", str(len(self.pages)))
        )
        self.back_button.setEnabled(index > 0)
        self.next_button.setText(tr("Finish") if last else tr("Next"))
        # As wide as its longer word, so "Terminer" is never cut when it replaces "Suivant".
        metrics = self.next_button.fontMetrics()
        widest = max(metrics.horizontalAdvance(tr("Finish")), metrics.horizontalAdvance(tr("Next")))
        self.next_button.setMinimumWidth(widest + 56)

    def next(self) -> None:
        page = self.current()
        if not self._stored(page):
            return
        index = self.pages.index(page)
        if index == len(self.pages) - 1:
            self.save()
        else:
            self.show_page(self.pages[index + 1])

    def back(self) -> None:
        index = self.pages.index(self.current())
        if index > 0:
            self.error.clear()
            self.show_page(self.pages[index - 1])


class SettingsDialog(_SetupBase):
    """ "Réglages": the same pages as tabs, saved together."""

    def __init__(
        self,
        station: Station,
        lang: str,
        parent: QWidget | None = None,
        *,
        on_saved: Callable[[Settings], None] | None = None,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(station, lang, parent, on_saved, pool)
        self.setObjectName("SettingsDialog")
        self.setMinimumWidth(800)  # every tab's name shows, on a 1366-pixel screen too
        self.setWindowTitle(tr("Settings"))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        for page, label in zip(self.pages, _tab_labels(), strict=True):
            self.tabs.addTab(page, label)
        self.tabs.setTabText(self.pages.index(self.page("LanguagePage")), TAB_TITLE.get(lang))
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("BigAction")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    def show_page(self, page: Page) -> None:
        self.tabs.setCurrentWidget(page)


def _tab_labels() -> list[str]:
    return [
        tr("Workshop"),
        tr("Station"),
        tr("Operators"),
        tr("Language"),
        tr("Printer"),
        tr("Phones"),
        tr("Collective"),
    ]
