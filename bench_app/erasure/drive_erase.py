"""The erasure of a drive as a job: identify, check health, look for hidden areas, choose the
method (NIST SP 800-88 Rev. 1) and have the operator confirm the serial, erase with
checkpoints, verify, and record the result. Only a drive whose every pass and verification
finished is "erased"; anything else is "not erased" and says why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

from bench_app.devices.drives.blockio import Control, aligned
from bench_app.devices.drives.handle import DriveHandle, Run
from bench_app.devices.drives.system_view import EraseTarget
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.erasure import overwrite as io
from bench_app.erasure.safety import check_erasable
from bench_app.erasure.verdict import ErasureResultStep
from bench_app.erasure.wording import model_words
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Cancelled, Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.settings import Settings
from bench_app.settings import data_dir as default_data_dir
from bench_app.sizes import size_text
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

STANDARD = "NIST SP 800-88 Rev. 1"
STANDARD_PURGE = "NIST SP 800-88 Rev. 1; IEEE 2883-2022"
CLEAR_ZERO, CLEAR_RANDOM, PURGE = "clear-zero", "clear-random", "purge"
METHODS = (CLEAR_ZERO, CLEAR_RANDOM, PURGE)
SSD_CLEAR_LIMITATION = Text(
    "Effacement par réécriture d’un disque à mémoire flash : les zones de réserve du disque "
    "ne sont pas atteintes (NIST SP 800-88 recommande un Purge, que ce disque ou son "
    "branchement ne permet pas).",
    "Overwrite erasure of a flash disk: the disk’s spare areas are not reached (NIST SP "
    "800-88 recommends a Purge, which this disk or its connection does not allow).",
)
CANCEL = Choice("cancel", Text("Ne pas effacer", "Do not erase"), "bad")


def _drive(ctx: StepContext) -> DriveHandle:
    return cast(DriveHandle, ctx.device)


def _run(ctx: StepContext) -> Run:
    """The drive's programs: its simulated firmware, else the real programs, run through the
    erasure helper when the station is not root (smartctl, identify and purge commands)."""
    drive = _drive(ctx)
    if drive.firmware is not None:
        return drive.firmware
    from bench_app.erasure.helper_commands import DriveRunner

    return DriveRunner(
        ctx.processes.run,
        drive.target,
        helper=drive.helper,
        data_dir=default_data_dir(),
        cancelled=ctx.cancelled,
    )


class DriveIdentityStep(Step):
    id = "identity"
    title = Text("Identification du disque", "Drive identification")
    weight = 0.2

    def run(self, ctx: StepContext) -> StepOutcome:
        target = _drive(ctx).target()
        size = size_text(target.size_bytes)
        model = model_words(target.model)
        name = Text(
            f"{model.fr}, {size.fr}, {target.transport.upper()}",
            f"{model.en}, {size.en}, {target.transport.upper()}",
        )
        fields = {
            k: v
            for k, v in _drive(ctx).identity().items()
            if k in ("serial", "size_bytes", "transport", "media", "wwn")
        }
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"{name.fr}, n° {target.serial}.", f"{name.en}, serial {target.serial}."),
            {"drive": target.to_json()},
            facts=[("device.identified", {"fields": fields})],
        )


class HealthStep(Step):
    """SMART health: pass, warning or fail, with the reason. A failing drive is still
    erased (its data must not leave), then sent to recycling by the grade."""

    id = "health"
    title = Text("Santé du disque (SMART)", "Drive health (SMART)")
    weight = 0.3

    def run(self, ctx: StepContext) -> StepOutcome:
        from bench_app.devices.drives import smart

        target = _drive(ctx).target()
        # An image file has no SMART, unless a (simulated) firmware answers for it.
        if target.is_image and _drive(ctx).firmware is None:
            return StepOutcome(
                StepStatus.NOT_PRESENT,
                Text("Fichier image : pas de SMART.", "Image file: no SMART."),
                {"smart": {"verdict": "unknown"}},
            )
        report = smart.read_smart(target.path, _run(ctx), transport=target.transport)
        status = {
            "pass": StepStatus.PASSED,
            "warning": StepStatus.WARNING,
            "fail": StepStatus.FAILED,
        }.get(report.verdict, StepStatus.NOT_PRESENT)
        reasons = report.reasons or [Text("Aucun défaut relevé.", "No defect found.")]
        return StepOutcome(
            status,
            Text(" ".join(r.fr for r in reasons), " ".join(r.en for r in reasons)),
            {"smart": report.to_json()},
        )


class HiddenAreaStep(Step):
    """HPA and DCO hide sectors from the operating system, and from an overwrite. Found,
    they are removed with the operator's agreement; left, the erasure is incomplete."""

    id = "hidden_areas"
    title = Text("Zones cachées (HPA/DCO)", "Hidden areas (HPA/DCO)")
    weight = 0.2
    YES = Choice("remove", Text("Supprimer la zone cachée", "Remove the hidden area"), "good")
    NO = Choice(
        "keep", Text("La garder (effacement incomplet)", "Keep it (incomplete erasure)"), "bad"
    )

    def run(self, ctx: StepContext) -> StepOutcome:
        target = _drive(ctx).target()
        if target.transport != "sata":
            why = {
                "image": Text("Fichier image : sans objet.", "Image file: not applicable."),
                "usb": Text(
                    "Non vérifiables à travers un adaptateur USB.",
                    "Cannot be checked through a USB adapter.",
                ),
                "nvme": Text("Disque NVMe : pas de HPA ni de DCO.", "NVMe drive: no HPA nor DCO."),
            }.get(
                target.transport,
                Text(
                    "Non vérifiables sur ce branchement.", "Cannot be checked on this connection."
                ),
            )
            state = "not_applicable" if target.transport in ("image", "nvme") else "not_checked"
            return StepOutcome(StepStatus.NOT_PRESENT, why, {"hidden_areas": {"state": state}})
        from bench_app.devices.drives import ata

        run = _run(ctx)
        hpa = ata.read_hpa(target.path, run)
        try:
            dco: ata.DcoInfo | None = ata.read_dco(target.path, run, hpa.native_sectors)
        except ata.AtaParseError:
            dco = None  # the drive has no DCO feature set
        evidence: dict[str, Any] = {
            "hpa": {
                "visible_sectors": hpa.visible_sectors,
                "native_sectors": hpa.native_sectors,
                "enabled": hpa.enabled,
            },
            "dco": {"real_max_sectors": dco.real_max_sectors if dco else None},
        }
        hidden = hpa.hidden_sectors if hpa.enabled else 0
        dco_hidden = dco is not None and dco.restricted
        if not hidden and not dco_hidden:
            evidence["state"] = "none"
            return StepOutcome(
                StepStatus.PASSED,
                Text("Aucune zone cachée.", "No hidden area."),
                {"hidden_areas": evidence},
            )
        if dco_hidden:
            evidence["state"] = "dco_kept"
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    "Une zone DCO cache des secteurs : l’effacement sera incomplet.",
                    "A DCO area hides sectors: the erasure will be incomplete.",
                ),
                {"hidden_areas": evidence},
            )
        size = size_text(hidden * 512)
        answer = ctx.options.get("remove_hidden_areas")
        if answer is None:
            answer = (
                ctx.ask(
                    Prompt(
                        Text(
                            f"Ce disque cache {size.fr} (zone HPA). La supprimer pour tout effacer ?",
                            f"This disk hides {size.en} (HPA). Remove it to erase everything?",
                        ),
                        (self.YES, self.NO),
                    )
                )
                == self.YES.key
            )
        if not answer:
            evidence["state"] = "hpa_kept"
            return StepOutcome(
                StepStatus.WARNING,
                Text(f"Zone cachée de {size.fr} gardée.", f"Hidden area of {size.en} kept."),
                {"hidden_areas": evidence},
            )
        try:
            ata.remove_hpa(target.path, hpa.native_sectors, run)
        except ata.AtaCommandError as exc:
            evidence["state"] = "hpa_kept"
            evidence["removal_failed"] = exc.detail
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    f"La zone cachée de {size.fr} n’a pas pu être supprimée : {exc.reason.fr}",
                    f"The hidden area of {size.en} could not be removed: {exc.reason.en}",
                ),
                {"hidden_areas": evidence},
            )
        evidence["state"] = "hpa_removed"
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"Zone cachée de {size.fr} supprimée.", f"Hidden area of {size.en} removed."),
            {"hidden_areas": evidence},
        )


