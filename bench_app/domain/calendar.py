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
