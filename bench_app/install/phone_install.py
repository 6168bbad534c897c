"""Installing a system on a phone from its device profile (pipeline `phone.install`).

identity → plan (profile, system, options, every image present and verified) → pre-checks
(no Google account, no device owner, encryption) → install (the profile's steps, one action
at a time, the phone moving between Android, its bootloader and its recovery) → checks after
restart (the data wipe verified) → the system check (the phone runs the build the package
carries; French language; free apps) → result.

Every finished action is recorded (`install.action_done`), so a job stopped by an unplugged
cable or a bootloader that said FAIL resumes at the action that did not finish, whatever
mode the phone is in by then. The data wipe the profile asks for is recorded with the same
erasure facts as a drive's (see bench_app/erasure/phone_wipe.py), so the certificate shows
how the phone was erased and what was verified.
"""

from __future__ import annotations

import contextlib
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from bench_app.devices.android import sideload as adb_sideload
from bench_app.devices.android.driver import AndroidPhone, PhoneUnauthorized
from bench_app.devices.fastboot.client import OPERATOR_TIMEOUT, FastbootClient, FastbootGone
from bench_app.devices.fastboot.finder import FINDER, FastbootFinder
from bench_app.devices.source import DeviceGone, DeviceNoAnswer
from bench_app.diagnostics.android import PhoneIdentityStep
from bench_app.domain.model import DeviceKind, DeviceStage, StepStatus
from bench_app.erasure.phone_wipe import (
    FASTBOOT,
    METHODS,
    NO_MENU,
    RECOVERY,
    PhoneWipeResultStep,
    PostWipeCheckStep,
    WipePrecheckStep,
    begin_wipe,
    wipe_pass_finished,
)
from bench_app.errors import BenchError
from bench_app.install.images import ImageLibrary
from bench_app.jobs.prompt import DONE, Choice, Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.profiles.loader import load_station_profiles, other_tool_error
from bench_app.profiles.model import DeviceProfile, OsOption
from bench_app.profiles.model import Step as ProfileStep
from bench_app.settings import data_dir as default_data_dir
from bench_app.text import Text

METADATA_ENTRY = "META-INF/com/android/metadata"
APKS_FOLDER = "apks"  # DATA/apks/*.apk: the workshop's curated free apps
CANNOT = Choice("cannot", Text("Je n’y arrive pas", "I cannot do it"), "bad")


# What each kind of profile step does, in the operator's words (the progress line).
STEP_WORDS: dict[str, Text] = {
    "adb:reboot": Text("Redémarrage du téléphone", "Restarting the phone"),
    "adb:wait": Text("Attente du téléphone", "Waiting for the phone"),
    "adb:sideload": Text("Envoi du système au téléphone", "Sending the system to the phone"),
    "fastboot:assert_var": Text("Vérification du téléphone", "Checking the phone"),
    "fastboot:erase": Text("Effacement d’une partition", "Erasing a partition"),
    "fastboot:flash": Text("Écriture sur le téléphone", "Writing to the phone"),
    "fastboot:format": Text("Formatage d’une partition", "Formatting a partition"),
    "fastboot:set_active": Text("Choix de l’emplacement actif", "Choosing the active slot"),
    "fastboot:flashing_unlock": Text("Déverrouillage", "Unlocking"),
    "fastboot:oem_unlock": Text("Déverrouillage", "Unlocking"),
    "fastboot:reboot": Text("Redémarrage du téléphone", "Restarting the phone"),
    "fastboot:wait": Text("Attente du mode fastboot", "Waiting for fastboot mode"),
    "image:verify": Text("Vérification de l’image", "Checking the image"),
    "operator:action": Text("À vous de jouer sur le téléphone", "Your turn on the phone"),
    "phone:wipe": Text("Effacement des données", "Wiping the data"),
}


def step_progress(index: int, total: int, action: str) -> Text:
    """The progress line of step `index` (from 0) of `total`: its number and what it does,
    never the profile's action id (a step kind without words keeps its id)."""
    words = STEP_WORDS.get(action, Text(action, action))
    return Text(f"Étape {index + 1}/{total} : {words.fr}", f"Step {index + 1}/{total}: {words.en}")


def ota_metadata(package: Path) -> dict[str, str]:
    """The update zip's own metadata (`post-build` fingerprint, `pre-device`...); {} if none."""
    try:
        with zipfile.ZipFile(package) as archive:
            text = archive.read(METADATA_ENTRY).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    pairs = (line.partition("=") for line in text.splitlines())
    return {k.strip(): v.strip() for k, sep, v in pairs if sep}


