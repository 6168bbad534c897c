"""A device's whole journey from the window, by clicking only its card's big button (and
answering the questions and dialogs it opens): a simulated handset is checked, wiped,
given /e/OS, labelled and donated; a simulated drive (a real image file) is checked and
erased, labelled and sent to spare parts. Each refusal on the way says why in one sentence,
and the erasure certificate comes out as a PDF that verifies offline."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QInputDialog, QMenu, QPushButton
from pytestqt.qtbot import QtBot

from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import DonorKind, JobState, OutcomeKind
from bench_app.erasure.phone_wipe import phone_wipe
from bench_app.install.phone_install import phone_install
from bench_app.jobs.prompt import Prompt
from bench_app.journey import Stage
from bench_app.output.certificates.verify import read_certificate, verify_pdf
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.signing import Keyring
from bench_app.simulators.handset import SimulatedHandset
from bench_app.simulators.printers import SimulatedZebra
from bench_app.store import queries
from bench_app.store.database import NewEvent
from tests.install.test_phone_install import NEW_BUILD, make_rom
from tests.output.labels import conftest as labels
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from ui.documents import Document
from ui.install_dialog import InstallDialog
from ui.journey_actions import Other
from ui.outcome_dialog import OutcomeDialog
from ui.printer_dialog import PrinterDialog

WAIT = 90_000  # ms: a whole install on a loaded machine
cups = labels.cups  # a real cupsd of its own, for the station's document printer


@pytest.fixture
def zebra(data_dir: Path) -> Iterator[SimulatedZebra]:
    """The station's label printer: a simulated Zebra on TCP, set as the default."""
    printer = SimulatedZebra()
    setup = PrinterSetup(
        [PrinterConfig("Zebra atelier", PrinterKind.ZPL, "zebra-2x1", f"127.0.0.1:{printer.port}")],
        "Zebra atelier",
    )
    save_printers(data_dir, setup)
    yield printer
    printer.off()


