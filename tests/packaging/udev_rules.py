"""A strict reader of udev rules files and an evaluator for the keys Établi's rules use.

Debian 12's udevadm has no `verify` (systemd 253 added it) and `udevadm test` needs the real
device in /sys: this reads the file as udev does (one rule a line, comma-separated
`KEY{attr}OP"value"`, whole-line comments, GOTO/LABEL), refuses what udev would refuse or
ignore, and runs the rules over a described device to say what udev would set on it."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

MATCH_KEYS = {"ACTION", "SUBSYSTEM", "KERNEL", "DEVPATH", "DRIVER"}
MATCH_ATTR_KEYS = {"ENV", "ATTR", "ATTRS"}
ASSIGN_KEYS = {"MODE", "GROUP", "OWNER", "TAG", "GOTO", "LABEL"}
_TOKEN = re.compile(
    r'^(?P<key>[A-Z_]+)(?:\{(?P<attr>[A-Za-z0-9_]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"$'
)


class RuleSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    key: str
    attr: str | None
    op: str
    value: str


@dataclass
class Rule:
    line: int
    matches: list[Token] = field(default_factory=list)
    assigns: list[Token] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        return next((t.value for t in self.assigns if t.key == key), None)


def _split(line: str) -> list[str]:
    """The rule's tokens: commas outside quotes separate them."""
    tokens, current, quoted = [], "", False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            tokens.append(current.strip())
            current = ""
        else:
            current += char
    if quoted:
        raise RuleSyntaxError("unbalanced quote")
    tokens.append(current.strip())
    return tokens


def parse(text: str) -> list[Rule]:
    """Every rule of a rules file; RuleSyntaxError names the line of the first fault."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            raise RuleSyntaxError(f"line {number}: continued lines are not used here")
        rule = Rule(number)
        for token in _split(line):
            found = _TOKEN.match(token)
            if found is None:
                raise RuleSyntaxError(f"line {number}: cannot read {token!r}")
            t = Token(found["key"], found["attr"], found["op"], found["value"])
            if t.key in MATCH_KEYS or t.key in MATCH_ATTR_KEYS:
                if (t.key in MATCH_ATTR_KEYS) != (t.attr is not None):
                    raise RuleSyntaxError(
                        f"line {number}: {t.key} {'needs' if t.attr is None else 'takes no'} {{attribute}}"
                    )
                if t.op not in ("==", "!="):
                    if t.key == "ENV" and t.op == "=":
                        rule.assigns.append(t)
                        continue
                    raise RuleSyntaxError(f"line {number}: {t.key} is matched with == or !=")
                rule.matches.append(t)
            elif t.key in ASSIGN_KEYS:
                if t.attr is not None or t.op not in ("=", "+=", ":="):
                    raise RuleSyntaxError(f"line {number}: {t.key} is assigned with =, += or :=")
                if t.key in ("GOTO", "LABEL") and t.op != "=":
                    raise RuleSyntaxError(f"line {number}: {t.key} takes =")
                if t.key == "MODE" and not re.fullmatch(r"0[0-7]{3}", t.value):
                    raise RuleSyntaxError(f"line {number}: MODE must be four octal digits")
                rule.assigns.append(t)
            else:
                raise RuleSyntaxError(f"line {number}: unknown key {t.key}")
        rules.append(rule)
    labels = [r.get("LABEL") for r in rules if r.get("LABEL")]
    if len(labels) != len(set(labels)):
        raise RuleSyntaxError(f"a LABEL is given twice: {labels}")
    for rule in rules:
        target = rule.get("GOTO")
        if target is not None and target not in labels:
            raise RuleSyntaxError(f"line {rule.line}: GOTO to a missing LABEL {target}")
    return rules


def read(path: Path) -> list[Rule]:
    return parse(path.read_text(encoding="utf-8"))


@dataclass
class Device:
    """What udev knows of a device when the rules run: its own and its parents' values."""

    subsystem: str
    kernel: str = ""
    action: str = "add"
    env: dict[str, str] = field(default_factory=dict)
    attr: dict[str, str] = field(default_factory=dict)
    parents_attr: dict[str, str] = field(default_factory=dict)


def _value(device: Device, token: Token) -> str:
    if token.key == "ACTION":
        return device.action
    if token.key == "SUBSYSTEM":
        return device.subsystem
    if token.key == "KERNEL":
        return device.kernel
    if token.key == "ENV":
        return device.env.get(token.attr or "", "")
    if token.key == "ATTR":
        return device.attr.get(token.attr or "", "")
    if token.key == "ATTRS":
        return device.attr.get(token.attr or "", "") or device.parents_attr.get(
            token.attr or "", ""
        )
    raise AssertionError(token.key)


def _matches(device: Device, token: Token) -> bool:
    value = _value(device, token)
    hit = any(fnmatch.fnmatchcase(value, pattern) for pattern in token.value.split("|"))
    return hit if token.op == "==" else not hit


@dataclass
class Outcome:
    mode: str | None = None
    group: str | None = None
    tags: set[str] = field(default_factory=set)

    @property
    def granted(self) -> bool:
        return self.group == "etabli" and self.mode == "0660" and "uaccess" in self.tags


def evaluate(rules: list[Rule], device: Device) -> Outcome:
    """What the rules set on `device`, following GOTOs as udev does."""
    labels = {r.get("LABEL"): i for i, r in enumerate(rules) if r.get("LABEL")}
    outcome = Outcome()
    index, steps = 0, 0
    while index < len(rules):
        steps += 1
        assert steps < 10_000, "the rules loop"
        rule = rules[index]
        index += 1
        if not all(_matches(device, t) for t in rule.matches):
            continue
        for t in rule.assigns:
            if t.key == "MODE":
                outcome.mode = t.value
            elif t.key == "GROUP":
                outcome.group = t.value
            elif t.key == "TAG":
                outcome.tags = {t.value} if t.op == "=" else outcome.tags | {t.value}
        target = rule.get("GOTO")
        if target is not None:
            index = labels[target]
    return outcome


def usb_device(vendor: str, interfaces: list[tuple[int, int, int]], **env: str) -> Device:
    """A USB device node as udev sees it after 50-udev-default.rules (ID_USB_INTERFACES)."""
    listed = ":" + "".join(f"{c:02x}{s:02x}{p:02x}:" for c, s, p in interfaces)
    return Device(
        "usb",
        kernel="1-2",
        env={"DEVTYPE": "usb_device", "ID_USB_INTERFACES": listed, **env},
        attr={"idVendor": vendor, "idProduct": "0001"},
    )
