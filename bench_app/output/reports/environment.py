"""The environmental benefit of a lot: CO2e and raw material avoided because its devices
were put back in use instead of new ones being made.

The factors and their sources live in an editable file (assets/reports/environment.toml; a
workshop's copy `environment-factors.toml` in its data folder takes precedence), checked on
load: a wrong value stops with an error naming the file and the key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.input_files import CONFIG_MAX, parse_toml, read_input_text
from bench_app.output.formatting import number_text, percent_text
from bench_app.settings import assets_dir
from bench_app.text import Text

FACTORS_NAME = "environment-factors.toml"

# Outcomes that put the device back in someone's hands: one new device not made.
REUSED_OUTCOMES = frozenset(
    {
        OutcomeKind.REUSE,
        OutcomeKind.DONATION,
        OutcomeKind.LOAN,
        OutcomeKind.RENTAL,
        OutcomeKind.SALE,
    }
)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: str
    year: int
    url: str

    def citation(self) -> str:
        return f"{self.publisher}, « {self.title} », {self.year}, {self.url}"


@dataclass(frozen=True)
class KindFactor:
    kind: DeviceKind
    co2e_kg: float
    material_kg: float
    per_year: bool  # False: once per device
    source: Source
    basis: Text


@dataclass(frozen=True)
class EnvironmentFactors:
    kinds: dict[DeviceKind, KindFactor]
    years_of_use: float
    spare_parts_share: float
    recycling_share: float
    path: Path

    def weight(self, outcome: OutcomeKind | None) -> float:
        """How much of a device's factors an outcome earns (1 for reuse)."""
        if outcome in REUSED_OUTCOMES:
            return 1.0
        if outcome is OutcomeKind.SPARE_PARTS:
            return self.spare_parts_share
        if outcome is OutcomeKind.RECYCLING:
            return self.recycling_share
        return 0.0

    def per_device(self, kind: DeviceKind) -> tuple[float, float]:
        """CO2e and material (kg) one reused device of this kind avoids."""
        f = self.kinds[kind]
        times = self.years_of_use if f.per_year else 1.0
        return f.co2e_kg * times, f.material_kg * times

    def sources(self) -> list[Source]:
        return list({f.source.key: f.source for f in self.kinds.values()}.values())

    def rule(self) -> Text:
        """The counting rule, as printed on the report."""
        years, years_en = number_text(self.years_of_use, "fr"), number_text(self.years_of_use, "en")
        return Text(
            "Un appareil remis en usage (réemploi par l’atelier, don, prêt, location, vente) "
            f"compte comme un appareil neuf non fabriqué : facteurs de son type, × {years} an(s) "
            "d’usage pour les facteurs donnés par année. Pièces détachées : "
            f"{percent_text(self.spare_parts_share)} ; recyclage : "
            f"{percent_text(self.recycling_share)} ; sans issue : rien.",
            "A device put back in use (reuse by the workshop, donation, loan, rental, sale) "
            f"counts as one new device not made: its kind's factors, × {years_en} year(s) of use "
            "for factors given per year. Spare parts: "
            f"{percent_text(self.spare_parts_share)}; recycling: "
            f"{percent_text(self.recycling_share)}; no outcome yet: nothing.",
        )


@dataclass(frozen=True)
class Benefit:
    co2e_kg: float
    material_kg: float
    counted_devices: float  # reused devices, plus the share earned by the others


def benefit(
    factors: EnvironmentFactors, devices: Iterable[tuple[DeviceKind, OutcomeKind | None]]
) -> Benefit:
    """Sums the benefit of (kind, latest outcome) pairs under the factors' rule."""
    co2e = material = counted = 0.0
    for kind, outcome in devices:
        w = factors.weight(outcome)
        if w:
            c, m = factors.per_device(kind)
            co2e += w * c
            material += w * m
            counted += w
    return Benefit(round(co2e, 1), round(material, 1), counted)


def default_factors_path() -> Path:
    return assets_dir() / "reports" / "environment.toml"