class OpenedFiles(QObject):
    """Stands in for the desktop's PDF viewer: keeps the files the window asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.paths.append(Path(url.toLocalFile()))


@pytest.fixture
def viewer() -> Iterator[OpenedFiles]:
    opened = OpenedFiles()
    QDesktopServices.setUrlHandler("file", opened, "open")  # type: ignore[arg-type]
    yield opened
    QDesktopServices.unsetUrlHandler("file")


def refresh(bench: Bench, device_id: str) -> None:
    window = bench.window
    window._stale.add(device_id)
    window._mark(device_id, full=True)
    window._flush(full=True)


def big_button(bench: Bench, device_id: str) -> QPushButton:
    refresh(bench, device_id)
    return bench.window.cards[device_id].button


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def job_over(bench: Bench, device_id: str, job_id: str | None) -> bool:
    job = bench.station.latest_job(device_id)
    return (
        job is not None
        and job.id != job_id
        and not job.state.active
        and bench.station.engine.job_for_device(device_id) is None
    )


def answer_until_over(
    qtbot: QtBot,
    bench: Bench,
    device_id: str,
    before: str | None,
    typed: str = "",
    hand: Callable[[Prompt], None] | None = None,
) -> JobState:
    """Answers the panel's questions as an operator would ("works", "done", the welcome
    screen is there; `typed` where text is asked; `hand` first does on the phone what the
    question asks) until the job started after `before` ends."""
    window = bench.window
    preferred = ("ok", "done", "welcome")
    handled: list[Prompt] = []
    while not job_over(bench, device_id, before):
        view = window.views.get(device_id)
        prompt = view.prompt if view is not None else None
        if prompt is not None and not prompt.answered and window.selected == device_id:
            if hand is not None and not any(prompt is h for h in handled):
                handled.append(prompt)
                hand(prompt)
            window._flush(full=True)
            if prompt.entry is not None and typed:
                window.panel.entry.setText(typed)
                click(qtbot, window.panel.entry_ok)
            else:
                buttons = {b.text(): b for b in window.panel.answer_buttons()}
                keys = [c.key for c in prompt.choices]
                key = next((k for k in preferred if k in keys), keys[0])
                label = next(c.label.get("fr") for c in prompt.choices if c.key == key)
                if label in buttons:
                    click(qtbot, buttons[label])
        qtbot.wait(20)
    job = bench.station.latest_job(device_id)
    assert job is not None
    return job.state


def run_big_button(
    qtbot: QtBot,
    bench: Bench,
    device_id: str,
    expected: str,
    typed: str = "",
    hand: Callable[[Prompt], None] | None = None,
) -> JobState:
    """Clicks the card's big button, which must say `expected` and start a job, then
    answers until it ends."""
    button = big_button(bench, device_id)
    assert button.text() == expected and button.isEnabled()
    before = bench.station.latest_job(device_id)
    click(qtbot, button)
    return answer_until_over(qtbot, bench, device_id, before.id if before else None, typed, hand)


def phone_hand(
    qtbot: QtBot, handset: SimulatedHandset, *, reboot: bool
) -> Callable[[Prompt], None]:
    """The operator's hand on the phone: picks on its recovery menu what the station's
    question asks ("Wipe data", "Apply from ADB"), as a person reading it would."""

    def listening(*modes: str) -> bool:
        return handset.adb.mode in modes and handset.adb.listening

    def do(prompt: Prompt) -> None:
        asked = prompt.question.get("fr") + (prompt.detail.get("fr") if prompt.detail else "")
        if "Effacer les données" in asked or prompt.picture == "recovery-format-data.svg":
            qtbot.waitUntil(lambda: listening("recovery"), timeout=WAIT)
            handset.adb.recovery_select("wipe_data")
            if reboot:
                handset.adb.recovery_select("reboot")
        elif prompt.picture == "recovery-sideload.svg":
            qtbot.waitUntil(lambda: listening("recovery", "sideload"), timeout=WAIT)
            if handset.adb.mode == "recovery":
                handset.adb.recovery_select("apply_update_from_adb")

    return do


def other_menu(bench: Bench) -> dict[str, QAction]:
    """The panel's "Other actions", by key, as the menu shows them now."""
    panel = bench.window.panel
    panel.other_menu.aboutToShow.emit()
    return {str(a.data()): a for a in panel.other_menu.actions()}


def next_stage(bench: Bench, device_id: str) -> Stage | None:
    step = bench.station.journey(device_id).next
    return step.stage if step is not None else None


def submenu(action: QAction) -> QMenu:
    """The menu an item opens (a document's "Open", "Print", "Save to a USB stick…")."""
    menu = action.menu()
    assert isinstance(menu, QMenu), action.text()
    return menu


def menu_items(menu: QMenu) -> dict[str, QAction]:
    menu.aboutToShow.emit()
    return {str(a.data()): a for a in menu.actions()}


