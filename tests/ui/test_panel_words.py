"""What the panel says along a device's journey, as a newcomer reads it: a job under way is
named and offers no plugging help even when the phone leaves the cable's bus (fastboot);
the steps under a question read as instructions, only a wrong answer as an error; missing
system files are said in a sentence, their names behind "Détails"; the USB import opens on
the removable media; the stage line comes from the journey after the last job is over."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLayoutItem
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceKind, JobState, OutcomeKind, StepStatus
from bench_app.jobs.prompt import DONE, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.journey import stage_line
from bench_app.text import Text
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from tests.ui.test_answer_grid import open_bench, show_prompt
from ui.file_chooser import media_folder
from ui.install_dialog import InstallDialog

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts"
WAIT = 60_000
ERROR_RED = "#c62828"


class _Flashing(Step):
    """An installation step that holds until the test lets it finish."""

    id = "flash"
    title = Text("Écriture du système", "Writing the system")

    def __init__(self, entered: threading.Event, release: threading.Event) -> None:
        self.entered, self.release = entered, release

    def run(self, ctx: StepContext) -> StepOutcome:
        self.entered.set()
        while not self.release.wait(0.02):
            ctx.check_cancelled()
        return StepOutcome(StepStatus.PASSED, Text("Système écrit.", "System written."))


def _colour(label: QLabel) -> str:
    label.ensurePolished()
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def test_a_running_installation_is_named_and_offers_no_plugging_help(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    entered, release = threading.Event(), threading.Event()
    bench.station.pipelines.register(
        Pipeline(
            "test.install",
            Text("Installation", "Installation"),
            frozenset({DeviceKind.PHONE}),
            lambda: [_Flashing(entered, release)],
            purpose=Purpose.INSTALLS,
        )
    )
    window = bench.window
    key = next(k for k, d in bench.station.known_keys().items() if d == device_id)
    try:
        bench.station.start_job(device_id, "test.install")
        qtbot.waitUntil(entered.is_set, timeout=WAIT)
        bench.simulator.unplug(key)  # in fastboot, the phone leaves ADB
        qtbot.waitUntil(lambda: bench.station.handle(device_id) is None, timeout=WAIT)

        def drawn() -> bool:
            window._stale.add(device_id)
            window._mark(device_id, full=True)
            window._flush(full=True)
            view = window.views[device_id]
            return not view.connected and view.state is JobState.RUNNING

        qtbot.waitUntil(drawn, timeout=WAIT)
        card = window.cards[device_id]
        screenshot(window, SHOTS / "installing-in-fastboot.png")
        assert card.button.text() == "Suivre l’installation"
        assert "Rebrancher" not in card.button.text()
        assert card.state.text() == "Installation…"
        panel = window.panel
        assert panel.state.text() == "Installation…"
        assert not panel.picture.isVisible()  # no replug picture beside it
        assert not panel.next_button.isVisible()
        # The status bar names it too: an installation, not "un contrôle".
        assert window.status.text().endswith("0 appareil branché · 1 installation en cours")
    finally:
        release.set()
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)


def test_steps_under_a_question_are_instructions_and_a_wrong_answer_an_error(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    panel = bench.window.panel
    steps = Text("Ouvrez les réglages puis « À propos ».", "Open the settings, then “About”.")
    show_prompt(
        bench, device_id, Prompt(Text("Trouvez l’IMEI", "Find the IMEI"), (DONE,), detail=steps)
    )
    assert panel.prompt_detail.isVisible() and panel.prompt_detail.text() == steps.fr
    assert _colour(panel.prompt_detail) != ERROR_RED
    assert not panel.prompt_detail.font().bold()
    assert not panel.prompt_error.isVisible()
    panel.grab().save(str(SHOTS / "instruction-under-question.png"))
    wrong = Text("« 123 » n’est pas un IMEI valide.", "“123” is not a valid IMEI.")
    show_prompt(
        bench,
        device_id,
        Prompt(
            Text("Tapez l’IMEI", "Type the IMEI"), (DONE,), error=wrong, entry=Text("IMEI", "IMEI")
        ),
    )
    assert panel.prompt_error.isVisible() and panel.prompt_error.text() == wrong.fr
    assert _colour(panel.prompt_error) == ERROR_RED
    assert not panel.prompt_detail.isVisible()


def test_missing_system_files_are_said_plainly_and_the_import_opens_on_the_media(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    dialog = InstallDialog(bench.station, device_id, "fr", bench.window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.chosen == "eos" and dialog.missing()
    assert dialog.status.text() == "Il manque le système /e/OS pour ce modèle (FP4)."
    assert not dialog.details.isVisible() and dialog.details_button.text() == "Détails"
    dialog.details_button.click()
    assert dialog.details.isVisible()
    assert dialog.details.text().startswith("Fichiers attendus : ")
    assert "recovery-e-" in dialog.details.text() and "*" in dialog.details.text()
    dialog.grab().save(str(SHOTS / "install-missing-system.png"))
    dialog.choose_folder()
    chooser = dialog.chooser
    assert chooser is not None
    assert Path(chooser.directory().absolutePath()) == media_folder()
    labels = {w.text() for w in chooser.findChildren(QLabel) if w.isVisibleTo(chooser)}
    assert {"Voir dans\u00a0:", "Fichiers de type\u00a0:"} <= labels, labels
    chooser.grab().save(str(SHOTS / "usb-import-chooser.png"))
    chooser.close()


def test_the_media_folder_is_the_users_removable_media_else_home(tmp_path: Path) -> None:
    media, run_media, home = tmp_path / "media", tmp_path / "run-media", tmp_path / "home"
    roots = (media, run_media)
    assert media_folder("amina", roots, home) == home
    (run_media / "amina").mkdir(parents=True)
    assert media_folder("amina", roots, home) == run_media / "amina"
    (media / "amina").mkdir(parents=True)
    assert media_folder("amina", roots, home) == media / "amina"


def test_the_panel_s_stage_line_follows_the_journey_after_the_last_job(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    bench.station.pipelines.register(
        Pipeline(
            "test.install",
            Text("Installation", "Installation"),
            frozenset({DeviceKind.PHONE}),
            lambda: [_Flashing(threading.Event(), _set())],
            purpose=Purpose.INSTALLS,
        )
    )
    window = bench.window
    job = bench.station.start_job(device_id, "test.install")
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)
    assert bench.station.latest_job(device_id).state is JobState.SUCCEEDED  # type: ignore[union-attr]
    assert job is not None
    # The outcome is recorded after that job: the journey's last stage is now the outcome.
    bench.station.record_outcome(device_id, OutcomeKind.SPARE_PARTS)
    window._stale.add(device_id)
    window._mark(device_id, full=True)
    window._flush(full=True)
    panel = window.panel
    assert panel.state.text() == "Fait : Destination"
    form = panel.identity
    rows = {
        _text(form.itemAt(r, form.ItemRole.LabelRole)): _text(
            form.itemAt(r, form.ItemRole.FieldRole)
        )
        for r in range(form.rowCount())
    }
    said = stage_line(bench.station.journey(device_id)).fr
    assert said.startswith("Fait : Destination · ") and rows["Étape du parcours :"] == said
    assert "Noté" not in rows.values() and "Système installé" not in panel.state.text()
    # The card says the same as the panel, not the last job's words.
    assert window.cards[device_id].state.text() == "Fait : Destination"
    screenshot(window, SHOTS / "panel-after-outcome.png")


def _text(item: QLayoutItem | None) -> str:
    """The text of a form's label or value."""
    widget = item.widget() if item is not None else None
    assert isinstance(widget, QLabel)
    return widget.text()


