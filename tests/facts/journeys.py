"""Hypothesis strategies for valid sequences of every fact the station records.

A journey is what a station's log holds after real work: a donor, a lot, devices registered
in it, and for each device any number of chapters in any order (identification, pre-sort,
inventory, jobs with their steps, erasures cut and resumed, phone installations and
installations skipped, disk images, disks linked to their computer, grades, labels printed, certificates given out, outcomes, loans signed later and paid, parts given, beneficiaries registered and forgotten). Every field the fact definitions (`bench_app.domain.facts.SCHEMAS`) name
gets a value of the right type and meaning, and every payload also carries extra fields of
any wire value, since facts keep what they do not name.

`BUILDERS` has one entry per fact type; `tests/facts/test_every_fact_travels.py` fails when a
type is defined that no builder makes, so a new fact cannot go untested.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import (
    DeviceKind,
    DonorKind,
    JobState,
    OutcomeKind,
    PreSort,
    StepStatus,
)

# Text as people and programs write it: any Unicode but NUL and lone surrogates.
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=24,
)
NAME = TEXT.filter(lambda s: s.strip() != "")
INT = st.integers(min_value=-(2**63), max_value=2**63 - 1)
WIRE = st.recursive(
    st.none() | st.booleans() | INT | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=5,
)
# Extra fields a producer may add: any wire value, under names the definition does not use.
EXTRAS = st.dictionaries(
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).map(lambda s: "x_" + s),
    WIRE,
    max_size=1,
)


def _text_json() -> st.SearchStrategy[dict[str, str]]:
    return st.builds(lambda fr, en: {"fr": fr, "en": en}, TEXT, TEXT)


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Fact:
    """One fact to record: its type, payload and device."""

    type: str
    payload: dict[str, Any]
    device_id: str | None


@dataclass
class Journey:
    """Facts grouped as the station records them: each chapter is one transaction."""

    operator: str
    lot_id: str
    chapters: list[list[Fact]] = field(default_factory=list)

    def types(self) -> set[str]:
        return {f.type for chapter in self.chapters for f in chapter}


# -- one builder per fact type: (draw, context) -> payload ---------------------------------


@dataclass
class Ctx:
    """What the facts of one chapter refer to."""

    device_id: str
    kind: DeviceKind
    job_id: str = ""
    erasure_id: str = ""
    write_id: str = ""
    lot_id: str = ""
    loan_id: str = ""
    full: bool = False  # at least one of each repeated fact


def _some(d: Any, c: Ctx) -> int:
    """How many times a repeated fact occurs (a checkpoint, a step, a cut segment)."""
    return int(d(st.integers(1 if c.full else 0, 2)))


def _with_extras(draw: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return {**draw(EXTRAS), **payload}


def _job(c: Ctx, **rest: Any) -> dict[str, Any]:
    return {"job_id": c.job_id, "device_id": c.device_id, **rest}


SIZE = st.integers(min_value=512, max_value=2**44)


def _drive_target(draw: Any) -> dict[str, Any]:
    return {
        "path": draw(st.sampled_from(["/dev/sdb", "/dev/nvme0n1", "/var/tmp/disque.img"])),
        "image_file": draw(st.booleans()),
        "serial": draw(TEXT),
        "model": draw(TEXT),
        "size_bytes": draw(SIZE),
        "logical_sector": draw(st.sampled_from([512, 4096])),
        "physical_sector": draw(st.sampled_from([512, 4096])),
        "transport": draw(st.sampled_from(["sata", "nvme", "usb", "file"])),
        "media": draw(st.sampled_from(["hdd", "ssd", "file"])),
        "wwn": draw(TEXT),
        "firmware": draw(TEXT),
    }


def _phone_target(draw: Any) -> dict[str, Any]:
    size = draw(SIZE)
    return {
        "kind": "phone",
        "brand": draw(TEXT),
        "model": draw(TEXT),
        "serial": draw(TEXT),
        "imei": draw(st.from_regex(r"\A[0-9]{15}\Z")),
        "storage_bytes": size,
        "size_bytes": size,
        "encryption": {"state": draw(st.sampled_from(["encrypted", "unencrypted"]))},
        "android_version": draw(st.sampled_from(["7.1.2", "10", "14"])),
    }


def _ranges(draw: Any) -> list[dict[str, int]]:
    return draw(
        st.lists(
            st.builds(
                lambda a, n: {"start_lba": a, "sectors": n},
                st.integers(0, 2**40),
                st.integers(1, 2**20),
            ),
            max_size=3,
        )
    )


BUILDERS: dict[str, Any] = {
    "device.identified": lambda d, c: {
        "device_id": c.device_id,
        "fields": d(st.dictionaries(st.sampled_from(["brand", "model", "serial", "imei"]), TEXT)),
    },
    "device.presorted": lambda d, c: {
        "device_id": c.device_id,
        "presort": d(st.sampled_from([p.value for p in PreSort])),
    },
    "device.inventoried": lambda d, c: {
        "device_id": c.device_id,
        "inventory": {
            "system": {"manufacturer": d(TEXT), "product": d(TEXT), "serial": d(TEXT)},
            "batteries": [{"health_percent": d(st.from_regex(r"\A[0-9]{1,3}\.[0-9]\Z"))}],
            "raw_outputs": d(st.dictionaries(st.sampled_from(["dmidecode", "lshw"]), TEXT)),
            **d(st.dictionaries(TEXT, WIRE, max_size=2)),
        },
    },
    "job.created": lambda d, c: _job(
        c,
        pipeline=d(st.sampled_from(["phone.check", "drive.erase", "phone.wipe", "phone.install"])),
        steps=d(st.lists(st.sampled_from(["identity", "battery", "erase", "verify"]), max_size=4)),
    ),
    "job.started": lambda d, c: _job(c),
    "step.started": lambda d, c: _job(c, step_id=d(NAME), kind=d(TEXT)),
    "step.finished": lambda d, c: _job(
        c,
        step_id=d(NAME),
        status=d(st.sampled_from([s.value for s in StepStatus])),
        summary=d(_text_json()),
        evidence=d(st.dictionaries(TEXT, WIRE, max_size=3)),
        blocking=d(st.booleans()),
    ),
    "step.failed": lambda d, c: _job(c, step_id=d(NAME), code=d(NAME), message=d(_text_json())),
    "job.finished": lambda d, c: _job(
        c, state=d(st.sampled_from([JobState.SUCCEEDED.value, JobState.BLOCKED.value]))
    ),
    "job.failed": lambda d, c: _job(c, code=d(NAME), message=d(_text_json())),
    "job.cancelled": lambda d, c: _job(c),
    "job.interrupted": lambda d, c: _job(
        c, reason=d(st.sampled_from(["DEVICE_GONE", "STATION_STOPPED"])), last_finished_step=None
    ),
    "job.resumed": lambda d, c: _job(c),
    "job.abandoned": lambda d, c: _job(c),
    "grade.assigned": lambda d, c: {
        "device_id": c.device_id,
        "functional": d(st.sampled_from(["A", "B", "C", "D"])),
        "cosmetic": d(st.integers(0, 9)),
        "workshop_grade": d(st.sampled_from(["A", "B", "C"])),
        "reasons": d(st.lists(_text_json(), max_size=2)),
    },
    "erasure.started": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        method=d(st.sampled_from(["clear-random", "clear-zero", "purge", "factory-reset"])),
        technique=d(st.sampled_from(["overwrite", "cryptographic erase", "logical reset"])),
        standard=d(TEXT),
        target=_phone_target(d) if c.kind == DeviceKind.PHONE else _drive_target(d),
        verify=d(st.sampled_from(["full", "sample"])),
        limitation=d(st.none() | _text_json()),
    ),
    "erasure.pass_started": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        pass_no=1,
        pattern=d(st.sampled_from(["random", "zeros", "factory-reset:recovery"])),
        start_byte=d(st.integers(0, 2**30)),
        end_byte=d(st.integers(2**30, 2**44)),
        resumed=d(st.booleans()),
    ),
    "erasure.checkpoint": lambda d, c: _job(
        c, erasure_id=c.erasure_id, pass_no=1, offset=d(st.integers(0, 2**44))
    ),
    "erasure.pass_finished": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        pass_no=1,
        pattern=d(st.sampled_from(["random", "zeros"])),
        bytes=d(st.integers(0, 2**44)),
        milliseconds=d(st.integers(0, 10**9)),
        throughput_bps=d(st.integers(0, 10**10)),
        errors=_ranges(d),
        completed=d(st.booleans()),
    ),
    "erasure.purge_cancelled": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        purge={"method": d(TEXT), "ok": False, "milliseconds": d(st.integers(0, 10**7))},
    ),
    "erasure.verified": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        mode=d(st.sampled_from(["full", "sample", "post-boot checks"])),
        ok=d(st.booleans()),
        bytes_checked=d(st.integers(0, 2**44)),
        milliseconds=d(st.integers(0, 10**9)),
        mismatches=_ranges(d),
    ),
    "erasure.finished": lambda d, c: _job(
        c,
        erasure_id=c.erasure_id,
        result=d(st.sampled_from(["erased", "not_erased"])),
        reasons=d(st.lists(_text_json(), max_size=2)),
    ),
    "install.action_done": lambda d, c: _job(
        c,
        index=d(st.integers(0, 40)),
        action=d(st.sampled_from(["fastboot:flash", "adb:sideload", "operator:action"])),
    ),
    "device.os_installed": lambda d, c: {
        "device_id": c.device_id,
        "os": d(st.sampled_from(["lineageos", "eos"])),
        "name": d(NAME),
        "version": d(NAME),
    },
    "image.write_started": lambda d, c: _job(
        c,
        write_id=c.write_id,
        image=d(NAME),
        checksum=d(st.from_regex(r"\A[0-9a-f]{64}\Z")),
        target=_drive_target(d),
        mapped_bytes=d(st.integers(0, 2**40)),
        image_size=d(st.integers(0, 2**40)),
    ),
    "image.write_checkpoint": lambda d, c: _job(
        c, write_id=c.write_id, offset=d(st.integers(0, 2**40))
    ),
    "image.written": lambda d, c: _job(
        c,
        write_id=c.write_id,
        bytes=d(st.integers(0, 2**40)),
        milliseconds=d(st.integers(0, 10**9)),
        verify_milliseconds=d(st.integers(0, 10**9)),
        verified=d(st.booleans()),
        result=d(st.sampled_from(["installed", "not_installed"])),
        reasons=d(st.lists(_text_json(), max_size=1)),
    ),
    "outcome.recorded": lambda d, c: _outcome(d, c),
    # A lent or rented device back at the workshop, closing its loan.
    "loan.returned": lambda d, c: {
        "device_id": c.device_id,
        "loan_id": c.loan_id or _new_id(),
        "condition": d(NAME),
        "state": d(st.sampled_from(["good", "worn", "damaged", "incomplete", ""])),
    },
    # A loan's handover sheet signed after the handover: ticked, or with its picture's hash.
    "loan.signed": lambda d, c: {
        "device_id": c.device_id,
        "loan_id": c.loan_id or _new_id(),
        "signature_sha256": d(st.just("") | st.from_regex(r"\A[0-9a-f]{64}\Z")),
    },
    # A rental's payment: the day, euros as a decimal string, the receipt, the months paid.
    "loan.paid": lambda d, c: {
        "device_id": c.device_id,
        "loan_id": c.loan_id or _new_id(),
        "paid_on": d(st.dates()).isoformat(),
        "amount_eur": (lambda cents: f"{cents // 100}.{cents % 100:02d}")(d(st.integers(1, 10**7))),
        "receipt": d(NAME),
        "months": d(st.integers(1, 60)),
    },
    # A part of a device kept for parts, put into another device.
    "part.given": lambda d, c: {
        "device_id": c.device_id,
        "part": d(NAME),
        "receiver_id": _new_id(),
        "receiver_asset": str(AssetCode.make("ABCD", d(st.integers(1, 999)))),
    },
    "label.printed": lambda d, c: {
        "device_id": c.device_id,
        "template": d(st.sampled_from(["brother-62", "zebra-2x1", "a4-24"])),
        "printer": d(TEXT),
    },
    "install.skipped": lambda d, c: {"device_id": c.device_id, "reason": d(NAME)},
    "certificate.issued": lambda d, c: _certificate_issued(d, c),
    # A disk linked to the computer it came from, or unlinked ("" : a corrected link).
    "disk.linked": lambda d, c: {
        "device_id": c.device_id,
        "host_id": d(st.just("") | st.uuids().map(str)),
        "host_asset": d(st.just("") | st.just(str(AssetCode.make("ABCD", 1)))),
        "reason": d(TEXT),
    },
    # A beneficiary's file opened and their personal data erased: the reference only.
    "beneficiary.registered": lambda d, c: {"reference": d(NAME)},
    "beneficiary.forgotten": lambda d, c: {
        "reference": d(NAME),
        "reason": d(st.sampled_from(["request", "retention"])),
        "approved_by": d(TEXT),
    },
    # A supervisor's approval of what an operator must not do alone (bench_app/approvals.py).
    "approval.granted": lambda d, c: {
        "action": d(
            st.sampled_from(
                ["override_check", "regrade_after_label", "recycle_passed", "forget_beneficiary"]
            )
        ),
        "device_id": c.device_id,
        "operator": d(NAME),
        "supervisor": d(NAME),
        "role": d(st.sampled_from(["supervisor", "trainer"])),
        "reason": d(NAME),
    },
    # Registered by the journey itself (they open it): listed so coverage sees them.
    "donor.registered": None,
    "lot.registered": None,
    "device.registered": None,
    "device.attached_to_lot": None,
}


def _outcome(d: Any, c: Ctx, kinds: list[str] | None = None) -> dict[str, Any]:
    kind = d(st.sampled_from(kinds or [k.value for k in OutcomeKind]))
    payload: dict[str, Any] = {"device_id": c.device_id, "kind": kind, "note": d(TEXT)}
    if kind == OutcomeKind.RECYCLING.value:
        payload["reference"] = d(NAME)
        if d(st.booleans()):
            grams = d(st.integers(1, 10**8))
            payload["weight_kg"] = f"{grams // 1000}.{grams % 1000:03d}"
    if kind in (OutcomeKind.DONATION.value, OutcomeKind.LOAN.value, OutcomeKind.RENTAL.value):
        payload["beneficiary"] = d(NAME)
    if kind in (OutcomeKind.LOAN.value, OutcomeKind.RENTAL.value):
        # The loan's one record: its id, start, handover sheet (the picture by its hash).
        c.loan_id = _new_id()
        payload["loan_id"] = c.loan_id
        payload["start_on"] = d(st.dates()).isoformat()
        payload["signed"] = d(st.booleans())
        if d(st.booleans()):
            payload["signature_sha256"] = d(st.from_regex(r"\A[0-9a-f]{64}\Z"))
    if kind == OutcomeKind.LOAN.value:
        payload["due_on"] = d(st.dates()).isoformat()
    if kind == OutcomeKind.RENTAL.value:
        payload["term_months"] = d(st.integers(1, 60))
    if kind == OutcomeKind.SALE.value:
        # Euros as a decimal string: facts carry no float.
        cents = d(st.integers(0, 10**7))
        payload["price_eur"] = f"{cents // 100}.{cents % 100:02d}"
        payload["receipt"] = d(NAME)
    if kind == OutcomeKind.SPARE_PARTS.value and d(st.booleans()):
        payload["part"] = d(NAME)
        payload["receiver_id"] = _new_id()
        payload["receiver_asset"] = str(AssetCode.make("ABCD", d(st.integers(1, 999))))
    return payload


def _loan_chapter(d: Any, c: Ctx) -> list[Fact]:
    """A loan or rental, its sheet maybe signed later and months maybe paid, then the
    device back at the workshop."""
    lent = _with_extras(d, _outcome(d, c, [OutcomeKind.LOAN.value, OutcomeKind.RENTAL.value]))
    facts = [Fact("outcome.recorded", lent, c.device_id)]
    if c.full or d(st.booleans()):
        facts.append(_fact(d, c, "loan.signed"))
    facts += [_fact(d, c, "loan.paid") for _ in range(_some(d, c))]
    return [*facts, _fact(d, c, "loan.returned")]


def _parts_chapter(d: Any, c: Ctx) -> list[Fact]:
    """A device kept for its parts gives one or more of them to other devices."""
    kept = _with_extras(d, _outcome(d, c, [OutcomeKind.SPARE_PARTS.value]))
    given = [_fact(d, c, "part.given") for _ in range(d(st.integers(1, 3)))]
    return [Fact("outcome.recorded", kept, c.device_id), *given]


def _certificate_issued(d: Any, c: Ctx) -> dict[str, Any]:
    """A device's erasure certificate (the erasure it certifies, drawn or the chapter's) or
    its lot's certificate, as the window or `etabli certificate` gave it out."""
    common = {
        "reference": d(st.from_regex(r"\ACERT-[0-9A-F]{5}-[0-9A-F]{5}\Z")),
        "sha256": d(st.from_regex(r"\A[0-9a-f]{64}\Z")),
        "lang": d(st.sampled_from(["fr", "en"])),
        "delivery": d(st.sampled_from(["opened", "printed", "saved", "file"])),
        "file_name": d(TEXT),
        "key_id": d(TEXT),
    }
    if d(st.booleans()):
        return {
            **common,
            "document": "lot_certificate",
            "device_id": None,
            "erasure_id": None,
            "lot_id": c.lot_id,
            "counts": {"devices": d(st.integers(0, 500)), "certified": d(st.integers(0, 500))},
            "references": d(st.lists(TEXT, max_size=2)),
        }
    return {
        **common,
        "document": "erasure_certificate",
        "device_id": c.device_id,
        "asset_code": d(TEXT),
        "erasure_id": c.erasure_id or _new_id(),
        "job_id": c.job_id or _new_id(),
        "result": d(st.sampled_from(["erased", "not_erased", "in_progress"])),
        "certified": d(st.booleans()),
        "lot_id": None,
    }


