"""Finding any device from what a person has in hand: its asset code (typed, or scanned
from its label, bare or as the label's verification address), its serial number, its IMEI,
or words of its model, its donor or a beneficiary's reference.

Exact hits (code, then serial, then IMEI) come first, then word hits ranked by relevance and
limited. Every lookup reads an index kept by the projections (migration 4): the expression
indexes on the devices' serial and IMEI and the full-text table `device_search_fts`, so a
search stays instant on a million devices. Training devices are found only in training, and
real devices only outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench_app.domain.asset_code import ALPHABET, AssetCode
from bench_app.domain.model import DeviceKind, DeviceStage
from bench_app.errors import BenchError
from bench_app.store.database import Store
from bench_app.store.projections import squeezed

TEXT_LIMIT = 50  # word hits shown at most; the list says when there were more
CANDIDATES = 1000  # word hits ranked at most (the newest), so a search stays instant
MAX_WORDS = 8  # a model, a donor or a reference has fewer; more only slows the query

# The same expressions as the indexes of migration 4 (SQLite uses an index on an
# expression only when the query repeats it exactly).
SERIAL_KEY = "upper(replace(serial, ' ', ''))"
IMEI_KEY = "replace(replace(imei, ' ', ''), '-', '')"

_COLUMNS = (
    "d.id, d.asset_code, d.kind, d.brand, d.model, d.serial, d.imei, d.stage, d.lot_id,"
    " d.training, coalesce(n.name, ''), coalesce(l.agreement_ref, ''),"
    " (SELECT o.kind FROM outcomes o WHERE o.device_id = d.id"
    " ORDER BY o.at DESC, o.rowid DESC LIMIT 1)"
)
_FROM = "devices d LEFT JOIN lots l ON l.id = d.lot_id LEFT JOIN donors n ON n.id = l.donor_id"
_CODE_SHAPE = re.compile(r"^\w{4}-\w{4}-\w$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One device found, with what a list of results shows, and how it was found
    ("code", "serial", "imei" or "text")."""

    device_id: str
    asset_code: str
    kind: DeviceKind
    brand: str
    model: str
    serial: str
    imei: str
    stage: DeviceStage
    lot_id: str | None
    training: bool
    donor: str
    agreement_ref: str
    outcome: str | None
    matched: str

    @property
    def exact(self) -> bool:
        return self.matched != "text"

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.brand, self.model) if p) or self.kind.value

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.asset_code,
            "kind": self.kind.value,
            "model": self.label,
            "serial": self.serial,
            "imei": self.imei,
            "stage": self.stage.value,
            "lot": self.lot_id,
            "agreement_ref": self.agreement_ref,
            "donor": self.donor,
            "outcome": self.outcome,
            "matched": self.matched,
        }


@dataclass(frozen=True, slots=True)
class Results:
    """The hits, exact ones first; `more` when the word hits went past the limit."""

    hits: tuple[Hit, ...]
    more: bool = False


def scanned_text(text: str) -> str:
    """What was typed or scanned, without the label's address around a code: a label's QR
    holds `verification_url/CODE` (bench_app/output/labels), any address gives its last part."""
    text = text.strip()
    if "://" in text:
        path = urlsplit(text).path.rstrip("/")
        return path.rsplit("/", 1)[-1].strip()
    return text


def serial_key(text: str) -> str:
    """A serial as compared: spaces dropped, upper case (labels and typing differ so)."""
    return text.replace(" ", "").upper()


def imei_key(text: str) -> str:
    """An IMEI as compared: spaces and dashes dropped ("35 209 … 12-3" as printed)."""
    return text.replace(" ", "").replace("-", "")


def _code_shaped(text: str) -> bool:
    """A code with a typo rather than a word: PPPP-NNNN-C, or 9 symbols of the alphabet."""
    if _CODE_SHAPE.match(text):
        return True
    squeezed = text.replace(" ", "").upper()
    return len(squeezed) == 9 and all(c in ALPHABET for c in squeezed)


def fts_query(text: str) -> str | None:
    """The full-text query for typed words: every word must be there, as a word or the
    start of one (one letter alone only as a whole word), the first MAX_WORDS of them;
    None when there is no word."""
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    return " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)


def _hit(row: tuple[Any, ...], matched: str) -> Hit:
    return Hit(
        device_id=row[0],
        asset_code=row[1],
        kind=DeviceKind(row[2]),
        brand=row[3],
        model=row[4],
        serial=row[5],
        imei=row[6],
        stage=DeviceStage(row[7]),
        lot_id=row[8],
        training=bool(row[9]),
        donor=row[10],
        agreement_ref=row[11],
        outcome=row[12],
        matched=matched,
    )


