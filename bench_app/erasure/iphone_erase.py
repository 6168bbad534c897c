"""The erasure of an iPhone as a job (`iphone.erase`): identify it, refuse it while Find My
holds it (Activation Lock), ask it to "Erase All Content and Settings", then, once it is
back at "Hello", check that it forgot this station's pairing, that setup starts over, that
no passcode is left and its data space is free again.

Every iPhone encrypts its data with keys kept in its Secure Enclave; the erase destroys
those keys: a cryptographic erase, which NIST SP 800-88 Rev. 1 counts as Purge for mobile
devices. An acknowledgement is never taken for proof: only the checks after the restart make
the verdict, so a cable pulled mid-erase ends the same way once the phone is plugged back.
The facts are the drives' and Android phones' (`erasure.*`): one record, one certificate.
"""

from __future__ import annotations

import time
from typing import Any, cast

from bench_app.devices.ios import readings
from bench_app.devices.ios.driver import EraseRefused, EraseUnconfirmed, IPhone, IPhoneNotTrusted
from bench_app.devices.source import DeviceGone, DeviceNoAnswer
from bench_app.diagnostics.iphone import IPhoneIdentityStep
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.erasure.verdict import ErasureResultStep
from bench_app.erasure.wording import checks_words
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text

METHOD = "erase all content and settings (MCInstall EraseDevice)"
PURGE_STANDARD = (
    "NIST SP 800-88 Rev. 1 Purge — mobile devices: cryptographic erase (Apple iOS "
    "Erase All Content and Settings)"
)
PATTERN = "ios-erase-all-content"

STARTED_ON_PHONE = Choice(
    "started", Text("C’est lancé, il redémarre", "Started, it restarts"), "good"
)
NOT_ON_PHONE = Choice(
    "not_there", Text("Je ne trouve pas ce menu", "I cannot find this menu"), "bad"
)


def settings_erase_prompt() -> Prompt:
    """The operator erases the iPhone from its own Settings (a new prompt each time)."""
    return Prompt(
        Text("Effacez l’iPhone depuis ses Réglages", "Erase the iPhone from its Settings"),
        (STARTED_ON_PHONE, NOT_ON_PHONE),
        picture="iphone-erase-settings.svg",
        detail=Text(
            "L’iPhone refuse l’effacement demandé par le poste. Sur l’iPhone : Réglages › Général "
            "› Transférer ou réinitialiser l’iPhone › Effacer contenu et réglages. Confirmez, "
            "laissez-le redémarrer et gardez le câble branché : le poste vérifie à son retour.",
            "The iPhone refuses the erase asked by the station. On the iPhone: Settings › "
            "General › Transfer or Reset iPhone › Erase All Content and Settings. Confirm, let "
            "it restart and keep the cable in: the station checks it when it is back.",
        ),
    )


class _Shared:
    """What the erase step hands the check step within one job: the pair record the phone
    trusted before (a private key: never recorded)."""

    def __init__(self) -> None:
        self.record_before: dict[str, Any] | None = None


def _iphone(ctx: StepContext) -> IPhone:
    return cast(IPhone, ctx.device)


class IPhoneErasePrecheckStep(Step):
    id = "precheck"
    title = Text("Avant l’effacement", "Before the erase")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _iphone(ctx)
        locks = readings.locks(phone)
        storage = ctx.results["identity"].evidence["identity"].get("storage_bytes") or 0
        evidence = {"locks": locks, "storage_bytes": storage,
                    "encryption": {"state": "encrypted", "type": "ios data protection"}}  # fmt: skip
        if locks["blocking"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Localiser est activé : effacer ne servirait à rien, l’iPhone resterait "
                    "verrouillé. Faites-le retirer du compte Apple du donateur.",
                    "Find My is on: erasing would not help, the iPhone would stay locked. "
                    "Have it removed from the donor's Apple Account.",
                ),
                evidence,
                blocking=True,
            )
        management = readings.management(phone)
        evidence["management"] = management
        if management["blocking"]:
            # Its organisation's server would enrol it again at setup: the company releases it.
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "L’iPhone est supervisé et géré par une entreprise (MDM) : elle le "
                    "reprendrait après effacement. Demandez-lui de le retirer de sa flotte, puis "
                    "relancez l’effacement. Rien n’a été effacé.",
                    "The iPhone is supervised and managed by a company (MDM): it would take it "
                    "back after the erase. Ask them to release it from their fleet, then start "
                    "the erase again. Nothing was erased.",
                ),
                evidence,
                blocking=True,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text("Localiser désactivé, aucune gestion à distance : l’effacement peut commencer.",
                 "Find My off, no remote management: the erase can start."),
            evidence,
        )  # fmt: skip


