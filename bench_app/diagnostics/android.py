"""The phone check over ADB: identity, blocking locks first, then every reading the phone
gives (battery, storage, encryption, bootloader, root, sensors, radios), the guided manual
tests, the operator's look at the outside, and the grade. Raw outputs are kept as evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from bench_app.devices.android import readings
from bench_app.devices.android.driver import AndroidPhone, TradeIn
from bench_app.diagnostics.guided_tests import GUIDED_TESTS, CosmeticStep, GuidedTestStep
from bench_app.domain.facts import number
from bench_app.domain.imei import is_valid_imei, normalise_imei
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.grading.grade import SUGGESTED_LABELS, grade
from bench_app.grading.policy import GradingPolicy
from bench_app.jobs.prompt import Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.sizes import size_words
from bench_app.text import Text


def _phone(ctx: StepContext) -> AndroidPhone:
    return cast(AndroidPhone, ctx.device)


# What the phone says in its own words (Android's codes), told in the operator's language.
BATTERY_HEALTH = {
    "good": Text("bon", "good"),
    "unknown": Text("inconnu", "unknown"),
    "overheat": Text("surchauffe", "overheating"),
    "dead": Text("hors service", "dead"),
    "over_voltage": Text("surtension", "over-voltage"),
    "unspecified_failure": Text("en panne", "failed"),
    "cold": Text("trop froide", "too cold"),
}
VERIFIED_BOOT = {
    "green": Text("système d’origine", "original system"),
    "yellow": Text("clé personnelle", "custom key"),
    "orange": Text("non vérifié (déverrouillé)", "not verified (unlocked)"),
    "red": Text("système abîmé", "damaged system"),
}
FEATURE_NAMES = {
    "wifi": Text("Wi-Fi", "Wi-Fi"),
    "bluetooth": Text("Bluetooth", "Bluetooth"),
    "nfc": Text("NFC", "NFC"),
    "fingerprint": Text("lecteur d’empreinte", "fingerprint reader"),
    "camera_back": Text("appareil photo arrière", "back camera"),
    "camera_front": Text("appareil photo avant", "front camera"),
    "flash": Text("flash", "flash"),
    "gps": Text("GPS", "GPS"),
    "telephony": Text("téléphonie", "telephony"),
}


def not_read_in_trade_in() -> StepOutcome:
    """What a reading says when the phone stayed at its setup screen in trade-in mode."""
    return StepOutcome(
        StepStatus.SKIPPED,
        Text(
            "Non lu : le téléphone est resté en mode reprise (sans évaluation).",
            "Not read: the phone stayed in trade-in mode (no evaluation).",
        ),
        {"trade_in": TradeIn.FOYER.value},
    )


def unreadable_status(evidence: dict[str, Any]) -> StepOutcome:
    """A trade-in status that holds no JSON: said plainly, the phone's answer kept, and the
    check stops there (a grade from readings that could not be read would be false)."""
    return StepOutcome(
        StepStatus.FAILED,
        Text(
            "Le téléphone donne un état illisible (mode reprise). Débranchez-le, "
            "rebranchez-le, puis relancez le contrôle.",
            "The phone gives an unreadable status (trade-in mode). Unplug it, plug it "
            "back, then start the check again.",
        ),
        evidence,
        blocking=True,
    )


NO_IMEI = Choice("no_imei", Text("Pas d’IMEI (Wi-Fi seulement)", "No IMEI (Wi-Fi only)"))


class PhoneIdentityStep(Step):
    id = "identity"
    title = Text("Identification", "Identification")
    weight = 0.5

    def __init__(self, ask_imei: bool = True) -> None:
        self.ask_imei = ask_imei  # headless runs cannot ask the operator

    def run(self, ctx: StepContext) -> StepOutcome:
        identity = readings.identity(_phone(ctx))
        facts: list[tuple[str, dict[str, Any]]] = []
        given = str(ctx.options.get("imei") or "")  # typed before the job (command line)
        if not identity.get("imei") and given and is_valid_imei(given):
            identity["imei"] = normalise_imei(given)
            identity["imei_source"] = "typed"
        elif not identity.get("imei") and not self.ask_imei:
            identity["imei_source"] = "not given by the phone"
        elif not identity.get("imei") and ctx.options.get("imei"):
            # Typed at an earlier check of this phone: asked once per phone, not per check.
            identity["imei"] = str(ctx.options["imei"])
            identity["imei_source"] = "typed"
        elif not identity.get("imei"):
            imei = self._ask_imei(ctx)
            if imei:
                identity["imei"] = imei
                identity["imei_source"] = "typed"
                facts.append(
                    ("device.identified", {"fields": {"imei": imei, "imei_source": "typed"}})
                )
        name = " ".join(
            str(identity.get(k, "")) for k in ("brand", "marketing_name") if identity.get(k)
        )
        name = name or f"{identity.get('brand', '')} {identity.get('model', '')}".strip()
        if identity.get("trade_in") and not identity.get("android_version"):
            said = Text(
                f"{name}, Android 16 ou plus (mode reprise).",
                f"{name}, Android 16 or later (trade-in mode).",
            )
        else:
            version = identity.get("android_version", "?")
            said = Text(f"{name}, Android {version}.", f"{name}, Android {version}.")
        return StepOutcome(StepStatus.PASSED, said, {"identity": identity}, facts=facts)

    def _ask_imei(self, ctx: StepContext) -> str | None:
        error: Text | None = None
        while True:
            answer = ctx.ask(
                Prompt(
                    Text(
                        "Composez *#06# sur le téléphone et tapez l’IMEI (15 chiffres).",
                        "Dial *#06# on the phone and type the IMEI (15 digits).",
                    ),
                    (NO_IMEI,),
                    picture="imei.svg",
                    error=error,
                    entry=Text("IMEI", "IMEI"),
                )
            )
            if answer == NO_IMEI.key:
                return None
            if is_valid_imei(answer):
                return normalise_imei(answer)
            error = Text(
                f"« {answer} » n’est pas un IMEI valide : vérifiez chaque chiffre.",
                f"“{answer}” is not a valid IMEI: check each digit.",
            )


class LocksStep(Step):
    """Blocking findings come first: a Google account (factory reset protection) or a
    company's device management keeps the phone locked to its previous owner."""

    id = "locks"
    title = Text("Comptes et verrous", "Accounts and locks")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        reading = readings.accounts(_phone(ctx))
        if reading.get("error"):
            return unreadable_status(reading)
        if reading.get("frp_locked"):
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Bloqué par le compte Google du donateur (FRP) : le donateur doit le "
                    "retirer, puis relancez le contrôle.",
                    "Locked by the donor's Google account (FRP): the donor must remove it, "
                    "then start the check again.",
                ),
                {
                    **reading,
                    "picture": "frp-remove-account.svg",
                    "more": Text(
                        "Le téléphone a été réinitialisé sans retirer le compte : il ne "
                        "s’ouvrira qu’avec ce compte (protection contre la réinitialisation). "
                        "Demandez au donateur de retirer l’appareil de son compte Google "
                        "(myaccount.google.com > Sécurité > Vos appareils), ou de venir "
                        "saisir son mot de passe sur le téléphone. Sans lui : pièces "
                        "détachées. Puis relancez le contrôle.",
                        "The phone was reset without removing the account: it only opens "
                        "with that account (factory reset protection). Ask the donor to "
                        "remove the device from their Google account (myaccount.google.com "
                        "> Security > Your devices), or to come and type their password on "
                        "the phone. Without them: spare parts. Then start the check again.",
                    ).to_json(),
                },
                blocking=True,
            )
        if reading["google_accounts"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Compte Google présent : retirez-le, puis relancez le contrôle.",
                    "Google account present: remove it, then start the check again.",
                ),
                {
                    **reading,
                    "picture": "frp-remove-account.svg",
                    "more": Text(
                        "Après effacement, le téléphone resterait bloqué par ce compte "
                        "(protection contre la réinitialisation). Sur le téléphone : Paramètres > "
                        "Comptes > Google > Supprimer le compte — ou demandez au donateur de le "
                        "retirer. Puis relancez le contrôle.",
                        "After a reset the phone would stay locked by this account (factory "
                        "reset protection). On the phone: Settings > Accounts > Google > Remove "
                        "account — or ask the donor to remove it. Then start the check again.",
                    ).to_json(),
                },
                blocking=True,
            )
        if reading["device_owner"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Le téléphone est géré par une entreprise (MDM). Demandez au donateur de le "
                    "retirer de sa flotte (console de gestion), puis relancez le contrôle.",
                    "The phone is managed by a company (MDM). Ask the donor to release it from "
                    "their fleet (management console), then start the check again.",
                ),
                reading,
                blocking=True,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text("Aucun compte ni gestion à distance.", "No account, no remote management."),
            reading,
        )