class MethodStep(Step):
    """The method NIST SP 800-88 asks for (Clear for a hard disk, Purge for flash when the
    disk and its connection allow it), then the operator's confirmation of the serial."""

    id = "method"
    title = Text("Méthode et confirmation", "Method and confirmation")
    weight = 0.2

    def __init__(self, data_folder: Any = None) -> None:
        self.data_folder = data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        target = _drive(ctx).target()
        plan, unavailable = _purge_plan(ctx, target)
        method = ctx.options.get("method") or self._ask_method(ctx, target, plan is not None)
        if method not in METHODS:
            raise BenchError(
                "ERASE_METHOD_UNAVAILABLE", method=method, reason=Text("inconnue.", "unknown.")
            )
        if method == PURGE and plan is None:
            reason = unavailable or Text("pas de commande Purge.", "no Purge command.")
            raise BenchError("ERASE_METHOD_UNAVAILABLE", method=method, reason=reason)
        verify_mode = ctx.options.get("verify", "full")
        limitation = (
            SSD_CLEAR_LIMITATION
            if method != PURGE and target.media == "ssd" and not target.is_image
            else None
        )
        data_folder = self.data_folder or default_data_dir()
        typed = ctx.options.get("confirm_serial")
        while True:
            try:
                check_erasable(target, data_dir=data_folder, confirm_serial=typed)
                break
            except BenchError as exc:
                if exc.code != "ERASE_NOT_CONFIRMED" or "confirm_serial" in ctx.options:
                    raise
                typed = self._ask_serial(ctx, target, exc if typed else None)
        evidence = {
            "method": method,
            "technique": "Purge" if method == PURGE else "Clear",
            "verify": verify_mode,
            "limitation": limitation.to_json() if limitation else None,
            "purge_plan": plan.to_json() if plan is not None and hasattr(plan, "to_json") else None,
            "confirmed_with": typed,
        }
        label = {CLEAR_ZERO: "Clear, zéros", CLEAR_RANDOM: "Clear, aléatoire", PURGE: "Purge"}[
            method
        ]
        label_en = {CLEAR_ZERO: "Clear, zeros", CLEAR_RANDOM: "Clear, random", PURGE: "Purge"}[
            method
        ]
        full = verify_mode == "full"
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{label}, vérification {'complète' if full else 'par échantillon'}.",
                f"{label_en}, {'full' if full else 'sampled'} verification.",
            ),
            evidence,
        )

    def _ask_method(self, ctx: StepContext, target: EraseTarget, purge_ok: bool) -> str:
        choices = []
        if purge_ok:
            choices.append(
                Choice(
                    PURGE,
                    Text(
                        "Purge (commande du disque) — conseillé", "Purge (drive command) — advised"
                    ),
                    "good",
                )
            )
        random_advised = not purge_ok and target.media == "ssd"
        choices.append(
            Choice(
                CLEAR_ZERO,
                Text(
                    "Réécrire avec des zéros" + (" — conseillé" if target.media == "hdd" else ""),
                    "Overwrite with zeros" + (" — advised" if target.media == "hdd" else ""),
                ),
                "good" if target.media == "hdd" else "neutral",
            )
        )
        choices.append(
            Choice(
                CLEAR_RANDOM,
                Text(
                    "Réécrire avec de l’aléatoire" + (" — conseillé" if random_advised else ""),
                    "Overwrite with random data" + (" — advised" if random_advised else ""),
                ),
                "good" if random_advised else "neutral",
            )
        )
        answer = ctx.ask(
            Prompt(
                Text("Comment effacer ce disque ?", "How should this disk be erased?"),
                (*choices, CANCEL),
                picture="drive-erase.svg",
            )
        )
        if answer == CANCEL.key:
            raise Cancelled()
        return answer

    def _ask_serial(self, ctx: StepContext, target: EraseTarget, wrong: BenchError | None) -> str:
        return ask_serial_end(
            ctx,
            Text(
                f"Étiquette du disque {model_words(target.model).fr} : tapez les 4 derniers "
                "caractères du numéro.",
                f"Disk label of {model_words(target.model).en}: type the last 4 characters of "
                "the serial.",
            ),
            wrong=wrong is not None,
        )


