"""The current state is derived from the events alone: rebuilding it from the log gives
exactly what was maintained live."""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from bench_app.devices.android.keys import station_signer
from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import (
    DeviceKind,
    DeviceStage,
    DonorKind,
    JobState,
    OutcomeKind,
    PreSort,
)
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.migrations import PROJECTION_TABLES
from tests.unit.support import (
    BEHAVIOURS,
    HEALTHY,
    LOCKED,
    SHORT,
    UNPLUGGED_MID_STEP,
    WORN_BATTERY,
    Listener,
    device_for,
    finish,
    outcome_in_log,
    plug_phone,
    replug,
    short_check,
    wait_for,
)


def _grade(station: Station, device_id: str, functional: str, cosmetic: int) -> None:
    station.store.record(
        [
            NewEvent(
                "grade.assigned",
                {
                    "device_id": device_id,
                    "functional": functional,
                    "cosmetic": cosmetic,
                    "workshop_grade": f"{functional}{cosmetic}",
                    "reasons": ["rayure"] if cosmetic < 7 else [],
                },
                device_id,
            )
        ],
        operator=station.operator,
        training=False,
    )


def _rebuilds_identically(station: Station) -> dict[str, list[tuple[Any, ...]]]:
    live = queries.projection_snapshot(station.store)
    count = station.store.rebuild_projections()
    assert count == station.store.query_one("SELECT count(*) FROM events")[0]  # type: ignore[index]
    rebuilt = queries.projection_snapshot(station.store)
    for table in PROJECTION_TABLES:
        assert rebuilt[table] == live[table], table
    return live


def test_realistic_day_rebuilds_to_the_same_state(
    station: Station, sim_source: SimulatedSource, tmp_path: Path
) -> None:
    listener = Listener(answer=lambda p: "not_ok" if len(p.choices) == 2 else "not_present")
    station.set_job_listener(listener)
    station.pipelines.register(short_check())
    station.attach_source(sim_source)

    mairie = station.register_donor("Mairie de Lyon", DonorKind.PUBLIC_BODY, "dsi@lyon.fr")
    asso = station.register_donor("Emmaüs Connect", DonorKind.ASSOCIATION)
    lot_a = station.register_lot(mairie, date(2026, 3, 2), "CONV-2026-07", 12)
    lot_b = station.register_lot(asso, expected_count=None)

    laptops = [
        station.register_device(
            DeviceKind.LAPTOP, brand="Lenovo", model="T480", serial=f"PF{i}", lot_id=lot_a
        )
        for i in range(3)
    ]
    station.presort(laptops[0].id, PreSort.REUSE)
    station.presort(laptops[1].id, PreSort.SPARE_PARTS)
    station.presort(laptops[1].id, PreSort.E_WASTE)
    station.attach_to_lot(laptops[2].id, lot_b)

    healthy, healthy_dev = _plug(station, sim_source, HEALTHY)
    worn = _plug(station, sim_source, WORN_BATTERY)[1]
    locked = _plug(station, sim_source, LOCKED)[1]
    flaky, flaky_dev = _plug(station, sim_source, UNPLUGGED_MID_STEP)
    station.attach_to_lot(healthy_dev.id, lot_b)
    drive = device_for(station, sim_source.add_drive("hdd-sata-500"))

    jobs = {d.id: station.start_job(d.id, SHORT) for d in (healthy_dev, worn, locked, flaky_dev)}
    # The simulated drive is erased headless: its method and serial are given.
    erase = {"method": "clear-zero", "confirm_serial": drive.serial[-4:]}
    jobs[drive.id] = station.start_job(drive.id, "drive.erase", erase)
    states = {device_id: finish(job) for device_id, job in jobs.items()}
    assert states[locked.id] is JobState.BLOCKED
    assert states[flaky_dev.id] is JobState.INTERRUPTED
    assert states[healthy_dev.id] is JobState.SUCCEEDED

    # The interrupted phone comes back and its job resumes; then a second run is cancelled
    # and abandoned.
    replug(station, sim_source, flaky.key, flaky_dev.id)
    assert finish(station.resume_job(jobs[flaky_dev.id].id)) is JobState.SUCCEEDED
    waiting = Listener()
    station.set_job_listener(waiting)
    wait_for(lambda: station.engine.job_for_device(healthy_dev.id) is None, "a free device")
    second = station.start_job(healthy_dev.id, SHORT)
    waiting.next_prompt()
    station.cancel_job(second.id)
    assert finish(second) is JobState.CANCELLED
    station.abandon_job(second.id)

    # A phone changes identity (new system) when plugged again.
    identity = sim_source.simulator(healthy.key).persona
    sim_source.unplug(healthy.key)
    device_for(
        station,
        sim_source.add_adb_phone(
            "google-pixel-6", serial=identity.serial, imei=identity.imei, accept_delay=0.0
        ),
    )

    # A drive from a laptop is docked and erased.
    image = tmp_path / "WD-WX41A8NK2ZL1.img"
    image.write_bytes(os.urandom(4 << 20))
    docked = station.device_connected(DriveHandle(str(image)))
    erasure = station.start_job(
        docked.id, "drive.erase", {"method": "clear-zero", "confirm_serial": "2ZL1"}
    )
    assert finish(erasure) is JobState.SUCCEEDED

    _grade(station, healthy_dev.id, "A", 8)
    _grade(station, healthy_dev.id, "B", 6)  # regraded
    _grade(station, worn.id, "C", 4)
    outcome_in_log(station, healthy_dev.id, OutcomeKind.DONATION, "BON-0042", "pour l’école")
    station.record_outcome(worn.id, OutcomeKind.SPARE_PARTS)
    station.give_part(worn.id, "batterie", healthy_dev.asset_code)  # a part, given on
    station.record_outcome(laptops[1].id, OutcomeKind.RECYCLING, "ECO-BSD-0001")
    # The erased drive is lent, then comes back (a loan of its own, closed by its return).
    due = (date.today() + timedelta(days=30)).isoformat()
    station.record_outcome(drive.id, OutcomeKind.LOAN, beneficiary="DOS-0007", due_on=due)
    station.return_device(drive.id, "boîtier rayé", "worn")
    outcome_in_log(station, laptops[0].id, OutcomeKind.LOAN)  # out on loan: is_out

    live = _rebuilds_identically(station)
    for table in PROJECTION_TABLES:
        assert live[table], f"the workload left {table} empty"
    assert queries.device(station.store, healthy_dev.id).stage is DeviceStage.DONE  # type: ignore[union-attr]
    assert queries.device(station.store, docked.id).stage is DeviceStage.ERASED  # type: ignore[union-attr]
    job_states = {r[0] for r in station.store.query("SELECT state FROM jobs")}
    assert {"succeeded", "blocked", "abandoned"} <= job_states
    assert station.store.check().ok


