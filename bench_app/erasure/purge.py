"""Firmware-level erasure, NIST SP 800-88 Rev. 1 "Purge": choosing the drive's own erase
command and following it to the end.

Choice, best first:
  NVMe  sanitize crypto erase > sanitize block erase > format with cryptographic erase (SES=2)
        > format with user data erase (SES=1).
  ATA   sanitize crypto scramble > sanitize block erase > (hard disks only) sanitize overwrite
        > enhanced security erase > security erase.
Firmware commands are never sent through a USB bridge: bridges drop, mangle or time out
these commands, and a security erase cut half-way leaves a drive locked.

The caller follows every Purge with a verification read of the whole drive; the result says
so. `run_purge` never reads the data itself.

ATA security erase needs a user password set first. The station uses `TEMPORARY_PASSWORD`,
fixed and documented, so a drive left locked by an interrupted erase can always be released
(`release_temporary_password`); it is redacted from the recorded commands all the same.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench_app.devices.drives.ata import (
    AtaCapabilities,
    AtaParseError,
    parse_identify,
    parse_sanitize_status,
    read_identify,
)
from bench_app.devices.drives.nvme import (
    NvmeCapabilities,
    NvmeParseError,
    SanitizeLog,
    read_id_ctrl,
    read_sanitize_log,
)
from bench_app.devices.drives.smart import Run
from bench_app.jobs.process import ProcessResult
from bench_app.jobs.prompt import Cancelled
from bench_app.text import Text

TECHNIQUE = "Purge"
TEMPORARY_PASSWORD = "Etabli"
REDACTED = "********"
POLL_SECONDS = 5.0  # between two status reads of a sanitize in progress
_BLOCKING_TICK = 2.0  # progress refresh while a blocking erase command runs
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """The erase command chosen for one drive."""

    method: str  # e.g. "nvme-sanitize-crypto", "ata-security-erase-enhanced"
    transport: str
    kind: str  # "hdd" | "ssd"
    description: Text
    estimate_seconds: float  # how long the drive should take (progress is measured on it)
    timeout_seconds: float  # when the station stops waiting
    technique: str = TECHNIQUE

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "technique": self.technique,
            "transport": self.transport,
            "kind": self.kind,
            "description": self.description.to_json(),
            "estimate_seconds": self.estimate_seconds,
            "timeout_seconds": self.timeout_seconds,
        }


@dataclass(frozen=True, slots=True)
class PurgeUnavailable:
    """No Purge is possible now: why, and what the operator can do about it."""

    reason: Text
    action: Text | None = None
    retry: bool = False  # the station checks again once the operator has done `action`


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What happened when the drive was asked to purge itself."""

    method: str
    technique: str
    description: Text
    started: str  # ISO 8601, UTC
    finished: str
    ok: bool
    detail: Text
    commands: tuple[tuple[str, ...], ...]  # argv as sent, passwords redacted
    seconds: float = 0.0  # how long the station waited for the drive
    cancelled: bool = False
    verification_required: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "technique": self.technique,
            "description": self.description.to_json(),
            "started": self.started,
            "finished": self.finished,
            "ok": self.ok,
            "detail": self.detail.to_json(),
            "commands": [list(argv) for argv in self.commands],
            "milliseconds": round(self.seconds * 1000),
            "cancelled": self.cancelled,
            "verification_required": self.verification_required,
        }


# ---------------------------------------------------------------------------------------------
# Methods

