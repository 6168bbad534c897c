"""The erasure of a phone as a job (`phone.wipe`): identify it, refuse it while a Google
account (factory reset protection) or a company's device owner holds it, read its
encryption, factory-reset it through its recovery (the operator picks "Wipe data" on the
phone) or through fastboot (`erase userdata`, `erase metadata`), then check once it boots
again that nothing of the donor is left: the setup wizard starts over, no account, no device
owner, and the marker files written before the reset are gone.

On an encrypted phone a factory reset destroys the keys of the data: a cryptographic erase,
which NIST SP 800-88 Rev. 1 counts as Purge for mobile devices. On an unencrypted phone it
is only a logical reset, and the record says so. The facts are the drives' (`erasure.*`), so
one record builder and one certificate serve both.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol, cast

from bench_app.devices.android import readings
from bench_app.devices.android.driver import AndroidPhone, PhoneUnauthorized, TradeIn
from bench_app.devices.source import DeviceGone, DeviceNoAnswer
from bench_app.diagnostics.android import PhoneIdentityStep
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.erasure.verdict import ErasureResultStep
from bench_app.erasure.wording import checks_words, value_words
from bench_app.errors import BenchError
from bench_app.jobs.prompt import DONE, Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

RECOVERY, FASTBOOT = "recovery", "fastboot"
METHODS = {RECOVERY: "factory reset via recovery", FASTBOOT: "factory reset via fastboot"}
PURGE_STANDARD = (
    "NIST SP 800-88 Rev. 1 Purge — mobile devices: cryptographic erase via factory reset on "
    "an encrypted device"
)
LESSER_STANDARD = "reset without encryption: not a NIST Purge"
UNENCRYPTED_LIMITATION = Text(
    "Téléphone non chiffré : la réinitialisation efface les fichiers du système, mais les "
    "données restent lisibles dans la mémoire avec des outils de laboratoire. Ce n’est pas un "
    "Purge au sens de NIST SP 800-88.",
    "Unencrypted phone: the reset removes the files from the system, but the data stays "
    "readable in the memory chips with laboratory tools. This is not a NIST SP 800-88 Purge.",
)
# Written before the reset, in the donor's storage and in the shell's own folder.
MARKER_PATHS = ("/sdcard/Download/.etabli-wipe-{id}", "/data/local/tmp/etabli-wipe-{id}")

NO_MENU = Choice("no_menu", Text("Le menu n’apparaît pas", "The menu does not appear"), "bad")
WELCOME = Choice("welcome", Text("Oui, l’écran de bienvenue", "Yes, the welcome screen"), "good")
NOT_WELCOME = Choice("not_welcome", Text("Non, autre chose", "No, something else"), "bad")
DEBUG_BACK = Choice(
    "debug_back",
    Text("J’ai réactivé le débogage USB", "I turned USB debugging back on"),
)


class FastbootLink(Protocol):
    """What the fastboot route needs from a fastboot session (FastbootClient has it)."""

    def getvar(self, name: str) -> str: ...

    def erase(self, partition: str) -> None: ...

    def format(self, partition: str, fs_type: str | None = None) -> None: ...

    def reboot(self, target: str | None = None) -> None: ...


# Finds the phone once it is in its bootloader and opens a fastboot session with it.
FastbootFinder = Callable[[AndroidPhone, StepContext], FastbootLink]


def _phone(ctx: StepContext) -> AndroidPhone:
    return cast(AndroidPhone, ctx.device)


def _erasure_id(ctx: StepContext) -> str:
    return str(ctx.recall("erasure.started")[-1]["erasure_id"])


class WipePrecheckStep(Step):
    """Nothing is wiped while the phone would stay locked to its donor afterwards."""

    id = "precheck"
    title = Text("Comptes, gestion et chiffrement", "Accounts, management and encryption")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _phone(ctx)
        locks = readings.accounts(phone)
        evidence: dict[str, Any] = {
            "google_accounts": locks["google_accounts"],
            "accounts": locks["accounts"],
            "device_owner": locks["device_owner"],
        }
        if "frp_locked" in locks:  # a phone in trade-in mode: its status says it
            evidence["frp_locked"] = locks["frp_locked"]
        if locks.get("frp_locked") or locks.get("error"):
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Le téléphone est bloqué par le compte Google du donateur (FRP), ou ne "
                    "dit pas s’il l’est : le donateur doit retirer l’appareil de son compte "
                    "Google. Puis relancez l’effacement. Rien n’a été effacé.",
                    "The phone is locked by the donor's Google account (FRP), or does not "
                    "say whether it is: the donor must remove the device from their Google "
                    "account. Then start the erasure again. Nothing was erased.",
                ),
                evidence | {"raw_status": locks.get("raw", "")[:8000]},
                blocking=True,
            )
        if phone.trade_in_mode() is TradeIn.FOYER:
            # At its setup screen only the status answers: evaluation mode opens the shell
            # and the recovery the wipe goes through (and forces a reset at the next boot).
            ctx.progress(0.2, Text("Passage en mode évaluation…", "Entering evaluation mode…"))
            started = phone.start_evaluation(stop=ctx.cancelled)
            ctx.check_cancelled()
            evidence["evaluation"] = "started" if started else "failed"
            if not started:
                return StepOutcome(
                    StepStatus.FAILED,
                    Text(
                        "Le téléphone n’est pas passé en mode évaluation : débranchez-le, "
                        "rebranchez-le, puis relancez l’effacement. Rien n’a été effacé.",
                        "The phone did not enter evaluation mode: unplug it, plug it back, "
                        "then start the erasure again. Nothing was erased.",
                    ),
                    evidence,
                    blocking=True,
                )
        if locks["google_accounts"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Un compte Google est encore sur le téléphone : après effacement il resterait "
                    "bloqué (protection contre la réinitialisation). Sur le téléphone : "
                    "Paramètres > Comptes > Google > Supprimer le compte, ou demandez au donateur "
                    "de le retirer. Puis relancez l’effacement. Rien n’a été effacé.",
                    "A Google account is still on the phone: after a reset it would stay locked "
                    "(factory reset protection). On the phone: Settings > Accounts > Google > "
                    "Remove account, or ask the donor to remove it. Then start the erasure "
                    "again. Nothing was erased.",
                ),
                evidence,
                blocking=True,
            )
        if locks["device_owner"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Le téléphone est géré par une entreprise (MDM) : elle le reprendrait après "
                    "effacement. Demandez au donateur de le retirer de sa console de gestion, "
                    "puis relancez l’effacement. Rien n’a été effacé.",
                    "The phone is managed by a company (MDM): it would take it back after the "
                    "reset. Ask the donor to release it from their management console, then "
                    "start the erasure again. Nothing was erased.",
                ),
                evidence,
                blocking=True,
            )
        storage = readings.storage(phone)
        security = storage.get("security") or {}
        encryption = {
            "state": security.get("encryption") or "unknown",
            "type": security.get("encryption_type"),
        }
        android_id = phone.shell("settings get secure android_id").strip()
        evidence |= {
            "encryption": encryption,
            "storage_bytes": storage.get("total_bytes"),
            "android_id": android_id if android_id not in ("", "null") else None,
        }
        if encryption["state"] == "encrypted":
            kind = {"file": "par fichier", "block": "complet"}.get(encryption["type"] or "", "")
            kind_en = {"file": "file-based", "block": "full-disk"}.get(encryption["type"] or "", "")
            return StepOutcome(
                StepStatus.PASSED,
                Text(
                    f"Aucun compte ni gestion. Chiffré {kind} : effacement cryptographique.".replace(
                        "  ", " "
                    ),
                    f"No account, no management. Encrypted ({kind_en or 'unknown type'}): "
                    "cryptographic erase.",
                ),
                evidence,
            )
        return StepOutcome(
            StepStatus.WARNING,
            Text(
                "Aucun compte ni gestion. Téléphone NON chiffré : l’effacement ne sera qu’une "
                "réinitialisation, moins sûre (pas un Purge).",
                "No account, no management. Phone NOT encrypted: the erasure will only be a "
                "reset, less safe (not a Purge).",
            ),
            evidence,
        )


def _target(ctx: StepContext) -> dict[str, Any]:
    ident = ctx.results["identity"].evidence.get("identity", {})
    pre = ctx.results["precheck"].evidence
    storage = pre.get("storage_bytes") or 0
    target = {
        "kind": "phone",
        "brand": ident.get("brand", ""),
        "model": ident.get("model", ""),
        "marketing_name": ident.get("marketing_name"),
        "device": ident.get("device"),
        "serial": ident.get("serial", ""),
        "imei": ident.get("imei", ""),
        "storage_bytes": int(storage),
        # The same field a drive has: the erasures table and certificates read it.
        "size_bytes": int(storage),
        "encryption": pre["encryption"],
        "android_version": ident.get("android_version"),
        "build": ident.get("build_fingerprint") or ident.get("fingerprint"),
    }
    return {k: v for k, v in target.items() if v is not None}


def reach_phone(ctx: StepContext, phone: AndroidPhone, timeout_s: float, poll_s: float) -> bool:
    """Waits until the phone is back over ADB and has finished booting; False after
    `timeout_s` (it went away for good, or USB debugging is off since the reset)."""
    deadline = time.monotonic() + timeout_s
    while True:
        ctx.check_cancelled()
        try:
            phone.forget_connection()
            phone.connect()
            # Android 16 and later: a stock phone comes back from its reset at the setup
            # screen with adbd in trade-in mode, which starts only once Android has booted.
            if phone.trade_in is TradeIn.FOYER:
                return True
            if phone.shell("getprop sys.boot_completed", timeout_s=10).strip() == "1":
                return True
        except (DeviceGone, DeviceNoAnswer, PhoneUnauthorized):
            pass
        if time.monotonic() >= deadline:
            return False
        ctx.sleep(poll_s)


def _markers_left(phone: AndroidPhone, erasure_id: str) -> list[str]:
    paths = [p.format(id=erasure_id) for p in MARKER_PATHS]
    return [p for p in paths if "No such file" not in phone.shell(f"ls {p}")]


def start_erasure(ctx: StepContext, route: str) -> str:
    """Records `erasure.started` for a reset by `route` (recovery or fastboot); its id."""
    erasure_id = uuid7_str()
    encrypted = ctx.results["precheck"].evidence["encryption"]["state"] == "encrypted"
    ctx.record(
        "erasure.started",
        {
            "erasure_id": erasure_id,
            "method": METHODS[route],
            "technique": "cryptographic erase" if encrypted else "logical reset",
            "standard": PURGE_STANDARD if encrypted else LESSER_STANDARD,
            "target": _target(ctx),
            "limitation": None if encrypted else UNENCRYPTED_LIMITATION.to_json(),
            "route": route,
            "markers": [p.format(id=erasure_id) for p in MARKER_PATHS],
            "verify": "post-boot checks",
        },
    )
    return erasure_id


def mark_and_start_pass(
    ctx: StepContext, phone: AndroidPhone, erasure_id: str, route: str, *, resumed: bool
) -> None:
    """Leaves marker files the reset must remove (checked after it), then records the pass."""
    token = secrets.token_hex(16)
    for path in MARKER_PATHS:
        phone.shell(f"echo {token} > {path.format(id=erasure_id)}")
    if _markers_left(phone, erasure_id) != [p.format(id=erasure_id) for p in MARKER_PATHS]:
        raise DeviceNoAnswer("the phone did not keep the marker files")
    ctx.record(
        "erasure.pass_started",
        {
            "erasure_id": erasure_id,
            "pass_no": 1,
            "pattern": f"factory-reset:{route}",
            "start_byte": 0,
            "end_byte": int(_target(ctx)["storage_bytes"]),
            "resumed": resumed,
        },
    )


def begin_wipe(ctx: StepContext, phone: AndroidPhone, route: str) -> str:
    """Starts the erasure record of a reset that another pipeline carries out (an OS
    installation wipes the phone from its recovery or bootloader); the erasure's id."""
    erasure_id = start_erasure(ctx, route)
    mark_and_start_pass(ctx, phone, erasure_id, route, resumed=False)
    return erasure_id


