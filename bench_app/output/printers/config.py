"""The station's printers, kept in printers.json in its data folder, checked when loaded
and before saving (a broken file is reported with its path, never half-used)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.input_files import CONFIG_MAX, parse_json, read_input_text
from bench_app.output.labels.templates import TEMPLATES
from bench_app.output.printers.base import BROTHER_MODELS, PrinterConfig, PrinterKind

PRINTERS_NAME = "printers.json"


@dataclass
class PrinterSetup:
    """Every printer of the station, and the one labels go to by default."""

    printers: list[PrinterConfig] = field(default_factory=list)
    default: str = ""

    def get(self, name: str | None = None) -> PrinterConfig:
        """The printer called `name` (the default one when None); BenchError(PRINTER_UNKNOWN)."""
        wanted = name or self.default or (self.printers[0].name if self.printers else "")
        for printer in self.printers:
            if printer.name == wanted:
                return printer
        raise BenchError("PRINTER_UNKNOWN", name=wanted or "—")

    def put(self, config: PrinterConfig, *, make_default: bool = False) -> None:
        """Adds `config`, or replaces the printer of the same name."""
        self.printers = [p for p in self.printers if p.name != config.name] + [config]
        if make_default or not self.default:
            self.default = config.name

    def validate(self) -> None:
        names = [p.name for p in self.printers]
        if len(set(names)) != len(names):
            raise ValueError("two printers have the same name")
        for printer in self.printers:
            validate_printer(printer)
        if self.default and self.default not in names:
            raise ValueError(f"the default printer {self.default!r} is not in the list")

    def to_json(self) -> dict[str, Any]:
        return {"default": self.default, "printers": [p.to_json() for p in self.printers]}


def validate_printer(printer: PrinterConfig) -> None:
    """ValueError saying which field of `printer` is wrong."""
    if not printer.name.strip():
        raise ValueError("a printer has no name")
    where = f"printer {printer.name!r}"
    tpl = TEMPLATES.get(printer.template)
    if tpl is None:
        raise ValueError(f"{where}: unknown template {printer.template!r}")
    kind = printer.kind
    if kind is not PrinterKind.FILE and not printer.address.strip():
        raise ValueError(f"{where}: no address")
    if kind is PrinterKind.BROTHER:
        if tpl.brother_label is None:
            raise ValueError(f"{where}: template {tpl.name} is not a Brother QL roll")
        if printer.model not in BROTHER_MODELS:
            raise ValueError(f"{where}: unknown Brother model {printer.model!r}")
        if not printer.address.startswith(("tcp://", "usb://", "file://")):
            raise ValueError(f"{where}: address must start with tcp://, usb:// or file://")
    if kind is PrinterKind.ZPL and (tpl.dpi != 203 or tpl.sheet is not None):
        raise ValueError(f"{where}: template {tpl.name} is not a 203 dpi Zebra label")
    if kind is PrinterKind.ZPL and not printer.address.startswith("cups:"):
        _host, _, port = printer.address.rpartition(":")
        if ":" in printer.address and not port.isdigit():
            raise ValueError(f"{where}: port must be a number")
    if kind is PrinterKind.FILE and printer.file_format not in ("png", "pdf"):
        raise ValueError(f"{where}: file format must be png or pdf")


def _printer_from_json(raw: object) -> PrinterConfig:
    if not isinstance(raw, dict):
        raise ValueError("each printer must be a JSON object")
    known = {f.name for f in fields(PrinterConfig)}
    values = {k: v for k, v in raw.items() if k in known}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ValueError(f"{key} must be text")
    try:
        values["kind"] = PrinterKind(values.get("kind", ""))
    except ValueError as exc:
        raise ValueError(f"unknown printer kind {raw.get('kind')!r}") from exc
    return PrinterConfig(**values)


def load_printers(folder: Path) -> PrinterSetup:
    """The station's printers; an empty setup when none is set up yet.

    Raises BenchError(PRINTERS_INVALID) naming the file and what is wrong in it."""
    path = folder / PRINTERS_NAME
    if not path.exists() and not path.is_symlink():  # a broken link is no default
        return PrinterSetup()
    try:
        raw = parse_json(read_input_text(path, limit=CONFIG_MAX))
        if not isinstance(raw, dict) or not isinstance(raw.get("printers", []), list):
            raise ValueError('expected {"default": ..., "printers": [...]}')
        default = raw.get("default", "")
        if not isinstance(default, str):
            raise ValueError("default must be a printer's name")
        setup = PrinterSetup([_printer_from_json(p) for p in raw.get("printers", [])], default)
        setup.validate()
    except (OSError, ValueError, TypeError) as exc:
        raise BenchError("PRINTERS_INVALID", path=str(path), detail=str(exc)) from exc
    return setup


def save_printers(folder: Path, setup: PrinterSetup) -> Path:
    """Writes printers.json atomically after checking it; BenchError(PRINTERS_INVALID)."""
    path = folder / PRINTERS_NAME
    try:
        setup.validate()
    except ValueError as exc:
        raise BenchError("PRINTERS_INVALID", path=str(path), detail=str(exc)) from exc
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(setup.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path
