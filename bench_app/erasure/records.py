"""The erasure record: everything a certificate says, gathered from the event log alone.

Method and standard, the medium, every pass (pattern, start, end, bytes, throughput), each
interruption and where it resumed, the verification, errors with their sector ranges, and the
result with its reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bench_app.domain.facts import duration_ms
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.wire.events import Event


def erasure_records(store: Store, device_id: str) -> list[dict[str, Any]]:
    """Every erasure of a device, oldest first."""
    events = queries.events(store, device_id)
    ids = [e.payload["erasure_id"] for e in events if e.type == "erasure.started"]
    return [build_record(events, i) for i in ids]


def latest_erasure(store: Store, device_id: str) -> dict[str, Any] | None:
    records = erasure_records(store, device_id)
    return records[-1] if records else None


def _seconds(a: str, b: str) -> float:
    return (
        datetime.fromisoformat(b.replace("Z", "+00:00"))
        - datetime.fromisoformat(a.replace("Z", "+00:00"))
    ).total_seconds()


def build_record(events: list[Event], erasure_id: str) -> dict[str, Any]:
    started = next(
        e for e in events if e.type == "erasure.started" and e.payload["erasure_id"] == erasure_id
    )
    job_id = started.payload["job_id"]
    mine = [
        e
        for e in events
        if e.payload.get("erasure_id") == erasure_id
        or (e.type in ("job.interrupted", "job.resumed") and e.payload.get("job_id") == job_id)
    ]
    p = started.payload
    record: dict[str, Any] = {
        "erasure_id": erasure_id,
        "device_id": started.device_id,
        "job_id": job_id,
        "station_id": started.station_id,
        "operators": sorted({e.operator for e in mine}),
        "training": started.training,
        "method": p["method"],
        "technique": p["technique"],
        "standard": p["standard"],
        "target": p["target"],
        "hidden_areas": p.get("hidden_areas", {}),
        "limitation": p.get("limitation"),
        "verify_mode": p.get("verify", "full"),
        "started_at": started.ts,
        "finished_at": None,
        "duration_seconds": None,
        "passes": [],
        "interruptions": [],
        "verification": None,
        "result": "in_progress",
        "reasons": [],
    }
    passes: dict[int, dict[str, Any]] = {}
    last_offset: dict[int, int] = {}
    # The segment of each pass that is running: a pass cut by an interruption and resumed
    # runs in several segments, and its duration and throughput count every one of them.
    open_segment: dict[int, dict[str, Any]] = {}
    pending_interruption: dict[str, Any] | None = None
    for e in mine:
        q = e.payload
        entry: dict[str, Any] | None
        if e.type == "erasure.pass_started":
            entry = passes.setdefault(
                q["pass_no"],
                {
                    "pass_no": q["pass_no"],
                    "pattern": q["pattern"],
                    "start_byte": q["start_byte"],
                    "end_byte": q["end_byte"],
                    "started_at": e.ts,
                    "finished_at": None,
                    "bytes": 0,
                    "seconds": 0.0,
                    "throughput_bps": 0,
                    "errors": [],
                    "completed": False,
                    "resumed_at_bytes": [],
                    "segments": [],
                },
            )
            if q.get("resumed"):
                entry["resumed_at_bytes"].append(q["start_byte"])
            _close_cut_segment(entry, open_segment.pop(q["pass_no"], None))
            open_segment[q["pass_no"]] = {
                "started_at": e.ts,
                "start_byte": q["start_byte"],
                "last_at": e.ts,
                "last_byte": q["start_byte"],
            }
        elif e.type == "erasure.checkpoint":
            last_offset[q["pass_no"]] = q["offset"]
            segment = open_segment.get(q["pass_no"])
            if segment is not None:
                segment["last_at"], segment["last_byte"] = e.ts, q["offset"]
        elif e.type == "erasure.pass_finished":
            entry = passes.get(q["pass_no"])
            if entry is not None:
                segment = open_segment.pop(q["pass_no"], None)
                entry["segments"].append(
                    {
                        "started_at": segment["started_at"] if segment else e.ts,
                        "start_byte": segment["start_byte"] if segment else entry["start_byte"],
                        "seconds": duration_ms(q) / 1000,
                        "bytes": int(q["bytes"]),
                        "interrupted": False,
                    }
                )
                entry.update(finished_at=e.ts, errors=q["errors"], completed=q["completed"])
                entry["bytes"] = (
                    entry["end_byte"] - entry["start_byte"] if q["completed"] else q["bytes"]
                )
                span = _seconds(entry["started_at"], e.ts)
                entry["elapsed_seconds"] = round(span, 3)
                if "purge" in q:
                    entry["purge"] = q["purge"]
        elif e.type == "job.interrupted" and e.ts >= started.ts:
            pending_interruption = {
                "at": e.ts,
                "reason": q.get("reason", ""),
                "last_checkpoint_bytes": max(last_offset.values(), default=0),
                "resumed_at": None,
            }
            record["interruptions"].append(pending_interruption)
        elif e.type == "job.resumed" and pending_interruption is not None:
            pending_interruption["resumed_at"] = e.ts
            pending_interruption = None
        elif e.type == "erasure.verified":
            record["verification"] = {
                k: v for k, v in q.items() if k not in ("job_id", "device_id", "erasure_id")
            }
            record["verification"]["seconds"] = duration_ms(q) / 1000
        elif e.type == "erasure.finished":
            record["result"] = q["result"]
            record["reasons"] = q["reasons"]
            record["finished_at"] = e.ts
            record["duration_seconds"] = round(_seconds(started.ts, e.ts), 3)
    for pass_no, segment in open_segment.items():
        _close_cut_segment(passes[pass_no], segment)
    for entry in passes.values():
        _sum_segments(entry)
    record["passes"] = [passes[k] for k in sorted(passes)]
    return record


def _close_cut_segment(entry: dict[str, Any], segment: dict[str, Any] | None) -> None:
    """A segment that an interruption cut: it counts up to its last checkpoint, the last
    point the disk confirmed (what came after it was written again on resuming)."""
    if segment is None:
        return
    entry["segments"].append(
        {
            "started_at": segment["started_at"],
            "start_byte": segment["start_byte"],
            "seconds": max(0.0, _seconds(segment["started_at"], segment["last_at"])),
            "bytes": max(0, segment["last_byte"] - segment["start_byte"]),
            "interrupted": True,
        }
    )


def _sum_segments(entry: dict[str, Any]) -> None:
    """A pass's duration and throughput over all its segments."""
    seconds = sum(s["seconds"] for s in entry["segments"])
    written = sum(s["bytes"] for s in entry["segments"])
    entry["seconds"] = round(seconds, 3)
    entry["bytes_written"] = written
    entry["throughput_bps"] = round(written / seconds) if seconds > 0 else 0
