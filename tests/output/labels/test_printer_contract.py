"""The label printer's contract: what the window and `etabli print-label` may count on from any
printer kind. One subclass per implementation, each against a printer that speaks its real
protocol (the simulated Brother QL and Zebra, a real cupsd) or a folder: labels arrive, each
with its own code (decoded back and scanned with zbar); an unreachable printer is said plainly
with a stable code and nothing arrives; once it is back, printing works again."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bench_app.domain.asset_code import AssetCode
from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent, sample_content
from bench_app.output.printers import LabelPrinter, PrinterConfig, PrinterKind, make_printer
from bench_app.simulators.printers import SimulatedBrotherQL, SimulatedZebra
from tests.output.labels.conftest import Cups, scan, wait_for

FIRST = sample_content("fr")
SECOND = LabelContent(**{**FIRST.__dict__, "code": str(AssetCode.make("TEST", 7))})


class Bench:
    """A printer of one kind, and the hands that can switch it off and read what it got."""

    def printer(self) -> LabelPrinter:
        raise NotImplementedError

    def received_codes(self, count: int, folder: Path) -> list[str]:
        """The codes scanned from what the printer received, once `count` labels arrived."""
        raise NotImplementedError

    def received_nothing(self) -> bool:
        raise NotImplementedError

    def off(self) -> None:
        raise NotImplementedError

    def on(self) -> None:
        raise NotImplementedError


def _scan_images(images: list[Image.Image], folder: Path) -> list[str]:
    codes = []
    for i, image in enumerate(images):
        path = folder / f"label-{i}.png"
        image.save(path)
        codes += scan(path)
    return codes


class PrinterContract:
    """What every label printer does."""

    # check() asks the printer (or its spooler) whether it can print; a raw CUPS queue for a
    # ZPL printer gives no status, so there check() says nothing and printing tells.
    check_asks_the_printer = True

    @pytest.fixture
    def bench(self) -> Bench:
        raise NotImplementedError

    def test_a_ready_printer_checks_clean(self, bench: Bench) -> None:
        bench.printer().check()
        assert bench.received_nothing()

    def test_labels_arrive_each_with_its_own_code(self, bench: Bench, tmp_path: Path) -> None:
        answer = bench.printer().print_labels([FIRST, SECOND])
        assert isinstance(answer, str) and answer
        codes = bench.received_codes(2, tmp_path)
        assert sorted(codes) == sorted([FIRST.qr_data, SECOND.qr_data])

    def test_an_unreachable_printer_is_said_plainly_and_nothing_arrives(self, bench: Bench) -> None:
        printer = bench.printer()
        bench.off()
        attempts: list[Callable[[], object]] = [lambda: printer.print_labels([FIRST])]
        if self.check_asks_the_printer:
            attempts.append(printer.check)
        else:
            printer.check()  # no status to ask for: no answer either way
        for attempt in attempts:
            with pytest.raises(BenchError) as refused:
                attempt()
            assert refused.value.code == "PRINTER_UNREACHABLE"
            assert refused.value.text("fr") and refused.value.text("en")
            assert refused.value.action.fr and refused.value.action.en  # what to do next
        assert bench.received_nothing()

    def test_printing_works_again_once_it_is_back(self, bench: Bench, tmp_path: Path) -> None:
        printer = bench.printer()
        bench.off()
        with pytest.raises(BenchError):
            printer.print_labels([FIRST])
        bench.on()
        printer.check()
        printer.print_labels([SECOND])
        assert bench.received_codes(1, tmp_path) == [SECOND.qr_data]


# -- Brother QL over the network ------------------------------------------------------------


class BrotherBench(Bench):
    def __init__(self, sim: SimulatedBrotherQL) -> None:
        self.sim = sim

    def printer(self) -> LabelPrinter:
        address = f"tcp://127.0.0.1:{self.sim.port}"
        return make_printer(PrinterConfig("QL-820", PrinterKind.BROTHER, "brother-62", address))

    def received_codes(self, count: int, folder: Path) -> list[str]:
        assert len(self.sim.labels) == count  # the status reply comes after the raster
        return _scan_images(self.sim.labels, folder)

    def received_nothing(self) -> bool:
        return self.sim.labels == []

    def off(self) -> None:
        self.sim.off()

    def on(self) -> None:
        self.sim.on()


class TestBrotherQL(PrinterContract):
    @pytest.fixture
    def bench(self, brother: SimulatedBrotherQL) -> Bench:
        return BrotherBench(brother)


# -- Zebra (ZPL) over TCP -----------------------------------------------------------------


class ZebraBench(Bench):
    def __init__(self, sim: SimulatedZebra) -> None:
        self.sim = sim

    def printer(self) -> LabelPrinter:
        address = f"127.0.0.1:{self.sim.port}"
        return make_printer(PrinterConfig("Zebra", PrinterKind.ZPL, "zebra-2x1", address))

    def received_codes(self, count: int, folder: Path) -> list[str]:
        wait_for(lambda: len(self.sim.labels) >= count)
        return _scan_images(self.sim.labels, folder)

    def received_nothing(self) -> bool:
        return self.sim.raw == []

    def off(self) -> None:
        self.sim.off()

    def on(self) -> None:
        self.sim.on()


class TestZebraOverTcp(PrinterContract):
    @pytest.fixture
    def bench(self, zebra: SimulatedZebra) -> Bench:
        return ZebraBench(zebra)


# -- through a real cupsd -----------------------------------------------------------------


def _restart(cups: Cups) -> None:
    """Starts the stopped cupsd again on the same configuration (its queues are kept)."""
    cupsd = "/usr/sbin/cupsd" if Path("/usr/sbin/cupsd").exists() else "cupsd"
    cups.process = subprocess.Popen(
        [
            cupsd,
            "-f",
            "-c",
            str(cups.root / "cupsd.conf"),
            "-s",
            str(cups.root / "cups-files.conf"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    env = dict(os.environ, CUPS_SERVER=cups.server)
    deadline = time.monotonic() + 20
    while True:
        ready = subprocess.run(["lpstat", "-r"], env=env, capture_output=True, text=True)
        if "is running" in ready.stdout and "not" not in ready.stdout:
            return
        assert cups.process.poll() is None and time.monotonic() < deadline, "cupsd did not start"
        time.sleep(0.1)


class ZplThroughCupsBench(ZebraBench):
    """A Zebra behind a raw CUPS queue: switched off is the CUPS scheduler stopped."""

    def __init__(self, sim: SimulatedZebra, cups: Cups) -> None:
        super().__init__(sim)
        self.cups = cups
        cups.add_raw_queue("zebra", f"socket://127.0.0.1:{sim.port}")

    def printer(self) -> LabelPrinter:
        config = PrinterConfig(
            "Zebra (CUPS)", PrinterKind.ZPL, "zebra-2x1", "cups:zebra", server=self.cups.server
        )
        return make_printer(config)

    def off(self) -> None:
        self.cups.stop()

    def on(self) -> None:
        _restart(self.cups)


class TestZplThroughCups(PrinterContract):
    check_asks_the_printer = False

    @pytest.fixture
    def bench(self, zebra: SimulatedZebra, cups: Cups) -> Bench:
        return ZplThroughCupsBench(zebra, cups)


class CupsPdfBench(ZplThroughCupsBench):
    """Any printer CUPS knows, sent a PDF sheet (A4, 24 labels) through `lp`."""

    def __init__(self, sim: SimulatedZebra, cups: Cups) -> None:
        self.sim, self.cups = sim, cups
        cups.add_raw_queue("office", f"socket://127.0.0.1:{sim.port}")

    def printer(self) -> LabelPrinter:
        config = PrinterConfig(
            "Bureau", PrinterKind.CUPS, "a4-24", "office", server=self.cups.server
        )
        return make_printer(config)

    def received_codes(self, count: int, folder: Path) -> list[str]:
        wait_for(lambda: self.sim.raw)
        (document,) = self.sim.raw
        assert document.startswith(b"%PDF")
        pdf = folder / "received.pdf"
        pdf.write_bytes(document)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(folder / "p")], check=True)
        codes = [c for page in sorted(folder.glob("p-*.png")) for c in scan(page)]
        assert len(codes) == count
        return codes


class TestCupsPdf(PrinterContract):
    @pytest.fixture
    def bench(self, zebra: SimulatedZebra, cups: Cups) -> Bench:
        return CupsPdfBench(zebra, cups)


# -- no printer: PNG files in a folder ------------------------------------------------------


class FileBench(Bench):
    """Switched off is a folder that cannot be made (a file stands at its place)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def printer(self) -> LabelPrinter:
        return make_printer(PrinterConfig("PNG", PrinterKind.FILE, "zebra-2x1", str(self.folder)))

    def received_codes(self, count: int, folder: Path) -> list[str]:
        written = sorted(self.folder.glob("*.png"))
        assert len(written) == count
        return [c for path in written for c in scan(path)]

    def received_nothing(self) -> bool:
        return not self.folder.is_dir() or not any(self.folder.iterdir())

    def off(self) -> None:
        self.folder.write_text("not a folder")

    def on(self) -> None:
        self.folder.unlink()


class TestFilePrinter(PrinterContract):
    @pytest.fixture
    def bench(self, tmp_path: Path) -> Iterator[Bench]:
        yield FileBench(tmp_path / "labels")
