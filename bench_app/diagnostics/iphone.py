"""The iPhone's check through lockdownd: identity, the blocking findings first (Activation
Lock, a company's supervision or enrolment), then the battery and the storage, the guided
tests, the operator's look at the outside and the grade — the Android phone's policy and
outcomes. Raw answers are kept as evidence."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from bench_app.devices.ios import readings
from bench_app.devices.ios.driver import IPhone
from bench_app.diagnostics.android import BatteryHealthStep, GradeStep
from bench_app.diagnostics.guided_tests import IPHONE_GUIDED_TESTS, CosmeticStep, GuidedTestStep
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


class ManagementStep(Step):
    """A supervised iPhone, or one its organisation's server enrols at setup, stays the
    company's after an erase: it must release it first, as an Android phone's device owner."""

    id = "management"
    title = Text("Gestion à distance", "Remote management")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        reading = readings.management(_iphone(ctx))
        if reading["blocking"]:
            who = reading["organisation"] or "une entreprise"
            who_en = reading["organisation"] or "a company"
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"L’iPhone est supervisé et géré par {who} (MDM). Demandez-lui de le "
                    "retirer de sa flotte (Apple Business Manager), puis relancez le contrôle.",
                    f"The iPhone is supervised and managed by {who_en} (MDM). Ask them to "
                    "release it from their fleet (Apple Business Manager), then start the "
                    "check again.",
                ),
                reading,
                blocking=True,
            )
        count = len(reading["profiles"])
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"Ni supervisé ni géré à distance ({count} profil(s) installé(s)).",
                f"Neither supervised nor remotely managed ({count} profile(s) installed).",
            ),
            reading,
        )


class IPhoneStorageStep(Step):
    id = "storage"
    title = Text("Stockage", "Storage")
    weight = 0.5

    def run(self, ctx: StepContext) -> StepOutcome:
        r = readings.storage(_iphone(ctx))
        total, free = r["total_bytes"], r["data_free_bytes"]
        if not total:
            return StepOutcome(
                StepStatus.WARNING,
                Text("Capacité non donnée par l’iPhone.", "The iPhone gave no capacity."),
                r,
            )
        said = (size_words(total, "fr"), size_words(total, "en"))
        if free is None:
            return StepOutcome(StepStatus.PASSED, Text(f"{said[0]}.", f"{said[1]}."), r)
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"{said[0]}, {size_words(free, 'fr')} libres.",
                 f"{said[1]}, {size_words(free, 'en')} free."),
            r,
        )  # fmt: skip


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
    return [IPhoneIdentityStep(), ActivationLockStep(), ManagementStep(), IPhoneBatteryStep(),
            IPhoneStorageStep()]  # fmt: skip


def iphone_steps(data_folder: Path | None = None) -> list[Step]:
    """The full check: blocking findings, readings, guided tests, outside look, grade."""
    steps: list[Step] = [
        IPhoneIdentityStep(),
        ActivationLockStep(),
        ManagementStep(),
        IPhoneBatteryStep(),
        IPhoneStorageStep(),
    ]
    steps.extend(GuidedTestStep(test) for test in IPHONE_GUIDED_TESTS)
    steps.append(CosmeticStep())
    steps.append(GradeStep(data_folder))
    return steps


def iphone_check(data_folder: Path | None = None) -> Pipeline:
    return Pipeline(
        name="iphone.check",
        title=Text("Contrôle complet de l’iPhone", "Full iPhone check"),
        kinds=frozenset({DeviceKind.PHONE}),
        build=lambda: iphone_steps(data_folder),
        stage_on_success=DeviceStage.GRADED,
        purpose=Purpose.TESTS,
        requires=IPhone,
    )


IPHONE_READINGS = Pipeline(
    name="iphone.readings",
    title=Text("Lectures automatiques (iPhone)", "Automated readings (iPhone)"),
    kinds=frozenset({DeviceKind.PHONE}),
    build=iphone_automated_steps,
    stage_on_success=DeviceStage.DIAGNOSED,
    purpose=Purpose.TESTS,
    requires=IPhone,
)