def _target(ctx: StepContext) -> dict[str, Any]:
    ident = ctx.results["identity"].evidence.get("identity", {})
    storage = int(ctx.results["precheck"].evidence.get("storage_bytes") or 0)
    return {
        "kind": "phone",
        "brand": ident.get("brand", "Apple"),
        "model": ident.get("model", ""),
        "marketing_name": ident.get("model"),
        "device": ident.get("product_type"),
        "serial": ident.get("serial", ""),
        "imei": ident.get("imei", ""),
        "storage_bytes": storage,
        "size_bytes": storage,
        "encryption": ctx.results["precheck"].evidence["encryption"],
    }


class IPhoneEraseStep(Step):
    id = "wipe"
    title = Text("Effacement", "Erase")
    weight = 3.0

    def __init__(self, shared: _Shared) -> None:
        self.shared = shared

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _iphone(ctx)
        started = ctx.recall("erasure.started")
        if started:  # resumed: the erase was asked before; the check decides
            erasure_id = str(started[-1]["erasure_id"])
            return self._done(ctx, erasure_id, 0.0, acknowledged=None, route="resumed")
        erasure_id = uuid7_str()
        target = _target(ctx)
        ctx.record("erasure.started", {
            "erasure_id": erasure_id, "method": METHOD, "technique": "cryptographic erase",
            "standard": PURGE_STANDARD, "target": target, "limitation": None,
            "route": "ios", "markers": [], "verify": "post-boot checks",
        })  # fmt: skip
        ctx.record("erasure.pass_started", {
            "erasure_id": erasure_id, "pass_no": 1, "pattern": PATTERN, "start_byte": 0,
            "end_byte": int(target["storage_bytes"]), "resumed": False,
        })  # fmt: skip
        self.shared.record_before = phone.pair_record()
        begun = time.monotonic()
        route = "station"  # or "settings": erased from the phone's own menu
        try:
            phone.erase()
            acknowledged: bool | None = True
        except EraseUnconfirmed:
            acknowledged = None  # the cable went with the request: the check will tell
        except EraseRefused as refused:
            # Where iOS does not let a computer erase it, its own menu does the same erase;
            # the checks once it is back decide, exactly as after a remote erase.
            if ctx.ask(settings_erase_prompt()) != STARTED_ON_PHONE.key:
                raise BenchError("IPHONE_ERASE_NOT_STARTED") from refused
            acknowledged = None
            route = "settings"
        return self._done(
            ctx, erasure_id, time.monotonic() - begun, acknowledged=acknowledged, route=route
        )

    def _done(
        self,
        ctx: StepContext,
        erasure_id: str,
        seconds: float,
        *,
        acknowledged: bool | None,
        route: str,
    ) -> StepOutcome:
        size = int(_target(ctx)["storage_bytes"])
        fact = {"erasure_id": erasure_id, "pass_no": 1, "pattern": PATTERN, "bytes": size,
                "milliseconds": round(seconds * 1000), "errors": [], "completed": True}  # fmt: skip
        summary = (
            Text("L’iPhone a accepté l’effacement et redémarre.",
                 "The iPhone accepted the erase and restarts.")
            if acknowledged
            else Text("Effacé depuis ses Réglages : vérification à son retour.",
                      "Erased from its Settings: checked when it is back.")
            if route == "settings"
            else Text("L’iPhone est parti sans répondre : rebranchez-le pour vérifier.",
                      "The iPhone left without answering: plug it back to check.")
        )  # fmt: skip
        return StepOutcome(
            StepStatus.PASSED,
            summary,
            {"pass": fact, "acknowledged": acknowledged, "route": route},
            facts=[("erasure.pass_finished", fact)],
        )


