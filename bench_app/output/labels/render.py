"""Painting a label: a 1-bit image at the printer's own resolution (PNG, thermal printers)
or vectors in a PDF (one page per label, or cells on an A4 sheet)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.layout import PDF_FONTS, Layout, layout, pil_font
from bench_app.output.labels.templates import LabelTemplate
from bench_app.output.pdf_style import register_fonts


def render(content: LabelContent, tpl: LabelTemplate) -> Image.Image:
    """The label as a 1-bit image of exactly the template's dots (what the printer prints)."""
    lay = layout(content, tpl)
    image = Image.new("L", (lay.width, lay.height), 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(lay.matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = lay.qr_x + c * lay.module, lay.qr_y + r * lay.module
                draw.rectangle((x, y, x + lay.module - 1, y + lay.module - 1), fill=0)
    for run in lay.texts:
        anchor = "ls" if run.anchor == "l" else "ms"
        draw.text(
            (run.x, run.baseline),
            run.text,
            fill=0,
            font=pil_font(run.font, run.size),
            anchor=anchor,
        )
    # A thermal head has no grey: threshold rather than dither, so edges stay sharp.
    return image.point(lambda v: 255 if v >= 128 else 0, mode="1")


def save_png(content: LabelContent, tpl: LabelTemplate, path: Path) -> Path:
    """Writes the label as a PNG at the template's resolution (dpi recorded in the file)."""
    image = render(content, tpl)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", dpi=(tpl.dpi, tpl.dpi))
    return path


def _draw_pdf_label(canvas: Any, lay: Layout, x0: float, y0: float) -> None:
    """Draws `lay` with its top-left corner at (x0, y0) points (PDF y grows upwards)."""
    from reportlab.lib.colors import black

    scale = 72.0 / lay.dpi
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.setStrokeColor(black)
    size = lay.module * scale
    for r, row in enumerate(lay.matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # One rectangle per run of dark modules: fewer seams between neighbours.
            x = x0 + (lay.qr_x + start * lay.module) * scale
            y = y0 - (lay.qr_y + (r + 1) * lay.module) * scale
            canvas.rect(x, y, (c - start) * size, size, stroke=0, fill=1)
    for run in lay.texts:
        canvas.setFont(PDF_FONTS[run.font], run.size * scale)
        x, y = x0 + run.x * scale, y0 - run.baseline * scale
        if run.anchor == "m":
            canvas.drawCentredString(x, y, run.text)
        else:
            canvas.drawString(x, y, run.text)
    canvas.restoreState()


def save_pdf(contents: Sequence[LabelContent], tpl: LabelTemplate, path: Path) -> Path:
    """Writes labels as a PDF: on A4 sheets for a sheet template (one cell per label, as many
    pages as needed), else one page per label of the label's own size."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    if not contents:
        raise ValueError("no label to write")
    register_fonts()
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = tpl.sheet
    if sheet is None:
        page = (tpl.width_dots * 72.0 / tpl.dpi, tpl.height_dots * 72.0 / tpl.dpi)
        canvas = Canvas(str(path), pagesize=page, pageCompression=1)
        canvas.setTitle(", ".join(c.code for c in contents))
        for content in contents:
            _draw_pdf_label(canvas, layout(content, tpl), 0.0, page[1])
            canvas.showPage()
        canvas.save()
        return path
    page = (sheet.page_w_mm * mm, sheet.page_h_mm * mm)
    canvas = Canvas(str(path), pagesize=page, pageCompression=1)
    canvas.setTitle(", ".join(c.code for c in contents))
    for i, content in enumerate(contents):
        if i and i % sheet.per_page == 0:
            canvas.showPage()
        cell = i % sheet.per_page
        row, col = divmod(cell, sheet.columns)
        x0 = (sheet.left_mm + col * tpl.width_mm) * mm
        y0 = page[1] - (sheet.top_mm + row * tpl.height_mm) * mm
        _draw_pdf_label(canvas, layout(content, tpl), x0, y0)
    canvas.showPage()
    canvas.save()
    return path


def save(contents: Sequence[LabelContent], tpl: LabelTemplate, path: Path) -> list[Path]:
    """Writes labels to `path` by its extension: .pdf (all in one file) or .png (one file per
    label: NAME.png, then NAME-2.png...). BenchError(LABEL_OUTPUT_INVALID) for anything else."""
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise BenchError("LABEL_OUTPUT_INVALID", path=str(path))
    try:
        if suffix == ".pdf":
            return [save_pdf(contents, tpl, path)]
        written = []
        for i, content in enumerate(contents):
            target = path if i == 0 else path.with_name(f"{path.stem}-{i + 1}{path.suffix}")
            written.append(save_png(content, tpl, target))
        return written
    except OSError as exc:  # a folder of that name, no such folder, a full disk
        raise BenchError(
            "LABEL_WRITE_FAILED", path=str(path), detail=exc.strerror or str(exc)
        ) from exc
