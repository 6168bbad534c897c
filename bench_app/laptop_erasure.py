"""A laptop's disks erased through its agent, recorded by the station as a docked drive's
erasure is: each disk a device of its own (found by its serial), linked to the laptop
(`disk.linked`), with one job and the same erasure facts (erasure.started, pass_started,
pass_finished, verified, finished), so that its certificate is the same document.

Trust: the station believes the agent's report because the agent proved it knows the code
shown on the laptop's screen (SPAKE2) and every frame since is sealed (ChaCha20-Poly1305,
numbered): nobody else on the network can write or change it. The station still checks what
it can: the report's shape, a full verification that read back every byte of the disk, a
pass that wrote every byte; a report that falls short is recorded as "not erased". The
station chooses the pattern's stream (the seed of random data), so a later independent read
of the disk could check it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.devices.laptop.client import LaptopSession
from bench_app.disk_links import host_of
from bench_app.domain.model import Device, DeviceKind, DeviceStage, JobState
from bench_app.erasure import overwrite as io
from bench_app.erasure.drive_erase import CLEAR_RANDOM, CLEAR_ZERO, SSD_CLEAR_LIMITATION, STANDARD
from bench_app.erasure.records import latest_erasure
from bench_app.erasure.safety import MIN_CONFIRM_CHARS
from bench_app.erasure.verdict import erasure_reasons
from bench_app.errors import BenchError
from bench_app.laptops import _checked, _record_laptop, record_facts
from bench_app.output.certificates.laptop_document import missing_disks
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

PIPELINE = "laptop.disk_erase"
INTERRUPTED_WORDS = Text(
    "Liaison perdue : disque NON EFFACÉ. Effacez-le de nouveau.",
    "Link lost: disk NOT ERASED. Erase it again.",
)
LAPTOP_METHODS = (CLEAR_ZERO, CLEAR_RANDOM)


def chosen_disks(disks: list[dict[str, Any]], confirms: list[str]) -> list[dict[str, Any]]:
    """The offered disks each confirmation names (the end of its serial, as typed from the
    label); LAPTOP_DISK_UNKNOWN when one names none or several, LAPTOP_DISK_REFUSED when the
    named disk may not be erased (the agent said why)."""
    chosen: list[dict[str, Any]] = []
    for typed in confirms:
        given = typed.replace(" ", "").upper()
        found = [
            d
            for d in disks
            if len(given) >= min(MIN_CONFIRM_CHARS, len(str(d.get("serial", ""))))
            and str(d.get("serial", "")).replace(" ", "").upper().endswith(given)
            and given
        ]
        if len(found) != 1:
            raise BenchError("LAPTOP_DISK_UNKNOWN", typed=typed[:40])
        disk = found[0]
        if disk.get("refusals"):
            raise BenchError(
                "LAPTOP_DISK_REFUSED", disk=str(disk.get("serial")), why=", ".join(disk["refusals"])
            )
        if disk not in chosen:
            chosen.append({**disk, "confirm_serial": typed})
    return chosen


def _disk_device(station: Station, disk: dict[str, Any], laptop: Device) -> Device:
    serial = str(disk.get("serial", ""))
    device = queries.device_by_identity(station.store, DeviceKind.DRIVE.value, serial, "")
    if device is None:
        device = station.register_device(
            DeviceKind.DRIVE, model=str(disk.get("model", "")), serial=serial
        )
    linked = host_of(station.store, device.id)
    if linked is None or linked.id != laptop.id:
        station.link_disk(device.id, laptop.id, "laptop agent")
    return device


def resume_offered(
    station: Station, device: Device, disk: dict[str, Any]
) -> tuple[io.Stream, int] | None:
    """(stream, offset) to carry on with when the agent offers to resume a pass that this
    station started on this disk and whose job was interrupted (same stream, a checkpoint
    inside the disk); None otherwise: the disk is erased from its first byte."""
    offer = disk.get("resume")
    if not isinstance(offer, dict):
        return None
    record = latest_erasure(station.store, device.id)
    if record is None or record["result"] != "in_progress" or not record["interruptions"]:
        return None
    started = [
        e.payload
        for e in queries.events(station.store, device.id)
        if e.type == "erasure.pass_started" and e.payload["erasure_id"] == record["erasure_id"]
    ]
    offset, size = offer.get("offset"), int(disk.get("size_bytes", 0))
    if not started or offer.get("stream") != started[0]["stream"]:
        return None  # not the pass this station started: never trusted
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 < offset <= size:
        return None
    return io.Stream.from_json(started[0]["stream"]), offset


def _report_facts(
    report: dict[str, Any], disk: dict[str, Any], start: int = 0
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[Text]]:
    """(pass fact, verification fact, reasons found by the station) from one disk's report
    (its pass resumed at `start`: the earlier bytes were written by the interrupted one)."""
    size = int(disk.get("size_bytes", 0))
    if "refused" in report or "failed" in report:
        why = str(report.get("refused") or report.get("failed"))[:300]
        return None, None, [Text(f"Le portable n’a pas effacé : {why}.", f"Not erased: {why}.")]
    done, checked = report.get("pass"), report.get("verification")
    shape = (
        isinstance(done, dict)
        and isinstance(done.get("bytes"), int)
        and isinstance(done.get("milliseconds"), int)
        and isinstance(done.get("errors"), list)
        and isinstance(done.get("completed"), bool)
        and isinstance(checked, dict)
        and isinstance(checked.get("bytes_checked"), int)
        and isinstance(checked.get("ok"), bool)
    )
    if not shape:
        return None, None, [Text("Rapport du portable incomplet.", "Laptop report incomplete.")]
    assert isinstance(done, dict) and isinstance(checked, dict)
    reasons: list[Text] = []
    # What the station can check itself: every byte written, every byte read back.
    whole = start + done["bytes"] == size and checked["bytes_checked"] == size
    full = checked.get("mode") == "full"
    if not (whole and full):
        reasons.append(
            Text("Le rapport ne couvre pas tout le disque.", "The report does not cover the disk.")
        )
    verified = {**checked, "ok": bool(checked["ok"] and whole and full)}
    return dict(done), verified, reasons


def erase_laptop(
    folder: Path,
    address: str,
    code: str,
    *,
    method: str,
    confirms: list[str],
    operator: str,
    training: bool = False,
    on_progress: Callable[[dict[str, float]], None] = lambda _f: None,
) -> dict[str, Any]:
    """Pairs with the agent, records the laptop and the disks named by `confirms`, has the
    agent erase them all at once (full verification) and records each erasure. Returns
    {"asset_code", "disks": [{"asset_code", "serial", "result", "reasons"}],
    "certificate_missing": the disks that still keep the laptop from its certificate}. When the link
    breaks mid-way every job is recorded as interrupted (never erased) and
    LAPTOP_ERASE_INTERRUPTED is raised."""
    _check_order(method, confirms)
    with LaptopSession.pair(address, code) as session:
        description = session.ask("describe")
        _identity, _inventory, disks = _checked(description)
        chosen_disks(disks, confirms)  # refused before the station records anything
        station = Station(folder, operator=operator, training=training)
        try:
            return erase_paired(
                station,
                session,
                address,
                method=method,
                confirms=confirms,
                operator=operator,
                on_progress=on_progress,
                description=description,
            )
        finally:
            station.close()


def _check_order(method: str, confirms: list[str]) -> None:
    if method not in LAPTOP_METHODS:
        raise BenchError(
            "ERASE_METHOD_UNAVAILABLE", method=method, reason=Text("inconnue.", "unknown.")
        )
    if not confirms:
        raise BenchError("LAPTOP_ERASE_NO_DISK")


def erase_paired(
    station: Station,
    session: LaptopSession,
    address: str,
    *,
    method: str,
    confirms: list[str],
    operator: str,
    on_progress: Callable[[dict[str, float]], None] = lambda _f: None,
    description: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """As `erase_laptop`, through a session already paired (the window keeps one per
    laptop card) and on `station`: the agent describes its disks again (unless its
    `description` was just read), the disks named by
    `confirms` are recorded and erased at once. Returns {"asset_code", "device_id",
    "disks": [...]}; LAPTOP_ERASE_INTERRUPTED (jobs recorded interrupted) when the link
    breaks mid-way."""
    _check_order(method, confirms)
    pattern = io.Pattern.ZEROS if method == CLEAR_ZERO else io.Pattern.RANDOM
    if description is None:  # the agent's answer read just now is not asked again
        description = session.ask("describe")
    _identity, _inventory, disks = _checked(description)
    chosen = chosen_disks(disks, confirms)
    laptop = _record_laptop(station, description, address, operator)
    agent = {"id": description["agent_id"], "address": address}
    jobs: list[dict[str, Any]] = []
    for disk in chosen:
        device = _disk_device(station, disk, laptop)
        resumed = resume_offered(station, device, disk)
        stream, start = resumed or (io.Stream.new(pattern), 0)
        job: dict[str, Any] = {
            "job_id": uuid7_str(),
            "erasure_id": uuid7_str(),
            "device": device,
        }
        target = {
            k: v for k, v in disk.items() if k not in ("refusals", "confirm_serial", "resume")
        }
        image = bool(disk.get("image_file"))
        ids = {"job_id": job["job_id"], "erasure_id": job["erasure_id"]}
        hidden = {"state": "not_applicable" if image else "not_checked"}
        ssd = disk.get("media") == "ssd" and not image
        record_facts(
            station,
            device,
            operator,
            start_facts(
                ids,
                device,
                target,
                hidden=hidden,
                ssd=ssd,
                agent=agent,
                computer=laptop.asset_code,
                stream=stream,
                start=start,
                resumed=resumed is not None,
            ),
        )
        jobs.append({**job, "disk": disk, "stream": stream, "start": start, "hidden": hidden})
    order = [
        {
            "path": j["disk"]["path"],
            "confirm_serial": j["disk"]["confirm_serial"],
            "stream": j["stream"].to_json(),
            "start": j["start"],
        }
        for j in jobs
    ]
    try:
        answer = session.stream(
            "erase",
            lambda frame: on_progress(dict(frame.get("progress") or {})),
            disks=order,
        )
    except BenchError as exc:
        for j in jobs:
            _interrupted(station, j, operator, exc)
        if exc.code == "PAIR_FAILED":
            raise BenchError("LAPTOP_ERASE_INTERRUPTED", detail=exc.values["detail"]) from exc
        raise
    reports = {r.get("path"): r for r in answer.get("disks", []) if isinstance(r, dict)}
    results = [_finish(station, j, reports.get(j["disk"]["path"], {}), operator) for j in jobs]
    return {
        "asset_code": laptop.asset_code,
        "device_id": laptop.id,
        "disks": results,
        "certificate_missing": missing_disks(station.store, laptop),
    }


def start_facts(
    ids: dict[str, str],
    device: Device,
    target: dict[str, Any],
    *,
    hidden: dict[str, str],
    ssd: bool,
    agent: dict[str, Any],
    computer: str,
    stream: io.Stream,
    start: int,
    resumed: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """The facts that open one laptop disk's erasure through its agent (its job, the
    erasure and its one pass from `start`), as the station and the stick alone record them."""
    method = CLEAR_ZERO if stream.pattern is io.Pattern.ZEROS else CLEAR_RANDOM
    return [
        (
            "job.created",
            {
                "job_id": ids["job_id"],
                "device_id": device.id,
                "pipeline": PIPELINE,
                "steps": ["erase", "verify", "result"],
                "stage_on_success": DeviceStage.ERASED.value,
            },
        ),
        ("job.started", {"job_id": ids["job_id"]}),
        (
            "erasure.started",
            {
                **ids,
                "method": method,
                "technique": "Clear",
                "standard": STANDARD,
                "target": target,
                "hidden_areas": hidden,
                "verify": "full",
                "limitation": SSD_CLEAR_LIMITATION.to_json() if ssd else None,
                "agent": agent,
                "computer": computer,
            },
        ),
        (
            "erasure.pass_started",
            {
                **ids,
                "pass_no": 1,
                "pattern": stream.pattern.value,
                "start_byte": start,
                "end_byte": int(target.get("size_bytes", 0)),
                "stream": stream.to_json(),
                "resumed": resumed,
            },
        ),
    ]


def _interrupted(station: Station, job: dict[str, Any], operator: str, exc: BenchError) -> None:
    record_facts(
        station,
        job["device"],
        operator,
        [
            (
                "job.interrupted",
                {
                    "job_id": job["job_id"],
                    "reason": "laptop_link_lost",
                    "last_finished_step": None,
                    # What the card says: the disks are not erased (the raw cause is the
                    # error's, told behind « En savoir plus »).
                    "message": INTERRUPTED_WORDS.to_json(),
                },
            )
        ],
    )


def _finish(
    station: Station, job: dict[str, Any], report: dict[str, Any], operator: str
) -> dict[str, Any]:
    ids = {"job_id": job["job_id"], "erasure_id": job["erasure_id"]}
    done, verified, found = _report_facts(report, job["disk"], job["start"])
    facts: list[tuple[str, dict[str, Any]]] = []
    passes: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    if done is not None:
        fact = {**ids, "pass_no": 1, "pattern": job["stream"].pattern.value, **done}
        facts.append(("erasure.pass_finished", fact))
        passes.append(fact)
    if verified is not None:
        fact = {**ids, **verified}
        facts.append(("erasure.verified", fact))
        checks.append(fact)
    reasons = found + erasure_reasons(passes, checks, job["hidden"])
    unique = list(dict.fromkeys(reasons))
    result = "erased" if not unique else "not_erased"
    facts.append(
        ("erasure.finished", {**ids, "result": result, "reasons": [r.to_json() for r in unique]})
    )
    state = JobState.SUCCEEDED if not unique else JobState.BLOCKED
    finished: dict[str, Any] = {"job_id": job["job_id"], "state": state.value}
    if unique:
        finished["message"] = Text(
            "NON EFFACÉ : " + " ".join(r.fr for r in unique),
            "NOT ERASED: " + " ".join(r.en for r in unique),
        ).to_json()
    facts.append(("job.finished", finished))
    record_facts(station, job["device"], operator, facts)
    return {
        "asset_code": job["device"].asset_code,
        "serial": job["device"].serial,
        "path": job["disk"]["path"],
        "result": result,
        "reasons": [r.to_json() for r in unique],
    }