def eos_stick(folder: Path, *, wrong_sum: bool = False) -> Path:
    """A USB stick with the Fairphone 4's /e/OS images and their SHA256SUMS (one of them
    wrong when `wrong_sum`: its copy must be refused)."""
    images = folder / "eos" / "FP4"
    images.mkdir(parents=True)
    recovery = images / "recovery-e-2.0-FP4.img"
    recovery.write_bytes(os.urandom(1 << 20))
    rom = make_rom(images).rename(images / "e-2.0-20240601-FP4.zip")
    sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (recovery, rom)}
    if wrong_sum:
        sums[rom.name] = "0" * 64
    (images / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    return folder


def import_through_the_dialog(qtbot: QtBot, dialog: InstallDialog, stick: Path) -> None:
    click(qtbot, dialog.import_button)
    chooser = dialog.chooser
    assert chooser is not None and chooser.isVisible()
    chooser.fileSelected.emit(str(stick))  # the operator picked the stick's folder
    chooser.close()
    qtbot.waitUntil(lambda: dialog.importer is None, timeout=WAIT)


def test_a_phone_whole_journey_from_its_card(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    tmp_path: Path,
    artifacts_dir: Path,
    zebra: SimulatedZebra,
    viewer: OpenedFiles,
) -> None:
    shots = artifacts_dir / "journey"
    shots.mkdir(exist_ok=True)
    bench = make_bench(lang="fr")
    window = bench.window
    window.resize(*SCREEN)
    finder = FastbootFinder(usb=None)
    fast = {"boot_timeout_s": 20.0, "poll_s": 0.05}
    bench.station.pipelines.register(phone_wipe(None, **fast))
    bench.station.pipelines.register(phone_install(data_dir, finder=finder, **fast))
    phone = bench.simulator.add_handset("fairphone-4", finder=finder, boot_delay=0.1)
    handset = bench.simulator.handset(phone.key)
    handset.adb.phone.fs.write("/sdcard/DCIM/IMG_donor.jpg", b"JFIF", 0o660, 1_700_000_000)
    qtbot.waitUntil(lambda: phone.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[phone.key]
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    window.select(device_id)
    screenshot(window, shots / "phone-1-check.png")

    # 1. The check.
    assert run_big_button(qtbot, bench, device_id, "Lancer le contrôle") is JobState.SUCCEEDED

    # 2. The wipe is next. Installing is offered aside, greyed, saying why; so is reuse.
    assert big_button(bench, device_id).text() == "Effacer les données"
    screenshot(window, shots / "phone-2-wipe.png")
    install = other_menu(bench)[Other.INSTALL]
    assert not install.isEnabled()
    reason = "Pas d’installation de système avant un effacement vérifié du téléphone."
    assert install.text() == f"Installer /e/OS — {reason}"
    menu = window.panel.other_menu
    menu.popup(window.panel.other_button.mapToGlobal(window.panel.other_button.rect().bottomLeft()))
    assert menu.grab().save(str(shots / "phone-2-other-actions.png"))
    menu.hide()
    other_menu(bench)[Other.OUTCOME].trigger()
    early = window.journey.dialog
    assert isinstance(early, OutcomeDialog)
    click(qtbot, early.buttons[OutcomeKind.DONATION])
    assert early.refusal.text() == (
        "Pas de don sans effacement vérifié : les données du donateur sont peut-être "
        "encore sur l’appareil."
    )
    assert not early.record_button.isEnabled()
    screenshot(window, shots / "phone-outcome-refused.png", early)
    early.reject()
    documents = menu_items(window.panel.documents_menu)
    certificate = documents[Document.CERTIFICATE]
    assert not certificate.isEnabled() and "Aucun effacement" in certificate.text()

    hand = phone_hand(qtbot, handset, reboot=True)
    wiped = run_big_button(qtbot, bench, device_id, "Effacer les données", hand=hand)
    assert wiped is JobState.SUCCEEDED
    assert handset.adb.phone.fs.stat("/sdcard/DCIM/IMG_donor.jpg") is None
    refresh(bench, device_id)
    assert window.cards[device_id].state.text() == "Données effacées"

    # 3. The installation: the workshop's /e/OS is chosen; its images come from a stick.
    button = big_button(bench, device_id)
    assert button.text() == "Installer /e/OS"
    screenshot(window, shots / "phone-3-install.png")
    click(qtbot, button)
    dialog = window.journey.dialog
    assert isinstance(dialog, InstallDialog) and dialog.isVisible()
    assert dialog.chosen == "eos" and dialog.systems["eos"].isChecked()
    assert sorted(dialog.systems) == ["eos", "lineageos-20"]
    assert dialog.status.text() == "Il manque le système /e/OS pour ce modèle (FP4)."
    assert dialog.import_button.isVisible() and not dialog.install_button.isEnabled()
    screenshot(window, shots / "phone-3-install-dialog.png", dialog)
    import_through_the_dialog(qtbot, dialog, eos_stick(tmp_path / "bad", wrong_sum=True))
    assert dialog.refusal.isVisible()
    assert "ne correspond pas" in dialog.refusal.text() or "empreinte" in dialog.refusal.text()
    assert "\n" not in dialog.refusal.text()
    assert not dialog.install_button.isEnabled()
    import_through_the_dialog(qtbot, dialog, eos_stick(tmp_path / "good"))
    assert dialog.status.text() == "Images prêtes et vérifiées."
    assert dialog.install_button.isEnabled() and not dialog.import_button.isVisible()
    before = bench.station.latest_job(device_id)
    click(qtbot, dialog.install_button)
    assert not dialog.isVisible()
    hand = phone_hand(qtbot, handset, reboot=False)
    state = answer_until_over(qtbot, bench, device_id, before.id if before else None, hand=hand)
    assert state is JobState.SUCCEEDED, bench.station.latest_job(device_id)
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    card = window.cards[device_id]
    refresh(bench, device_id)
    assert card.state.text() == "Système installé"

    # 4. The label: printed on the Zebra, and recorded.
    button = big_button(bench, device_id)
    assert button.text() == "Imprimer l’étiquette"
    screenshot(window, shots / "phone-4-label.png")
    click(qtbot, button)
    printer = window.journey.dialog
    assert isinstance(printer, PrinterDialog)
    click(qtbot, printer.print_button)
    qtbot.waitUntil(lambda: bool(zebra.received), timeout=WAIT)
    qtbot.waitUntil(lambda: next_stage(bench, device_id) is Stage.OUTCOME, timeout=WAIT)
    printer.close()

    # 5. The outcome: a donation to a beneficiary known by a file number.
    button = big_button(bench, device_id)
    assert button.text() == "Choisir la destination"
    screenshot(window, shots / "phone-5-outcome.png")
    click(qtbot, button)
    outcome = window.journey.dialog
    assert isinstance(outcome, OutcomeDialog)
    click(qtbot, outcome.buttons[OutcomeKind.DONATION])
    click(qtbot, outcome.record_button)
    assert outcome.refusal.text() == "Un don doit porter la référence du bénéficiaire."
    qtbot.keyClicks(outcome.beneficiary, "B-2026-114")
    assert not outcome.refusal.isVisibleTo(outcome)  # typing answers what was said
    screenshot(window, shots / "outcome-dialog.png", outcome)
    click(qtbot, outcome.record_button)
    assert not outcome.isVisible()
    latest = queries.latest_outcome(bench.station.store, device_id)
    assert latest is not None and latest.kind is OutcomeKind.DONATION

    # Done: the big button shows the results; the panel says where the phone went.
    button = big_button(bench, device_id)
    assert button.text() == "Voir les résultats"
    assert "Destination : don, bénéficiaire B-2026-114" in window.panel.journey.text()
    screenshot(window, shots / "phone-6-done.png")

    # 6. The certificate: opened in the viewer, and a real signed PDF that verifies.
    documents = menu_items(window.panel.documents_menu)
    certificate_menu = submenu(documents[Document.CERTIFICATE])
    open_item = certificate_menu.actions()[0]
    assert open_item.text() == "Ouvrir"
    open_item.trigger()
    assert viewer.paths and viewer.paths[-1].name.startswith("certificat-effacement-")
    check = verify_pdf(
        read_certificate(viewer.paths[-1]), Keyring.for_station(data_dir), "certificate"
    )
    (certified,) = check.devices
    assert certified["device"]["asset_code"] == bench.station.device(device_id).asset_code  # type: ignore[union-attr]
    assert certified["erasure"]["result"] == "erased"
    # Saved on a stick: the same file, copied where the operator chose.
    stick = tmp_path / "stick-out"
    stick.mkdir()
    certificate_menu.actions()[2].trigger()
    chooser = window.panel.documents.chooser
    assert chooser is not None
    chooser.fileSelected.emit(str(stick))
    chooser.close()
    saved = stick / viewer.paths[-1].name
    assert saved.read_bytes()[:5] == b"%PDF-"
    # The handover sheet opens too.
    handover = submenu(menu_items(window.panel.documents_menu)[Document.HANDOVER])
    handover.actions()[0].trigger()
    assert viewer.paths[-1].name.startswith("fiche-remise-")
    assert viewer.paths[-1].read_bytes()[:5] == b"%PDF-"


def test_a_drive_whole_journey_from_its_card(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    artifacts_dir: Path,
    zebra: SimulatedZebra,
    viewer: OpenedFiles,
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    window.resize(*SCREEN)
    drive = bench.simulator.add_drive("hdd-sata-500", size=4 << 20)
    qtbot.waitUntil(lambda: drive.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[drive.key]
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    window.select(device_id)
    donor_bytes = drive.image.read_bytes()
    assert donor_bytes.strip(b"\0")  # the donor's data is on it

    # Before any erasure: spare parts are possible, a sale is refused, saying why.
    other_menu(bench)[Other.OUTCOME].trigger()
    early = window.journey.dialog
    assert isinstance(early, OutcomeDialog)
    click(qtbot, early.buttons[OutcomeKind.SALE])
    assert early.refusal.text().startswith("Pas de vente sans effacement vérifié")
    early.reject()
    assert Other.INSTALL not in other_menu(bench)  # a drive has no phone system

    # The check is the first part of the erasure: zeros, and the serial's end typed.
    button = big_button(bench, device_id)
    assert button.text() == "Lancer le contrôle"
    before = bench.station.latest_job(device_id)
    click(qtbot, button)
    qtbot.waitUntil(lambda: window.views[device_id].prompt is not None, timeout=WAIT)
    window._flush(full=True)
    zeros = {b.text(): b for b in window.panel.answer_buttons()}
    click(qtbot, zeros["Réécrire avec des zéros — conseillé"])
    state = answer_until_over(
        qtbot, bench, device_id, before.id if before else None, typed=drive.serial[-4:]
    )
    assert state is JobState.SUCCEEDED
    journey = bench.station.journey(device_id)
    assert journey.erasure_verified and [s.value for s in journey.done] == ["check", "erase"]
    assert not drive.image.read_bytes().strip(b"\0")  # zeros, all of it

    # The label.
    button = big_button(bench, device_id)
    assert button.text() == "Imprimer l’étiquette"
    click(qtbot, button)
    printer = window.journey.dialog
    assert isinstance(printer, PrinterDialog)
    click(qtbot, printer.print_button)
    qtbot.waitUntil(
        lambda: any(
            e.type == "label.printed" for e in queries.events(bench.station.store, device_id)
        ),
        timeout=WAIT,
    )
    printer.close()
    assert Other.PRINT_LABEL in other_menu(bench)
    assert other_menu(bench)[Other.PRINT_LABEL].text() == "Réimprimer l’étiquette"

    # The outcome: spare parts.
    button = big_button(bench, device_id)
    assert button.text() == "Choisir la destination"
    click(qtbot, button)
    outcome = window.journey.dialog
    assert isinstance(outcome, OutcomeDialog)
    click(qtbot, outcome.buttons[OutcomeKind.SPARE_PARTS])
    click(qtbot, outcome.record_button)
    assert not outcome.isVisible()
    assert big_button(bench, device_id).text() == "Voir les résultats"
    assert "Destination : pièces détachées" in window.panel.journey.text()
    # A new outcome later: the history keeps the earlier one.
    other_menu(bench)[Other.OUTCOME].trigger()
    again = window.journey.dialog
    assert isinstance(again, OutcomeDialog)
    click(qtbot, again.buttons[OutcomeKind.RECYCLING])
    click(qtbot, again.record_button)
    assert again.refusal.text().startswith("Un recyclage doit porter la référence")
    qtbot.keyClicks(again.reference, "ECO-5521")
    click(qtbot, again.record_button)
    assert not again.isVisible()
    refresh(bench, device_id)
    assert "Destination : recyclage, réf. ECO-5521" in window.panel.journey.text()
    history = [window.panel.history.item(i).text() for i in range(window.panel.history.count())]
    assert any("Destination : pièces détachées" in line for line in history)
    assert any("Destination : recyclage, réf. ECO-5521" in line for line in history)

    # The certificate, opened in the viewer: a signed PDF that verifies.
    documents = menu_items(window.panel.documents_menu)
    certificate_menu = submenu(documents[Document.CERTIFICATE])
    certificate_menu.actions()[0].trigger()
    check = verify_pdf(
        read_certificate(viewer.paths[-1]), Keyring.for_station(data_dir), "certificate"
    )
    (certified,) = check.devices
    assert certified["erasure"]["result"] == "erased"

    # The donation's documents, from the panel's donation row: before the drive is in a
    # donation they say why not; then its report and its certificate.
    lot_menu = window.panel.lot_documents_menu
    assert not window.panel.lot_documents_button.isEnabled()
    (report_item, *_) = menu_items(lot_menu).values()
    assert not report_item.isEnabled() and "Rattachez d’abord" in report_item.text()
    donor = bench.station.register_donor("Caisse de retraite", DonorKind.PUBLIC_BODY)
    lot_id = bench.station.register_lot(donor, agreement_ref="CONV-2026-07")
    refresh(bench, device_id)
    combo = window.panel.lot_combo
    index = combo.findData(lot_id)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    refresh(bench, device_id)
    assert window.panel.lot_documents_button.isEnabled()
    lot_documents = menu_items(lot_menu)
    report_menu = submenu(lot_documents[Document.LOT_REPORT])
    report_menu.actions()[0].trigger()
    assert viewer.paths[-1].name.startswith("rapport-don-")
    assert viewer.paths[-1].read_bytes()[:5] == b"%PDF-"
    lot_certificate = submenu(lot_documents[Document.LOT_CERTIFICATE])
    lot_certificate.actions()[0].trigger()
    check = verify_pdf(
        read_certificate(viewer.paths[-1]), Keyring.for_station(data_dir), "lot certificate"
    )
    assert check.lot is not None and check.lot["counts"]["certified"] == 1
    (artifacts_dir / "journey").mkdir(exist_ok=True)
    screenshot(window, artifacts_dir / "journey" / "drive-done.png")


def test_skipping_the_installation_asks_why(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    """A phone that keeps its system: the menu asks a reason; none is refused, saying so."""
    bench = make_bench(lang="fr")
    window = bench.window
    phone = bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: phone.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[phone.key]
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    window.select(device_id)
    refresh(bench, device_id)
    skip = other_menu(bench)[Other.SKIP_INSTALL]
    assert skip.isEnabled() and skip.text() == "Passer l’installation…"
    skip.trigger()
    asked = window.journey.dialog
    assert isinstance(asked, QInputDialog)
    assert asked.labelText() == "Pourquoi ce téléphone garde-t-il son système ?"
    asked.setTextValue("   ")
    asked.accept()
    refusal = window.journey.message
    assert refusal is not None and refusal.text() == "Passer l’installation demande une raison."
    refusal.close()
    other_menu(bench)[Other.SKIP_INSTALL].trigger()
    asked = window.journey.dialog
    assert isinstance(asked, QInputDialog)
    asked.setTextValue("Système d’origine à jour")
    asked.accept()
    journey = bench.station.journey(device_id)
    assert Stage.INSTALL in journey.skipped
    assert journey.skipped[Stage.INSTALL].get("fr") == "Système d’origine à jour"
    assert Other.SKIP_INSTALL not in other_menu(bench)
    refresh(bench, device_id)
    assert "– Installation du système" in window.panel.journey.text()


def test_a_document_goes_to_the_document_printer(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path, cups: labels.Cups
) -> None:
    """ "Imprimer" sends the PDF to the station's system printer (CUPS); with none set up,
    it says so in one sentence."""
    office = SimulatedZebra()  # a raw socket printer behind the CUPS queue: keeps what comes
    try:
        bench = make_bench(lang="fr")
        window = bench.window
        drive = bench.simulator.add_drive("hdd-sata-500", size=4 << 20)
        qtbot.waitUntil(lambda: drive.key in bench.station.known_keys(), timeout=WAIT)
        device_id = bench.station.known_keys()[drive.key]
        qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
        window.select(device_id)
        documents = window.panel.documents
        handover = submenu(menu_items(window.panel.documents_menu)[Document.HANDOVER])
        assert [a.text() for a in handover.actions()] == [
            "Ouvrir",
            "Imprimer",
            "Enregistrer sur une clé USB…",
        ]
        handover.actions()[1].trigger()
        qtbot.waitUntil(lambda: documents.message is not None, timeout=WAIT)
        assert documents.message is not None
        assert documents.message.text() == (
            "Aucune imprimante de documents : ajoutez l’imprimante du système (CUPS)."
        )
        documents.message.close()
        documents.message = None
        cups.add_raw_queue("office", f"socket://127.0.0.1:{office.port}")
        office_printer = PrinterConfig(
            "Bureau", PrinterKind.CUPS, "a4-24", "office", server=cups.server
        )
        save_printers(data_dir, PrinterSetup([office_printer], "Bureau"))
        handover = submenu(menu_items(window.panel.documents_menu)[Document.HANDOVER])
        handover.actions()[1].trigger()
        qtbot.waitUntil(lambda: bool(office.raw), timeout=WAIT)
        assert office.raw[0].startswith(b"%PDF")
        qtbot.waitUntil(lambda: documents.message is not None, timeout=WAIT)
        assert documents.message is not None
        assert documents.message.text().startswith("Envoyé à l’imprimante")
    finally:
        office.off()


def test_a_stage_just_started_never_shows_the_last_job_words(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    """Between the click and the new job's first record (the store busy with other jobs),
    the card says the wipe is on its way, never "Données effacées" from the check's end."""
    bench = make_bench(lang="fr")
    window = bench.window
    fast = {"boot_timeout_s": 20.0, "poll_s": 0.05}
    bench.station.pipelines.register(phone_wipe(None, **fast))
    phone = bench.simulator.add_handset("fairphone-4", boot_delay=0.1)
    qtbot.waitUntil(lambda: phone.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[phone.key]
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    window.select(device_id)
    assert run_big_button(qtbot, bench, device_id, "Lancer le contrôle") is JobState.SUCCEEDED
    button = big_button(bench, device_id)
    assert button.text() == "Effacer les données"

    # The store is slow to take the new job's first record: the worker waits on it.
    engine = bench.station.engine
    record = engine._record
    store_free = threading.Event()

    def slow_record(events: Sequence[NewEvent]) -> None:
        if any(e.type == "job.created" for e in events):
            store_free.wait(30)
        record(events)

    engine._record = slow_record
    try:
        click(qtbot, button)
        running = engine.job_for_device(device_id)
        latest = bench.station.latest_job(device_id)
        assert running is not None and latest is not None and latest.id != running.id
        for _ in range(5):  # redraws while the record waits
            refresh(bench, device_id)
            qtbot.wait(20)
            for state in (window.cards[device_id].state.text(), window.panel.state.text()):
                assert state in ("En attente d’une place libre", "Effacement…"), state
    finally:
        store_free.set()
        engine._record = record
    hand = phone_hand(qtbot, bench.simulator.handset(phone.key), reboot=True)
    assert answer_until_over(qtbot, bench, device_id, None, hand=hand) is JobState.SUCCEEDED
