"""The look every PDF of the station shares: embedded DejaVu fonts, paragraph styles, a
page frame with the organisation, the page number and a training watermark, and the one A4
page set-up (margins, frame, metadata) that certificates and reports are laid out on.

The fonts ship in assets/fonts (their licence: LICENSE.txt there), so every station embeds
the same glyphs whatever the system has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from bench_app.settings import assets_dir

FONT = "EtabliSans"
FONT_BOLD = "EtabliSans-Bold"
FONT_MONO = "EtabliMono"

INK = colors.HexColor("#1d2b36")
MUTED = colors.HexColor("#5b6b77")
GOOD = colors.HexColor("#1b7f3b")
BAD = colors.HexColor("#b3261e")
RULE = colors.HexColor("#c9d3da")

# Streams stay binary (Flate alone): ASCII85 over them makes files a quarter larger and,
# in reportlab's pure-Python encoder, costs milliseconds per page (the QR code's page most).
rl_config.useA85 = 0

_registered = False


def font_path(name: str) -> Path:
    return assets_dir() / "fonts" / name


def register_fonts() -> None:
    """Registers the shipped TrueType fonts once; reportlab embeds (subsets) them in each PDF."""
    global _registered
    if _registered:
        return
    pdfmetrics.registerFont(TTFont(FONT, str(font_path("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path("DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_MONO, str(font_path("DejaVuSansMono.ttf"))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    _registered = True


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    mono: ParagraphStyle
    verdict_good: ParagraphStyle
    verdict_bad: ParagraphStyle


def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK, alignment=TA_LEFT
    )
    return Styles(
        title=ParagraphStyle(
            "title", parent=body, fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=4
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=3,
        ),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor=MUTED),
        mono=ParagraphStyle("mono", parent=body, fontName=FONT_MONO, fontSize=8, leading=10),
        verdict_good=ParagraphStyle(
            "good", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18, textColor=GOOD
        ),
        verdict_bad=ParagraphStyle(
            "bad", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18, textColor=BAD
        ),
    )


PageDecorator = Callable[[Canvas, Any], None]


def fit_width(text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with "…") so that it is at most `width` points wide in this font."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest start that fits with its ellipsis
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def page_frame(*, organisation: str, footer: str, training: bool) -> PageDecorator:
    """Draws the organisation at the top, the footer and page number at the bottom, and a
    diagonal "FORMATION / TRAINING" mark on documents made in training mode."""

    def decorate(canvas: Canvas, doc: Any) -> None:
        register_fonts()
        width, height = doc.pagesize if hasattr(doc, "pagesize") else A4
        canvas.saveState()
        line = width - 30 * mm
        canvas.setFont(FONT_BOLD, 9)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            15 * mm, height - 12 * mm, fit_width(organisation or "Établi", FONT_BOLD, 9, line)
        )
        canvas.setStrokeColor(RULE)
        canvas.line(15 * mm, height - 14 * mm, width - 15 * mm, height - 14 * mm)
        canvas.setFont(FONT, 7)
        canvas.drawString(15 * mm, 9 * mm, fit_width(footer, FONT, 7, line - 15 * mm))
        canvas.drawRightString(width - 15 * mm, 9 * mm, f"{canvas.getPageNumber()}")
        if training:
            canvas.setFont(FONT_BOLD, 46)
            canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.13))
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, "FORMATION / TRAINING")
        canvas.restoreState()

    return decorate


SIDE_MARGIN = 15 * mm
FRAME_WIDTH = A4[0] - 2 * SIDE_MARGIN  # what a flowable may span on an A4 page: 180 mm


def a4_pdf(
    story: list[Flowable],
    *,
    organisation: str,
    footer: str,
    training: bool,
    title: str,
    author: str = "",
    top_margin: float = 20 * mm,
    bottom_margin: float = 16 * mm,
    complete: Callable[[Any], None] | None = None,
) -> bytes:
    """`story` laid out on A4 pages with 15 mm side margins, each page framed by
    `page_frame`, as PDF bytes. Pages start in a shipped font rather than reportlab's
    Helvetica, which PDF/A certificates must not reference unembedded. `complete`, when
    given, is called with reportlab's document just before the file is written (a PDF 1.7
    file then), to add objects to it (certificates' PDF/A parts)."""
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        initialFontName=FONT,
        title=title,
        author=author or "Établi",
        creator="Établi",
    )
    frame = page_frame(organisation=organisation, footer=footer, training=training)
    if complete is None:
        doc.build(story, onFirstPage=frame, onLaterPages=frame)
    else:

        def canvas(*args: Any, **kwargs: Any) -> Canvas:
            return _CompletedCanvas(complete, *args, pdfVersion=(1, 7), **kwargs)

        doc.build(story, onFirstPage=frame, onLaterPages=frame, canvasmaker=canvas)
    return out.getvalue()


class _CompletedCanvas(Canvas):
    """A canvas that hands its document to `complete` before writing it."""

    def __init__(self, complete: Callable[[Any], None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._complete = complete

    def save(self) -> None:
        if len(self._code):  # the last page, as Canvas.save would end it
            self.showPage()
        self._complete(self._doc)
        super().save()
