"""Calendar months (``YYYY-MM``) in the deployment's time zone."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib.bounds import MAX_DATE, MIN_DATE
from jifen.lib.errors import InvalidInput


def parse_month(month: str) -> date:
    """The first day of ``YYYY-MM``; ``invalid_input`` otherwise."""
    try:
        year, number = (int(part) for part in str(month).split("-"))
        if not (len(str(month)) == 7 and MIN_DATE.year <= year <= MAX_DATE.year):
            raise ValueError(month)
        return date(year, number, 1)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the month as YYYY-MM."), field="month") from None


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of ``YYYY-MM`` and of the month after, in the deployment's zone."""
    first = parse_month(month)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=zone),
        datetime.combine(next_month(first), datetime.min.time(), tzinfo=zone),
    )


def label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def this_month() -> date:
    return timezone.localdate().replace(day=1)
