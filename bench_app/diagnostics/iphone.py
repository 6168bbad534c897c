"""The iPhone's automated check through lockdownd: identity, Activation Lock first (it
blocks), then the battery and the storage. Raw answers are kept as evidence."""

from __future__ import annotations

from typing import cast

from bench_app.devices.ios import readings
from bench_app.devices.ios.driver import IPhone
from bench_app.diagnostics.android import BatteryHealthStep
from bench_app.domain.facts import number
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.sizes import size_words
from bench_app.text import Text


def _iphone(ctx: StepContext) -> IPhone:
    return cast(IPhone, ctx.device)


class IPhoneIdentityStep(Step):
    id = "identity"
    title = Text("Identification", "Identification")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        identity = readings.identity(_iphone(ctx))
        raw = identity.pop("raw")
        name = f"{identity['model']}, iOS {identity['ios_version']}"
        size = identity.get("storage_bytes")
        words = (f", {size_words(size, 'fr')}", f", {size_words(size, 'en')}") if size else ("", "")
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"{name}{words[0]}.", f"{name}{words[1]}."),
            {"identity": identity, "raw_values": raw},
        )


class ActivationLockStep(Step):
    """Find My on means Activation Lock: after an erase the iPhone would ask for the
    previous owner's Apple Account. Nothing else is worth doing before it is lifted."""

    id = "locks"
    title = Text("Verrouillage d’activation", "Activation Lock")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        reading = readings.locks(_iphone(ctx))
        if reading["blocking"]:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    "Localiser est activé : le donateur doit retirer l’iPhone de son compte.",
                    "Find My is on: the donor must remove the iPhone from their account.",
                ),
                {
                    **reading,
                    "more": Text(
                        " ".join(step.fr for step in readings.ACTIVATION_LOCK_STEPS),
                        " ".join(step.en for step in readings.ACTIVATION_LOCK_STEPS),
                    ).to_json(),
                },
                blocking=True,
            )
        return StepOutcome(
            StepStatus.PASSED,
            Text("Localiser est désactivé : pas de verrouillage.", "Find My is off: no lock."),
            reading,
        )


class IPhoneBatteryStep(BatteryHealthStep):
    """The same thresholds as every phone, read from the battery's own gauge."""

    def run(self, ctx: StepContext) -> StepOutcome:
        evidence = readings.battery(_iphone(ctx))
        r = evidence["reading"]
        ratio = number(r.get("capacity_ratio"))
        details = f"{r.get('percent')} %, {r.get('cycle_count')} cycles"
        if ratio is None:
            return StepOutcome(
                StepStatus.WARNING,
                Text(f"Capacité de la batterie inconnue ({details}).",
                     f"Battery capacity unknown ({details})."),
                evidence,
            )  # fmt: skip
        if ratio < self.worn_ratio:
            status, fr, en = StepStatus.FAILED, "Batterie à remplacer", "Battery to replace"
        elif ratio < self.good_ratio:
            status, fr, en = StepStatus.WARNING, "Batterie fatiguée", "Tired battery"
        else:
            status, fr, en = StepStatus.PASSED, "Batterie en bon état", "Battery in good shape"
        return StepOutcome(
            status,
            Text(f"{fr} : {ratio:.0%} ({details}).", f"{en}: {ratio:.0%} ({details})."),
            evidence,
        )


def iphone_automated_steps() -> list[Step]:
    """The readings alone, for `etabli diagnose`: nothing asks the operator."""
    return [IPhoneIdentityStep(), ActivationLockStep(), IPhoneBatteryStep()]


IPHONE_READINGS = Pipeline(
    name="iphone.readings",
    title=Text("Lectures automatiques (iPhone)", "Automated readings (iPhone)"),
    kinds=frozenset({DeviceKind.PHONE}),
    build=iphone_automated_steps,
    stage_on_success=DeviceStage.DIAGNOSED,
    purpose=Purpose.TESTS,
    requires=IPhone,
)
