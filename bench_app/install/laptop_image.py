"""A Linux image written to a laptop's drive as a job: identify the drive, check the image and
its block map, apply the erasure's safety rules and have the operator confirm the serial,
write the mapped blocks with checkpoints, read them back to verify, and record the result.

The drive is chosen and refused exactly as for an erasure (`bench_app.erasure.safety`): never
the system disk, the live medium, the disk of the station's data, a mounted, swapping or
held disk, nor one the operator did not confirm by the end of its serial; checked when the
drive is chosen and again right before the first write. An image larger than the drive is
refused before anything is written.

Blocks the image does not map are left as they are, so the laptop flow is: erase the drive
(`drive.erase`), then write the image. Only a drive whose write finished and whose every
mapped range read back with the map's checksum is "installed".

An image whose decompressed start looks like no disk (no partition table, boot sector, ISO
9660 or file system: an error page saved under the image's name) is refused before the
drive is looked at, unless the operator says to write it anyway: option `no_layout_check`
true; false refuses outright (the command line); absent, the operator is asked.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bench_app.devices.drives.blockio import Control
from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import EraseTarget
from bench_app.domain.facts import duration_ms
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.erasure.drive_erase import DriveIdentityStep, ask_serial_end
from bench_app.erasure.safety import check_erasable
from bench_app.erasure.verdict import Words, verdict
from bench_app.errors import BenchError
from bench_app.install.bmap import BLOCK_SIZE, BlockMap, MappedRange
from bench_app.install.image_writer import (
    MAP_FILE,
    MAP_SPARSE,
    MAP_WHOLE,
    ImagePlan,
    check_layout,
    plan_image,
    verify_image,
    write_image,
)
from bench_app.jobs.prompt import Cancelled, Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.settings import Settings
from bench_app.settings import data_dir as default_data_dir
from bench_app.sizes import size_text
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

PIPELINE = "drive.install_image"
CANCEL = Choice("cancel", Text("Ne pas écrire", "Do not write"), "bad")
WRITE_ANYWAY = Choice("write_anyway", Text("Écrire quand même", "Write it anyway"))


def _drive(ctx: StepContext) -> DriveHandle:
    return cast(DriveHandle, ctx.device)


def image_path(reference: str, data_folder: Path) -> Path:
    """The image file for `reference`: a path as given, else the image library's verified
    copy of that name when the library is there (`ImageLibrary(folder).verified_path(ref)`)."""
    path = Path(reference)
    if path.exists():
        return path.resolve()
    try:
        images = importlib.import_module("bench_app.install.images")
    except ImportError:
        raise BenchError(
            "DISK_IMAGE_UNREADABLE", name=path.name, detail="no such image file"
        ) from None
    library = images.ImageLibrary(data_folder)
    return Path(library.verified_path(reference))


@dataclass(slots=True)
class _Shared:
    """What the steps of one run of the job hand to each other (not kept across a crash:
    a resumed job checks the image again, and that it is the same one)."""

    plan: ImagePlan | None = None


def _plan(ctx: StepContext, shared: _Shared, data_folder: Path) -> ImagePlan:
    """The image's plan: from this run's image step, or, after a resume, checked again and
    compared with what the image step found the first time."""
    if shared.plan is not None:
        return shared.plan
    first = ctx.results["image"].evidence["image"]
    if first["map_source"] == MAP_WHOLE:
        # Decompressing it all again to learn what is known: the write checks it as it goes.
        size, sha = first["image_size"], first["checksum"]
        whole = BlockMap(size, BLOCK_SIZE, (MappedRange(0, -(-size // BLOCK_SIZE) - 1, sha),))
        plan = ImagePlan(
            Path(first["image_path"]), first["compression"], whole, MAP_WHOLE, None, sha, "image"
        )
    else:
        bmap = ctx.options.get("bmap")
        plan = plan_image(
            image_path(ctx.options["image"], data_folder),
            bmap=Path(bmap) if bmap else None,
            cancelled=ctx.cancelled.is_set,
        )
    if plan.checksum != first["checksum"]:
        raise BenchError("DISK_IMAGE_CHANGED", name=plan.path.name)
    shared.plan = plan
    return plan


class ImageStep(Step):
    """The image and its map, checked before the drive is even looked at."""

    id = "image"
    title = Text("Vérification de l’image", "Image check")
    weight = 0.5

    def __init__(self, shared: _Shared, data_folder: Path) -> None:
        self.shared, self.data_folder = shared, data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        if not ctx.options.get("image"):
            raise BenchError("DISK_IMAGE_UNREADABLE", name="?", detail="no image was chosen")
        path = image_path(ctx.options["image"], self.data_folder)
        layout, confirmed = self._layout(ctx, path)
        bmap = ctx.options.get("bmap")

        def progress(done: int) -> None:
            read = size_text(done)
            ctx.progress(0.5, Text(f"{read.fr} lus", f"{read.en} read"))

        plan = plan_image(
            path,
            bmap=Path(bmap) if bmap else None,
            expected_sha256=ctx.options.get("sha256"),
            progress=progress,
            cancelled=ctx.cancelled.is_set,
        )
        self.shared.plan = plan
        size, mapped = size_text(plan.image_size), size_text(plan.mapped_bytes)
        how = {
            MAP_FILE: Text("carte de blocs fournie", "block map provided"),
            MAP_SPARSE: Text("carte tirée du fichier creux", "map built from the sparse file"),
            MAP_WHOLE: Text(
                "image compressée sans carte : écrite en entier",
                "compressed image without a map: written whole",
            ),
        }[plan.map_source]
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{plan.path.name} : {size.fr}, dont {mapped.fr} à écrire ({how.fr}).",
                f"{plan.path.name}: {size.en}, {mapped.en} to write ({how.en}).",
            ),
            {"image": plan.to_json(), "layout": layout, "layout_confirmed_by_operator": confirmed},
        )

    def _layout(self, ctx: StepContext, path: Path) -> tuple[str, bool]:
        """The image's layout, and whether the operator chose to write an image that looks
        like no disk; refused (or asked) before anything else is done with it."""
        if ctx.options.get("no_layout_check"):
            return check_layout(path, required=False), True
        try:
            return check_layout(path), False
        except BenchError as exc:
            if exc.code != "DISK_IMAGE_NO_LAYOUT" or "no_layout_check" in ctx.options:
                raise
            answer = ctx.ask(
                Prompt(
                    Text(
                        f"{path.name} ne ressemble pas à une image disque. L’écrire quand même ?",
                        f"{path.name} does not look like a disk image. Write it anyway?",
                    ),
                    (CANCEL, WRITE_ANYWAY),
                    detail=exc.message,
                )
            )
            if answer != WRITE_ANYWAY.key:
                raise Cancelled() from None
            return "", True


def _check_target(
    target: EraseTarget, plan: ImagePlan, data_folder: Path, typed: str | None
) -> None:
    """The erasure's rules, then the size: raises the first refusal."""
    check_erasable(target, data_dir=data_folder, confirm_serial=typed)
    if plan.image_size > target.size_bytes:
        raise BenchError(
            "DISK_IMAGE_TOO_LARGE",
            name=plan.path.name,
            path=target.path,
            image_size=plan.image_size,
            size=target.size_bytes,
        )


