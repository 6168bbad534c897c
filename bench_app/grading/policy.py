"""The grading policy: which failures weigh how much, and how grades map to the workshop's
scale. A default ships in assets/grading/policy.toml; a workshop's copy in its data folder
(grading-policy.toml) takes precedence."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.input_files import CONFIG_MAX, parse_toml, read_input_text
from bench_app.settings import assets_dir

POLICY_NAME = "grading-policy.toml"
FUNCTIONAL_GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class WorkshopRule:
    functional: str
    cosmetic_min: int
    grade: str


@dataclass(frozen=True)
class GradingPolicy:
    essential: frozenset[str]
    important: frozenset[str]
    cosmetic_scale: dict[str, int]
    workshop: tuple[WorkshopRule, ...]
    spare_parts_min_working: int
    source: Path

    @classmethod
    def load(cls, data_folder: Path | None = None) -> GradingPolicy:
        """The workshop's policy when it has one, else the default."""
        custom = data_folder / POLICY_NAME if data_folder else None
        path = custom if custom is not None and custom.exists() else default_policy_path()
        try:
            raw = parse_toml(read_input_text(path, limit=CONFIG_MAX))
            return cls._from_toml(raw, path)
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BenchError("SETTINGS_INVALID", path=str(path), detail=_explain(exc)) from exc

    @classmethod
    def _from_toml(cls, raw: dict[str, Any], path: Path) -> GradingPolicy:
        functional = raw["functional"]
        essential = frozenset(_strings(functional["essential"], "functional.essential"))
        important = frozenset(_strings(functional["important"], "functional.important"))
        scale = raw["cosmetic"]
        cosmetic = {str(k): int(v) for k, v in scale.items()}
        for name, value in cosmetic.items():
            if not 0 <= value <= 9:
                raise ValueError(f"cosmetic.{name} must be from 0 to 9, not {value}")
        rules = []
        for i, rule in enumerate(raw["workshop"]):
            functional_grade = str(rule["functional"])
            if functional_grade not in FUNCTIONAL_GRADES:
                raise ValueError(f"workshop rule {i + 1}: functional must be A, B, C or D")
            rules.append(
                WorkshopRule(functional_grade, int(rule["cosmetic_min"]), str(rule["grade"]))
            )
        spare = int(raw["outcome"]["spare_parts_min_working"])
        return cls(essential, important, cosmetic, tuple(rules), spare, path)


def default_policy_path() -> Path:
    return assets_dir() / "grading" / "policy.toml"


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of test names")
    return value


def _explain(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing entry {exc}"
    return str(exc)
