"""What the window knows about one device at a time: its record, whether it is plugged in,
and its job's live state. Cards and the panel are drawn from this alone."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from bench_app.diagnostics.blocks import Block
from bench_app.diagnostics.health import EndOfLife
from bench_app.domain.model import Device, DeviceKind, Grade, Job, JobState
from bench_app.erasure.wording import IMAGE_FILE_MODEL
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Purpose
from bench_app.journey import RECORDED_STAGES, RETURNED_WORDS, Journey, Stage, done_line
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.text import Text


class Action(StrEnum):
    START = "start"
    ANSWER = "answer"
    WATCH = "watch"
    RESUME = "resume"
    REPLUG = "replug"
    SHOW = "show"  # the results, in the panel
    HELP = "help"  # what to do about a block, with pictures
    RESTART = "restart"  # a new check after a block was lifted
    PLUG_HELP = "plug_help"  # how to plug in a device that is not there
    STAGE = "stage"  # the journey's next stage (erase, install, label, outcome...)


# Stages done with the device in hand; the label and the outcome need only its record.
HANDS_ON_STAGES = frozenset(
    {Stage.CHECK, Stage.WIPE, Stage.ERASE, Stage.INSTALL, Stage.SYSTEM_IMAGE, Stage.GRADE}
)


@dataclass
class DeviceView:
    device: Device
    connected: bool = False
    job: Job | None = None  # the latest job as recorded
    live_state: JobState | None = None  # the running job's state, between records
    fraction: float = 0.0
    step: Text | None = None
    message: Text | None = None
    prompt: Prompt | None = None
    end_of_life: EndOfLife | None = None  # the latest job's own health verdict
    block: Block | None = None  # what blocks the latest job
    grade: Grade | None = None
    # Plugged back in after its job was blocked: the block was likely lifted meanwhile.
    replugged_after_block: bool = False
    # A simulated device (training): the case it shows, and the window can plug it back in.
    caption: Text | None = None
    can_replug: bool = False
    # Its stages done, the next one and what blocks (bench_app/journey.py).
    journey: Journey | None = None
    # What the latest job is for (its check, an erasure, an installation): its state's words.
    purpose: Purpose | None = None
    # HOST:PORT when the phone was last reached over Wi-Fi debugging ("": a cable, unknown).
    network_address: str = ""
    # A disk: the code of the computer it was taken out of ("" : none).
    host_code: str = ""

    @property
    def state(self) -> JobState | None:
        if self.live_state is not None:
            return self.live_state
        return self.job.state if self.job else None


END_OF_LIFE_COLOUR = "#c62828"


def restart_offered(view: DeviceView) -> bool:
    """A blocked device that is plugged in can always be checked again."""
    return view.state is JobState.BLOCKED and view.connected


def tr(text: str) -> str:
    return QCoreApplication.translate("", text)  # lupdate files module-level tr() under ""


def failure_texts(store: Store, job: Job) -> tuple[Text, Text] | None:
    """A failed job's (short form, full message) as recorded, when a short form was."""
    for event in reversed(queries.events(store, job.device_id, limit=50)):
        p = event.payload
        if event.type == "job.failed" and p.get("job_id") == job.id:
            if p.get("short") and p.get("message"):
                return Text.from_json(p["short"]), Text.from_json(p["message"])
            return None
    return None


def device_title(device: Device) -> str:
    """How the window names a device: its label, or its kind in words when it has neither
    brand nor model (never the kind's code)."""
    label = device.label
    if device.model == IMAGE_FILE_MODEL:  # a drive that is an image file: said in words
        return " ".join(p for p in (device.brand, tr("Image file")) if p)
    if label != device.kind.value:
        return label
    kinds = {
        DeviceKind.PHONE: tr("Phone"),
        DeviceKind.TABLET: tr("Tablet"),
        DeviceKind.LAPTOP: tr("Laptop"),
        DeviceKind.DESKTOP: tr("Desktop computer"),
        DeviceKind.DRIVE: tr("Drive"),
    }
    return kinds[device.kind]


