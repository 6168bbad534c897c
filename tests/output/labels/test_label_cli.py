"""`etabli label` and `etabli print-label`, run as a workshop would from a shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.output.labels.templates import TEMPLATES
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.simulators.printers import SimulatedZebra
from tests.conftest import ARTIFACTS
from tests.output.labels.conftest import Workshop, scan, wait_for

# Looked at by people (the README's pictures are copied from here).
DOCS = ARTIFACTS / "labels"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_label_to_png_for_every_template(
    workshop: Workshop, data_dir: Path, tmp_path: Path, name: str
) -> None:
    code = workshop.phone.asset_code
    out = tmp_path / f"{name}.png"
    assert main(["label", code.lower(), "-o", str(out), "--template", name]) == 0
    assert scan(out) == [code.replace("-", "")]
    DOCS.mkdir(parents=True, exist_ok=True)  # the pictures in the README
    (DOCS / f"label-{name}.png").write_bytes(out.read_bytes())


def test_label_sheet_pdf_and_bad_input(
    workshop: Workshop, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = [workshop.phone.asset_code, workshop.drive.asset_code, workshop.laptop.asset_code]
    pdf = tmp_path / "sheet.pdf"
    assert main(["label", *codes, "-o", str(pdf), "--template", "a4-24"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["label", "ABCD-2345-Z", "-o", str(tmp_path / "x.png")]) == 2
    assert "n’est pas valide" in capsys.readouterr().err
    assert main(["label", codes[0], "-o", str(tmp_path / "x.jpg"), "--lang", "en"]) == 2
    assert ".png or .pdf" in capsys.readouterr().err


def test_print_label_on_the_configured_printer(
    workshop: Workshop, data_dir: Path, zebra: SimulatedZebra, capsys: pytest.CaptureFixture[str]
) -> None:
    code = workshop.drive.asset_code
    assert main(["print-label", code]) == 2
    assert "Imprimantes" in capsys.readouterr().err  # nothing set up yet: says where to do it
    setup = PrinterSetup()
    setup.put(PrinterConfig("Zebra", PrinterKind.ZPL, "zebra-2x1", f"127.0.0.1:{zebra.port}"))
    save_printers(data_dir, setup)
    assert main(["print-label", code]) == 0
    wait_for(lambda: zebra.received)
    assert "Zebra" in capsys.readouterr().out
    zebra.off()
    assert main(["print-label", code, "--printer", "Zebra"]) == 2
    assert "allumée" in capsys.readouterr().err