class TargetSafetyStep(Step):
    """May this drive be written? The erasure's rules and the serial, and room for the image."""

    id = "safety"
    title = Text("Sécurité et confirmation", "Safety and confirmation")
    weight = 0.2

    def __init__(self, shared: _Shared, data_folder: Path) -> None:
        self.shared, self.data_folder = shared, data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        target = _drive(ctx).target()
        plan = _plan(ctx, self.shared, self.data_folder)
        typed = ctx.options.get("confirm_serial")
        while True:
            try:
                _check_target(target, plan, self.data_folder, typed)
                break
            except BenchError as exc:
                if exc.code != "ERASE_NOT_CONFIRMED" or "confirm_serial" in ctx.options:
                    raise
                typed = self._ask_serial(ctx, target, plan, wrong=typed is not None)
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{target.model} confirmé : l’image y sera écrite.",
                f"{target.model} confirmed: the image will be written to it.",
            ),
            {"confirmed_with": typed, "target": target.to_json()},
        )

    def _ask_serial(
        self, ctx: StepContext, target: EraseTarget, plan: ImagePlan, *, wrong: bool
    ) -> str:
        return ask_serial_end(
            ctx,
            Text(
                f"{plan.path.name} va remplacer le contenu du disque {target.model}. "
                "Lisez son étiquette et tapez les 4 derniers caractères de son numéro "
                "de série.",
                f"{plan.path.name} will replace what is on the disk {target.model}. "
                "Read its label and type the last 4 characters of its serial number.",
            ),
            wrong=wrong,
        )