def load_factors(data_folder: Path | None = None) -> EnvironmentFactors:
    """The workshop's factors when it has a copy, else the shipped ones; BenchError
    ENVIRONMENT_FACTORS_INVALID naming the file and the key when a value is wrong."""
    custom = data_folder / FACTORS_NAME if data_folder else None
    path = custom if custom is not None and custom.exists() else default_factors_path()
    try:
        raw = parse_toml(read_input_text(path, limit=CONFIG_MAX))
    except (OSError, ValueError) as exc:  # TOMLDecodeError and UnicodeDecodeError too
        raise BenchError(
            "ENVIRONMENT_FACTORS_INVALID", path=str(path), key="-", detail=str(exc)
        ) from exc
    return _parse(raw, path)


class _Bad(Exception):
    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key
        self.detail = detail


def _parse(raw: dict[str, Any], path: Path) -> EnvironmentFactors:
    try:
        rule = _table(raw, "rule")
        years = _positive(rule, "rule.years_of_use", allow_zero=False)
        if years > 20:
            raise _Bad("rule.years_of_use", "must be at most 20")
        spare = _share(rule, "rule.spare_parts_share")
        recycling = _share(rule, "rule.recycling_share")
        sources: dict[str, Source] = {}
        for key, value in _table(raw, "sources").items():
            where = f"sources.{key}"
            if not isinstance(value, dict):
                raise _Bad(where, "must be a table")
            url = _text(value, f"{where}.url")
            if not url.startswith(("https://", "http://")):
                raise _Bad(f"{where}.url", "must start with https:// or http://")
            year = value.get("year")
            if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
                raise _Bad(f"{where}.year", "must be a year such as 2022")
            sources[key] = Source(
                key, _text(value, f"{where}.title"), _text(value, f"{where}.publisher"), year, url
            )
        table = _table(raw, "kinds")
        kinds: dict[DeviceKind, KindFactor] = {}
        for kind in DeviceKind:
            where = f"kinds.{kind.value}"
            entry = table.get(kind.value)
            if not isinstance(entry, dict):
                raise _Bad(where, "is missing: every kind of device needs its factors")
            per = entry.get("per")
            if per not in ("year", "device"):
                raise _Bad(f"{where}.per", 'must be "year" or "device"')
            source_key = _text(entry, f"{where}.source")
            if source_key not in sources:
                raise _Bad(f"{where}.source", f"names no entry of [sources]: {source_key!r}")
            kinds[kind] = KindFactor(
                kind,
                _positive(entry, f"{where}.co2e_kg"),
                _positive(entry, f"{where}.material_kg"),
                per == "year",
                sources[source_key],
                Text(_text(entry, f"{where}.basis_fr"), _text(entry, f"{where}.basis_en")),
            )
        unknown = sorted(set(table) - {k.value for k in DeviceKind})
        if unknown:
            raise _Bad(f"kinds.{unknown[0]}", "is not a kind of device Établi knows")
    except _Bad as bad:
        raise BenchError(
            "ENVIRONMENT_FACTORS_INVALID", path=str(path), key=bad.key, detail=bad.detail
        ) from None
    return EnvironmentFactors(kinds, years, spare, recycling, path)


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise _Bad(key, "the table is missing")
    return value


def _leaf(where: str) -> str:
    return where.rsplit(".", 1)[-1]


def _text(table: dict[str, Any], where: str) -> str:
    value = table.get(_leaf(where))
    if not isinstance(value, str) or not value.strip():
        raise _Bad(where, "must be a non-empty text")
    return value.strip()


def _positive(table: dict[str, Any], where: str, *, allow_zero: bool = True) -> float:
    value = table.get(_leaf(where))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(where, "must be a number")
    if value < 0 or (value == 0 and not allow_zero) or value > 100_000:
        raise _Bad(where, "must be a positive number of a sensible size")
    return float(value)


def _share(table: dict[str, Any], where: str) -> float:
    value = _positive(table, where)
    if value > 1:
        raise _Bad(where, "must be between 0 and 1 (a share)")
    return value