METHODS: dict[str, Text] = {
    "nvme-sanitize-crypto": Text(
        "Effacement cryptographique NVMe (sanitize)", "NVMe cryptographic erase (sanitize)"
    ),
    "nvme-sanitize-block": Text(
        "Effacement par blocs NVMe (sanitize)", "NVMe block erase (sanitize)"
    ),
    "nvme-format-crypto": Text(
        "Formatage NVMe avec effacement cryptographique", "NVMe format with cryptographic erase"
    ),
    "nvme-format-user-data": Text(
        "Formatage NVMe avec effacement des données", "NVMe format with user data erase"
    ),
    "ata-sanitize-crypto": Text(
        "Effacement cryptographique ATA (sanitize)", "ATA cryptographic erase (sanitize)"
    ),
    "ata-sanitize-block": Text("Effacement par blocs ATA (sanitize)", "ATA block erase (sanitize)"),
    "ata-sanitize-overwrite": Text(
        "Réécriture interne ATA (sanitize)", "ATA internal overwrite (sanitize)"
    ),
    "ata-security-erase-enhanced": Text(
        "Effacement sécurisé ATA renforcé", "ATA enhanced security erase"
    ),
    "ata-security-erase": Text("Effacement sécurisé ATA", "ATA security erase"),
}

_NVME_SANACT = {"nvme-sanitize-block": 2, "nvme-sanitize-crypto": 4}
_NVME_SES = {"nvme-format-user-data": 1, "nvme-format-crypto": 2}
_ATA_SANITIZE = {
    "ata-sanitize-crypto": ["--sanitize-crypto-scramble"],
    "ata-sanitize-block": ["--sanitize-block-erase"],
    "ata-sanitize-overwrite": ["--sanitize-overwrite", "hex:00000000"],
}

# ---------------------------------------------------------------------------------------------
# Sentences for the operator

USB_BRIDGE = PurgeUnavailable(
    Text(
        "Le disque est branché par un adaptateur USB : ses commandes d’effacement ne passent pas "
        "par l’adaptateur.",
        "The drive is connected through a USB adapter: its erase commands do not go through "
        "the adapter.",
    ),
    Text(
        "Branchez le disque directement en SATA ou NVMe sur la station, puis relancez.",
        "Connect the drive directly to the station over SATA or NVMe, then retry.",
    ),
    retry=True,
)
_UNFREEZE = Text(
    "Mettez la station en veille puis réveillez-la (systemctl suspend), ou débranchez et "
    "rebranchez l’alimentation du disque pendant que la station tourne. La station vérifiera "
    "de nouveau.",
    "Suspend and resume the station (systemctl suspend), or unplug and replug the drive’s "
    "power while the station runs. The station will check again.",
)
FROZEN = PurgeUnavailable(
    Text(
        "Le disque est gelé (« frozen ») : le BIOS a bloqué ses commandes de sécurité.",
        "The drive is frozen: the BIOS blocked its security commands.",
    ),
    _UNFREEZE,
    retry=True,
)
LOCKED = PurgeUnavailable(
    Text(
        "Le disque est verrouillé par un mot de passe ATA.",
        "The drive is locked by an ATA password.",
    ),
    Text(
        "Si une purge de la station a été interrompue, la station peut le déverrouiller ; "
        "sinon il faut le mot de passe de l’ancien propriétaire.",
        "If a station purge was interrupted, the station can unlock it; otherwise the previous "
        "owner's password is needed.",
    ),
)
COUNT_EXPIRED = PurgeUnavailable(
    Text(
        "Le disque a refusé trop de mots de passe : il bloque ses commandes de sécurité.",
        "The drive refused too many passwords: it blocks its security commands.",
    ),
    Text(
        "Éteignez et rallumez le disque (débranchez son alimentation), puis relancez.",
        "Power the drive off and on (unplug its power), then retry.",
    ),
    retry=True,
)
NO_SUPPORT = PurgeUnavailable(
    Text(
        "Ce disque ne propose aucune commande d’effacement interne.",
        "This drive offers no built-in erase command.",
    ),
    Text(
        "Il ne peut être effacé que par réécriture (niveau « Clear »), ou détruit.",
        "It can only be erased by overwriting (Clear level), or destroyed.",
    ),
)
NO_IDENTIFY = PurgeUnavailable(
    Text(
        "Le disque n’a pas répondu à l’identification.", "The drive did not answer identification."
    ),
    Text("Vérifiez son branchement, puis relancez.", "Check its connection, then retry."),
    retry=True,
)
UNKNOWN_TRANSPORT = PurgeUnavailable(
    Text(
        "Ce type de support n’a pas de commande de purge connue.",
        "This kind of device has no known purge command.",
    ),
    Text(
        "Il ne peut être effacé que par réécriture (niveau « Clear »), ou détruit.",
        "It can only be erased by overwriting (Clear level), or destroyed.",
    ),
)

