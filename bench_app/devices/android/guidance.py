"""What to tell the operator when a phone is plugged in but not usable yet: one step at a
time, with a picture, in the words of that brand's settings menus."""

from __future__ import annotations

from dataclasses import dataclass

from bench_app.text import Text


@dataclass(frozen=True)
class GuideStep:
    text: Text
    picture: str


_STOCK = Text(
    "Paramètres > À propos du téléphone : touchez 7 fois « Numéro de build ».",
    "On the phone: Settings > About phone. Tap “Build number” 7 times.",
)
_ABOUT_BY_BRAND: dict[str, Text] = {
    "samsung": Text(
        "Informations sur le logiciel : touchez 7 fois « Numéro de version ».",
        "Software information: tap “Build number” 7 times.",
    ),
    "xiaomi": Text(
        "À propos du téléphone : touchez 7 fois « Version MIUI » (ou « HyperOS »).",
        "About phone: tap “MIUI version” (or “HyperOS”) 7 times.",
    ),
    "huawei": Text(
        "Paramètres > À propos du téléphone : touchez 7 fois « Numéro de build ».",
        "On the phone: Settings > About phone. Tap “Build number” 7 times.",
    ),
    "oneplus": Text(
        "À propos de l’appareil > Version : touchez 7 fois « Numéro de build ».",
        "On the phone: Settings > About device > Version. Tap “Build number” 7 times.",
    ),
}
_SAMSUNG_ABOUT = Text(
    "Sur le téléphone : Paramètres > À propos du téléphone.",
    "On the phone: Settings > About phone.",
)
_ALIASES = {
    "redmi": "xiaomi",
    "poco": "xiaomi",
    "honor": "huawei",
    "oppo": "oneplus",
    "realme": "oneplus",
}

_ENABLE = Text(
    "Revenez à Paramètres > Système > Options pour les développeurs, et activez « Débogage USB ».",
    "Go back to Settings > System > Developer options and turn on “USB debugging”.",
)
_XIAOMI_EXTRA = Text(
    "Dans les mêmes options, activez aussi « Débogage USB (paramètres de sécurité) ».",
    "In the same options, also turn on “USB debugging (Security settings)”.",
)
_REPLUG = Text(
    "Débranchez et rebranchez le câble. Le téléphone demandera d’autoriser ce poste.",
    "Replug the cable. The phone will ask to allow this station.",
)


def enable_debugging(brand: str) -> list[GuideStep]:
    """How to turn on USB debugging on a phone of this brand (unknown brand: stock Android)."""
    key = brand.strip().lower()
    key = _ALIASES.get(key, key)
    steps = [GuideStep(_SAMSUNG_ABOUT, "debug_about.svg")] if key == "samsung" else []
    steps += [
        GuideStep(_ABOUT_BY_BRAND.get(key, _STOCK), "debug_about.svg"),
        GuideStep(_ENABLE, "debug_toggle.svg"),
    ]
    if key == "xiaomi":
        steps.append(GuideStep(_XIAOMI_EXTRA, "debug_toggle.svg"))
    steps.append(GuideStep(_REPLUG, "replug.svg"))
    return steps


ACCEPT_KEY = GuideStep(
    Text(
        "Regardez l’écran du téléphone : cochez « Toujours autoriser » puis touchez « Autoriser ».",
        "Look at the phone's screen: tick “Always allow” then tap “Allow”.",
    ),
    "usb_allow.svg",
)

CONNECTING = GuideStep(
    Text("Connexion au téléphone…", "Connecting to the phone…"),
    "replug.svg",
)


def guide_for(state: str, brand: str = "") -> list[GuideStep]:
    """The steps for a phone in `state` (a PhoneState value)."""
    if state == "no_debugging":
        return enable_debugging(brand)
    if state == "unauthorized":
        return [ACCEPT_KEY]
    return [CONNECTING]
