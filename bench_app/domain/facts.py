"""The facts the bench records: each event type and the payload fields it must carry.

One definition, checked at the source: `Store.append` refuses a new fact whose payload could
not be signed, bundled or pushed (`validate`), so every fact the station records travels.
The rule for any value anywhere in a payload is the wire's (canonical JSON, see
`bench_app.wire.canonical.canonical_json`): objects with text keys, lists, text without NUL
or lone surrogates, integers, booleans and null, and no floats: a duration is recorded in
integer milliseconds, a throughput in bytes per second, any other fraction as a decimal
string.

Events recorded by earlier versions are immutable history: some carry floats (durations in
seconds). They are still accepted when they arrive from elsewhere (`recorded=True`: bundle
import, the hub), and travel in the one event encoding that their hash was computed over
(`bench_app.wire.canonical.event_json`). Readers use `duration_ms` to read either form.
"""

from __future__ import annotations

from typing import Any

from bench_app.errors import BenchError
from bench_app.wire.canonical import decimal
from bench_app.wire.values import value_problem

_STR = str
_OPT_STR = (str, type(None))
_INT_OR_NONE = (int, type(None))

# type -> {field: accepted python types}; extra fields are allowed and kept.
SCHEMAS: dict[str, dict[str, Any]] = {
    "donor.registered": {"donor_id": _STR, "name": _STR, "kind": _STR},
    "lot.registered": {
        "lot_id": _STR,
        "donor_id": _STR,
        "received_on": _STR,
        "expected_count": _INT_OR_NONE,
    },
    "device.registered": {"device_id": _STR, "asset_code": _STR, "kind": _STR},
    "device.identified": {"device_id": _STR, "fields": dict},
    "device.presorted": {"device_id": _STR, "presort": _STR},
    "device.attached_to_lot": {"device_id": _STR, "lot_id": _STR},
    "job.created": {"job_id": _STR, "device_id": _STR, "pipeline": _STR, "steps": list},
    "job.started": {"job_id": _STR},
    "step.started": {"job_id": _STR, "step_id": _STR},
    "step.finished": {"job_id": _STR, "step_id": _STR, "status": _STR, "summary": dict},
    "step.failed": {"job_id": _STR, "step_id": _STR, "code": _STR, "message": dict},
    "job.finished": {"job_id": _STR, "state": _STR},
    "job.failed": {"job_id": _STR, "code": _STR, "message": dict},
    "job.cancelled": {"job_id": _STR},
    "job.interrupted": {"job_id": _STR, "reason": _STR, "last_finished_step": _OPT_STR},
    "job.resumed": {"job_id": _STR},
    "job.abandoned": {"job_id": _STR},
    "grade.assigned": {
        "device_id": _STR,
        "functional": _STR,
        "cosmetic": int,
        "workshop_grade": _STR,
    },
    # Where a device went. Optional fields by kind (bench_app/journey.py checks them):
    # "beneficiary" (donation, loan, rental: a file number, never a name), "due_on" (loan,
    # rental: YYYY-MM-DD), "price_eur" (sale: a decimal string such as "45.50"),
    # "reference" (recycling: the eco-organism's slip number). A new outcome is a new fact:
    # the latest is the current one, the earlier ones stay in the history.
    # A loan or rental is the loan's one record: "loan_id", "start_on", "due_on" (loan) or
    # "term_months" (rental, an integer), "signed" (the handover sheet, on screen or paper)
    # and "signature_sha256" (its picture, kept in the data folder's signatures/, never in
    # the fact). A sale carries its "receipt" number; spare parts the "part" given and the
    # device receiving it ("receiver_id", "receiver_asset"); recycling its "weight_kg" (a
    # decimal string).
    "outcome.recorded": {"device_id": _STR, "kind": _STR},
    # A beneficiary's file was opened, or their personal data erased ("reason": request or
    # retention; "approved_by": who approved a request). By reference only: names and
    # contacts stay in the station's local table (bench_app/beneficiaries.py), never here.
    "beneficiary.registered": {"reference": _STR},
    "beneficiary.forgotten": {"reference": _STR, "reason": _STR},
    # A lent or rented device came back: the loan it closes, the device's "condition" in
    # words and its "state" (good, worn, damaged, incomplete; "" when not said). The device
    # goes back to its check and erasure (bench_app/journey.py).
    "loan.returned": {"device_id": _STR, "loan_id": _STR, "condition": _STR, "state": _STR},
    # A loan's handover sheet signed after the handover (ticked "signé" and/or a picture of
    # the signature added): the loan, and the picture's SHA-256 ("" : ticked only). Who and
    # when are the fact's own operator and time.
    "loan.signed": {"device_id": _STR, "loan_id": _STR, "signature_sha256": _STR},
    # A rental's payment: the day paid ("paid_on", YYYY-MM-DD), the "amount_eur" (a decimal
    # string such as "12.50"), the "receipt" number and how many "months" it pays.
    "loan.paid": {
        "device_id": _STR,
        "loan_id": _STR,
        "paid_on": _STR,
        "amount_eur": _STR,
        "receipt": _STR,
        "months": int,
    },
    # A part taken from a device kept for spare parts (the fact's device) and put into
    # another ("receiver_id", with its "receiver_asset" code). A donor gives any number.
    "part.given": {"device_id": _STR, "part": _STR, "receiver_id": _STR, "receiver_asset": _STR},
    # The asset label went to a printer (the journey's label stage).
    "label.printed": {"device_id": _STR, "template": _STR},
    # An erasure certificate (a device's: the erasure it certifies) or a lot's certificate
    # (its lot) was given out: "document" erasure_certificate | lot_certificate, its
    # "reference", the "sha256" of the PDF's bytes, its "lang", and how it was delivered
    # ("delivery": opened, printed, saved, file). Traces any certificate a donor shows back.
    "certificate.issued": {
        "document": _STR,
        "reference": _STR,
        "sha256": _STR,
        "lang": _STR,
        "delivery": _STR,
        "device_id": _OPT_STR,
        "erasure_id": _OPT_STR,
        "lot_id": _OPT_STR,
    },
    # The workshop chose not to install a system on this phone, and why.
    "install.skipped": {"device_id": _STR, "reason": _STR},
    # A disk taken out of a computer (laptop, desktop) and docked at the station: the
    # computer it came from ("" : none, a corrected link). Recorded on the disk, with the
    # computer's "host_asset" code; a disk's latest link is the current one.
    "disk.linked": {"device_id": _STR, "host_id": _STR},
    # What an operator must not do alone, approved (bench_app/approvals.py): the "action"
    # (override_check, regrade_after_label, recycle_passed, forget_beneficiary), the device
    # (None: a beneficiary's), the "operator" at work, the "supervisor" who approved (the
    # same name when a supervisor acted alone), their "role" and the "reason".
    "approval.granted": {
        "action": _STR,
        "device_id": _OPT_STR,
        "operator": _STR,
        "supervisor": _STR,
        "reason": _STR,
    },
    # The hardware of a computer, as the station found it running on it.
    "device.inventoried": {"device_id": _STR, "inventory": dict},
    # An erasure: started (method, standard, the medium), its passes with checkpoints, the
    # verification, and the result. Every one carries the job and the erasure id.
    "erasure.started": {
        "job_id": _STR,
        "erasure_id": _STR,
        "method": _STR,
        "technique": _STR,
        "standard": _STR,
        "target": dict,
    },
    "erasure.pass_started": {
        "job_id": _STR,
        "erasure_id": _STR,
        "pass_no": int,
        "pattern": _STR,
        "start_byte": int,
        "end_byte": int,
    },
    "erasure.checkpoint": {"job_id": _STR, "erasure_id": _STR, "pass_no": int, "offset": int},
    "erasure.pass_finished": {
        "job_id": _STR,
        "erasure_id": _STR,
        "pass_no": int,
        "bytes": int,
        "milliseconds": int,
        "errors": list,
        "completed": bool,
    },
    "erasure.purge_cancelled": {"job_id": _STR, "erasure_id": _STR, "purge": dict},
    "erasure.verified": {"job_id": _STR, "erasure_id": _STR, "mode": _STR, "ok": bool},
    # A phone's system installation: each profile action done, and the system it then runs.
    "install.action_done": {"job_id": _STR, "index": int, "action": _STR},
    "device.os_installed": {"device_id": _STR, "os": _STR, "name": _STR, "version": _STR},
    "erasure.finished": {"job_id": _STR, "erasure_id": _STR, "result": _STR, "reasons": list},
    # A disk image written to a drive: the image and what proves it (its map's checksum, or
    # its sha256 when written whole), checkpoints, and the result after reading it back.
    "image.write_started": {
        "job_id": _STR,
        "write_id": _STR,
        "image": _STR,
        "checksum": _STR,
        "target": dict,
        "mapped_bytes": int,
        "image_size": int,
    },
    "image.write_checkpoint": {"job_id": _STR, "write_id": _STR, "offset": int},
    "image.written": {
        "job_id": _STR,
        "write_id": _STR,
        "bytes": int,
        "milliseconds": int,
        "verified": bool,
    },
}