def _phone(ctx: StepContext) -> AndroidPhone:
    return cast(AndroidPhone, ctx.device)


def _options(ctx: StepContext, os_option: OsOption) -> dict[str, bool | str]:
    chosen: dict[str, bool | str] = dict(os_option.options)
    for key, value in dict(ctx.options.get("install_options") or {}).items():
        if key in chosen:
            chosen[key] = value
    return chosen


def _resolve(data_folder: Path | None, ctx: StepContext) -> tuple[DeviceProfile, OsOption]:
    plan = ctx.results["plan"].evidence
    profiles = load_station_profiles(data_folder or default_data_dir())
    profile = profiles.require(plan["codename"])
    os_option = profile.os(plan["os"])
    if os_option is None:
        raise BenchError("INSTALL_OS_UNKNOWN", os=plan["os"], model=profile.label)
    return profile, os_option


class InstallPlanStep(Step):
    """Which profile and system, with which options; refuses before anything is touched when
    the phone needs another tool, or an image is missing or does not match its checksum."""

    id = "plan"
    title = Text("Préparation de l’installation", "Installation plan")
    weight = 1.0

    def __init__(self, data_folder: Path | None) -> None:
        self.data_folder = data_folder

    def run(self, ctx: StepContext) -> StepOutcome:
        folder = self.data_folder or default_data_dir()
        identity = ctx.results["identity"].evidence.get("identity", {})
        codename = str(identity.get("codename") or identity.get("device") or "")
        profiles = load_station_profiles(folder)
        profile = profiles.for_codename(codename)
        if profile is None:
            raise BenchError("PROFILE_UNKNOWN", codename=codename or "?")
        if not profile.installable:
            raise other_tool_error(profile)
        wanted = str(ctx.options.get("os") or "")
        if not wanted:
            wanted = self._ask_os(ctx, profile)
        os_option = profile.os(wanted)
        if os_option is None:
            raise BenchError("INSTALL_OS_UNKNOWN", os=wanted, model=profile.label)
        library = ImageLibrary(folder, profiles)
        missing = library.missing_for(profile, os_option.id)
        if missing:
            names = ", ".join(ref.file for ref in missing)
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"Images manquantes pour {os_option.name} {os_option.version} : {names}. "
                    "Importez-les (etabli images import DOSSIER), puis reprenez.",
                    f"Missing images for {os_option.name} {os_option.version}: {names}. "
                    "Import them (etabli images import FOLDER), then resume.",
                ),
                {"missing": [ref.file for ref in missing]},
                blocking=True,
            )
        verified = {}
        for ref in os_option.images:
            ctx.progress(0.2, Text(f"Vérification de {ref.file}…", f"Checking {ref.file}…"))
            path = library.verified_path(ref, codename=profile.codename)
            verified[ref.name] = str(path)
        options = _options(ctx, os_option)
        steps = os_option.steps_for(options)
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{profile.label} : {os_option.name} {os_option.version}, {len(steps)} étapes, "
                "images vérifiées.",
                f"{profile.label}: {os_option.name} {os_option.version}, {len(steps)} steps, "
                "images verified.",
            ),
            {
                "codename": profile.codename,
                "os": os_option.id,
                "os_name": os_option.name,
                "os_version": os_option.version,
                "options": options,
                "images": verified,
                "actions": [s.action for s in steps],
                "wipe": any(s.action == "phone:wipe" for s in steps),
            },
        )

    def _ask_os(self, ctx: StepContext, profile: DeviceProfile) -> str:
        choices = tuple(
            Choice(o.id, Text(f"{o.name} {o.version}", f"{o.name} {o.version}"))
            for o in profile.operating_systems
        )
        if not choices:
            raise BenchError("INSTALL_OS_UNKNOWN", os="?", model=profile.label)
        return ctx.ask(
            Prompt(
                Text("Quel système installer ?", "Which system to install?"),
                choices,
                detail=Text(profile.label, profile.label),
            )
        )


