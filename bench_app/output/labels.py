"""Asset labels: what a label says, the templates for the common rolls and sheets, and the
rendering to printer dots (Pillow + segno) or to PDF (reportlab).

One layout serves every output. It is computed in printer dots, with the QR module a whole
number of dots (a fractional module smears on a thermal head and stops scanning), then
painted either as a bitmap at the printer's own resolution or as vectors in a PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw, ImageFont

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import Device, DeviceKind
from bench_app.errors import BenchError
from bench_app.output.pdf_style import FONT, FONT_BOLD, font_path, register_fonts
from bench_app.settings import Settings
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.text import Text

MM_PER_INCH = 25.4
MIN_MODULE_DOTS = 3
MIN_CODE_HEIGHT_MM = 3.0
QR_BORDER_MODULES = 2  # the label's own white margin adds to this quiet zone


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


def _mm_dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


TEMPLATES: dict[str, LabelTemplate] = {
    t.name: t
    for t in (
        # 62 mm continuous roll: brother_ql prints 696 dots across; we cut 34 mm long.
        LabelTemplate(
            "brother-62",
            Text("Brother 62 mm continu", "Brother 62 mm continuous"),
            696,
            _mm_dots(34, 300),
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
            _mm_dots(70, 300),
            _mm_dots(37, 300),
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


# -- what a label says --------------------------------------------------------------------


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one asset label."""

    code: str  # the asset code as printed, ABCD-2345-X
    title: str = ""  # brand and model
    grade: str = ""  # the workshop's grade (A/B/C), empty when not graded yet
    specs: str = ""  # storage, RAM or drive size, in words for people
    date: str = ""  # the day the label was made, as people write it
    verification_url: str = ""  # base address; the QR then holds BASE/CODE
    training: bool = False
    lang: str = "fr"

    @property
    def qr_data(self) -> str:
        """What the QR code holds: the verification address of the device when the workshop
        has one, else the 9 characters of the code (upper case, so the compact alphanumeric
        QR mode applies)."""
        if self.verification_url:
            return self.verification_url.rstrip("/") + "/" + self.code
        return AssetCode.parse(self.code).compact


def _size_text(n_bytes: float, lang: str, *, flash: bool = False) -> str:
    """A capacity as sold: drives in decimal GB/TB; a phone's flash (`flash`) rounded up to
    the power of two on its box, since the system and the file system hide part of it."""
    unit = "Go" if lang == "fr" else "GB"
    gb = n_bytes / 1e9
    if flash:
        for nominal in (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
            if 0.75 * nominal <= gb <= 1.08 * nominal:
                return f"{nominal} {unit}"
    if gb >= 1000:
        tb = f"{gb / 1000:.1f}".rstrip("0").rstrip(".")
        return f"{tb} {'To' if lang == 'fr' else 'TB'}"
    return f"{gb:.0f} {unit}" if gb >= 10 else f"{gb:.1f} {unit}".replace(".", ",")


def _ram_text(n_bytes: float, lang: str) -> str:
    gib = n_bytes / 2**30
    unit = "Go" if lang == "fr" else "GB"
    # The kernel hides some RAM from MemTotal: 3.6 GiB is a 4 GB phone.
    for nominal in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128):
        if 0.8 * nominal <= gib <= 1.05 * nominal:
            return f"{nominal} {unit} RAM"
    return f"{gib:.0f} {unit} RAM"


