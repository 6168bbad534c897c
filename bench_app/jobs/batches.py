"""Batches: the same wipe-then-install started on several phones of one model at once.

Each phone keeps its own jobs (its own worker, its own progress, the engine's cap on
parallel jobs): first its verified wipe (`phone.wipe`), then, only once that wipe is
verified, the installation of the chosen system (`phone.install`). A small chain thread per
phone waits for its wipe and starts its installation, so one phone that fails stops nobody
else. `Batch.summary()` says, at any moment, which phones are done, which failed (and why),
which wait for the operator and which are running.

Batch membership travels with the jobs themselves: both jobs of a phone carry the batch's
id, size and system in their options (recorded in `job.created`), so the history can tell
which phones were done together, with no new fact type.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.domain.model import JOB_STATE_LABELS, Device, DeviceKind, JobState
from bench_app.errors import BenchError
from bench_app.jobs.steps import Purpose
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.jobs.engine import Job as RunningJob
    from bench_app.profiles.loader import ProfileSet
    from bench_app.station import Station

log = logging.getLogger(__name__)

PHONE_KINDS = (DeviceKind.PHONE, DeviceKind.TABLET)
# After its wipe, a phone may still be reconnecting when its installation starts.
REPLUG_WAIT_S = 120.0
WIPE, INSTALL = "wipe", "install"


class MemberState(StrEnum):
    """Where one phone of a batch stands, as the summary counts it."""

    RUNNING = "running"
    WAITING = "waiting"  # a question waits for the operator
    DONE = "done"  # wiped, verified, and the new system runs
    FAILED = "failed"  # stopped: `why` says what happened and what to do


@dataclass
class BatchMember:
    """One phone of a batch: its current job and, once it ended, how and why."""

    device_id: str
    asset_code: str
    phase: str = WIPE
    job: RunningJob | None = None
    job_ids: list[str] = field(default_factory=list)
    ended: MemberState | None = None
    why: Text | None = None

    @property
    def state(self) -> MemberState:
        if self.ended is not None:
            return self.ended
        job = self.job
        if job is not None and job.state is JobState.WAITING_OPERATOR:
            return MemberState.WAITING
        return MemberState.RUNNING


@dataclass(frozen=True)
class BatchSummary:
    """The batch at one moment: asset codes by state; the failed ones with why."""

    done: tuple[str, ...]
    failed: tuple[tuple[str, Text], ...]
    waiting: tuple[str, ...]
    running: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.done) + len(self.failed) + len(self.waiting) + len(self.running)

    @property
    def finished(self) -> bool:
        """Every phone ended (done or failed)."""
        return not self.waiting and not self.running

    def to_json(self) -> dict[str, Any]:
        return {
            "done": list(self.done),
            "failed": [{"asset": a, "why": why.to_json()} for a, why in self.failed],
            "waiting": list(self.waiting),
            "running": list(self.running),
        }


def resolve_system(
    folder: Path, device: Device, wanted: str, profiles: ProfileSet | None = None
) -> str:
    """The profile's system id for what was typed (an id like `eos`, or a name like /e/OS);
    BenchError when the model has no profile, needs another tool, or lacks that system.
    `profiles`: the station's profiles already loaded (loading them takes a moment)."""
    from bench_app.profiles.loader import load_station_profiles, other_tool_error

    codename = str(device.details.get("codename") or device.details.get("device") or "")
    loaded = profiles if profiles is not None else load_station_profiles(folder)
    profile = loaded.for_codename(codename)
    if profile is None:
        raise BenchError("PROFILE_UNKNOWN", codename=codename or "?")
    if not profile.installable:
        raise other_tool_error(profile)
    typed = wanted.strip().casefold()
    for option in profile.operating_systems:
        if typed in (option.id.casefold(), option.name.casefold()):
            return option.id
    raise BenchError("INSTALL_OS_UNKNOWN", os=wanted, model=profile.label)


def same_model_key(device: Device) -> tuple[str, str]:
    """What makes two phones "the same model" for a batch: brand and model, as read."""
    return (device.brand.strip().casefold(), device.model.strip().casefold())