class _Runner:
    """Carries out one profile action, reaching the phone over ADB or fastboot as it goes."""

    def __init__(
        self,
        ctx: StepContext,
        profile: DeviceProfile,
        os_option: OsOption,
        images: dict[str, str],
        finder: FastbootFinder,
        boot_timeout_s: float,
        poll_s: float,
        wipe_id: str | None,
        library: ImageLibrary,
    ) -> None:
        self.library = library
        self.ctx = ctx
        self.profile = profile
        self.os = os_option
        self.images = images
        self.finder = finder
        self.boot_timeout_s = boot_timeout_s
        self.poll_s = poll_s
        self.wipe_id = wipe_id
        self.phone = _phone(ctx)
        self.serial = str(ctx.results["identity"].evidence.get("identity", {}).get("serial", ""))
        self.fastboot: FastbootClient | None = None
        self.step_title: Text = InstallStep.title

    def close(self) -> None:
        if self.fastboot is not None:
            self.fastboot.close()
            self.fastboot = None

    # ---- reaching the phone ----------------------------------------------------------------
    def bootloader(self) -> FastbootClient:
        if self.fastboot is None:
            self.phone.forget_connection()
            client = self.finder.open(
                self.serial, timeout_s=self.boot_timeout_s, cancelled=self.ctx.cancelled
            )
            client.step = self.step_title
            # The station never writes to a phone that is not the profile's model.
            client.assert_var("product", self.profile.names())
            self.fastboot = client
        return self.fastboot

    def adb(self, state: str = "device") -> AndroidPhone:
        """The phone over ADB once it answers in `state`: "device" (Android), "recovery",
        "shell" (either: a shell runs), or "sideload"/"any" (it connects)."""
        self.close()
        deadline = time.monotonic() + self.boot_timeout_s
        while True:
            self.ctx.check_cancelled()
            try:
                self.phone.connect()
                if state in ("device", "recovery", "shell"):
                    mode = self.phone.shell("getprop ro.bootmode", timeout_s=10).strip()
                    if state == "shell" or (state == "recovery") == (mode == "recovery"):
                        return self.phone
                else:
                    return self.phone
            except (DeviceGone, DeviceNoAnswer, PhoneUnauthorized):
                self.phone.forget_connection()
            if time.monotonic() >= deadline:
                raise DeviceGone(f"the phone did not come back over ADB ({state})")
            self.ctx.sleep(self.poll_s)

    # ---- actions ---------------------------------------------------------------------------
    def run(self, step: ProfileStep) -> None:
        try:
            self._run(step)
        except (BenchError, DeviceGone, DeviceNoAnswer) as exc:
            # A refusal (FAIL, another answer than wanted) has an alternative; a lost cable
            # has none, except for a reboot, which the operator can do with the keys.
            lost = isinstance(exc, DeviceGone | FastbootGone)
            if not step.fallback or (lost and not step.action.endswith(":reboot")):
                raise
            for alternative in step.fallback:
                self._run(alternative)

    def _run(self, step: ProfileStep) -> None:
        action, args = step.action, step.args
        self.ctx.check_cancelled()
        if action == "adb:reboot":
            target = str(args.get("to", "system"))
            self.adb("any").reboot("" if target == "system" else target)
        elif action == "adb:wait":
            self.adb(str(args.get("state", "device")))
        elif action == "adb:sideload":
            self._sideload(str(args["image"]))
        elif action == "fastboot:wait":
            self.close()
            self.bootloader()
        elif action == "fastboot:assert_var":
            value = args.get("value", args.get("values"))
            allowed = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            self.bootloader().assert_var(str(args["name"]), allowed)
        elif action == "fastboot:flash":
            self._flash(step)
        elif action == "fastboot:erase":
            self.bootloader().erase(str(args["partition"]))
        elif action == "fastboot:format":
            self.bootloader().format(str(args["partition"]), args.get("fs_type"))
        elif action == "fastboot:set_active":
            self.bootloader().set_active(str(args["slot"]))
        elif action == "fastboot:reboot":
            target = args.get("to", "system")
            self.bootloader().reboot(None if target == "system" else str(target))
            self.close()
        elif action == "fastboot:flashing_unlock":
            client = self.bootloader()
            if args.get("critical"):
                client.command(
                    "flashing unlock_critical",
                    Text("déverrouiller les partitions critiques", "unlock critical partitions"),
                    OPERATOR_TIMEOUT,
                    operator=True,
                )
            else:
                client.flashing_unlock()
        elif action == "fastboot:oem_unlock":
            self.bootloader().oem_unlock(args.get("code") or self.ctx.options.get("unlock_code"))
        elif action == "image:verify":
            # The plan verified every image; this re-hash is right before it is written.
            ref = self.os.image(str(args["image"]))
            path = self.library.verified_path(ref, codename=self.profile.codename)
            self.images[ref.name] = str(path)
        elif action == "operator:action":
            self._operator(step)
        elif action == "phone:wipe":
            self._wipe(step)
        else:
            raise BenchError("INSTALL_ACTION_UNKNOWN", action=action, line=step.line)

    def _flash(self, step: ProfileStep) -> None:
        args = step.args
        path = self.images[str(args["image"])]
        partition = str(args["partition"])
        client = self.bootloader()
        label = Text(f"Écriture de {partition}…", f"Writing {partition}…")

        def progress(sent: int, total: int) -> None:
            self.ctx.progress(sent / total if total else 1.0, label)

        client.flash(partition, path, progress, slot=args.get("slot"))

    def _sideload(self, image: str) -> None:
        package = Path(self.images[image])
        label = Text("Envoi du système au téléphone…", "Sending the system to the phone…")
        lost_at_start = 0
        while True:
            phone = self.adb("sideload")
            try:
                adb_sideload.sideload(
                    phone,
                    package,
                    progress=lambda f: self.ctx.progress(f, label),
                    cancelled=self.ctx.cancelled,
                )
                # The recovery leaves sideload mode and shows its menu again: the next
                # command (a reboot) must reach that menu, not the ending sideload daemon.
                self.adb("shell")
                return
            except adb_sideload.SideloadInterrupted as exc:
                lost_at_start += 1
                if exc.sent > 0 or lost_at_start > 3:
                    raise  # cut mid-transfer: the job stops and says how to send it again
                # Lost before the first block: the recovery restarted its daemon for the
                # sideload mode just as the station connected. Connect again and send.
                phone.forget_connection()
                continue
            except BenchError as exc:
                if exc.code != "SIDELOAD_NOT_READY":
                    raise
            self._ask(
                Text(
                    "Sur le téléphone : « Apply update », puis « Apply from ADB ».",
                    "On the phone: “Apply update”, then “Apply from ADB”.",
                ),
                "recovery-sideload.svg",
            )

    def _ask(self, text: Text, picture: str | None) -> None:
        answer = self.ctx.ask(Prompt(text, (DONE, CANNOT), picture=picture))
        if answer == CANNOT.key:
            raise BenchError("INSTALL_OPERATOR_STUCK", step=text)

    def _operator(self, step: ProfileStep) -> None:
        text = step.text() or Text("Suivez l’étape sur le téléphone.", "Follow the step.")
        self.close()
        self._ask(text, step.args.get("picture"))

    def _wipe(self, step: ProfileStep) -> None:
        if self.wipe_id is None:
            raise BenchError("INSTALL_ACTION_UNKNOWN", action="phone:wipe", line=step.line)
        method = str(step.args.get("method", RECOVERY))
        begun = time.monotonic()
        if method == FASTBOOT:
            client = self.bootloader()
            client.format("userdata")
            with contextlib.suppress(BenchError):
                client.getvar("partition-type:metadata")
                client.erase("metadata")
        else:
            text = step.text() or Text(
                "Sur le téléphone : « Factory reset », puis confirmez.",
                "On the phone: “Factory reset”, then confirm.",
            )
            self.close()
            answer = self.ctx.ask(Prompt(text, (DONE, NO_MENU), picture=step.args.get("picture")))
            if answer == NO_MENU.key:
                raise BenchError("PHONE_RECOVERY_NOT_REACHED")
        wipe_pass_finished(self.ctx, self.wipe_id, method, time.monotonic() - begun)