class WriteImageStep(Step):
    """The mapped blocks, written with checkpoints; a resumed job carries on from the last."""

    id = "write"
    title = Text("Écriture de l’image", "Writing the image")
    weight = 6.0

    def __init__(self, shared: _Shared, data_folder: Path) -> None:
        self.shared, self.data_folder = shared, data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        plan = _plan(ctx, self.shared, self.data_folder)
        target = _drive(ctx).target()
        # Checked again right before the first byte: a disk may have been mounted since.
        _check_target(
            target, plan, self.data_folder, ctx.results["safety"].evidence["confirmed_with"]
        )
        started = ctx.recall("image.write_started")
        if started:
            write_id = started[-1]["write_id"]
            if started[-1]["checksum"] != plan.checksum:
                raise BenchError("DISK_IMAGE_CHANGED", name=plan.path.name)
        else:
            write_id = uuid7_str()
            ctx.record(
                "image.write_started",
                {
                    "write_id": write_id,
                    "image": plan.path.name,
                    "checksum": plan.checksum,
                    "checksum_of": plan.checksum_of,
                    "map_source": plan.map_source,
                    "compression": plan.compression,
                    "target": target.to_json(),
                    "mapped_bytes": plan.mapped_bytes,
                    "image_size": plan.image_size,
                },
            )
        marks = [c for c in ctx.recall("image.write_checkpoint") if c["write_id"] == write_id]
        start = max((c["offset"] for c in marks), default=0)
        mapped = plan.mapped_bytes or 1
        below = sum(
            min(length, max(0, start - offset))
            for offset, length in map(plan.block_map.extent, plan.block_map.ranges)
        )

        def progress(done: int) -> None:
            ctx.progress(min(1.0, (below + done) / mapped), None)

        def checkpoint(offset: int) -> None:
            ctx.record("image.write_checkpoint", {"write_id": write_id, "offset": offset})

        every = Settings.load(self.data_folder).erase_checkpoint_seconds
        control = Control(ctx.cancelled, progress, checkpoint, lambda: _drive(ctx).connected, every)
        handle = _drive(ctx).open_io(write=True)
        try:
            result = write_image(plan, handle, control, start=start)
        finally:
            handle.close()
        mbps = result.throughput / 1e6
        fact = {
            "write_id": write_id,
            "resumed_from": start,
            "bytes": result.bytes_written,
            "milliseconds": round(result.seconds * 1000),
            "throughput_bps": round(result.throughput),
            "completed": result.completed,
            "direct_io": handle.direct,
        }
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{size_text(plan.mapped_bytes).fr} écrits ({mbps:.0f} Mo/s).",
                f"{size_text(plan.mapped_bytes).en} written ({mbps:.0f} MB/s).",
            ),
            {"write": fact},
        )


class VerifyImageStep(Step):
    id = "verify"
    title = Text("Vérification de l’écriture", "Write verification")
    weight = 3.0

    def __init__(self, shared: _Shared, data_folder: Path) -> None:
        self.shared, self.data_folder = shared, data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        plan = _plan(ctx, self.shared, self.data_folder)
        mapped = plan.mapped_bytes or 1
        control = Control(
            ctx.cancelled,
            lambda done: ctx.progress(done / mapped, None),
            still_there=lambda: _drive(ctx).connected,
        )
        handle = _drive(ctx).open_io(write=False)
        try:
            result = verify_image(plan.block_map, handle, control)
        finally:
            handle.close()
        fact = {**result.to_json(), "direct_io": handle.direct, "against": plan.checksum_of}
        if result.ok:
            summary = Text(
                f"Vérifié : {result.ranges} zones relues, conformes à l’image.",
                f"Verified: {result.ranges} ranges read back, as in the image.",
            )
        else:
            summary = Text(
                f"Échec de la vérification : {len(result.mismatches)} zones différentes, "
                f"{len(result.unreadable)} illisibles.",
                f"Verification failed: {len(result.mismatches)} ranges differ, "
                f"{len(result.unreadable)} unreadable.",
            )
        return StepOutcome(
            StepStatus.PASSED if result.ok else StepStatus.FAILED,
            summary,
            {"verification": fact},
        )


