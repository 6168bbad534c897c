"""Donations (lots) as a supervisor follows them: every lot with its donor, agreement
reference, date, expected and received counts and how many of its devices wait at each
stage of their journey; one lot's page with each device's stage, grade, outcome and what
blocks it; devices attached to a lot later by scanning their labels one after the other.

Positions come from bench_app/journey.py, so the window, the command line and the reports
say the same. The overview never replays a device's history: one query
(store/lot_queries.py) reads, for every device at once, the flags the journey's rules read
from its facts; the devices are grouped by their flags, and each group's position is the
journey of a few facts standing for those flags (a handful of groups per lot, whatever its
size). One lot's page computes each of its devices' journey from its facts, bounded by
the lot's size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bench_app.disk_links import hosts as disk_hosts
from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import Device, DeviceKind, Lot, OutcomeKind
from bench_app.errors import BenchError
from bench_app.jobs.steps import Purpose
from bench_app.journey import (
    COMPUTER_KINDS,
    HEALTH_STEP,
    OUTCOME_WORDS,
    STAGE_NAMES,
    Blocker,
    Journey,
    JourneyPolicy,
    LinkedDisk,
    Stage,
    device_journey,
    journey_of,
    stage_line,
)
from bench_app.parts import gave_counts
from bench_app.store import lot_counts, lot_queries, queries, report_queries
from bench_app.store.database import Store
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.output.reports.activity import Activity
    from bench_app.station import Station

BLOCKED = "blocked"  # a lock stops everything: the next step is "see what to do"
DONE = "done"  # every stage done
# Where a device can be, from the least to the most advanced (each kind uses some stages).
POSITIONS: tuple[str, ...] = (
    BLOCKED,
    Stage.CHECK.value,
    Stage.WIPE.value,
    Stage.ERASE.value,
    Stage.INSTALL.value,
    Stage.SYSTEM_IMAGE.value,
    Stage.GRADE.value,
    Stage.LABEL.value,
    Stage.OUTCOME.value,
    DONE,
)
POSITION_NAMES: dict[str, Text] = {
    BLOCKED: Text("Bloqué", "Blocked"),
    **{s.value: name for s, name in STAGE_NAMES.items()},
    DONE: Text("Terminé", "Done"),
}


def position_of(journey: Journey) -> str:
    """Where a device waits: its next stage, BLOCKED, or DONE."""
    if journey.next is None:
        return DONE
    if journey.next.stage is None:
        return BLOCKED
    return journey.next.stage.value


@dataclass(frozen=True)
class LotSummary:
    """One lot in the overview. `positions`: how many of its devices wait at each
    position (every key of POSITIONS); `attention`: how many have something blocking."""

    lot: Lot
    donor: str
    positions: dict[str, int]
    attention: int

    @property
    def received(self) -> int:
        return sum(self.positions.values())

    @property
    def reference(self) -> str:
        return self.lot.agreement_ref or f"…{self.lot.id[-8:]}"

    def to_json(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot.id,
            "donor": self.donor,
            "agreement_ref": self.lot.agreement_ref,
            "received_on": self.lot.received_on,
            "expected": self.lot.expected_count,
            "received": self.received,
            "training": self.lot.training,
            "stages": dict(self.positions),
            "attention": self.attention,
        }


@dataclass(frozen=True)
class LotDeviceLine:
    """One device on a lot's page."""

    device: Device
    journey: Journey
    grade: str  # the workshop's latest grade, "" if none
    outcome: OutcomeKind | None  # the latest outcome recorded (by the stations' clock)
    parts_given: int = 0  # kept for its parts: how many it gave to other devices

    @property
    def position(self) -> str:
        return position_of(self.journey)

    @property
    def blockers(self) -> tuple[Blocker, ...]:
        return self.journey.blockers

    def outcome_words(self) -> Text | None:
        return OUTCOME_WORDS[self.outcome] if self.outcome else None

    def to_json(self) -> dict[str, Any]:
        outcome = self.outcome
        return {
            "device_id": self.device.id,
            "asset_code": self.device.asset_code,
            "kind": self.device.kind.value,
            "label": self.device.label,
            "stage": self.position,
            "stage_line": stage_line(self.journey).to_json(),
            "grade": self.grade,
            "outcome": outcome.value if outcome else None,
            "parts_given": self.parts_given,
            "blockers": [
                {"code": b.code, "reason": b.reason.to_json(), "action": b.action.to_json()}
                for b in self.blockers
            ],
        }


