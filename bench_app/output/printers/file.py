"""The printer that is no printer: labels saved as PNG or PDF files in a folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.render import save, save_png
from bench_app.output.printers.base import LabelPrinter


class FilePrinter(LabelPrinter):
    def _folder(self) -> Path:
        return Path(self.config.address).expanduser()

    def check(self) -> None:
        folder = self._folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BenchError(
                "PRINTER_UNREACHABLE", printer=self.config.name, detail=f"{folder}: {exc}"
            ) from exc

    def print_labels(self, contents: Sequence[LabelContent]) -> str:
        """One PNG per label (NAME = the asset code), or one PDF for all of them."""
        self.check()
        folder = self._folder()
        tpl = self.template
        if self.config.file_format == "pdf" or tpl.sheet is not None:
            name = (
                contents[0].code
                if len(contents) == 1
                else f"{contents[0].code}+{len(contents) - 1}"
            )
            written = save(contents, tpl, folder / f"{name}.pdf")
        else:
            written = [save_png(c, tpl, folder / f"{c.code}.png") for c in contents]
        return ", ".join(str(p) for p in written)