def _approval_chapter(d: Any, c: Ctx) -> list[Fact]:
    """A supervisor's approval: of a device's action, or of none (the station's roles, a
    beneficiary's forgetting)."""
    payload = _with_extras(d, BUILDERS["approval.granted"](d, c))
    if d(st.booleans()):
        payload["action"] = d(st.sampled_from(["change_roles", "forget_beneficiary"]))
        payload["device_id"] = None
    return [Fact("approval.granted", payload, payload["device_id"])]


def _certificate_chapter(d: Any, c: Ctx) -> list[Fact]:
    """A certificate given out: a lot's belongs to no device."""
    payload = _with_extras(d, _certificate_issued(d, c))
    return [Fact("certificate.issued", payload, payload["device_id"])]


def _fact(d: Any, c: Ctx, event_type: str) -> Fact:
    return Fact(event_type, _with_extras(d, BUILDERS[event_type](d, c)), c.device_id)


# -- chapters --------------------------------------------------------------------------------

_ERASURE_END = ["erasure.verified", "erasure.finished"]


def _erasure_chapter(d: Any, c: Ctx, ending: str) -> list[Fact]:
    """An erasure job: started, one pass cut by any number of interruptions, then verified
    and finished, cancelled during a Purge, or still open."""
    c.job_id, c.erasure_id = _new_id(), _new_id()
    facts = [_fact(d, c, t) for t in ("job.created", "job.started", "erasure.started")]
    for _ in range(_some(d, c)):  # cut by an unplug, resumed
        facts.append(_fact(d, c, "erasure.pass_started"))
        facts += [_fact(d, c, "erasure.checkpoint") for _ in range(_some(d, c))]
        facts += [_fact(d, c, "job.interrupted"), _fact(d, c, "job.resumed")]
    facts.append(_fact(d, c, "erasure.pass_started"))
    facts += [_fact(d, c, "erasure.checkpoint") for _ in range(_some(d, c))]
    if ending == "cancelled":
        facts += [_fact(d, c, "erasure.purge_cancelled"), _fact(d, c, "job.cancelled")]
    elif ending == "finished":
        facts.append(_fact(d, c, "erasure.pass_finished"))
        facts += [_fact(d, c, t) for t in _ERASURE_END]
        facts.append(_fact(d, c, "job.finished"))
    return facts