def _set() -> threading.Event:
    done = threading.Event()
    done.set()
    return done


def test_the_stage_line_names_the_stage_before_the_next_one() -> None:
    """A grade given during the check does not make "Note" the last stage done while the
    wipe comes next; the outcome, once chosen, is."""
    from bench_app.journey import JourneyPolicy, Stage, done_line, journey_of
    from tests.ui.test_next_action import CHECKED, PURPOSES, WIPED

    policy = JourneyPolicy("/e/OS")
    checked = journey_of(DeviceKind.PHONE, CHECKED, purposes=PURPOSES, policy=policy)
    assert checked.next is not None and checked.next.stage is Stage.WIPE
    assert stage_line(checked).fr == "Fait : Contrôle · Ensuite : Effacement des données"
    wiped = journey_of(DeviceKind.PHONE, CHECKED + WIPED, purposes=PURPOSES, policy=policy)
    assert stage_line(wiped).fr == (
        "Fait : Effacement des données · Ensuite : Installation du système"
    )
    assert stage_line(wiped).en == "Done: Data wipe · Next: System installation"
    fresh = journey_of(DeviceKind.PHONE, [], purposes=PURPOSES, policy=policy)
    assert done_line(fresh) is None and stage_line(fresh).fr == "Ensuite : Contrôle"
