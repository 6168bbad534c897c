"""A laptop's system image written through its agent, recorded by the station as a docked
disk's (bench_app/install/laptop_image.py): the image comes from the station's verified
library (its sha256 checked again right before, and its layout), its mapped blocks travel
over the sealed channel (install/agent_write.py says the conversation), the agent writes
them to the disk the operator confirmed by its serial, flushes and reads them back.

Rules, as for a docked disk: the system is written only once every disk the laptop offers
is verified erased and linked to it (the journey's order: the erasure first); the disk is
refused by the erasure's safety rules (never the boot stick or the running system); the
disk is "installed" (`image.written` verified, which makes the laptop's system image stage)
only when the write finished and every mapped range read back with the map's checksum,
which the station checks itself from the digest the agent reports. A link cut mid-way
records the job as interrupted, an agent that stops records it as failed: neither is ever
"installed"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.devices.laptop.client import LaptopSession
from bench_app.disk_links import host_of
from bench_app.domain.model import Device, DeviceKind, DeviceStage, JobState
from bench_app.errors import BenchError
from bench_app.install.agent_write import (
    CHUNK,
    END_FRAME,
    WINDOW,
    ImageOrder,
    chunk_frame,
    mapped_digest,
)
from bench_app.install.image_writer import ImagePlan, _ImageReader, check_layout, plan_image
from bench_app.install.images import ImageLibrary
from bench_app.install.laptop_image import image_path
from bench_app.laptop_erasure import chosen_disks
from bench_app.laptops import _checked, _record_laptop, record_facts
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

PIPELINE = "laptop.install_image"
Progress = Callable[[str, int, int], None]  # ("write" | "verify", bytes done, bytes in all)


def workshop_laptop_image(folder: Path, *, training: bool = False) -> str:
    """The system image for computers: the workshop's (`laptop_image` setting), or the
    classroom's in training; LAPTOP_IMAGE_NOT_SET when none was chosen."""
    chosen = Settings.load(folder).laptop_image.strip()
    if chosen:
        return chosen
    if training:
        from bench_app.simulators.laptop_system import training_laptop_image

        return training_laptop_image(folder)
    raise BenchError("LAPTOP_IMAGE_NOT_SET")


def plan_library_image(folder: Path, reference: str) -> ImagePlan:
    """The image `reference` (a name or sha256 in the library, or a file) hashed again in
    full and checked to look like a disk, with its block map: the library's `<name>.bmap`
    (itself verified) or one beside a file, else the map of a raw file's data, else the
    whole image. BenchError (IMAGE_MISSING, IMAGE_CHECKSUM_MISMATCH, DISK_IMAGE_*) before
    anything is sent."""
    path = image_path(reference, folder)
    check_layout(path)
    bmap: Path | None = None
    library = ImageLibrary(folder)
    if library.root in path.parents:
        entry = next((e for e in library.entries() if library.path_of(e) == path), None)
        if entry is not None and library.find(entry.file + ".bmap") is not None:
            bmap = library.verified_path(entry.file + ".bmap")
    return plan_image(path, bmap=bmap)


def unerased_disks(station: Station, laptop: Device, disks: list[dict[str, Any]]) -> list[str]:
    """The serials of the disks the agent offers that are not yet verified erased as disks
    of this laptop (never erased, erased as another computer's, or failed)."""
    states = {d.device_id: d for d in station.journey(laptop.id).disks}
    missing: list[str] = []
    for disk in disks:
        serial = str(disk.get("serial", ""))
        device = queries.device_by_identity(station.store, DeviceKind.DRIVE.value, serial, "")
        host = host_of(station.store, device.id) if device is not None else None
        state = states.get(device.id) if device is not None else None
        if host is None or host.id != laptop.id or state is None or not state.erased:
            missing.append(serial or str(disk.get("path", "?")))
    return missing


def image_order(plan: ImagePlan, disk: dict[str, Any]) -> ImageOrder:
    """The write order of `plan` to `disk` (a disk the agent offered, its serial confirmed)."""
    m = plan.block_map
    return ImageOrder(
        disk["path"],
        disk["confirm_serial"],
        plan.path.name,
        m.image_size,
        m.block_size,
        tuple((r.first, r.last, r.checksum) for r in m.ranges),
    )