_VERIFY_NEXT = Text(
    "Une lecture de vérification de tout le disque doit suivre.",
    "A verification read of the whole drive must follow.",
)
_STILL_WORKING = Text(
    "Le disque poursuit l’effacement de lui-même : laissez-le sous tension jusqu’à la fin, "
    "puis relancez la purge.",
    "The drive goes on erasing by itself: leave it powered until the end, then run the purge "
    "again.",
)


def _explain(unavailable: PurgeUnavailable) -> Text:
    """The reason and the way out, as one detail."""
    if unavailable.action is None:
        return unavailable.reason
    return _join(unavailable.reason, unavailable.action)


def _join(*texts: Text) -> Text:
    return Text(" ".join(t.fr for t in texts), " ".join(t.en for t in texts))


def _said(result: ProcessResult) -> str:
    """The drive tool's own words, for the detail of a failure."""
    words = " ".join((result.stderr or result.stdout).split())
    return words[:300] or f"code {result.returncode}"


# ---------------------------------------------------------------------------------------------
# Choosing


def plan_purge(
    transport: str,
    kind: str,
    ata: AtaCapabilities | None,
    nvme: NvmeCapabilities | None,
) -> PurgePlan | PurgeUnavailable:
    """The best Purge for a drive on `transport` ("sata", "nvme", "usb"), of `kind`
    ("hdd", "ssd"), from what the drive said about itself."""
    if transport == "usb":
        return USB_BRIDGE
    if transport == "nvme":
        return _plan_nvme(nvme) if nvme is not None else NO_IDENTIFY
    if transport in ("sata", "ata"):
        return _plan_ata(kind, ata) if ata is not None else NO_IDENTIFY
    return UNKNOWN_TRANSPORT


def detect(device_path: str, transport: str, kind: str, run: Run) -> PurgePlan | PurgeUnavailable:
    """Asks the drive what it can do (hdparm -I or nvme id-ctrl) and plans its Purge. Nothing
    is sent through a USB bridge, not even the question."""
    if transport == "nvme":
        try:
            return plan_purge(transport, kind, None, read_id_ctrl(device_path, run))
        except NvmeParseError:
            return NO_IDENTIFY
    if transport in ("sata", "ata"):
        try:
            return plan_purge(transport, kind, read_identify(device_path, run), None)
        except AtaParseError:
            return NO_IDENTIFY
    return plan_purge(transport, kind, None, None)


def _plan(method: str, transport: str, kind: str, estimate: float, timeout: float) -> PurgePlan:
    return PurgePlan(method, transport, kind, METHODS[method], estimate, timeout)


def _plan_nvme(nvme: NvmeCapabilities) -> PurgePlan | PurgeUnavailable:
    size = nvme.total_capacity_bytes or 0
    if nvme.sanitize_crypto:
        return _plan("nvme-sanitize-crypto", "nvme", "ssd", 60, 3600)
    if nvme.sanitize_block:
        return _plan("nvme-sanitize-block", "nvme", "ssd", 300, 3 * 3600)
    if nvme.format_supported and nvme.format_crypto_erase:
        return _plan("nvme-format-crypto", "nvme", "ssd", 60, 3600)
    if nvme.format_supported:
        estimate = max(300.0, size / (500 * _MIB))
        return _plan("nvme-format-user-data", "nvme", "ssd", estimate, 3 * estimate + 3600)
    return NO_SUPPORT