class Batch:
    """A wipe-then-install running on several phones; see the module's docstring."""

    def __init__(
        self,
        station: Station,
        devices: Sequence[Device],
        system: str,
        *,
        wipe_route: str = "recovery",
        batch_id: str | None = None,
    ) -> None:
        self.station = station
        self.id = batch_id or uuid7_str()
        self.system = system
        self.wipe_route = wipe_route
        self.model = devices[0].label if devices else ""
        self.members = {d.id: BatchMember(d.id, d.asset_code) for d in devices}
        self._imeis = {d.id: d.imei for d in devices}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # -- starting --------------------------------------------------------------------------

    def start(self) -> None:
        """Starts every phone's chain (wipe, then install) in its own thread."""
        for member in self.members.values():
            thread = threading.Thread(
                target=self._chain, args=(member,), name=f"batch-{member.asset_code}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _options(self, device_id: str) -> dict[str, Any]:
        options: dict[str, Any] = {
            "batch": {"id": self.id, "size": len(self.members), "system": self.system}
        }
        if self._imeis.get(device_id):
            options["imei"] = self._imeis[device_id]  # known already: not asked again
        return options

    def _chain(self, member: BatchMember) -> None:
        try:
            wiped = self._run(member, WIPE, {"wipe_route": self.wipe_route})
            if wiped is None:
                return
            if not self.station.journey(member.device_id).erasure_verified:
                self._end(member, MemberState.FAILED, BenchError("BATCH_WIPE_NOT_VERIFIED"))
                return
            if self._run(member, INSTALL, {"os": self.system}) is None:
                return
            self._end(member, MemberState.DONE, None)
        except Exception as exc:  # the station closed under it, or a store failure
            log.exception("batch %s: phone %s stopped", self.id, member.asset_code)
            error = exc if isinstance(exc, BenchError) else BenchError("INTERNAL_BATCH")
            self._end(member, MemberState.FAILED, error)

    def _run(self, member: BatchMember, phase: str, extra: dict[str, Any]) -> RunningJob | None:
        """Starts the phase's job and waits for it; None when it did not succeed (the
        member is then ended as failed, with the job's own message)."""
        if self._stop.is_set():
            self._end(member, MemberState.FAILED, BenchError("BATCH_STOPPED"))
            return None
        purpose = Purpose.ERASES if phase == WIPE else Purpose.INSTALLS
        job = self._start_when_plugged(
            member, purpose, {**self._options(member.device_id), **extra}
        )
        if job is None:
            return None
        with self._lock:
            member.phase, member.job = phase, job
            member.job_ids.append(job.id)
        thread = job.thread
        while thread is not None and thread.is_alive():
            thread.join(0.2)
        if job.state is not JobState.SUCCEEDED:
            why = job.message or JOB_STATE_LABELS[job.state]
            self._end(member, MemberState.FAILED, why)
            return None
        return job

    def _start_when_plugged(
        self, member: BatchMember, purpose: Purpose, options: dict[str, Any]
    ) -> RunningJob | None:
        """Starts the job; a phone still reconnecting after its wipe's restart is waited for
        (up to REPLUG_WAIT_S). A refusal ends the member as failed, with why."""
        deadline = time.monotonic() + REPLUG_WAIT_S
        while True:
            try:
                return self.station.start_job(member.device_id, purpose=purpose, options=options)
            except BenchError as exc:
                again = exc.code in ("JOB_DEVICE_ABSENT", "JOB_BUSY")
                if not again or time.monotonic() >= deadline or self._stop.wait(0.2):
                    self._end(member, MemberState.FAILED, exc)
                    return None

    def _end(self, member: BatchMember, state: MemberState, why: BenchError | Text | None) -> None:
        if isinstance(why, BenchError):
            why = Text(f"{why.message.fr} {why.action.fr}", f"{why.message.en} {why.action.en}")
        with self._lock:
            member.ended, member.why = state, why

    # -- reading ---------------------------------------------------------------------------

    def summary(self) -> BatchSummary:
        """Which phones are done, failed (with why), waiting for the operator, running."""
        with self._lock:
            members = list(self.members.values())
            states = [(m, m.state) for m in members]
        return BatchSummary(
            done=tuple(m.asset_code for m, s in states if s is MemberState.DONE),
            failed=tuple(
                (m.asset_code, m.why or Text("Arrêté.", "Stopped."))
                for m, s in states
                if s is MemberState.FAILED
            ),
            waiting=tuple(m.asset_code for m, s in states if s is MemberState.WAITING),
            running=tuple(m.asset_code for m, s in states if s is MemberState.RUNNING),
        )

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for every phone's chain to end; True when all ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)
        return not any(t.is_alive() for t in self._threads)

    def halt(self) -> None:
        """No new job starts (the station is closing: the jobs under way end with it)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        """No new job starts; the jobs under way are cancelled (resumable one by one)."""
        self.halt()
        for member in self.members.values():
            job = member.job
            if job is not None:
                self.station.cancel_job(job.id)
        self.wait(timeout)


def prepare_batch(
    station: Station,
    device_ids: Sequence[str],
    system: str,
    profiles: ProfileSet | None = None,
) -> tuple[list[Device], str]:
    """Checks a batch before anything starts: at least one phone, each plugged in with no
    job running, all the same model, and `system` listed in that model's profile. Returns
    the devices and the system's id; BenchError saying what is wrong otherwise."""
    ids = list(dict.fromkeys(device_ids))
    if not ids:
        raise BenchError("BATCH_EMPTY")
    devices: list[Device] = []
    for device_id in ids:
        device = station.device(device_id)
        if device is None:
            raise BenchError("ASSET_CODE_UNKNOWN", code=device_id)
        if device.kind not in PHONE_KINDS:
            raise BenchError("BATCH_NOT_A_PHONE", asset=device.asset_code)
        handle = station.handle(device.id)
        if handle is None or not handle.connected:
            raise BenchError("JOB_DEVICE_ABSENT", asset=device.asset_code)
        if station.engine.job_for_device(device.id) is not None:
            raise BenchError("BATCH_DEVICE_BUSY", asset=device.asset_code)
        devices.append(device)
    models = {same_model_key(d) for d in devices}
    if len(models) > 1:
        raise BenchError("BATCH_MIXED_MODELS", models=", ".join(sorted({d.label for d in devices})))
    os_id = resolve_system(station.folder, devices[0], system, profiles)
    return devices, os_id


def start_batch(
    station: Station,
    device_ids: Sequence[str],
    system: str,
    *,
    wipe_route: str = "recovery",
    profiles: ProfileSet | None = None,
) -> Batch:
    """Checks the batch (`prepare_batch`), then starts each phone's wipe; each verified
    wipe is followed by the installation of `system` on that phone."""
    devices, os_id = prepare_batch(station, device_ids, system, profiles)
    batch = Batch(station, devices, os_id, wipe_route=wipe_route)
    batch.start()
    return batch