# An outcome's fields beyond kind and note, as the journey, reports and lists show them.
OUTCOME_DETAILS = (
    "beneficiary",
    "due_on",
    "start_on",
    "term_months",
    "signed",
    "price_eur",
    "receipt",
    "reference",
    "weight_kg",
    "part",
    "receiver_asset",
)


# Fields that earlier versions recorded under another name, as a float: (type, field) -> the
# old field. Only events already recorded elsewhere (`recorded=True`) may use the old form.
LEGACY_FIELDS: dict[tuple[str, str], str] = {
    ("erasure.pass_finished", "milliseconds"): "seconds",
    ("image.written", "milliseconds"): "seconds",
}


def duration_ms(
    payload: dict[str, Any], field: str = "milliseconds", legacy_field: str = "seconds"
) -> int:
    """A recorded duration in integer milliseconds, from the current field or from the
    seconds that earlier versions recorded (0 when neither is there)."""
    value = payload.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    legacy = payload.get(legacy_field)
    if isinstance(legacy, int | float) and not isinstance(legacy, bool):
        return round(float(legacy) * 1000)
    if isinstance(legacy, str):
        try:
            return round(float(legacy) * 1000)
        except ValueError:
            return 0
    return 0


def number(value: Any) -> float | None:
    """A quantity read back from a fact: a number, or the decimal string it travels as."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def wire_form(value: Any, places: int = 3) -> Any:
    """The value with every float (a reading, a ratio) turned into the decimal string facts
    carry, e.g. 27.3 -> "27.3"; for evidence built from free-form readings."""
    if isinstance(value, float):
        return decimal(value, places)
    if isinstance(value, dict):
        return {k: wire_form(v, places) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire_form(v, places) for v in value]
    return value


def wire_problem(value: Any, where: str = "$", *, floats: bool = False) -> str | None:
    """Why a value cannot travel (be signed, bundled, pushed and stored by the hub), naming
    the field by its JSON path, or None. `floats` accepts floats (earlier versions' facts).
    The rule itself is the wire's (`bench_app.wire.values`)."""
    found = value_problem(value, where, floats=floats)
    if found is None:
        return None
    at = found.where
    if found.kind == "nul":
        return f"{at}: a text contains the NUL character"
    if found.kind == "unicode":
        return f"{at}: a text is not valid Unicode"
    if found.kind == "float":
        return f"{at}: a float ({found.value!r}); record integers or a decimal string"
    if found.kind == "key":
        return f"{at}: a key that is not a text ({found.value!r})"
    return f"{at}: {type(found.value).__name__} is not JSON"


def validate(
    event_type: str, payload: dict[str, Any], *, recorded: bool = False, travels: bool = False
) -> None:
    """Raises BenchError naming the fact and the first missing, mistyped or untravelable
    field: EVENT_INVALID for a wrong shape, FACT_MALFORMED for a value that could not be
    signed, bundled or pushed. `recorded` is for an event already recorded at another
    station (import, hub): earlier versions' floats and old field names are accepted.
    `travels` says the caller already found no problem in the payload by the wire's rule
    with floats accepted (`wire.values.value_problem`); only a recorded fact may say so."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        raise BenchError("EVENT_INVALID", event_type=event_type, detail="unknown type")
    if not isinstance(payload, dict):
        raise BenchError("EVENT_INVALID", event_type=event_type, detail="payload is not an object")
    for name, types in schema.items():
        if name not in payload:
            legacy = LEGACY_FIELDS.get((event_type, name))
            if recorded and legacy is not None and _is_number(payload.get(legacy)):
                continue
            raise BenchError("EVENT_INVALID", event_type=event_type, detail=f"missing {name}")
        value = payload[name]
        if (isinstance(value, bool) and types is not bool) or not isinstance(value, types):
            raise BenchError(
                "EVENT_INVALID", event_type=event_type, detail=f"{name} has the wrong type"
            )
    if travels and recorded:
        return
    problem = wire_problem(payload, "payload", floats=recorded)
    if problem is not None:
        raise BenchError("FACT_MALFORMED", event_type=event_type, detail=problem)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
