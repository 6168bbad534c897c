#!/usr/bin/env python3
"""Asset labels, measured side by side with Debian's `qrencode` making the same QR code:

1. one label as a 300 dpi PNG (Brother 62 mm: QR, code, details) vs `qrencode` writing a PNG
   of the same QR code alone at the same module size, one process per label as a script would;
2. an A4 PDF sheet of 24 labels vs `qrencode` writing the 24 QR codes as 24 PNG files.

The reference does less (no text, no layout, no PDF): the ratio says what the whole label
costs against the QR code alone. Établi runs in-process here, as in the window.

    .venv/bin/python benchmarks/bench_labels.py [--labels 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import _common

from bench_app.domain.asset_code import AssetCode
from bench_app.output.labels.content import LabelContent, sample_content
from bench_app.output.labels.layout import layout
from bench_app.output.labels.render import render, save_pdf, save_png
from bench_app.output.labels.templates import TEMPLATES


def contents(n: int) -> list[LabelContent]:
    base = sample_content("fr")
    return [
        LabelContent(**{**base.__dict__, "code": str(AssetCode.make("K7PA", i + 1))})
        for i in range(n)
    ]


def qrencode(data: str, out: Path, module: int) -> None:
    subprocess.run(
        ["qrencode", "-l", "M", "-s", str(module), "-m", "2", "-o", str(out), data], check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    assert shutil.which("qrencode"), "install Debian's qrencode"
    tpl = TEMPLATES["brother-62"]
    sheet = TEMPLATES["a4-24"]
    items = contents(args.labels)
    module = layout(items[0], tpl).module
    render(items[0], tpl)  # fonts loaded once, as in a running station
    png_ours, png_ref, pdf_ours, pdf_ref = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.runs):
            t = time.perf_counter()
            for i, c in enumerate(items):
                save_png(c, tpl, out / f"e{i}.png")
            png_ours.append((time.perf_counter() - t) / len(items))
            t = time.perf_counter()
            for i, c in enumerate(items):
                qrencode(c.qr_data, out / f"q{i}.png", module)
            png_ref.append((time.perf_counter() - t) / len(items))
            t = time.perf_counter()
            save_pdf(items[:24], sheet, out / "sheet.pdf")
            pdf_ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            for i, c in enumerate(items[:24]):
                qrencode(c.qr_data, out / f"s{i}.png", layout(c, sheet).module)
            pdf_ref.append(time.perf_counter() - t)
    m = _common.median
    _common.report(
        "labels",
        {
            "labels_per_run": args.labels,
            "runs": args.runs,
            "png_300dpi_label_ms": {
                "etabli": round(m(png_ours) * 1000, 2),
                "qrencode_qr_only": round(m(png_ref) * 1000, 2),
                "ratio_etabli_over_qrencode": round(m(png_ours) / m(png_ref), 2),
                "each_run_ratio": [round(a / b, 2) for a, b in zip(png_ours, png_ref, strict=True)],
            },
            "a4_sheet_of_24_ms": {
                "etabli_pdf": round(m(pdf_ours) * 1000, 1),
                "qrencode_24_pngs": round(m(pdf_ref) * 1000, 1),
                "ratio_etabli_over_qrencode": round(m(pdf_ours) / m(pdf_ref), 2),
                "each_run_ratio": [round(a / b, 2) for a, b in zip(pdf_ours, pdf_ref, strict=True)],
            },
        },
        [
            _common.measure("label_png_vs_qrencode", m(png_ours), m(png_ref), "s/label"),
            _common.measure("label_sheet_pdf_vs_qrencode", m(pdf_ours), m(pdf_ref), "s/sheet"),
        ],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
