"""The fr/en wording of numbers, sizes, dates, durations and throughputs that every document
prints (certificates, labels, reports), pinned so that one shared module keeps them."""

from __future__ import annotations

import datetime as dt

import pytest

from bench_app.output.formatting import (
    capacity_text,
    day_text,
    decimal_text,
    duration_text,
    grouped,
    kg_text,
    number_text,
    percent_text,
    ram_text,
    rate_text,
    size_text,
    when_text,
    yes_no,
)

NNBSP = "\u202f"


def test_an_exact_size_names_every_byte() -> None:
    assert (
        size_text(500_107_862_016, "fr") == f"500,1 Go (500{NNBSP}107{NNBSP}862{NNBSP}016 octets)"
    )
    assert size_text(500_107_862_016, "en") == "500.1 GB (500,107,862,016 bytes)"
    assert size_text(999, "fr") == "999 octets"


def test_a_capacity_reads_as_on_the_box() -> None:
    assert capacity_text(120e9, "en", flash=True) == "128 GB"  # a phone's flash, as sold
    assert capacity_text(120e9, "fr") == "120 Go"  # a drive: decimal, as measured
    assert capacity_text(3.6e9, "fr") == "3,6 Go"
    assert ram_text(3.6 * 2**30, "fr") == "4 Go RAM"  # the kernel hides part of it


def test_numbers_use_the_language_s_separators() -> None:
    assert decimal_text(2.25, "fr", 2) == "2,25" and decimal_text(2.25, "en", 2) == "2.25"
    assert number_text(2.5, "fr") == "2,5" and number_text(3.0, "en") == "3"
    assert grouped(1_234_567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert grouped(1_234_567, "en") == "1,234,567"
    assert kg_text(1234.56, "fr") == f"1{NNBSP}234,6 kg" and kg_text(1234.56, "en") == "1,234.6 kg"
    assert percent_text(0.25) == "25 %"
    assert (yes_no(True, "fr"), yes_no(False, "en")) == ("oui", "no")


def test_days_and_moments() -> None:
    assert day_text(dt.date(2026, 3, 9), "fr") == "09/03/2026"
    assert day_text(dt.date(2026, 3, 9), "en") == "2026-03-09"
    # Any offset is brought back to UTC, and says so.
    assert when_text("2026-03-09T21:30:05.120+01:00", "fr") == "09/03/2026 20:30:05 UTC"
    assert when_text("2026-03-09T20:30:05Z", "en") == "2026-03-09 20:30:05 UTC"
    assert when_text("hier", "fr") == "hier"  # not a timestamp: shown as it is
    assert when_text(None, "en") == "—"


@pytest.mark.parametrize(
    ("seconds", "lang", "text"),
    [
        (12.34, "fr", "12,3 s"),
        (12.34, "en", "12.3 s"),
        (125, "fr", "2 min 05 s"),
        ("3725", "en", "1 h 02 min 05 s"),
        (None, "fr", "—"),
    ],
)
def test_durations(seconds: object, lang: str, text: str) -> None:
    assert duration_text(seconds, lang) == text


def test_throughputs() -> None:
    assert rate_text(187_654_321, "fr") == "187,7 Mo/s"
    assert rate_text(187_654_321, "en") == "187.7 MB/s"
    assert rate_text(0, "en") == "—"  # nothing measured
