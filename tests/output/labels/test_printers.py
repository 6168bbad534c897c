"""Every printer kind against a printer that speaks its real protocol: what arrives is
decoded back into an image and its QR code scanned with zbar; an empty or switched-off
printer gives a plain message, and printing again once it is fixed works."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench_app.domain.asset_code import AssetCode
from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent, sample_content
from bench_app.output.labels.templates import TEMPLATES
from bench_app.output.printers import (
    PrinterConfig,
    PrinterKind,
    PrinterSetup,
    load_printers,
    make_printer,
    save_printers,
)
from bench_app.output.printers.zpl import parse_host_status
from bench_app.simulators.printers import SimulatedBrotherQL, SimulatedZebra
from tests.output.labels.conftest import Cups, scan, wait_for


def _scan_image(image: object, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / f"{name}.png"
    image.save(path)  # type: ignore[attr-defined]
    return scan(path)


def brother_config(sim: SimulatedBrotherQL, tpl: str = "brother-62") -> PrinterConfig:
    return PrinterConfig("QL-820", PrinterKind.BROTHER, tpl, f"tcp://127.0.0.1:{sim.port}")


def zebra_config(sim: SimulatedZebra, tpl: str = "zebra-2x1") -> PrinterConfig:
    return PrinterConfig("Zebra", PrinterKind.ZPL, tpl, f"127.0.0.1:{sim.port}")


CONTENT = sample_content("fr")


# -- Brother QL ---------------------------------------------------------------------------


def test_brother_raster_arrives_and_scans(brother: SimulatedBrotherQL, tmp_path: Path) -> None:
    printer = make_printer(brother_config(brother))
    printer.check()
    code = AssetCode.make("TEST", 2)
    second = LabelContent(**{**CONTENT.__dict__, "code": str(code)})
    printer.print_labels([CONTENT, second])
    assert brother.status_requests >= 2
    assert len(brother.labels) == 2
    # 720 dots across the head: the 696 printable dots of a 62 mm roll, plus its margins.
    assert brother.labels[0].size == (720, TEMPLATES["brother-62"].height_dots)
    assert _scan_image(brother.labels[0], tmp_path, "a") == [CONTENT.qr_data]
    assert _scan_image(brother.labels[1], tmp_path, "b") == [code.compact]


def test_brother_die_cut_label_is_turned_to_the_roll(tmp_path: Path) -> None:
    sim = SimulatedBrotherQL(29, 90)
    try:
        make_printer(brother_config(sim, "brother-29x90")).print_labels([CONTENT])
        (label,) = sim.labels
        assert label.size == (720, 991)  # printed lengthwise along the 29 mm roll
        assert _scan_image(label, tmp_path, "die-cut") == [CONTENT.qr_data]
    finally:
        sim.off()


def test_brother_out_of_labels_then_reloaded(brother: SimulatedBrotherQL) -> None:
    printer = make_printer(brother_config(brother))
    brother.media_width = 0
    with pytest.raises(BenchError) as err:
        printer.check()
    assert err.value.code == "PRINTER_NO_MEDIA"
    assert "rouleau" in err.value.text("fr") and "Retry" in err.value.text("en")
    with pytest.raises(BenchError) as err:
        printer.print_labels([CONTENT])
    assert err.value.code == "PRINTER_NO_MEDIA" and brother.labels == []
    brother.media_width = 62
    printer.print_labels([CONTENT])
    assert len(brother.labels) == 1


def test_brother_wrong_roll_is_named(brother: SimulatedBrotherQL) -> None:
    brother.media_width = 29
    with pytest.raises(BenchError) as err:
        make_printer(brother_config(brother)).check()
    assert err.value.code == "PRINTER_NOT_READY" and "62 mm" in err.value.text("fr")


def test_brother_switched_off_then_on(brother: SimulatedBrotherQL) -> None:
    printer = make_printer(brother_config(brother))
    brother.off()
    with pytest.raises(BenchError) as err:
        printer.print_labels([CONTENT])
    assert err.value.code == "PRINTER_UNREACHABLE"
    brother.on()
    printer.print_labels([CONTENT])
    assert len(brother.labels) == 1


# -- Zebra (ZPL) --------------------------------------------------------------------------


@pytest.mark.parametrize("tpl", ["zebra-2x1", "zebra-4x6"])
def test_zpl_over_tcp_arrives_and_scans(zebra: SimulatedZebra, tmp_path: Path, tpl: str) -> None:
    printer = make_printer(zebra_config(zebra, tpl))
    printer.check()
    printer.print_labels([CONTENT])
    wait_for(lambda: zebra.received)
    (document,) = zebra.received
    assert document.startswith(b"~HS") is False and b"^XA" in document and b"^XZ" in document
    (label,) = zebra.labels
    t = TEMPLATES[tpl]
    assert label.size[1] == t.height_dots and label.size[0] >= t.width_dots
    assert _scan_image(label, tmp_path, tpl) == [CONTENT.qr_data]


def test_zpl_paper_out_then_reloaded(zebra: SimulatedZebra) -> None:
    printer = make_printer(zebra_config(zebra))
    zebra.paper_out = True
    with pytest.raises(BenchError) as err:
        printer.print_labels([CONTENT])
    assert err.value.code == "PRINTER_NO_MEDIA"
    assert zebra.received == []
    zebra.paper_out = False
    printer.print_labels([CONTENT])
    wait_for(lambda: len(zebra.received) == 1)


def test_zpl_head_open_and_printer_off(zebra: SimulatedZebra) -> None:
    printer = make_printer(zebra_config(zebra))
    zebra.head_open = True
    with pytest.raises(BenchError) as err:
        printer.check()
    assert err.value.code == "PRINTER_NOT_READY"
    zebra.head_open = False
    zebra.off()
    with pytest.raises(BenchError) as err:
        printer.print_labels([CONTENT])
    assert err.value.code == "PRINTER_UNREACHABLE"
    assert "allumée" in err.value.text("fr")


def test_host_status_parser_reads_the_flags() -> None:
    sim = SimulatedZebra()
    try:
        sim.paper_out = True
        status = parse_host_status(sim.host_status())
        assert status.paper_out and not status.head_open and not status.paused
    finally:
        sim.off()
    with pytest.raises(ValueError):
        parse_host_status(b"\x02garbage\x03")


# -- CUPS (a real cupsd) ------------------------------------------------------------------


def test_zpl_through_a_raw_cups_queue(cups: Cups, zebra: SimulatedZebra, tmp_path: Path) -> None:
    cups.add_raw_queue("zebra", f"socket://127.0.0.1:{zebra.port}")
    config = PrinterConfig(
        "Zebra (CUPS)", PrinterKind.ZPL, "zebra-2x1", "cups:zebra", server=cups.server
    )
    answer = make_printer(config).print_labels([CONTENT])
    assert answer.startswith("request id is zebra-")
    wait_for(lambda: zebra.received)
    assert _scan_image(zebra.labels[0], tmp_path, "cups-zpl") == [CONTENT.qr_data]


def test_any_printer_gets_a_pdf_through_lp(
    cups: Cups, zebra: SimulatedZebra, tmp_path: Path
) -> None:
    cups.add_raw_queue("office", f"socket://127.0.0.1:{zebra.port}")
    config = PrinterConfig("Bureau", PrinterKind.CUPS, "a4-24", "office", server=cups.server)
    printer = make_printer(config)
    printer.check()
    printer.print_labels([CONTENT] * 3)
    wait_for(lambda: zebra.raw)
    pdf = tmp_path / "received.pdf"
    pdf.write_bytes(zebra.raw[0])
    assert zebra.raw[0].startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    assert scan(tmp_path / "p-1.png") == [CONTENT.qr_data] * 3


def test_cups_unknown_queue_and_server_down(cups: Cups) -> None:
    config = PrinterConfig("X", PrinterKind.CUPS, "brother-62", "nowhere", server=cups.server)
    with pytest.raises(BenchError) as err:
        make_printer(config).print_labels([CONTENT])
    assert err.value.code == "PRINTER_UNKNOWN"
    with pytest.raises(BenchError) as err:
        make_printer(config).check()
    assert err.value.code == "PRINTER_UNKNOWN"
    cups.stop()
    with pytest.raises(BenchError) as err:
        make_printer(config).print_labels([CONTENT])
    assert err.value.code == "PRINTER_UNREACHABLE" and "CUPS" in err.value.text("en")
    with pytest.raises(BenchError) as err:
        make_printer(config).check()
    assert err.value.code == "PRINTER_UNREACHABLE"


# -- files and printers.json --------------------------------------------------------------


def test_file_printer_writes_png_and_pdf(tmp_path: Path) -> None:
    png = PrinterConfig("PNG", PrinterKind.FILE, "zebra-2x1", str(tmp_path / "out"))
    written = make_printer(png).print_labels([CONTENT])
    assert scan(Path(written)) == [CONTENT.qr_data]
    sheet = PrinterConfig("PDF", PrinterKind.FILE, "a4-24", str(tmp_path / "out"))
    written = make_printer(sheet).print_labels([CONTENT, CONTENT])
    assert Path(written).read_bytes().startswith(b"%PDF")


def test_printers_json_round_trip_and_validation(data_dir: Path) -> None:
    assert load_printers(data_dir).printers == []
    setup = PrinterSetup()
    setup.put(PrinterConfig("QL", PrinterKind.BROTHER, "brother-62", "tcp://10.0.0.5"))
    setup.put(PrinterConfig("Z", PrinterKind.ZPL, "zebra-4x6", "cups:zebra"), make_default=True)
    save_printers(data_dir, setup)
    again = load_printers(data_dir)
    assert (
        again == setup and again.get().name == "Z" and again.get("QL").address == "tcp://10.0.0.5"
    )
    with pytest.raises(BenchError) as err:
        again.get("absent")
    assert err.value.code == "PRINTER_UNKNOWN"
    bad = PrinterSetup([PrinterConfig("Z", PrinterKind.ZPL, "brother-62", "10.0.0.6")])
    with pytest.raises(BenchError) as err:
        save_printers(data_dir, bad)
    assert err.value.code == "PRINTERS_INVALID" and "203 dpi" in err.value.text("en")
    assert load_printers(data_dir) == setup  # the good file is left as it was


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        json.dumps({"printers": [{"name": "A", "kind": "laser", "template": "brother-62"}]}),
        json.dumps(
            {
                "printers": [
                    {"name": "A", "kind": "brother", "template": "zebra-2x1", "address": "tcp://h"}
                ]
            }
        ),
        json.dumps(
            {
                "printers": [
                    {"name": "A", "kind": "brother", "template": "brother-62", "address": "lpt1"}
                ]
            }
        ),
        json.dumps(
            {"printers": [{"name": "A", "kind": "zpl", "template": "zebra-2x1", "address": 9100}]}
        ),
        json.dumps({"default": "B", "printers": []}),
    ],
)
def test_a_broken_printers_json_is_reported(data_dir: Path, content: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "printers.json").write_text(content)
    with pytest.raises(BenchError) as err:
        load_printers(data_dir)
    assert err.value.code == "PRINTERS_INVALID" and "printers.json" in err.value.text("fr")
