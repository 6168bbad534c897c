"""The job engine: one worker thread per device, a global cap on parallel jobs, every step
recorded as an event, cooperative cancel, and resume after an interruption.

A job is two-phase: `prepare()` refuses with a reason before any thread starts, `run()`
does the work in the worker thread.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench_app.devices.source import DeviceGone, DeviceHandle, DeviceNoAnswer
from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Cancelled, Prompt
from bench_app.jobs.steps import Pipeline, Step, StepContext, StepOutcome
from bench_app.store.database import STORAGE_ERRORS, NewEvent
from bench_app.text import Text

log = logging.getLogger(__name__)

Recorder = Callable[[Sequence[NewEvent]], None]


class JobListener(Protocol):
    """Plain callbacks, called from worker threads; the UI adapter turns them into signals."""

    def job_state(
        self, job_id: str, device_id: str, state: JobState, message: Text | None
    ) -> None: ...

    def job_progress(
        self, job_id: str, device_id: str, fraction: float, step: Text, message: Text | None
    ) -> None: ...

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None: ...


class NullListener:
    def job_state(self, job_id: str, device_id: str, state: JobState, message: Text | None) -> None:
        pass

    def job_progress(
        self, job_id: str, device_id: str, fraction: float, step: Text, message: Text | None
    ) -> None:
        pass

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        pass


@dataclass
class JobSpec:
    """Everything a job needs, gathered by the station before the job is prepared."""

    job_id: str
    device_id: str
    asset_code: str
    pipeline: Pipeline
    device: DeviceHandle
    resume: bool = False
    finished: dict[str, StepOutcome] = field(default_factory=dict)
    # Choices made before the job started (a headless run's answers), kept in job.created.
    options: dict[str, Any] = field(default_factory=dict)
    # This job's earlier facts of a type (payloads, oldest first), for a resumed step.
    recall: Callable[[str], list[dict[str, Any]]] = lambda event_type: []


class Job:
    def __init__(
        self,
        spec: JobSpec,
        recorder: Recorder,
        listener: JobListener,
        slots: threading.Semaphore,
    ) -> None:
        self.spec = spec
        self.id = spec.job_id
        self.device_id = spec.device_id
        self._record = recorder
        self._listener = listener
        self._slots = slots
        self.cancelled = threading.Event()
        self.before_start: list[NewEvent] = []
        self.stopping_station = False
        self.state = JobState.QUEUED
        self.prompt: Prompt | None = None
        self.fraction = 0.0
        self.step_title: Text | None = None  # the step at work, for whoever shows progress
        self.message: Text | None = None  # its latest message, or why the job ended
        self.steps: list[Step] = []
        self.thread: threading.Thread | None = None
        self.current: Step | None = None
        # The last step recorded as finished, in this run or before an interruption.
        self.last_done: str | None = next(
            (sid for sid in reversed(list(spec.finished)) if sid), None
        )

    # -- phase one -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Checks everything that can be checked before work starts; raises BenchError."""
        pipeline = self.spec.pipeline
        if self.spec.device.kind not in pipeline.kinds or not pipeline.accepts(self.spec.device):
            raise BenchError("JOB_UNKNOWN_PIPELINE", pipeline=pipeline.name)
        if not self.spec.device.connected and not pipeline.finds_device:
            raise BenchError("JOB_DEVICE_ABSENT", asset=self.spec.asset_code)
        self.steps = pipeline.steps()
        unknown = set(self.spec.finished) - {s.id for s in self.steps}
        if unknown:
            raise BenchError("JOB_NOT_RESUMABLE", state="steps changed: " + ", ".join(unknown))

    # -- phase two -------------------------------------------------------------------------

    def run(self) -> JobState:
        """Does the work; returns the final state. Never raises."""
        results = dict(self.spec.finished)
        try:
            self._record(self.before_start)
        except Exception:
            log.exception("job %s could not be recorded; it does not start", self.id)
            self._set_state(
                JobState.FAILED,
                Text(
                    "Le poste n’a pas pu enregistrer la tâche.",
                    "The station could not record the job.",
                ),
            )
            return JobState.FAILED
        try:
            self._set_state(JobState.QUEUED)
            while not self._slots.acquire(timeout=0.1):
                if self.cancelled.is_set():
                    raise Cancelled()
            try:
                return self._run_steps(results)
            finally:
                self._slots.release()
        except Cancelled:
            return self._end_cancelled()
        except BenchError as exc:
            if exc.code not in STORAGE_ERRORS:
                log.exception("job %s could not go on", self.id)
                return self._end_failed("INTERNAL", Text("Erreur interne", "Internal error"), exc)
            # The data folder failed (full disk, gone): the job stops where it is, resumable.
            return self._end_interrupted(exc.code, _told(exc))
        except Exception as exc:  # recorder failure while queued: keep the worker alive
            log.exception("job %s could not start", self.id)
            return self._end_failed("INTERNAL", Text("Erreur interne", "Internal error"), exc)

    def _run_steps(self, results: dict[str, StepOutcome]) -> JobState:
        self._emit(NewEvent("job.started", {"job_id": self.id}, self.device_id))
        self._set_state(JobState.RUNNING)
        total = sum(s.weight for s in self.steps) or 1.0
        done_weight = sum(s.weight for s in self.steps if s.id in results)
        for step in self.steps:
            if step.id in results:
                continue
            self.current = step
            base = done_weight / total
            share = step.weight / total

            def progress(
                fraction: float,
                message: Text | None,
                _s: Step = step,
                _base: float = base,
                _share: float = share,
            ) -> None:
                self.fraction = _base + _share * fraction
                self.step_title, self.message = _s.title, message
                self._listener.job_progress(
                    self.id, self.device_id, self.fraction, _s.title, message
                )

            ctx = StepContext(
                self.id,
                self.spec.device,
                progress,
                self._ask,
                self.cancelled,
                results,
                record=self._record_fact,
                recall=self.spec.recall,
                options=self.spec.options,
            )
            try:
                self._emit(
                    NewEvent(
                        "step.started",
                        {"job_id": self.id, "step_id": step.id, "kind": step.kind.value},
                        self.device_id,
                    )
                )
                progress(0.0, None)
                outcome = step.run(ctx)
                ctx.processes.stop_all()
            except Cancelled:
                ctx.processes.stop_all()
                raise
            except (DeviceGone, DeviceNoAnswer) as exc:
                ctx.processes.stop_all()
                code = "DEVICE_GONE" if isinstance(exc, DeviceGone) else "DEVICE_NO_ANSWER"
                err = BenchError(code, step=step.title, detail=str(exc) or code)
                # The operator reads the short form; the device's own words stay recorded.
                self._step_failed(step, code, err.short, str(exc))
                return self._end_interrupted(code, err.short)
            except BenchError as exc:
                ctx.processes.stop_all()
                self._step_failed(step, exc.code, exc.message, short=exc.short)
                if exc.code in STORAGE_ERRORS:  # the step was sound; the data folder failed
                    return self._end_interrupted(exc.code, _told(exc))
                # The job's message says what went wrong and what to do next; the window
                # shows its short form first.
                return self._end_failed(exc.code, _told(exc), None, exc.short)
            except Exception:
                ctx.processes.stop_all()
                log.exception("step %s of job %s crashed", step.id, self.id)
                # The exception's words are in the log and the recorded trace, not on screen.
                message = Text(
                    "Erreur interne : appelez votre encadrant.",
                    "Internal error: call your supervisor.",
                )
                self._step_failed(step, "INTERNAL", message, traceback.format_exc())
                return self._end_failed("INTERNAL", message, None)
            finished = NewEvent(
                "step.finished",
                {
                    "job_id": self.id,
                    "step_id": step.id,
                    "status": outcome.status.value,
                    "summary": outcome.summary.to_json(),
                    "evidence": outcome.evidence,
                    "blocking": outcome.blocking,
                },
                self.device_id,
            )
            facts = [
                NewEvent(t, {"device_id": self.device_id, "job_id": self.id, **p}, self.device_id)
                for t, p in outcome.facts
            ]
            self._emit_all([*facts, finished])
            results[step.id] = outcome
            done_weight += step.weight
            self.fraction = done_weight / total
            self._listener.job_progress(
                self.id, self.device_id, self.fraction, step.title, outcome.summary
            )
            if outcome.blocking:
                self._emit(
                    NewEvent(
                        "job.finished",
                        {
                            "job_id": self.id,
                            "state": JobState.BLOCKED.value,
                            "message": outcome.summary.to_json(),
                        },
                        self.device_id,
                    )
                )
                self._set_state(JobState.BLOCKED, outcome.summary)
                return JobState.BLOCKED
        self.current = None
        self._emit(
            NewEvent(
                "job.finished",
                {"job_id": self.id, "state": JobState.SUCCEEDED.value},
                self.device_id,
            )
        )
        self._set_state(JobState.SUCCEEDED)
        return JobState.SUCCEEDED

    # -- the operator ----------------------------------------------------------------------

    def _ask(self, prompt: Prompt) -> str:
        self.prompt = prompt
        self._set_state(JobState.WAITING_OPERATOR)
        self._listener.job_prompt(self.id, self.device_id, prompt)
        try:
            return prompt.wait(self.cancelled)
        finally:
            self.prompt = None
            self._listener.job_prompt(self.id, self.device_id, None)
            if not self.cancelled.is_set():
                self._set_state(JobState.RUNNING)

    def cancel(self, *, station_stopping: bool = False) -> None:
        self.stopping_station = station_stopping
        self.cancelled.set()

    # -- endings ---------------------------------------------------------------------------

    def _step_failed(
        self, step: Step, code: str, message: Text, trace: str = "", short: Text | None = None
    ) -> None:
        payload = {
            "job_id": self.id,
            "step_id": step.id,
            "code": code,
            "message": message.to_json(),
        }
        if short is not None and short != message:
            payload["short"] = short.to_json()  # at most 12 words, for the operator
        if trace:
            payload["trace"] = trace[-4000:]
        self._safe_emit(NewEvent("step.failed", payload, self.device_id))

    def _end_interrupted(self, reason: str, message: Text) -> JobState:
        self._safe_emit(
            NewEvent(
                "job.interrupted",
                {
                    "job_id": self.id,
                    "reason": reason,
                    "last_finished_step": self.last_done,
                    "message": message.to_json(),
                },
                self.device_id,
            )
        )
        self._set_state(JobState.INTERRUPTED, message)
        return JobState.INTERRUPTED

    def _end_cancelled(self) -> JobState:
        if self.stopping_station:
            return self._end_interrupted(
                "STATION_STOPPED",
                Text("Établi a été fermé pendant la tâche.", "Établi was closed during the job."),
            )
        self._safe_emit(NewEvent("job.cancelled", {"job_id": self.id}, self.device_id))
        self._set_state(JobState.CANCELLED)
        return JobState.CANCELLED

    def _end_failed(
        self, code: str, message: Text, exc: BaseException | None, short: Text | None = None
    ) -> JobState:
        payload: dict[str, Any] = {"job_id": self.id, "code": code, "message": message.to_json()}
        if short is not None and short != message:
            payload["short"] = short.to_json()  # at most 12 words, for the operator
        self._safe_emit(NewEvent("job.failed", payload, self.device_id))
        self._set_state(JobState.FAILED, message)
        return JobState.FAILED

    def _record_fact(self, event_type: str, payload: dict[str, Any]) -> None:
        """A fact a step establishes while it runs (a checkpoint), recorded at once."""
        self._emit(
            NewEvent(
                event_type,
                {"job_id": self.id, "device_id": self.device_id, **payload},
                self.device_id,
            )
        )

    def _emit(self, event: NewEvent) -> None:
        self._emit_all([event])

    def _emit_all(self, events: list[NewEvent]) -> None:
        """Records events in one transaction (a step's facts stand or fall with its result)."""
        self._record(events)
        for event in events:
            if event.type == "step.finished":
                self.last_done = event.payload["step_id"]

    def _safe_emit(self, event: NewEvent) -> None:
        try:
            self._emit(event)
        except BenchError as exc:
            if exc.code not in STORAGE_ERRORS:
                log.exception("could not record %s for job %s", event.type, self.id)
            else:  # the job's own message says it; the next start marks the job interrupted
                log.info("could not record %s for job %s: %s", event.type, self.id, exc)
        except Exception:  # the store itself failed: the state stays active and recovery sees it
            log.exception("could not record %s for job %s", event.type, self.id)

    def _set_state(self, state: JobState, message: Text | None = None) -> None:
        self.state = state
        if message is not None or not state.active:
            self.message = message
        self._listener.job_state(self.id, self.device_id, state, message)


