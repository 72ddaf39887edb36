"""Input types every router shares: ids the database can hold, text it can store and
people can read, dates within the service's lifetime (lib/bounds.py).

Lengths are looser than the services allow, so that the services answer with their own
precise message; these keep out what would otherwise reach the database as a 500, and
document the bounds in the OpenAPI.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, overload

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

from jifen.lib import text
from jifen.lib.bounds import MAX_DATE, MAX_ID, MIN_DATE, date_in_range
from jifen.lib.errors import InvalidInput

__all__ = [
    "MAX_ID",
    "Code",
    "Date",
    "DateTime",
    "Id",
    "Line",
    "LongText",
    "Month",
    "Reason",
    "Text",
]

DATES = f"from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"


def single_line(value: str) -> str:
    # Also keeps out NUL, which PostgreSQL cannot store in text.
    if text.unprintable(value):
        raise ValueError("contains a line break or a character that cannot be printed")
    return value


def several_lines(value: object) -> object:
    return text.normalize(value, lines=True) if isinstance(value, str) else value


def lines_only(value: str) -> str:
    if text.unprintable(value, lines=True):
        raise ValueError("contains a character that cannot be printed")
    return value


def in_range(value: date) -> date:
    if not date_in_range(value):
        raise ValueError(f"must be {DATES}")
    return value


def month_in_range(value: str) -> str:
    if not MIN_DATE <= date(int(value[:4]), int(value[5:]), 1) <= MAX_DATE:
        raise ValueError(f"must be {DATES}")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# One line: a title, a name, a code, a place.
Code = Annotated[str, Field(max_length=200), AfterValidator(single_line)]
Line = Annotated[str, Field(max_length=1000), AfterValidator(single_line)]
Text = Line
# Several lines: a description, a reason, a note.
Reason = Annotated[
    str, BeforeValidator(several_lines), Field(max_length=200), AfterValidator(lines_only)
]
LongText = Annotated[
    str, BeforeValidator(several_lines), Field(max_length=5000), AfterValidator(lines_only)
]
Date = Annotated[date, AfterValidator(in_range), Field(description=f"a date {DATES}")]
DateTime = Annotated[
    datetime,
    AfterValidator(in_range),
    Field(description=f"a time with its offset, {DATES}: 2025-05-01T09:00:00+08:00"),
]
Month = Annotated[
    str,
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description=f"YYYY-MM, {DATES}"),
    AfterValidator(month_in_range),
]


class ReasonIn(Schema):
    """The body of a refusal, a return or a rejection: ``{"reason"}``."""

    reason: Reason


class ShapedPage(Sequence[dict[str, Any]]):
    """Rows shaped for the answer only once the paginator has sliced them: counted in
    SQL, the page built from one query (what the queryset prefetches, once)."""

    def __init__(self, rows: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]) -> None:
        self.rows = rows
        self.shape = shape

    def __len__(self) -> int:
        return self.rows.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self.shape(r) for r in self.rows[index]]
        return self.shape(self.rows[index])


def one_of(value: str, choices: list[str], field: str) -> str:
    """A filter's value, empty or one of ``choices``; 400 naming the field otherwise."""
    if value and value not in choices:
        raise InvalidInput(
            _("%(field)s must be one of: %(choices)s."),
            field=field,
            params={"field": field, "choices": ", ".join(choices)},
        )
    return value
