"""What binds the event log from outside its database: the station's signed chain head, and
the head the hub acknowledged.

The hash chain alone proves that no event was changed in the middle of the log, not that
none was removed at its end or that the whole chain was not recomputed after an edit. So the
station signs the head of its own chain (seq, hash, station id, time) with its Ed25519 key
(`bench_app.signing`) and keeps it in DATA/chain-head.json, apart from the database.

When: at every commit that appended this station's events. A workshop expects that removing
even the last fact is noticed, and a commit of the bench holds one to a few facts (a step, a
checkpoint every few seconds), so signing every N events would leave up to N facts
unprotected for little gain. The cost is two signatures and two small file writes, one of
them synced: 2 to 9 ms per commit on a shared VM, nearly all of it fsync, while a phone's
quick check makes 16 commits in about 8 s (benchmarks/bench_chain_head.py measures it).

The crash window. Each commit writes the head file twice:

  1. before COMMIT: {seq, hash} = the head already committed and `pending` = the head this
     transaction makes, synced to disk (file, then folder);
  2. after COMMIT: {seq, hash} = the new head, no `pending` (not synced: losing it leaves
     step 1's file, which still accounts for the commit).

The log must end exactly at `seq/hash`, or at `pending` when a kill -9 (or a power cut) came
between the two writes; that commit's events are signed by step 1 before they exist. So no
unsigned event is ever accepted (a forged event appended with a valid link is caught), and
every event the last confirmed head covers must be present (removing the last one is caught).
The opening of the store settles a `pending` left by a crash, so the window closes at the next
start; until then, and only after such a crash, removing that one commit's facts is the one
deletion that goes unnoticed. The database runs with `synchronous = FULL` so that a commit is
on disk before step 2 can claim it: a power cut then never leaves the head ahead of the log.

Every database gets its head when it is created, or, for a database made before signed heads,
the first time it is opened for writing (it is signed as it stands then); the meta row
`chain_head.since` records that, and from then on a missing head file is itself reported
(removing the mark too gives "never signed", still a failed check, which `etabli db check`
never repairs; but a bench opening the folder then signs the log as it finds it: whoever can
write in the data folder can read the key there too, see README). No second copy is kept in
the data folder: whoever removes one file there removes two; the second anchor is the hub.

The hub has no key of its own: when it accepts a push it answers the head it now holds for
the station (seq, hash), and the station keeps that answer as it came, over its
authenticated connection, in DATA/hub-ack.json. `etabli db check` reports a log shorter than
that, or different at that seq.

Signing never stops the bench: a head that cannot be written or no longer matches the log is
logged and left as it is, as evidence for `etabli db check`, which verifies everything again
on its own."""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.signing import (
    STATION_KEY_NAME,
    Keyring,
    StationKey,
    TrustedKey,
    keys_dir,
    parse_signed_json,
    sign_document,
)
from bench_app.store.events import utc_now
from bench_app.wire.canonical import canonical_json
from bench_app.wire.events import GENESIS_HASH

log = logging.getLogger(__name__)

HEAD_FILE = "chain-head.json"
HUB_ACK_FILE = "hub-ack.json"
HEAD_KIND = "etabli.chain-head"
SINCE_META = "chain_head.since"

Head = tuple[int, str]  # (seq, hash) of a station's last event; (0, GENESIS_HASH) when none


@dataclass(frozen=True, slots=True)
class SignedHead:
    """The content of a verified chain-head.json."""

    station_id: str
    seq: int
    hash: str
    pending: Head | None
    signed_at: str
    key_id: str


@dataclass(frozen=True, slots=True)
class HubAck:
    """The head of this station's chain a hub said it holds, as the station received it."""

    hub: str
    station_id: str
    seq: int
    hash: str
    received_at: str


def head_document(
    station_id: str, head: Head, pending: Head | None, signed_at: str
) -> dict[str, Any]:
    return {
        "kind": HEAD_KIND,
        "station_id": station_id,
        "seq": head[0],
        "hash": head[1],
        "pending": {"seq": pending[0], "hash": pending[1]} if pending else None,
        "signed_at": signed_at,
    }