def _job_chapter(d: Any, c: Ctx, end: str) -> list[Fact]:
    """A checking job: steps that pass, fail or block, and one way for a job to end."""
    c.job_id = _new_id()
    facts = [_fact(d, c, "job.created"), _fact(d, c, "job.started")]
    for _ in range(_some(d, c)):
        facts += [_fact(d, c, "step.started"), _fact(d, c, "step.finished")]
    if end == "job.failed":
        facts += [_fact(d, c, "step.started"), _fact(d, c, "step.failed")]
    if end == "abandoned":
        facts += [_fact(d, c, "job.interrupted"), _fact(d, c, "job.abandoned")]
    else:
        facts.append(_fact(d, c, end))
    return facts


def _install_chapter(d: Any, c: Ctx) -> list[Fact]:
    c.job_id = _new_id()
    facts = [_fact(d, c, "job.created"), _fact(d, c, "job.started")]
    facts += [_fact(d, c, "install.action_done") for _ in range(d(st.integers(1, 3)))]
    facts += [_fact(d, c, "device.os_installed"), _fact(d, c, "job.finished")]
    return facts


def _image_chapter(d: Any, c: Ctx) -> list[Fact]:
    c.job_id, c.write_id = _new_id(), _new_id()
    facts = [_fact(d, c, t) for t in ("job.created", "job.started", "image.write_started")]
    facts += [_fact(d, c, "image.write_checkpoint") for _ in range(_some(d, c))]
    facts += [_fact(d, c, "image.written"), _fact(d, c, "job.finished")]
    return facts