class BatteryHealthStep(Step):
    id = "battery"
    title = Text("Batterie", "Battery")

    good_ratio = 0.8  # below: a tired battery, worth saying to the next owner
    worn_ratio = 0.6  # below: the battery must be replaced

    def run(self, ctx: StepContext) -> StepOutcome:
        evidence = readings.battery(_phone(ctx))
        if evidence.get("error"):
            return unreadable_status(evidence)
        r = evidence["reading"]
        ratio = number(r.get("capacity_ratio"))
        temperature = number(r.get("temperature_c"))
        health = str(r.get("health") or "")
        charge = r.get("percent", r.get("level"))
        parts = [f"{charge} %"] if charge is not None else []  # trade-in status: no level
        if temperature is not None:
            parts.append(f"{temperature:.1f} °C")
        if r.get("cycle_count") is not None:
            parts.append(f"{r['cycle_count']} cycles")
        facts = ", ".join(parts)
        if health in ("dead", "over_voltage", "unspecified_failure", "overheat") or (
            ratio is not None and ratio < self.worn_ratio
        ):
            cap = f"{ratio:.0%}" if ratio is not None else health
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"Batterie à remplacer ({cap} ; {facts}).",
                    f"Battery to replace ({cap}; {facts}).",
                ),
                evidence,
            )
        if ratio is not None and ratio < self.good_ratio:
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    f"Batterie fatiguée : {ratio:.0%} de sa capacité ({facts}).",
                    f"Tired battery: {ratio:.0%} of its capacity ({facts}).",
                ),
                evidence,
            )
        if ratio is None:
            said = BATTERY_HEALTH.get(health, Text("inconnu", "unknown"))
            return StepOutcome(
                StepStatus.PASSED,
                Text(
                    f"Batterie : état {said.fr} ({facts}) ; capacité non donnée par ce téléphone.",
                    f"Battery: health {said.en} ({facts}); this phone does not give its capacity.",
                ),
                evidence,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"Batterie en bon état : {ratio:.0%} ({facts}).",
                f"Battery in good shape: {ratio:.0%} ({facts}).",
            ),
            evidence,
        )


