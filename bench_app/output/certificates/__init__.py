"""Signed erasure certificates, per device and per lot: the signed JSON document and the
facts its page must show (document.py), the QR payload codec (qr.py), the page flowables
(layout.py), the PDF/A-3 file with its attachments and whole-file signature (assemble.py,
pdfa.py, pdf_sign.py), the offline check (verify.py) and certificate references
(references.py). Not here: the erasure records they are made from (drives/records.py), the station key
and canonical JSON (bench_app/signing.py), fonts and page set-up shared with the other PDFs
(output/pdf_style.py), fr/en number and date wording (output/formatting.py)."""