def _phone_state(action: str) -> Text:
    """Where the phone most likely is when `action` stopped, in the operator's words."""
    if action.startswith("fastboot:"):
        return Text(
            "Le téléphone est resté en mode fastboot (écran du chargeur de démarrage)",
            "The phone stayed in fastboot mode (the bootloader screen)",
        )
    if action == "adb:sideload":
        return Text(
            "Le téléphone est resté sur son menu de récupération (recovery)",
            "The phone stayed on its recovery menu",
        )
    return Text("Le téléphone est peut-être en train de redémarrer", "The phone may be restarting")


class InstallStep(Step):
    """The profile's actions, in order, each recorded once done."""

    id = "install"
    title = Text("Installation du système", "System installation")
    weight = 8.0

    def __init__(
        self,
        data_folder: Path | None,
        finder: FastbootFinder | Callable[[], FastbootFinder],
        boot_timeout_s: float,
        poll_s: float,
    ) -> None:
        self.data_folder = data_folder
        self.finder = finder
        self.boot_timeout_s = boot_timeout_s
        self.poll_s = poll_s

    def run(self, ctx: StepContext) -> StepOutcome:
        plan = ctx.results["plan"].evidence
        profile, os_option = _resolve(self.data_folder, ctx)
        steps = os_option.steps_for(plan["options"])
        if [s.action for s in steps] != plan["actions"]:
            raise BenchError("INSTALL_PROFILE_CHANGED", model=profile.label)
        done = {int(r["index"]) for r in ctx.recall("install.action_done")}
        wipe_id: str | None = None
        if plan["wipe"]:
            method = next(
                (str(s.args.get("method", RECOVERY)) for s in steps if s.action == "phone:wipe"),
                RECOVERY,
            )
            if method not in METHODS:
                method = RECOVERY
            # Started once per job: a resume carries on with the same erasure.
            wipe_id = self._wipe_id(ctx) or begin_wipe(ctx, _phone(ctx), method)
        finder = self.finder if isinstance(self.finder, FastbootFinder) else self.finder()
        runner = _Runner(
            ctx,
            profile,
            os_option,
            dict(plan["images"]),
            finder,
            self.boot_timeout_s,
            self.poll_s,
            wipe_id,
            ImageLibrary(self.data_folder or default_data_dir()),
        )
        try:
            for index, step in enumerate(steps):
                if index in done:
                    continue
                ctx.progress(
                    index / len(steps),
                    step_progress(index, len(steps), step.action),
                )
                try:
                    runner.run(step)
                except BenchError as exc:
                    if exc.code.startswith(("INSTALL_", "PROFILE_", "IMAGE_")):
                        raise
                    raise BenchError(
                        "INSTALL_STOPPED",
                        number=index + 1,
                        total=len(steps),
                        action=step.action,
                        detail=exc.message,
                        state=_phone_state(step.action),
                    ) from exc
                ctx.record("install.action_done", {"index": index, "action": step.action})
        finally:
            runner.close()
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{os_option.name} {os_option.version} installé ({len(steps)} étapes).",
                f"{os_option.name} {os_option.version} installed ({len(steps)} steps).",
            ),
            {"actions": len(steps), "resumed_after": len(done)},
        )

    @staticmethod
    def _wipe_id(ctx: StepContext) -> str | None:
        started = ctx.recall("erasure.started")
        return str(started[-1]["erasure_id"]) if started else None