class StorageStep(Step):
    id = "storage"
    title = Text("Stockage et chiffrement", "Storage and encryption")
    weight = 0.5

    # The flash's useful lifetime left (%), when the phone tells it (trade-in status).
    tired_lifetime = 30  # below: worth saying to the next owner
    worn_lifetime = 10  # below: the storage may fail soon

    def run(self, ctx: StepContext) -> StepOutcome:
        r = readings.storage(_phone(ctx))
        if r.get("error"):
            return unreadable_status(r)
        total = r.get("total_bytes")
        ram = r.get("ram_bytes")
        size = size_words(total, "fr") if total else "? Go"
        size_en = size_words(total, "en") if total else "? GB"
        ram_txt = f", {ram / 2**30:.1f} Go de RAM" if ram else ""
        ram_en = f", {ram / 2**30:.1f} GB RAM" if ram else ""
        encrypted = r.get("encrypted")
        lifetime = r.get("useful_lifetime_remaining")  # trade-in status only, in %
        if lifetime is not None and lifetime < self.worn_lifetime:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"{size}{ram_txt}. Mémoire usée : {lifetime} % de durée de vie restante.",
                    f"{size_en}{ram_en}. Worn storage: {lifetime}% of its lifetime left.",
                ),
                r,
            )
        if lifetime is not None and lifetime < self.tired_lifetime:
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    f"{size}{ram_txt}. Mémoire fatiguée : {lifetime} % de durée de vie restante.",
                    f"{size_en}{ram_en}. Tired storage: {lifetime}% of its lifetime left.",
                ),
                r,
            )
        if encrypted is False:
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    f"{size}{ram_txt}. Non chiffré : l’effacement sera une simple réinitialisation.",
                    f"{size_en}{ram_en}. Not encrypted: erasure will be a plain reset.",
                ),
                r,
            )
        enc = "chiffré" if encrypted else "chiffrement inconnu"
        enc_en = "encrypted" if encrypted else "encryption unknown"
        if lifetime is not None:
            enc += f", {lifetime} % de durée de vie restante"
            enc_en += f", {lifetime}% of its lifetime left"
        return StepOutcome(
            StepStatus.PASSED, Text(f"{size}{ram_txt}, {enc}.", f"{size_en}{ram_en}, {enc_en}."), r
        )