@dataclass(frozen=True)
class LotPage:
    summary: LotSummary
    devices: list[LotDeviceLine]

    def to_json(self) -> dict[str, Any]:
        return {**self.summary.to_json(), "devices": [d.to_json() for d in self.devices]}


# -- the overview ------------------------------------------------------------------------

_TEST_PIPELINE = "lots.check"  # the pipeline of the facts standing for a done check
_HOSTED_BIT = lot_queries.FLAGS.index("hosted")


@dataclass(frozen=True)
class _Fact:
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Flags:
    """What a device's facts say, as the overview's query reads it."""

    kind: DeviceKind
    checked: bool
    failing: bool
    verified: bool
    erasure_failed: bool
    installed: bool
    install_skipped: bool
    imaged: bool
    graded: bool
    labelled: bool
    outcome: bool
    frp: bool
    mdm: bool
    check_failed: bool = False  # its latest check failed

    @classmethod
    def of_row(cls, r: Sequence[Any]) -> _Flags:
        """From a row of store/lot_queries.py (kind at 1, the flags' bits at 3)."""
        kind = DeviceKind(r[1])
        bit = {name: bool(int(r[3]) >> n & 1) for n, name in enumerate(lot_queries.FLAGS)}
        phone = kind in (DeviceKind.PHONE, DeviceKind.TABLET)
        health = bit["health"] and not phone  # a SMART reading is a drive's or computer's check
        return cls(
            kind=kind,
            checked=bit["tested"] or (bit["inventoried"] and kind in COMPUTER_KINDS) or health,
            failing=health and bit["failing"],
            verified=bit["verified"],
            erasure_failed=bit["erasure_failed"],
            installed=bit["installed"],
            install_skipped=bit["skipped"],
            imaged=bit["imaged"],
            graded=bit["graded"],
            labelled=bit["labelled"],
            outcome=bit["outcome"],
            frp=bit["frp"],
            mdm=bit["mdm"],
            check_failed=bit["check_failed"],
        )

    def hosted(self, r: Sequence[Any]) -> bool:
        """A disk that goes back into its computer."""
        return self.kind is DeviceKind.DRIVE and bool(int(r[3]) >> _HOSTED_BIT & 1)

    def facts(self) -> list[_Fact]:
        """A few facts whose journey reads exactly these flags."""
        facts = [_Fact("device.registered", {})]
        if self.checked:
            facts += [
                _Fact("job.created", {"job_id": "c", "pipeline": _TEST_PIPELINE}),
                _Fact("job.finished", {"job_id": "c", "state": "succeeded"}),
            ]
        if self.check_failed:  # the latest check, after any that went through
            facts += [
                _Fact("job.created", {"job_id": "x", "pipeline": _TEST_PIPELINE}),
                _Fact("job.failed", {"job_id": "x"}),
            ]
        if self.failing:
            facts.append(
                _Fact("step.finished", {"step_id": HEALTH_STEP, "status": "failed", "evidence": {}})
            )
        if self.frp or self.mdm:
            reading = {"google_accounts": ["x"] if self.frp else [], "device_owner": self.mdm}
            facts.append(_Fact("step.finished", {"step_id": "locks", "evidence": reading}))
        if self.verified:
            facts += [
                _Fact("erasure.verified", {"erasure_id": "v", "ok": True}),
                _Fact("erasure.finished", {"erasure_id": "v", "result": "erased"}),
            ]
        if self.erasure_failed:
            facts.append(_Fact("erasure.finished", {"erasure_id": "f", "result": "not_erased"}))
        if self.imaged:
            facts.append(_Fact("image.written", {"verified": True, "result": "installed"}))
        for flag, fact in (
            (self.installed, "device.os_installed"),
            (self.graded, "grade.assigned"),
            (self.labelled, "label.printed"),
        ):
            if flag:
                facts.append(_Fact(fact, {}))
        if self.install_skipped:
            facts.append(_Fact("install.skipped", {"reason": "-"}))
        if self.outcome:
            facts.append(_Fact("outcome.recorded", {"kind": OutcomeKind.RECYCLING.value}))
        return facts


