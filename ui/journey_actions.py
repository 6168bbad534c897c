"""A device's journey from the window: what the big button does at each stage, and the
panel's "Other actions" (check again, erase again, skip the installation, print the label
again...), each offered only when possible, or shown greyed with why in one sentence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from bench_app.approvals import ApprovalRequest, Guarded, can_override
from bench_app.domain.model import DeviceKind
from bench_app.errors import CATALOG, BenchError
from bench_app.jobs.steps import Purpose
from bench_app.journey import JourneyPolicy, Stage, action_label
from bench_app.station import Station
from bench_app.text import Text
from ui.approval_dialog import attempt_or_ask
from ui.device_view import DeviceView, tr
from ui.laptop_stages import (
    erase_docked_disk,
    grade_dialog,
    is_computer,
    link_dialog,
    start_disk_stage,
)


class Other(StrEnum):
    """The panel's other actions (the window's do_action receives these values)."""

    CHECK_AGAIN = "check_again"
    ERASE_AGAIN = "erase_again"
    INSTALL = "install"
    SKIP_INSTALL = "skip_install"
    PRINT_LABEL = "print_label"
    OUTCOME = "outcome"
    LINK_DISK = "link_disk"  # a disk: the computer it came from; a computer: one more disk
    OVERRIDE_CHECK = "override_check"  # a failed check, with a supervisor's approval


@dataclass(frozen=True)
class OtherAction:
    key: Other
    label: str
    reason: str = ""  # why it is not possible now ("" : it is)

    @property
    def enabled(self) -> bool:
        return not self.reason


PHONE_KINDS = (DeviceKind.PHONE, DeviceKind.TABLET)
OVERRIDE_WORDS = Text("Passer outre le contrôle échoué…", "Override the failed check…")


def other_actions(view: DeviceView, lang: str, phone_system: str) -> list[OtherAction]:
    """What else may be done for this device now, besides the big button's next stage
    (`phone_system`: the workshop's, which the installation's words name)."""
    journey = view.journey
    if journey is None:
        return []
    next_stage = journey.next.stage if journey.next is not None else None
    busy = bool(view.state and view.state.active)
    unplugged = tr("Plug the device in first.")
    busy_reason = tr("Wait for the job in progress to end.")

    def hands_on() -> str:
        return busy_reason if busy else "" if view.connected else unplugged

    actions: list[OtherAction] = []
    if can_override(journey):  # refused with what to do when nobody may approve here
        actions.append(OtherAction(Other.OVERRIDE_CHECK, OVERRIDE_WORDS.get(lang)))
    if Stage.CHECK in journey.done and view.device.kind in PHONE_KINDS:
        actions.append(OtherAction(Other.CHECK_AGAIN, tr("Check again"), hands_on()))
    erased = Stage.WIPE in journey.done or Stage.ERASE in journey.done
    if erased or journey.blocker("JOURNEY_ERASURE_FAILED") is not None:
        actions.append(OtherAction(Other.ERASE_AGAIN, tr("Erase again"), hands_on()))
    installable = Stage.INSTALL not in journey.done or Stage.INSTALL in journey.skipped
    if Stage.INSTALL in journey.stages and next_stage is not Stage.INSTALL and installable:
        reason = hands_on()
        if not journey.erasure_verified:
            reason = CATALOG["INSTALL_NEEDS_VERIFIED_WIPE"].message.get(lang)
        label = action_label(Stage.INSTALL, JourneyPolicy(phone_system)).get(lang)
        actions.append(OtherAction(Other.INSTALL, label, reason))
    if Stage.INSTALL in journey.stages and Stage.INSTALL not in journey.done:
        actions.append(OtherAction(Other.SKIP_INSTALL, tr("Skip the installation…"), ""))
    if Stage.SYSTEM_IMAGE in journey.stages and Stage.SYSTEM_IMAGE not in journey.done:
        actions.append(OtherAction(Other.SKIP_INSTALL, tr("No system from the workshop…"), ""))
    if view.device.kind is DeviceKind.DRIVE:
        label = (
            tr("Change its computer…") if view.host_code else tr("This disk comes from a laptop…")
        )
        actions.append(OtherAction(Other.LINK_DISK, label))
    elif is_computer(view.device) and journey.disks:
        actions.append(OtherAction(Other.LINK_DISK, tr("Link another disk…")))
    if next_stage is not Stage.LABEL:
        label = (
            tr("Print the label again") if Stage.LABEL in journey.done else tr("Print the label")
        )
        actions.append(OtherAction(Other.PRINT_LABEL, label))
    if next_stage is not Stage.OUTCOME:
        label = tr("Change the outcome…") if journey.outcome else tr("Choose the outcome…")
        actions.append(OtherAction(Other.OUTCOME, label))
    return actions


class JourneyActions(QObject):
    """Carries out a stage or another action for the window; keeps the last dialog it
    opened (tests and the window reach it there)."""

    show_device = Signal(str)  # a device to bring on screen (the computer a disk was linked to)

    def __init__(self, station: Station, parent: QWidget) -> None:
        super().__init__(parent)
        self.station = station
        self.parent_widget = parent
        self.dialog: QDialog | None = None
        self.message: QMessageBox | None = None

    def run_stage(self, view: DeviceView, lang: str) -> None:
        """Does the journey's next stage of this device (BenchError: why not)."""
        journey = view.journey
        if journey is None or journey.next is None or journey.next.stage is None:
            return
        stage = journey.next.stage
        device_id = view.device.id
        if is_computer(view.device):
            self.run_computer_stage(device_id, stage, lang)
        elif stage in (Stage.CHECK, Stage.GRADE):
            self._start(device_id, Purpose.TESTS)
        elif stage in (Stage.WIPE, Stage.ERASE):
            self._start(device_id, Purpose.ERASES)
        elif stage is Stage.INSTALL:
            self.open_install(device_id, lang)
        elif stage is Stage.SYSTEM_IMAGE:
            self._start(device_id, Purpose.INSTALLS)
        elif stage is Stage.LABEL:
            self.print_label(device_id, lang)
        elif stage is Stage.OUTCOME:
            self.choose_outcome(device_id, lang)

    def run_other(self, view: DeviceView, key: str, lang: str) -> None:
        """Does one of the panel's other actions (BenchError: why not)."""
        device_id = view.device.id
        if key == Other.ERASE_AGAIN and is_computer(view.device):
            erase_docked_disk(self.station, device_id)
        elif key == Other.CHECK_AGAIN:
            # A check gives a new grade: once labelled, a supervisor approves it first.
            self._guarded(
                lang,
                Guarded.REGRADE_AFTER_LABEL,
                lambda r: self._start(device_id, Purpose.TESTS, approval=r),
            )
        elif key == Other.OVERRIDE_CHECK:
            self._guarded(
                lang, Guarded.OVERRIDE_CHECK, lambda r: self.station.override_check(device_id, r)
            )
        elif key == Other.ERASE_AGAIN:
            self._start(device_id, Purpose.ERASES)
        elif key == Other.INSTALL:
            self.open_install(device_id, lang)
        elif key == Other.SKIP_INSTALL:
            self.ask_skip_reason(device_id, lang)
        elif key == Other.PRINT_LABEL:
            self.print_label(device_id, lang)
        elif key == Other.OUTCOME:
            self.choose_outcome(device_id, lang)
        elif key == Other.LINK_DISK:
            self.link_disk(view, lang)

    def run_computer_stage(self, device_id: str, stage: Stage, lang: str) -> None:
        """A computer's stage: linking its disk first, then jobs on its docked disks, its
        list answered here, its label and outcome (BenchError: why not)."""
        journey = self.station.journey(device_id)
        if stage is Stage.CHECK and not journey.disks:
            self._open(link_dialog(self.station, lang, self.parent_widget, host_id=device_id))
        elif stage in (Stage.CHECK, Stage.ERASE, Stage.SYSTEM_IMAGE):
            start_disk_stage(self.station, device_id, stage)
        elif stage is Stage.GRADE:
            self._open(grade_dialog(self.station, device_id, lang, self.parent_widget))
        elif stage is Stage.LABEL:
            self.print_label(device_id, lang)
        elif stage is Stage.OUTCOME:
            self.choose_outcome(device_id, lang)

    def link_disk(self, view: DeviceView, lang: str) -> QDialog:
        """From a disk: the computer it came from; from a computer: one of its docked disks."""
        if view.device.kind is DeviceKind.DRIVE:
            dialog = link_dialog(self.station, lang, self.parent_widget, disk_id=view.device.id)

            def linked() -> None:
                host = getattr(dialog, "linked", None)
                if host and host[1]:
                    self.show_device.emit(host[1])

            dialog.accepted.connect(linked)
        else:
            dialog = link_dialog(self.station, lang, self.parent_widget, host_id=view.device.id)
        return self._open(dialog)

    def start_job(self, device_id: str, lang: str) -> None:
        """The device's first fitting pipeline (the card's Start), asking a supervisor's
        approval when it would change the grade of a labelled device."""
        self._guarded(
            lang,
            Guarded.REGRADE_AFTER_LABEL,
            lambda r: self.station.start_job(device_id, approval=r),
        )

    def _guarded(
        self, lang: str, action: Guarded, attempt: Callable[[ApprovalRequest | None], object]
    ) -> None:
        """Does `attempt`, or opens "Accord d’un responsable" when it needs an approval."""
        dialog = attempt_or_ask(self.station, lang, action, attempt, self.parent_widget)
        if dialog is not None:
            self.dialog = dialog

    def _start(
        self, device_id: str, purpose: Purpose, approval: ApprovalRequest | None = None
    ) -> None:
        """Starts the device's pipeline with that purpose; a drive has no check alone: its
        check is the first part of its erasure."""
        device = self.station.device(device_id)
        handle = self.station.handle(device_id)
        if (
            device is not None
            and handle is not None
            and purpose is Purpose.TESTS
            and not self.station.pipelines.for_purpose(device.kind, handle, purpose)
        ):
            self.station.start_job(device_id, approval=approval)
            return
        self.station.start_job(device_id, purpose=purpose, approval=approval)

    def open_install(self, device_id: str, lang: str) -> QDialog:
        from ui.install_dialog import InstallDialog

        if not self.station.journey(device_id).erasure_verified:
            raise BenchError("INSTALL_NEEDS_VERIFIED_WIPE")
        return self._open(InstallDialog(self.station, device_id, lang, self.parent_widget))

    def choose_outcome(self, device_id: str, lang: str) -> QDialog:
        from ui.outcome_dialog import OutcomeDialog

        return self._open(OutcomeDialog(self.station, device_id, lang, self.parent_widget))

    def print_label(self, device_id: str, lang: str) -> QDialog:
        from ui.documents import label_dialog

        return self._open(label_dialog(self.station, device_id, lang, self.parent_widget))

    def ask_skip_reason(self, device_id: str, lang: str) -> QDialog:
        """Asks why this phone keeps its system (a computer: why it gets none from the
        workshop); an empty reason is refused, saying so."""
        device = self.station.device(device_id)
        dialog = QInputDialog(self.parent_widget)
        dialog.setWindowTitle(tr("Skip the installation"))
        if device is not None and is_computer(device):
            dialog.setLabelText(tr("Why does this computer get no system from the workshop?"))
        else:
            dialog.setLabelText(tr("Why does this phone keep its system?"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setOkButtonText(tr("Skip the installation"))
        dialog.setCancelButtonText(tr("Cancel"))

        def skip(reason: str) -> None:
            try:
                self.station.skip_install(device_id, reason)
            except BenchError as exc:
                self.show_refusal(exc, lang)

        dialog.textValueSelected.connect(skip)
        return self._open(dialog)

    def show_refusal(self, exc: BenchError, lang: str) -> QMessageBox:
        """Why not, in one sentence, and what to do."""
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Not possible"))
        box.setText(exc.message.get(lang))
        box.setInformativeText(exc.action.get(lang))
        self.message = box
        box.open()
        return box

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.open()
        return dialog
