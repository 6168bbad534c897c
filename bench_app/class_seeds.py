"""What a classroom scenario about the workshop's records sets up before its devices are
plugged in (the scenario's `seed`, bench_app/simulators/scenarios): the class starts where
the case begins, not at the end of an hour of checks.

- "loan" (« Un prêt et son retour »): the two phones are registered and made ready to go to
  someone (checked, wiped, graded, labelled); the second one is lent to the class's
  beneficiary file, due back in a few days, its handover sheet signed. The class lends the
  first one, then takes the second one back: it goes back to its check and erasure.
- "lot" (« Un don, de l’accueil au rapport »): a donor and a donation expecting the
  scenario's devices; the class attaches them by scanning their labels, takes them through
  and prints the donation's report and certificate.
- "approval" (« L’accord du formateur »): the phone's last check failed (its battery could
  not be read); the trainer of the scenario approves going on, with the scenario's PIN.

Everything is recorded in the training data only (facts marked training, asset codes of the
training series), under the name SEED_AUTHOR, so the device's history says which steps the
scenario did and which the class did; no personal data is written (a beneficiary file is
a reference only). A seed is refused on a station that is not in training mode.
Playing a scenario again, or « Remettre la classe à zéro », finds what was set up for the
same round and adds nothing twice; a new round gets new devices and a new donation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench_app.domain.model import Device, DeviceKind, DonorKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import OutcomeChoice
from bench_app.operators import TRAINER, Operator, hash_pin
from bench_app.simulators.adb_phone.persona import imei_for, load_persona
from bench_app.simulators.classroom import round_serial
from bench_app.simulators.scenarios import SEEDS, Scenario, ScenarioDevice
from bench_app.station import Station, display_brand
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

# Who recorded what a scenario set up, as the device's history names it.
SEED_AUTHOR = "Scénario de formation"
# The class's beneficiary file: a reference only, no person behind it.
CLASS_FILE = "FORMATION-001"
LOAN_DAYS = 3  # the lent phone is due back soon: it shows in the reminder list
# The donation the "lot" scenario receives.
CLASS_DONOR = "Mairie de Pantin (formation)"
CLASS_AGREEMENT = "FORM-DON-2026"
# The person who approves in the "approval" scenario, known in training only (never saved
# in the station's list of operators); the scenario's summary tells the class the PIN.
CLASS_TRAINER = "Formateur"
CLASS_TRAINER_PIN = "2468"


@dataclass
class Seeded:
    """What a seed set up: the devices it registered (by their serial), the donation."""

    devices: dict[str, Device] = field(default_factory=dict)
    lot_id: str | None = None
    trainer: Operator | None = None


def seed_scenario(station: Station, scenario: Scenario, round_number: int = 0) -> Seeded:
    """Sets up the records `scenario` needs (nothing when it names no seed), in the training
    data of `station`; BenchError SCENARIO_WITHOUT_TRAINING on a station not in training."""
    station.class_trainer = None
    if not scenario.seed:
        return Seeded()
    if not station.training:
        raise BenchError("SCENARIO_WITHOUT_TRAINING")
    return SEED_FUNCTIONS[scenario.seed](station, scenario, round_number)


# -- the devices ---------------------------------------------------------------------------


def planned_serial(device: ScenarioDevice, round_number: int) -> str:
    """The serial the classroom gives `device` in this round (simulators/classroom.py)."""
    if device.serial is None:
        raise BenchError(
            "SCENARIO_INVALID",
            path=device.persona,
            field="serial",
            detail="a seeded scenario names each device's serial",
        )
    return round_serial(device.serial, round_number)


def _register(station: Station, device: ScenarioDevice, round_number: int) -> Device:
    """The record of a scenario's phone, as the station makes it when the phone is plugged
    in (same serial and IMEI, so the plugged phone finds it); kept when it exists."""
    serial = planned_serial(device, round_number)
    props = load_persona(device.persona).props
    imei = imei_for(serial) if device.kind != "drive" else ""
    kind = DeviceKind.DRIVE if device.kind == "drive" else DeviceKind.PHONE
    known = queries.device_by_identity(station.store, kind.value, serial, imei)
    if known is not None:
        return known
    brand = display_brand(
        props.get("ro.product.brand", ""), props.get("ro.product.manufacturer", "")
    )
    return station.register_device(
        kind,
        brand=brand,
        model=props.get("ro.product.model", ""),
        serial=serial,
        imei=imei,
        training=True,
    )


def _record(station: Station, device: Device, facts: list[tuple[str, dict[str, Any]]]) -> None:
    station.store.record(
        [NewEvent(kind, {"device_id": device.id, **payload}, device.id) for kind, payload in facts],
        operator=SEED_AUTHOR,
        training=True,
    )


def _checked(station: Station, device: Device, *, battery_read: bool = True) -> None:
    """A phone check as the engine records it: passed (graded), or failed on the battery."""
    job = uuid7_str()
    summary = {"fr": "Relevé par le scénario.", "en": "Read by the scenario."}
    facts: list[tuple[str, dict[str, Any]]] = [
        ("job.created", {"job_id": job, "pipeline": "phone.check", "steps": []}),
        ("job.started", {"job_id": job}),
    ]
    if not battery_read:
        message = {
            "fr": "La batterie n’a pas pu être lue.",
            "en": "The battery could not be read.",
        }
        facts += [
            ("step.failed", {"job_id": job, "step_id": "battery", "code": "DEVICE_NO_ANSWER",
                             "message": message}),
            ("job.failed", {"job_id": job, "code": "DEVICE_NO_ANSWER", "message": message}),
        ]  # fmt: skip
    else:
        facts += [
            ("step.finished", {"job_id": job, "step_id": "battery", "status": "passed",
                               "summary": summary, "evidence": {}}),
            ("grade.assigned", {"job_id": job, "functional": "A", "cosmetic": 2,
                                "workshop_grade": "A", "suggested_outcome": "reuse"}),
            ("job.finished", {"job_id": job, "state": "succeeded"}),
        ]  # fmt: skip
    _record(station, device, facts)


def _wiped(station: Station, device: Device) -> None:
    """A phone's verified data wipe, with the facts of the phone's wipe pipeline."""
    ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str()}
    size = 64_000_000_000
    target = {"kind": "phone", "brand": device.brand, "model": device.model, "storage_bytes": size}
    _record(
        station,
        device,
        [
            ("erasure.started", {**ids, "method": "factory reset",
                                 "technique": "cryptographic erase",
                                 "standard": "NIST SP 800-88 Rev. 1; IEEE 2883-2022",
                                 "target": target}),
            ("erasure.pass_started", {**ids, "pass_no": 1, "pattern": "factory reset",
                                      "start_byte": 0, "end_byte": size}),
            ("erasure.pass_finished", {**ids, "pass_no": 1, "bytes": size,
                                       "milliseconds": 40_000, "errors": [], "completed": True}),
            ("erasure.verified", {**ids, "mode": "post-reset check", "ok": True}),
            ("erasure.finished", {**ids, "result": "erased", "reasons": []}),
        ],
    )  # fmt: skip


def _ready_to_go(station: Station, device: Device) -> None:
    """Checked, wiped, its system kept, graded and labelled: its outcome is next."""
    if station.journey(device.id).next is None or queries.latest_outcome(station.store, device.id):
        return  # set up in an earlier play of the same round
    _checked(station, device)
    _wiped(station, device)
    _record(
        station,
        device,
        [
            ("install.skipped", {"reason": "Système d’origine gardé (scénario)."}),
            ("label.printed", {"template": "brother-62", "printer": ""}),
        ],
    )


# -- the seeds -----------------------------------------------------------------------------


def _seed_loan(station: Station, scenario: Scenario, round_number: int) -> Seeded:
    seeded = Seeded()
    for device in scenario.devices:
        record = _register(station, device, round_number)
        _ready_to_go(station, record)
        seeded.devices[record.serial] = record
    out = list(seeded.devices.values())[-1]
    if queries.latest_outcome(station.store, out.id) is None:
        author, station.operator = station.operator, SEED_AUTHOR
        try:
            station.choose_outcome(
                out.id,
                OutcomeChoice(
                    OutcomeKind.LOAN,
                    beneficiary=CLASS_FILE,
                    due_on=(date.today() + timedelta(days=LOAN_DAYS)).isoformat(),
                    signed=True,
                    note="Prêt préparé par le scénario.",
                ),
            )
        finally:
            station.operator = author
    return seeded


def _seed_lot(station: Station, scenario: Scenario, round_number: int) -> Seeded:
    agreement = CLASS_AGREEMENT if round_number == 0 else f"{CLASS_AGREEMENT}-R{round_number}"
    row = station.store.query_one(
        "SELECT id FROM lots WHERE agreement_ref = ? AND training = 1", (agreement,)
    )
    if row is not None:
        return Seeded(lot_id=str(row[0]))
    donor = station.store.query_one(
        "SELECT id FROM donors WHERE name = ? AND training = 1", (CLASS_DONOR,)
    )
    donor_id = (
        str(donor[0])
        if donor is not None
        else station.register_donor(CLASS_DONOR, DonorKind.PUBLIC_BODY)
    )
    lot_id = station.register_lot(
        donor_id, agreement_ref=agreement, expected_count=len(scenario.devices)
    )
    return Seeded(lot_id=lot_id)


def _seed_approval(station: Station, scenario: Scenario, round_number: int) -> Seeded:
    seeded = Seeded()
    for device in scenario.devices:
        record = _register(station, device, round_number)
        if not queries.events(station.store, record.id) or not any(
            e.type == "job.created" for e in queries.events(station.store, record.id)
        ):
            _checked(station, record, battery_read=False)
        seeded.devices[record.serial] = record
    trainer = Operator(CLASS_TRAINER, hash_pin(CLASS_TRAINER_PIN), TRAINER)
    station.class_trainer = trainer
    seeded.trainer = trainer
    return seeded


SEED_FUNCTIONS: dict[str, Callable[[Station, Scenario, int], Seeded]] = {
    "loan": _seed_loan,
    "lot": _seed_lot,
    "approval": _seed_approval,
}
assert set(SEED_FUNCTIONS) == set(SEEDS), "every seed a scenario may name is set up here"

# What a trainer reads about the class's trainer (the scenario's summary says it too).
TRAINER_WORDS = Text(
    f"Le formateur donne l’accord : « {CLASS_TRAINER} », code {CLASS_TRAINER_PIN}.",
    f"The trainer approves: “{CLASS_TRAINER}”, PIN {CLASS_TRAINER_PIN}.",
)
