"""Label sizes: the common rolls (Brother 62 mm and 29 × 90 mm, Zebra 2 × 1 and 4 × 6 in)
and the A4 sheet of 24, each with the printer resolution it is drawn for."""

from __future__ import annotations

from dataclasses import dataclass

from bench_app.errors import BenchError
from bench_app.text import Text

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class SheetSpec:
    """Labels laid out on a page: `columns` × `rows` cells of the template's size."""

    page_w_mm: float
    page_h_mm: float
    columns: int
    rows: int
    left_mm: float
    top_mm: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


@dataclass(frozen=True)
class LabelTemplate:
    """A label size and the printer resolution it is drawn for."""

    name: str
    title: Text
    width_dots: int
    height_dots: int
    dpi: int
    margin_mm: float
    # brother_ql's name for the medium ("62", "29x90"), for Brother QL printers.
    brother_label: str | None = None
    sheet: SheetSpec | None = None

    @property
    def width_mm(self) -> float:
        return self.width_dots * MM_PER_INCH / self.dpi

    @property
    def height_mm(self) -> float:
        return self.height_dots * MM_PER_INCH / self.dpi

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)


def mm_dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


TEMPLATES: dict[str, LabelTemplate] = {
    t.name: t
    for t in (
        # 62 mm continuous roll: brother_ql prints 696 dots across; we cut 34 mm long.
        LabelTemplate(
            "brother-62",
            Text("Brother 62 mm continu", "Brother 62 mm continuous"),
            696,
            mm_dots(34, 300),
            300,
            2.0,
            brother_label="62",
        ),
        # 29 × 90 mm die-cut address label: 991 × 306 printable dots, drawn lying down.
        LabelTemplate(
            "brother-29x90",
            Text("Brother 29 × 90 mm", "Brother 29 × 90 mm"),
            991,
            306,
            300,
            1.5,
            brother_label="29x90",
        ),
        LabelTemplate(
            "zebra-2x1",
            Text("Zebra 2 × 1 pouce (51 × 25 mm)", "Zebra 2 × 1 in"),
            406,
            203,
            203,
            1.2,
        ),
        LabelTemplate(
            "zebra-4x6",
            Text("Zebra 4 × 6 pouces (102 × 152 mm)", "Zebra 4 × 6 in"),
            812,
            1218,
            203,
            4.0,
        ),
        # A4 sheets of 3 × 8 labels of 70 × 37 mm, the commonest office label sheet.
        LabelTemplate(
            "a4-24",
            Text("Planche A4 de 24 étiquettes (70 × 37 mm)", "A4 sheet of 24 labels (70 × 37 mm)"),
            mm_dots(70, 300),
            mm_dots(37, 300),
            300,
            4.0,
            sheet=SheetSpec(210.0, 297.0, 3, 8, 0.0, 0.5),
        ),
    )
}
DEFAULT_TEMPLATE = "brother-62"


def template(name: str) -> LabelTemplate:
    """The template called `name`; BenchError(LABEL_TEMPLATE_UNKNOWN) listing the known ones."""
    found = TEMPLATES.get(name)
    if found is None:
        raise BenchError("LABEL_TEMPLATE_UNKNOWN", name=name, known=", ".join(TEMPLATES))
    return found
