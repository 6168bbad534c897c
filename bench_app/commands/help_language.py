"""The language of `etabli --help` and of every subcommand's help: one language per screen,
chosen by `--lang fr|en` on the command line, else by the environment (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG), French by default.

The help strings are written as `say(Text(fr, en))` where the parsers are built: the parser
is built once per run, after the language is known, so each string is the chosen one.
argparse's own words (usage, options, "show this help message and exit") follow too."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from bench_app.text import Text

_CURRENT = ["fr"]
# Where the language comes from when --lang is not given, in the order C programs read them.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_from(argv: Sequence[str] | None, environ: dict[str, str] | None = None) -> str:
    """ "fr" or "en": `--lang` in `argv` when given, else the first language variable set in
    the environment that names French or English, else French."""
    words = list(argv or ())
    for i, word in enumerate(words):
        if word == "--lang" and i + 1 < len(words) and words[i + 1] in ("fr", "en"):
            return words[i + 1]
        if word.startswith("--lang=") and word[7:] in ("fr", "en"):
            return word[7:]
    env = os.environ if environ is None else environ
    for name in LANGUAGE_VARIABLES:
        for value in env.get(name, "").split(":"):  # LANGUAGE may list several: "en:fr"
            code = value.strip().lower()[:2]
            if code in ("fr", "en"):
                return code
    return "fr"


def use_language(lang: str) -> None:
    """The language the parsers built from now on speak."""
    _CURRENT[0] = "en" if lang == "en" else "fr"


def help_language() -> str:
    return _CURRENT[0]


def say(text: Text) -> str:
    """`text` in the help's language."""
    return text.get(_CURRENT[0])


# argparse's own words, which it takes from gettext (English on a machine without its
# translations).
USAGE = Text("utilisation : ", "usage: ")
POSITIONALS = Text("arguments", "positional arguments")
OPTIONALS = Text("options", "options")
HELP = Text("affiche cette aide et s’arrête", "show this help message and exit")
VERSION = Text("affiche la version et s’arrête", "show the version and exit")


class HelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, say(USAGE) if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are in the help's language; its subcommands'
    parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = say(POSITIONALS)
        self._optionals.title = say(OPTIONALS)
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = say(HELP)
