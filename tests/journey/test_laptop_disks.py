"""A computer's journey counts the disks taken out of it and docked at the station: its
check once every linked disk's health was read, its erasure once every linked disk is
verified erased (one that is not keeps the stage open, naming it, and refuses reuse), its
system image once a disk received it after its erasure. Links are facts: the latest one of
a disk is its computer, a correction keeps the earlier ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.disk_links import disks_of, host_of, hosts, link_events
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import (
    END_OF_LIFE_OUTCOMES,
    LINK_DISK,
    REUSE_OUTCOMES,
    LinkedDisk,
    OutcomeChoice,
    Stage,
    journey_of,
    outcome_refusal,
)
from bench_app.station import Station
from bench_app.store import queries
from tests.facts.journeys import Journey as FactJourney
from tests.facts.journeys import journeys
from tests.journey.test_journey import (
    MOVES,
    PURPOSES,
    TODAY,
    F,
    _holds_every_rule,
    _job,
    _verified_erasure,
)

LAPTOP = [F("device.registered", {"device_id": "L", "kind": "laptop", "serial": "PF1"})]


def _health(status: str = "passed") -> list[F]:
    return _job("drive.erase", "failed", [("health", status, {"smart": {"verdict": status}})])


def _erasure(erasure: str, ok: bool) -> list[F]:
    return [
        F("erasure.started", {"erasure_id": erasure}),
        F("erasure.verified", {"erasure_id": erasure, "ok": ok}),
        F("erasure.finished", {"erasure_id": erasure, "result": "erased" if ok else "not_erased"}),
    ]


def _image() -> list[F]:
    return [F("image.written", {"verified": True, "result": "installed"})]


def _disk(code: str, *chapters: list[F]) -> LinkedDisk:
    return LinkedDisk(f"id-{code}", code, [f for c in chapters for f in c])


def _laptop(*disks: LinkedDisk, facts: list[F] | None = None) -> Any:
    return journey_of(DeviceKind.LAPTOP, facts or LAPTOP, purposes=PURPOSES, disks=disks)


def test_a_laptop_without_a_disk_starts_by_linking_one() -> None:
    journey = _laptop()
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    assert journey.next.label == LINK_DISK
    assert journey.blocker("JOURNEY_NO_DISK_LINKED") is not None
    assert journey.allowed_outcomes == END_OF_LIFE_OUTCOMES


def test_its_disks_health_is_its_check_and_each_disk_must_be_erased() -> None:
    first, second = "ABCD-2345-X", "ABCD-2346-Y"
    only_read = _laptop(_disk(first, _health()), _disk(second))
    assert Stage.CHECK not in only_read.done  # the second disk's health is not read yet
    checked = _laptop(_disk(first, _health()), _disk(second, _health()))
    assert checked.done == (Stage.CHECK,)
    assert checked.next is not None and checked.next.stage is Stage.ERASE
    waiting = checked.blocker("JOURNEY_DISK_NOT_ERASED")
    assert waiting is not None and first in waiting.reason.fr and second in waiting.reason.fr

    # One disk verified, the other's verification failed: the stage stays open, naming it.
    half = _laptop(
        _disk(first, _health(), _erasure("e1", True)),
        _disk(second, _health(), _erasure("e2", False)),
    )
    assert Stage.ERASE not in half.done and not half.erasure_verified
    why = half.blocker("JOURNEY_DISK_NOT_ERASED")
    assert why is not None and second in why.reason.fr and first not in why.reason.fr
    assert half.blocker("JOURNEY_ERASURE_FAILED") is not None
    refusal = outcome_refusal(half, OutcomeChoice(OutcomeKind.REUSE), TODAY)
    assert refusal is not None and refusal.code == "OUTCOME_DISK_NOT_ERASED"
    assert refusal.message.fr == f"Pas de réemploi : disque {second} pas effacé et vérifié."
    assert outcome_refusal(half, OutcomeChoice(OutcomeKind.SPARE_PARTS), TODAY) is None

    both = _laptop(
        _disk(first, _health(), _erasure("e1", True)),
        _disk(second, _health(), _erasure("e2", False), _erasure("e3", True)),
    )
    assert both.erasure_verified and both.done == (Stage.CHECK, Stage.ERASE)
    assert both.next is not None and both.next.stage is Stage.SYSTEM_IMAGE
    assert both.allowed_outcomes >= REUSE_OUTCOMES
    assert not both.blockers


def test_the_system_image_counts_only_when_written_after_the_erasure() -> None:
    code = "ABCD-2345-X"
    before = _laptop(_disk(code, _health(), _image(), _erasure("e1", True)))
    assert Stage.SYSTEM_IMAGE not in before.done  # the erasure took it away
    after = _laptop(_disk(code, _health(), _erasure("e1", True), _image()))
    assert after.done == (Stage.CHECK, Stage.ERASE, Stage.SYSTEM_IMAGE)
    assert after.next is not None and after.next.stage is Stage.GRADE
    skipped = _laptop(
        _disk(code, _health(), _erasure("e1", True)),
        facts=[*LAPTOP, F("install.skipped", {"reason": "le bénéficiaire installe le sien"})],
    )
    assert skipped.skipped[Stage.SYSTEM_IMAGE].fr == "le bénéficiaire installe le sien"
    assert [d.to_json()["imaged"] for d in after.disks] == [True]


def test_a_failing_linked_disk_keeps_the_laptop_from_anyone() -> None:
    journey = _laptop(_disk("ABCD-2345-X", _health("failed"), _erasure("e1", True)))
    assert journey.blocker("JOURNEY_DISK_FAILING") is not None
    assert not journey.allowed_outcomes & REUSE_OUTCOMES
    assert Stage.SYSTEM_IMAGE in journey.skipped and Stage.GRADE in journey.skipped


def test_a_linked_disk_goes_back_into_its_computer() -> None:
    erased = [*_health(), *_erasure("e1", True)]
    linked = journey_of(DeviceKind.DRIVE, erased, purposes=PURPOSES, host_code="ABCD-2345-X")
    assert linked.next is None  # its label and outcome are the laptop's
    assert linked.skipped[Stage.OUTCOME].fr == "Suit l’ordinateur ABCD-2345-X."
    alone = journey_of(DeviceKind.DRIVE, erased, purposes=PURPOSES)
    assert alone.next is not None and alone.next.stage is Stage.LABEL


def test_a_drive_alone_ignores_disks_given() -> None:
    alone = journey_of(DeviceKind.DRIVE, _health(), purposes=PURPOSES, disks=[_disk("X")])
    assert alone.disks == () and alone.done == (Stage.CHECK,)


@given(st.lists(MOVES, min_size=1, max_size=3))
@settings(max_examples=200, deadline=None)
def test_a_laptop_is_erased_exactly_when_every_disk_is(disk_moves: list[list[F]]) -> None:
    disks = [_disk(f"ABCD-{2345 + i}-X", moves) for i, moves in enumerate(disk_moves)]
    journey = _laptop(*disks)
    _holds_every_rule(journey, DeviceKind.LAPTOP)
    assert journey.erasure_verified == all(_verified_erasure(moves) for moves in disk_moves)
    for disk, state in zip(disks, journey.disks, strict=True):
        alone = journey_of(DeviceKind.DRIVE, disk.facts, purposes=PURPOSES)
        assert state.erased == alone.erasure_verified
        assert state.failing == (alone.blocker("JOURNEY_DISK_FAILING") is not None)


@given(journeys())
@settings(max_examples=40, deadline=None)
def test_any_recorded_devices_as_a_laptops_disks_keep_the_rules(fact_journey: FactJourney) -> None:
    """Facts of every type with any values (tests/facts), each device taken as a disk."""
    by_device: dict[str, list[Any]] = {}
    for chapter in fact_journey.chapters:
        for fact in chapter:
            if fact.device_id is not None:
                by_device.setdefault(fact.device_id, []).append(fact)
    disks = [LinkedDisk(d, d[:8], facts) for d, facts in by_device.items()]
    journey = _laptop(*disks)
    _holds_every_rule(journey, DeviceKind.LAPTOP)
    verified = [
        journey_of(DeviceKind.DRIVE, d.facts, purposes=PURPOSES).erasure_verified for d in disks
    ]
    assert journey.erasure_verified == all(verified)


def test_links_are_facts_and_a_correction_keeps_the_history(tmp_path: Path) -> None:
    station = Station(tmp_path, operator="test")
    try:
        disk = station.register_device(DeviceKind.DRIVE, serial="WD-1")
        first = station.register_device(DeviceKind.LAPTOP, serial="PF1")
        second = station.register_device(DeviceKind.LAPTOP, serial="PF2")
        phone = station.register_device(DeviceKind.PHONE, serial="P1")
        station.link_disk(disk.id, first.id)
        assert [d.id for d in disks_of(station.store, first.id)] == [disk.id]
        station.link_disk(disk.id, second.id, reason="wrong laptop")
        assert disks_of(station.store, first.id) == []
        host = host_of(station.store, disk.id)
        assert host is not None and host.id == second.id
        with pytest.raises(BenchError) as not_a_computer:
            station.link_disk(disk.id, phone.id)
        assert not_a_computer.value.code == "LINK_NOT_A_COMPUTER"
        with pytest.raises(BenchError) as not_a_disk:
            station.link_disk(first.id, second.id)
        assert not_a_disk.value.code == "LINK_NOT_A_DISK"
        station.link_disk(disk.id, None)
        assert hosts(station.store) == {}
        history = [e.payload["host_id"] for e in link_events(station.store)]
        assert history == [first.id, second.id, ""]
        assert [e.type for e in queries.events(station.store, disk.id)].count("disk.linked") == 3
        # The computer's journey reads its disks through the store.
        station.link_disk(disk.id, first.id)
        assert [d.asset_code for d in station.journey(first.id).disks] == [disk.asset_code]
    finally:
        station.close()
