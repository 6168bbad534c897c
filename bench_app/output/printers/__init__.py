"""Label printers: Brother QL (raster), Zebra (ZPL), any CUPS printer (`lp`), and files.

`make_printer(config)` gives the printer for one entry of printers.json."""

from __future__ import annotations

from bench_app.output.printers.base import (
    KIND_LABELS,
    LabelPrinter,
    PrinterConfig,
    PrinterKind,
)
from bench_app.output.printers.config import (
    PrinterSetup,
    load_printers,
    save_printers,
    validate_printer,
)


def make_printer(config: PrinterConfig) -> LabelPrinter:
    """The printer described by `config` (nothing is contacted until it is used)."""
    if config.kind is PrinterKind.BROTHER:
        from bench_app.output.printers.brother import BrotherPrinter

        return BrotherPrinter(config)
    if config.kind is PrinterKind.ZPL:
        from bench_app.output.printers.zpl import ZplPrinter

        return ZplPrinter(config)
    if config.kind is PrinterKind.CUPS:
        from bench_app.output.printers.cups import CupsPrinter

        return CupsPrinter(config)
    from bench_app.output.printers.file import FilePrinter

    return FilePrinter(config)


__all__ = [
    "KIND_LABELS",
    "LabelPrinter",
    "PrinterConfig",
    "PrinterKind",
    "PrinterSetup",
    "load_printers",
    "make_printer",
    "save_printers",
    "validate_printer",
]