class InstallVerifyStep(PostWipeCheckStep):
    """The wipe's checks once the new system has started; skipped when no wipe was asked."""

    def run(self, ctx: StepContext) -> StepOutcome:
        if not ctx.results["plan"].evidence["wipe"]:
            return StepOutcome(
                StepStatus.SKIPPED,
                Text("Pas d’effacement demandé.", "No wipe asked for."),
            )
        return super().run(ctx)


class SystemCheckStep(Step):
    """The phone runs the build the package carries; then French language, free apps, and
    the installed system recorded on the device."""

    id = "system"
    title = Text("Contrôle du système installé", "Installed system check")
    weight = 1.0

    def __init__(self, data_folder: Path | None, boot_timeout_s: float, poll_s: float) -> None:
        self.data_folder = data_folder
        self.boot_timeout_s = boot_timeout_s
        self.poll_s = poll_s

    def run(self, ctx: StepContext) -> StepOutcome:
        plan = ctx.results["plan"].evidence
        phone = _phone(ctx)
        deadline = time.monotonic() + self.boot_timeout_s
        while True:
            try:
                phone.forget_connection()
                phone.connect()
                if phone.shell("getprop sys.boot_completed", timeout_s=10).strip() == "1":
                    break
            except (DeviceGone, DeviceNoAnswer, PhoneUnauthorized):
                pass
            if time.monotonic() >= deadline:
                return self._unreachable(ctx, plan)
            ctx.sleep(self.poll_s)
        props = phone.props(refresh=True)
        expected = {}
        for name, path in plan["images"].items():
            metadata = ota_metadata(Path(path))
            if metadata.get("post-build"):
                expected[name] = metadata["post-build"]
        fingerprint = props.get("ro.build.fingerprint", "")
        matches = not expected or fingerprint in expected.values()
        installed: dict[str, Any] = {
            "os": plan["os"],
            "name": plan["os_name"],
            "version": plan["os_version"],
            "profile": plan["codename"],
            "fingerprint": fingerprint,
            "android_version": props.get("ro.build.version.release", ""),
            "security_patch": props.get("ro.build.version.security_patch", ""),
            "verified": matches and bool(expected),
        }
        if not matches:
            return StepOutcome(
                StepStatus.FAILED,
                Text(
                    f"Le téléphone ne tourne pas le système envoyé ({fingerprint}). Reprenez "
                    "l’installation depuis le début.",
                    f"The phone does not run the system sent ({fingerprint}). Start the "
                    "installation again.",
                ),
                {"installed": installed, "expected": expected},
                blocking=True,
            )
        extras = self._after_install(ctx, phone)
        installed.update(extras)
        return StepOutcome(
            StepStatus.PASSED,
            Text(
                f"{plan['os_name']} {plan['os_version']} démarre (Android "
                f"{installed['android_version']}).",
                f"{plan['os_name']} {plan['os_version']} starts (Android "
                f"{installed['android_version']}).",
            ),
            {"installed": installed},
            facts=[("device.os_installed", installed)],
        )

    def _unreachable(self, ctx: StepContext, plan: dict[str, Any]) -> StepOutcome:
        """USB debugging is off after the wipe: the operator confirms the system starts."""
        answer = ctx.ask(
            Prompt(
                Text(
                    f"Le téléphone démarre-t-il sur {plan['os_name']} ?",
                    f"Does the phone start {plan['os_name']}?",
                ),
                (DONE, CANNOT),
            )
        )
        installed = {
            "os": plan["os"],
            "name": plan["os_name"],
            "version": plan["os_version"],
            "profile": plan["codename"],
            "verified": False,
            "checked_by": "operator",
        }
        ok = answer == DONE.key
        return StepOutcome(
            StepStatus.PASSED if ok else StepStatus.FAILED,
            Text("Démarrage vu par l’opérateur.", "Start seen by the operator.")
            if ok
            else Text("Le système ne démarre pas.", "The system does not start."),
            {"installed": installed},
            blocking=not ok,
            facts=[("device.os_installed", installed)] if ok else [],
        )

    def _after_install(self, ctx: StepContext, phone: AndroidPhone) -> dict[str, Any]:
        done: dict[str, Any] = {}
        if ctx.options.get("language", "fr") == "fr":
            phone.shell("settings put system system_locales fr-FR")
            done["language"] = phone.shell("settings get system system_locales").strip()
        folder = (self.data_folder or default_data_dir()) / APKS_FOLDER
        apps: list[dict[str, Any]] = []
        if ctx.options.get("apps", True) and folder.is_dir():
            for apk in sorted(folder.glob("*.apk")):
                remote = f"/data/local/tmp/{apk.name}"
                _push(phone, apk, remote)
                out = phone.shell(f"pm install -r {remote}", timeout_s=120).strip()
                phone.shell(f"rm {remote}")
                apps.append({"apk": apk.name, "ok": out.endswith("Success"), "answer": out[-200:]})
        if apps:
            done["apps"] = apps
        return done


