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
from xml.sax.saxutils import escape

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


_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{producer}</pdf:Producer>
   <xmp:CreatorTool>Établi</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def _xmp(title: str, author: str, subject: str, created: datetime) -> bytes:
    """The XMP packet PDF/A asks for, saying what the document information says. Filled from
    a fixed text: pikepdf's XMP editor parses and rewrites the tree for each property, which
    cost more than the rest of the PDF/A completion."""
    return _XMP.format(
        title=escape(title),
        author=escape(author),
        subject=escape(subject),
        producer=escape(PRODUCER),
        date=created.isoformat(),
    ).encode("utf-8")


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
    metadata = pikepdf.Stream(pdf, _xmp(title, author, subject, created))
    metadata.Type = pikepdf.Name.Metadata
    metadata.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = pdf.make_indirect(metadata)
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
