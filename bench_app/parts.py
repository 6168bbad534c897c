"""Spare parts: a device kept for its parts (its outcome "spare_parts") gives any number of
them, each to another device, each a fact (`part.given` on the donor, or the part named with
the outcome itself). The `parts_given` table lists them both ways: what a device gave, what
it received; each device's page and `etabli parts` show both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench_app.domain.model import Outcome, OutcomeKind
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.store.database import Store
    from bench_app.wire.events import Event

MAX_PART_CHARS = 80

GAVE = Text("Pièce donnée à {code} : {part}", "Part given to {code}: {part}")
RECEIVED = Text("Pièce reçue de {code} : {part}", "Part received from {code}: {part}")


@dataclass(frozen=True)
class PartGiven:
    """One part taken from `donor` and put into `receiver` (asset codes beside ids)."""

    event_id: str
    part: str
    donor_id: str
    donor_asset: str
    receiver_id: str
    receiver_asset: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "donor": self.donor_asset,
            "receiver": self.receiver_asset,
            "at": self.at,
        }


def give_refusal(donor_outcome: Outcome | None, donor_code: str, part: str) -> BenchError | None:
    """Why a part may not be recorded as given (None: it may): the donor is not kept for
    its parts, or the part is not named (in at most MAX_PART_CHARS characters)."""
    if donor_outcome is None or donor_outcome.kind is not OutcomeKind.SPARE_PARTS:
        return BenchError("PART_DONOR_NOT_SPARE", code=donor_code)
    if not part.strip() or len(part.strip()) > MAX_PART_CHARS:
        return BenchError("PART_MISSING")
    return None


def give_payload(donor_id: str, part: str, receiver_id: str, receiver_asset: str) -> dict[str, Any]:
    """The `part.given` fact: the part, taken from the donor, put into the receiver."""
    return {
        "device_id": donor_id,
        "part": part.strip(),
        "receiver_id": receiver_id,
        "receiver_asset": receiver_asset,
    }


_PARTS = (
    "SELECT p.event_id, p.part, p.donor_id, coalesce(d.asset_code, ''), p.receiver_id,"
    " coalesce(r.asset_code, ''), p.at FROM parts_given p"
    " LEFT JOIN devices d ON d.id = p.donor_id LEFT JOIN devices r ON r.id = p.receiver_id"
)


def _rows(store: Store, where: str, device_id: str) -> list[PartGiven]:
    rows = store.query(f"{_PARTS} WHERE {where} = ? ORDER BY p.at, p.event_id", (device_id,))
    return [PartGiven(*row) for row in rows]


def parts_given(store: Store, device_id: str) -> list[PartGiven]:
    """The parts this device gave, oldest first."""
    return _rows(store, "p.donor_id", device_id)


def parts_received(store: Store, device_id: str) -> list[PartGiven]:
    """The parts this device received from others, oldest first."""
    return _rows(store, "p.receiver_id", device_id)


def received_facts(store: Store, device_id: str) -> list[tuple[Event, str]]:
    """The facts by which this device received parts (recorded on their donors), each with
    its donor's asset code, in log order: its page shows them in its own history."""
    from bench_app.store.events import EVENT_COLUMNS, row_to_event

    columns = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))
    rows = store.query(
        f"SELECT {columns}, coalesce(d.asset_code, '') FROM parts_given p"
        " JOIN events e ON e.id = p.event_id LEFT JOIN devices d ON d.id = p.donor_id"
        " WHERE p.receiver_id = ? ORDER BY e.rowid",
        (device_id,),
    )
    return [(row_to_event(row[:-1]), row[-1]) for row in rows]


def gave_counts(store: Store, device_ids: list[str]) -> dict[str, int]:
    """How many parts each of these devices gave (a lot's page: one query)."""
    if not device_ids:
        return {}
    marks = ", ".join("?" for _ in device_ids)
    rows = store.query(
        f"SELECT donor_id, count(*) FROM parts_given WHERE donor_id IN ({marks}) GROUP BY donor_id",
        tuple(device_ids),
    )
    return {row[0]: row[1] for row in rows}
