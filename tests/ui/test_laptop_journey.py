"""A laptop's whole journey from the window, in training: its disk, taken out and docked at
the station (a simulated drive on an image file), is linked to it; then only the laptop
card's big button (and the answers it asks for): the disk's check and erasure, the
workshop's system image written onto it, the short guided list, the label, the outcome;
the erasure certificate at the end. A laptop with one of its two disks not verified erased
cannot go to reuse, and the refusal names that disk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from bench_app.disk_links import host_of
from bench_app.domain.model import DeviceKind, JobState, OutcomeKind
from bench_app.journey import Stage
from bench_app.output.certificates.verify import read_certificate, verify_pdf
from bench_app.signing import Keyring
from bench_app.simulators.docked_drive import SimulatedDockedDrive
from bench_app.simulators.laptop_system import MARK
from bench_app.store import queries
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_journey_window import (
    WAIT,
    OpenedFiles,
    big_button,
    click,
    menu_items,
    other_menu,
    refresh,
    submenu,
    viewer,  # noqa: F401  (fixture)
)
from ui.device_view import Action
from ui.documents import Document
from ui.journey_actions import Other
from ui.laptop_grade_dialog import LaptopGradeDialog
from ui.link_dialog import LinkDialog
from ui.outcome_dialog import OutcomeDialog
from ui.printer_dialog import PrinterDialog


def the_laptop(bench: Bench) -> str:
    (laptop,) = [d for d in queries.devices(bench.station.store) if d.kind is DeviceKind.LAPTOP]
    return laptop.id


def run_disk_job(
    qtbot: QtBot, bench: Bench, laptop_id: str, disk: SimulatedDockedDrive
) -> JobState:
    """Clicks the laptop's big button, which starts a job on its docked disk, and answers
    in the laptop's panel as an operator would (zeros, the serial's end) until it ends."""
    window = bench.window
    disk_id = bench.station.known_keys()[disk.key]
    before = bench.station.latest_job(disk_id)
    click(qtbot, big_button(bench, laptop_id))
    qtbot.waitUntil(
        lambda: (
            (job := bench.station.latest_job(disk_id)) is not None
            and (before is None or job.id != before.id)
        ),
        timeout=WAIT,
    )
    deadline = time.monotonic() + WAIT / 1000
    while (
        bench.station.engine.job_for_device(disk_id) is not None
        or bench.station.latest_job(disk_id).state.active  # type: ignore[union-attr]
    ):
        view = window.views[laptop_id]
        prompt = view.prompt
        assert time.monotonic() < deadline, prompt and prompt.question.fr
        if prompt is not None and not prompt.answered and window.selected == laptop_id:
            window._flush(full=True)
            assert next_action_is(bench, laptop_id, Action.ANSWER)
            if prompt.entry is not None:
                window.panel.entry.setText(disk.serial[-4:])
                click(qtbot, window.panel.entry_ok)
            else:
                buttons = window.panel.answer_buttons()
                zeros = [b for b in buttons if "zéros" in b.text()]
                click(qtbot, (zeros or buttons)[0])
        qtbot.wait(20)
    job = bench.station.latest_job(disk_id)
    assert job is not None
    return job.state


def next_action_is(bench: Bench, device_id: str, action: Action) -> bool:
    card = bench.window.cards[device_id]
    return card._action == action.value


def test_a_laptop_whole_journey_from_its_card(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    artifacts_dir: Path,
    viewer: OpenedFiles,  # noqa: F811
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    window.resize(*SCREEN)
    shots = artifacts_dir / "laptop"
    shots.mkdir(exist_ok=True)
    window.play_scenario("portable")
    (disk,) = [d for d in bench.simulator.known() if isinstance(d, SimulatedDockedDrive)]
    qtbot.waitUntil(lambda: disk.key in bench.station.known_keys(), timeout=WAIT)
    disk_id = bench.station.known_keys()[disk.key]
    laptop_id = the_laptop(bench)
    qtbot.waitUntil(lambda: disk_id in window.cards and laptop_id in window.cards, timeout=WAIT)
    donor_bytes = disk.image.read_bytes()
    assert donor_bytes.strip(b"\0")

    # 1. Its disk is linked from the laptop's card: the docked disk is offered.
    window.select(laptop_id)
    button = big_button(bench, laptop_id)
    assert button.text() == "Relier son disque"
    assert "Aucun disque n’est relié à cet ordinateur." in window.panel.journey.text()
    click(qtbot, button)
    link = window.journey.dialog
    assert isinstance(link, LinkDialog)
    assert link.choices.count() == 1 and disk.serial in link.choices.item(0).text()
    screenshot(window, shots / "1-link.png", link)
    click(qtbot, link.link_button)
    assert not link.isVisible()
    host = host_of(bench.station.store, disk_id)
    assert host is not None and host.id == laptop_id
    refresh(bench, disk_id)
    assert window.cards[disk_id].case.text() == f"Disque du portable {host.asset_code}"
    docked = bench.station.device(disk_id)
    assert docked is not None
    refresh(bench, laptop_id)
    assert window.cards[laptop_id].case.text() == f"Disque {docked.asset_code}"
    assert other_menu_for(bench, disk_id)[Other.LINK_DISK].text() == "Changer d’ordinateur…"
    window.select(laptop_id)

    # 2. Its check and erasure: one job on its docked disk, followed on the laptop's card.
    assert big_button(bench, laptop_id).text() == "Contrôler l’appareil"
    assert run_disk_job(qtbot, bench, laptop_id, disk) is JobState.SUCCEEDED
    journey = bench.station.journey(laptop_id)
    assert journey.done == (Stage.CHECK, Stage.ERASE) and journey.erasure_verified
    assert not disk.image.read_bytes().strip(b"\0")  # zeros, all of it
    refresh(bench, laptop_id)
    assert "effacé ✓" in window.panel.journey.text()
    screenshot(window, shots / "2-erased.png")

    # 3. The workshop's system image, written onto the disk and read back.
    assert big_button(bench, laptop_id).text() == "Installer le système"
    assert run_disk_job(qtbot, bench, laptop_id, disk) is JobState.SUCCEEDED
    assert MARK in disk.image.read_bytes()[1 << 20 : (1 << 20) + 4096]
    assert Stage.SYSTEM_IMAGE in bench.station.journey(laptop_id).done

    # 4. The short guided list: every answer needed, then graded.
    button = big_button(bench, laptop_id)
    assert button.text() == "Noter l’appareil"
    click(qtbot, button)
    grade = window.journey.dialog
    assert isinstance(grade, LaptopGradeDialog)
    click(qtbot, grade.grade_button)
    assert grade.refusal.text() == "Répondez à chaque question avant de noter."
    for answers in grade.answers.values():
        click(qtbot, answers["works"])
    click(qtbot, grade.chassis["very_good"])
    screenshot(window, shots / "4-grade.png", grade)
    click(qtbot, grade.grade_button)
    assert not grade.isVisible()
    graded = queries.latest_grade(bench.station.store, laptop_id)
    assert graded is not None and graded.workshop_grade == "A"

    # 5. The label, on the class printer.
    button = big_button(bench, laptop_id)
    assert button.text() == "Imprimer l’étiquette"
    click(qtbot, button)
    printer = window.journey.dialog
    assert isinstance(printer, PrinterDialog)
    click(qtbot, printer.print_button)
    qtbot.waitUntil(
        lambda: any(
            e.type == "label.printed" for e in queries.events(bench.station.store, laptop_id)
        ),
        timeout=WAIT,
    )
    printer.close()

    # 6. The outcome: a donation; then the journey is complete.
    button = big_button(bench, laptop_id)
    assert button.text() == "Choisir la destination"
    click(qtbot, button)
    outcome = window.journey.dialog
    assert isinstance(outcome, OutcomeDialog)
    click(qtbot, outcome.buttons[OutcomeKind.DONATION])
    qtbot.keyClicks(outcome.beneficiary, "B-2026-301")
    click(qtbot, outcome.record_button)
    assert not outcome.isVisible()
    assert big_button(bench, laptop_id).text() == "Voir les résultats"
    assert bench.station.journey(laptop_id).next is None

    # 7. Its erasure certificate: the signed certificate of its disk.
    documents = menu_items(window.panel.documents_menu)
    submenu(documents[Document.CERTIFICATE]).actions()[0].trigger()
    assert viewer.paths[-1].name == f"certificat-effacement-{host.asset_code}.pdf"
    check = verify_pdf(
        read_certificate(viewer.paths[-1]), Keyring.for_station(data_dir), "certificate"
    )
    (certified,) = check.devices
    assert certified["erasure"]["result"] == "erased"
    refresh(bench, laptop_id)
    screenshot(window, shots / "7-done.png")


def other_menu_for(bench: Bench, device_id: str) -> dict[str, QAction]:
    bench.window.select(device_id)
    return other_menu(bench)


def test_one_of_two_disks_not_erased_keeps_the_laptop_from_reuse(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    window.resize(*SCREEN)
    laptop = bench.station.intake_device(DeviceKind.LAPTOP, brand="Dell", serial="DL7490")
    window.select_device_card(laptop.id)
    disks = [bench.simulator.add_drive("hdd-sata-500", size=2 << 20) for _ in range(2)]
    qtbot.waitUntil(lambda: all(d.key in bench.station.known_keys() for d in disks), timeout=WAIT)
    ids = [bench.station.known_keys()[d.key] for d in disks]
    qtbot.waitUntil(lambda: all(i in window.cards for i in ids), timeout=WAIT)
    # The first disk from its own card: « Ce disque vient d’un portable », the laptop chosen.
    window.select(ids[0])
    assert other_menu(bench)[Other.LINK_DISK].text() == "Ce disque vient d’un portable…"
    other_menu(bench)[Other.LINK_DISK].trigger()
    link = window.journey.dialog
    assert isinstance(link, LinkDialog)
    qtbot.keyClicks(link.code, laptop.asset_code)
    link.code.returnPressed.emit()
    assert link.chosen() == laptop.id
    click(qtbot, link.link_button)
    assert window.selected == laptop.id  # the laptop's card comes forward
    # The second from the laptop's card: « Relier un autre disque ».
    other_menu(bench)[Other.LINK_DISK].trigger()
    more = window.journey.dialog
    assert isinstance(more, LinkDialog) and more.choices.count() == 1
    click(qtbot, more.link_button)
    journey = bench.station.journey(laptop.id)
    assert sorted(d.device_id for d in journey.disks) == sorted(ids)

    # The first disk checked and erased from the laptop's card; the second is not.
    assert run_disk_job(qtbot, bench, laptop.id, disks[0]) is JobState.SUCCEEDED
    journey = bench.station.journey(laptop.id)
    assert not journey.erasure_verified and Stage.ERASE not in journey.done
    second = bench.station.device(ids[1])
    assert second is not None
    refresh(bench, laptop.id)
    assert f"Disque pas encore effacé et vérifié : {second.asset_code}." in (
        window.panel.journey.text()
    )
    other_menu(bench)[Other.OUTCOME].trigger()
    outcome = window.journey.dialog
    assert isinstance(outcome, OutcomeDialog)
    click(qtbot, outcome.buttons[OutcomeKind.DONATION])
    assert outcome.refusal.text() == (
        f"Pas de don : disque {second.asset_code} pas effacé et vérifié."
    )
    qtbot.keyClicks(outcome.beneficiary, "B-9")
    click(qtbot, outcome.record_button)
    assert queries.latest_outcome(bench.station.store, laptop.id) is None
    (artifacts_dir / "laptop").mkdir(exist_ok=True)
    screenshot(window, artifacts_dir / "laptop" / "two-disks-refused.png", outcome)
    outcome.reject()
    # Spare parts stay possible.
    other_menu(bench)[Other.OUTCOME].trigger()
    parts = window.journey.dialog
    assert isinstance(parts, OutcomeDialog)
    click(qtbot, parts.buttons[OutcomeKind.SPARE_PARTS])
    click(qtbot, parts.record_button)
    latest = queries.latest_outcome(bench.station.store, laptop.id)
    assert latest is not None and latest.kind is OutcomeKind.SPARE_PARTS


def test_a_new_laptop_on_the_spot_a_corrected_link_and_no_workshop_system(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    """From a docked disk: a laptop registered on the spot and linked; the link corrected to
    no computer (the history keeps both); linked again, the laptop skips the workshop's
    system with a reason."""
    bench = make_bench(lang="fr")
    window = bench.window
    disk = bench.simulator.add_drive("hdd-sata-500", size=2 << 20)
    qtbot.waitUntil(lambda: disk.key in bench.station.known_keys(), timeout=WAIT)
    disk_id = bench.station.known_keys()[disk.key]
    qtbot.waitUntil(lambda: disk_id in window.cards, timeout=WAIT)
    window.select(disk_id)
    other_menu(bench)[Other.LINK_DISK].trigger()
    link = window.journey.dialog
    assert isinstance(link, LinkDialog) and link.choices.count() == 0
    click(qtbot, link.new_button)
    qtbot.keyClicks(link.brand, "HP")
    qtbot.keyClicks(link.model, "EliteBook 840")
    click(qtbot, link.register_button)
    assert link.refusal.text() == "Il faut un numéro de série ou un IMEI."
    qtbot.keyClicks(link.serial, "5CG1234XYZ")
    click(qtbot, link.register_button)
    assert link.choices.count() == 1 and "HP EliteBook 840" in link.choices.item(0).text()
    click(qtbot, link.link_button)
    laptop = bench.station.find_by_code(window.cards[window.selected or ""].code.text())
    assert laptop.kind is DeviceKind.LAPTOP and laptop.serial == "5CG1234XYZ"

    # The link corrected: from no computer.
    window.select(disk_id)
    assert other_menu(bench)[Other.LINK_DISK].text() == "Changer d’ordinateur…"
    other_menu(bench)[Other.LINK_DISK].trigger()
    fix = window.journey.dialog
    assert isinstance(fix, LinkDialog)
    assert fix.chosen() == laptop.id  # the current link is preselected
    fix.choices.setCurrentRow(fix.choices.count() - 1)
    assert fix.choices.currentItem().text() == "D’aucun ordinateur (retirer le lien)"
    click(qtbot, fix.link_button)
    assert host_of(bench.station.store, disk_id) is None
    refresh(bench, disk_id)
    history = [window.panel.history.item(i).text() for i in range(window.panel.history.count())]
    assert any(f"Disque de l’ordinateur {laptop.asset_code}" in line for line in history)
    assert any("Lien avec son ordinateur retiré" in line for line in history)

    # Linked again; the laptop gets no system from the workshop, and says why.
    bench.station.link_disk(disk_id, laptop.id)
    window.select_device_card(laptop.id)
    skip = other_menu(bench)[Other.SKIP_INSTALL]
    assert skip.text() == "Pas de système de l’atelier…"
    skip.trigger()
    asked = window.journey.dialog
    assert isinstance(asked, QInputDialog)
    assert asked.labelText() == "Pourquoi cet ordinateur ne reçoit-il pas le système de l’atelier ?"
    asked.setTextValue("Le bénéficiaire installe le sien")
    asked.accept()
    journey = bench.station.journey(laptop.id)
    assert journey.skipped[Stage.SYSTEM_IMAGE].fr == "Le bénéficiaire installe le sien"
    refresh(bench, laptop.id)
    assert "– Système" in window.panel.journey.text()