def ask_serial_end(ctx: StepContext, question: Text, *, wrong: bool) -> str:
    """Asks the operator to type the end of the serial number read on the disk's label (the
    confirmation that this disk, and no other, is the one to overwrite)."""
    answer = ctx.ask(
        Prompt(
            question,
            (CANCEL,),
            picture="drive-serial.svg",
            error=Text("Ce n’est pas le bon numéro.", "That is not the right number.")
            if wrong
            else None,
            entry=Text("Fin du numéro de série", "End of the serial number"),
        )
    )
    if answer == CANCEL.key:
        raise Cancelled()
    return answer


def _purge_plan(ctx: StepContext, target: EraseTarget) -> tuple[Any, Text | None]:
    """The Purge this drive allows, or None and the reason."""
    if target.is_image:
        return None, Text(
            "un fichier image n’a pas de commande Purge.", "an image file has no Purge command."
        )
    from bench_app.erasure import purge

    found = purge.detect(target.path, target.transport, target.media, _run(ctx))
    if isinstance(found, purge.PurgeUnavailable):
        if found.action is None:
            return None, found.reason
        return None, Text(
            f"{found.reason.fr} {found.action.fr}", f"{found.reason.en} {found.action.en}"
        )
    return found, None


class EraseStep(Step):
    """The passes themselves, with checkpoints; a resumed job carries on from the last one."""

    id = "erase"
    title = Text("Effacement", "Erasure")
    weight = 6.0

    def __init__(self, data_folder: Any = None) -> None:
        self.data_folder = data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        choice = ctx.results["method"].evidence
        target = _drive(ctx).target()
        data_folder = self.data_folder or default_data_dir()
        # Checked again right before the first byte: a disk may have been mounted since.
        check_erasable(target, data_dir=data_folder, confirm_serial=choice["confirmed_with"])
        started = ctx.recall("erasure.started")
        if started:
            erasure_id = started[-1]["erasure_id"]
        else:
            erasure_id = uuid7_str()
            hidden = ctx.results["hidden_areas"].evidence.get("hidden_areas", {})
            ctx.record(
                "erasure.started",
                {
                    "erasure_id": erasure_id,
                    "method": choice["method"],
                    "technique": choice["technique"],
                    "standard": STANDARD_PURGE if choice["method"] == PURGE else STANDARD,
                    "target": target.to_json(),
                    "hidden_areas": hidden,
                    "verify": choice["verify"],
                    "limitation": choice["limitation"],
                },
            )
        if choice["method"] == PURGE:
            return _purge(ctx, target, erasure_id)
        pattern = io.Pattern.ZEROS if choice["method"] == CLEAR_ZERO else io.Pattern.RANDOM
        return _clear(ctx, target, erasure_id, pattern, data_folder)


