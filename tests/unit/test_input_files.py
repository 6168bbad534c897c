"""Reading input files without trusting them (bench_app/input_files.py) and the argument
types of the command line (bench_app/commands/arguments.py)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from bench_app.commands.arguments import refuse_undecodable, seconds, whole_number
from bench_app.errors import BenchError
from bench_app.input_files import (
    open_input,
    parse_json,
    parse_toml,
    read_input,
    read_input_text,
    shown,
)


def test_a_regular_file_within_its_cap_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "key.pub"
    path.write_bytes(b"x" * 100)
    assert read_input(path, limit=100) == b"x" * 100
    with pytest.raises(BenchError) as caught:
        read_input(path, limit=99)
    assert caught.value.code == "INPUT_TOO_LARGE"
    assert caught.value.values["size"] == "100 B" and caught.value.values["limit"] == "99 B"


@pytest.mark.parametrize("kind", ["fifo", "folder", "zero", "null"])
def test_special_files_are_refused_without_reading_or_blocking(kind: str, tmp_path: Path) -> None:
    path = {"zero": Path("/dev/zero"), "null": Path("/dev/null")}.get(kind, tmp_path / kind)
    if kind == "fifo":
        os.mkfifo(path)  # no writer: a blocking open would never return
    elif kind == "folder":
        path.mkdir()
    for read in (lambda: read_input(path, limit=10), lambda: open_input(path)):
        with pytest.raises(BenchError) as caught:
            read()
        assert caught.value.code == "INPUT_NOT_A_FILE"
    expected = {"fifo": "it is a pipe (FIFO)", "folder": "it is a folder"}.get(
        kind, "it is a device"
    )
    assert caught.value.message.en == f"{path} is not a file that can be read: {expected}."


def test_open_errors_stay_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_input(tmp_path / "missing", limit=10)
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    with pytest.raises(OSError):
        read_input(loop, limit=10)


def test_a_sparse_file_announcing_gigabytes_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with open(path, "wb") as f:
        f.truncate(3 << 30)
    with pytest.raises(BenchError) as caught:
        read_input(path, limit=1 << 20)
    assert caught.value.values["size"] == "3.0 GiB"


def test_text_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(UnicodeDecodeError):
        read_input_text(path, limit=100)


def test_json_and_toml_nested_too_deeply_are_value_errors() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_toml("a = " + "[" * 100_000 + "]" * 100_000)
    assert parse_json('{"a": [1]}') == {"a": [1]}
    assert parse_toml("a = [[1]]") == {"a": [[1]]}


def test_shown_replaces_what_was_not_utf8() -> None:
    assert shown(os.fsdecode(b"Ren\xe9e")) == "Ren\ufffde"
    assert shown("Renée ✓") == "Renée ✓"
    assert shown("\ud800x") == "\ufffdx"  # a lone surrogate from elsewhere


def test_numbers_are_bounded_where_they_are_parsed() -> None:
    days = whole_number(1, 366)
    assert days(" 7 ") == 7
    for bad in ("0", "367", "99999999999", "-1", "7.5", "nan", "", "0x10"):
        with pytest.raises(argparse.ArgumentTypeError, match="from 1 to 366"):
            days(bad)
    wait = seconds(1, 3600)
    assert wait("2.5") == 2.5
    for bad in ("nan", "inf", "-inf", "0.5", "1e999", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            wait(bad)


def test_arguments_that_are_not_utf8_are_refused() -> None:
    refuse_undecodable(argparse.Namespace(a="ok", b=["x", Path("y")], c=3, d=None))
    with pytest.raises(BenchError) as caught:
        refuse_undecodable(argparse.Namespace(paths=[Path("ok"), Path(os.fsdecode(b"k\xff"))]))
    assert caught.value.code == "TEXT_UNDECODABLE" and caught.value.values["text"] == "k\ufffd"
