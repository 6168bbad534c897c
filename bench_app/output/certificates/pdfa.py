"""Making the PDF reportlab writes a PDF/A-3b with embedded files (the signed JSON).

PDF/A-2b forbids attachments that are not PDF/A themselves; PDF/A-3b allows any file, as
long as the catalog lists it in /AF with its relationship to the document (what Factur-X
invoices do). This adds what PDF/A-3b asks for beyond what reportlab writes: XMP metadata
that says part 3, conformance B and matches the document information; an sRGB output
intent (the ICC profile comes from LittleCMS through Pillow); and the embedded files with
their MIME type, dates and /AFRelationship. They are added to reportlab's document before it
writes the file, so the file is written once (reopening it to complete it cost more than
its signature and attachments together). Fonts are embedded by reportlab (TrueType
subsets); documents must be built with `initialFontName` set to a shipped font, or reportlab
adds an unembedded Helvetica to every page.

Not checked here: there is no veraPDF on the stations, so conformance is asserted by the
structural tests in tests/output/certificates, not by a validator.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from PIL import ImageCms
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFObject, PDFStream
from reportlab.pdfbase.pdfdoc import format as pdf_format

PRODUCER = "Établi (reportlab)"


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
    a fixed text: an XMP editor parses and rewrites the tree for each property, which cost
    more than the rest of the PDF/A completion."""
    return _XMP.format(
        title=escape(title),
        author=escape(author),
        subject=escape(subject),
        producer=escape(PRODUCER),
        date=created.isoformat(),
    ).encode("utf-8")


class _Raw(PDFObject):
    """Bytes written as they are where a value goes (a name, a string already in its PDF
    form)."""

    def __init__(self, text: bytes) -> None:
        self.text = text

    def format(self, document: Any) -> bytes:
        return self.text


class _Stream(PDFObject):
    """A stream object written with exactly the entries given: no filter added (the XMP
    packet must have none; an attachment comes deflated with its /Filter already set)."""

    __RefOnly__ = 1

    def __init__(self, entries: dict[str, Any], content: bytes) -> None:
        self.entries = entries
        self.content = content

    def format(self, document: Any) -> bytes:
        head = PDFDictionary({**self.entries, "Length": len(self.content)})
        return pdf_format(head, document) + b"\nstream\n" + self.content + b"\nendstream\n"


