"""Short help with pictures, one step a row: what to do about a block (a Google account, a
managed phone, a drive not erased) and how to plug a device in. Also the yes/no question
asked before stopping a job."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.devices.android.guidance import GuideStep
from bench_app.diagnostics.blocks import HELP, Block
from bench_app.domain.model import DeviceKind
from bench_app.text import Text
from ui.icons import picture


def tr(text: str) -> str:
    return QCoreApplication.translate("", text)  # lupdate files module-level tr() under ""


class HelpDialog(QDialog):
    """A title, a few numbered steps each with its picture, and one button to close."""

    def __init__(
        self,
        title: str,
        steps: list[GuideStep],
        lang: str,
        parent: QWidget | None = None,
        *,
        extra: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HelpDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setObjectName("PanelTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.texts: list[str] = []
        self.pictures: list[QLabel] = []
        for number, step in enumerate(steps, start=1):
            row = QHBoxLayout()
            image = QLabel()
            image.setPixmap(picture(step.picture, QSize(168, 140)))
            text = QLabel(f"{number}. {step.text.get(lang)}")
            text.setObjectName("Question")
            text.setWordWrap(True)
            text.setMinimumWidth(320)
            row.addWidget(image)
            row.addWidget(text, 1)
            layout.addLayout(row)
            self.texts.append(text.text())
            self.pictures.append(image)
        if extra:  # this case's own words: the job's when no guide fits, a last address
            detail = QLabel(extra)
            detail.setWordWrap(True)
            layout.addWidget(detail)
            self.texts.append(extra)
        self.ok_button = QPushButton(tr("Understood"))
        self.ok_button.setObjectName("BigAction")
        self.ok_button.clicked.connect(self.accept)
        layout.addWidget(self.ok_button)


def block_help(block: Block | None, message: Text | None, lang: str, parent: QWidget) -> HelpDialog:
    """What to do about the block that stopped a job."""
    titles = {
        Block.GOOGLE_ACCOUNT: tr("Remove the Google account"),
        Block.MANAGED: tr("The phone belongs to a company"),
        Block.NOT_ERASED: tr("Drive not erased"),
    }
    kind = block or Block.OTHER
    steps = HELP.get(kind, [])
    extra = message.get(lang) if message is not None and not steps else ""
    return HelpDialog(titles.get(kind, tr("What blocks")), steps, lang, parent, extra=extra)


WIFI_STEPS = [
    GuideStep(
        Text(
            "Mettez le téléphone sur le même Wi-Fi que le poste.",
            "Put the phone on the same Wi-Fi as the station.",
        ),
        "wifi.svg",
    ),
    GuideStep(
        Text(
            "Sur le téléphone, ouvrez « Débogage sans fil » et activez-le.",
            "On the phone, open “Wireless debugging” and switch it on.",
        ),
        "wifi-debugging.svg",
    ),
    GuideStep(
        Text(
            "Ici, cliquez « Wi-Fi… » et tapez l’adresse que montre le téléphone.",
            "Here, click “Wi-Fi…” and type the address the phone shows.",
        ),
        "wifi-debugging.svg",
    ),
]


def plug_help(kind: DeviceKind, lang: str, parent: QWidget, *, address: str = "") -> HelpDialog:
    """How to plug in a device the station does not see; for a phone last reached over
    Wi-Fi debugging (`address`, HOST:PORT), how to reach it again that way."""
    after = Text("Sa carte se met à jour toute seule.", "Its card updates by itself.")
    if address:
        return HelpDialog(
            tr("Reconnect the phone over Wi-Fi"),
            [*WIFI_STEPS, GuideStep(after, "wifi.svg")],
            lang,
            parent,
            extra=tr("Last address: %1").replace("%1", address),
        )
    if kind is DeviceKind.DRIVE:
        text = Text(
            "Posez le disque sur le dock et allumez le dock.",
            "Put the drive on the dock and switch the dock on.",
        )
        image = "drive-erase.svg"
    else:
        text = Text(
            "Branchez le câble USB au poste, puis allumez l’appareil.",
            "Plug the USB cable into the station, then switch the device on.",
        )
        image = "replug.svg"
    return HelpDialog(
        tr("Plug the device in"),
        [GuideStep(text, image), GuideStep(after, image)],
        lang,
        parent,
    )


def ask_to_stop(parent: QWidget, detail: str, on_yes: Callable[[], None]) -> QMessageBox:
    """ "Arrêter ce travail ?" Oui / Non; `on_yes` runs only on Oui. Window-modal, not
    blocking: the window keeps drawing the job's progress meanwhile."""
    box = QMessageBox(parent)
    box.setObjectName("StopJobQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Stop this job?"))
    box.setText(tr("Stop this job?"))
    box.setInformativeText(detail)
    yes = box.addButton(tr("Yes"), QMessageBox.ButtonRole.YesRole)
    no = box.addButton(tr("No"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)

    def answered(button: object) -> None:
        if button is yes:
            on_yes()

    box.buttonClicked.connect(answered)
    box.open()
    return box