def write_laptop_image(
    folder: Path,
    address: str,
    code: str,
    *,
    confirm: str,
    image: str | None = None,
    operator: str,
    training: bool = False,
    on_progress: Progress = lambda _phase, _done, _total: None,
    station: Station | None = None,
) -> dict[str, Any]:
    """Pairs with the agent, checks the image (`image`, default the workshop's) and that
    every disk of the laptop is verified erased, has the agent write it to the disk whose
    serial ends with `confirm`, and records the result on that disk. Returns
    {"asset_code" (the laptop's), "disk_asset_code", "serial", "image", "checksum",
    "mapped_bytes", "image_size", "bytes", "milliseconds", "verify_milliseconds",
    "result" ("installed" or "not_installed"), "reasons"}. Raises LAPTOP_IMAGE_NOT_ERASED
    (nothing sent), LAPTOP_IMAGE_INTERRUPTED (link cut: recorded interrupted),
    LAPTOP_IMAGE_FAILED (the agent stopped: recorded failed), or the image's refusal.
    `station`: the station already open on `folder` (the window's), used and left open;
    without it one is opened for the call. `on_progress(phase, done, total)` is called
    from this thread."""
    reference = image or workshop_laptop_image(folder, training=training)
    plan = plan_library_image(folder, reference)  # refused before connecting
    with LaptopSession.pair(address, code) as session:
        description = session.ask("describe")
        _identity, _inventory, disks = _checked(description)
        chosen_disks(disks, [confirm])  # refused before the station opens
        own = station is None
        if station is None:
            station = Station(folder, operator=operator, training=training)
        try:
            return _write_described(
                station, session, address, description, plan, confirm, operator, on_progress
            )
        finally:
            if own:
                station.close()


def write_paired(
    station: Station,
    session: LaptopSession,
    address: str,
    *,
    confirm: str,
    image: str | ImagePlan | None = None,
    operator: str,
    on_progress: Progress = lambda _phase, _done, _total: None,
) -> dict[str, Any]:
    """As `write_laptop_image`, through a session already paired (the window keeps one per
    laptop card) and on `station` (used and left open): the agent describes its disks again,
    the laptop is recorded, every disk must be verified erased, then the image (`image`: a
    reference in the station's library, a plan already checked, default the workshop's) is
    written to the disk whose serial ends with `confirm` and read back. Same result and
    same refusals; `on_progress(phase, done, total)` is called from this thread."""
    if isinstance(image, ImagePlan):
        plan = image
    else:
        reference = image or workshop_laptop_image(station.folder, training=station.training)
        plan = plan_library_image(station.folder, reference)
    description = session.ask("describe")
    return _write_described(
        station, session, address, description, plan, confirm, operator, on_progress
    )


def _write_described(
    station: Station,
    session: LaptopSession,
    address: str,
    description: dict[str, Any],
    plan: ImagePlan,
    confirm: str,
    operator: str,
    on_progress: Progress,
) -> dict[str, Any]:
    _identity, _inventory, disks = _checked(description)
    (disk,) = chosen_disks(disks, [confirm])
    laptop = _record_laptop(station, description, address, operator)
    missing = unerased_disks(station, laptop, disks)
    if missing:
        raise BenchError("LAPTOP_IMAGE_NOT_ERASED", disks=", ".join(missing))
    device = queries.device_by_identity(
        station.store, DeviceKind.DRIVE.value, str(disk.get("serial", "")), ""
    )
    assert device is not None  # unerased_disks found it erased
    order = image_order(plan, disk)
    session.ask(
        "write_image",
        path=order.path,
        confirm_serial=order.confirm_serial,
        image=order.name,
        image_size=order.image_size,
        block_size=order.block_size,
        ranges=[list(r) for r in order.ranges],
    )  # the agent checked the disk: it waits for the first chunk
    agent = {"id": description["agent_id"], "address": address}
    job = record_write_started(station, device, laptop, plan, disk, agent, operator)
    try:
        report = _stream(session, plan, order, on_progress)
    except BenchError as exc:
        record_write_stopped(station, device, job, exc, operator)
        if exc.code == "PAIR_FAILED":
            raise BenchError("LAPTOP_IMAGE_INTERRUPTED", detail=exc.values["detail"]) from exc
        if exc.code == "AGENT_REFUSED":
            raise BenchError("LAPTOP_IMAGE_FAILED", detail=exc.values["detail"]) from exc
        raise
    result = record_write_finished(station, device, job, plan, order, report, operator)
    result.update(asset_code=laptop.asset_code, disk_asset_code=device.asset_code)
    return result


