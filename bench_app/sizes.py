"""Sizes in bytes as people read them on a card, a label, a step's summary or a question:
one rounded decimal unit (as drives are sold), French first ("Go", "Mo", decimal comma),
English second ("GB", "MB"). A small drive is said in Mo, never "0,0 Go".

The exact size of an erased medium on a certificate ("500,1 Go (500 107 862 016 octets)")
and a phone's flash rounded to its box's power of two are bench_app/output/formatting.py's;
the latter falls back on this one."""

from __future__ import annotations

from bench_app.text import Text

# (bytes, French unit, English unit), largest first: decimal units, as drives are sold.
_UNITS = ((1e12, "To", "TB"), (1e9, "Go", "GB"), (1e6, "Mo", "MB"), (1e3, "ko", "kB"))


def size_words(n_bytes: float, lang: str) -> str:
    """The size in its largest decimal unit that is at least 1: whole above 10 ("500 Go",
    "34 Mo"), one decimal below ("3,6 Go", "1,5 To"; "2 Go", not "2,0 Go"); a few bytes
    as such ("12 octets", "12 bytes")."""
    n = max(float(n_bytes), 0.0)
    for factor, fr, en in _UNITS:
        if n >= 0.995 * factor:  # what rounds to 1 of a unit is said in it: "1 Go", not "1000 Mo"
            value = n / factor
            number = f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
            if lang == "fr":
                return f"{number.replace('.', ',')} {fr}"
            return f"{number} {en}"
    whole = round(n)
    return f"{whole} octets" if lang == "fr" else f"{whole} bytes"


def size_text(n_bytes: float) -> Text:
    """`size_words` in both languages, for a step's summary or a question."""
    return Text(size_words(n_bytes, "fr"), size_words(n_bytes, "en"))
