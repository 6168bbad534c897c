"""The installation's progress line names each step in the operator's words, in French and
English: every kind of step a profile may use has them, so no action id reaches the screen."""

from __future__ import annotations

import json
from pathlib import Path

from bench_app.install.phone_install import STEP_WORDS, step_progress

SCHEMA = Path(__file__).resolve().parents[2] / "device_profiles" / "schema.json"


def _actions(node: object) -> set[str]:
    """Every `"action": {"const": ...}` of the profiles' schema."""
    found: set[str] = set()
    if isinstance(node, dict):
        action = node.get("action")
        if isinstance(action, dict) and isinstance(action.get("const"), str):
            found.add(action["const"])
        for value in node.values():
            found |= _actions(value)
    elif isinstance(node, list):
        for value in node:
            found |= _actions(value)
    return found


def test_every_step_kind_of_the_schema_has_words() -> None:
    kinds = _actions(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert len(kinds) >= 10, kinds
    assert kinds <= set(STEP_WORDS), sorted(kinds - set(STEP_WORDS))
    for words in STEP_WORDS.values():
        assert words.fr and words.en and ":" not in words.fr + words.en


def test_the_progress_line_says_the_step_not_its_id() -> None:
    line = step_progress(2, 13, "fastboot:assert_var")
    assert line.fr == "Étape 3/13 : Vérification du téléphone"
    assert line.en == "Step 3/13: Checking the phone"
    assert "fastboot" not in line.fr + line.en