class SecurityStep(Step):
    id = "security"
    title = Text("Démarrage et root", "Boot and root")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        if _phone(ctx).trade_in_mode() is TradeIn.FOYER:
            return not_read_in_trade_in()
        r = readings.security(_phone(ctx))
        s = r["security"]
        rooted = bool(r.get("su_binary")) or (
            s.get("debuggable") is True and s.get("secure") is False
        )
        unlocked = s.get("bootloader_locked") is False
        notes_fr, notes_en = [], []
        if unlocked:
            notes_fr.append("chargeur de démarrage déverrouillé")
            notes_en.append("bootloader unlocked")
        if rooted:
            notes_fr.append("téléphone rooté")
            notes_en.append("phone rooted")
        vb = s.get("verified_boot_state")
        if vb:
            said = VERIFIED_BOOT.get(str(vb), Text("inconnu", "unknown"))
            notes_fr.append(f"démarrage vérifié : {said.fr}")
            notes_en.append(f"verified boot: {said.en}")
        r["rooted"] = rooted
        status = StepStatus.WARNING if rooted else StepStatus.PASSED
        text_fr = ", ".join(notes_fr) or "verrouillé, non rooté"
        text_en = ", ".join(notes_en) or "locked, not rooted"
        return StepOutcome(
            status,
            Text(text_fr[0].upper() + text_fr[1:] + ".", text_en[0].upper() + text_en[1:] + "."),
            r,
        )


class HardwareStep(Step):
    id = "hardware"
    title = Text("Capteurs et radios", "Sensors and radios")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        if _phone(ctx).trade_in_mode() is TradeIn.FOYER:
            return not_read_in_trade_in()
        r = readings.hardware(_phone(ctx))
        r["network"] = readings.network(_phone(ctx))
        features = set(r["features"])
        present = {
            "wifi": "android.hardware.wifi" in features,
            "bluetooth": "android.hardware.bluetooth" in features,
            "nfc": "android.hardware.nfc" in features,
            "fingerprint": "android.hardware.fingerprint" in features,
            "camera_back": "android.hardware.camera" in features,
            "camera_front": "android.hardware.camera.front" in features,
            "flash": "android.hardware.camera.flash" in features,
            "gps": "android.hardware.location.gps" in features,
            "telephony": "android.hardware.telephony" in features,
        }
        r["present"] = present
        have = [FEATURE_NAMES[k] for k, v in present.items() if v]
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{len(r['sensors'])} capteurs ; présents : {', '.join(t.fr for t in have)}.",
                f"{len(r['sensors'])} sensors; present: {', '.join(t.en for t in have)}.",
            ),
            r,
        )


