"""The facts the bench records: each event type and the payload fields it must carry.

Checked when an event is appended (and, later, when the collective's hub receives it).
"""

from __future__ import annotations

from typing import Any

from bench_app.errors import BenchError

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
    "outcome.recorded": {"device_id": _STR, "kind": _STR},
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
        "seconds": (int, float),
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
        "seconds": (int, float),
        "verified": bool,
    },
}


def validate(event_type: str, payload: dict[str, Any]) -> None:
    """Raises BenchError(EVENT_INVALID) naming the first missing or mistyped field."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        raise BenchError("EVENT_INVALID", event_type=event_type, detail="unknown type")
    for name, types in schema.items():
        if name not in payload:
            raise BenchError("EVENT_INVALID", event_type=event_type, detail=f"missing {name}")
        value = payload[name]
        if (isinstance(value, bool) and types is not bool) or not isinstance(value, types):
            raise BenchError(
                "EVENT_INVALID", event_type=event_type, detail=f"{name} has the wrong type"
            )
