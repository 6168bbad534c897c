"""Steps and pipelines: what a job does to one device, one step at a time."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bench_app.devices.source import DeviceHandle
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.jobs.process import ProcessRunner
from bench_app.jobs.prompt import Cancelled, Prompt
from bench_app.text import Text


class Purpose(StrEnum):
    """What a pipeline does to a device; reports choose pipelines by this, never by name."""

    TESTS = "tests"
    ERASES = "erases"
    INSTALLS = "installs"


class StepKind(StrEnum):
    AUTOMATED = "automated"
    MANUAL = "manual"


@dataclass(slots=True)
class StepOutcome:
    """What a finished step found. `blocking` stops the job: nothing more can be done
    until the operator fixes what the summary says (e.g. remove the Google account)."""

    status: StepStatus
    summary: Text
    evidence: dict[str, Any] = field(default_factory=dict)
    blocking: bool = False
    # Further facts the step established (e.g. grade.assigned, device.identified), recorded
    # in the same transaction as the step's result: (event type, payload).
    facts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


ProgressFn = Callable[[float, Text | None], None]
AskFn = Callable[[Prompt], str]


class StepContext:
    """What a running step may use: its device, progress, the operator, cancellation."""

    def __init__(
        self,
        job_id: str,
        device: DeviceHandle,
        progress: ProgressFn,
        ask: AskFn,
        cancelled: threading.Event,
        results: dict[str, StepOutcome],
        *,
        record: Callable[[str, dict[str, Any]], None] | None = None,
        recall: Callable[[str], list[dict[str, Any]]] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.job_id = job_id
        self.device = device
        self._progress = progress
        self._ask = ask
        self.cancelled = cancelled
        self.results = results  # earlier steps of this job, by step id
        self.processes = ProcessRunner(cancelled)
        # Facts recorded at once, while the step runs (e.g. an erasure's checkpoints).
        self.record = record or (lambda event_type, payload: None)
        # This job's facts of a type from before an interruption, oldest first.
        self.recall = recall or (lambda event_type: [])
        # Answers given before the job started, for questions the steps would ask.
        self.options = options or {}

    def progress(self, fraction: float, message: Text | None = None) -> None:
        self.check_cancelled()
        self._progress(min(max(fraction, 0.0), 1.0), message)

    def ask(self, prompt: Prompt) -> str:
        """Shows the prompt and blocks this worker (never the UI) until the operator answers."""
        return self._ask(prompt)

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Waits, but wakes at once when the job is cancelled."""
        if self.cancelled.wait(seconds):
            raise Cancelled()

    def wait_until(self, predicate: Callable[[], bool], poll: float = 0.1) -> None:
        while not predicate():
            self.sleep(poll)


class Step(ABC):
    """One unit of work on a device. Subclasses set `id`, `title` and `kind`."""

    id: str
    title: Text
    kind: StepKind = StepKind.AUTOMATED
    weight: float = 1.0

    @abstractmethod
    def run(self, ctx: StepContext) -> StepOutcome: ...


@dataclass(frozen=True)
class Pipeline:
    """A named, ordered list of steps for one kind of device."""

    name: str
    title: Text
    kinds: frozenset[DeviceKind]
    build: Callable[[], Sequence[Step]]
    stage_on_success: DeviceStage | None = None
    # The driver the steps need (e.g. an ADB phone); None: any device of these kinds.
    requires: type | None = None
    # The steps find the device again by themselves (a phone moving between Android, its
    # bootloader and its recovery): a resume may start while the station does not see it.
    finds_device: bool = False
    # What the pipeline does (tests, erases, installs): every definition must say it.
    purpose: Purpose = field(kw_only=True)
    # The state the device must be in, beyond its driver (e.g. a phone in trade-in mode).
    fits: Callable[[object], bool] | None = field(default=None, kw_only=True)

    def accepts(self, device: object) -> bool:
        if self.requires is not None and not isinstance(device, self.requires):
            return False
        return self.fits is None or self.fits(device)

    def steps(self) -> list[Step]:
        steps = list(self.build())
        ids = [s.id for s in steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"pipeline {self.name} repeats a step id")
        return steps


class PipelineRegistry:
    def __init__(self) -> None:
        self._pipelines: dict[str, Pipeline] = {}

    def register(self, pipeline: Pipeline) -> Pipeline:
        self._pipelines[pipeline.name] = pipeline
        return pipeline

    def get(self, name: str) -> Pipeline | None:
        return self._pipelines.get(name)

    def all(self) -> list[Pipeline]:
        return list(self._pipelines.values())

    def for_kind(self, kind: DeviceKind) -> list[Pipeline]:
        return [p for p in self._pipelines.values() if kind in p.kinds]

    def for_device(self, kind: DeviceKind, handle: object) -> list[Pipeline]:
        """The pipelines that can run on this connected device, most specific first."""
        fitting = [p for p in self.for_kind(kind) if p.accepts(handle)]
        return sorted(fitting, key=lambda p: p.requires is None)

    def for_purpose(self, kind: DeviceKind, handle: object, purpose: Purpose) -> list[Pipeline]:
        """The pipelines with that purpose (e.g. the erasure) that can run on this device."""
        return [p for p in self.for_device(kind, handle) if p.purpose is purpose]