START_EVALUATION = Choice("evaluate", Text("Lancer l’évaluation", "Start the evaluation"), "good")
SKIP_EVALUATION = Choice("skip", Text("Pas maintenant", "Not now"))


class TradeInEvaluationStep(Step):
    """A phone in trade-in mode gives its status at its setup screen, and nothing else. Its
    evaluation mode opens the full shell (sensors, boot state, the helpers of the guided
    tests) without the setup screen; the phone erases itself at its next start. The bench
    proposes it, starts it when the operator agrees, and records that it was started."""

    id = "evaluation"
    title = Text("Mode évaluation", "Evaluation mode")
    weight = 0.5

    def __init__(self, ask: bool = True) -> None:
        self.ask = ask  # headless runs cannot ask: they start it when `evaluate` is given

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = _phone(ctx)
        if phone.trade_in_mode() is TradeIn.EVALUATION:
            return StepOutcome(
                StepStatus.PASSED,
                Text("Déjà en mode évaluation.", "Already in evaluation mode."),
                {"evaluation": "already"},
            )
        wanted = ctx.options.get("evaluate")
        if wanted is None and self.ask:
            wanted = (
                ctx.ask(
                    Prompt(
                        Text(
                            "Mode évaluation pour tout tester ? Effacé au prochain démarrage.",
                            "Evaluation mode to test everything? Erased at the next start.",
                        ),
                        (START_EVALUATION, SKIP_EVALUATION),
                        picture="replug.svg",
                    )
                )
                == START_EVALUATION.key
            )
        if not wanted:
            return StepOutcome(
                StepStatus.SKIPPED,
                Text(
                    "Évaluation non lancée : seules les lectures du mode reprise comptent.",
                    "Evaluation not started: only the trade-in readings count.",
                ),
                {"evaluation": "declined"},
            )
        started = phone.start_evaluation(stop=ctx.cancelled)
        ctx.check_cancelled()
        if not started:
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    "Le téléphone n’est pas revenu en mode évaluation : contrôle limité aux "
                    "lectures du mode reprise.",
                    "The phone did not come back in evaluation mode: the check keeps to the "
                    "trade-in readings.",
                ),
                {"evaluation": "failed", "trade_in": phone.trade_in.value},
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                "Mode évaluation lancé : le téléphone s’effacera à son prochain redémarrage.",
                "Evaluation mode started: the phone will erase itself at its next restart.",
            ),
            {"evaluation": "started", "trade_in": phone.trade_in.value},
        )


class GradeStep(Step):
    id = "grading"
    title = Text("Note et destination", "Grade and outcome")
    weight = 0.3

    def __init__(self, data_folder: Path | None) -> None:
        self.data_folder = data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        policy = GradingPolicy.load(self.data_folder)
        cosmetic = (
            int(ctx.results["cosmetic"].evidence.get("cosmetic", 0))
            if "cosmetic" in ctx.results
            else 0
        )
        scored = {k: v for k, v in ctx.results.items() if k not in ("identity", "cosmetic")}
        result = grade(scored, cosmetic, policy)
        payload = {
            "functional": result.functional,
            "cosmetic": result.cosmetic,
            "workshop_grade": result.workshop_grade,
            "reasons": [r.to_json() for r in result.reasons],
            "suggested_outcome": result.outcome.value,
            "policy": str(policy.source.name),
        }
        label = SUGGESTED_LABELS[result.outcome]
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"Note atelier {result.workshop_grade} (fonctionnel {result.functional}, esthétique {result.cosmetic}/9) — {label.fr}.",
                f"Workshop grade {result.workshop_grade} (functional {result.functional}, cosmetic {result.cosmetic}/9) — {label.en}.",
            ),
            payload,
            facts=[("grade.assigned", payload)],
        )


