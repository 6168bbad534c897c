"""Asset codes: short, unambiguous when read aloud or typed, with a check character.

Format: ``PPPP-NNNN-C`` — a 4-character station prefix, a 4-character sequence number and a
check character, all from a 31-symbol alphabet without 0/O, 1/I and U. Because 31 is prime and
the position weights 1..9 are distinct and non-zero modulo 31, the check catches every single
substitution and every swap of two neighbours (proved exhaustively in the tests).
Uniqueness without coordination comes from the station prefix.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bench_app.errors import BenchError
from bench_app.text import Text

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
PREFIX_LEN = 4
NUMBER_LEN = 4
MAX_NUMBER = BASE**NUMBER_LEN - 1
TRAINING_PREFIX = "TEST"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """The check character for the 8 characters of prefix and number."""
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(body))
    # Choose c so that the weighted sum including c (weight len+1) is 0 mod BASE.
    weight = len(body) + 1
    inverse = pow(weight, -1, BASE)
    return ALPHABET[(-total * inverse) % BASE]


def encode_number(number: int) -> str:
    if not 0 < number <= MAX_NUMBER:
        raise ValueError(f"sequence number out of range: {number}")
    digits = []
    for _ in range(NUMBER_LEN):
        number, rest = divmod(number, BASE)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits))


def decode_number(text: str) -> int:
    value = 0
    for c in text:
        value = value * BASE + _VALUE[c]
    return value


def new_station_prefix() -> str:
    """A random station prefix; never the training prefix."""
    while True:
        prefix = "".join(secrets.choice(ALPHABET) for _ in range(PREFIX_LEN))
        if prefix != TRAINING_PREFIX:
            return prefix


@dataclass(frozen=True, slots=True, order=True)
class AssetCode:
    """A validated asset code."""

    prefix: str
    number: int

    @classmethod
    def make(cls, prefix: str, number: int) -> AssetCode:
        prefix = prefix.upper()
        if len(prefix) != PREFIX_LEN or any(c not in _VALUE for c in prefix):
            raise ValueError(f"invalid station prefix: {prefix!r}")
        encode_number(number)
        return cls(prefix, number)

    @property
    def body(self) -> str:
        return self.prefix + encode_number(self.number)

    @property
    def check(self) -> str:
        return check_character(self.body)

    @property
    def compact(self) -> str:
        """The 9 characters without separators, as encoded in the QR code."""
        return self.body + self.check

    @property
    def training(self) -> bool:
        return self.prefix == TRAINING_PREFIX

    def __str__(self) -> str:
        b = self.body
        return f"{b[:PREFIX_LEN]}-{b[PREFIX_LEN:]}-{self.check}"

    @classmethod
    def parse(cls, text: str) -> AssetCode:
        """Reads a typed or scanned code (any case, with or without separators or spaces).

        Raises BenchError(ASSET_CODE_INVALID) saying what is wrong.
        """
        raw = text.strip()
        cleaned = "".join(c for c in raw.upper() if c not in "- \t")
        expected = PREFIX_LEN + NUMBER_LEN + 1
        if len(cleaned) != expected:
            raise BenchError(
                "ASSET_CODE_INVALID",
                code=raw,
                detail=Text(
                    f"{len(cleaned)} caractères au lieu de {expected}",
                    f"{len(cleaned)} characters instead of {expected}",
                ),
            )
        bad = sorted({c for c in cleaned if c not in _VALUE})
        if bad:
            raise BenchError(
                "ASSET_CODE_INVALID",
                code=raw,
                detail=Text(
                    "caractère(s) impossible(s) : " + " ".join(bad),
                    "impossible character(s): " + " ".join(bad),
                ),
            )
        body, check = cleaned[:-1], cleaned[-1]
        if check_character(body) != check:
            raise BenchError(
                "ASSET_CODE_INVALID",
                code=raw,
                detail=Text("faute de frappe probable", "probable typing mistake"),
            )
        number = decode_number(body[PREFIX_LEN:])
        if number == 0:
            raise BenchError("ASSET_CODE_INVALID", code=raw, detail=Text("numéro 0", "number 0"))
        return cls(body[:PREFIX_LEN], number)