def next_action(view: DeviceView, lang: str = "fr") -> tuple[Action, str, bool]:
    """The one thing to do next for this device: (action, button label, enabled). A job in
    hand comes first (its question, its progress, its resume, its block); then the journey's
    next stage."""
    state = view.state
    if state is JobState.WAITING_OPERATOR:
        return Action.ANSWER, tr("Answer the question"), True
    if state is not None and state.active:
        # A job under way: the phone may leave the bus (fastboot, a reboot); no plugging help.
        return Action.WATCH, _follow_label(view.purpose), True
    if view.can_replug and not view.connected:
        return Action.REPLUG, tr("Plug back in"), True
    if state is not None and state.resumable and not check_overridden(view):
        if not view.connected:
            return Action.REPLUG, tr("Plug the device back in"), False
        return Action.RESUME, tr("Resume"), True
    if state is JobState.BLOCKED:
        if view.connected and view.replugged_after_block:
            return Action.RESTART, tr("Check again"), True
        return Action.HELP, tr("See what to do"), True
    journey = view.journey
    if journey is not None:
        step = journey.next
        if step is None:  # every stage done
            return Action.SHOW, tr("See the results"), True
        if step.stage is None:  # a lock stops everything: what to do about it
            return Action.HELP, tr("See what to do"), True
        if view.device.kind in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
            return _computer_action(view, step.stage, step.label.get(lang))
        if step.stage in HANDS_ON_STAGES and not view.connected:
            return Action.PLUG_HELP, _plug_help_label(view), True
        if step.stage is Stage.CHECK:
            return Action.START, tr("Start the check"), True
        return Action.STAGE, step.label.get(lang), True
    if not view.connected:
        return Action.PLUG_HELP, _plug_help_label(view), True
    if state is JobState.SUCCEEDED:
        return Action.SHOW, tr("See the results"), True
    return Action.START, tr("Start the check"), True


def check_overridden(view: DeviceView) -> bool:
    """The latest job is a check that ended badly, and a supervisor let the journey go on:
    it is no longer the thing to resume (bench_app/approvals.py)."""
    journey = view.journey
    state = view.state
    return (
        view.purpose is Purpose.TESTS
        and state is not None
        and not state.active
        and journey is not None
        and Stage.CHECK in journey.skipped
    )


def _follow_label(purpose: Purpose | None) -> str:
    """ "Suivre l’installation": the job under way, named."""
    if purpose is Purpose.ERASES:
        return tr("Follow the erasure")
    if purpose is Purpose.INSTALLS:
        return tr("Follow the installation")
    return tr("Follow the check")


def _plug_help_label(view: DeviceView) -> str:
    """A phone reached over Wi-Fi is connected again, not plugged in."""
    return tr("How to reconnect it") if view.network_address else tr("How to plug it in")


def _computer_action(view: DeviceView, stage: Stage, label: str) -> tuple[Action, str, bool]:
    """A computer is worked on through its docked disks: linking one comes first; its check,
    erasure and system image need one docked ("connected"); its list is answered here."""
    disks = view.journey.disks if view.journey is not None else ()
    if stage is Stage.CHECK and not disks:
        return Action.STAGE, label, True  # « Relier son disque »
    if stage in (Stage.CHECK, Stage.ERASE, Stage.SYSTEM_IMAGE) and not view.connected:
        return Action.PLUG_HELP, tr("Dock its disk"), True
    return Action.STAGE, label, True


def status_words(view: DeviceView, lang: str) -> str:
    """The card's and the panel's status: the job's state in a few words, or, once a label
    or an outcome came after the last job, the journey's last stage (the job's words,
    "Système installé", would be stale)."""
    state = view.state
    words = state_label(state, view.connected, view.end_of_life, view.purpose)
    worn = view.end_of_life is not None and bool(state and not state.active)
    journey = view.journey
    if journey is not None and journey.returned and not (state and state.active):
        return RETURNED_WORDS.get(lang)  # the last job was before the loan
    if check_overridden(view) and journey is not None:  # a supervisor let it go on
        done = done_line(journey)
        return done.get(lang) if done is not None else words
    if state is not JobState.SUCCEEDED or journey is None or worn:
        return words
    if not any(s in journey.done for s in RECORDED_STAGES):
        return words
    done = done_line(journey)
    return done.get(lang) if done is not None else words


def state_label(
    state: JobState | None,
    connected: bool,
    end_of_life: EndOfLife | None = None,
    purpose: Purpose | None = None,
) -> str:
    """The job's state in a few words; an erasure or an installation says so once done or
    under way (a check by default)."""
    labels = {
        JobState.QUEUED: tr("Waiting for a free slot"),
        JobState.RUNNING: tr("Checking…"),
        JobState.WAITING_OPERATOR: tr("Your answer is needed"),
        JobState.SUCCEEDED: tr("Check finished"),
        JobState.FAILED: tr("Check failed"),
        JobState.BLOCKED: tr("Blocked"),
        JobState.CANCELLED: tr("Cancelled"),
        JobState.INTERRUPTED: tr("Interrupted"),
        JobState.ABANDONED: tr("Abandoned"),
    }
    if purpose is Purpose.ERASES:
        labels[JobState.RUNNING] = tr("Erasing…")
        labels[JobState.SUCCEEDED] = tr("Data erased")
    elif purpose is Purpose.INSTALLS:
        labels[JobState.RUNNING] = tr("Installing…")
        labels[JobState.SUCCEEDED] = tr("System installed")
    if state is None:
        return tr("Ready") if connected else tr("Unplugged")
    text = labels[state]
    if end_of_life is not None and not state.active:
        # The check's own verdict: worn out, whatever became of the rest of the job.
        text = tr("Drive to recycle")
        if state is not JobState.SUCCEEDED:
            text += " · " + labels[state].lower()
    if not connected and not state.active:
        text += " · " + tr("unplugged")
    return text