def _plan_ata(kind: str, ata: AtaCapabilities) -> PurgePlan | PurgeUnavailable:
    if ata.security_locked:
        return LOCKED
    if ata.security_count_expired:
        return COUNT_EXPIRED
    size = ata.capacity_bytes or 0
    if ata.sanitize_supported and ata.sanitize_crypto:
        return _plan("ata-sanitize-crypto", "sata", kind, 60, 3600)
    if ata.sanitize_supported and ata.sanitize_block:
        return _plan("ata-sanitize-block", "sata", kind, 600, 3 * 3600)
    if kind == "hdd" and ata.sanitize_supported and ata.sanitize_overwrite:
        estimate = max(600.0, size / (100 * _MIB))
        return _plan("ata-sanitize-overwrite", "sata", kind, estimate, 3 * estimate + 3600)
    if not ata.security_supported:
        return NO_SUPPORT
    if ata.security_frozen:
        return FROZEN
    enhanced = ata.enhanced_erase_supported
    minutes = ata.enhanced_erase_minutes if enhanced else ata.erase_minutes
    # hdparm's own limit for the command: twice the drive's estimate plus an hour, and never
    # less than 1 s per 30 MiB plus half an hour.
    estimate = minutes * 60.0 if minutes else max(600.0, size / (100 * _MIB))
    timeout = max(2 * estimate + 3600, size / (30 * _MIB) + 1800) + 900
    method = "ata-security-erase-enhanced" if enhanced else "ata-security-erase"
    return _plan(method, "sata", kind, estimate, timeout)


# ---------------------------------------------------------------------------------------------
# Running


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Timeout(Exception):
    """The drive did not finish within the plan's time limit."""


@dataclass(eq=False)
class _Job:
    """One purge in progress: sends commands, records them, reports progress."""

    plan: PurgePlan
    device: str
    run: Run
    progress: Callable[[float], None]
    cancelled: threading.Event
    sleep: Callable[[float], None]
    started: str = field(default_factory=_now)
    clock: float = field(default_factory=time.monotonic)
    commands: list[tuple[str, ...]] = field(default_factory=list)
    waited: float = 0.0

    def call(self, argv: Sequence[str]) -> ProcessResult:
        """Runs one command and records it, the temporary password redacted."""
        self.commands.append(tuple(REDACTED if a == TEMPORARY_PASSWORD else a for a in argv))
        return self.run(argv)

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled()

    def report(self, fraction: float) -> None:
        self.check()
        self.progress(min(max(fraction, 0.0), 1.0))

    def wait(self, seconds: float) -> None:
        """Waits between two status reads; counts the time against the plan's limit."""
        self.check()
        if self.waited >= self.plan.timeout_seconds:
            raise _Timeout()
        self.sleep(seconds)
        self.waited += seconds

    def blocking(self, argv: Sequence[str]) -> ProcessResult:
        """Runs a command that returns only when the drive has finished, reporting progress
        against the plan's estimate meanwhile; stops waiting at the plan's time limit."""
        outcome: list[ProcessResult | BaseException] = []
        done = threading.Event()

        def work() -> None:
            try:
                outcome.append(self.call(argv))
            except BaseException as exc:  # handed over to the waiting thread
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=work, name="purge-command", daemon=True).start()
        elapsed = 0.0
        while not done.wait(_BLOCKING_TICK):
            elapsed += _BLOCKING_TICK
            if elapsed >= self.plan.timeout_seconds:
                raise _Timeout()  # the command goes on; the job's runner stops it on cancel
            self.report(0.95 * min(elapsed / self.plan.estimate_seconds, 1.0))
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def finish(self, ok: bool, detail: Text, *, cancelled: bool = False) -> PurgeResult:
        if ok:
            detail = _join(detail, _VERIFY_NEXT)
            with contextlib.suppress(Cancelled):  # finished is finished, cancelled or not
                self.progress(1.0)
        return PurgeResult(
            method=self.plan.method,
            technique=self.plan.technique,
            description=self.plan.description,
            started=self.started,
            finished=_now(),
            ok=ok,
            detail=detail,
            commands=tuple(self.commands),
            seconds=round(time.monotonic() - self.clock, 3),
            cancelled=cancelled,
        )


