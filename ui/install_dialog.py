"""Installing a system on a wiped phone from the window: the systems of the phone's profile
(the workshop's own chosen first), whether their images are in the station's verified
library, and when some are missing, "Import from a USB stick" (a folder chooser, a progress
bar, and a checksum refusal said in one sentence). "Install" starts `phone.install`."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.install.images import ImageLibrary, ImportReport
from bench_app.jobs.steps import Purpose
from bench_app.profiles.loader import load_station_profiles, other_tool_error
from bench_app.profiles.model import DeviceProfile
from bench_app.station import Station
from ui.device_view import tr
from ui.file_chooser import folder_chooser
from ui.window_fit import confirm_row, refusal_label, wrap_message


class _ImportSignals(QObject):
    progress = Signal(str, int, int)  # file name, bytes done, bytes in all
    finished = Signal(object)  # ImportReport, or BenchError


class InstallDialog(QDialog):
    """`systems` are the profile's system buttons by id; `chosen` the one selected."""

    def __init__(
        self, station: Station, device_id: str, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.device_id = device_id
        self.lang = lang
        self.chosen = ""
        self.profile: DeviceProfile | None = None
        self.chooser: QFileDialog | None = None
        self.importer: threading.Thread | None = None
        self._signals = _ImportSignals(self)
        self._signals.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._signals.finished.connect(self._on_imported, Qt.ConnectionType.QueuedConnection)
        self.setWindowTitle(tr("Install a system"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.title = QLabel(tr("Which system to install?"))
        self.title.setObjectName("SectionTitle")
        layout.addWidget(self.title)
        self.systems_row = QHBoxLayout()
        layout.addLayout(self.systems_row)
        self.systems: dict[str, QPushButton] = {}
        self.status = QLabel()
        wrap_message(self.status)
        layout.addWidget(self.status)
        # The files the library lacks, by name: for whoever prepares the stick, on demand.
        self.details_button = QPushButton(tr("Details"))
        self.details_button.setObjectName("MoreButton")
        self.details_button.setCheckable(True)
        self.details_button.setFlat(True)
        self.details = QLabel()
        self.details.setObjectName("ErrorDetails")
        self.details.setWordWrap(True)
        self.details_button.toggled.connect(self.details.setVisible)
        self.details_button.setVisible(False)
        self.details.setVisible(False)
        layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        self.import_button = QPushButton(tr("Import from a USB stick"))
        self.import_button.setObjectName("BigAction")
        self.import_button.clicked.connect(self.choose_folder)
        layout.addWidget(self.import_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.refusal = refusal_label()
        layout.addWidget(self.refusal)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.install_button = QPushButton(tr("Install"))
        self.install_button.clicked.connect(self.install)
        layout.addLayout(confirm_row(self.cancel_button, self.install_button))
        self._load_systems()

    # -- systems and their images -----------------------------------------------------------

    def _load_systems(self) -> None:
        device = self.station.device(self.device_id)
        details = device.details if device is not None else {}
        codename = str(details.get("codename") or details.get("device") or "")
        try:
            profile = load_station_profiles(self.station.folder).for_codename(codename)
            if profile is None:
                raise BenchError("PROFILE_UNKNOWN", codename=codename or "?")
            if not profile.installable:
                raise other_tool_error(profile)
        except BenchError as exc:
            self._refuse(exc.message.get(self.lang))
            self.import_button.setVisible(False)
            self.install_button.setEnabled(False)
            return
        self.profile = profile
        wanted = self.station.settings.phone_system.strip().casefold()
        for option in profile.operating_systems:
            button = QPushButton(f"{option.name} {option.version}")
            button.setCheckable(True)
            button.setMinimumHeight(56)
            button.setProperty("tone", "neutral")
            button.clicked.connect(partial(self.choose, option.id))
            self.systems_row.addWidget(button)
            self.systems[option.id] = button
        # The workshop's own system first chosen; else the first the profile lists.
        preferred = next(
            (o.id for o in profile.operating_systems if wanted in (o.name.casefold(), o.id)),
            profile.operating_systems[0].id if profile.operating_systems else "",
        )
        if preferred:
            self.choose(preferred)

    def choose(self, os_id: str) -> None:
        """Selects a system and says whether its images are ready."""
        self.chosen = os_id
        for other, button in self.systems.items():
            button.setChecked(other == os_id)
        self.refusal.setVisible(False)
        self._show_images()

    def missing(self) -> list[str]:
        """The file names of the chosen system's images the library lacks."""
        if self.profile is None or not self.chosen:
            return []
        library = ImageLibrary(self.station.folder, load_station_profiles(self.station.folder))
        return [ref.file for ref in library.missing_for(self.profile, self.chosen)]

    def _show_images(self) -> None:
        missing = self.missing()
        if missing:
            self.status.setText(self._missing_sentence())
            self.details.setText(tr("Files expected: %1").replace("%1", ", ".join(missing)))
        else:
            self.status.setText(tr("Images ready and verified."))
            self.details_button.setChecked(False)
        self.details_button.setVisible(bool(missing))
        self.details.setVisible(bool(missing) and self.details_button.isChecked())
        importing = self.importer is not None
        self.import_button.setVisible(bool(missing))
        self.import_button.setEnabled(not importing)
        self.install_button.setEnabled(bool(self.chosen) and not missing and not importing)

    def _missing_sentence(self) -> str:
        """ "Il manque le système /e/OS pour ce modèle (FP4)." — no file name."""
        profile = self.profile
        option = (
            next((o for o in profile.operating_systems if o.id == self.chosen), None)
            if profile
            else None
        )
        system = option.name if option else self.chosen
        model = (profile.models[0] if profile and profile.models else "") or (
            profile.name if profile else ""
        )
        return (
            tr("The %1 system for this model (%2) is missing.")
            .replace("%1", system)
            .replace("%2", model)
        )

    # -- import from a stick -----------------------------------------------------------------

    def choose_folder(self) -> None:
        """Asks for the stick's folder (the window's own chooser: it works the same on every
        desktop); the import starts once one is chosen."""
        chooser = folder_chooser(self, tr("Choose the USB stick or its folder"))
        chooser.fileSelected.connect(lambda folder: self.import_from(Path(folder)))
        self.chooser = chooser
        chooser.open()

    def import_from(self, folder: Path) -> None:
        """Copies and checks the folder's images in a worker thread, with a progress bar."""
        if self.importer is not None:
            return
        library = ImageLibrary(self.station.folder, load_station_profiles(self.station.folder))
        signals = self._signals

        def work() -> None:
            try:
                report: ImportReport | BenchError = library.import_folder(
                    folder,
                    progress=lambda name, done, total: signals.progress.emit(name, done, total),
                )
            except BenchError as exc:
                report = exc
            signals.finished.emit(report)

        self.refusal.setVisible(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.importer = threading.Thread(target=work, name="image-import", daemon=True)
        self._show_images()
        self.importer.start()

    def _on_progress(self, name: str, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 0)
        self.progress.setFormat(name)

    def _on_imported(self, report: object) -> None:
        if self.importer is not None:
            self.importer.join()
        self.importer = None
        self.progress.setVisible(False)
        if isinstance(report, BenchError):
            self._refuse(report.message.get(self.lang))
        elif isinstance(report, ImportReport) and report.refused:
            _, exc = report.refused[0]
            self._refuse(exc.message.get(self.lang))
        self._show_images()

    # -- install -----------------------------------------------------------------------------

    def install(self) -> None:
        """Starts the installation of the chosen system; a refusal is said here."""
        if not self.chosen or self.missing():
            return
        device = self.station.device(self.device_id)
        options: dict[str, str] = {"os": self.chosen}
        if device is not None and device.imei:
            options["imei"] = device.imei  # not asked again when the phone hides it
        try:
            if not self.station.journey(self.device_id).erasure_verified:
                raise BenchError("INSTALL_NEEDS_VERIFIED_WIPE")
            self.station.start_job(self.device_id, purpose=Purpose.INSTALLS, options=options)
        except BenchError as exc:
            self._refuse(exc.message.get(self.lang))
            return
        self.accept()

    def _refuse(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(True)