class _Info(PDFObject):
    """The document information, entry for entry what the XMP packet says (reportlab's own
    adds an empty /Keywords and /Trapped that the packet would have to repeat)."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self.entries = entries

    def format(self, document: Any) -> bytes:
        return pdf_format(PDFDictionary(self.entries), document)

    def digest(self, md5: Any) -> None:  # reportlab's file identifier; ours is set apart
        pass


def _text_bytes(text: str) -> bytes:
    """A text string's bytes: PDFDocEncoding when it can hold it, else UTF-16BE with its
    mark (what PDF asks of text strings)."""
    try:
        return text.encode("pdfdoc")
    except UnicodeEncodeError:
        return b"\xfe\xff" + text.encode("utf-16-be")


def _string(text: str) -> _Raw:
    """A text string, written in hexadecimal so no character needs escaping."""
    return _Raw(b"<" + _text_bytes(text).hex().encode("ascii") + b">")


# A PDF/A file must have an end of line before each `endstream` (ISO 19005-2, 6.1.7.1);
# reportlab writes its streams' last byte right before it. For the documents completed here
# (marked), one line feed is put there; it is not part of the stream's /Length.
_reportlab_stream_format = PDFStream.format


def _stream_format(self: PDFStream, document: Any) -> bytes:
    text: bytes = _reportlab_stream_format(self, document)
    if getattr(document, _MARK, False) and text.endswith(b"endstream\n"):
        return text[: -len(b"endstream\n")] + b"\nendstream\n"
    return text


_MARK = "_etabli_pdfa"
PDFStream.format = _stream_format


@dataclass(frozen=True)
class PdfA3:
    """What turns the PDF reportlab is writing into PDF/A-3b with its attachments, added to
    its document just before it is written (`complete`): the document information and the
    XMP packet saying the same, the sRGB output intent, the language, the embedded files
    listed in /AF and in the name tree, and `catalog` entries as given (written as they are,
    e.g. a signature placeholder). No second pass over the file: reportlab writes it once."""

    title: str
    author: str
    subject: str
    lang: str
    created: datetime
    attachments: tuple[Attachment, ...] = ()
    catalog: tuple[tuple[str, bytes], ...] = ()

    def complete(self, doc: Any) -> None:
        stamp = _string(_pdf_date(self.created))
        setattr(doc, _MARK, True)
        doc.info = _Info(
            {
                "Title": _string(self.title),
                "Author": _string(self.author),
                "Subject": _string(self.subject),
                "Creator": _string("Établi"),
                "Producer": _string(PRODUCER),
                "CreationDate": stamp,
                "ModDate": stamp,
            }
        )
        xmp = _xmp(self.title, self.author, self.subject, self.created)
        catalog = doc.Catalog
        catalog.Metadata = _Stream({"Type": _Raw(b"/Metadata"), "Subtype": _Raw(b"/XML")}, xmp)
        icc = _Stream({"N": 3}, srgb_profile())
        intent = PDFDictionary(
            {
                "Type": _Raw(b"/OutputIntent"),
                "S": _Raw(b"/GTS_PDFA1"),
                "OutputConditionIdentifier": _string("sRGB IEC61966-2.1"),
                "Info": _string("sRGB IEC61966-2.1"),
                "RegistryName": _string("http://www.color.org"),
                "DestOutputProfile": doc.Reference(icc),
            }
        )
        extra: dict[str, Any] = {"OutputIntents": PDFArray([doc.Reference(intent)])}
        catalog.Lang = _string(self.lang)
        specs = []
        # A name tree's keys in the byte order of the strings as written.
        for a in sorted(self.attachments, key=lambda a: _text_bytes(a.name)):
            specs.append((a.name, doc.Reference(self._spec(doc, a, stamp))))
        if specs:
            extra["AF"] = PDFArray([ref for _, ref in specs])
            tree = PDFArray([item for name, ref in specs for item in (_string(name), ref)])
            catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": tree})})
        for key, text in self.catalog:
            extra[key] = _Raw(text)
        for key, value in extra.items():
            setattr(catalog, key, value)
        catalog.__NoDefault__ = [*type(catalog).__NoDefault__, *extra]
        # A stable identifier made from the content (the file's own digest would need the
        # file): the attachments' bytes and the moment, which a certificate's reference and
        # signed JSON make unique.
        digest = hashlib.md5(usedforsecurity=False)
        digest.update(_pdf_date(self.created).encode("ascii"))
        for a in self.attachments:
            digest.update(hashlib.sha256(a.data).digest())
        ident = b"<" + digest.hexdigest().encode("ascii") + b">"
        doc._ID = b"[" + ident + b" " + ident + b"]"

    def _spec(self, doc: Any, a: Attachment, stamp: _Raw) -> PDFDictionary:
        mime = "".join(c if c.isalnum() or c in "-.+" else f"#{ord(c):02X}" for c in a.mime_type)
        embedded = _Stream(
            {
                "Type": _Raw(b"/EmbeddedFile"),
                "Subtype": _Raw(b"/" + mime.encode("ascii")),
                "Params": PDFDictionary(
                    {
                        "Size": len(a.data),
                        "CreationDate": stamp,
                        "ModDate": stamp,
                        "CheckSum": _Raw(
                            b"<"
                            + hashlib.md5(a.data, usedforsecurity=False).hexdigest().encode()
                            + b">"
                        ),
                    }
                ),
                "Filter": _Raw(b"/FlateDecode"),
            },
            zlib.compress(a.data, 6),
        )
        ref = doc.Reference(embedded)
        return PDFDictionary(
            {
                "Type": _Raw(b"/Filespec"),
                "F": _string(a.name),
                "UF": _string(a.name),
                "Desc": _string(a.description),
                "AFRelationship": _Raw(a.relationship.encode("ascii")),
                "EF": PDFDictionary({"F": ref, "UF": ref}),
            }
        )