def run_purge(
    plan: PurgePlan,
    device_path: str,
    run: Run,
    *,
    progress: Callable[[float], None],
    cancelled: threading.Event,
    sleep: Callable[[float], None] = time.sleep,
) -> PurgeResult:
    """Has the drive purge itself with `plan`'s method and follows it to the end. Progress is
    reported as a fraction. A cancelled job returns a result with `cancelled` set; the drive
    may go on erasing by itself, and the detail says so."""
    job = _Job(plan, device_path, run, progress, cancelled, sleep)
    if cancelled.is_set():
        return job.finish(
            False,
            Text(
                "Purge annulée avant tout envoi au disque.",
                "Purge cancelled before anything was sent.",
            ),
            cancelled=True,
        )
    if plan.method in _NVME_SANACT:
        return _nvme_sanitize(job, _NVME_SANACT[plan.method])
    if plan.method in _NVME_SES:
        return _nvme_format(job, _NVME_SES[plan.method])
    if plan.method in _ATA_SANITIZE:
        return _ata_sanitize(job, _ATA_SANITIZE[plan.method])
    return _ata_security_erase(job, enhanced=plan.method == "ata-security-erase-enhanced")


# ---------------------------------------------------------------------------------------------
# ATA security erase


def _identify(job: _Job) -> AtaCapabilities | None:
    try:
        return parse_identify(job.call(["hdparm", "-I", job.device]).stdout)
    except AtaParseError:
        return None


def _security_blocker(caps: AtaCapabilities | None) -> PurgeUnavailable | None:
    if caps is None:
        return NO_IDENTIFY
    if caps.security_locked:
        return LOCKED
    if caps.security_count_expired:
        return COUNT_EXPIRED
    if caps.security_frozen:
        return FROZEN
    return None


def _disable_password(job: _Job) -> Text:
    """Removes the temporary password after a failure; says whether that worked."""
    try:
        result = job.call(
            ["hdparm", "--user-master", "u", "--security-disable", TEMPORARY_PASSWORD, job.device]
        )
    except Cancelled:
        result = None
    if result is not None and result.returncode == 0:
        return Text(
            "Le mot de passe provisoire a été retiré.", "The temporary password was removed."
        )
    return Text(
        "Le mot de passe provisoire n’a pas pu être retiré : relancez la purge avant de rendre "
        "le disque.",
        "The temporary password could not be removed: run the purge again before handing the "
        "drive back.",
    )


def _ata_security_erase(job: _Job, *, enhanced: bool) -> PurgeResult:
    try:
        blocker = _security_blocker(_identify(job))
        if blocker is not None:
            return job.finish(False, _explain(blocker))
        job.report(0.0)
        job.check()
        result = job.call(
            ["hdparm", "--user-master", "u", "--security-set-pass", TEMPORARY_PASSWORD, job.device]
        )
    except Cancelled:
        return _cancelled(job, sent=False)
    if result.returncode != 0:
        return job.finish(
            False,
            Text(
                f"Le disque a refusé le mot de passe provisoire ({_said(result)}) : rien n’a été "
                "effacé.",
                f"The drive refused the temporary password ({_said(result)}): nothing was erased.",
            ),
        )
    return _erase_with_password(job, enhanced)


_CANCELLED_EARLY = Text(
    "Purge annulée avant l’effacement : rien n’a été effacé.",
    "Purge cancelled before the erase: nothing was erased.",
)
_NO_ANSWER = Text(
    "Le disque ne répond plus : éteignez-le et rallumez-le, puis relancez.",
    "The drive no longer answers: power it off and on, then retry.",
)


