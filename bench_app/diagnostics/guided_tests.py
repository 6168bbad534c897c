"""The guided manual tests a phone needs before it can be called "reconditionné" (décret
2022-190: every function tested). Each is one short sentence, a picture and big answer
buttons; where the station can help over ADB (open the camera, show touches, vibrate,
open the right settings screen) it does, and puts the phone back as it was afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench_app.devices.source import DeviceGone, DeviceNoAnswer
from bench_app.domain.model import StepStatus
from bench_app.jobs.prompt import NOT_OK, NOT_PRESENT, OK, Choice, Prompt
from bench_app.jobs.steps import Step, StepContext, StepKind, StepOutcome
from bench_app.text import Text


@dataclass(frozen=True)
class GuidedTest:
    id: str
    title: Text
    question: Text
    picture: str
    optional: bool = False  # the phone may not have it: "not on this model" is offered
    feature: str | None = None  # when `pm list features` lacks it, it is not on this model
    assist: tuple[str, ...] = ()  # shell commands that help, tried in order until one works
    restore: tuple[str, ...] = ()  # shell commands that undo the help afterwards


def T(fr: str, en: str) -> Text:
    return Text(fr, en)


_CAMERA = "am start -W -a android.media.action.STILL_IMAGE_CAMERA"

GUIDED_TESTS: tuple[GuidedTest, ...] = (
    GuidedTest(
        "screen",
        T("Écran", "Screen"),
        T(
            "Regardez l’écran allumé. Est-il sans tache, sans fissure et sans point noir ?",
            "Look at the lit screen. No stains, cracks or dead pixels?",
        ),
        "screen.svg",
        assist=("settings put system screen_brightness 255",),
    ),
    GuidedTest(
        "touch",
        T("Tactile", "Touch"),
        T(
            "Passez le doigt partout sur l’écran. La trace suit-elle, sans trou ?",
            "Slide a finger all over the screen. Does the trail follow?",
        ),
        "touch.svg",
        assist=("settings put system pointer_location 1",),
        restore=("settings put system pointer_location 0",),
    ),
    GuidedTest(
        "multitouch",
        T("Plusieurs doigts", "Multi-touch"),
        T(
            "Posez deux doigts et écartez-les. Voyez-vous deux traces ?",
            "Put two fingers down and spread them. Do you see two trails?",
        ),
        "multitouch.svg",
        assist=("settings put system pointer_location 1",),
        restore=("settings put system pointer_location 0",),
    ),
    GuidedTest(
        "buttons",
        T("Boutons", "Buttons"),
        T(
            "Appuyez sur chaque bouton (volume +, volume −, marche). Répondent-ils tous ?",
            "Press each button (volume +, volume −, power). Do they all respond?",
        ),
        "buttons.svg",
    ),
    GuidedTest(
        "loudspeaker",
        T("Haut-parleur", "Loudspeaker"),
        T(
            "Le téléphone va sonner. Entendez-vous le son, clair et sans grésillement ?",
            "The phone will ring. Is the sound clear, no crackle?",
        ),
        "speaker.svg",
        assist=(
            "media volume --stream 3 --set 11",
            "am start -W -a android.intent.action.VIEW -d file:///system/media/audio/ringtones/Ring_Synth_04.ogg -t audio/ogg",
        ),
    ),
    GuidedTest(
        "earpiece",
        T("Écouteur", "Earpiece"),
        T(
            "Appelez un numéro d’essai et écoutez en haut du téléphone. Entendez-vous bien ?",
            "Call a test number, listen at the top. Clear?",
        ),
        "earpiece.svg",
        feature="android.hardware.telephony",
    ),
    GuidedTest(
        "microphone",
        T("Micro", "Microphone"),
        T(
            "Enregistrez votre voix, puis réécoutez. Est-elle claire ?",
            "Record your voice, then play it back. Is it clear?",
        ),
        "microphone.svg",
        assist=("am start -W -a android.provider.MediaStore.RECORD_SOUND",),
    ),
    GuidedTest(
        "camera_back",
        T("Appareil photo arrière", "Back camera"),
        T(
            "L’appareil photo s’ouvre. Prenez une photo : est-elle nette ?",
            "The camera opens. Take a photo: is it sharp?",
        ),
        "camera_back.svg",
        feature="android.hardware.camera",
        assist=(_CAMERA,),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "camera_front",
        T("Caméra avant", "Front camera"),
        T(
            "Passez sur la caméra avant (selfie). L’image est-elle nette ?",
            "Switch to the front (selfie) camera. Is the picture sharp?",
        ),
        "camera_front.svg",
        feature="android.hardware.camera.front",
        assist=(_CAMERA + " --ei android.intent.extras.CAMERA_FACING 1",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "flash",
        T("Flash et lampe", "Flash and torch"),
        T(
            "Allumez la lampe depuis le menu rapide (glissez du haut). S’allume-t-elle ?",
            "Swipe down, turn on the torch. Does it light up?",
        ),
        "flash.svg",
        optional=True,
        feature="android.hardware.camera.flash",
    ),
    GuidedTest(
        "vibration",
        T("Vibreur", "Vibration"),
        T(
            "Le téléphone va vibrer. Le sentez-vous vibrer ?",
            "The phone will vibrate. Do you feel it vibrate?",
        ),
        "vibration.svg",
        assist=(
            "cmd vibrator_manager synced -f oneshot 1500",
            "cmd vibrator vibrate -f 1500 etabli",
        ),
    ),
    GuidedTest(
        "charging_port",
        T("Prise de charge", "Charging port"),
        T(
            "Branchez un chargeur. La charge démarre-t-elle, même en bougeant doucement le câble ?",
            "Plug in a charger. Does it charge, even moving the cable?",
        ),
        "charging.svg",
    ),
    GuidedTest(
        "headphone_jack",
        T("Prise casque", "Headphone jack"),
        T(
            "Branchez un casque et écoutez de la musique. Entendez-vous des deux côtés ?",
            "Plug in headphones, play music. Both sides heard?",
        ),
        "headphones.svg",
        optional=True,
    ),
    GuidedTest(
        "wifi",
        T("Wi-Fi", "Wi-Fi"),
        T(
            "Les réglages Wi-Fi s’ouvrent. Voyez-vous des réseaux dans la liste ?",
            "The Wi-Fi settings open. Do you see networks in the list?",
        ),
        "wifi.svg",
        feature="android.hardware.wifi",
        assist=("am start -W -a android.settings.WIFI_SETTINGS",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "bluetooth",
        T("Bluetooth", "Bluetooth"),
        T(
            "Les réglages Bluetooth s’ouvrent. Le téléphone trouve-t-il des appareils ?",
            "The Bluetooth settings open. Does the phone find devices?",
        ),
        "bluetooth.svg",
        feature="android.hardware.bluetooth",
        assist=("am start -W -a android.settings.BLUETOOTH_SETTINGS",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "gps",
        T("Localisation", "Location"),
        T(
            "Ouvrez une carte près d’une fenêtre. Le téléphone trouve-t-il sa position ?",
            "Open a map near a window. Does it find you?",
        ),
        "gps.svg",
        optional=True,
        feature="android.hardware.location.gps",
        assist=("am start -W -a android.settings.LOCATION_SOURCE_SETTINGS",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "nfc",
        T("NFC (sans contact)", "NFC (contactless)"),
        T(
            "Posez une carte sans contact au dos du téléphone. Le téléphone réagit-il ?",
            "Hold a contactless card to the back. Does the phone react?",
        ),
        "nfc.svg",
        optional=True,
        feature="android.hardware.nfc",
        assist=("am start -W -a android.settings.NFC_SETTINGS",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
    GuidedTest(
        "fingerprint",
        T("Lecteur d’empreinte", "Fingerprint reader"),
        T(
            "Enregistrez une empreinte dans les réglages de sécurité. Est-elle reconnue ?",
            "Enrol a fingerprint in the security settings. Is it recognised?",
        ),
        "fingerprint.svg",
        optional=True,
        feature="android.hardware.fingerprint",
        assist=("am start -W -a android.settings.SECURITY_SETTINGS",),
        restore=("input keyevent KEYCODE_HOME",),
    ),
)


class GuidedTestStep(Step):
    kind = StepKind.MANUAL

    def __init__(self, test: GuidedTest) -> None:
        self.test = test
        self.id = test.id
        self.title = test.title

    def run(self, ctx: StepContext) -> StepOutcome:
        test = self.test
        evidence: dict[str, Any] = {"question": test.question.to_json()}
        hardware = ctx.results.get("hardware")
        # No list (a phone in trade-in mode could not give it): every test is asked.
        listed = hardware.evidence.get("features") if hardware else None
        features = set(listed) if listed is not None else None
        if test.feature and features is not None and test.feature not in features:
            evidence["missing_feature"] = test.feature
            return StepOutcome(
                StepStatus.NOT_PRESENT,
                Text(
                    "Absent sur ce modèle (d’après le téléphone).",
                    "Not on this model (as the phone reports).",
                ),
                evidence,
            )
        evidence["assist"] = self._help(ctx, test.assist)
        try:
            choices = (OK, NOT_OK, NOT_PRESENT) if test.optional else (OK, NOT_OK)
            answer = ctx.ask(Prompt(test.question, choices, picture=test.picture))
        finally:
            if test.restore:
                evidence["restore"] = self._help(ctx, test.restore, all_of=True)
        evidence["answer"] = answer
        status = {
            "ok": StepStatus.PASSED,
            "not_ok": StepStatus.FAILED,
            "not_present": StepStatus.NOT_PRESENT,
        }[answer]
        summary = {
            "ok": Text("Testé : fonctionne.", "Tested: works."),
            "not_ok": Text("Testé : ne fonctionne pas.", "Tested: does not work."),
            "not_present": Text("Absent sur ce modèle.", "Not on this model."),
        }[answer]
        return StepOutcome(status, summary, evidence)

    @staticmethod
    def _help(
        ctx: StepContext, commands: tuple[str, ...], all_of: bool = False
    ) -> list[dict[str, str]]:
        """Runs helper commands on the phone; a refusal is noted, never fatal."""
        shell = getattr(ctx.device, "shell", None)
        done: list[dict[str, str]] = []
        if shell is None:
            return done
        for command in commands:
            try:
                output = str(shell(command, timeout_s=8)).strip()
            except DeviceGone:
                raise
            except DeviceNoAnswer as exc:
                done.append({"command": command, "error": str(exc)})
                continue
            failed = any(
                w in output.lower() for w in ("error", "exception", "not found", "unknown")
            )
            done.append({"command": command, "output": output[:500]})
            if not failed and not all_of:
                break
        return done


COSMETIC_CHOICES = (
    ("like_new", Text("Comme neuf", "Like new")),
    ("very_good", Text("Très bon état", "Very good")),
    ("good", Text("Bon état", "Good")),
    ("visible_marks", Text("Marques visibles", "Visible marks")),
    ("damaged", Text("Abîmé", "Damaged")),
)


class CosmeticStep(Step):
    """The operator's look at the outside, turned into a 0–9 cosmetic grade."""

    id = "cosmetic"
    title = Text("Aspect extérieur", "Outside look")
    kind = StepKind.MANUAL

    def run(self, ctx: StepContext) -> StepOutcome:
        from bench_app.grading.policy import GradingPolicy

        policy = GradingPolicy.load(None)
        scale = policy.cosmetic_scale
        answer = ctx.ask(
            Prompt(
                Text(
                    "Sous une bonne lumière : écran éteint, dos, bords. Quel état ?",
                    "Under good light: screen off, back, edges. What state?",
                ),
                tuple(Choice(key, label) for key, label in COSMETIC_CHOICES),
                picture="cosmetic_grade.svg",
            )
        )
        label = dict(COSMETIC_CHOICES)[answer]
        cosmetic = scale.get(answer, 0)
        return StepOutcome(
            StepStatus.PASSED,
            Text(f"{label.fr} ({cosmetic}/9).", f"{label.en} ({cosmetic}/9)."),
            {"answer": answer, "cosmetic": cosmetic},
        )


