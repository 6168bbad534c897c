"""The pictures installation steps show (assets/steps/), and what each one depicts.

Profiles name a picture in `operator:action` and guided `phone:wipe` steps; the loader
refuses a picture that is not in assets/steps/. This catalogue is the list a profile author
picks from (`etabli profiles pictures`); a test checks every shipped profile uses it."""

from __future__ import annotations

from pathlib import Path

from bench_app.settings import assets_dir
from bench_app.text import Text

INSTALL_PICTURES: dict[str, Text] = {
    "keys-volume-down-power.svg": Text(
        "Téléphone éteint : maintenir Volume bas et Marche.",
        "Phone off: hold Volume Down and Power.",
    ),
    "keys-volume-up-power.svg": Text(
        "Téléphone éteint : maintenir Volume haut et Marche.",
        "Phone off: hold Volume Up and Power.",
    ),
    "keys-both-volumes-power.svg": Text(
        "Téléphone éteint : maintenir Volume haut, Volume bas et Marche.",
        "Phone off: hold Volume Up, Volume Down and Power.",
    ),
    "fastboot-menu-recovery.svg": Text(
        "Menu du bootloader : choisir « Recovery mode » avec les touches de volume, "
        "valider avec Marche.",
        "Bootloader menu: pick “Recovery mode” with the volume keys, confirm with Power.",
    ),
    "unlock-confirm.svg": Text(
        "Le téléphone demande de confirmer le déverrouillage : volume pour choisir, "
        "Marche pour valider.",
        "The phone asks to confirm the unlock: volume to choose, Power to confirm.",
    ),
    "oem-unlocking.svg": Text(
        "Options pour les développeurs : activer « Déverrouillage OEM ».",
        "Developer options: turn on “OEM unlocking”.",
    ),
    "recovery-format-data.svg": Text(
        "Recovery : « Factory reset » puis « Format data / factory reset ».",
        "Recovery: “Factory reset”, then “Format data / factory reset”.",
    ),
    "recovery-sideload.svg": Text(
        "Recovery : « Apply update » puis « Apply from ADB ».",
        "Recovery: “Apply update”, then “Apply from ADB”.",
    ),
}


def picture_path(name: str) -> Path:
    """Where a step picture lives (it may not exist: check with `.is_file()`)."""
    return assets_dir() / "steps" / name
