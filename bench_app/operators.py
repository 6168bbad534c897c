"""Who works at the station: the list of operators kept in the station's settings, each with
an optional PIN stored only as a salted hash, and a role: an operator (the default), a
supervisor (who approves what an operator must not do alone, bench_app/approvals.py) or a
trainer (who approves in training mode only: the person who runs the class). A supervisor
or a trainer always has a PIN: their approval is proved by it.

Names are personal data: they stay in the station's settings and travel only in the
`operator` field of the facts they record, as before."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from bench_app.errors import BenchError
from bench_app.input_files import shown

# The default name in training mode: a class can start without choosing anyone.
TRAINEE = "Stagiaire"
NAME_MAX = 60
# scrypt's cost: slow enough to make guessing from a copied settings file costly, fast enough
# for a chooser (a few tens of milliseconds).
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1

OPERATOR, SUPERVISOR, TRAINER = "operator", "supervisor", "trainer"
ROLES = (OPERATOR, SUPERVISOR, TRAINER)


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    pin_hash: str = ""
    role: str = OPERATOR

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR

    def entry(self) -> dict[str, str]:
        """The entry the settings keep (no role key for a plain operator, as before roles)."""
        entry = {"name": self.name}
        if self.pin_hash:
            entry["pin_hash"] = self.pin_hash
        if self.role != OPERATOR:
            entry["role"] = self.role
        return entry


def clean_name(name: str) -> str:
    """The name as it is recorded: printable characters only, spaces trimmed."""
    return "".join(c for c in shown(name) if c.isprintable()).strip()


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$SALT$HASH` (hex): what the settings keep instead of the PIN."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """True when `pin` is the one whose hash is `stored`; False for any malformed hash."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def valid_hash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


def parse_operators(raw: object) -> list[Operator]:
    """The `operators` setting: a list of {"name": ..., "pin_hash": ..., "role": ...};
    ValueError if not (a supervisor or a trainer without a PIN included)."""
    if not isinstance(raw, list):
        raise ValueError("operators must be a list")
    found: list[Operator] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("each operator needs a name")
        name = clean_name(entry["name"])
        pin_hash = entry.get("pin_hash", "")
        if not name or len(name) > NAME_MAX:
            raise ValueError(f"operator name must be 1 to {NAME_MAX} characters")
        if not isinstance(pin_hash, str) or (pin_hash and not valid_hash(pin_hash)):
            raise ValueError(f"operator {name!r}: pin_hash is not a scrypt hash")
        role = entry.get("role", OPERATOR)
        if role not in ROLES:
            raise ValueError(f"operator {name!r}: role must be one of {', '.join(ROLES)}")
        if role != OPERATOR and not pin_hash:
            raise ValueError(f"operator {name!r}: a {role} needs a PIN")
        if name.casefold() in seen:
            raise ValueError(f"operator {name!r} is listed twice")
        seen.add(name.casefold())
        found.append(Operator(name, pin_hash, role))
    return found


def find(operators: list[Operator], name: str) -> Operator | None:
    """The listed operator called `name` (case and spaces do not matter)."""
    key = clean_name(name).casefold()
    return next((o for o in operators if o.name.casefold() == key), None)


def new_operator(
    operators: list[Operator], name: str, pin: str = "", role: str = OPERATOR
) -> Operator:
    """A new entry for the list; BenchError when the name is empty, too long or taken, the
    PIN is not 4 to 8 digits, or a supervisor or trainer comes without a PIN."""
    name = clean_name(name)
    if not name or len(name) > NAME_MAX:
        raise BenchError("OPERATOR_NAME_INVALID")
    if find(operators, name) is not None:
        raise BenchError("OPERATOR_EXISTS", name=name)
    pin = pin.strip()
    if pin and not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise BenchError("OPERATOR_PIN_FORMAT")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role != OPERATOR and not pin:
        raise BenchError("OPERATOR_ROLE_NEEDS_PIN")
    return Operator(name, hash_pin(pin) if pin else "", role)


def check(operators: list[Operator], name: str, pin: str | None = None) -> Operator:
    """The operator `name` from the list, its PIN checked when it has one (`pin` None skips
    the check: the command line, where a supervisor runs scripts); BenchError otherwise."""
    found = find(operators, name)
    if found is None:
        raise BenchError("OPERATOR_UNKNOWN", name=clean_name(name) or "?")
    if pin is not None and found.has_pin and not pin_matches(pin.strip(), found.pin_hash):
        raise BenchError("OPERATOR_PIN_WRONG", name=found.name)
    return found