def own_head(conn: sqlite3.Connection, station_id: str) -> Head:
    """The last (seq, hash) of a station's events in this database."""
    row = conn.execute(
        "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
        (station_id,),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def hash_at(conn: sqlite3.Connection, station_id: str, seq: int) -> str | None:
    """The hash of a station's event numbered `seq` here (the genesis hash for 0)."""
    if seq == 0:
        return GENESIS_HASH
    row = conn.execute(
        "SELECT hash FROM events WHERE station_id = ? AND seq = ?", (station_id, seq)
    ).fetchone()
    return str(row[0]) if row else None


# -- files --------------------------------------------------------------------------------------


def write_file(path: Path, data: bytes, *, durable: bool) -> None:
    """Replaces `path` whole through a temporary file and a rename: a kill leaves the old
    content or the new one. `durable`: synced to disk, the rename included, before returning."""
    temporary = path.with_name(f".{path.name}.tmp")  # one writer per data folder (station.lock)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_bytes(path: Path) -> bytes | None:
    """A file's bytes, None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def station_keyring(folder: Path) -> Keyring | None:
    """The station's own public key only (a head is signed by this station, never another);
    None when the station has no key file. Never makes a key."""
    if not (keys_dir(folder) / STATION_KEY_NAME).exists():
        return None
    key = StationKey.load_or_create(folder)
    return Keyring([TrustedKey(key.key_id, key.public, "station")])


def parse_head(data: bytes, keyring: Keyring, *, source: str) -> SignedHead:
    """A chain-head.json checked byte for byte and by signature; BenchError otherwise
    (SIGNATURE_* codes, or DB_HEAD_INVALID for a signed document that is not a head)."""
    verified = parse_signed_json(data, keyring, source=source)
    doc = verified.document
    try:
        if doc.get("kind") != HEAD_KIND:
            raise ValueError(f"not a chain head ({doc.get('kind')!r})")
        pending_raw = doc["pending"]
        pending: Head | None = None
        if pending_raw is not None:
            pending = (_int(pending_raw["seq"]), _hex(pending_raw["hash"]))
        head = SignedHead(
            station_id=str(doc["station_id"]),
            seq=_int(doc["seq"]),
            hash=_hex(doc["hash"]),
            pending=pending,
            signed_at=str(doc["signed_at"]),
            key_id=verified.key.key_id,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BenchError("DB_HEAD_INVALID", path=source, detail=str(exc)) from exc
    if head.pending is not None and head.pending[0] <= head.seq:
        raise BenchError("DB_HEAD_INVALID", path=source, detail="pending head is not ahead")
    return head


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a sequence number: {value!r}")
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 64:
        raise ValueError(f"not a SHA-256 hash: {value!r}")
    int(value, 16)
    return value


def read_hub_ack(folder: Path) -> HubAck | None:
    """DATA/hub-ack.json, None when there is none; BenchError(DB_HUB_ACK_INVALID) when it
    cannot be read."""
    path = Path(folder) / HUB_ACK_FILE
    data = read_bytes(path)
    if data is None:
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
        return HubAck(
            hub=str(raw["hub"]),
            station_id=str(raw["station_id"]),
            seq=_int(raw["seq"]),
            hash=_hex(raw["hash"]),
            received_at=str(raw["received_at"]),
        )
    except (UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BenchError("DB_HUB_ACK_INVALID", path=str(path), detail=str(exc)) from exc


def record_hub_ack(folder: Path, hub: str, station_id: str, seq: Any, hash_: Any) -> bool:
    """Keeps the head a hub acknowledged for this station, as received (synced to disk).
    Never moves backwards: a lower seq than the one kept is ignored (the higher one stays as
    evidence). Returns whether the file changed; ValueError for a seq or hash that is not one."""
    seq, hash_ = _int(seq), _hex(hash_)
    try:
        current = read_hub_ack(folder)
    except BenchError:
        current = None  # an unreadable acknowledgement is replaced by the hub's word
    if current is not None and current.station_id == station_id and current.seq > seq:
        log.warning("hub %s acknowledged #%d, below #%d acknowledged before", hub, seq, current.seq)
        return False
    if current is not None and (current.seq, current.hash) == (seq, hash_):
        return False
    record = {
        "hub": hub,
        "station_id": station_id,
        "seq": seq,
        "hash": hash_,
        "received_at": utc_now(),
    }
    write_file(Path(folder) / HUB_ACK_FILE, canonical_json(record) + b"\n", durable=True)
    return True


# -- the signer the store calls around each commit ------------------------------------------------


class HeadSigner:
    """Signs this station's chain head around every commit that appended its events (see
    the module docstring). Used by `Store` only, under the store's lock."""

    def __init__(self, folder: Path, station_id: str) -> None:
        self.folder = Path(folder)
        self.station_id = station_id
        self.path = self.folder / HEAD_FILE
        # The head this process knows to be committed and signed; None once signing stopped.
        self.trusted: Head | None = None
        self.stopped = ""
        self._key: StationKey | None = None

    def _stop(self, reason: str) -> None:
        self.trusted = None
        self.stopped = reason
        log.error("chain head of %s no longer signed: %s", self.path, reason)

    def open(self, conn: sqlite3.Connection) -> None:
        """Checks the head file against the log once, when the store opens: signs a database
        that never was, settles a `pending` left by a crash, or stops signing (and logs why)
        when the log does not end where the head says."""
        try:
            self._open(conn)
        except (OSError, BenchError) as exc:
            self._stop(exc.message.en if isinstance(exc, BenchError) else str(exc))

    def _open(self, conn: sqlite3.Connection) -> None:
        self._key = StationKey.load_or_create(self.folder)
        db_head = own_head(conn, self.station_id)
        data = read_bytes(self.path)
        since = conn.execute("SELECT value FROM meta WHERE key = ?", (SINCE_META,)).fetchone()
        if data is None:
            if since is not None:
                self._stop(f"{HEAD_FILE} is missing")
                return
            # A new database, or one from before signed heads: signed as it stands. The file
            # goes first, so a crash here leaves a database still seen as never signed.
            self._write(db_head, None, durable=True)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (SINCE_META, f"{db_head[0]} {utc_now()}"),
            )
            self.trusted = db_head
            return
        keyring = Keyring([TrustedKey(self._key.key_id, self._key.public, "station")])
        try:
            head = parse_head(data, keyring, source=str(self.path))
        except BenchError as exc:
            self._stop(exc.message.en)
            return
        if head.station_id != self.station_id:
            self._stop(f"the head belongs to station {head.station_id}")
        elif db_head == (head.seq, head.hash) or db_head == head.pending:
            self.trusted = db_head
            if head.pending is not None:  # the commit a crash cut is settled either way
                self._write(db_head, None, durable=False)
        else:
            self._stop(
                f"the log ends at #{db_head[0]} but the signed head is #{head.seq}"
                + (f" (pending #{head.pending[0]})" if head.pending else "")
            )

    def before_commit(self, conn: sqlite3.Connection, new: Head | None) -> Head | None:
        """Inside the transaction, before COMMIT: signs the head it makes as `pending`.
        Returns the head to confirm after COMMIT, or None when there is nothing to sign."""
        trusted = self.trusted
        if trusted is None or new is None or new == trusted:
            return None
        if hash_at(conn, self.station_id, trusted[0]) != trusted[1]:
            self._stop(f"event #{trusted[0]} changed under the running station")
            return None
        try:
            self._write(trusted, new, durable=True)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) or not self.path.parent.is_dir():
                # A full disk stops the commit too (DISK_FULL), as does a folder gone
                # (DATA_FOLDER_GONE): rolled back whole.
                raise
            # Otherwise the commit still goes in; `etabli db check` will say so.
            log.error("could not write %s before a commit: %s", self.path, exc)
        return new

    def after_commit(self, new: Head) -> None:
        """After COMMIT: the new head is the committed one."""
        if self.trusted is None:
            return
        self.trusted = new
        try:
            self._write(new, None, durable=False)
        except OSError as exc:  # step 1's file still accounts for this commit
            log.error("could not write %s after a commit: %s", self.path, exc)

    def _write(self, head: Head, pending: Head | None, *, durable: bool) -> None:
        assert self._key is not None
        document = head_document(self.station_id, head, pending, utc_now())
        envelope = sign_document(self._key, document)
        write_file(self.path, canonical_json(envelope), durable=durable)
