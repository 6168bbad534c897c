"""Any printer the system's CUPS knows, reached through the `lp` command.

`lp` runs in its own session (so a hung CUPS can be stopped with its children) with a time
limit; its exit status and message become a BenchError a person can act on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.render import save_pdf
from bench_app.output.labels.templates import LabelTemplate
from bench_app.output.printers.base import LabelPrinter

LP_TIMEOUT_S = 30.0
# lp's messages when the CUPS server itself cannot be reached (not the printer behind it).
_UNREACHABLE_HINTS = ("connection refused", "no such file", "unable to connect", "bad file")


def run_lp(
    printer: str,
    queue: str,
    path: Path,
    *,
    server: str = "",
    options: Sequence[str] = (),
    timeout_s: float = LP_TIMEOUT_S,
) -> str:
    """Sends `path` to the CUPS queue `queue`; returns lp's answer (the request id).

    Raises BenchError: PRINTER_UNREACHABLE when CUPS does not answer, PRINTER_UNKNOWN when
    the queue does not exist, PRINT_FAILED otherwise.
    """
    env = dict(os.environ)
    if server:
        env["CUPS_SERVER"] = server
    argv = ["lp", "-d", queue]
    for option in options:
        argv += ["-o", option]
    argv += ["--", str(path)]
    try:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise BenchError(
            "PRINT_FAILED", printer=printer, detail="lp est absent / lp is missing (cups-client)"
        ) from exc
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        _stop(proc)
        raise BenchError(
            "PRINTER_UNREACHABLE", printer=printer, detail=f"lp: {timeout_s:.0f} s sans réponse"
        ) from exc
    if proc.returncode == 0:
        return out.strip()
    message = (
        (err or out).strip().splitlines()[-1] if (err or out).strip() else f"exit {proc.returncode}"
    )
    low = message.lower()
    if "does not exist" in low or "unknown destination" in low or "n'existe pas" in low:
        _require_scheduler(printer, server)  # lp says "does not exist" when CUPS is down too
        raise BenchError("PRINTER_UNKNOWN", name=queue)
    if any(h in low for h in _UNREACHABLE_HINTS):
        raise BenchError("PRINTER_UNREACHABLE", printer=printer, detail=message)
    raise BenchError("PRINT_FAILED", printer=printer, detail=message)


def _require_scheduler(printer: str, server: str) -> None:
    """BenchError(PRINTER_UNREACHABLE) unless the CUPS scheduler answers `lpstat -r`."""
    env = dict(os.environ)
    if server:
        env["CUPS_SERVER"] = server
    try:
        result = subprocess.run(
            ["lpstat", "-r"],
            capture_output=True,
            text=True,
            env=env,
            timeout=10,
            start_new_session=True,
            check=False,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return  # no way to tell: let the caller's own message stand
    if "not running" in result.stdout or result.returncode != 0:
        raise BenchError(
            "PRINTER_UNREACHABLE",
            printer=printer,
            detail="le service d’impression CUPS ne répond pas / CUPS is not running",
        )


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM to lp's whole session, then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


def lp_options_for(tpl: LabelTemplate) -> list[str]:
    """The media size CUPS should use: the label's own, or A4 for a sheet."""
    if tpl.sheet is not None:
        return ["media=A4", "fit-to-page=false"]
    return [f"media=Custom.{tpl.width_mm:.1f}x{tpl.height_mm:.1f}mm", "fit-to-page"]


class CupsPrinter(LabelPrinter):
    """Labels as a PDF (vectors: sharp on any printer's resolution) through `lp`."""

    def check(self) -> None:
        """CUPS queues answer for the printer; `lpstat` is asked whether the queue exists."""
        env = dict(os.environ)
        if self.config.server:
            env["CUPS_SERVER"] = self.config.server
        try:
            result = subprocess.run(
                ["lpstat", "-p", self.config.address],
                capture_output=True,
                text=True,
                env=env,
                timeout=10,
                start_new_session=True,
                check=False,
            )
        except FileNotFoundError:
            return  # no lpstat: printing will tell
        except subprocess.TimeoutExpired as exc:
            raise BenchError(
                "PRINTER_UNREACHABLE", printer=self.config.name, detail="lpstat: 10 s"
            ) from exc
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip() or f"exit {result.returncode}"
            if any(h in message.lower() for h in _UNREACHABLE_HINTS):
                raise BenchError("PRINTER_UNREACHABLE", printer=self.config.name, detail=message)
            _require_scheduler(self.config.name, self.config.server)
            raise BenchError("PRINTER_UNKNOWN", name=self.config.address)

    def print_labels(self, contents: Sequence[LabelContent]) -> str:
        tpl = self.template
        with tempfile.TemporaryDirectory(prefix="etabli-label-") as tmp:
            pdf = save_pdf(contents, tpl, Path(tmp) / "labels.pdf")
            answer = run_lp(
                self.config.name,
                self.config.address,
                pdf,
                server=self.config.server,
                options=lp_options_for(tpl),
            )
        return answer or self.config.address
