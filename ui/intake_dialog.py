"""Intake: register a donor and a donation (lot), then the devices in it, one after another.
Each device gets its asset code, shown large so it can be written on the device."""

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

    def _donor_changed(self) -> None:
        new = not self.donor.currentData()
        self.donor_name.setEnabled(new)
        self.donor_kind.setEnabled(new)

    def register(self) -> Device | None:
        """Registers the donor and lot (first time) and the device; shows its code."""
        self.error.clear()
        self.error_more.setChecked(False)
        self.error_more.setVisible(False)
        try:
            if self.lot_id is None:
                donor_id = self.donor.currentData()
                if not donor_id:
                    name = self.donor_name.text().strip()
                    if not name:
                        self.error.setText(self.tr("Type the donor's name first."))
                        self.donor_name.setFocus()
                        return None
                    donor_id = self.station.register_donor(
                        name, DonorKind(self.donor_kind.currentData())
                    )
                self.lot_id = self.station.register_lot(
                    donor_id,
                    self.received.date().toPython(),  # type: ignore[arg-type]
                    self.agreement.text().strip(),
                    self.expected.value() or None,
                )
            device = self.station.register_device(
                DeviceKind(self.kind.currentData()),
                brand=self.brand.text().strip(),
                model=self.model.text().strip(),
                serial=self.serial.text().strip(),
                imei=self.imei.text().strip(),
                lot_id=self.lot_id,
            )
            checked = self.presort.checkedButton()
            if checked is not None:
                self.station.presort(device.id, PreSort(checked.property("presort")))
        except BenchError as exc:
            self.error.setText(exc.short.get(self.lang))
            self.error_detail.setText(exc.text(self.lang))
            self.error_more.setVisible(True)
            return None
        self.registered.append(device)
        self.code_caption.setVisible(True)
        self.code.setVisible(True)
        self.code.setText(device.asset_code)
        for field in (self.brand, self.model, self.serial, self.imei):
            field.clear()
        self.save.setText(self.tr("Register the next device"))
        self.brand.setFocus()
        return device
