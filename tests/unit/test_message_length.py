"""Operator messages are short: at most 12 words in French and in English (a placeholder
counts as one word), with the longer explanation kept apart (behind "En savoir plus"), and a
picture that exists for every message the window shows with one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bench_app.devices.android import guidance
from bench_app.devices.ios.guidance import IPHONE_STATES, iphone_guide
from bench_app.diagnostics.guided_tests import GUIDED_TESTS, IPHONE_GUIDED_TESTS
from bench_app.errors import CATALOG
from bench_app.settings import assets_dir
from bench_app.text import Text

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 12
RAW_DETAIL = {"detail", "reason", "reasons", "message"}
# Codes whose detail is always a short bilingual Text written by the product, never raw.
WRITTEN_DETAIL = {"ASSET_CODE_INVALID"}


def word_count(text: str) -> int:
    """Words a person reads: a placeholder is one, punctuation and arrows are none."""
    text = re.sub(r"\{[^}]*\}", "X", text)
    return sum(1 for token in text.split() if re.search(r"\w", token))


def test_word_count_counts_what_is_read() -> None:
    assert word_count("Paramètres > À propos : touchez « {name} ».") == 5
    assert word_count("un deux trois quatre cinq six sept huit neuf dix onze douze treize") == 13


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_error_has_a_short_form(code: str) -> None:
    short = CATALOG[code].short
    for lang in ("fr", "en"):
        text = short.get(lang)
        assert word_count(text) <= LIMIT, f"{code} ({lang}): {text}"
        if code not in WRITTEN_DETAIL:
            assert not set(re.findall(r"\{(\w+)", text)) & RAW_DETAIL, f"{code}: {text}"


def test_guided_tests_ask_in_twelve_words_with_a_picture() -> None:
    for test in (*GUIDED_TESTS, *IPHONE_GUIDED_TESTS):
        for lang in ("fr", "en"):
            assert word_count(test.question.get(lang)) <= LIMIT, test.question.get(lang)
        assert (assets_dir() / "steps" / test.picture).is_file(), test.picture


def test_every_guide_step_is_short_with_a_picture() -> None:
    brands = ["", "samsung", "xiaomi", "huawei", "oneplus", "google"]
    steps = [s for b in brands for s in guidance.enable_debugging(b)]
    steps += [guidance.ACCEPT_KEY, guidance.CONNECTING]
    steps += [s for state in IPHONE_STATES for s in iphone_guide(state)]
    for step in steps:
        for lang in ("fr", "en"):
            assert word_count(step.text.get(lang)) <= LIMIT, step.text.get(lang)
        assert (assets_dir() / "steps" / step.picture).is_file(), step.picture


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{x}"
            for v in node.values
        )
    return None


def job_prompts() -> list[tuple[str, Text, str | None]]:
    """Every question a job asks (the first argument of each `Prompt(Text(...), ...)`), with
    where it is written and the picture it shows."""
    found: list[tuple[str, Text, str | None]] = []
    for path in sorted((ROOT / "bench_app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Prompt"):
                continue
            question = call.args[0] if call.args else None
            if not (isinstance(question, ast.Call) and getattr(question.func, "id", "") == "Text"):
                continue
            fr, en = (_literal(a) for a in question.args[:2])
            if fr is None or en is None:
                continue
            picture = next((_literal(k.value) for k in call.keywords if k.arg == "picture"), None)
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            found.append((where, Text(fr, en), picture))
    return found


def test_every_job_prompt_is_short_and_its_picture_exists() -> None:
    prompts = job_prompts()
    assert len(prompts) >= 8  # the walk finds the questions of every pipeline
    for where, question, picture in prompts:
        for lang in ("fr", "en"):
            assert word_count(question.get(lang)) <= LIMIT, f"{where}: {question.get(lang)}"
        if picture:
            assert (assets_dir() / "steps" / picture).is_file(), f"{where}: {picture}"
