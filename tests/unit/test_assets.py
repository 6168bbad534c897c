"""Every asset is used, every picture a step names exists, and every SVG renders."""

from __future__ import annotations

import os
import re
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtSvg import QSvgRenderer

from bench_app.diagnostics.guided_tests import CosmeticStep, GuidedTestStep
from bench_app.domain.model import DeviceKind
from bench_app.jobs.pipelines import default_pipelines
from bench_app.settings import assets_dir

ROOT = Path(__file__).resolve().parents[2]


def code_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("bench_app", "ui")
        for p in (ROOT / folder).rglob("*.py")
    )


def test_every_asset_is_referenced() -> None:
    code = code_text()
    kinds = {f"{k.value}.svg" for k in DeviceKind}
    unused = [
        p.relative_to(assets_dir()).as_posix()
        for p in sorted(assets_dir().rglob("*"))
        if p.is_file() and p.name not in kinds and not re.search(re.escape(p.name), code)
    ]
    assert unused == []


def test_every_device_kind_has_an_icon() -> None:
    for kind in DeviceKind:
        assert (assets_dir() / "icons" / f"{kind.value}.svg").is_file(), kind


def test_every_manual_step_picture_exists() -> None:
    registry = default_pipelines()
    steps = [s for kind in DeviceKind for p in registry.for_kind(kind) for s in p.steps()]
    pictures = [s.test.picture for s in steps if isinstance(s, GuidedTestStep)]
    assert any(isinstance(s, CosmeticStep) for s in steps)
    pictures.append("cosmetic_grade.svg")
    assert pictures
    for name in pictures:
        assert (assets_dir() / "steps" / name).is_file(), name


def test_every_svg_renders() -> None:
    for path in sorted(assets_dir().rglob("*.svg")):
        renderer = QSvgRenderer(str(path))
        assert renderer.isValid(), path
        assert renderer.defaultSize().width() > 0