def phone_steps(data_folder: Path | None = None) -> list[Step]:
    steps: list[Step] = [
        PhoneIdentityStep(),
        LocksStep(),
        BatteryHealthStep(),
        StorageStep(),
        SecurityStep(),
        HardwareStep(),
    ]
    steps.extend(GuidedTestStep(test) for test in GUIDED_TESTS)
    steps.append(CosmeticStep())
    steps.append(GradeStep(data_folder))
    return steps


def _usual(device: object) -> bool:
    return getattr(device, "trade_in", TradeIn.NONE) is TradeIn.NONE


def _in_trade_in(device: object) -> bool:
    return not _usual(device)


def phone_check(data_folder: Path | None = None) -> Pipeline:
    return Pipeline(
        name="phone.check",
        title=Text("Contrôle complet du téléphone", "Full phone check"),
        kinds=frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
        build=lambda: phone_steps(data_folder),
        stage_on_success=DeviceStage.GRADED,
        purpose=Purpose.TESTS,
        requires=AndroidPhone,
        fits=_usual,
    )


def trade_in_steps(data_folder: Path | None = None) -> list[Step]:
    """The check of a phone in Android 16's trade-in mode: its status first (identity,
    FRP, battery, storage), then the evaluation mode proposed, what it opens, the guided
    tests and the grade — the same steps and facts as any phone's check."""
    steps: list[Step] = [
        PhoneIdentityStep(),
        LocksStep(),
        BatteryHealthStep(),
        StorageStep(),
        TradeInEvaluationStep(),
        SecurityStep(),
        HardwareStep(),
    ]
    steps.extend(GuidedTestStep(test) for test in GUIDED_TESTS)
    steps.append(CosmeticStep())
    steps.append(GradeStep(data_folder))
    return steps


def trade_in_check(data_folder: Path | None = None) -> Pipeline:
    return Pipeline(
        name="phone.tradein_check",
        title=Text("Contrôle en mode reprise (Android 16)", "Trade-in mode check (Android 16)"),
        kinds=frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
        build=lambda: trade_in_steps(data_folder),
        stage_on_success=DeviceStage.GRADED,
        purpose=Purpose.TESTS,
        requires=AndroidPhone,
        fits=_in_trade_in,
    )


def automated_steps() -> list[Step]:
    """The readings alone, for `etabli diagnose`: nothing asks the operator."""
    return [
        PhoneIdentityStep(ask_imei=False),
        LocksStep(),
        BatteryHealthStep(),
        StorageStep(),
        SecurityStep(),
        HardwareStep(),
    ]


PHONE_READINGS = Pipeline(
    name="phone.readings",
    title=Text("Lectures automatiques", "Automated readings"),
    kinds=frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
    build=automated_steps,
    stage_on_success=DeviceStage.DIAGNOSED,
    purpose=Purpose.TESTS,
    requires=AndroidPhone,
    fits=_usual,
)


def trade_in_automated_steps() -> list[Step]:
    """The trade-in status alone, for `etabli diagnose`: nothing asked, no evaluation."""
    return [
        PhoneIdentityStep(ask_imei=False),
        LocksStep(),
        BatteryHealthStep(),
        StorageStep(),
    ]


TRADE_IN_READINGS = Pipeline(
    name="phone.tradein_readings",
    title=Text("Lectures du mode reprise", "Trade-in mode readings"),
    kinds=frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
    build=trade_in_automated_steps,
    stage_on_success=DeviceStage.DIAGNOSED,
    purpose=Purpose.TESTS,
    requires=AndroidPhone,
    fits=_in_trade_in,
)