class IPhoneEraseCheckStep(Step):
    """Waits for the iPhone to be back (restart, or the operator plugging it in again),
    then checks what an erase leaves; the verdict comes from these checks alone."""

    id = "verify"
    title = Text("Vérification au rebranchement", "Check on reconnection")
    weight = 1.0

    def __init__(self, shared: _Shared, back_timeout_s: float, poll_s: float) -> None:
        self.shared = shared
        self.back_timeout_s = back_timeout_s
        self.poll_s = poll_s

    def run(self, ctx: StepContext) -> StepOutcome:
        erasure_id = str(ctx.recall("erasure.started")[-1]["erasure_id"])
        ctx.progress(0.1, Text("Attente du retour de l’iPhone…", "Waiting for the iPhone…"))
        found = self._check_when_back(ctx)
        checks = [{"check": name, "ok": ok, "required": name != "pairing_forgotten"
                   or self.shared.record_before is not None}
                  for name, ok in found["checks"].items()]  # fmt: skip
        fact = {"erasure_id": erasure_id, "mode": "post-boot checks",
                "ok": all(c["ok"] for c in checks if c["required"]), "checks": checks}  # fmt: skip
        if fact["ok"]:
            summary = Text(f"Vérifié : {len(checks)} contrôles conformes.",
                           f"Verified: {len(checks)} checks passed.")  # fmt: skip
        else:
            failed = checks_words([c["check"] for c in checks if c["required"] and not c["ok"]])
            summary = Text("Échec de la vérification : " + failed.fr + ".",
                           "Verification failed: " + failed.en + ".")  # fmt: skip
        return StepOutcome(
            StepStatus.PASSED if fact["ok"] else StepStatus.FAILED,
            summary,
            {
                "verification": fact,
                "raw": found["raw"],
                "activation_lock": found["activation_lock"],
            },
            facts=[("erasure.verified", fact)],
        )

    def _check_when_back(self, ctx: StepContext) -> dict[str, Any]:
        phone = _iphone(ctx)
        deadline = time.monotonic() + self.back_timeout_s
        while True:
            try:
                listed = [d for d in phone.usbmux.list_devices() if d.udid == phone.udid]
                if listed:
                    back = IPhone(listed[0], phone.usbmux, simulated=phone.simulated)
                    back.connect()
                    return readings.erasure_check(back, self.shared.record_before)
            except (IPhoneNotTrusted, DeviceGone, DeviceNoAnswer, OSError):
                pass  # still restarting, or pairing anew: try again
            if time.monotonic() >= deadline:
                raise DeviceGone("the iPhone did not come back after its erase")
            ctx.sleep(self.poll_s)


class IPhoneEraseResultStep(ErasureResultStep):
    unfinished = Text("L’effacement n’a pas été fait.", "The erase was not done.")

    def erased_summary(self, ctx: StepContext) -> Text:
        return Text(
            "iPhone effacé (effacement cryptographique) et vérifié.",
            "iPhone erased (cryptographic erase) and verified.",
        )


def iphone_erase(*, back_timeout_s: float = 900.0, poll_s: float = 2.0) -> Pipeline:
    """The `iphone.erase` pipeline; `back_timeout_s` is how long the restart (or the
    operator plugging the cable back) may keep the iPhone away."""

    def steps() -> list[Step]:
        shared = _Shared()
        return [
            IPhoneIdentityStep(),
            IPhoneErasePrecheckStep(),
            IPhoneEraseStep(shared),
            IPhoneEraseCheckStep(shared, back_timeout_s, poll_s),
            IPhoneEraseResultStep(),
        ]

    return Pipeline(
        "iphone.erase",
        Text("Effacement de l’iPhone", "iPhone erasure"),
        frozenset({DeviceKind.PHONE}),
        steps,
        stage_on_success=DeviceStage.ERASED,
        purpose=Purpose.ERASES,
        requires=IPhone,
    )
