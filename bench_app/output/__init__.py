"""What leaves the bench on paper or as a file, one folder per document: certificates/ (signed
erasure certificates and their offline check), labels/ (asset labels), reports/ (the donor's
lot report, the handover sheet, the activity export), printers/ (label printers). Shared by
them: formatting.py (fr/en numbers, sizes, dates, durations, throughputs) and pdf_style.py
(fonts, styles, the A4 page set-up). Not here: the SQL the reports read
(store/report_queries.py), the station key and canonical JSON (signing.py)."""
