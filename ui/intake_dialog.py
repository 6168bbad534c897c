"""Intake: register a donor and a donation (lot), then the devices in it, one after another.
Each device gets its asset code, shown large so it can be written on the device. The intake
rules are the core's (Station.intake_device): a serial or IMEI for each device, and one
already known is taken only once the operator says it is the same device."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import Device, DeviceKind, DonorKind, PreSort
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store import queries

# Refusals the operator may overrule by saying it is the same device.
SAME_DEVICE_CODES = ("INTAKE_SERIAL_KNOWN", "INTAKE_IMEI_KNOWN", "INTAKE_TWICE_IN_DONATION")


class IntakeDialog(QDialog):
    def __init__(self, station: Station, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.lang = lang
        self.lot_id: str | None = None
        self.registered: list[Device] = []
        self.setWindowTitle(self.tr("Intake of a donation"))
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)

        donation = QGroupBox(self.tr("1. The donation"))
        form = QFormLayout(donation)
        self.donor = QComboBox()
        self.donor.addItem(self.tr("New donor…"), "")
        for donor in queries.donors(station.store):
            if donor.training == station.training:
                self.donor.addItem(donor.name, donor.id)
        self.donor.currentIndexChanged.connect(self._donor_changed)
        form.addRow(self.tr("Donor"), self.donor)
        self.donor_name = QLineEdit()
        self.donor_name.setPlaceholderText(self.tr("Name of the company, body or person"))
        form.addRow(self.tr("New donor's name"), self.donor_name)
        self.donor_kind = QComboBox()
        for kind, label in (
            (DonorKind.COMPANY, self.tr("Company")),
            (DonorKind.PUBLIC_BODY, self.tr("Public body")),
            (DonorKind.ASSOCIATION, self.tr("Association")),
            (DonorKind.PRIVATE_PERSON, self.tr("Private person")),
        ):
            self.donor_kind.addItem(label, kind.value)
        form.addRow(self.tr("Kind of donor"), self.donor_kind)
        self.received = QDateEdit(QDate.currentDate())
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("dd/MM/yyyy")
        form.addRow(self.tr("Received on"), self.received)
        self.agreement = QLineEdit()
        self.agreement.setPlaceholderText(self.tr("e.g. agreement 2026-014"))
        form.addRow(self.tr("Agreement reference"), self.agreement)
        self.expected = QSpinBox()
        self.expected.setRange(0, 100000)
        self.expected.setSpecialValueText(self.tr("unknown"))
        form.addRow(self.tr("Devices expected"), self.expected)
        layout.addWidget(donation)

        device = QGroupBox(self.tr("2. A device of this donation"))
        dform = QFormLayout(device)
        self.kind = QComboBox()
        for device_kind, label in (
            (DeviceKind.PHONE, self.tr("Phone")),
            (DeviceKind.TABLET, self.tr("Tablet")),
            (DeviceKind.LAPTOP, self.tr("Laptop")),
            (DeviceKind.DESKTOP, self.tr("Desktop computer")),
            (DeviceKind.DRIVE, self.tr("Drive")),
        ):
            self.kind.addItem(label, device_kind.value)
        dform.addRow(self.tr("Kind"), self.kind)
        self.brand = QLineEdit()
        dform.addRow(self.tr("Brand"), self.brand)
        self.model = QLineEdit()
        dform.addRow(self.tr("Model"), self.model)
        self.serial = QLineEdit()
        dform.addRow(self.tr("Serial number"), self.serial)
        self.imei = QLineEdit()
        self.imei.setPlaceholderText(self.tr("15 digits, phones only (*#06#)"))
        dform.addRow(self.tr("IMEI"), self.imei)
        presort_row = QHBoxLayout()
        self.presort = QButtonGroup(self)
        for i, (value, label) in enumerate(
            (
                (PreSort.REUSE, self.tr("Reuse")),
                (PreSort.SPARE_PARTS, self.tr("Spare parts")),
                (PreSort.E_WASTE, self.tr("E-waste")),
            )
        ):
            radio = QRadioButton(label)
            radio.setProperty("presort", value.value)
            self.presort.addButton(radio, i)
            presort_row.addWidget(radio)
            if value is PreSort.REUSE:
                radio.setChecked(True)
        dform.addRow(self.tr("First look"), presort_row)
        layout.addWidget(device)

        self.error = QLabel()
        self.error.setObjectName("SearchError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        # "Is it the same device as ABCD-…?": yes takes the known record, no lets one correct.
        self.same_question = QWidget()
        same_box = QVBoxLayout(self.same_question)
        same_box.setContentsMargins(0, 0, 0, 0)
        self.same_label = QLabel()
        self.same_label.setObjectName("Question")
        self.same_label.setWordWrap(True)
        same_box.addWidget(self.same_label)
        same_row = QHBoxLayout()
        same_box.addLayout(same_row)
        self.same_yes = QPushButton(self.tr("Yes, the same device"))
        self.same_yes.setProperty("tone", "good")
        self.same_yes.clicked.connect(lambda: self.register(same_device=True))
        self.same_no = QPushButton(self.tr("No, I correct it"))
        self.same_no.setProperty("tone", "neutral")
        self.same_no.clicked.connect(self._correct)
        same_row.addWidget(self.same_yes, 1)
        same_row.addWidget(self.same_no, 1)
        self.same_question.setVisible(False)
        layout.addWidget(self.same_question)
        # The short error above; its full explanation only when asked for.
        self.error_more = QPushButton(self.tr("Learn more"))
        self.error_more.setObjectName("MoreButton")
        self.error_more.setFlat(True)
        self.error_more.setCheckable(True)
        self.error_more.setVisible(False)
        self.error_detail = QLabel()
        self.error_detail.setWordWrap(True)
        self.error_detail.setVisible(False)
        self.error_more.toggled.connect(self.error_detail.setVisible)
        layout.addWidget(self.error_more, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error_detail)
        self.code_caption = QLabel(self.tr("Write this code on the device:"))
        self.code_caption.setVisible(False)
        layout.addWidget(self.code_caption)
        self.code = QLabel()
        self.code.setObjectName("IntakeCode")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setVisible(False)
        layout.addWidget(self.code)

        buttons = QHBoxLayout()
        self.save = QPushButton(self.tr("Register the device"))
        self.save.setObjectName("BigAction")
        self.save.clicked.connect(self.register)
        self.done_button = QPushButton(self.tr("Finish"))
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.save, 1)
        buttons.addWidget(self.done_button)
        layout.addLayout(buttons)
        self._donor_changed()
        # The code shown is the last device's: it goes as soon as the next one is typed.
        for field in (self.brand, self.model, self.serial, self.imei):
            field.textEdited.connect(self._next_device_started)
        self.kind.activated.connect(self._next_device_started)

    def _next_device_started(self) -> None:
        self.code.clear()
        self.code.setVisible(False)
        self.code_caption.setVisible(False)
        self.same_question.setVisible(False)

    def _correct(self) -> None:
        """ "No": nothing is recorded; the operator corrects the number."""
        self.same_question.setVisible(False)
        self.serial.setFocus()

    def _donor_changed(self) -> None:
        new = not self.donor.currentData()
        self.donor_name.setEnabled(new)
        self.donor_kind.setEnabled(new)

    def register(self, *, same_device: bool = False) -> Device | None:
        """Registers the donor and lot (first time) and the device, under the intake rules;
        shows its code. `same_device`: the operator confirmed a known serial or IMEI is
        that device's, whose record is then used. On a refusal nothing is recorded."""
        self.error.clear()
        self.same_question.setVisible(False)
        serial, imei = self.serial.text().strip(), self.imei.text().strip()
        self.error_more.setChecked(False)
        self.error_more.setVisible(False)
        try:
            donor_id = self.donor.currentData()
            name = self.donor_name.text().strip()
            if self.lot_id is None and not donor_id and not name:
                self.error.setText(self.tr("Type the donor's name first."))
                self.donor_name.setFocus()
                return None
            # The device is checked before the donation is recorded: a refusal records nothing.
            self.station.intake_match(serial, imei, self.lot_id, same_device=same_device)
            if self.lot_id is None:
                if not donor_id:
                    donor_id = self.station.register_donor(
                        name, DonorKind(self.donor_kind.currentData())
                    )
                self.lot_id = self.station.register_lot(
                    donor_id,
                    self.received.date().toPython(),  # type: ignore[arg-type]
                    self.agreement.text().strip(),
                    self.expected.value() or None,
                )
            checked = self.presort.checkedButton()
            device = self.station.intake_device(
                DeviceKind(self.kind.currentData()),
                brand=self.brand.text().strip(),
                model=self.model.text().strip(),
                serial=serial,
                imei=imei,
                lot_id=self.lot_id,
                presort=PreSort(checked.property("presort")) if checked is not None else None,
                same_device=same_device,
            )
        except BenchError as exc:
            self.error.setText(exc.short.get(self.lang))
            self.error_detail.setText(exc.text(self.lang))
            self.error_more.setVisible(True)
            if exc.code in SAME_DEVICE_CODES:
                asset = str(exc.values.get("asset", ""))
                self.same_label.setText(
                    self.tr("Is it the same device as %1?").replace("%1", asset)
                )
                self.same_question.setVisible(True)
            return None
        if all(d.id != device.id for d in self.registered):
            self.registered.append(device)
        self.code_caption.setVisible(True)
        self.code.setVisible(True)
        self.code.setText(device.asset_code)
        for field in (self.brand, self.model, self.serial, self.imei):
            field.clear()
        self.save.setText(self.tr("Register the next device"))
        self.brand.setFocus()
        return device
