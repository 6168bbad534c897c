"""Calendar arithmetic the workshop's records need (a rental's monthly terms)."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """The same day `months` months later, or that month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_rental_payment(start: date, term_months: int | None, months_paid: int) -> date | None:
    """When a rental's first month not paid yet falls due: month k of the term is paid by
    its start plus k months (None: every month paid, or no term)."""
    if term_months is None or months_paid >= term_months:
        return None
    return add_months(start, months_paid + 1)
