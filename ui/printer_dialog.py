"""Printers: choose and set up the label printer, see a label before printing, print a
test label or a device's label. Printing runs on a worker thread; a printer that is off or
out of labels is explained in plain words with a Retry button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent, label_content, sample_content
from bench_app.output.labels.render import render
from bench_app.output.labels.templates import DEFAULT_TEMPLATE, TEMPLATES, LabelTemplate, template
from bench_app.output.printers import (
    KIND_LABELS,
    PrinterConfig,
    PrinterKind,
    PrinterSetup,
    load_printers,
    make_printer,
    save_printers,
)
from bench_app.output.printers.base import BROTHER_MODELS
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries

PREVIEW_WIDTH = 420


class _PrintSignals(QObject):
    done = Signal(str)  # where the labels went
    failed = Signal(str, str)  # error code, message in the dialog's language


class PrintTask(QRunnable):
    """Checks the printer and prints, off the GUI thread; reports through queued signals."""

    def __init__(self, config: PrinterConfig, contents: Sequence[LabelContent], lang: str) -> None:
        super().__init__()
        self.config = config
        self.contents = list(contents)
        self.lang = lang
        self.signals = _PrintSignals()

    def run(self) -> None:
        try:
            printer = make_printer(self.config)
            printer.check()
            where = printer.print_labels(self.contents)
        except BenchError as exc:
            self.signals.failed.emit(exc.code, exc.text(self.lang))
            return
        except Exception as exc:  # a bug must reach the operator as a message, not a dead button
            self.signals.failed.emit("PRINT_FAILED", str(exc))
            return
        self.signals.done.emit(where)


def label_pixmap(content: LabelContent, tpl: LabelTemplate, width: int) -> QPixmap:
    """The label as it will print, scaled to `width` pixels for the screen."""
    image = render(content, tpl).convert("L")
    data = image.tobytes()
    qimage = QImage(data, image.width, image.height, image.width, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.copy()).scaledToWidth(
        width, Qt.TransformationMode.SmoothTransformation
    )


class PrinterDialog(QDialog):
    """Sets up the station's printers; with `contents`, also prints those labels."""

    printed = Signal(str)

    def __init__(
        self,
        folder: Path,
        settings: Settings,
        lang: str,
        parent: QWidget | None = None,
        *,
        contents: Sequence[LabelContent] = (),
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self.settings = settings
        self.lang = lang
        self.contents = list(contents)
        self.pool = pool or QThreadPool.globalInstance()
        self.task: PrintTask | None = None
        self._retry: Callable[[], None] | None = None
        self.setup_error = ""
        try:
            self.setup = load_printers(folder)
        except BenchError as exc:
            # A broken file is shown and left alone until the operator saves a good one.
            self.setup = PrinterSetup()
            self.setup_error = exc.text(lang)
        self.setWindowTitle(self.tr("Label printers"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        form = QFormLayout()
        self.printer_combo = QComboBox()
        self.printer_combo.activated.connect(self._on_printer_chosen)
        form.addRow(self.tr("Printer"), self.printer_combo)
        self.name = QLineEdit()
        form.addRow(self.tr("Name"), self.name)
        self.kind = QComboBox()
        for kind in PrinterKind:
            self.kind.addItem(KIND_LABELS[kind].get(lang), kind.value)
        self.kind.currentIndexChanged.connect(self._on_kind)
        form.addRow(self.tr("Kind"), self.kind)
        self.address = QLineEdit()
        form.addRow(self.tr("Address"), self.address)
        self.model = QComboBox()
        self.model.addItems(BROTHER_MODELS)
        self.model_label = QLabel(self.tr("Model"))
        form.addRow(self.model_label, self.model)
        self.template = QComboBox()
        self.template.currentIndexChanged.connect(self._update_preview)
        form.addRow(self.tr("Labels"), self.template)
        layout.addLayout(form)

        self.preview = QLabel()
        self.preview.setObjectName("LabelPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(160)
        self.preview.setStyleSheet("background: white; border: 1px solid #c9d3da; padding: 8px;")
        layout.addWidget(self.preview)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("SearchError")
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test print"))
        self.test_button.clicked.connect(self.test_print)
        self.print_button = QPushButton(self.tr("Print the label"))
        self.print_button.setObjectName("BigAction")
        self.print_button.clicked.connect(self.print_contents)
        self.print_button.setVisible(bool(self.contents))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.setVisible(False)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.test_button, self.retry_button, self.save_button, self.close_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        layout.addLayout(buttons)

        self._fill_printers()
        if self.setup_error:
            self._show_error(self.setup_error)

    @classmethod
    def for_device(
        cls, station: Station, device_id: str, lang: str, parent: QWidget | None = None
    ) -> PrinterDialog:
        """The dialog ready to print one device's label."""
        device = queries.device(station.store, device_id)
        contents = []
        if device is not None:
            contents.append(label_content(station.store, device, station.settings))
        return cls(station.folder, station.settings, lang, parent, contents=contents)

    # -- the form -------------------------------------------------------------------------

    def _fill_printers(self) -> None:
        self.printer_combo.clear()
        for printer in self.setup.printers:
            self.printer_combo.addItem(printer.name, printer.name)
        self.printer_combo.addItem(self.tr("New printer…"), "")
        if self.setup.printers:
            current = self.setup.get()
            self.printer_combo.setCurrentIndex(self.printer_combo.findData(current.name))
            self._show_config(current)
        else:
            self._show_config(None)

    def _on_printer_chosen(self, index: int) -> None:
        name = self.printer_combo.itemData(index)
        self._show_config(self.setup.get(name) if name else None)

    def _show_config(self, config: PrinterConfig | None) -> None:
        kind = config.kind if config else PrinterKind.FILE
        self.kind.setCurrentIndex(self.kind.findData(kind.value))
        self._on_kind()
        # A new printer gets a name at once, so saving it never stops on an empty field.
        self.name.setText(config.name if config else KIND_LABELS[kind].get(self.lang))
        self.address.setText(config.address if config else str(self.folder / "labels"))
        if config:
            self.model.setCurrentText(config.model)
            index = self.template.findData(config.template)
            if index >= 0:
                self.template.setCurrentIndex(index)
        self._update_preview()

    def _on_kind(self) -> None:
        kind = PrinterKind(self.kind.currentData())
        previous = self.template.currentData()
        self.template.blockSignals(True)
        self.template.clear()
        for tpl in TEMPLATES.values():
            if kind is PrinterKind.BROTHER and tpl.brother_label is None:
                continue
            if kind is PrinterKind.ZPL and (tpl.dpi != 203 or tpl.sheet is not None):
                continue
            self.template.addItem(tpl.title.get(self.lang), tpl.name)
        index = self.template.findData(previous)
        self.template.setCurrentIndex(max(index, 0))
        self.template.blockSignals(False)
        self.model.setVisible(kind is PrinterKind.BROTHER)
        self.model_label.setVisible(kind is PrinterKind.BROTHER)
        self.address.setPlaceholderText(
            {
                PrinterKind.BROTHER: self.tr("tcp://192.168.1.50 or usb://0x04f9:0x209b"),
                PrinterKind.ZPL: self.tr("192.168.1.60:9100 or cups:QUEUE"),
                PrinterKind.CUPS: self.tr("CUPS queue name (lpstat -p)"),
                PrinterKind.FILE: self.tr("Folder for the files"),
            }[kind]
        )
        self._update_preview()

    def config(self) -> PrinterConfig:
        """The printer as the form describes it now."""
        old = None
        name = self.name.text().strip()
        for printer in self.setup.printers:
            if printer.name == name:
                old = printer
        return PrinterConfig(
            name=name,
            kind=PrinterKind(self.kind.currentData()),
            template=str(self.template.currentData() or DEFAULT_TEMPLATE),
            address=self.address.text().strip(),
            model=self.model.currentText(),
            server=old.server if old else "",
            file_format=old.file_format if old else "png",
        )

    def _preview_content(self) -> LabelContent:
        if self.contents:
            return self.contents[0]
        return sample_content(self.lang, self.settings.verification_url)

    def _update_preview(self) -> None:
        name = self.template.currentData()
        if not name:
            return
        tpl = template(str(name))
        self.preview.setPixmap(label_pixmap(self._preview_content(), tpl, PREVIEW_WIDTH))

    # -- actions --------------------------------------------------------------------------

    def save(self) -> bool:
        """Saves the printer in the form as the default one; False (and says why) if wrong."""
        config = self.config()
        setup = PrinterSetup(list(self.setup.printers), self.setup.default)
        setup.put(config, make_default=True)
        try:
            save_printers(self.folder, setup)
        except BenchError as exc:
            self._show_error(exc.text(self.lang), retry=False)
            return False
        self.setup = setup
        self._fill_printers()
        self._show_info(self.tr("Printer saved."))
        return True

    def test_print(self) -> None:
        self._start([sample_content(self.lang, self.settings.verification_url)])

    def print_contents(self) -> None:
        if self.contents:
            self._start(self.contents)

    def retry(self) -> None:
        if self._retry is not None:
            self._retry()

    def _start(self, contents: Sequence[LabelContent]) -> None:
        if not self.save():
            return
        self._retry = lambda: self._start(contents)
        self._busy(True)
        self._show_info(self.tr("Printing…"))
        task = PrintTask(self.config(), contents, self.lang)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.done.connect(self._on_done, queued)
        task.signals.failed.connect(self._on_failed, queued)
        self.task = task
        self.pool.start(task)

    def _busy(self, busy: bool) -> None:
        for button in (self.test_button, self.print_button, self.retry_button, self.save_button):
            button.setEnabled(not busy)

    def _on_done(self, where: str) -> None:
        self._busy(False)
        self.retry_button.setVisible(False)
        self._show_info(self.tr("Sent to the printer: %1").replace("%1", where))
        self.printed.emit(where)

    def _on_failed(self, code: str, text: str) -> None:
        self._busy(False)
        self._show_error(text)

    def _show_info(self, text: str) -> None:
        self.message.setObjectName("")
        self.message.setStyleSheet("color: #1b7f3b;")
        self.message.setText(text)

    def _show_error(self, text: str, *, retry: bool = True) -> None:
        self.message.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.message.setText(text)
        self.retry_button.setVisible(retry and self._retry is not None)