def _beneficiary_chapter(d: Any, c: Ctx) -> list[Fact]:
    """A beneficiary registered, then maybe forgotten: facts about no device."""
    facts = [_fact(d, c, "beneficiary.registered")]
    if c.full or d(st.booleans()):
        facts.append(_fact(d, c, "beneficiary.forgotten"))
    return [Fact(f.type, f.payload, None) for f in facts]


def _single(event_type: str) -> Any:
    return lambda d, c: [_fact(d, c, event_type)]


def _variant(chapter: Any, variant: str) -> Any:
    return lambda d, c: chapter(d, c, variant)


# Every kind of chapter, and each way it can go: a journey through all of them holds every
# fact type (checked by test_every_fact_travels).
CHAPTERS: dict[str, Any] = {
    "identified": _single("device.identified"),
    "presorted": _single("device.presorted"),
    "inventoried": _single("device.inventoried"),
    "grade": _single("grade.assigned"),
    "outcome": _single("outcome.recorded"),
    "loan_returned": _loan_chapter,
    "parts_given": _parts_chapter,
    "label": _single("label.printed"),
    "install_skipped": _single("install.skipped"),
    "certificate": _certificate_chapter,
    "disk_linked": _single("disk.linked"),
    "beneficiary": _beneficiary_chapter,
    "approval": _approval_chapter,
    "install": _install_chapter,
    "image": _image_chapter,
    **{
        f"job:{end}": _variant(_job_chapter, end)
        for end in ("job.finished", "job.failed", "job.cancelled", "abandoned")
    },
    **{
        f"erasure:{end}": _variant(_erasure_chapter, end)
        for end in ("finished", "cancelled", "open")
    },
}