@dataclass(frozen=True)
class _DisksFlags:
    """A computer's linked disks, as far as its journey's position depends on them."""

    count: int
    all_checked: bool
    all_erased: bool
    any_failing: bool
    any_erasure_failed: bool
    any_imaged: bool  # one of them received the system after its verified erasure

    def linked(self) -> list[LinkedDisk]:
        if not self.count:
            return []
        disk = _Flags(
            DeviceKind.DRIVE,
            checked=self.all_checked,
            failing=self.any_failing,
            verified=self.all_erased,
            erasure_failed=self.any_erasure_failed and not self.all_erased,
            installed=False,
            install_skipped=False,
            imaged=False,
            graded=False,
            labelled=False,
            outcome=False,
            frp=False,
            mdm=False,
        )
        disks = [LinkedDisk("disks", "", disk.facts())]
        if self.any_imaged:
            imaged = _Flags(
                DeviceKind.DRIVE, True, False, True, False, False, False, True,
                False, False, False, False, False,
            )  # fmt: skip
            disks.append(LinkedDisk("imaged", "", imaged.facts()))
        return disks


_NO_DISKS = _DisksFlags(0, True, True, False, False, False)


@dataclass(frozen=True)
class _Subject:
    lot_id: str
    flags: _Flags
    disks: _DisksFlags
    hosted: bool  # a disk that goes back into its computer
    exact_id: str = ""  # a device whose journey is read from its facts (`fixed`)
    fixed: Journey | None = field(default=None, compare=False)

    def journey(self, policy: JourneyPolicy) -> Journey:
        if self.fixed is not None:
            return self.fixed
        return journey_of(
            self.flags.kind,
            self.flags.facts(),
            purposes={_TEST_PIPELINE: Purpose.TESTS},
            policy=policy,
            disks=self.disks.linked(),
            host_code="-" if self.hosted else "",
        )


def _subjects(
    store: Store,
    lot_id: str | None,
    purposes: Mapping[str, Purpose],
    *,
    per_device: bool,
    policy: JourneyPolicy,
    from_facts: bool = False,
) -> list[tuple[str | None, _Subject, int]]:
    """What the journey reads of the devices of the lot (or of every lot): (device id, or
    None for devices counted together, what is read, how many devices). A device back from
    a loan or whose failed check was let through has its journey read from its facts."""
    hosts = disk_hosts(store)
    exact = lot_queries.exact_devices(store)
    tests = sorted(name for name, p in purposes.items() if p is Purpose.TESTS)
    if lot_id is None and not per_device and not from_facts:
        rows = _counted_rows(store, tests, hosts, exact)
    else:
        read = lot_queries.device_flag_rows if per_device else lot_queries.device_flags
        rows = read(store, lot_id=lot_id, test_pipelines=tests, hosts=hosts)
    flags = {r[0]: _Flags.of_row(r) for r in rows if r[0] is not None}
    disks_of: dict[str, list[_Flags]] = {}
    for disk, host in hosts.items():
        if disk in flags:
            disks_of.setdefault(host, []).append(flags[disk])
    found: list[tuple[str | None, _Subject, int]] = []
    read_flags: dict[tuple[Any, Any], _Flags] = {}
    for r in rows:
        if r[2] is None:  # a linked disk outside the lots asked for
            continue
        if r[0] is not None:
            f = flags[r[0]]
        else:  # many lots share a few sets of flags: each read once
            f = read_flags.get((r[1], r[3])) or read_flags.setdefault(
                (r[1], r[3]), _Flags.of_row(r)
            )
        disks = _NO_DISKS
        linked = disks_of.get(r[0]) if r[0] is not None else None
        if f.kind in COMPUTER_KINDS and linked:
            disks = _DisksFlags(
                len(linked),
                all(d.checked for d in linked),
                all(d.verified for d in linked),
                any(d.failing for d in linked),
                any(d.erasure_failed and not d.verified for d in linked),
                any(d.imaged and d.verified for d in linked),
            )
        subject = _Subject(r[2], f, disks, f.hosted(r))
        if r[0] is not None and r[0] in exact:
            device = queries.device(store, r[0])
            if device is not None:
                fixed = device_journey(store, device, purposes=purposes, policy=policy)
                subject = replace(subject, exact_id=r[0], fixed=fixed)
        found.append((r[0], subject, int(r[4])))
    return found


_TESTED_BIT = 1 << lot_queries.FLAGS.index("tested")
_CHECK_FAILED_BIT = 1 << lot_queries.FLAGS.index("check_failed")


