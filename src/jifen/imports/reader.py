"""Reading an uploaded .xlsx: headers by name in any order, rows numbered as the
spreadsheet numbers them (the header is row 1), cells as the text staff typed.

Whatever is wrong with the file itself (not an .xlsx, too large, no sheet, a missing
header, too many rows) is an InvalidInput with a message a community worker can act on;
nothing here ever lets a broken file become a 500.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from jifen.lib.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
# A file of this many rows or more (the header not counted) is refused: split it.
MAX_ROWS = 100_000


@dataclass
class Row:
    number: int
    cells: dict[str, Any]  # header -> value (None for an empty cell)


@dataclass
class Sheet:
    headers: dict[str, int]  # header -> 1-based column
    rows: list[Row]

    def letter(self, header: str) -> str:
        column = self.headers.get(header)
        return get_column_letter(column) if column else ""


def _bad_file() -> InvalidInput:
    return InvalidInput(
        _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again."),
        code="not_xlsx",
        field="file",
    )


def read_bytes(upload: Any) -> bytes:
    """The uploaded file's bytes, refused when over the size limit (read no further)."""
    if upload is None:
        raise InvalidInput(_("Choose an Excel file (.xlsx)."), code="no_file", field="file")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_big()
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_big()
    return data


def _too_big() -> InvalidInput:
    return InvalidInput(
        _("The file is larger than %(mb)s MB. Split it into smaller files."),
        code="file_too_large",
        field="file",
        params={"mb": MAX_BYTES // (1024 * 1024)},
    )


def _header(value: Any) -> str:
    return "" if value is None else str(value).strip().replace("*", "").replace("＊", "")


def read(
    data: bytes, required: tuple[str, ...], optional: tuple[str, ...], one_of: tuple[str, ...] = ()
) -> Sheet:
    """The first sheet's rows, by header. ``one_of``: at least one of these headers."""
    if not data:
        raise _bad_file()
    if not zipfile.is_zipfile(BytesIO(data)):
        raise _bad_file()
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer
        raise _bad_file() from None
    try:
        if not book.worksheets:
            raise InvalidInput(_("The workbook has no sheet."), code="no_sheet", field="file")
        sheet = book.worksheets[0]
        try:
            return _rows(sheet.iter_rows(values_only=True), required, optional, one_of)
        except InvalidInput:
            raise
        except Exception:  # noqa: BLE001 - a corrupt sheet part
            raise _bad_file() from None
    finally:
        book.close()


def _rows(
    lines: Iterator[tuple[Any, ...]],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    one_of: tuple[str, ...],
) -> Sheet:
    first = next(lines, None)
    headers: dict[str, int] = {}
    for i, value in enumerate(first or (), start=1):
        name = _header(value)
        if name in (*required, *optional, *one_of) and name not in headers:
            headers[name] = i
    missing = [h for h in required if h not in headers]
    if one_of and not any(h in headers for h in one_of):
        missing.append("／".join(one_of))
    if missing:
        raise InvalidInput(
            _(
                "The first row must hold the column headers; missing: %(missing)s. "
                "Download the template to see them."
            ),
            code="missing_headers",
            field="file",
            params={"missing": "、".join(str(m) for m in missing)},
        )
    rows: list[Row] = []
    for number, values in enumerate(lines, start=2):
        cells = {
            name: (values[column - 1] if column - 1 < len(values) else None)
            for name, column in headers.items()
        }
        if all(_blank(v) for v in cells.values()):
            continue
        if len(rows) + 1 >= MAX_ROWS:
            raise InvalidInput(
                _("The file has %(max)s rows or more. Split it into files of fewer rows."),
                code="too_many_rows",
                field="file",
                params={"max": f"{MAX_ROWS:,}"},
            )
        rows.append(Row(number, cells))
    return Sheet(headers, rows)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as the text typed: numbers without a trailing .0 (a phone typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def as_date(value: Any) -> date | None:
    """A date cell, or text YYYY-MM-DD; None when it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return None
