"""What every label printer does, and how one is described in the station's settings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.templates import LabelTemplate, template
from bench_app.text import Text


class PrinterKind(StrEnum):
    BROTHER = "brother"  # Brother QL, raster over USB or the network
    ZPL = "zpl"  # Zebra and compatibles, ZPL over TCP 9100 or a raw CUPS queue
    CUPS = "cups"  # any printer CUPS knows, sent a PDF through `lp`
    FILE = "file"  # no printer: PNG or PDF files in a folder


KIND_LABELS: dict[PrinterKind, Text] = {
    PrinterKind.BROTHER: Text("Brother QL (USB ou réseau)", "Brother QL (USB or network)"),
    PrinterKind.ZPL: Text("Zebra (ZPL)", "Zebra (ZPL)"),
    PrinterKind.CUPS: Text("Imprimante du système (CUPS)", "System printer (CUPS)"),
    PrinterKind.FILE: Text("Fichiers PDF ou PNG", "PDF or PNG files"),
}

BROTHER_MODELS = (
    "QL-500",
    "QL-550",
    "QL-570",
    "QL-700",
    "QL-710W",
    "QL-720NW",
    "QL-800",
    "QL-810W",
    "QL-820NWB",
    "QL-1050",
    "QL-1060N",
    "QL-1100",
    "QL-1110NWB",
)


@dataclass(frozen=True)
class PrinterConfig:
    """One printer as the station keeps it in printers.json.

    `address` means, by kind: Brother "tcp://HOST[:PORT]", "usb://0x04f9:0x209b[/SERIAL]" or
    "file:///dev/usb/lp0"; ZPL "HOST[:PORT]" or "cups:QUEUE"; CUPS the queue name; files the
    folder. `server` is an optional CUPS server (host:port or socket path) for `lp`.
    """

    name: str
    kind: PrinterKind
    template: str
    address: str = ""
    model: str = "QL-820NWB"
    server: str = ""
    file_format: str = "png"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


class LabelPrinter(ABC):
    """A printer the station can send asset labels to.

    `check()` asks the printer whether it can print now and raises BenchError (PRINTER_*)
    saying what to do when it cannot; `print_labels()` prints and returns where they went.
    Both block: callers run them off the GUI thread.
    """

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config

    @property
    def template(self) -> LabelTemplate:
        return template(self.config.template)

    @abstractmethod
    def check(self) -> None: ...

    @abstractmethod
    def print_labels(self, contents: Sequence[LabelContent]) -> str: ...
