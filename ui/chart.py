"""A small chart drawn with QPainter: bars (one or more series side by side) or lines (one
per series), with its title, axis labels and values written, so that nothing is told by
colour alone: each series also has its own marker shape (lines) or hatching (bars), and the
legend names it with its total. The same drawing makes the window's chart and the PNG."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from bench_app.dashboard import Figure
from bench_app.text import Text

# Okabe and Ito's palette: told apart with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
HATCHES = [
    Qt.BrushStyle.SolidPattern,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.Dense4Pattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.HorPattern,
    Qt.BrushStyle.DiagCrossPattern,
]
MARKERS = ["circle", "square", "triangle", "diamond", "cross", "plus", "down"]
EMPTY = Text("Aucune donnée pour cette période", "No data for this period")
# At most this many points per line get their value written; beyond, the legend's totals
# and the CSV carry the values, and each line's highest point is written.
POINT_VALUES_MAX = 6
EXPORT_SIZE = QSize(1200, 700)
YOf = Callable[[float], float]  # a value's height on the plot


def nice_top(value: float, whole: bool = False) -> tuple[float, float]:
    """A round top for the y axis at or above `value`, and its tick step (4 to 5 ticks);
    `whole`: counts, so the step is a whole number."""
    if value <= 0:
        return (4.0, 1.0) if whole else (1.0, 0.25)
    raw = value / 4
    if whole and raw < 1:
        return float(math.ceil(value)), 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * power
        if step >= raw:
            break
    return step * math.ceil(value / step), step


class Chart(QWidget):
    """Shows one dashboard figure; `image()` draws it into a picture of its own size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure: Figure | None = None
        self.lang = "fr"
        # False when the window shows the notes as text under the chart (the PNG has them).
        self.paint_notes = True
        self.setMinimumSize(480, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_figure(self, figure: Figure | None, lang: str) -> None:
        self.figure = figure
        self.lang = lang
        if figure is not None:
            self.setAccessibleName(figure.title.get(lang))
            self.setAccessibleDescription(summary(figure, lang))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, 360 + 18 * len(self.figure.notes if self.figure else []))

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if self.figure is not None:
            draw(
                painter,
                QRectF(self.rect()),
                self.figure,
                self.lang,
                self.font(),
                notes=self.paint_notes,
            )
        painter.end()

    def image(self, size: QSize = EXPORT_SIZE) -> QImage:
        """The chart drawn on a white picture of `size` (the PNG export)."""
        picture = QImage(size, QImage.Format.Format_ARGB32)
        picture.fill(QColor("#ffffff"))
        if self.figure is not None:
            painter = QPainter(picture)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            font = QFont(self.font())
            font.setPointSizeF(max(font.pointSizeF(), 11) * size.width() / 1000)
            draw(painter, QRectF(0, 0, size.width(), size.height()), self.figure, self.lang, font)
            painter.end()
        return picture

    def save_png(self, path: Path) -> bool:
        return self.image().save(str(path), "PNG")  # type: ignore[call-overload]


def summary(figure: Figure, lang: str) -> str:
    """The figure in words, for screen readers: each category and its values."""
    parts = []
    for i, label in enumerate(figure.category_labels):
        values = ", ".join(
            f"{s.name.get(lang)} {figure.value_text(s.values[i], lang)}" for s in figure.series
        )
        parts.append(
            f"{label.get(lang)} : {values}" if lang == "fr" else f"{label.get(lang)}: {values}"
        )
    return "; ".join(parts) or EMPTY.get(lang)