def _told(exc: BenchError) -> Text:
    """What went wrong and what to do next, as one message."""
    return Text(f"{exc.message.fr} {exc.action.fr}", f"{exc.message.en} {exc.action.en}")


class JobEngine:
    """Starts jobs in their own threads, at most `max_parallel` working at once."""

    def __init__(
        self, recorder: Recorder, max_parallel: int, listener: JobListener | None = None
    ) -> None:
        self._record = recorder
        self.listener: JobListener = listener or NullListener()
        self._slots = threading.Semaphore(max_parallel)
        self.max_parallel = max_parallel
        self._jobs: dict[str, Job] = {}
        self._by_device: dict[str, Job] = {}
        # Re-entrant: recording job.created notifies listeners that may ask about jobs.
        self._lock = threading.RLock()

    def submit(self, spec: JobSpec, before_start: Sequence[NewEvent]) -> Job:
        """Prepares the job (raising BenchError to refuse) and starts its worker thread,
        which first records `before_start` (job.created or job.resumed)."""
        with self._lock:
            if spec.device_id in self._by_device:
                raise BenchError("JOB_BUSY")
            job = Job(spec, self._record, self.listener, self._slots)
            job.prepare()
            if spec.resume:
                job.last_done = next(
                    (s.id for s in reversed(job.steps) if s.id in spec.finished), None
                )
            # Recorded by the worker: the caller (often the UI thread) never waits for the
            # store while other jobs are writing.
            job.before_start = list(before_start)
            self._jobs[job.id] = job
            self._by_device[spec.device_id] = job
            job.thread = threading.Thread(
                target=self._work, args=(job,), name=f"job-{spec.asset_code}", daemon=True
            )
            job.thread.start()
        return job

    def _work(self, job: Job) -> None:
        try:
            job.run()
        finally:
            with self._lock:
                self._jobs.pop(job.id, None)
                if self._by_device.get(job.device_id) is job:
                    del self._by_device[job.device_id]

    def job(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def job_for_device(self, device_id: str) -> Job | None:
        with self._lock:
            return self._by_device.get(device_id)

    def active(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> bool:
        job = self.job(job_id)
        if job is None:
            return False
        job.cancel()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for every running job; True when none is left."""
        for job in self.active():
            if job.thread is not None:
                job.thread.join(timeout)
        return not self.active()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stops every job; they are recorded as interrupted, so they can be resumed."""
        for job in self.active():
            job.cancel(station_stopping=True)
        self.wait(timeout)
