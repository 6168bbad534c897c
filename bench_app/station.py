"""The station: one data folder, its store, its job engine and the devices plugged into it.

Everything the GUI and the command line do goes through here, so both record the same facts.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from bench_app import loans, parts
from bench_app.approvals import (
    Approval,
    ApprovalRequest,
    Guarded,
    approval_required,
    can_override,
    grant,
    outcome_needs_approval,
    regrade_needs_approval,
    roles_change_needs_approval,
)
from bench_app.beneficiaries import forget, purge_expired
from bench_app.devices.presence import (
    PendingChanged,
    PendingDevice,
    Presence,
    PresenceChanged,
)
from bench_app.devices.source import DeviceHandle, DeviceSource
from bench_app.domain.asset_code import TRAINING_PREFIX, AssetCode
from bench_app.domain.brands import brand_name
from bench_app.domain.imei import is_valid_imei, normalise_imei
from bench_app.domain.model import (
    Device,
    DeviceKind,
    DonorKind,
    Job,
    JobState,
    OutcomeKind,
    PreSort,
    StepStatus,
)
from bench_app.errors import BenchError
from bench_app.input_files import shown
from bench_app.jobs.engine import Job as RunningJob
from bench_app.jobs.engine import JobEngine, JobListener, JobSpec
from bench_app.jobs.pipelines import default_pipelines
from bench_app.jobs.steps import Purpose, StepOutcome
from bench_app.journey import (
    LOAN_KINDS,
    Journey,
    JourneyPolicy,
    OutcomeChoice,
    device_journey,
    outcome_payload,
    outcome_refusal,
    pipeline_purposes,
)
from bench_app.loans import Loan
from bench_app.operators import OPERATOR, TRAINEE, Operator, clean_name, new_operator
from bench_app.operators import check as check_operator
from bench_app.search import Results, search
from bench_app.settings import Settings
from bench_app.store import queries
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

log = logging.getLogger(__name__)

DeviceChanged = Callable[[str], None]
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.WAITING_OPERATOR)


OPERATOR_ENV = "ETABLI_OPERATOR"
# The step of a check that gives the grade (bench_app/diagnostics/android.py GradeStep).
GRADING_STEP = "grading"


def operator_from_environment() -> str:
    """Who runs a headless command: $ETABLI_OPERATOR, else the login name ("" if none).

    The name goes into every fact recorded, so it is made recordable: bytes that are not
    UTF-8 become U+FFFD and control characters (a newline, a terminal escape) are dropped."""
    name = os.environ.get(OPERATOR_ENV)
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # a uid with no login name (some containers)
            name = ""
    return "".join(c for c in shown(name) if c.isprintable()).strip()


def operator_for_command(folder: Path, given: str | None) -> str:
    """Who runs a command that records facts: `--operator NAME`, else $ETABLI_OPERATOR, else
    the login name. When the station keeps a list of operators, the name must be on it
    (BenchError OPERATOR_UNKNOWN otherwise) and is returned as the list spells it."""
    name = clean_name(given) if given is not None else operator_from_environment()
    listed = Settings.load(folder).operator_list()
    if listed:
        return check_operator(listed, name).name
    return name


class Station:
    """A repair station opened on a data folder (one writer per folder)."""

    def __init__(
        self,
        folder: Path,
        *,
        training: bool = False,
        settings: Settings | None = None,
        operator: str | None = None,
        recover: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.settings = settings or Settings.load(self.folder)
        self.training = training
        self.operator = operator or self.settings.operator or "poste"
        self.store = Store(self.folder / DB_NAME)
        self.pipelines = default_pipelines(self.folder)
        self.engine = JobEngine(self._record_for_job, self.settings.max_parallel_jobs)
        self.on_device_changed: list[DeviceChanged] = []
        self.presence = Presence(self.device_connected)
        self._lock = threading.RLock()
        self.interrupted_on_open: list[str] = []
        # References whose personal data passed the retention period and were erased here.
        self.forgotten_on_open: list[str] = []
        # The trainer of the classroom scenario playing (bench_app/class_seeds.py): may
        # approve in training mode only, never saved in the list of operators.
        self.class_trainer: Operator | None = None
        try:
            self._training_devices = {
                r[0] for r in self.store.query("SELECT id FROM devices WHERE training = 1")
            }
            if recover:
                self.interrupted_on_open = self.recover_interrupted()
                self.forgotten_on_open = self.purge_beneficiaries()
        except BaseException:
            # A damaged table or a full disk met once the store is open: the error is plain
            # (BenchError), and the folder's lock is let go.
            self.store.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------

    def set_job_listener(self, listener: JobListener) -> None:
        self.engine.listener = listener

    @property
    def on_presence(self) -> list[PresenceChanged]:
        return self.presence.on_presence

    @property
    def pending(self) -> dict[str, PendingDevice]:
        """Plugged-in devices not usable yet (USB debugging off, key not accepted): by key."""
        return self.presence.pending

    @property
    def on_pending(self) -> list[PendingChanged]:
        return self.presence.on_pending

    def close(self) -> None:
        self.presence.close()
        self.engine.shutdown()
        self.presence.stop_sources()
        self.store.close()

    def recover_interrupted(self) -> list[str]:
        """Jobs left active by a crash or kill come back as Interrupted, resumable."""
        ids = []
        for job in queries.jobs_in_states(self.store, ACTIVE_STATES):
            if self.engine.job(job.id) is not None:
                continue
            self._record(
                [
                    NewEvent(
                        "job.interrupted",
                        {
                            "job_id": job.id,
                            "reason": "STATION_STOPPED",
                            "last_finished_step": job.last_finished_step,
                            "message": Text(
                                "Le poste s’est arrêté pendant la tâche.",
                                "The station stopped during the job.",
                            ).to_json(),
                        },
                        job.device_id,
                    )
                ],
                training=job.training,
            )
            ids.append(job.id)
        return ids

    def purge_beneficiaries(self, today: date | None = None) -> list[str]:
        """Erases the personal data of beneficiaries past the retention period (a setting);
        returns their references (bench_app/beneficiaries.py)."""
        return purge_expired(
            self.store,
            self.settings.beneficiary_retention_months,
            operator=self.operator,
            training=self.training,
            today=today,
        )

    def forget_beneficiary(self, reference: str, approval: ApprovalRequest | None = None) -> None:
        """Erases a person's personal data on their request; where the station has someone
        who may approve, a supervisor's `approval` is recorded with it (BenchError when
        needed and refused: nothing erased)."""
        before = self.approval_events(Guarded.FORGET_BENEFICIARY, None, approval)
        approved_by = str(before[0].payload.get("supervisor", "")) if before else ""
        forget(
            self.store,
            reference,
            operator=self.operator,
            training=self.training,
            approved_by=approved_by,
            before=before,
        )

    # -- recording -----------------------------------------------------------------------

    def _record(self, events: Sequence[NewEvent], *, training: bool | None = None) -> None:
        if training is None:
            # A device's facts follow the device (a training device stays training even if
            # the mode is switched off); facts about no device follow the current mode.
            device_ids = [e.device_id for e in events if e.device_id]
            if device_ids:
                training = any(d in self._training_devices for d in device_ids)
            else:
                training = self.training
        self.store.record(events, operator=self.operator, training=training)
        for device_id in dict.fromkeys(e.device_id for e in events if e.device_id):
            self._notify_changed(device_id)

    def _record_for_job(self, events: Sequence[NewEvent]) -> None:
        self._record(events)

    def _notify_changed(self, device_id: str) -> None:
        for callback in list(self.on_device_changed):
            try:
                callback(device_id)
            except Exception:
                log.exception("device-changed listener failed")

    # -- intake --------------------------------------------------------------------------

    def intake_match(
        self, serial: str, imei: str, lot_id: str | None = None, *, same_device: bool = False
    ) -> Device | None:
        """Checks a device about to be taken in, recording nothing. BenchError when it has
        neither serial nor IMEI, an IMEI that is not valid, or a serial or IMEI already on a
        device of this station (INTAKE_TWICE_IN_DONATION when that device is in the same
        donation) — unless `same_device` says the operator confirmed it is that very device:
        then that device is returned. None: a device not seen before."""
        serial = serial.strip()
        imei = normalise_imei(imei) if imei.strip() else ""
        if not serial and not imei:
            raise BenchError("INTAKE_NO_IDENTIFIER")
        if imei and not is_valid_imei(imei):
            raise BenchError("IMEI_INVALID", imei=imei)
        by_serial, by_imei = queries.devices_with_identifier(
            self.store, serial, imei, training=self.training
        )
        if by_serial and by_imei and by_serial.id != by_imei.id:
            raise BenchError(
                "INTAKE_IDENTIFIERS_CONFLICT",
                serial_asset=by_serial.asset_code,
                imei_asset=by_imei.asset_code,
            )
        known = by_serial or by_imei
        if known is None or same_device:
            return known
        if lot_id is not None and known.lot_id == lot_id:
            raise BenchError("INTAKE_TWICE_IN_DONATION", asset=known.asset_code)
        code = "INTAKE_SERIAL_KNOWN" if by_serial else "INTAKE_IMEI_KNOWN"
        raise BenchError(code, asset=known.asset_code)

    def intake_device(
        self,
        kind: DeviceKind,
        *,
        brand: str = "",
        model: str = "",
        serial: str = "",
        imei: str = "",
        lot_id: str | None = None,
        presort: PreSort | None = None,
        same_device: bool = False,
    ) -> Device:
        """Takes in one device of a donation under the intake rules (see `intake_match`):
        a new device is registered with the next asset code; a device the operator
        confirmed as already known (`same_device`) keeps its record, joins the donation and
        gets the pre-sort, and no second record is made. Nothing is recorded on refusal."""
        with self._lock:
            known = self.intake_match(serial, imei, lot_id, same_device=same_device)
            if known is None:
                device = self.register_device(
                    kind,
                    brand=brand,
                    model=model,
                    serial=serial.strip(),
                    imei=imei.strip(),
                    lot_id=lot_id,
                )
            else:
                device = known
                if lot_id is not None and known.lot_id != lot_id:
                    self.attach_to_lot(known.id, lot_id)
            if presort is not None and device.presort is not presort:
                self.presort(device.id, presort)
        return self.device(device.id) or device

    def register_donor(self, name: str, kind: DonorKind, contact: str = "") -> str:
        name = name.strip()
        if not name:
            raise BenchError("EVENT_INVALID", event_type="donor.registered", detail="name is empty")
        donor_id = uuid7_str()
        self._record(
            [
                NewEvent(
                    "donor.registered",
                    {"donor_id": donor_id, "name": name, "kind": kind.value, "contact": contact},
                )
            ]
        )
        return donor_id

    def register_lot(
        self,
        donor_id: str,
        received_on: date | None = None,
        agreement_ref: str = "",
        expected_count: int | None = None,
    ) -> str:
        if self.store.query_one("SELECT 1 FROM donors WHERE id = ?", (donor_id,)) is None:
            raise BenchError("EVENT_INVALID", event_type="lot.registered", detail="unknown donor")
        lot_id = uuid7_str()
        self._record(
            [
                NewEvent(
                    "lot.registered",
                    {
                        "lot_id": lot_id,
                        "donor_id": donor_id,
                        "received_on": (received_on or date.today()).isoformat(),
                        "agreement_ref": agreement_ref,
                        "expected_count": expected_count,
                    },
                )
            ]
        )
        return lot_id

    def register_device(
        self,
        kind: DeviceKind,
        *,
        brand: str = "",
        model: str = "",
        serial: str = "",
        imei: str = "",
        lot_id: str | None = None,
        training: bool | None = None,
        identity: dict[str, Any] | None = None,
    ) -> Device:
        """Registers a device and gives it the station's next asset code."""
        training = self.training if training is None else training
        if imei:
            imei = normalise_imei(imei)
            if not is_valid_imei(imei):
                raise BenchError("IMEI_INVALID", imei=imei)
        prefix = TRAINING_PREFIX if training else self.store.station_prefix
        device_id = uuid7_str()
        with self.store.transaction() as conn:
            last = queries.last_asset_code(self.store, prefix)
            number = AssetCode.parse(last).number + 1 if last else 1
            code = str(AssetCode.make(prefix, number))
            payload: dict[str, Any] = {
                "device_id": device_id,
                "asset_code": code,
                "kind": kind.value,
                "brand": brand,
                "model": model,
                "serial": serial,
                "imei": imei,
                "lot_id": lot_id,
            }
            self.store.append(
                conn,
                NewEvent("device.registered", payload, device_id),
                operator=self.operator,
                training=training,
            )
            if identity:
                self.store.append(
                    conn,
                    NewEvent(
                        "device.identified", {"device_id": device_id, "fields": identity}, device_id
                    ),
                    operator=self.operator,
                    training=training,
                )
        if training:
            self._training_devices.add(device_id)
        self._notify_changed(device_id)
        found = queries.device(self.store, device_id)
        assert found is not None
        return found

    def identify(self, device_id: str, fields: dict[str, Any]) -> None:
        """Records identity facts learnt from the operator (e.g. an IMEI typed from *#06#)."""
        imei = fields.get("imei")
        if imei and not is_valid_imei(str(imei)):
            raise BenchError("IMEI_INVALID", imei=str(imei))
        self._record(
            [NewEvent("device.identified", {"device_id": device_id, "fields": fields}, device_id)]
        )

    def attach_to_lot(self, device_id: str, lot_id: str) -> None:
        self._record(
            [
                NewEvent(
                    "device.attached_to_lot", {"device_id": device_id, "lot_id": lot_id}, device_id
                )
            ]
        )

    def presort(self, device_id: str, choice: PreSort) -> None:
        self._record(
            [
                NewEvent(
                    "device.presorted", {"device_id": device_id, "presort": choice.value}, device_id
                )
            ]
        )

    def record_outcome(
        self,
        device_id: str,
        kind: OutcomeKind,
        reference: str = "",
        note: str = "",
        *,
        beneficiary: str = "",
        due_on: str = "",
        price: str = "",
        today: date | None = None,
        approval: ApprovalRequest | None = None,
    ) -> None:
        """Records where a device went, under the journey's rules: the same refusals as
        `choose_outcome` (BenchError saying why, nothing recorded), which it calls.
        `reference` is the eco-organism's slip for recycling (or any outside reference),
        `beneficiary` the file number of whom it was given, lent or rented to."""
        choice = OutcomeChoice(
            kind,
            beneficiary=beneficiary,
            due_on=due_on,
            price=price,
            reference=reference,
            note=note,
        )
        self.choose_outcome(device_id, choice, today, approval=approval)

    # -- operators -----------------------------------------------------------------------

    def operators(self) -> list[Operator]:
        """The station's list of operators (empty: none kept)."""
        return self.settings.operator_list()

    def choose_operator(self, name: str, pin: str = "") -> str:
        """Makes a listed operator the author of every fact recorded from now on, after
        checking their PIN if they have one; BenchError (unknown, wrong PIN) otherwise."""
        self.operator = check_operator(self.operators(), name, pin).name
        return self.operator

    def add_operator(self, name: str, pin: str = "", role: str = OPERATOR) -> Operator:
        """Adds an operator to the station's list (the PIN kept as a salted hash) and saves
        the settings; the current operator does not change."""
        operator = new_operator(self.operators(), name, pin, role)
        self.settings.add_operator(operator)
        self.settings.save(self.folder)
        return operator

    def approving_people(self) -> list[Operator]:
        """The list approvals are checked against: the station's, and in training mode the
        class's trainer of the scenario playing (when no one of the list has that name)."""
        people = self.operators()
        trainer = self.class_trainer
        if self.training and trainer is not None and all(o.name != trainer.name for o in people):
            people = [*people, trainer]
        return people

    def use_trainee(self) -> None:
        """Training mode's default author, so a class can start without choosing anyone."""
        self.operator = TRAINEE

    # -- approvals -----------------------------------------------------------------------

    def approval(
        self, action: Guarded, device_id: str | None, request: ApprovalRequest | None
    ) -> Approval:
        """The approval of `action` for the operator at work, checked against the station's
        list (a trainer approves too in training mode); BenchError when refused."""
        return grant(
            self.approving_people(),
            request,
            action=action,
            device_id=device_id,
            operator=self.operator,
            training=self.training,
        )

    def approval_events(
        self, action: Guarded, device_id: str | None, request: ApprovalRequest | None
    ) -> list[NewEvent]:
        """The `approval.granted` fact of a checked approval, to record in the same
        transaction as the guarded action's own facts (a beneficiary's forgetting records
        it with device None); none when the station lists nobody who may approve and the
        action is not one that exists only by approval (bench_app/approvals.py).
        BenchError when an approval is needed and refused."""
        if not approval_required(self.approving_people(), action, training=self.training):
            return []
        approval = self.approval(action, device_id, request)
        return [NewEvent("approval.granted", approval.payload(), device_id)]

    def approve_roles(self, after: list[Operator], request: ApprovalRequest | None) -> None:
        """Before the operators' list is saved as `after`: when it changes who may approve on
        a station that has a supervisor, one of the current supervisors approves it (the
        fact recorded now, naming no device); BenchError otherwise, nothing recorded."""
        if roles_change_needs_approval(self.operators(), after):
            self._record(self.approval_events(Guarded.CHANGE_ROLES, None, request))

    def override_check(self, device_id: str, request: ApprovalRequest | None) -> Approval:
        """Lets the journey go on after a failed check, with a supervisor's approval and a
        reason (the check then counts as done, shown with the reason); BenchError when the
        check did not fail or the approval is refused."""
        device = self._require_device(device_id)
        if not can_override(self.journey(device.id)):
            raise BenchError("APPROVAL_NOTHING_TO_OVERRIDE", asset=device.asset_code)
        approval = self.approval(Guarded.OVERRIDE_CHECK, device.id, request)
        self._record([NewEvent("approval.granted", approval.payload(), device.id)])
        return approval

    # -- the journey ---------------------------------------------------------------------

    def journey(self, device_id: str) -> Journey:
        """The device's stages done, its next stage and what blocks it (bench_app/journey.py)."""
        return device_journey(
            self.store,
            self._require_device(device_id),
            purposes=pipeline_purposes(self.pipelines.all()),
            policy=JourneyPolicy(self.settings.phone_system),
        )

    def choose_outcome(
        self,
        device_id: str,
        choice: OutcomeChoice,
        today: date | None = None,
        *,
        approval: ApprovalRequest | None = None,
    ) -> None:
        """Records where the device goes once the journey's rules allow it: BenchError
        saying why not (no reuse without a verified erasure, recycling without the
        eco-organism's reference, a loan without a return date to come, a bad price...).
        Recycling a device that passed its checks needs a supervisor's `approval`,
        recorded with it. A new choice is a new fact: the earlier ones stay in the
        device's history."""
        journey = self.journey(device_id)
        refusal = outcome_refusal(journey, choice, today or date.today())
        if refusal is not None:
            raise refusal
        receiver_id = ""
        if choice.kind is OutcomeKind.SPARE_PARTS and choice.receiver.strip():
            try:
                receiver = self.find_by_code(choice.receiver)
            except BenchError as exc:
                code = choice.receiver.strip()
                raise BenchError("OUTCOME_PART_RECEIVER_UNKNOWN", code=shown(code)) from exc
            if receiver.id == device_id:
                raise BenchError("OUTCOME_PART_RECEIVER_SELF")
            receiver_id = receiver.id
            choice = replace(choice, receiver=receiver.asset_code)
        if choice.signature and not loans.has_picture(self.folder, choice.signature):
            raise BenchError("HANDOVER_PICTURE_MISSING")
        payload = outcome_payload(
            device_id,
            choice,
            today=today or date.today(),
            loan_id=uuid7_str() if choice.kind in LOAN_KINDS else "",
            receiver_id=receiver_id,
        )
        events = [NewEvent("outcome.recorded", payload, device_id)]
        guarded = outcome_needs_approval(journey, choice.kind)
        if guarded is not None:
            events[:0] = self.approval_events(guarded, device_id, approval)
        self._record(events)

    # -- loans and rentals ---------------------------------------------------------------

    def keep_signature(self, picture: bytes) -> str:
        """Keeps the picture of a signed handover sheet (PNG or JPEG) in the data folder
        and returns the SHA-256 a loan's outcome carries (`OutcomeChoice.signature`)."""
        return loans.keep_picture(self.folder, picture)

    def open_loans(self) -> list[Loan]:
        """Every device lent or rented and not back yet, the soonest due first."""
        return loans.open_loans(self.store)

    def return_device(self, device_id: str, condition: str, state: str = "") -> None:
        """Records that a lent or rented device came back, in what condition: the loan is
        closed and the device goes back to its check and erasure, its history intact.
        BenchError LOAN_NOT_OUT when it is not out, or saying what is missing."""
        device = self._require_device(device_id)
        loan = loans.open_loan(self.store, device.id)
        if loan is None:
            raise BenchError("LOAN_NOT_OUT", code=device.asset_code)
        refusal = loans.return_refusal(condition, state)
        if refusal is not None:
            raise refusal
        payload = loans.return_payload(loan, condition, state)
        self._record([NewEvent("loan.returned", payload, device.id)])

    def sign_handover(self, device_id: str, picture: bytes | None = None) -> str:
        """Records that the handover sheet of the device's loan out now was signed after
        the handover (ticked "signé"), with the picture of the signature (PNG or JPEG bytes,
        kept in the data folder) if one is given; returns the picture's SHA-256 ("" : none).
        The fact names who recorded it and when. BenchError LOAN_NOT_OUT,
        LOAN_ALREADY_SIGNED (no new picture) or HANDOVER_PICTURE_INVALID; nothing is kept
        when it is refused."""
        device = self._require_device(device_id)
        loan = loans.open_loan(self.store, device.id)
        if loan is None:
            raise BenchError("LOAN_NOT_OUT", code=device.asset_code)
        digest = "" if picture is None else hashlib.sha256(picture).hexdigest()
        refusal = loans.sign_refusal(loan, digest)
        if refusal is not None:
            raise refusal
        if picture is not None:
            digest = loans.keep_picture(self.folder, picture)
        self._record([NewEvent("loan.signed", loans.sign_payload(loan, digest), device.id)])
        return digest

    def record_payment(
        self,
        device_id: str,
        amount: str,
        receipt: str,
        paid_on: str = "",
        months: int = 1,
        today: date | None = None,
    ) -> None:
        """Records a payment of the device's rental out now (by default paid today, for one
        month); BenchError saying why not (not rented, bad day or amount, no receipt, more
        months than are left)."""
        device = self._require_device(device_id)
        loan = loans.open_loan(self.store, device.id)
        if loan is None:
            raise BenchError("LOAN_NOT_OUT", code=device.asset_code)
        day = today or date.today()
        paid_on = paid_on.strip() or day.isoformat()
        refusal = loans.payment_refusal(loan, paid_on, amount, receipt, months, day)
        if refusal is not None:
            raise refusal
        payload = loans.payment_payload(loan, paid_on, amount, receipt, months)
        self._record([NewEvent("loan.paid", payload, device.id)])

    # -- spare parts ---------------------------------------------------------------------

    def give_part(self, donor_id: str, part: str, receiver_code: str) -> Device:
        """Records that a part of a device kept for its parts went into another device
        (typed or scanned by its code); returns the receiver. BenchError when the donor is
        not kept for parts, the part is not named, or the receiver is unknown or itself."""
        donor = self._require_device(donor_id)
        refusal = parts.give_refusal(
            queries.latest_outcome(self.store, donor.id), donor.asset_code, part
        )
        if refusal is not None:
            raise refusal
        try:
            receiver = self.find_by_code(receiver_code)
        except BenchError as exc:
            raise BenchError(
                "OUTCOME_PART_RECEIVER_UNKNOWN", code=shown(receiver_code.strip())
            ) from exc
        if receiver.id == donor.id:
            raise BenchError("OUTCOME_PART_RECEIVER_SELF")
        payload = parts.give_payload(donor.id, part, receiver.id, receiver.asset_code)
        self._record([NewEvent("part.given", payload, donor.id)])
        return receiver

    def skip_install(self, device_id: str, reason: str) -> None:
        """Records that this phone keeps its system, and why (the stage then counts as done)."""
        reason = reason.strip()
        if not reason:
            raise BenchError("INSTALL_SKIP_REASON_MISSING")
        self._record(
            [NewEvent("install.skipped", {"device_id": device_id, "reason": reason}, device_id)]
        )

    def label_printed(self, device_id: str, template: str, printer: str = "") -> None:
        """Records that the device's asset label went to a printer."""
        self._record(
            [
                NewEvent(
                    "label.printed",
                    {"device_id": device_id, "template": template, "printer": printer},
                    device_id,
                )
            ]
        )

    def certificate_issued(self, payload: dict[str, Any], *, training: bool | None = None) -> None:
        """Records that a certificate was given out (`certificate.issued`, made by
        bench_app/output/certificates/issued.py): a device's goes into its history, a lot's
        into the station's log (`training`: a training lot's, marked as such)."""
        found = payload.get("device_id")
        device_id = found if isinstance(found, str) else None
        self._record(
            [NewEvent("certificate.issued", payload, device_id)],
            training=None if device_id else training,  # a device's fact follows the device
        )

    # -- a computer's disks and its list -------------------------------------------------

    def link_disk(self, disk_id: str, host_id: str | None, reason: str = "") -> None:
        """Records which computer a docked disk came from (None: from none, a corrected
        link; the earlier link stays in the history). BenchError when the link makes no
        sense (bench_app/disk_links.py `link_refusal`)."""
        from bench_app.disk_links import host_of, link_payload, link_refusal

        disk = self._require_device(disk_id)
        host = self._require_device(host_id) if host_id else None
        refusal = link_refusal(disk, host)
        if refusal is not None:
            raise refusal
        before = host_of(self.store, disk.id)
        self._record([NewEvent("disk.linked", link_payload(disk, host, reason), disk.id)])
        for computer in {c.id for c in (before, host) if c is not None}:
            self._notify_changed(computer)  # its journey counts other disks now

    def grade_by_hand(
        self,
        device_id: str,
        answers: dict[str, str],
        chassis: str,
        *,
        approval: ApprovalRequest | None = None,
    ) -> None:
        """Grades a computer from its guided list answered in the window (screen, keyboard,
        battery, hinges; the chassis's look) and the tests answered on its own screen
        (bench_app/laptop_tests.py) under the workshop's grading policy. Once its
        label is printed, a new grade needs a supervisor's `approval`, recorded with it."""
        from bench_app.grading.laptop_checks import grade_payload, laptop_grade, tested_results
        from bench_app.grading.policy import GradingPolicy

        device = self._require_device(device_id)
        events: list[NewEvent] = []
        if regrade_needs_approval(self.journey(device.id)):
            events += self.approval_events(Guarded.REGRADE_AFTER_LABEL, device.id, approval)
        policy = GradingPolicy.load(self.folder)
        # The tests answered on the laptop's own screen (through its agent) count too.
        tested = tested_results(queries.events(self.store, device.id))
        result = laptop_grade(answers, chassis, policy, tested)
        payload = grade_payload(device.id, result, answers, chassis, policy.source, tested)
        events.append(NewEvent("grade.assigned", payload, device.id))
        self._record(events)

    # -- devices coming and going --------------------------------------------------------

    def attach_source(self, source: DeviceSource) -> None:
        self.presence.attach_source(source)

    def detach_source(self, source: DeviceSource) -> None:
        """Stops listening to a source; its devices count as unplugged."""
        self.presence.detach_source(source)

    def device_connected(self, handle: DeviceHandle) -> Device:
        """Finds the device's record (by serial or IMEI) or registers it; remembers the handle."""
        identity = handle.identity()
        identity["brand"] = display_brand(
            str(identity.get("brand", "")), str(identity.get("manufacturer", ""))
        )
        serial = str(identity.get("serial", ""))
        imei = str(identity.get("imei", ""))
        training = self.training or handle.simulated
        with self._lock:
            known = queries.device_by_identity(self.store, handle.kind.value, serial, imei)
            if known is None:
                device = self.register_device(
                    handle.kind,
                    brand=str(identity.get("brand", "")),
                    model=str(identity.get("model", "")),
                    serial=serial,
                    imei=imei,
                    training=training,
                    identity=identity,
                )
            else:
                device = known
                changed = {
                    k: v
                    for k, v in identity.items()
                    if device.details.get(k, _MISSING) != v
                    and k not in ("brand", "model", "serial", "imei")
                }
                if changed:
                    self._record(
                        [
                            NewEvent(
                                "device.identified",
                                {"device_id": device.id, "fields": identity},
                                device.id,
                            )
                        ]
                    )
            self.presence.remember(device.id, handle)
        self.presence.plugged_in(device.id)
        return queries.device(self.store, device.id) or device

    def device_disconnected(self, handle: DeviceHandle) -> None:
        self.presence.disconnected(handle)

    def handle(self, device_id: str) -> DeviceHandle | None:
        return self.presence.handle(device_id)

    def known_keys(self) -> dict[str, str]:
        """Every handle key seen on this run, with the device it identified as."""
        return self.presence.known_keys()

    def connected_device_ids(self) -> list[str]:
        return self.presence.connected_device_ids()

    # -- reading -------------------------------------------------------------------------

    def device(self, device_id: str) -> Device | None:
        return queries.device(self.store, device_id)

    def find_by_code(self, text: str) -> Device:
        """The device whose asset code was typed or scanned; BenchError saying what is wrong."""
        code = AssetCode.parse(text)
        found = queries.device_by_code(self.store, str(code))
        if found is None:
            raise BenchError("ASSET_CODE_UNKNOWN", code=str(code))
        return found

    def search(self, text: str) -> Results:
        """Any device `text` names (code or label address, serial, IMEI, model, donor,
        beneficiary), exact hits first; training devices only in training (search.py)."""
        return search(self.store, text, training=self.training)

    def jobs(self, device_id: str) -> list[Job]:
        return queries.jobs_for_device(self.store, device_id)

    def latest_job(self, device_id: str) -> Job | None:
        jobs = self.jobs(device_id)
        return jobs[-1] if jobs else None

    # -- jobs ----------------------------------------------------------------------------

    def start_job(
        self,
        device_id: str,
        pipeline_name: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        purpose: Purpose | None = None,
        approval: ApprovalRequest | None = None,
    ) -> RunningJob:
        """Starts a pipeline on a connected device: the one named, else the first that fits
        the device with that `purpose` (e.g. its erasure), else the first that fits it.
        `options` answer its questions in advance (a headless run); they are kept with the
        job, for a resume. A check that grades, on a device graded and labelled already,
        needs a supervisor's `approval` (recorded with the job's creation)."""
        device = self._require_device(device_id)
        handle = self._require_handle(device)
        if pipeline_name is None and purpose is not None:
            with_purpose = self.pipelines.for_purpose(device.kind, handle, purpose)
            if not with_purpose:
                raise BenchError("JOB_UNKNOWN_PIPELINE", pipeline=f"<{device.kind}:{purpose}>")
            pipeline = with_purpose[0]
        elif pipeline_name is None:
            fitting = self.pipelines.for_device(device.kind, handle)
            if not fitting:
                raise BenchError("JOB_UNKNOWN_PIPELINE", pipeline=f"<{device.kind}>")
            pipeline = fitting[0]
        else:
            found = self.pipelines.get(pipeline_name)
            if found is None:
                raise BenchError("JOB_UNKNOWN_PIPELINE", pipeline=pipeline_name)
            pipeline = found
        job_id = uuid7_str()
        options = dict(options or {})
        if device.imei:  # already known (typed at an earlier check): never asked again
            options.setdefault("imei", device.imei)
        spec = JobSpec(
            job_id,
            device.id,
            device.asset_code,
            pipeline,
            handle,
            options=options,
            recall=self._recaller(job_id, device.id),
        )
        created = NewEvent(
            "job.created",
            {
                "job_id": job_id,
                "device_id": device.id,
                "pipeline": pipeline.name,
                "steps": [s.id for s in pipeline.steps()],
                "stage_on_success": pipeline.stage_on_success.value
                if pipeline.stage_on_success
                else None,
                "options": spec.options,
            },
            device.id,
        )
        first = [created]
        if GRADING_STEP in created.payload["steps"] and regrade_needs_approval(
            self.journey(device.id)
        ):
            guarded = Guarded.REGRADE_AFTER_LABEL
            first[:0] = self.approval_events(guarded, device.id, approval)
        return self.engine.submit(spec, first)

    def resume_job(self, job_id: str) -> RunningJob:
        record = queries.job(self.store, job_id)
        if record is None or not record.state.resumable:
            raise BenchError("JOB_NOT_RESUMABLE", state=record.state if record else "?")
        device = self._require_device(record.device_id)
        pipeline = self.pipelines.get(record.pipeline)
        if pipeline is None:
            raise BenchError("JOB_UNKNOWN_PIPELINE", pipeline=record.pipeline)
        last = self.presence.last_handle(device.id)
        seen = self.handle(device.id)
        # A phone left in its bootloader: its steps reach it there, whether discovery has
        # already noticed that it left Android (no handle) or not yet (a dead handle).
        if pipeline.finds_device and last is not None and (seen is None or not seen.connected):
            handle = last
        else:
            handle = self._require_handle(device)
        finished = {
            r.step_id: StepOutcome(r.status, r.summary, r.evidence, r.blocking)
            for r in queries.step_results(self.store, job_id)
            if r.status is not StepStatus.SKIPPED
        }
        spec = JobSpec(
            job_id,
            device.id,
            device.asset_code,
            pipeline,
            handle,
            True,
            finished,
            options=queries.job_options(self.store, job_id),
            recall=self._recaller(job_id, device.id),
        )
        return self.engine.submit(spec, [NewEvent("job.resumed", {"job_id": job_id}, device.id)])

    def _recaller(self, job_id: str, device_id: str) -> Callable[[str], list[dict[str, Any]]]:
        def recall(event_type: str) -> list[dict[str, Any]]:
            return [
                e.payload
                for e in queries.events(self.store, device_id)
                if e.type == event_type and e.payload.get("job_id") == job_id
            ]

        return recall

    def abandon_job(self, job_id: str) -> None:
        record = queries.job(self.store, job_id)
        if record is None or not record.state.resumable:
            raise BenchError("JOB_NOT_RESUMABLE", state=record.state if record else "?")
        self._record([NewEvent("job.abandoned", {"job_id": job_id}, record.device_id)])

    def cancel_job(self, job_id: str) -> bool:
        return self.engine.cancel(job_id)

    def _require_device(self, device_id: str) -> Device:
        device = queries.device(self.store, device_id)
        if device is None:
            raise BenchError("ASSET_CODE_UNKNOWN", code=device_id)
        return device

    def _require_handle(self, device: Device) -> DeviceHandle:
        handle = self.handle(device.id)
        if handle is None or not handle.connected:
            raise BenchError("JOB_DEVICE_ABSENT", asset=device.asset_code)
        return handle


_MISSING = object()


def display_brand(brand: str, manufacturer: str = "") -> str:
    """Phones say "samsung" or "oneplus"; people write Samsung and OnePlus (domain/brands.py)."""
    return brand_name(brand, manufacturer)
