"""Numbers, sizes, dates, durations and throughputs as the station's documents print them,
in French or English (`lang` is "fr" or "en"): decimal comma and narrow no-break space for
thousands in French, "Go"/"o" for "GB"/"B".

Two sizes live here on purpose: `size_text` is the exact size of an erased medium
(certificates), `capacity_text` the rounded capacity a label prints (as sold on the box; but
a phone's flash, the rounding shared with the window and the steps, bench_app/sizes.py)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Any

from bench_app.sizes import size_words

NARROW_NBSP = "\u202f"  # French thousands separator


def decimal_text(value: float, lang: str, digits: int = 1) -> str:
    """A number with `digits` decimals, as a reader (or a spreadsheet) of `lang` reads it:
    1,5 in French, 1.5 in English."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


def number_text(value: float, lang: str) -> str:
    """A number as short as it can be written (2, 2,5): no trailing zeros."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def percent_text(share: float) -> str:
    """A share (0.25) as a percentage (25 %), the same in both languages."""
    return f"{share * 100:g} %"


def grouped(n: int, lang: str) -> str:
    """A whole number with its thousands grouped (1 000 000 in French, 1,000,000 in English)."""
    return f"{n:,}".replace(",", NARROW_NBSP if lang == "fr" else ",")


def kg_text(value: float, lang: str) -> str:
    """A mass in kilograms with one decimal and grouped thousands (1 234,5 kg)."""
    whole = f"{value:,.1f}"
    if lang == "fr":
        return whole.replace(",", NARROW_NBSP).replace(".", ",") + " kg"
    return whole + " kg"


def yes_no(value: bool, lang: str) -> str:
    return ("oui" if value else "non") if lang == "fr" else ("yes" if value else "no")


def size_text(n: int, lang: str) -> str:
    """An exact size in bytes: the nearest decimal unit, then every byte in brackets
    ("500,1 Go (500 107 862 016 octets)")."""
    unit = "o" if lang == "fr" else "B"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= factor:
            value = decimal_text(n / factor, lang)
            return f"{value} {prefix}{unit} ({grouped(n, lang)} {'octets' if lang == 'fr' else 'bytes'})"
    return f"{n} {'octets' if lang == 'fr' else 'bytes'}"


def capacity_text(n_bytes: float, lang: str, *, flash: bool = False) -> str:
    """A capacity as sold: drives in decimal GB/TB; a phone's flash (`flash`) rounded up to
    the power of two on its box, since the system and the file system hide part of it."""
    unit = "Go" if lang == "fr" else "GB"
    gb = n_bytes / 1e9
    if flash:
        for nominal in (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
            if 0.75 * nominal <= gb <= 1.08 * nominal:
                return f"{nominal} {unit}"
    return size_words(n_bytes, lang)  # the one rounding of sizes: "34 Mo", never "0,0 Go"


def ram_text(n_bytes: float, lang: str) -> str:
    """Memory as sold (4 Go RAM), from what the system reports."""
    gib = n_bytes / 2**30
    unit = "Go" if lang == "fr" else "GB"
    # The kernel hides some RAM from MemTotal: 3.6 GiB is a 4 GB phone.
    for nominal in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128):
        if 0.8 * nominal <= gib <= 1.05 * nominal:
            return f"{nominal} {unit} RAM"
    return f"{gib:.0f} {unit} RAM"


def day_text(day: dt.date, lang: str) -> str:
    """A day as people write it: 31/12/2026 in French, 2026-12-31 in English."""
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()


def when_text(ts: str | None, lang: str) -> str:
    """A UTC timestamp as people read it, in UTC."""
    if not ts:
        return "—"
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return ts
    if lang == "fr":
        return moment.strftime("%d/%m/%Y %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration_text(seconds: Any, lang: str) -> str:
    """A duration in hours, minutes and seconds; under a minute, to a tenth of a second."""
    if seconds in (None, ""):
        return "—"
    s = float(seconds)
    h, rest = divmod(round(s), 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min {sec:02d} s"
    if m:
        return f"{m} min {sec:02d} s"
    return decimal_text(s, lang) + " s"


def rate_text(bps: Any, lang: str) -> str:
    """A throughput in bytes per second, in MB/s (Mo/s)."""
    if not bps:
        return "—"
    return decimal_text(int(bps) / 1e6, lang) + (" Mo/s" if lang == "fr" else " MB/s")
