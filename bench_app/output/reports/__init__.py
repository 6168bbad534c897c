"""Reports for people outside the bench: the donor's report per lot (lot_report.py, with the
environmental benefit of environment.py), the beneficiary's handover sheet (handover.py),
the workshop's activity over a period (activity.py), the words they share (wording.py) and
CSV files for French spreadsheets written whole or not at all (spreadsheet.py). Not here:
signed erasure certificates (output/certificates/), asset labels (output/labels/), the SQL
they read (store/report_queries.py)."""