def search(store: Store, text: str, *, training: bool = False, limit: int = TEXT_LIMIT) -> Results:
    """Every device `text` names, exact hits first (asset code, serial, IMEI), then up to
    `limit` word hits (model, donor, lot agreement, beneficiary reference) best first
    (among the newest CANDIDATES when more devices have those words).
    Only training devices in training, only real ones otherwise. Raises BenchError:
    SEARCH_EMPTY for empty text; when nothing is found, ASSET_CODE_INVALID for what looks
    like a mistyped code (the check character says so), else SEARCH_NOTHING_FOUND."""
    wanted = scanned_text(text)
    if not wanted:
        raise BenchError("SEARCH_EMPTY")
    found: list[Hit] = []
    seen: set[str] = set()

    def add(rows: list[tuple[Any, ...]], matched: str) -> None:
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                found.append(_hit(row, matched))

    flag = int(training)
    code_error: BenchError | None = None
    try:
        code = str(AssetCode.parse(wanted))
    except BenchError as exc:
        code_error = exc if _code_shaped(wanted) else None
    else:
        add(
            store.query(
                f"SELECT {_COLUMNS} FROM {_FROM} WHERE d.asset_code = ? AND d.training = ?",
                (code, flag),
            ),
            "code",
        )
    serial = serial_key(wanted)
    add(
        store.query(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {SERIAL_KEY.replace('serial', 'd.serial')}"
            " = ? AND d.training = ? ORDER BY d.asset_code",
            (serial, flag),
        ),
        "serial",
    )
    imei = imei_key(wanted)
    if imei.isdigit():
        add(
            store.query(
                f"SELECT {_COLUMNS} FROM {_FROM} WHERE {IMEI_KEY.replace('imei', 'd.imei')}"
                " = ? AND d.training = ? ORDER BY d.asset_code",
                (imei, flag),
            ),
            "imei",
        )

    def words(match: str) -> bool:
        """Adds up to `limit` word hits for the full-text query `match`; True when there
        were more."""
        # Ranked among the newest CANDIDATES that have every word: scoring all of them would
        # cost a time that grows with the workshop (a model can name 50,000 devices), and
        # beyond that many, the newest devices are those people look for.
        rows = store.query(
            f"SELECT {_COLUMNS} FROM (SELECT f.id, f.score FROM (SELECT rowid AS id,"
            # Beneficiary references and donors are rarer words than models: they weigh more.
            " bm25(device_search_fts, 1.0, 2.0, 4.0) AS score FROM device_search_fts"
            " WHERE device_search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f"
            " JOIN device_search s ON s.id = f.id JOIN devices d ON d.id = s.device_id"
            " WHERE d.training = ? ORDER BY f.score, f.id DESC LIMIT ?) r"
            # What a result shows is read for the rows kept only, not for every candidate.
            " JOIN device_search s ON s.id = r.id JOIN devices d ON d.id = s.device_id"
            " LEFT JOIN lots l ON l.id = d.lot_id LEFT JOIN donors n ON n.id = l.donor_id"
            " ORDER BY r.score, r.id DESC",
            (match, CANDIDATES, flag, limit + len(seen) + 1),
        )
        before = len(found)
        add(rows, "text")
        if len(found) - before > limit:
            del found[before + limit :]
            return True
        return False

    more = False
    query = fts_query(wanted)
    # A code found is the device meant: its letters are no one's words (a label scanned
    # at the bench must open at once, whatever the size of the workshop).
    if query is not None and limit > 0 and not any(h.matched == "code" for h in found):
        # A reference (a beneficiary's, a lot agreement) is looked for whole, however it
        # was typed (BEN-2026-0042, "ben 2026 0042"), in its own index: its parts alone
        # ("2026") are in too many devices to be merged quickly as words.
        whole = squeezed(wanted).upper()
        before = len(found)
        if len(whole) >= 4 and any(c.isdigit() for c in whole):
            # One walk of the index from the reference typed: the whole one first (it
            # sorts before the longer ones it starts), bounded by the limit.
            rows = store.query(
                f"SELECT {_COLUMNS} FROM (SELECT r.device_id, r.reference"
                " FROM device_references r JOIN devices d ON d.id = r.device_id"
                " WHERE r.reference >= ? AND r.reference < ? AND d.training = ?"
                " ORDER BY r.reference, r.device_id LIMIT ?) k"
                " JOIN devices d ON d.id = k.device_id"
                " LEFT JOIN lots l ON l.id = d.lot_id LEFT JOIN donors n ON n.id = l.donor_id"
                " ORDER BY k.reference, k.device_id",
                (whole, whole + "\U0010ffff", flag, limit + len(seen) + 1),
            )
            add(rows, "text")
            if len(found) - before > limit:
                del found[before + limit :]
                more = True
        if len(found) == before:
            more = words(query)
    if not found:
        if code_error is not None:
            raise code_error
        raise BenchError("SEARCH_NOTHING_FOUND", text=wanted[:80])
    return Results(tuple(found), more)