def _clear(
    ctx: StepContext, target: EraseTarget, erasure_id: str, pattern: io.Pattern, data_folder: Any
) -> StepOutcome:
    passes = [p for p in ctx.recall("erasure.pass_started") if p["erasure_id"] == erasure_id]
    checkpoints = [c for c in ctx.recall("erasure.checkpoint") if c["erasure_id"] == erasure_id]
    if passes:
        stream = io.Stream.from_json(passes[0]["stream"])
        start = max((c["offset"] for c in checkpoints), default=0)
    else:
        stream, start = io.Stream.new(pattern), 0
    ctx.record(
        "erasure.pass_started",
        {
            "erasure_id": erasure_id,
            "pass_no": 1,
            "pattern": pattern.value,
            "start_byte": start,
            "end_byte": target.size_bytes,
            "stream": stream.to_json(),
            "resumed": bool(passes),
        },
    )
    size = target.size_bytes

    def progress(done: int) -> None:
        ctx.progress((start + done) / size if size else 1.0, None)

    def checkpoint(offset: int) -> None:
        ctx.record("erasure.checkpoint", {"erasure_id": erasure_id, "pass_no": 1, "offset": offset})

    every = Settings.load(Path(data_folder)).erase_checkpoint_seconds
    control = Control(ctx.cancelled, progress, checkpoint, lambda: _drive(ctx).connected, every)
    handle = _drive(ctx).open_io(write=True)
    try:
        result = io.overwrite(
            handle, size, stream, control, start=start, sector=target.logical_sector
        )
    finally:
        handle.close()
    errors = [e.to_json() for e in result.errors]
    fact = {
        "erasure_id": erasure_id,
        "pass_no": 1,
        "pattern": pattern.value,
        "bytes": result.bytes_done,
        "milliseconds": round(result.seconds * 1000),
        "throughput_bps": round(result.throughput),
        "errors": errors,
        "completed": result.completed,
        "direct_io": handle.direct,
    }
    status = StepStatus.PASSED if not errors else StepStatus.FAILED
    mb = result.throughput / 1e6
    return StepOutcome(
        status,
        Text(
            f"{size_text(size).fr} réécrits ({mb:.0f} Mo/s)"
            + (f", {len(errors)} zones illisibles." if errors else "."),
            f"{size_text(size).en} overwritten ({mb:.0f} MB/s)"
            + (f", {len(errors)} bad ranges." if errors else "."),
        ),
        {"pass": fact},
        facts=[("erasure.pass_finished", fact)],
    )


