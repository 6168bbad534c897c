"""The agent's erasure of its own disks, on a paired station's order: the same overwrite and
verification as a docked drive's (erasure/overwrite.py), under the same safety rules
(erasure/safety.py: never the running system, the boot stick, a mounted disk or swap, and
only with the end of the serial typed by the operator), every disk on its own thread.

The station chooses the pattern's stream (its seed for random data) and records every fact;
the agent reports, per disk, the pass (bytes, duration, bad ranges, finished or not) and the
verification (mode, bytes read back, ranges that differ or do not read)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockio import CHECKPOINT_SECONDS, BlockIO, Control
from bench_app.devices.drives.system_view import resolve_target
from bench_app.erasure import overwrite as io
from bench_app.erasure.safety import check_erasable
from bench_app.errors import BenchError
from bench_app.settings import Settings

PROGRESS_EVERY = 0.5  # seconds between two progress frames sent to the station
CHECKPOINTS_DIR = "etabli-checkpoints"  # on the stick: how far each disk's pass got

Report = Callable[[dict[str, Any]], None]


def erase_order_refusal(order: dict[str, Any], offered: list[str]) -> str | None:
    """Why an erase order cannot be followed at all (its shape, a disk not offered), or
    None."""
    disks = order.get("disks")
    if not isinstance(disks, list) or not disks:
        return "no disk named"
    paths = [d.get("path") if isinstance(d, dict) else None for d in disks]
    if len(set(paths)) != len(paths):
        return "a disk named twice"
    for d in disks:
        if not isinstance(d, dict) or not isinstance(d.get("path"), str):
            return "a disk without a path"
        if d["path"] not in offered:
            return f"{d['path'][:80]} is not a disk this laptop offers"
        if not isinstance(d.get("confirm_serial"), str):
            return "a disk without its serial confirmation"
        stream = d.get("stream")
        if not isinstance(stream, dict) or stream.get("pattern") not in set(io.Pattern):
            return "a disk without its pattern"
        start = d.get("start", 0)
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            return "a disk with a wrong start"
    return None


# -- checkpoints kept on the stick (a pass resumed after a power cut) -------------------------


def _checkpoint_file(folder: Path, serial: str) -> Path:
    name = hashlib.sha256(serial.encode("utf-8", "replace")).hexdigest()[:24]
    return folder / CHECKPOINTS_DIR / f"{name}.json"


def save_checkpoint(folder: Path, serial: str, size: int, stream: io.Stream, offset: int) -> None:
    """Keeps on the stick that the disk `serial` holds `stream` up to `offset` (flushed)."""
    path = _checkpoint_file(folder, serial)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"serial": serial, "size_bytes": size, "stream": stream.to_json(), "offset": offset}
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def saved_checkpoint(folder: Path, serial: str, size: int) -> dict[str, Any] | None:
    """{"offset", "stream"} of the disk's last checkpoint kept on the stick, or None (none, or
    one of another disk or size, or unreadable)."""
    try:
        record = json.loads(_checkpoint_file(folder, serial).read_text(encoding="utf-8"))
        io.Stream.from_json(record["stream"])
        offset = record["offset"]
        if record["serial"] != serial or record["size_bytes"] != size:
            return None
        if not isinstance(offset, int) or not 0 < offset <= size:
            return None
        return {"offset": offset, "stream": record["stream"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_checkpoint(folder: Path, serial: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _checkpoint_file(folder, serial).unlink()


def erase_one(
    path: str,
    confirm_serial: str,
    stream: io.Stream,
    data_dir: Path,
    cancelled: threading.Event,
    progress: Callable[[float], None],
    *,
    start: int = 0,
    checkpoint: Callable[[int], None] = lambda _offset: None,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
) -> dict[str, Any]:
    """Overwrites the disk at `path` with `stream` (from byte `start`: a pass resumed at its
    last checkpoint) then reads all of it back. `checkpoint(offset)` is called once the disk
    confirmed every byte below `offset` (flushed). The report: {"path", "serial",
    "size_bytes", "pass", "verification"}, or {"path", "refused": code, "detail"} when a
    safety rule forbids it (nothing written)."""
    try:
        target = resolve_target(path)
        check_erasable(target, data_dir=data_dir, confirm_serial=confirm_serial)
    except BenchError as exc:
        return {"path": path, "refused": exc.code, "detail": exc.message.en[:300]}
    size = target.size_bytes
    if start > size:
        return {"path": path, "refused": "start beyond the end", "detail": f"{start} > {size}"}
    report: dict[str, Any] = {"path": path, "serial": target.serial, "size_bytes": size}
    handle = BlockIO(path, write=True)
    try:
        control = Control(
            cancelled,
            lambda done: progress(0.5 * (start + done) / size if size else 0.5),
            checkpoint,
            checkpoint_seconds=checkpoint_seconds,
        )
        written = io.overwrite(
            handle, size, stream, control, start=start, sector=target.logical_sector
        )
        report["pass"] = {
            "bytes": written.bytes_done,
            "milliseconds": round(written.seconds * 1000),
            "throughput_bps": round(written.throughput),
            "errors": [e.to_json() for e in written.errors],
            "completed": written.completed,
            "direct_io": handle.direct,
        }
        control = Control(
            cancelled, lambda done: progress(0.5 + 0.5 * done / size if size else 1.0)
        )
        checked = io.verify(handle, size, stream, control, sector=target.logical_sector)
        report["verification"] = checked.to_json()
    finally:
        handle.close()
    return report


def erase_disks(
    order: dict[str, Any],
    data_dir: Path,
    send: Report,
    *,
    stick: Path | None = None,
    on_checkpoint: Callable[[str, int], None] = lambda _path, _offset: None,
) -> list[dict[str, Any]]:
    """Erases every disk of `order` at once (each from its "start", 0 unless the station
    resumes a pass), each on its own thread, sending {"progress": {path: fraction}} at most
    every PROGRESS_EVERY seconds. With `stick`, each checkpoint is kept there (the next
    boot offers the resume) and let go once the disk is verified. Returns one report per
    disk (erase_one's; {"path", "failed": detail} when the disk failed mid-way). A send that
    fails (the station gone) stops every pass at its next chunk."""
    cancelled = threading.Event()
    lock = threading.Lock()
    every = Settings.load(Path(data_dir)).erase_checkpoint_seconds
    fractions = {d["path"]: 0.0 for d in order["disks"]}
    last_sent = [0.0]
    reports: dict[str, dict[str, Any]] = {}

    def progress(path: str, fraction: float) -> None:
        with lock:
            fractions[path] = fraction
            now = time.monotonic()
            if now - last_sent[0] < PROGRESS_EVERY or cancelled.is_set():
                return
            last_sent[0] = now
            try:
                send({"ok": True, "progress": dict(fractions)})
            except OSError:
                cancelled.set()  # nobody to report to: the passes stop

    def work(disk: dict[str, Any]) -> None:
        path = disk["path"]
        stream = io.Stream.from_json(disk["stream"])

        def checkpoint(offset: int) -> None:
            if stick is not None:
                save_checkpoint(stick, where.serial, where.size_bytes, stream, offset)
            on_checkpoint(path, offset)

        try:
            where = resolve_target(path)
            reports[path] = erase_one(
                path,
                disk["confirm_serial"],
                stream,
                data_dir,
                cancelled,
                lambda f: progress(path, f),
                start=int(disk.get("start", 0)),
                checkpoint=checkpoint,
                checkpoint_seconds=every,
            )
            if stick is not None and reports[path].get("verification", {}).get("ok"):
                clear_checkpoint(stick, where.serial)
        except Exception as exc:  # a pass cancelled or a disk gone: reported, never erased
            reports[path] = {"path": path, "failed": f"{type(exc).__name__}: {exc}"[:300]}

    threads = [threading.Thread(target=work, args=(d,), daemon=True) for d in order["disks"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [reports[d["path"]] for d in order["disks"]]