# An iPhone's tests: nothing can be started on it from the cable, so each question says
# where to go; Face ID or Touch ID, the switch and the parts screen are its own.
IPHONE_GUIDED_TESTS: tuple[GuidedTest, ...] = (
    GuidedTest(
        "screen",
        T("Écran", "Screen"),
        T(
            "Luminosité au maximum. L’écran est-il sans tache, fissure ni point noir ?",
            "Brightness up. No stains, cracks or dead pixels on the screen?",
        ),
        "screen.svg",
    ),
    GuidedTest(
        "touch",
        T("Tactile", "Touch"),
        T(
            "Déplacez une icône partout sur l’écran. Suit-elle le doigt sans sauter ?",
            "Drag an icon all over the screen. Does it follow smoothly?",
        ),
        "touch.svg",
    ),
    GuidedTest(
        "buttons",
        T("Boutons", "Buttons"),
        T(
            "Volume +, volume −, bouton latéral, interrupteur silence : répondent-ils tous ?",
            "Volume up, volume down, side button, silent switch: all respond?",
        ),
        "buttons.svg",
    ),
    GuidedTest(
        "biometrics",
        T("Face ID ou Touch ID", "Face ID or Touch ID"),
        T(
            "Réglages > Face ID (ou Touch ID) : enregistrez-vous. Êtes-vous reconnu ?",
            "Settings > Face ID (or Touch ID): enrol yourself. Recognised?",
        ),
        "fingerprint.svg",
    ),
    GuidedTest(
        "loudspeaker",
        T("Haut-parleur", "Loudspeaker"),
        T(
            "Réglages > Sons : touchez une sonnerie. Le son est-il clair ?",
            "Settings > Sounds: tap a ringtone. Is the sound clear?",
        ),
        "speaker.svg",
    ),
    GuidedTest(
        "earpiece",
        T("Écouteur", "Earpiece"),
        T(
            "Appelez un numéro d’essai et écoutez en haut du téléphone. Entendez-vous bien ?",
            "Call a test number, listen at the top. Clear?",
        ),
        "earpiece.svg",
    ),
    GuidedTest(
        "microphone",
        T("Micro", "Microphone"),
        T(
            "Dictaphone : enregistrez votre voix, puis réécoutez. Est-elle claire ?",
            "Voice Memos: record your voice, play it back. Clear?",
        ),
        "microphone.svg",
    ),
    GuidedTest(
        "camera_back",
        T("Appareils photo arrière", "Back cameras"),
        T(
            "Appareil photo : une photo avec chaque objectif arrière. Sont-elles nettes ?",
            "Camera: one photo with each back lens. Are they sharp?",
        ),
        "camera_back.svg",
    ),
    GuidedTest(
        "camera_front",
        T("Caméra avant", "Front camera"),
        T(
            "Passez sur la caméra avant (selfie). L’image est-elle nette ?",
            "Switch to the front (selfie) camera. Is the picture sharp?",
        ),
        "camera_front.svg",
    ),
    GuidedTest(
        "flash",
        T("Flash et lampe", "Flash and torch"),
        T(
            "Centre de contrôle (glissez du coin) : la lampe s’allume-t-elle ?",
            "Control Centre (swipe from the corner): does the torch light?",
        ),
        "flash.svg",
    ),
    GuidedTest(
        "vibration",
        T("Vibreur", "Vibration"),
        T(
            "Basculez l’interrupteur silence. Le téléphone vibre-t-il ?",
            "Flip the silent switch. Does the phone vibrate?",
        ),
        "vibration.svg",
    ),
    GuidedTest(
        "charging_port",
        T("Prise de charge", "Charging port"),
        T(
            "Branchez un chargeur. La charge démarre-t-elle, même en bougeant doucement le câble ?",
            "Plug in a charger. Does it charge, even moving the cable?",
        ),
        "charging.svg",
    ),
    GuidedTest(
        "wifi",
        T("Wi-Fi", "Wi-Fi"),
        T(
            "Réglages > Wi-Fi. Voyez-vous des réseaux dans la liste ?",
            "Settings > Wi-Fi. Do you see networks in the list?",
        ),
        "wifi.svg",
    ),
    GuidedTest(
        "bluetooth",
        T("Bluetooth", "Bluetooth"),
        T(
            "Réglages > Bluetooth. Le téléphone trouve-t-il des appareils ?",
            "Settings > Bluetooth. Does the phone find devices?",
        ),
        "bluetooth.svg",
    ),
    GuidedTest(
        "gps",
        T("Localisation", "Location"),
        T(
            "Ouvrez Plans près d’une fenêtre. Le téléphone trouve-t-il sa position ?",
            "Open Maps near a window. Does it find you?",
        ),
        "gps.svg",
        optional=True,
    ),
    GuidedTest(
        "parts",
        T("Pièces d’origine", "Genuine parts"),
        T(
            "Réglages > Général > Informations : aucune « Pièce inconnue » affichée ?",
            "Settings > General > About: no “Unknown Part” shown there?",
        ),
        "screen.svg",
        optional=True,  # the screen exists from iOS 15.2 on: older phones do not have it
    ),
)