def _pass_fact(ctx: StepContext, erasure_id: str, route: str, seconds: float) -> dict[str, Any]:
    return {
        "erasure_id": erasure_id,
        "pass_no": 1,
        "pattern": f"factory-reset:{route}",
        "bytes": int(_target(ctx)["storage_bytes"]),
        "milliseconds": round(seconds * 1000),
        "errors": [],
        "completed": True,
    }


def wipe_pass_finished(ctx: StepContext, erasure_id: str, route: str, seconds: float) -> None:
    """Records that the reset of `begin_wipe` was done."""
    ctx.record("erasure.pass_finished", _pass_fact(ctx, erasure_id, route, seconds))


class PhoneWipeStep(Step):
    """The reset itself, through the recovery with the operator, or through fastboot."""

    id = "wipe"
    title = Text("Réinitialisation", "Factory reset")
    weight = 3.0

    def __init__(
        self, fastboot_for: FastbootFinder | None, boot_timeout_s: float, poll_s: float
    ) -> None:
        self.fastboot_for = fastboot_for
        self.boot_timeout_s = boot_timeout_s
        self.poll_s = poll_s

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _phone(ctx)
        route = str(ctx.options.get("wipe_route", RECOVERY))
        if route not in METHODS:
            raise BenchError(
                "PHONE_WIPE_ROUTE_UNAVAILABLE", route=route, reason=Text("inconnue.", "unknown.")
            )
        started = ctx.recall("erasure.started")
        if started:
            erasure_id = str(started[-1]["erasure_id"])
            route = str(started[-1].get("route", route))
            if not reach_phone(ctx, phone, self.boot_timeout_s, self.poll_s):
                raise DeviceGone("the phone did not come back to finish its erasure")
            if not _markers_left(phone, erasure_id):
                # Reset while the station was away from it: nothing more to do here.
                return self._done(ctx, erasure_id, route, 0.0, resumed=True)
        else:
            erasure_id = start_erasure(ctx, route)
        mark_and_start_pass(ctx, phone, erasure_id, route, resumed=bool(started))
        begun = time.monotonic()
        if route == FASTBOOT:
            self._through_fastboot(ctx, phone)
        else:
            self._through_recovery(ctx, phone)
        return self._done(ctx, erasure_id, route, time.monotonic() - begun, resumed=False)

    def _done(
        self, ctx: StepContext, erasure_id: str, route: str, seconds: float, *, resumed: bool
    ) -> StepOutcome:
        fact = _pass_fact(ctx, erasure_id, route, seconds)
        how = "par le menu de récupération" if route == RECOVERY else "par fastboot"
        how_en = "through the recovery menu" if route == RECOVERY else "through fastboot"
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"Téléphone réinitialisé {how}.", f"Phone reset {how_en}."),
            {"pass": fact, "route": route, "found_reset_on_resume": resumed},
            facts=[("erasure.pass_finished", fact)],
        )

    def _through_recovery(self, ctx: StepContext, phone: AndroidPhone) -> None:
        with contextlib.suppress(DeviceGone, DeviceNoAnswer):  # it drops the line as it goes
            phone.shell("reboot recovery", timeout_s=10)
        phone.forget_connection()
        answer = ctx.ask(
            Prompt(
                Text(
                    "Choisissez « Effacer les données » sur le téléphone",
                    "Choose “Wipe data” on the phone",
                ),
                (DONE, NO_MENU),
                detail=Text(
                    "Le téléphone redémarre sur son menu de récupération (recovery). Avec les "
                    "touches de volume, choisissez « Wipe data/factory reset » (Effacer les "
                    "données), validez avec la touche Marche et confirmez. Puis choisissez "
                    "« Reboot system now » (Redémarrer).",
                    "The phone restarts on its recovery menu. With the volume keys choose "
                    "“Wipe data/factory reset”, press Power and confirm. Then choose “Reboot "
                    "system now”.",
                ),
            )
        )
        if answer == NO_MENU.key:
            raise BenchError("PHONE_RECOVERY_NOT_REACHED")

    def _through_fastboot(self, ctx: StepContext, phone: AndroidPhone) -> None:
        route = Text("par fastboot", "through fastboot")
        if self.fastboot_for is None:
            raise BenchError(
                "PHONE_WIPE_ROUTE_UNAVAILABLE",
                route=route,
                reason=Text("ce poste n’a pas de liaison fastboot.", "no fastboot link here."),
            )
        with contextlib.suppress(DeviceGone, DeviceNoAnswer):
            phone.shell("reboot bootloader", timeout_s=10)
        phone.forget_connection()
        link = self.fastboot_for(phone, ctx)
        if link.getvar("unlocked").strip().lower() not in ("yes", "1", "true"):
            link.reboot(None)
            raise BenchError(
                "PHONE_WIPE_ROUTE_UNAVAILABLE",
                route=route,
                reason=Text(
                    "son chargeur de démarrage est verrouillé.", "its bootloader is locked."
                ),
            )
        ctx.progress(0.2, Text("Effacement de userdata…", "Erasing userdata…"))
        link.format("userdata")
        ctx.progress(0.7, Text("Effacement de metadata…", "Erasing metadata…"))
        try:
            link.getvar("partition-type:metadata")
        except BenchError:
            pass  # no metadata partition (full-disk encryption, or older phones)
        else:
            link.erase("metadata")
        link.reboot(None)