def _erase_with_password(job: _Job, enhanced: bool) -> PurgeResult:
    option = "--security-erase-enhanced" if enhanced else "--security-erase"
    erase_sent = False
    try:
        caps = _identify(job)
        if caps is None or not caps.security_enabled:
            return job.finish(
                False,
                Text(
                    "Le mot de passe provisoire n’a pas été pris : rien n’a été effacé.",
                    "The temporary password did not take: nothing was erased.",
                ),
            )
        job.check()
        erase_sent = True
        result = job.blocking(
            ["hdparm", "--user-master", "u", option, TEMPORARY_PASSWORD, job.device]
        )
    except Cancelled:
        if erase_sent:
            return _cancelled(job, sent=True)
        return job.finish(False, _join(_CANCELLED_EARLY, _disable_password(job)), cancelled=True)
    except _Timeout:  # the erase goes on inside the drive: no other command now
        return job.finish(False, _join(_TOO_LONG, _STILL_WORKING))
    if result.returncode != 0:
        refused = Text(
            f"Le disque a refusé l’effacement ({_said(result)}).",
            f"The drive refused the erase ({_said(result)}).",
        )
        return job.finish(False, _join(refused, _disable_password(job)))
    return _confirm_security_erase(job)


_CANCELLED_LATE = Text("Purge annulée pendant l’effacement.", "Purge cancelled during the erase.")
_TOO_LONG = Text(
    "Le disque n’a pas fini dans le temps prévu.", "The drive did not finish in the time allowed."
)


def _confirm_security_erase(job: _Job) -> PurgeResult:
    """After the erase the drive clears the password itself: security must read "not enabled"."""
    try:
        caps = _identify(job)
    except Cancelled:
        caps = None
    if caps is None or caps.security_enabled:
        unconfirmed = Text(
            "Le disque n’a pas confirmé la fin de l’effacement (sécurité toujours active).",
            "The drive did not confirm the end of the erase (security still enabled).",
        )
        return job.finish(False, _join(unconfirmed, _disable_password(job)))
    return job.finish(True, _DONE)


_DONE = Text("Le disque a terminé la purge.", "The drive finished the purge.")


# ---------------------------------------------------------------------------------------------
# ATA sanitize


def _ata_sanitize(job: _Job, action: list[str]) -> PurgeResult:
    sent = False
    try:
        job.report(0.0)
        job.check()
        sent = True
        result = job.call(["hdparm", "--yes-i-know-what-i-am-doing", *action, job.device])
        if result.returncode != 0:
            words = result.stdout + result.stderr
            if "FROZEN" in words.upper():
                return job.finish(False, _join(_SANITIZE_FROZEN, _UNFREEZE))
            return job.finish(False, _refused(result))
        return _poll(job, _ata_sanitize_state)
    except Cancelled:
        return _cancelled(job, sent=sent)


def _cancelled(job: _Job, *, sent: bool) -> PurgeResult:
    """The result of a cancelled job: once the erase command is sent, the drive goes on."""
    detail = _join(_CANCELLED_LATE, _STILL_WORKING) if sent else _CANCELLED_EARLY
    return job.finish(False, detail, cancelled=True)


_SANITIZE_FROZEN = Text(
    "Les commandes sanitize du disque sont gelées par le BIOS.",
    "The drive's sanitize commands are frozen by the BIOS.",
)


def _refused(result: ProcessResult) -> Text:
    return Text(
        f"Le disque a refusé la commande de purge ({_said(result)}) : rien n’a été effacé.",
        f"The drive refused the purge command ({_said(result)}): nothing was erased.",
    )