def record_write_started(
    station: Station,
    device: Device,
    laptop: Device,
    plan: ImagePlan,
    disk: dict[str, Any],
    agent: dict[str, str],
    operator: str,
) -> dict[str, Any]:
    """Records the image write starting on `device` (a disk of `laptop`); the job to finish."""
    job = {"job_id": uuid7_str(), "write_id": uuid7_str()}
    target = {k: v for k, v in disk.items() if k not in ("refusals", "confirm_serial")}
    started = {
        **job,
        "image": plan.path.name,
        "checksum": plan.checksum,
        "checksum_of": plan.checksum_of,
        "map_source": plan.map_source,
        "compression": plan.compression,
        "target": target,
        "mapped_bytes": plan.mapped_bytes,
        "image_size": plan.image_size,
        "agent": agent,
        "computer": laptop.asset_code,
    }
    record_facts(
        station,
        device,
        operator,
        [
            (
                "job.created",
                {
                    "job_id": job["job_id"],
                    "device_id": device.id,
                    "pipeline": PIPELINE,
                    "steps": ["write", "verify", "result"],
                    "stage_on_success": DeviceStage.INSTALLED.value,
                },
            ),
            ("job.started", {"job_id": job["job_id"]}),
            ("image.write_started", started),
        ],
    )
    return {**job, "started": started}


def _stream(
    session: LaptopSession, plan: ImagePlan, order: ImageOrder, on_progress: Progress
) -> dict[str, Any]:
    """Sends the mapped ranges, WINDOW chunks ahead of the agent's acknowledgements, then
    waits for its read-back; the agent's report. AGENT_REFUSED when the agent stopped,
    PAIR_FAILED when the link broke."""
    total = order.mapped_bytes
    pending = 0
    ended = False

    def follow(frame: dict[str, Any]) -> dict[str, Any] | None:
        nonlocal pending
        if not frame.get("ok"):
            if not ended:
                session.send_bytes(END_FRAME)  # the agent drops what is on its way
            raise BenchError("AGENT_REFUSED", detail=str(frame.get("error", "?"))[:200])
        if frame.get("done"):
            report = frame.get("report")
            if not isinstance(report, dict):
                raise BenchError("AGENT_REFUSED", detail="a report without its content")
            return report
        if isinstance(frame.get("written"), int):
            pending -= 1
            on_progress("write", frame["written"], total)
        elif isinstance(frame.get("checked"), int):
            on_progress("verify", frame["checked"], total)
        return None

    reader = _ImageReader(plan)
    buf = bytearray(CHUNK)
    try:
        for _index, offset, length, _last in order.chunks():
            view = memoryview(buf)[:length]
            reader.fill(offset, view)
            session.send_bytes(chunk_frame(offset, view))
            pending += 1
            while pending >= WINDOW:
                follow(session.receive())
    finally:
        reader.close()
    session.send_bytes(END_FRAME)
    ended = True
    while True:
        report = follow(session.receive())
        if report is not None:
            return report


def record_write_stopped(
    station: Station, device: Device, job: dict[str, Any], exc: BenchError, operator: str
) -> None:
    """Records the write as interrupted (link lost) or failed (the writer stopped)."""
    if exc.code == "PAIR_FAILED":
        facts: list[tuple[str, dict[str, Any]]] = [
            (
                "job.interrupted",
                {
                    "job_id": job["job_id"],
                    "reason": "laptop_link_lost",
                    "last_finished_step": None,
                    "message": exc.message.to_json(),
                },
            )
        ]
    else:
        failed = {"job_id": job["job_id"], "code": exc.code, "message": exc.message.to_json()}
        facts = [("step.failed", {**failed, "step_id": "write"}), ("job.failed", failed)]
    record_facts(station, device, operator, facts)