def key_specs(store: Store, device: Device, lang: str = "fr") -> str:
    """Storage and RAM of a phone or computer, or the size of a drive, in a few words
    ("64 Go · 4 Go RAM"); empty when the station has not read them yet.

    It reads, newest first: the phone check's storage step, a computer's inventory, and the
    identity the device gave (drives: size_bytes; simple simulated phones: storage_gb, ram_mb).
    """
    storage: float | None = None
    ram: float | None = None
    details = device.details
    if details.get("size_bytes"):
        storage = float(details["size_bytes"])
    if details.get("storage_gb"):
        storage = float(details["storage_gb"]) * 1e9
    if details.get("ram_mb"):
        ram = float(details["ram_mb"]) * 2**20
    for job in reversed(queries.jobs_for_device(store, device.id)):
        for result in queries.step_results(store, job.id):
            if result.step_id == "storage":
                ev = result.evidence
                storage = float(ev["total_bytes"]) if ev.get("total_bytes") else storage
                ram = float(ev["ram_bytes"]) if ev.get("ram_bytes") else ram
    if device.kind in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
        inventory = _latest_inventory(store, device.id)
        if inventory:
            memory = inventory.get("ram") or {}
            ram = float(memory.get("installed_bytes") or memory.get("total_bytes") or 0) or ram
            drives = [d for d in inventory.get("drives") or [] if d.get("size_bytes")]
            if drives:
                storage = float(sum(int(d["size_bytes"]) for d in drives))
    parts: list[str] = []
    if device.kind in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
        if ram:
            parts.append(_ram_text(ram, lang))
        if storage:
            parts.append(_size_text(storage, lang))
    else:
        flash = device.kind in (DeviceKind.PHONE, DeviceKind.TABLET)
        if storage:
            parts.append(_size_text(storage, lang, flash=flash))
        if ram:
            parts.append(_ram_text(ram, lang))
    return " · ".join(parts)


def _latest_inventory(store: Store, device_id: str) -> dict[str, Any] | None:
    for event in reversed(queries.events(store, device_id)):
        if event.type == "device.inventoried":
            inventory = event.payload.get("inventory")
            return inventory if isinstance(inventory, dict) else None
    return None


def format_date(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()


def label_content(
    store: Store,
    device: Device,
    settings: Settings,
    *,
    today: dt.date | None = None,
) -> LabelContent:
    """The label of one device as the station knows it now."""
    lang = settings.language
    grade = queries.latest_grade(store, device.id)
    return LabelContent(
        code=device.asset_code,
        title=device.label,
        grade=grade.workshop_grade if grade else "",
        specs=key_specs(store, device, lang),
        date=format_date(today or dt.date.today(), lang),
        verification_url=settings.verification_url,
        training=device.training,
        lang=lang,
    )


def content_for_code(store: Store, text: str, settings: Settings) -> LabelContent:
    """The label of the device whose code was typed; BenchError when it is wrong or unknown."""
    code = str(AssetCode.parse(text))
    device = queries.device_by_code(store, code)
    if device is None:
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    return label_content(store, device, settings)


def sample_content(lang: str = "fr", verification_url: str = "") -> LabelContent:
    """A label for previews and test prints (a training code, so it is never mistaken for a
    real device)."""
    return LabelContent(
        code=str(AssetCode.make("TEST", 1)),
        title="Fairphone 4",
        grade="B",
        specs="128 Go · 6 Go RAM" if lang == "fr" else "128 GB · 6 GB RAM",
        date=format_date(dt.date.today(), lang),
        verification_url=verification_url,
        training=True,
        lang=lang,
    )


# -- layout -------------------------------------------------------------------------------

REGULAR = "regular"
BOLD = "bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_PDF_FONTS = {REGULAR: FONT, BOLD: FONT_BOLD}


@cache
def _font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(_FONT_FILES[kind])), size)


def _text_width(text: str, kind: str, size: int) -> float:
    return float(_font(kind, size).getlength(text))


def cap_height(kind: str, size: int) -> int:
    """Height in dots of a capital letter at `size` (what a reader sees as the text's height)."""
    box = _font(kind, size).getbbox("H", anchor="ls")
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
    gap = max(_mm_dots(1.2, dpi), 4)
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
    gap = max(_mm_dots(1.5, dpi), 4)
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
    y = qr_y + qr_size + cap_height(BOLD, code_size) + _mm_dots(2, dpi)
    code_run = TextRun(cx, y, content.code, BOLD, code_size, "m")
    texts: list[TextRun] = [code_run]
    rest: list[tuple[str, str, int]] = []
    body = _mm_dots(6, dpi)
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


# -- painting -----------------------------------------------------------------------------


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
            (run.x, run.baseline), run.text, fill=0, font=_font(run.font, run.size), anchor=anchor
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
        canvas.setFont(_PDF_FONTS[run.font], run.size * scale)
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
