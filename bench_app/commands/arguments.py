"""Argument types and checks shared by every `etabli` subcommand.

Numbers are bounded where they are parsed, so a typo (a negative port, 99999999999 days,
`nan` seconds) is an argparse error with the range to use, never an overflow deep inside.
Text that is not UTF-8 (bytes Python keeps as lone surrogates) is refused before anything
runs: it could be neither shown nor kept in the event log."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import math
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

REPLACEMENT_ERRORS = "etabli-replacement"


def _replace(exc: UnicodeError) -> tuple[str | bytes, int]:
    # The UTF-8 encoder takes only ASCII text from a handler: U+FFFD goes as its bytes.
    if isinstance(exc, UnicodeEncodeError):
        return "\ufffd".encode() * (exc.end - exc.start), exc.end
    if isinstance(exc, UnicodeDecodeError):
        return "\ufffd", exc.end
    raise exc


codecs.register_error(REPLACEMENT_ERRORS, _replace)


def whole_number(least: int, most: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `least` to `most`."""

    def parse(text: str) -> int:
        digits = text.strip().removeprefix("-")
        # Plain ASCII digits only: int() also takes "1_000" and other scripts' digits.
        value = int(text.strip(), 10) if digits.isascii() and digits.isdigit() else None
        if value is None or not least <= value <= most:
            raise argparse.ArgumentTypeError(
                f"un nombre entier de {least} à {most} / a whole number from {least} to {most}"
            )
        return value

    parse.__name__ = "whole number"
    return parse


def seconds(least: float, most: float) -> Callable[[str], float]:
    """An argparse type: a duration in seconds from `least` to `most` (no nan, no inf)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not least <= value <= most:
            raise argparse.ArgumentTypeError(
                f"un nombre de secondes de {least:g} à {most:g} / "
                f"a number of seconds from {least:g} to {most:g}"
            )
        return value

    parse.__name__ = "seconds"
    return parse


def refuse_undecodable(args: argparse.Namespace) -> None:
    """BenchError(TEXT_UNDECODABLE) when any argument holds bytes that are not UTF-8."""
    from bench_app.input_files import is_decodable, shown

    for value in vars(args).values():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str | Path) and not is_decodable(os.fspath(item)):
                raise BenchError("TEXT_UNDECODABLE", text=shown(os.fspath(item)))


def readable_output() -> None:
    """Text that cannot be encoded on stdout or stderr shows as U+FFFD, not as a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            utf8 = codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8"
            # A closed or detached stream has nothing to protect.
            with contextlib.suppress(ValueError, OSError):
                # U+FFFD needs UTF-8; elsewhere (LANG=C) a visible escape.
                reconfigure(errors=REPLACEMENT_ERRORS if utf8 else "backslashreplace")


def data_folder(override: str | None) -> Path:
    """The data folder (see `settings.data_dir`), refused when the path names something
    that is not a folder: a file, a device or a FIFO cannot hold the station's data."""
    from bench_app.input_files import shown
    from bench_app.settings import data_dir

    folder = data_dir(override)
    try:
        mode = folder.stat().st_mode
    except OSError:
        return folder  # not there yet: made when first needed
    if not stat.S_ISDIR(mode):
        raise BenchError(
            "DATA_DIR_NOT_A_FOLDER",
            path=shown(str(folder)),
            kind=Text("un fichier", "a file")
            if stat.S_ISREG(mode)
            else Text("un fichier spécial", "a special file"),
        )
    return folder


def add_operator_argument(parser: argparse.ArgumentParser) -> None:
    """`--operator NAME` for a command that records facts: the name each fact carries."""
    parser.add_argument(
        "--operator",
        metavar="NAME",
        help=say(
            Text(
                "qui travaille (défaut : $ETABLI_OPERATOR) ; doit être sur la liste du poste quand il en a une",
                "who is working (default: $ETABLI_OPERATOR); must be on the station's list of operators when it keeps one",
            )
        ),
    )


def training_requested(args: argparse.Namespace) -> bool:
    """Whether the command was run with --training (before or after the subcommand)."""
    return bool(getattr(args, "training", False))


def station_folder(args: argparse.Namespace) -> Path:
    """The data folder a command works in. With --training and no --data-dir it is the
    training folder beside the real one (`settings.training_dir`): a class never writes
    into the real store. An explicit --data-dir is taken as given, training or not."""
    return data_folder(str(station_dir(args)))


def station_dir(args: argparse.Namespace) -> Path:
    """The path `station_folder` checks (nothing is looked at on disk)."""
    from bench_app.settings import data_dir, training_dir

    override = getattr(args, "data_dir", None)
    if training_requested(args) and not override:
        return training_dir(data_dir(None))
    return data_dir(override)
