"""Brother QL label printers, through brother_ql (the maintained `brother-ql-next` fork):
its raster conversion and its backends (network TCP 9100, pyusb, the kernel's usblp).

Before sending, the printer is asked for its 32-byte status (ESC i S): an empty roll, an
open cover or the wrong roll is reported in plain words instead of a silent failure. A
network model that does not answer status requests is printed to anyway.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from brother_ql.backends import backend_factory, guess_backend
from brother_ql.conversion import convert
from brother_ql.raster import BrotherQLRaster
from brother_ql.reader import interpret_response

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.render import render
from bench_app.output.printers.base import LabelPrinter

STATUS_TIMEOUT_S = 2.0
PRINT_TIMEOUT_S = 15.0
_NO_MEDIA = {
    "No media when printing",
    "End of media (die-cut size only)",
    "Replace media error",
    "Media cannot be fed (also when the media end is detected)",
}
_OFF = {"Printer turned off"}
_ROLL_WIDTH_MM = {"62": 62, "29x90": 29}


def backend_name(address: str) -> str:
    """brother_ql's backend for an address: tcp:// network, usb:// pyusb, file:// usblp."""
    try:
        return str(guess_backend(address))
    except (ValueError, NotImplementedError) as exc:
        raise ValueError(f"not a Brother QL address: {address!r}") from exc


class BrotherPrinter(LabelPrinter):
    def _open(self) -> Any:
        address = self.config.address
        try:
            backend = backend_factory(backend_name(address))["backend_class"](address)
        except BenchError:
            raise
        except Exception as exc:  # each backend fails its own way: OSError, ValueError, usb
            raise BenchError(
                "PRINTER_UNREACHABLE", printer=self.config.name, detail=f"{address}: {exc}"
            ) from exc
        return backend

    def _read_status(self, backend: Any, timeout_s: float) -> dict[str, Any] | None:
        """The next 32-byte status the printer sends, parsed; None if none comes in time."""
        buffer = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                chunk = backend.read(32)
            except OSError as exc:
                raise BenchError(
                    "PRINTER_UNREACHABLE", printer=self.config.name, detail=str(exc)
                ) from exc
            if chunk:
                buffer += bytes(chunk)
            start = buffer.find(b"\x80\x20\x42")
            if start >= 0 and len(buffer) - start >= 32:
                reply = buffer[start : start + 32]
                return dict(interpret_response(reply))
            if not chunk:
                time.sleep(0.01)
        return None

    def _raise_for(self, status: dict[str, Any] | None) -> None:
        if status is None:
            return
        name = self.config.name
        errors = [str(e) for e in status.get("errors") or []]
        if any(e in _OFF for e in errors):
            raise BenchError("PRINTER_UNREACHABLE", printer=name, detail=", ".join(errors))
        if any(e in _NO_MEDIA for e in errors) or status.get("media_type") == "No media":
            detail = ", ".join(errors) or "no media"
            raise BenchError("PRINTER_NO_MEDIA", printer=name, detail=detail)
        if errors:
            raise BenchError("PRINTER_NOT_READY", printer=name, detail=", ".join(errors))
        width = int(status.get("media_width") or 0)
        wanted = _ROLL_WIDTH_MM.get(self.template.brother_label or "")
        if width and wanted and width != wanted:
            raise BenchError(
                "PRINTER_NOT_READY",
                printer=name,
                detail=f"rouleau de {width} mm chargé, {wanted} mm attendu / "
                f"{width} mm roll loaded, {wanted} mm expected",
            )

    def _status_request(self) -> bytes:
        raster = BrotherQLRaster(self.config.model)
        raster.add_invalidate()
        raster.add_initialize()
        raster.add_status_information()
        return bytes(raster.data)

    def check(self) -> None:
        backend = self._open()
        try:
            self._write(backend, self._status_request())
            self._raise_for(self._read_status(backend, STATUS_TIMEOUT_S))
        finally:
            _dispose(backend)

    def raster(self, contents: Sequence[LabelContent]) -> bytes:
        """The raster instructions for these labels (what goes down the wire)."""
        tpl = self.template
        if tpl.brother_label is None:
            raise BenchError(
                "PRINTERS_INVALID",
                path=self.config.name,
                detail=f"template {tpl.name} is not a Brother QL roll",
            )
        raster = BrotherQLRaster(self.config.model)
        raster.exception_on_warning = True
        images = [render(c, tpl) for c in contents]
        convert(raster, images, tpl.brother_label, cut=True, rotate="auto", compress=True)
        return bytes(raster.data)

    def _write(self, backend: Any, data: bytes) -> None:
        try:
            backend.write(data)
        except Exception as exc:  # a socket, usb.core or file error: the printer went away
            raise BenchError(
                "PRINTER_UNREACHABLE", printer=self.config.name, detail=str(exc)
            ) from exc

    def print_labels(self, contents: Sequence[LabelContent]) -> str:
        data = self.raster(contents)
        backend = self._open()
        try:
            self._write(backend, self._status_request())
            first = self._read_status(backend, STATUS_TIMEOUT_S)
            self._raise_for(first)
            self._write(backend, data)
            if first is None:
                return self.config.address  # a printer that never answers: sent is all we know
            printed = 0
            deadline = time.monotonic() + PRINT_TIMEOUT_S
            while printed < len(contents) and time.monotonic() < deadline:
                status = self._read_status(backend, deadline - time.monotonic())
                if status is None:
                    break
                if status.get("errors") or status.get("status_type") == "Error occurred":
                    self._raise_for(status)
                    raise BenchError("PRINT_FAILED", printer=self.config.name, detail=str(status))
                if status.get("status_type") == "Printing completed":
                    printed += 1
            if printed < len(contents):
                raise BenchError(
                    "PRINT_FAILED",
                    printer=self.config.name,
                    detail=f"{printed}/{len(contents)} étiquettes confirmées / labels confirmed",
                )
        finally:
            _dispose(backend)
        return self.config.address


def _dispose(backend: Any) -> None:
    # Closing a printer that already went away: nothing left to release.
    with contextlib.suppress(Exception):
        backend.dispose()