def test_rebuild_after_reopening(data_dir: Path, sim_source: SimulatedSource) -> None:
    """The state derived by one station session rebuilds the same in the next one."""
    first = Station(data_dir, operator="a")
    try:
        first.set_job_listener(Listener(answer="ok"))
        first.pipelines.register(short_check())
        first.attach_source(sim_source)
        device = _plug(first, sim_source, HEALTHY)[1]
        assert finish(first.start_job(device.id, SHORT)) is JobState.SUCCEEDED
        before = queries.projection_snapshot(first.store)
    finally:
        first.close()
    second = Station(data_dir, operator="b")
    try:
        assert _rebuilds_identically(second) == before
    finally:
        second.close()


def _plug(
    station: Station, source: SimulatedSource, behaviour: tuple[str, dict[str, Any]]
) -> tuple[Any, Any]:
    persona, flags = behaviour
    return plug_phone(station, source, persona, **flags)


# -- random sequences of station operations ------------------------------------------------

NAMES = st.sampled_from(["Mairie", "Emmaüs", "Lycée Jean Moulin", "ACME SA", "Mme Dupont"])
# A phone model, and a behaviour (a persona with fault flags) that may replace it.
PHONES = st.sampled_from(
    [
        "fairphone-4",
        "google-pixel-6",
        "samsung-galaxy-s9",
        "xiaomi-redmi-5a",
        "motorola-moto-e5-plus",
    ]
)