def _ata_sanitize_state(job: _Job) -> tuple[str, float]:
    result = job.call(["hdparm", "--sanitize-status", job.device])
    status = parse_sanitize_status(result.stdout + "\n" + result.stderr)
    if status.state == "in_progress":
        return "running", status.progress or 0.0
    if status.state == "idle" and status.last_succeeded:
        return "done", 1.0
    return "failed", 0.0


_FAILED = Text(
    "Le disque signale l’échec de la purge : relancez-la ; si elle échoue encore, le disque "
    "doit être détruit.",
    "The drive reports the purge failed: run it again; if it fails again, the drive must be "
    "destroyed.",
)
_UNREADABLE_POLLS = 3


def _poll(job: _Job, state: Callable[[_Job], tuple[str, float]]) -> PurgeResult:
    """Reads the drive's sanitize state until it is done, failed, or out of time."""
    unreadable = 0
    while True:
        try:
            job.wait(POLL_SECONDS)
            step, fraction = state(job)
        except _Timeout:
            return job.finish(False, _join(_TOO_LONG, _STILL_WORKING))
        except (AtaParseError, NvmeParseError):
            unreadable += 1
            if unreadable >= _UNREADABLE_POLLS:
                return job.finish(False, _NO_ANSWER)
            continue
        unreadable = 0
        if step == "done":
            return job.finish(True, _DONE)
        if step == "failed":
            return job.finish(False, _FAILED)
        job.report(fraction)


# ---------------------------------------------------------------------------------------------
# NVMe sanitize and format


def _nvme_sanitize(job: _Job, sanact: int) -> PurgeResult:
    sent = False
    try:
        job.report(0.0)
        before = _sanitize_log(job)
        if before is not None and before.status == "in_progress":
            return job.finish(
                False,
                Text(
                    "Une purge est déjà en cours sur ce disque : attendez sa fin, puis relancez.",
                    "A purge is already running on this drive: wait for its end, then retry.",
                ),
            )
        job.check()
        sent = True
        result = job.call(["nvme", "sanitize", job.device, f"--sanact={sanact}"])
        if result.returncode != 0:
            return job.finish(False, _refused(result))
        return _poll(job, lambda j: _nvme_sanitize_state(j, sanact))
    except Cancelled:
        return _cancelled(job, sent=sent)


def _sanitize_log(job: _Job) -> SanitizeLog | None:
    try:
        return read_sanitize_log(job.device, job.call)
    except NvmeParseError:
        return None


def _nvme_sanitize_state(job: _Job, sanact: int) -> tuple[str, float]:
    log = read_sanitize_log(job.device, job.call)
    if log.status == "in_progress":
        return "running", log.progress
    if log.done and log.last_action in (None, sanact):
        return "done", 1.0
    if log.status == "never" or log.done:
        raise NvmeParseError("the drive's log does not show the sanitize that was sent")
    return "failed", 0.0


def _nvme_format(job: _Job, ses: int) -> PurgeResult:
    limit_ms = int(job.plan.timeout_seconds * 1000)
    argv = ["nvme", "format", job.device, f"--ses={ses}", "--force", f"--timeout={limit_ms}"]
    try:
        job.report(0.0)
        job.check()
    except Cancelled:
        return _cancelled(job, sent=False)
    try:
        result = job.blocking(argv)
    except Cancelled:
        return _cancelled(job, sent=True)
    except _Timeout:
        return job.finish(False, _join(_TOO_LONG, _STILL_WORKING))
    if result.returncode != 0:
        return job.finish(False, _refused(result))
    return job.finish(True, _DONE)


# ---------------------------------------------------------------------------------------------
# A drive left locked


def release_temporary_password(device_path: str, run: Run) -> bool:
    """Unlocks and clears the station's temporary password on a drive an interrupted security
    erase left locked. True when the drive took it; a wrong password counts against the
    drive's five attempts, so call this once, on the operator's request."""
    result = run(
        ["hdparm", "--user-master", "u", "--security-disable", TEMPORARY_PASSWORD, device_path]
    )
    return result.returncode == 0
