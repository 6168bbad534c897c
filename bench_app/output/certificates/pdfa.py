"""Turning a reportlab PDF into PDF/A-3b with embedded files (the signed JSON).

PDF/A-2b forbids attachments that are not PDF/A themselves; PDF/A-3b allows any file, as
long as the catalog lists it in /AF with its relationship to the document (what Factur-X
invoices do). This adds what PDF/A-3b asks for beyond what reportlab writes: XMP metadata
that says part 3, conformance B and matches the document information; an sRGB output
intent (the ICC profile comes from LittleCMS through Pillow); and the embedded files with
their MIME type, dates and /AFRelationship. Fonts are embedded by reportlab (TrueType
subsets); documents must be built with `initialFontName` set to a shipped font, or reportlab
adds an unembedded Helvetica to every page.

Not checked here: there is no veraPDF on the stations, so conformance is asserted by the
structural tests in tests/output/certificates, not by a validator.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import pikepdf
from PIL import ImageCms

PRODUCER = "Établi (reportlab, pikepdf)"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    description: str
    mime_type: str = "application/json"
    relationship: str = "/Source"  # the data the visible document was made from


@cache
def srgb_profile() -> bytes:
    """LittleCMS's built-in sRGB profile, as ICC bytes."""
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _pdf_date(moment: datetime) -> str:
    offset = moment.strftime("%z") or "+0000"
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


def to_pdfa3(
    source: bytes,
    *,
    title: str,
    author: str,
    subject: str,
    lang: str,
    created: datetime,
    attachments: list[Attachment],
) -> pikepdf.Pdf:
    """The PDF made by reportlab, opened and completed as PDF/A-3b with its attachments."""
    pdf = pikepdf.open(io.BytesIO(source))
    stamp = _pdf_date(created)
    # The document information is rewritten whole, so XMP and Info say the same things.
    info = pikepdf.Dictionary(
        Title=pikepdf.String(title),
        Author=pikepdf.String(author),
        Subject=pikepdf.String(subject),
        Creator=pikepdf.String("Établi"),
        Producer=pikepdf.String(PRODUCER),
        CreationDate=pikepdf.String(stamp),
        ModDate=pikepdf.String(stamp),
    )
    pdf.trailer.Info = pdf.make_indirect(info)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(pdf.docinfo)
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title
        meta["dc:creator"] = [author]
        meta["dc:description"] = subject
        meta["xmp:CreatorTool"] = "Établi"
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreateDate"] = created.isoformat()
        meta["xmp:ModifyDate"] = created.isoformat()
        meta["xmp:MetadataDate"] = created.isoformat()
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
        Info=pikepdf.String("sRGB IEC61966-2.1"),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=icc,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])
    pdf.Root.Lang = pikepdf.String(lang)
    specs = []
    for a in attachments:
        spec = pikepdf.AttachedFileSpec(
            pdf,
            a.data,
            description=a.description,
            filename=a.name,
            mime_type=a.mime_type,
            creation_date=stamp,
            mod_date=stamp,
            relationship=pikepdf.Name(a.relationship),
        )
        # Deflated here: the file is saved without qpdf's own compression pass (save_bytes).
        embedded = spec.obj.EF.F
        embedded.write(zlib.compress(a.data, 6), filter=pikepdf.Name.FlateDecode)
        pdf.attachments[a.name] = spec
        specs.append(spec.obj)
    if specs:
        pdf.Root.AF = pikepdf.Array(specs)
    return pdf


def save_bytes(pdf: pikepdf.Pdf) -> bytes:
    """The file as bytes, PDF 1.7, without object streams (the signature entry must stay
    readable in the clear), with a stable /ID derived from the content."""
    out = io.BytesIO()
    pdf.save(
        out,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        min_version="1.7",
        deterministic_id=True,
        fix_metadata_version=False,
        # Every stream is already deflated (reportlab's, the attachments) but the XMP packet
        # and the 588-byte colour profile: qpdf's compression pass would cost 4 ms for them.
        compress_streams=False,
    )
    return out.getvalue()