def _push(phone: AndroidPhone, local: Path, remote: str) -> None:
    def push(device: Any) -> None:
        device.push(str(local), remote)

    phone.with_device(push)


class InstallResultStep(PhoneWipeResultStep):
    """The erasure's result when the profile wiped the phone; the system's otherwise."""

    def run(self, ctx: StepContext) -> StepOutcome:
        if ctx.results["plan"].evidence["wipe"]:
            return super().run(ctx)
        return StepOutcome(
            StepStatus.PASSED,
            Text("Système installé, sans effacement.", "System installed, without a wipe."),
        )


def phone_install(
    data_folder: Path | None = None,
    *,
    finder: FastbootFinder | Callable[[], FastbootFinder] | None = None,
    boot_timeout_s: float = 600.0,
    poll_s: float = 2.0,
) -> Pipeline:
    """The `phone.install` pipeline (see the module's docstring)."""
    chosen = finder if finder is not None else (lambda: FINDER)
    return Pipeline(
        "phone.install",
        Text("Installation d’un système", "System installation"),
        frozenset({DeviceKind.PHONE}),
        lambda: [
            PhoneIdentityStep(ask_imei=False),
            InstallPlanStep(data_folder),
            WipePrecheckStep(),
            InstallStep(data_folder, chosen, boot_timeout_s, poll_s),
            InstallVerifyStep(boot_timeout_s, poll_s),
            SystemCheckStep(data_folder, boot_timeout_s, poll_s),
            InstallResultStep(),
        ],
        stage_on_success=DeviceStage.INSTALLED,
        purpose=Purpose.INSTALLS,
        requires=AndroidPhone,
        finds_device=True,
    )
