"""`etabli settings [show] [--json]` and `etabli settings set KEY VALUE`: the station's
settings read and changed from the command line, checked as the window checks them.
Operators show by name, whether they have a PIN and their role (supervisor, trainer); a
PIN's hash is never printed."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]

# How each setting is named for people, in the plain listing.
LABELS = {
    "organisation": Text("Atelier", "Workshop"),
    "organisation_address": Text("Adresse", "Address"),
    "organisation_contact": Text("Contact", "Contact"),
    "station_name": Text("Nom du poste", "Station name"),
    "language": Text("Langue", "Language"),
    "phone_system": Text("Système des téléphones", "Phones' system"),
    "operator": Text("Opérateur par défaut", "Default operator"),
    "operators": Text("Opérateurs", "Operators"),
    "verification_url": Text("Adresse de vérification", "Verification address"),
    "warranty_months": Text("Garantie (mois)", "Warranty (months)"),
    "max_parallel_jobs": Text("Tâches en parallèle", "Jobs in parallel"),
    "erase_checkpoint_seconds": Text("Point de reprise (s)", "Checkpoint (s)"),
    "beneficiary_retention_months": Text(
        "Conservation des données des bénéficiaires (mois)", "Beneficiaries' data kept (months)"
    ),
    "share_beneficiary_data": Text(
        "Noms des bénéficiaires dans l’export d’activité",
        "Beneficiaries' names in the activity export",
    ),
    "theme": Text("Contraste de la fenêtre", "Window contrast"),
    "text_size": Text("Taille du texte (%)", "Text size (%)"),
}
YES_NO = (Text("non", "no"), Text("oui", "yes"))
NONE = Text("(vide)", "(empty)")
NO_SYSTEM = Text("aucun", "none")
WITH_PIN = Text("avec PIN", "with PIN")
ROLE_NAMES = {
    "supervisor": Text("responsable", "supervisor"),
    "trainer": Text("formateur", "trainer"),
}


def add_settings_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "settings",
        help=say(Text("montre ou change les réglages du poste", "show or change the settings")),
    )
    common(p, top=False)
    p.add_argument("--json", action="store_true", help=say(Text("en JSON", "as JSON")))
    actions = p.add_subparsers(dest="settings_command")
    show = actions.add_parser(
        "show", help=say(Text("montre tous les réglages (par défaut)", "show every setting"))
    )
    common(show, top=False)
    show.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help=say(Text("en JSON", "as JSON")),
    )
    change = actions.add_parser(
        "set", help=say(Text("change un réglage, vérifié d’abord", "change one setting, checked"))
    )
    common(change, top=False)
    change.add_argument("key", metavar="KEY", help=say(Text("le réglage", "the setting")))
    change.add_argument("value", metavar="VALUE", help=say(Text("sa valeur", "its value")))
    change.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help=say(Text("en JSON", "as JSON")),
    )


def run_settings(folder: Path, args: argparse.Namespace, lang: str) -> int:
    """Shows the settings, or sets one (exit 2 with what to give when refused)."""
    from bench_app.settings import Settings
    from bench_app.settings_edit import shown_settings, with_value

    settings = Settings.load(folder)  # SETTINGS_INVALID when the file is damaged
    if args.settings_command == "set":
        changed = with_value(settings, args.key, args.value)
        changed.save(folder)
        value = shown_settings(changed)[args.key]
        if args.json:
            print(json.dumps({args.key: value}, ensure_ascii=False))
        else:
            print(f"{LABELS[args.key].get(lang)}{_colon(lang)}{_plain(args.key, value, lang)}")
        return 0
    shown = shown_settings(settings)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0
    for key, value in shown.items():
        label = LABELS.get(key, Text(key, key)).get(lang)
        print(f"{label} ({key}){_colon(lang)}{_plain(key, value, lang)}")
    return 0


def _colon(lang: str) -> str:
    return ": " if lang == "en" else " : "


def _plain(key: str, value: Any, lang: str) -> str:
    if key == "operators":
        names = []
        for o in value:
            notes = [WITH_PIN.get(lang)] if o["pin"] else []
            if o.get("role") in ROLE_NAMES:
                notes.append(ROLE_NAMES[o["role"]].get(lang))
            names.append(o["name"] + (f" ({', '.join(notes)})" if notes else ""))
        return ", ".join(names) or NONE.get(lang)
    if key == "phone_system" and not value:
        return NO_SYSTEM.get(lang)
    if isinstance(value, bool):
        return YES_NO[value].get(lang)
    return str(value) if value != "" else NONE.get(lang)