MARKER_BLOCK = 64 << 10


def _marker_regions(size: int) -> list[tuple[int, int]]:
    """Where known blocks are written before a Purge, to prove afterwards that they are
    gone: the start, the end and eight places between."""
    last = max(0, size - MARKER_BLOCK)
    points = sorted({(last * i // 9) // 4096 * 4096 for i in range(10)})
    return [(p, min(MARKER_BLOCK, size - p)) for p in points]


def _purge(ctx: StepContext, target: EraseTarget, erasure_id: str) -> StepOutcome:
    from bench_app.erasure import purge

    plan, reason = _purge_plan(ctx, target)
    if plan is None:
        raise BenchError("ERASE_METHOD_UNAVAILABLE", method=PURGE, reason=reason or Text("?", "?"))
    marker = io.Stream.new(io.Pattern.RANDOM)
    regions = _marker_regions(target.size_bytes)
    handle = _drive(ctx).open_io(write=True)
    try:
        for offset, length in regions:
            buf = aligned(length)
            marker.fill(offset, memoryview(buf), bytes(length))
            handle.pwrite(memoryview(buf), offset)
        handle.sync()
    finally:
        handle.close()
    ctx.record(
        "erasure.pass_started",
        {
            "erasure_id": erasure_id,
            "pass_no": 1,
            "pattern": f"firmware:{plan.method}",
            "start_byte": 0,
            "end_byte": target.size_bytes,
            "markers": {"stream": marker.to_json(), "regions": regions},
        },
    )
    result = purge.run_purge(
        plan,
        target.path,
        _run(ctx),
        progress=lambda f: ctx.progress(f, None),
        cancelled=ctx.cancelled,
    )
    if result.cancelled:
        ctx.record("erasure.purge_cancelled", {"erasure_id": erasure_id, "purge": result.to_json()})
        raise Cancelled()
    fact = {
        "erasure_id": erasure_id,
        "pass_no": 1,
        "pattern": f"firmware:{plan.method}",
        "bytes": target.size_bytes if result.ok else 0,
        "milliseconds": round(result.seconds * 1000),
        "errors": [] if result.ok else [{"kind": "firmware", "detail": result.detail.to_json()}],
        "completed": bool(result.ok),
        "purge": result.to_json(),
    }
    return StepOutcome(
        StepStatus.PASSED if result.ok else StepStatus.FAILED,
        result.detail,
        {"pass": fact},
        facts=[("erasure.pass_finished", fact)],
    )


class VerifyStep(Step):
    id = "verify"
    title = Text("Vérification", "Verification")
    weight = 4.0

    def run(self, ctx: StepContext) -> StepOutcome:
        target = _drive(ctx).target()
        erasure_id = ctx.recall("erasure.started")[-1]["erasure_id"]
        first = next(p for p in ctx.recall("erasure.pass_started") if p["erasure_id"] == erasure_id)
        mode = ctx.results["method"].evidence["verify"]
        seed = os.urandom(16)
        regions = (
            None
            if mode == "full"
            else io.sample_plan(target.size_bytes, seed, target.logical_sector)
        )
        size = target.size_bytes
        control = Control(
            ctx.cancelled, lambda done: ctx.progress(done / size if size else 1.0, None)
        )
        handle = _drive(ctx).open_io(write=False)
        markers_left = 0
        try:
            if "markers" in first:  # a Purge: the blocks marked before it must be gone
                stream = io.Stream.from_json(first["markers"]["stream"])
                marks = [tuple(r) for r in first["markers"]["regions"]]
                found = io.verify(handle, size, stream, Control(ctx.cancelled), regions=marks)
                sector = target.logical_sector
                # A marker block that reads back unchanged survived the Purge.
                markers_left = sum(
                    1
                    for off, n in marks
                    if not any(
                        off // sector <= m.first < (off + n) // sector for m in found.mismatches
                    )
                )
                # A Purge need not leave zeros: what must hold is that every sector reads.
                result = io.verify(
                    handle,
                    size,
                    None,
                    control,
                    regions=regions,
                    sector=target.logical_sector,
                )
            else:
                stream = io.Stream.from_json(first["stream"])
                result = io.verify(
                    handle, size, stream, control, regions=regions, sector=target.logical_sector
                )
        finally:
            handle.close()
        ok = result.ok and markers_left == 0
        fact: dict[str, Any] = {
            "erasure_id": erasure_id,
            **result.to_json(),
            "ok": ok,
            "seed": seed.hex(),
        }
        if "markers" in first:
            fact["markers_left"] = markers_left
        if ok:
            summary = Text(
                f"Vérifié : {size_text(result.bytes_checked).fr} relus, conformes.",
                f"Verified: {size_text(result.bytes_checked).en} read back, as written.",
            )
        else:
            summary = Text(
                f"Échec de la vérification : {len(result.mismatches)} zones différentes, "
                f"{len(result.read_errors)} illisibles, {markers_left} marques restées.",
                f"Verification failed: {len(result.mismatches)} ranges differ, "
                f"{len(result.read_errors)} unreadable, {markers_left} markers left.",
            )
        return StepOutcome(
            StepStatus.PASSED if ok else StepStatus.FAILED,
            summary,
            {"verification": fact},
            facts=[("erasure.verified", fact)],
        )


class DriveResultStep(ErasureResultStep):
    """The drive's verdict (see erasure/verdict.py)."""

    def erased_summary(self, ctx: StepContext) -> Text:
        return Text("Disque effacé et vérifié.", "Drive erased and verified.")


def drive_erase(data_folder: Any = None) -> Pipeline:
    return Pipeline(
        "drive.erase",
        Text("Effacement certifié", "Certified erasure"),
        frozenset({DeviceKind.DRIVE}),
        lambda: [
            DriveIdentityStep(),
            HealthStep(),
            HiddenAreaStep(),
            MethodStep(data_folder),
            EraseStep(data_folder),
            VerifyStep(),
            DriveResultStep(),
        ],
        stage_on_success=DeviceStage.ERASED,
        purpose=Purpose.ERASES,
        requires=DriveHandle,
    )