class StationOperations(RuleBasedStateMachine):
    """Whatever the operators do, in whatever order, the state rebuilds identically."""

    donors = Bundle("donors")
    lots = Bundle("lots")
    devices = Bundle("devices")
    interrupted = Bundle("interrupted")

    @initialize()
    def open_station(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.station = Station(Path(self._tmp.name), operator="hypothesis")
        self.station.set_job_listener(Listener(answer=self._answer))
        self.station.pipelines.register(short_check())
        self.source = SimulatedSource(
            SimulationMode.TEST,
            Timing(scale=0.005),
            adb_signer=station_signer(Path(self._tmp.name)),
        )
        self.station.attach_source(self.source)
        self.answers = iter(["ok", "not_ok", "ok", "not_present"] * 1000)
        self.keys: dict[str, str] = {}

    def _answer(self, prompt: Any) -> str:
        answer = next(self.answers)
        return answer if answer in {c.key for c in prompt.choices} else "ok"

    def teardown(self) -> None:
        station = getattr(self, "station", None)
        if station is not None:
            station.close()
            self._tmp.cleanup()

    @rule(target=donors, name=NAMES, kind=st.sampled_from(list(DonorKind)))
    def donor(self, name: str, kind: DonorKind) -> str:
        return self.station.register_donor(name, kind)

    @rule(target=lots, donor=donors, count=st.one_of(st.none(), st.integers(0, 50)))
    def lot(self, donor: str, count: int | None) -> str:
        return self.station.register_lot(donor, expected_count=count)

    @rule(
        target=devices,
        kind=st.sampled_from([DeviceKind.LAPTOP, DeviceKind.DESKTOP, DeviceKind.TABLET]),
        lot=st.one_of(st.none(), lots),
        training=st.booleans(),
    )
    def register(self, kind: DeviceKind, lot: str | None, training: bool) -> str:
        return self.station.register_device(kind, brand="X", lot_id=lot, training=training).id

    @rule(target=devices, model=PHONES, behaviour=st.sampled_from(range(len(BEHAVIOURS))))
    def plug_phone(self, model: str, behaviour: int) -> str:
        persona, flags = BEHAVIOURS[behaviour]
        # A healthy phone of any model; the other behaviours come with their own persona.
        phone, device = plug_phone(
            self.station,
            self.source,
            model if BEHAVIOURS[behaviour] is HEALTHY else persona,
            **flags,
        )
        self.keys[device.id] = phone.key
        return device.id

    @rule(device=devices, lot=lots)
    def attach(self, device: str, lot: str) -> None:
        self.station.attach_to_lot(device, lot)

    @rule(device=devices, choice=st.sampled_from(list(PreSort)))
    def presort(self, device: str, choice: PreSort) -> None:
        self.station.presort(device, choice)

    @rule(device=devices, kind=st.sampled_from(list(OutcomeKind)))
    def outcome(self, device: str, kind: OutcomeKind) -> None:
        outcome_in_log(self.station, device, kind, "ECO-1" if kind is OutcomeKind.RECYCLING else "")

    @rule(device=devices, functional=st.sampled_from("ABCD"), cosmetic=st.integers(0, 9))
    def grade(self, device: str, functional: str, cosmetic: int) -> None:
        _grade(self.station, device, functional, cosmetic)

    @rule(target=interrupted, device=devices)
    def run_job(self, device: str) -> str:
        handle = self.station.handle(device)
        if handle is None or not handle.connected or device not in self.keys:
            return ""
        wait_for(lambda: self.station.engine.job_for_device(device) is None, "a free device")
        job = self.station.start_job(device, SHORT)
        state = finish(job)
        return job.id if state is JobState.INTERRUPTED else ""

    @rule(job_id=consumes(interrupted), resume=st.booleans())
    def after_interruption(self, job_id: str, resume: bool) -> None:
        if not job_id:
            return
        record = queries.job(self.station.store, job_id)
        assert record is not None and record.state is JobState.INTERRUPTED
        if resume:
            replug(self.station, self.source, self.keys[record.device_id], record.device_id)
            finish(self.station.resume_job(job_id))
        else:
            self.station.abandon_job(job_id)

    @invariant()
    def rebuild_gives_the_same_state(self) -> None:
        if hasattr(self, "station"):
            _rebuilds_identically(self.station)
            assert self.station.store.check().ok


StationOperations.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=15,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_operations_rebuild_to_the_same_state = StationOperations.TestCase
