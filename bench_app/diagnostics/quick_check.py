"""The quick check: identity, battery, locks, storage, and two guided manual tests.

It runs against any phone driver that offers `identity()`, `battery()`, `accounts()` and
`storage()`: the in-process simulated phone (simulators/source.py). Drives are checked by
their erasure's own identity and health steps.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from bench_app.diagnostics.guided_tests import GUIDED_TESTS, GuidedTestStep
from bench_app.domain.facts import wire_form
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.text import Text


class PhoneReadings(Protocol):
    def identity(self) -> dict[str, Any]: ...
    def battery(self) -> dict[str, Any]: ...
    def accounts(self) -> dict[str, Any]: ...
    def storage(self) -> dict[str, Any]: ...


class IdentityStep(Step):
    id = "identity"
    title = Text("Identification", "Identification")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        identity = ctx.device.identity()
        name = f"{identity.get('brand', '')} {identity.get('model', '')}".strip()
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"Appareil reconnu : {name}.", f"Device recognised: {name}."),
            {"identity": identity},
        )


class BatteryStep(Step):
    id = "battery"
    title = Text("Batterie", "Battery")

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = cast(PhoneReadings, ctx.device)
        reading = phone.battery()
        design = reading.get("design_mah") or 0
        full = reading.get("full_charge_mah") or 0
        ratio = full / design if design else None
        evidence = wire_form({"reading": reading, "capacity_ratio": ratio})
        percent = f"{ratio:.0%}" if ratio is not None else "?"
        if reading.get("health") in ("dead", "over_voltage", "failure") or (
            ratio is not None and ratio < 0.6
        ):
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"Batterie usée : {percent} de sa capacité d’origine. À remplacer.",
                    f"Worn battery: {percent} of its original capacity. Replace it.",
                ),
                evidence,
            )
        if ratio is not None and ratio < 0.8:
            return StepOutcome(
                StepStatus.WARNING,
                Text(
                    f"Batterie fatiguée : {percent} de sa capacité d’origine.",
                    f"Tired battery: {percent} of its original capacity.",
                ),
                evidence,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"Batterie en bon état ({percent}).", f"Battery in good shape ({percent})."),
            evidence,
        )


class AccountsStep(Step):
    id = "accounts"
    title = Text("Comptes et verrous", "Accounts and locks")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        phone = cast(PhoneReadings, ctx.device)
        reading = phone.accounts()
        if reading.get("google_accounts"):
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Un compte Google est encore sur le téléphone : il restera bloqué après "
                    "effacement. Demandez au donateur de retirer le compte (Paramètres > "
                    "Comptes), puis relancez.",
                    "A Google account is still on the phone: it will stay locked after a reset. "
                    "Ask the donor to remove the account (Settings > Accounts), then start again.",
                ),
                {"reading": reading},
                blocking=True,
            )
        if reading.get("device_owner"):
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Le téléphone est géré par une entreprise (MDM). Demandez au donateur de le "
                    "libérer, puis relancez.",
                    "The phone is managed by a company (MDM). Ask the donor to release it, "
                    "then start again.",
                ),
                {"reading": reading},
                blocking=True,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text("Aucun compte ni verrou.", "No account and no lock."),
            {"reading": reading},
        )


class StorageStep(Step):
    id = "storage"
    title = Text("Stockage", "Storage")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        reading = cast(PhoneReadings, ctx.device).storage()
        gb = reading.get("total_bytes", 0) / 1e9
        encrypted = bool(reading.get("encrypted"))
        return StepOutcome(
            StepStatus.PASSED if encrypted else StepStatus.WARNING,
            Text(
                f"{gb:.0f} Go, " + ("chiffré." if encrypted else "non chiffré."),
                f"{gb:.0f} GB, " + ("encrypted." if encrypted else "not encrypted."),
            ),
            {"reading": reading},
        )


def _phone_steps() -> list[Step]:
    return [
        IdentityStep(),
        AccountsStep(),
        BatteryStep(),
        StorageStep(),
        *(GuidedTestStep(t) for t in GUIDED_TESTS if t.id in ("screen", "buttons")),
    ]


PHONE_QUICK_CHECK = Pipeline(
    name="phone.quick_check",
    title=Text("Contrôle rapide", "Quick check"),
    kinds=frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
    build=_phone_steps,
    stage_on_success=DeviceStage.DIAGNOSED,
    purpose=Purpose.TESTS,
)