def _report_reasons(
    report: dict[str, Any], order: ImageOrder, expected: str
) -> tuple[dict[str, Any], list[Text]]:
    """(the verification as recorded, what the station finds wrong with the report)."""
    checked = report.get("verification")
    shape = (
        isinstance(report.get("bytes_written"), int)
        and isinstance(report.get("milliseconds"), int)
        and isinstance(checked, dict)
        and isinstance(checked.get("bytes_checked"), int)
        and isinstance(checked.get("milliseconds"), int)
        and isinstance(checked.get("readback_digest"), str)
        and isinstance(checked.get("ok"), bool)
    )
    if not shape:
        return {}, [Text("Rapport du portable incomplet.", "Laptop report incomplete.")]
    assert isinstance(checked, dict)
    reasons: list[Text] = []
    whole = report["bytes_written"] == order.mapped_bytes
    read = checked["bytes_checked"] == order.mapped_bytes
    matches = checked["readback_digest"] == expected
    if not (whole and read):
        reasons.append(
            Text("Le rapport ne couvre pas toute l’image.", "The report does not cover the image.")
        )
    if not matches or not checked["ok"]:
        reasons.append(
            Text(
                "Le disque relu ne correspond pas à l’image.",
                "The disk read back does not match the image.",
            )
        )
    verification = {
        k: checked[k]
        for k in ("bytes_checked", "milliseconds", "ranges", "mismatch_count", "readback_digest")
        if k in checked
    }
    verification.update(
        ok=not reasons, expected_digest=expected, against="bmap", direct_io=report.get("direct_io")
    )
    return verification, reasons


def record_write_finished(
    station: Station,
    device: Device,
    job: dict[str, Any],
    plan: ImagePlan,
    order: ImageOrder,
    report: dict[str, Any],
    operator: str,
) -> dict[str, Any]:
    """Checks the writer's report against the map and records the verdict (`image.written`,
    verified only when every mapped range read back as mapped); the result."""
    expected = mapped_digest([r.checksum for r in plan.block_map.ranges])
    verification, reasons = _report_reasons(report, order, expected)
    verified = not reasons
    started = job["started"]
    written = {
        "job_id": job["job_id"],
        "write_id": job["write_id"],
        "image": started["image"],
        "checksum": started["checksum"],
        "checksum_of": started["checksum_of"],
        "target": started["target"],
        "mapped_bytes": started["mapped_bytes"],
        "image_size": started["image_size"],
        "bytes": int(report.get("bytes_written", 0)),
        "milliseconds": int(report.get("milliseconds", 0)),
        "verify_milliseconds": int(verification.get("milliseconds", 0)),
        "verified": verified,
        "result": "installed" if verified else "not_installed",
        "reasons": [r.to_json() for r in reasons],
        "readback_digest": verification.get("readback_digest", ""),
        "expected_digest": expected,
    }
    finished: dict[str, Any] = {
        "job_id": job["job_id"],
        "state": (JobState.SUCCEEDED if verified else JobState.BLOCKED).value,
    }
    if reasons:
        finished["message"] = Text(
            "NON INSTALLÉ : " + " ".join(r.fr for r in reasons),
            "NOT INSTALLED: " + " ".join(r.en for r in reasons),
        ).to_json()
    summary = (
        Text("Relu, conforme à l’image.", "Read back, as in the image.")
        if verified
        else Text("Relu, NON conforme à l’image.", "Read back, NOT as in the image.")
    )
    record_facts(
        station,
        device,
        operator,
        [
            (
                "step.finished",
                {
                    "job_id": job["job_id"],
                    "step_id": "verify",
                    "status": "passed" if verified else "failed",
                    "summary": summary.to_json(),
                    "evidence": {"verification": verification},
                },
            ),
            ("image.written", written),
            ("job.finished", finished),
        ],
    )
    return {
        "disk_asset_code": device.asset_code,
        "serial": device.serial,
        **{k: written[k] for k in ("image", "checksum", "mapped_bytes", "image_size", "bytes")},
        "milliseconds": written["milliseconds"],
        "verify_milliseconds": written["verify_milliseconds"],
        "result": written["result"],
        "reasons": written["reasons"],
    }
