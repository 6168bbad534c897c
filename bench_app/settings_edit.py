"""Changing one setting from text (the command line, a form of the window), checked the same
way everywhere: an unknown key or a bad value is a BenchError that says what to give.

Operators are not set here (their PINs are kept only as hashes; the window and
`Station.add_operator` add them), and what is shown never holds a PIN hash."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from bench_app.errors import BenchError
from bench_app.input_files import shown
from bench_app.operators import clean_name, find
from bench_app.settings import TEXT_SIZES, THEMES, Settings
from bench_app.text import Text

# What a workshop means by "no system": phones keep theirs.
NO_SYSTEM_WORDS = ("", "aucun", "none")
# Systems offered in the window's list (any name up to 40 characters is accepted).
KNOWN_SYSTEMS = ("/e/OS", "LineageOS")


class Refused(ValueError):
    """A value refused, with why in both languages."""

    def __init__(self, why: Text) -> None:
        super().__init__(why.en)
        self.why = why


@dataclass(frozen=True)
class Key:
    """One setting a person may change: how its text becomes a value, and an example."""

    name: str
    parse: Callable[[str], Any]
    expected: Text


def _text(most: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        text = shown(raw)
        # One line, as printed on a certificate: a newline, a tab or an escape is refused.
        if any(not c.isprintable() and c != " " for c in text):
            raise Refused(Text("caractères de contrôle", "control characters"))
        value = " ".join(text.split())
        if len(value) > most:
            raise Refused(Text(f"au plus {most} caractères", f"at most {most} characters"))
        return value

    return parse


def _whole(least: int, most: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip(), 10)
        except ValueError:
            value = None
        if value is None or not least <= value <= most:
            raise Refused(Text(f"de {least} à {most}", f"from {least} to {most}"))
        return value

    return parse


def _seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.01 <= value <= 600:
        raise Refused(Text("de 0,01 à 600 secondes", "from 0.01 to 600 seconds"))
    return value


def _language(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("fr", "en"):
        raise Refused(Text("fr ou en", "fr or en"))
    return value


def _system(raw: str) -> str:
    value = _text(40)(raw)
    return "" if value.casefold() in NO_SYSTEM_WORDS else value


def _theme(raw: str) -> str:
    value = raw.strip().lower()
    if value not in THEMES:
        raise Refused(Text("standard ou contrast", "standard or contrast"))
    return value


def _text_size(raw: str) -> int:
    value = raw.strip().rstrip("%").strip()
    if value not in {str(size) for size in TEXT_SIZES}:
        raise Refused(Text("100, 125 ou 150", "100, 125 or 150"))
    return int(value)


def _url(raw: str) -> str:
    value = _text(200)(raw)
    if value and (not value.startswith(("https://", "http://")) or " " in value):
        raise Refused(Text("une adresse https://…", "an https://… address"))
    return value


def _operator(raw: str) -> str:
    value = clean_name(raw)
    if len(value) > 60:
        raise Refused(Text("au plus 60 caractères", "at most 60 characters"))
    return value


def _yes_no(raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("oui", "yes", "true", "1"):
        return True
    if word in ("non", "no", "false", "0"):
        return False
    raise Refused(Text("oui ou non", "yes or no"))


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("organisation", _text(120), Text("« Ressourcerie du Port »", "“Port Reuse Centre”")),
        Key("organisation_address", _text(200), Text("« 3 rue des Lilas, Lyon »", "“3 Lilac St”")),
        Key("organisation_contact", _text(200), Text("« 04 72 00 00 00 »", "“04 72 00 00 00”")),
        Key("station_name", _text(60), Text("« Poste 1 »", "“Station 1”")),
        Key("language", _language, Text("fr ou en", "fr or en")),
        Key("phone_system", _system, Text("/e/OS, LineageOS ou aucun", "/e/OS, LineageOS or none")),
        Key("operator", _operator, Text("un nom de la liste", "a name from the list")),
        Key("verification_url", _url, Text("https://verif.exemple.org", "https://verify.example.org")),
        Key("warranty_months", _whole(0, 120), Text("un nombre de 0 à 120", "a number from 0 to 120")),
        Key("max_parallel_jobs", _whole(1, 64), Text("un nombre de 1 à 64", "a number from 1 to 64")),
        Key("erase_checkpoint_seconds", _seconds, Text("2 (de 0,01 à 600)", "2 (0.01 to 600)")),
        Key("beneficiary_retention_months", _whole(1, 120), Text("un nombre de mois, de 1 à 120", "a number of months, 1 to 120")),
        Key("share_beneficiary_data", _yes_no, Text("oui ou non", "yes or no")),
        Key("theme", _theme, Text("standard ou contrast", "standard or contrast")),
        Key("text_size", _text_size, Text("100, 125 ou 150 (%)", "100, 125 or 150 (%)")),
    )
}  # fmt: skip


def parse_value(key: str, raw: str) -> Any:
    """The value `raw` means for `key`; BenchError SETTINGS_KEY_UNKNOWN or
    SETTINGS_VALUE_INVALID (with an example of a good value)."""
    found = KEYS.get(key)
    if found is None:
        raise BenchError("SETTINGS_KEY_UNKNOWN", key=shown(key)[:60], keys=", ".join(KEYS))
    try:
        return found.parse(raw)
    except Refused as exc:
        raise BenchError(
            "SETTINGS_VALUE_INVALID",
            key=key,
            value=shown(raw)[:60],
            detail=exc.why,
            expected=found.expected,
        ) from exc


def with_value(settings: Settings, key: str, raw: str) -> Settings:
    """A copy of `settings` with `key` set from `raw` (the original is left as it was).
    The default operator must be on the station's list when it keeps one."""
    value = parse_value(key, raw)
    listed = settings.operator_list()
    if key == "operator" and value and listed and find(listed, value) is None:
        raise BenchError(
            "SETTINGS_VALUE_INVALID",
            key=key,
            value=shown(raw)[:60],
            detail=Text("pas sur la liste du poste", "not on the station's list"),
            expected=Text(", ".join(o.name for o in listed), ", ".join(o.name for o in listed)),
        )
    return replace(settings, **{key: value})


def shown_settings(settings: Settings) -> dict[str, Any]:
    """Every setting as it may be shown: operators by name, with whether they have a PIN,
    never the PIN's hash."""
    out: dict[str, Any] = {}
    for f in fields(settings):
        if f.name == "operators":
            out["operators"] = [
                {"name": o.name, "pin": o.has_pin, "role": o.role} for o in settings.operator_list()
            ]
        else:
            out[f.name] = getattr(settings, f.name)
    return out