def _counted_rows(
    store: Store, tests: Sequence[str], hosts: Mapping[str, str], exact: set[str]
) -> list[lot_queries.Row]:
    """The rows `lot_queries.device_flags` gives for every lot, from the lots' counters
    (store/lot_counts.py): the devices counted together by their counters' rows, the
    testing pipelines (a setting) turned into their "tested" and "check failed" bits; the
    devices read one by one (linked disks and computers, `exact`) taken out of those rows
    and read from their facts."""
    testing = set(tests)
    counted: Counter[tuple[str, str, int]] = Counter()

    def add(key: lot_counts.Key, n: int) -> None:
        lot, _training, kind, bits, passed, recent = key
        if any(p in testing for p in passed.split("\n")):
            bits |= _TESTED_BIT
        for line in recent.split("\n") if recent else []:
            pipeline, failed = line.rsplit(" ", 1)
            if pipeline in testing:
                bits |= _CHECK_FAILED_BIT if failed == "1" else 0
                break
        counted[(kind, lot, bits)] += n

    for lot, kind, bits, passed, recent, n in lot_counts.rows(store, None):
        add((lot, 0, kind, bits, passed, recent), int(n))
    listed = sorted(exact | set(hosts) | set(hosts.values()))
    for key in lot_counts.subject_keys(store.query, listed):
        add(key, -1)
    found: list[lot_queries.Row] = [
        (None, kind, lot, bits, n) for (kind, lot, bits), n in counted.items() if n
    ]
    if listed:
        found += lot_queries.listed_device_flags(store, listed, test_pipelines=tests, hosts=hosts)
    return found


def read_journeys(
    store: Store,
    lot_id: str | None,
    *,
    purposes: Mapping[str, Purpose],
    policy: JourneyPolicy,
) -> dict[str, Journey]:
    """Each device's journey as the overview reads it (its stages done, its position and its
    blockers' codes are those of `device_journey`; a blocker's named disks are not kept)."""
    cache: dict[_Subject, Journey] = {}
    found = {}
    for device_id, subject, _count in _subjects(
        store, lot_id, purposes, per_device=True, policy=policy
    ):
        key = replace(subject, lot_id="")
        if key not in cache:
            cache[key] = key.journey(policy)
        assert device_id is not None
        found[device_id] = cache[key]
    return found


def _positions(
    subjects: Iterable[tuple[str | None, _Subject, int]], policy: JourneyPolicy
) -> dict[str, tuple[Counter[str], int]]:
    """Per lot: how many devices at each position, and how many with a blocker."""
    cache: dict[tuple[Any, ...], tuple[str, bool]] = {}
    result: dict[str, tuple[Counter[str], int]] = {}
    for _device, subject, count in subjects:
        # What the journey reads (not the lot): a tuple hashes faster than a copy.
        key = (subject.flags, subject.disks, subject.hosted, subject.exact_id)
        if key not in cache:
            journey = replace(subject, lot_id="").journey(policy)
            cache[key] = (position_of(journey), bool(journey.blockers))
        position, blocked = cache[key]
        counts, attention = result.get(subject.lot_id, (Counter(), 0))
        counts[position] += count
        result[subject.lot_id] = (counts, attention + (count if blocked else 0))
    return result


def overview(
    store: Store,
    *,
    purposes: Mapping[str, Purpose],
    policy: JourneyPolicy,
    training: bool | None = None,
    from_facts: bool = False,
) -> list[LotSummary]:
    """Every lot (only training or only real ones when `training` says so), newest first,
    with its donor and how many of its devices wait at each position. A real lot counts its
    real devices only (as its report does). Read from the lots' counters, or when
    `from_facts` from every device's flags (the same counts, slower; the tests compare)."""
    subjects = _subjects(
        store, None, purposes, per_device=False, policy=policy, from_facts=from_facts
    )
    per_lot = _positions(subjects, policy)
    found = []
    for r in lot_queries.lot_rows(store):
        lot = Lot(r[0], r[1], r[2], r[3], r[4], bool(r[5]))
        if training is not None and lot.training != training:
            continue
        counts, attention = per_lot.get(lot.id, (Counter(), 0))
        found.append(LotSummary(lot, r[6], {p: counts.get(p, 0) for p in POSITIONS}, attention))
    return found


def summary(
    store: Store, lot: Lot, *, purposes: Mapping[str, Purpose], policy: JourneyPolicy
) -> LotSummary:
    """One lot's line of the overview."""
    subjects = _subjects(store, lot.id, purposes, per_device=False, policy=policy)
    counts, attention = _positions(subjects, policy).get(lot.id, (Counter(), 0))
    donor = report_queries.donor(store, lot.donor_id)
    return LotSummary(
        lot, donor.name if donor else "", {p: counts.get(p, 0) for p in POSITIONS}, attention
    )