class PostWipeCheckStep(Step):
    """Once the phone has booted: the setup wizard starts over, no account nor device owner,
    and the marker files are gone. When the reset switched USB debugging off, the operator
    checks the welcome screen instead (and may turn debugging back on for the full checks)."""

    id = "verify"
    title = Text("Vérification après redémarrage", "Checks after restart")
    weight = 1.0

    def __init__(self, boot_timeout_s: float, poll_s: float) -> None:
        self.boot_timeout_s = boot_timeout_s
        self.poll_s = poll_s

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _phone(ctx)
        erasure_id = _erasure_id(ctx)
        ctx.progress(0.1, Text("Attente du redémarrage…", "Waiting for the restart…"))
        fact: dict[str, Any] | None = None
        while fact is None:
            if reach_phone(ctx, phone, self.boot_timeout_s, self.poll_s):
                try:
                    fact = self._over_adb(ctx, phone, erasure_id)
                except (DeviceGone, DeviceNoAnswer):
                    continue  # it went away again mid-check: wait for it once more
            else:
                answer = ctx.ask(
                    Prompt(
                        Text(
                            "Le téléphone affiche-t-il l’écran de bienvenue (choix de la langue) ?",
                            "Does the phone show its welcome screen (language choice)?",
                        ),
                        (WELCOME, NOT_WELCOME, DEBUG_BACK),
                        detail=Text(
                            "La réinitialisation a coupé le débogage USB : le poste ne peut plus "
                            "lire le téléphone. Regardez son écran.",
                            "The reset turned USB debugging off: the station can no longer read "
                            "the phone. Look at its screen.",
                        ),
                    )
                )
                if answer == DEBUG_BACK.key:
                    continue
                ok = answer == WELCOME.key
                fact = {
                    "erasure_id": erasure_id,
                    "mode": "operator check of the welcome screen",
                    "ok": ok,
                    "checks": [
                        {"check": "welcome_screen", "by": "operator", "ok": ok, "required": True}
                    ],
                }
        failed = checks_words([c["check"] for c in fact["checks"] if c["required"] and not c["ok"]])
        mode = value_words(fact["mode"])
        if fact["ok"]:
            summary = Text(
                f"Vérifié : {len(fact['checks'])} contrôles conformes ({mode.fr}).",
                f"Verified: {len(fact['checks'])} checks passed ({mode.en}).",
            )
        else:
            summary = Text(
                "Échec de la vérification : " + failed.fr + ".",
                "Verification failed: " + failed.en + ".",
            )
        # The trade-in status read is the step's evidence, not the certificate's.
        raw = fact.pop("status_raw", None)
        return StepOutcome(
            StepStatus.PASSED if fact["ok"] else StepStatus.FAILED,
            summary,
            {"verification": fact} | ({"status_raw": raw} if raw is not None else {}),
            facts=[("erasure.verified", fact)],
        )

    def _over_adb(self, ctx: StepContext, phone: AndroidPhone, erasure_id: str) -> dict[str, Any]:
        if phone.trade_in is TradeIn.FOYER:
            return self._over_trade_in(phone, erasure_id)
        checks: list[dict[str, Any]] = []

        def check(name: str, ok: bool, value: Any, required: bool = True) -> None:
            checks.append({"check": name, "ok": ok, "value": value, "required": required})

        setup = phone.shell("settings get secure user_setup_complete").strip()
        check("setup_wizard_not_complete", setup in ("0", "null"), setup)
        provisioned = phone.shell("settings get global device_provisioned").strip()
        # Some phones set it early in the setup wizard: recorded, not required.
        check("device_not_provisioned", provisioned in ("0", "null"), provisioned, False)
        locks = readings.accounts(phone)
        check("no_accounts", not locks["accounts"], locks["accounts"])
        check("no_device_owner", not locks["device_owner"], locks["device_owner"])
        left = _markers_left(phone, erasure_id)
        check("markers_gone", not left, left)
        before = ctx.results["precheck"].evidence.get("android_id")
        after = phone.shell("settings get secure android_id").strip()
        if before:
            check("android_id_changed", after != before, after, False)
        encryption = readings.storage(phone).get("security") or {}
        check(
            "encryption_still_reported",
            True,
            {"state": encryption.get("encryption"), "type": encryption.get("encryption_type")},
            False,
        )
        return {
            "erasure_id": erasure_id,
            "mode": "post-boot checks",
            "ok": all(c["ok"] for c in checks if c["required"]),
            "checks": checks,
        }

    @staticmethod
    def _over_trade_in(phone: AndroidPhone, erasure_id: str) -> dict[str, Any]:
        """The phone came back in trade-in mode: Android starts it only on a factory-reset
        phone at its setup screen, not provisioned, with no account — read by the station,
        as the welcome screen would be by the operator. Its status says whether factory
        reset protection still holds it (unreadable: not verified). No shell answers
        there, so the marker files cannot be listed."""
        evidence = readings.trade_in(phone)
        frp = (evidence.get("readings") or {}).get("frp_locked")
        checks = [
            {"check": "trade_in_setup_screen", "ok": True, "value": "foyer", "required": True},
            {
                "check": "no_factory_reset_protection",
                "ok": frp is False,
                "value": frp if evidence["error"] is None else evidence["error"],
                "required": True,
            },
        ]
        return {
            "erasure_id": erasure_id,
            "mode": "trade-in status after restart",
            "ok": all(c["ok"] for c in checks),
            "checks": checks,
            "status_raw": evidence["raw"][:8000],
        }


