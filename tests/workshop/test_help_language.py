"""`etabli --help` and every subcommand's help speak one language: French by default,
English with `--lang en` or an English environment. Every help screen is read in both
languages: the two differ, no help sentence of the other language appears, and the common
words of the other language do not either."""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench_app.commands.help_language import language_from
from bench_app.commands.main import main

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "bench_app" / "commands").glob("*.py")), ROOT / "hub" / "cli.py"]
# Words that only one of the two languages uses, spaced so that a part of a word is no hit.
ENGLISH = (" the ", " and ", " of ", " with ", " this ", " usage:", " which ", " help ")
FRENCH = (" le ", " la ", " les ", " des ", " du ", " et ", " avec ", " utilisation ")


def _literal(node: ast.expr) -> str:
    """The longest literal piece of a string or f-string (placeholders left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        return max((str(p) for p in parts), key=len, default="")
    return ""


def help_pairs() -> list[tuple[str, str]]:
    """Every (French, English) sentence written as `Text(fr, en)` in the command's code."""
    pairs = []
    for path in SOURCES:
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Text":
                fr, en = (_literal(a) for a in call.args[:2])
                # Sentences, not the one-word labels of values (loan, reuse...) shown as codes.
                if fr != en and len(fr.split()) >= 3 and len(en.split()) >= 3:
                    pairs.append((fr, en))
    return pairs


def flat(text: str) -> str:
    """argparse wraps lines where it likes: compare with every run of spaces as one."""
    return " " + " ".join(text.split()) + " "


def help_of(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 0
    return out.getvalue()


def every_command() -> list[tuple[str, ...]]:
    """Every command and subcommand, from the parser itself (installed groups included)."""
    from bench_app.commands.main import build_parser

    found: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        found.append(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    if child.add_help:  # a group that is not installed has no help
                        walk(child, (*path, name))

    walk(build_parser(["--help"]), ())
    return found


COMMANDS = every_command()


def test_the_walk_reaches_every_command() -> None:
    assert len(COMMANDS) > 40
    assert ("settings", "set") in COMMANDS and ("report", "handover") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c) or "etabli")
def test_each_help_speaks_one_language(command: tuple[str, ...]) -> None:
    french = flat(help_of([*command, "--help", "--lang", "fr"]))
    english = flat(help_of([*command, "--help", "--lang", "en"]))
    assert french != english
    for fr, en in help_pairs():
        # A sentence of the other language never shows (nor the old "fr / en" mixes).
        assert flat(en).strip() not in french or flat(en).strip() in flat(fr), (command, en)
        assert flat(fr).strip() not in english or flat(fr).strip() in flat(en), (command, fr)
    assert [w for w in ENGLISH if w in french.lower()] == [], (command, french)
    assert [w for w in FRENCH if w in english.lower()] == [], (command, english)
    assert " / " not in re.sub(r"\{[^}]*\}", "", french)  # no "français / English" line
    assert "options:" in english and "options:" in french
    assert "utilisation : etabli" in french and "usage: etabli" in english


@pytest.mark.parametrize(
    ("argv", "environ", "lang"),
    [
        ([], {}, "fr"),
        ([], {"LANG": "C.UTF-8"}, "fr"),
        ([], {"LANG": "en_GB.UTF-8"}, "en"),
        ([], {"LANG": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ([], {"LANG": "en_US.UTF-8", "LANGUAGE": "fr:en"}, "fr"),
        ([], {"LANGUAGE": "de:en", "LANG": "fr_FR.UTF-8"}, "en"),
        (["--lang", "fr"], {"LANG": "en_US.UTF-8"}, "fr"),
        (["sync", "--lang=en"], {"LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_the_language_comes_from_lang_else_the_environment(
    argv: list[str], environ: dict[str, str], lang: str
) -> None:
    assert language_from(argv, environ) == lang


def test_the_installed_command_follows_the_environment(tmp_path: Path) -> None:
    """As a person runs it: `etabli --help` in a terminal set to English, then French."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")
    }
    env["PYTHONPATH"] = str(ROOT)
    runs = {}
    for name, extra in (
        ("en", {"LANG": "en_US.UTF-8"}),
        ("fr", {}),
        ("env-fr", {"LANG": "fr_FR.UTF-8"}),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bench_app.commands.main", "--help"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        runs[name] = flat(done.stdout)
    assert "show or change the settings" in runs["en"]
    assert "montre ou change les réglages du poste" in runs["fr"]
    assert runs["fr"] == runs["env-fr"]