def page(
    store: Store, lot: Lot, *, purposes: Mapping[str, Purpose], policy: JourneyPolicy
) -> LotPage:
    """A lot's page: its line of the overview, and each of its devices (by asset code) with
    its position and blockers as the overview reads them (a computer's from its facts and
    its disks', whose blockers name the disks), its latest grade and its latest outcome.
    A real lot lists its real devices."""
    head = summary(store, lot, purposes=purposes, policy=policy)
    latest = {r[0]: (r[14] or "", r[15]) for r in report_queries.lot_device_rows(store, lot.id)}
    read = read_journeys(store, lot.id, purposes=purposes, policy=policy)
    kinds = {k.value: k for k in OutcomeKind}
    lines = []
    devices = lot_devices(store, lot)
    gave = gave_counts(store, [d.id for d in devices])
    for device in devices:
        journey = read.get(device.id)
        if journey is None or device.kind in COMPUTER_KINDS:
            journey = device_journey(store, device, purposes=purposes, policy=policy)
        grade, outcome = latest.get(device.id, ("", None))
        lines.append(
            LotDeviceLine(device, journey, grade, kinds.get(str(outcome)), gave.get(device.id, 0))
        )
    return LotPage(head, lines)


def lot_devices(store: Store, lot: Lot) -> list[Device]:
    """The lot's devices by asset code (a real lot's real devices only)."""
    return [d for d in queries.lot_devices(store, lot.id) if lot.training or not d.training]


def find_lot(store: Store, text: str) -> Lot:
    """The lot named by its id, its agreement reference, or the end of its id (6+ chars);
    BenchError when none or several match."""
    from bench_app.output.reports.lot_report import find_lot as find

    return find(store, text)


# -- attaching devices by scanning their labels ------------------------------------------


class ScanResult(StrEnum):
    ADDED = "added"
    ALREADY = "already"  # already in this lot
    UNKNOWN = "unknown"  # no device has this code here
    INVALID = "invalid"  # not an asset code (a typing mistake, another barcode)


@dataclass(frozen=True)
class Scanned:
    result: ScanResult
    code: str  # the code as read (normalised when valid)
    message: Text
    device: Device | None = None


def scanned_code(text: str) -> AssetCode:
    """The asset code in a scanned label: the code itself, or the label's address
    (verification_url/CODE); BenchError(ASSET_CODE_INVALID) otherwise."""
    raw = text.strip()
    if "/" in raw:
        raw = raw.rstrip("/").rsplit("/", 1)[-1]
        raw = raw.split("?", 1)[0].split("#", 1)[0]
    return AssetCode.parse(raw)


def attach_scanned(station: Station, lot: Lot, text: str) -> Scanned:
    """Attaches the device whose label was scanned to `lot` at once (`device.attached_to_lot`)
    and says so; a device already in it, an unknown code or a device of the other mode
    (training or real) is refused with its reason, and nothing is recorded."""
    try:
        code = str(scanned_code(text))
    except BenchError as exc:
        return Scanned(ScanResult.INVALID, text.strip(), exc.message)
    device = queries.device_by_code(station.store, code)
    if device is None or device.training != lot.training:
        return Scanned(
            ScanResult.UNKNOWN,
            code,
            Text(f"{code} : code inconnu sur ce poste.", f"{code}: unknown code on this station."),
        )
    if device.lot_id == lot.id:
        return Scanned(
            ScanResult.ALREADY,
            code,
            Text(f"{code} : déjà dans ce don.", f"{code}: already in this donation."),
            device,
        )
    station.attach_to_lot(device.id, lot.id)
    return Scanned(
        ScanResult.ADDED,
        code,
        Text(f"{code} : ajouté à ce don.", f"{code}: added to this donation."),
        device,
    )


# -- the lot's activity ------------------------------------------------------------------


def lot_activity(store: Store, lot: Lot, today: date, lang: str = "fr") -> Activity:
    """The activity export (output/reports/activity.py) of the lot's devices only, from the
    lot's first day (or its first device's, if earlier) to `today`."""
    from bench_app.output.reports.activity import Activity, Period, gather_activity

    first = today
    with suppress(ValueError):
        first = min(first, date.fromisoformat(lot.received_on))
    row = store.query_one("SELECT min(created_at) FROM devices WHERE lot_id = ?", (lot.id,))
    if row and row[0]:
        with suppress(ValueError):
            registered = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
            first = min(first, registered.astimezone().date())
    everything = gather_activity(
        store, Period(first, max(first, today)), include_training=lot.training, lang=lang
    )
    codes = {d.asset_code for d in lot_devices(store, lot)}
    rows = [r for r in everything.rows if r[0] in codes]
    return Activity(everything.period, rows, 0)