class PhoneWipeResultStep(ErasureResultStep):
    """The phone's verdict (see erasure/verdict.py): an erased phone says whether it was a
    cryptographic erase or only a reset."""

    unfinished = Text("La réinitialisation n’a pas été faite.", "The reset was not done.")

    def erased_summary(self, ctx: StepContext) -> Text:
        if ctx.results["precheck"].evidence["encryption"]["state"] == "encrypted":
            return Text(
                "Téléphone effacé (effacement cryptographique) et vérifié.",
                "Phone erased (cryptographic erase) and verified.",
            )
        return Text(
            "Téléphone réinitialisé et vérifié, sans chiffrement : pas un Purge.",
            "Phone reset and verified, without encryption: not a Purge.",
        )


def phone_wipe(
    fastboot_for: FastbootFinder | None = None,
    *,
    boot_timeout_s: float = 600.0,
    poll_s: float = 2.0,
) -> Pipeline:
    """The `phone.wipe` pipeline. `fastboot_for` opens the fastboot route (None: recovery
    only); `boot_timeout_s` is how long a reboot may keep the phone away."""
    return Pipeline(
        "phone.wipe",
        Text("Effacement du téléphone", "Phone erasure"),
        frozenset({DeviceKind.PHONE}),
        lambda: [
            PhoneIdentityStep(),
            WipePrecheckStep(),
            PhoneWipeStep(fastboot_for, boot_timeout_s, poll_s),
            PostWipeCheckStep(boot_timeout_s, poll_s),
            PhoneWipeResultStep(),
        ],
        stage_on_success=DeviceStage.ERASED,
        purpose=Purpose.ERASES,
        requires=AndroidPhone,
    )
