"""IMEIs: 15 digits whose last one is a Luhn check digit."""

from __future__ import annotations


def luhn_digit(body: str) -> str:
    """The Luhn check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_imei(text: str) -> bool:
    digits = text.replace(" ", "").replace("-", "")
    return len(digits) == 15 and digits.isdigit() and luhn_digit(digits[:-1]) == digits[-1]


def normalise_imei(text: str) -> str:
    return text.replace(" ", "").replace("-", "")