def draw(
    painter: QPainter, area: QRectF, figure: Figure, lang: str, font: QFont, *, notes: bool = True
) -> None:
    """Draws the whole chart (title, legend, axes, values, and its notes unless the window
    shows them beside it) inside `area`."""
    unit = QFontMetricsF(font).height()
    pad = unit * 0.6
    box = area.adjusted(pad, pad, -pad, -pad)
    title_font = QFont(font)
    title_font.setBold(True)
    title_font.setPointSizeF(font.pointSizeF() * 1.15)
    painter.setFont(title_font)
    painter.setPen(QColor("#1d2630"))
    title_h = QFontMetricsF(title_font).height()
    painter.drawText(QRectF(box.left(), box.top(), box.width(), title_h),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     figure.title.get(lang))  # fmt: skip
    top = box.top() + title_h + pad * 0.5
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * 0.9)
    painter.setFont(small)
    fm = QFontMetricsF(small)
    if len(figure.series) > 1:
        area_ = QRectF(box.left(), top, box.width(), 0)
        top = (
            _legend(
                painter,
                figure,
                lang,
                area_,
                fm,
                as_lines=figure.kind == "line" and len(figure.categories) >= 3,
            )
            + pad * 0.5
        )
    notes_h = 0.0
    if figure.notes and notes:
        text = "\n".join(n.get(lang) for n in figure.notes)
        flags = int(Qt.TextFlag.TextWordWrap)
        notes_h = fm.boundingRect(QRectF(0, 0, box.width(), 10_000), flags, text).height()
        notes_h = min(notes_h, box.height() * 0.45)
        painter.setPen(QColor("#44515e"))
        painter.drawText(QRectF(box.left(), box.bottom() - notes_h, box.width(), notes_h),
                         flags, text)  # fmt: skip
        notes_h += pad * 0.5
    # Few points make no line: drawn as bars side by side, each value written.
    as_lines = figure.kind == "line" and len(figure.categories) >= 3
    flags = int(
        Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
    )
    label_lines = 1.0
    if not as_lines and figure.categories:
        # the plot's width is not known yet: measured in a slightly narrower slot
        guess = (box.width() - fm.height() * 8) / len(figure.categories) * 0.95
        needed = max(
            fm.boundingRect(QRectF(0, 0, guess, 10_000), flags, c.get(lang)).height()
            for c in figure.category_labels
        )
        label_lines = min(3.0, max(1.0, round(needed / fm.height())))
    # category labels (wrapped on up to 3 lines, never cut short) and the x axis's label
    plot_bottom = box.bottom() - notes_h - fm.height() * (label_lines + 1.4)
    if not figure.categories or all(v == 0 for s in figure.series for v in s.values):
        painter.setPen(QColor("#44515e"))
        painter.drawText(QRectF(box.left(), top, box.width(), plot_bottom - top),
                         Qt.AlignmentFlag.AlignCenter, EMPTY.get(lang))  # fmt: skip
        return
    highest = max(v for s in figure.series for v in s.values)
    whole = not figure.percent and not figure.decimals
    y_top, step = (1.0, 0.25) if figure.percent else nice_top(highest, whole)
    tick_texts = []
    ticks = round(y_top / step)
    for t in range(ticks + 1):
        tick_texts.append(
            figure.value_text(t * step, lang) if figure.percent else _tick(t * step, lang)
        )
    left = box.left() + fm.height() * 1.3 + max(fm.horizontalAdvance(t) for t in tick_texts) + pad
    plot = QRectF(
        left, top + fm.height() * 1.2, box.right() - left, plot_bottom - top - fm.height() * 1.2
    )
    # the y axis: its label (turned), ticks and grid
    painter.save()
    painter.translate(box.left() + fm.ascent(), plot.center().y())
    painter.rotate(-90)
    painter.setPen(QColor("#1d2630"))
    label = figure.y_label.get(lang)
    painter.drawText(QRectF(-plot.height() / 2, -fm.ascent(), plot.height(), fm.height()),
                     Qt.AlignmentFlag.AlignCenter, label)  # fmt: skip
    painter.restore()
    for t, text in enumerate(tick_texts):
        y = plot.bottom() - plot.height() * t / ticks
        painter.setPen(QPen(QColor("#dde3e9"), 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#44515e"))
        painter.drawText(QRectF(box.left(), y - fm.height() / 2, left - box.left() - pad * 0.5, fm.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)  # fmt: skip
    painter.setPen(QPen(QColor("#44515e"), 1.5))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    n = len(figure.categories)
    slot = plot.width() / n
    # the x axis: category labels, as many as fit without overlapping, and its label
    widest = max(fm.horizontalAdvance(c.get(lang)) for c in figure.category_labels)
    every = 1 if widest <= slot * 0.95 or not as_lines else max(1, math.ceil(widest / slot))
    painter.setPen(QColor("#1d2630"))
    for i, c in enumerate(figure.category_labels):
        if i % every:
            continue
        rect = QRectF(
            plot.left() + slot * i - slot * (every - 1) / 2,
            plot.bottom() + 2,
            slot * every,
            fm.height() * (label_lines + 0.2),
        )
        painter.drawText(rect, flags, c.get(lang))
    x_label_y = plot.bottom() + fm.height() * (label_lines + 0.2)
    painter.drawText(QRectF(plot.left(), x_label_y, plot.width(), fm.height()),
                     Qt.AlignmentFlag.AlignHCenter, figure.x_label.get(lang))  # fmt: skip

    def y_of(v: float) -> float:
        return plot.bottom() - plot.height() * min(v, y_top) / y_top

    if as_lines:
        _lines(painter, figure, lang, plot, slot, y_of, fm)
    else:
        _bars(painter, figure, lang, plot, slot, y_of, fm)


def _tick(value: float, lang: str) -> str:
    text = (
        f"{value:g}"
        if value < 10_000
        else f"{value:,.0f}".replace(",", "\u202f" if lang == "fr" else ",")
    )
    return text.replace(".", ",") if lang == "fr" else text


def _legend(
    painter: QPainter, figure: Figure, lang: str, at: QRectF, fm: QFontMetricsF, *, as_lines: bool
) -> float:
    """Draws the legend from `at`'s top-left, wrapping; returns where it ends."""
    x, y = at.left(), at.top()
    h = fm.height()
    for i, s in enumerate(figure.series):
        total = sum(s.values)
        text = s.name.get(lang)
        if not figure.percent:
            text += f" ({figure.value_text(total, lang)})"
        w = h * 1.6 + fm.horizontalAdvance(text) + h
        if x + w > at.right() and x > at.left():
            x, y = at.left(), y + h * 1.2
        swatch = QRectF(x, y + h * 0.15, h * 1.2, h * 0.7)
        if as_lines:
            painter.setPen(QPen(QColor(PALETTE[i % len(PALETTE)]), 2))
            painter.drawLine(
                QPointF(swatch.left(), swatch.center().y()),
                QPointF(swatch.right(), swatch.center().y()),
            )
            _marker(painter, i, swatch.center(), h * 0.3)
        else:
            _bar_rect(painter, i, swatch)
        painter.setPen(QColor("#1d2630"))
        painter.drawText(QRectF(x + h * 1.4, y, w, h), Qt.AlignmentFlag.AlignVCenter, text)
        x += w
    return y + h


def _bar_rect(painter: QPainter, i: int, rect: QRectF) -> None:
    colour = QColor(PALETTE[i % len(PALETTE)])
    painter.setPen(QPen(colour.darker(130), 1))
    painter.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 70) if i else colour)
    painter.drawRect(rect)
    if i:
        painter.setBrush(QBrush(colour, HATCHES[i % len(HATCHES)]))
        painter.drawRect(rect)
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _bars(
    painter: QPainter,
    figure: Figure,
    lang: str,
    plot: QRectF,
    slot: float,
    y_of: YOf,
    fm: QFontMetricsF,
) -> None:
    k = len(figure.series)
    group = slot * 0.75
    width = group / k
    for c in range(len(figure.categories)):
        for i, s in enumerate(figure.series):
            v = s.values[c]
            x = plot.left() + slot * c + (slot - group) / 2 + width * i
            y = y_of(v)
            rect = QRectF(x + 1, y, width - 2, plot.bottom() - y)
            if v > 0:
                _bar_rect(painter, i, rect)
            text = figure.value_text(v, lang)
            painter.setPen(QColor("#1d2630"))
            tw = fm.horizontalAdvance(text)
            box = QRectF(
                x - (tw - width) / 2 if tw > width else x,
                y - fm.height(),
                max(tw, width),
                fm.height(),
            )
            painter.drawText(
                box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text
            )


def _lines(
    painter: QPainter,
    figure: Figure,
    lang: str,
    plot: QRectF,
    slot: float,
    y_of: YOf,
    fm: QFontMetricsF,
) -> None:
    n = len(figure.categories)
    write_all = n <= POINT_VALUES_MAX and len(figure.series) == 1
    written: list[QRectF] = []  # a value that would cover another is left to the legend
    for i, s in enumerate(figure.series):
        colour = QColor(PALETTE[i % len(PALETTE)])
        points = [QPointF(plot.left() + slot * (c + 0.5), y_of(v)) for c, v in enumerate(s.values)]
        painter.setPen(QPen(colour, 2))
        if len(points) > 1:
            painter.drawPolyline(QPolygonF(points))
        for p in points:
            _marker(painter, i, p, fm.height() * 0.22)
        peak = max(range(n), key=lambda c: s.values[c])
        for c, p in enumerate(points):
            if not write_all and c != peak:
                continue
            text = figure.value_text(s.values[c], lang)
            width = fm.horizontalAdvance(text) + 4
            rect = QRectF(p.x() - width / 2, p.y() - fm.height() * 1.15, width, fm.height())
            if any(rect.intersects(other) for other in written):
                continue
            written.append(rect)
            painter.setPen(colour.darker(140))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _marker(painter: QPainter, i: int, p: QPointF, r: float) -> None:
    colour = QColor(PALETTE[i % len(PALETTE)])
    painter.setPen(QPen(colour, 2))
    painter.setBrush(colour)
    shape = MARKERS[i % len(MARKERS)]
    if shape == "circle":
        painter.drawEllipse(p, r, r)
    elif shape == "square":
        painter.drawRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))
    elif shape == "triangle":
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(p.x(), p.y() - r * 1.2),
                    QPointF(p.x() - r * 1.1, p.y() + r * 0.8),
                    QPointF(p.x() + r * 1.1, p.y() + r * 0.8),
                ]
            )
        )
    elif shape == "down":
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(p.x(), p.y() + r * 1.2),
                    QPointF(p.x() - r * 1.1, p.y() - r * 0.8),
                    QPointF(p.x() + r * 1.1, p.y() - r * 0.8),
                ]
            )
        )
    elif shape == "diamond":
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(p.x(), p.y() - r * 1.3),
                    QPointF(p.x() + r * 1.3, p.y()),
                    QPointF(p.x(), p.y() + r * 1.3),
                    QPointF(p.x() - r * 1.3, p.y()),
                ]
            )
        )
    elif shape == "cross":
        painter.drawLine(QPointF(p.x() - r, p.y() - r), QPointF(p.x() + r, p.y() + r))
        painter.drawLine(QPointF(p.x() - r, p.y() + r), QPointF(p.x() + r, p.y() - r))
    else:
        painter.drawLine(QPointF(p.x() - r * 1.2, p.y()), QPointF(p.x() + r * 1.2, p.y()))
        painter.drawLine(QPointF(p.x(), p.y() - r * 1.2), QPointF(p.x(), p.y() + r * 1.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