# An image install ends like an erasure: "installed" only when written and verified.
INSTALLED = Words("installed", "not_installed", Text("NON INSTALLÉ", "NOT INSTALLED"))


class ImageResultStep(Step):
    id = "result"
    title = Text("Résultat", "Result")
    weight = 0.1

    def run(self, ctx: StepContext) -> StepOutcome:
        started = ctx.recall("image.write_started")[-1]
        write = ctx.results["write"].evidence["write"]
        verification = ctx.results["verify"].evidence["verification"]
        verified = bool(write["completed"] and verification["ok"])
        reasons = (
            [] if verified else [Text("La vérification a échoué.", "The verification failed.")]
        )
        fact = {
            "write_id": started["write_id"],
            "image": started["image"],
            "checksum": started["checksum"],
            "target": started["target"],
            "mapped_bytes": started["mapped_bytes"],
            "image_size": started["image_size"],
            "bytes": started["mapped_bytes"] if write["completed"] else write["bytes"],
            "milliseconds": duration_ms(write),
            "verify_milliseconds": duration_ms(verification),
            "verified": verified,
        }
        return verdict(
            reasons,
            Text("Image écrite et vérifiée.", "Image written and verified."),
            fact,
            key="install",
            fact_type="image.written",
            words=INSTALLED,
        )


def drive_install_image(data_folder: Path | None = None) -> Pipeline:
    def build() -> list[Step]:
        folder = Path(data_folder) if data_folder is not None else default_data_dir()
        shared = _Shared()
        return [
            DriveIdentityStep(),
            ImageStep(shared, folder),
            TargetSafetyStep(shared, folder),
            WriteImageStep(shared, folder),
            VerifyImageStep(shared, folder),
            ImageResultStep(),
        ]

    return Pipeline(
        PIPELINE,
        Text("Installation d’une image Linux", "Linux image installation"),
        frozenset({DeviceKind.DRIVE}),
        build,
        stage_on_success=DeviceStage.INSTALLED,
        purpose=Purpose.INSTALLS,
        requires=DriveHandle,
    )


def image_write_record(store: Store, job_id: str) -> dict[str, Any] | None:
    """What a job wrote and how it ended, from the event log alone; None when nothing was
    written (the job was refused before the first write)."""
    record = queries.job(store, job_id)
    if record is None:
        return None
    events = queries.events(store, record.device_id)
    mine = [e for e in events if e.payload.get("job_id") == job_id]
    started = next((e for e in mine if e.type == "image.write_started"), None)
    if started is None:
        return None
    out: dict[str, Any] = {
        k: v for k, v in started.payload.items() if k not in ("job_id", "device_id")
    }
    out.update(
        device_id=record.device_id,
        job_id=job_id,
        started_at=started.ts,
        interruptions=[],
        result="in_progress",
        verified=False,
        verification=None,
    )
    last_offset = 0
    for e in mine:
        q = e.payload
        if e.type == "image.write_checkpoint":
            last_offset = q["offset"]
        elif e.type == "job.interrupted" and e.ts >= started.ts:
            out["interruptions"].append(
                {"at": e.ts, "reason": q.get("reason", ""), "last_checkpoint_bytes": last_offset}
            )
        elif e.type == "job.resumed" and out["interruptions"]:
            out["interruptions"][-1]["resumed_at"] = e.ts
        elif e.type == "step.finished" and q.get("step_id") == "verify":
            out["verification"] = q.get("evidence", {}).get("verification")
        elif e.type == "step.failed" and e.ts >= started.ts:
            out["failure"] = {"code": q["code"], "message": q["message"]}
        elif e.type == "image.written":
            out.update(
                {k: v for k, v in q.items() if k in ("bytes", "verified", "result", "reasons")}
            )
            out["seconds"] = duration_ms(q) / 1000
            out["verify_seconds"] = duration_ms(q, "verify_milliseconds", "verify_seconds") / 1000
            out["finished_at"] = e.ts
    if "failure" in out and out["result"] == "in_progress":
        out["result"] = "not_installed"
    return out
