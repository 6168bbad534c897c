"""Where everything goes on one label, in printer dots.

One layout serves every output. It is computed in printer dots, with the QR module a whole
number of dots (a fractional module smears on a thermal head and stops scanning), then
painted either as a bitmap at the printer's own resolution or as vectors in a PDF
(bench_app/output/labels/render.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import segno
from PIL import ImageFont

from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.templates import LabelTemplate, mm_dots
from bench_app.output.pdf_style import FONT, FONT_BOLD, font_path

MIN_MODULE_DOTS = 3
MIN_CODE_HEIGHT_MM = 3.0
QR_BORDER_MODULES = 2  # the label's own white margin adds to this quiet zone

REGULAR = "regular"
BOLD = "bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
PDF_FONTS = {REGULAR: FONT, BOLD: FONT_BOLD}


@cache
def pil_font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(_FONT_FILES[kind])), size)


def _text_width(text: str, kind: str, size: int) -> float:
    return float(pil_font(kind, size).getlength(text))


def cap_height(kind: str, size: int) -> int:
    """Height in dots of a capital letter at `size` (what a reader sees as the text's height)."""
    box = pil_font(kind, size).getbbox("H", anchor="ls")
    return int(box[3] - box[1])


def _fit(text: str, kind: str, max_width: float, max_size: int, min_size: int = 6) -> int:
    """The largest size from `min_size` to `max_size` at which `text` fits in `max_width`."""
    # Width grows almost linearly with size: start from the estimate, then step to the exact
    # answer (hinting moves it by a dot or two), instead of trying every size from the top.
    reference = _text_width(text, kind, 100) or 1.0
    size = max(min(max_size, int(max_width * 100 / reference) + 1), min_size)
    while size > min_size and _text_width(text, kind, size) > max_width:
        size -= 1
    while size < max_size and _text_width(text, kind, size + 1) <= max_width:
        size += 1
    return size


def _fit_cap(kind: str, size: int, max_cap: float) -> int:
    """`size`, made smaller until a capital letter is at most `max_cap` dots high."""
    size = min(size, max(int(size * max_cap / max(cap_height(kind, size), 1)) + 1, 6))
    while size > 6 and cap_height(kind, size) > max_cap:
        size -= 1
    return size


def _ellipsize(text: str, kind: str, size: int, max_width: float) -> str:
    if _text_width(text, kind, size) <= max_width:
        return text
    while text and _text_width(text + "…", kind, size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class TextRun:
    """One line of text: (x, baseline) in dots; anchor "l" starts at x, "m" centres on x."""

    x: int
    baseline: int
    text: str
    font: str
    size: int
    anchor: str = "l"


@dataclass(frozen=True)
class Layout:
    """Where everything goes on one label, in printer dots (origin at the top left)."""

    width: int
    height: int
    dpi: int
    qr_x: int
    qr_y: int
    module: int  # dots per QR module
    matrix: tuple[tuple[bool, ...], ...]  # the QR's modules with its quiet zone, True = dark
    texts: tuple[TextRun, ...]
    code_run: TextRun
    boxes: tuple[tuple[int, int, int, int], ...] = field(default=())  # outlined (x0,y0,x1,y1)

    @property
    def qr_size(self) -> int:
        return self.module * len(self.matrix)


def _matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    qr = segno.make_qr(data, error="m", boost_error=True)
    return tuple(
        tuple(bool(v) for v in row) for row in qr.matrix_iter(scale=1, border=QR_BORDER_MODULES)
    )


def layout(content: LabelContent, tpl: LabelTemplate) -> Layout:
    """Places the QR code, the code in large characters, and the details on the label.

    Landscape labels: the code runs along the bottom across the whole width (the largest
    readable characters the label allows), the QR sits above it on the left, the details to
    its right. Portrait labels (4 × 6 in): QR, code and details stacked and centred.
    """
    matrix = _matrix(content.qr_data)
    n = len(matrix)
    w, h, dpi = tpl.width_dots, tpl.height_dots, tpl.dpi
    m = tpl.dots(tpl.margin_mm)
    gap = max(mm_dots(1.2, dpi), 4)
    details = [d for d in (content.specs, content.date) if d]
    grade_text = (("Note " if content.lang == "fr" else "Grade ") + content.grade) * bool(
        content.grade
    )
    if h > w:
        return _portrait(content, tpl, matrix, details, grade_text)
    lines: list[tuple[str, str, float]] = []  # text, font, share of a line's height
    if content.title:
        lines.append((content.title, BOLD, 1.0))
    lines.extend((d, REGULAR, 0.85) for d in details)
    if grade_text:
        lines.append((grade_text, BOLD, 1.0))
    if content.training:
        lines.append(("FORMATION" if content.lang == "fr" else "TRAINING", BOLD, 0.85))
    if w > 2.4 * h:
        return _wide(content, tpl, matrix, lines)

    # The code: as wide as the label allows, but no taller than a third of it.
    code_size = _fit_cap(BOLD, _fit(content.code, BOLD, w - 2 * m, 400), (h - 2 * m) * 0.27)
    code_cap = cap_height(BOLD, code_size)
    code_baseline = h - m
    code_run = TextRun(m, code_baseline, content.code, BOLD, code_size)

    top_h = code_baseline - code_cap - gap - m  # the band above the code
    module = max(top_h // n, 1)
    qr_x, qr_y = m, m + max((top_h - module * n) // 2, 0)
    qr_size = module * n
    # The quiet zone is white anyway: let the text start where the dark modules end.
    text_x = qr_x + qr_size - module * QR_BORDER_MODULES + gap
    text_w = w - m - text_x

    texts = _column(lines, text_x, m, text_w, top_h)
    return Layout(w, h, dpi, qr_x, qr_y, module, matrix, (*texts, code_run), code_run)


def _column(
    lines: list[tuple[str, str, float]], x: int, top: int, width: int, height: int
) -> list[TextRun]:
    """Lines of text stacked from `top`, each as large as its share of `height` allows."""
    texts: list[TextRun] = []
    if not lines:
        return texts
    line_h = height / max(len(lines), 3)
    y = float(top)
    for text, font, share in lines:
        size = max(int(line_h * 0.78 * share), 6)
        fitted = _fit(text, font, width, size, min_size=max(size * 2 // 3, 6))
        text = _ellipsize(text, font, fitted, width)
        texts.append(TextRun(x, int(y + line_h * 0.8), text, font, fitted))
        y += line_h
    return texts


def _wide(
    content: LabelContent,
    tpl: LabelTemplate,
    matrix: tuple[tuple[bool, ...], ...],
    lines: list[tuple[str, str, float]],
) -> Layout:
    """Long thin labels (29 × 90 mm): the QR takes the whole height on the left, the code in
    large characters heads the column on its right."""
    w, h, dpi = tpl.width_dots, tpl.height_dots, tpl.dpi
    m = tpl.dots(tpl.margin_mm)
    gap = max(mm_dots(1.5, dpi), 4)
    n = len(matrix)
    module = max((h - 2 * m) // n, 1)
    qr_x, qr_y = m, (h - module * n) // 2
    text_x = qr_x + module * (n - QR_BORDER_MODULES) + gap
    text_w = w - m - text_x
    code_size = _fit_cap(BOLD, _fit(content.code, BOLD, text_w, 400), (h - 2 * m) * 0.3)
    code_baseline = m + cap_height(BOLD, code_size)
    code_run = TextRun(text_x, code_baseline, content.code, BOLD, code_size)
    top = code_baseline + gap
    texts = _column(lines, text_x, top, text_w, h - m - top)
    return Layout(w, h, dpi, qr_x, qr_y, module, matrix, (code_run, *texts), code_run)


def _portrait(
    content: LabelContent,
    tpl: LabelTemplate,
    matrix: tuple[tuple[bool, ...], ...],
    details: list[str],
    grade_text: str,
) -> Layout:
    w, h, dpi = tpl.width_dots, tpl.height_dots, tpl.dpi
    m = tpl.dots(tpl.margin_mm)
    n = len(matrix)
    module = max(min(int((w - 2 * m) * 0.8), int(h * 0.5)) // n, 1)
    qr_size = module * n
    qr_x, qr_y = (w - qr_size) // 2, m
    cx = w // 2
    code_size = _fit(content.code, BOLD, w - 2 * m, max_size=400)
    y = qr_y + qr_size + cap_height(BOLD, code_size) + mm_dots(2, dpi)
    code_run = TextRun(cx, y, content.code, BOLD, code_size, "m")
    texts: list[TextRun] = [code_run]
    rest: list[tuple[str, str, int]] = []
    body = mm_dots(6, dpi)
    if content.title:
        rest.append((content.title, BOLD, int(body * 1.2)))
    rest.extend((d, REGULAR, body) for d in details)
    if grade_text:
        rest.append((grade_text, BOLD, int(body * 1.6)))
    if content.training:
        rest.append(("FORMATION" if content.lang == "fr" else "TRAINING", BOLD, body))
    for text, font, size in rest:
        fitted = _fit(text, font, w - 2 * m, size)
        text = _ellipsize(text, font, fitted, w - 2 * m)
        y += int(fitted * 1.45)
        texts.append(TextRun(cx, y, text, font, fitted, "m"))
    return Layout(w, h, dpi, qr_x, qr_y, module, matrix, tuple(texts), code_run)
