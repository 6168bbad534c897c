"""« Ce disque vient d’un portable » : which computer a docked disk was taken out of.

From a disk's card: the laptops and desktops registered and not finished, a code typed or
scanned, or a new laptop registered on the spot (brand, model, serial); "none" corrects a
wrong link (the earlier one stays in the history). From a computer's card: the docked
disks linked to no computer yet. Recorded through `Station.link_disk`; a refusal is
said in one sentence and nothing is recorded."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.disk_links import hosts, open_computers
from bench_app.domain.model import Device, DeviceKind
from bench_app.errors import BenchError
from bench_app.station import Station
from ui.device_view import device_title, tr
from ui.window_fit import confirm_row, refusal_label

NO_COMPUTER = ""  # the list's item for "from no computer" (a corrected link)


def computer_line(device: Device) -> str:
    """ "ABCD-2345-X · Lenovo ThinkPad T480 · n° PF1ABC" """
    parts = [device.asset_code, device_title(device)]
    if device.serial:
        parts.append(tr("serial %1").replace("%1", device.serial))
    return " · ".join(parts)


class LinkDialog(QDialog):
    """Links a docked disk to its computer. `disk_id` given: the computer is chosen;
    `host_id` given: the disk is chosen among the docked ones. `linked` holds the
    (disk, computer) recorded once accepted."""

    def __init__(
        self,
        station: Station,
        lang: str,
        parent: QWidget | None = None,
        *,
        disk_id: str | None = None,
        host_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.lang = lang
        self.disk_id = disk_id
        self.host_id = host_id
        self.linked: tuple[str, str] | None = None
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("SectionTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.choices = QListWidget()
        self.choices.setObjectName("LinkChoices")
        self.choices.setMinimumHeight(160)
        self.choices.itemDoubleClicked.connect(lambda _item: self._link())
        layout.addWidget(self.choices, 1)

        # A code typed or scanned picks the computer (disk mode only).
        self.code = QLineEdit()
        self.code.setPlaceholderText(tr("Scan or type the computer's code"))
        self.code.returnPressed.connect(self._find_code)
        self.new_button = QPushButton(tr("New laptop…"))
        self.new_button.clicked.connect(self._show_new_form)
        self.new_form = QWidget()
        form = QFormLayout(self.new_form)
        self.brand = QLineEdit()
        self.model = QLineEdit()
        self.serial = QLineEdit()
        form.addRow(tr("Brand"), self.brand)
        form.addRow(tr("Model"), self.model)
        form.addRow(tr("Serial number"), self.serial)
        self.register_button = QPushButton(tr("Register this laptop"))
        self.register_button.clicked.connect(self._register)
        form.addRow(self.register_button)
        self.new_form.setVisible(False)
        if disk_id is not None:
            layout.addWidget(self.code)
            layout.addWidget(self.new_button)
            layout.addWidget(self.new_form)
        self.refusal = refusal_label()
        layout.addWidget(self.refusal)
        cancel = QPushButton(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        self.link_button = QPushButton(tr("Link"))
        self.link_button.clicked.connect(self._link)
        layout.addLayout(confirm_row(cancel, self.link_button))
        self._fill()

    # -- the list -------------------------------------------------------------------------

    def _fill(self, select: str | None = None) -> None:
        self.choices.clear()
        store = self.station.store
        links = hosts(store)
        if self.disk_id is not None:
            disk = self.station.device(self.disk_id)
            self.setWindowTitle(tr("This disk comes from a computer"))
            self.heading.setText(
                tr("Which computer was disk %1 taken out of?").replace(
                    "%1", disk.asset_code if disk else "?"
                )
            )
            current = links.get(self.disk_id, NO_COMPUTER)
            training = disk.training if disk is not None else self.station.training
            computers = open_computers(store, training=training)
            if current and all(c.id != current for c in computers):
                known = self.station.device(current)  # finished since: still shown, linked
                computers += [known] if known is not None else []
            for computer in computers:
                self._add(computer.id, computer_line(computer))
            if current:
                self._add(NO_COMPUTER, tr("From no computer (remove the link)"))
            self._select(select if select is not None else current)
        else:
            host = self.station.device(self.host_id or "")
            self.setWindowTitle(tr("Link its disk"))
            self.heading.setText(
                tr("Which docked disk was taken out of %1?").replace(
                    "%1", host.asset_code if host else "?"
                )
            )
            for device_id in self.station.connected_device_ids():
                disk = self.station.device(device_id)
                if disk is None or disk.kind is not DeviceKind.DRIVE:
                    continue
                if disk.id in links:
                    continue  # linked already (a correction is made from the disk's card)
                if host is not None and disk.training != host.training:
                    continue
                self._add(disk.id, computer_line(disk))
            if not self.choices.count():
                self.refusal.setText(tr("Dock its disk at the station first."))
                self.refusal.setVisible(True)
            self._select(select)
        self.link_button.setEnabled(self.choices.count() > 0)

    def _add(self, key: str, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.choices.addItem(item)

    def _select(self, key: str | None) -> None:
        for row in range(self.choices.count()):
            if self.choices.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.choices.setCurrentRow(row)
                return
        if self.choices.count() and self.choices.currentRow() < 0 and key is None:
            self.choices.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.choices.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    # -- picking by code, or a new laptop -------------------------------------------------

    def _find_code(self) -> None:
        try:
            device = self.station.find_by_code(self.code.text())
        except BenchError as exc:
            self._refuse(exc)
            return
        self.refusal.setVisible(False)
        if all(
            self.choices.item(r).data(Qt.ItemDataRole.UserRole) != device.id
            for r in range(self.choices.count())
        ):
            self._add(device.id, computer_line(device))  # the link itself says if it fits
        self._select(device.id)

    def _show_new_form(self) -> None:
        self.new_form.setVisible(True)
        self.brand.setFocus()

    def _register(self) -> None:
        """Registers the laptop on the spot (the intake's rules: a serial, never twice)."""
        try:
            laptop = self.station.intake_device(
                DeviceKind.LAPTOP,
                brand=self.brand.text().strip(),
                model=self.model.text().strip(),
                serial=self.serial.text(),
            )
        except BenchError as exc:
            self._refuse(exc)
            return
        self.refusal.setVisible(False)
        self.new_form.setVisible(False)
        self._fill(select=laptop.id)

    # -- linking --------------------------------------------------------------------------

    def _link(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        disk_id = self.disk_id if self.disk_id is not None else chosen
        host_id = chosen if self.disk_id is not None else (self.host_id or "")
        try:
            self.station.link_disk(disk_id, host_id or None)
        except BenchError as exc:
            self._refuse(exc)
            return
        self.linked = (disk_id, host_id)
        self.accept()

    def _refuse(self, exc: BenchError) -> None:
        self.refusal.setText(exc.short.get(self.lang))
        self.refusal.setToolTip(exc.message.get(self.lang))
        self.refusal.setVisible(True)