@st.composite
def journeys(draw: Any, prefix: str = "ABCD", *, every_chapter: bool = False) -> Journey:
    """A station's whole log: one donor, one lot, one to three devices, each with chapters
    drawn from every kind (`every_chapter`: one device that goes through every kind once,
    with at least one of each repeated fact)."""
    operator = draw(NAME)
    donor_id, lot_id = _new_id(), _new_id()
    journey = Journey(operator, lot_id)
    journey.chapters.append(
        [
            Fact(
                "donor.registered",
                _with_extras(
                    draw,
                    {
                        "donor_id": donor_id,
                        "name": draw(NAME),
                        "kind": draw(st.sampled_from([k.value for k in DonorKind])),
                        "contact": draw(TEXT),
                    },
                ),
                None,
            ),
            Fact(
                "lot.registered",
                _with_extras(
                    draw,
                    {
                        "lot_id": lot_id,
                        "donor_id": donor_id,
                        "received_on": draw(st.dates()).isoformat(),
                        "agreement_ref": draw(TEXT),
                        "expected_count": draw(st.none() | st.integers(0, 10_000)),
                    },
                ),
                None,
            ),
        ]
    )
    for number in range(1, (1 if every_chapter else draw(st.integers(1, 3))) + 1):
        kind = draw(st.sampled_from(list(DeviceKind)))
        device_id = _new_id()
        c = Ctx(device_id, kind, lot_id=lot_id, full=every_chapter)
        register = Fact(
            "device.registered",
            _with_extras(
                draw,
                {
                    "device_id": device_id,
                    "asset_code": str(AssetCode.make(prefix, number)),
                    "kind": kind.value,
                    "brand": draw(TEXT),
                    "model": draw(TEXT),
                    "serial": draw(TEXT),
                    "imei": draw(st.just("") | st.from_regex(r"\A[0-9]{15}\Z")),
                },
            ),
            device_id,
        )
        attach = Fact(
            "device.attached_to_lot",
            _with_extras(draw, {"device_id": device_id, "lot_id": lot_id}),
            device_id,
        )
        journey.chapters.append([register, attach])
        names = (
            draw(st.permutations(list(CHAPTERS)))
            if every_chapter
            else draw(st.lists(st.sampled_from(list(CHAPTERS)), max_size=5))
        )
        for name in names:
            journey.chapters.append(CHAPTERS[name](draw, c))
    return journey
