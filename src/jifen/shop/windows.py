"""Redemption windows (一季一兑换) as pure functions: a community may open its shop only
in some months (e.g. 1,4,7,10) and some days of the month (e.g. 1–7); by default it is
always open. Tested at their boundaries (tests/shop/test_windows.py)."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    months: frozenset[int]  # empty: every month
    first_day: int | None  # None: from the 1st
    last_day: int | None  # None: to the month's end

    @property
    def always(self) -> bool:
        return not self.months and self.first_day is None and self.last_day is None


def parse_months(text: str) -> frozenset[int]:
    """``"1,4, 7,10"`` → {1, 4, 7, 10}; raises ValueError on anything else."""
    months = set()
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        month = int(part)
        if not 1 <= month <= 12:
            raise ValueError(part)
        months.add(month)
    return frozenset(months)


def is_open(window: Window, day: date) -> bool:
    if window.months and day.month not in window.months:
        return False
    last_of_month = calendar.monthrange(day.year, day.month)[1]
    first = window.first_day or 1
    last = min(window.last_day or last_of_month, last_of_month)
    return first <= day.day <= last


def next_opening(window: Window, day: date) -> date | None:
    """The first open day from ``day`` on (``day`` itself when open); None if never."""
    for offset in range(0, 366 * 2):
        candidate = day + timedelta(days=offset)
        if is_open(window, candidate):
            return candidate
    return None
