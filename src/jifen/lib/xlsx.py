"""Excel workbooks the project hands out, written so that no cell ever runs as a formula.

A name, an offer or a memo is typed by whoever registered it, and a spreadsheet program
runs a cell that begins with ``=`` (and, in some of them, ``+``, ``-``, ``@``, or those
behind a tab or a carriage return) as a formula: a resident named
``=HYPERLINK("http://evil.example/x","点我")`` would be a live link in the statement
staff download (OWASP's "CSV injection"). openpyxl itself makes any str beginning with
``=`` a formula cell.

So every workbook is made by :func:`new_workbook` and saved through :func:`workbook_bytes`
(its ``save`` does the same), which writes each such text as a text cell with Excel's
"quote prefix" style: the value stays exactly as typed — no apostrophe or space added,
so it reads, sorts and searches as the person wrote it — and the program shows it as
text even when someone edits the cell. Numbers stay numbers (points may be negative);
only text is touched. The project writes no formula of its own: totals are computed in
Python. ``tests/lib/test_xlsx.py`` fails if a module makes or saves a workbook any
other way.

Two more things a typed text could carry are made safe here too, so an export never
answers 500: control characters a workbook cannot hold (openpyxl refuses them) become
U+FFFD, and a carriage return is written as the line break every reader turns it into
anyway (XML reads a bare CR back as LF).
"""

import re
from collections.abc import Iterable
from io import BytesIO
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FORMULA_PREFIXES",
    "SafeWorkbook",
    "Worksheet",
    "append_row",
    "clean_text",
    "first_sheet",
    "neutralise",
    "new_workbook",
    "workbook_bytes",
]

# What a spreadsheet program may take as the start of a formula (OWASP), and LF, which
# a CR is written as (clean_text).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

_LINE_BREAKS = re.compile(r"\r\n?")


def clean_text(value: str) -> str:
    """Text a workbook can hold and gives back as written: characters it cannot hold
    become U+FFFD, CR and CRLF become LF."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return _LINE_BREAKS.sub("\n", value)


def _neutralise_cell(cell: Any) -> None:
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)):
        if not isinstance(value, str):  # an array or data-table formula object: never ours
            value = str(value)
            cell.value = value
        cell.data_type = "s"  # written as an inline string, never as <f>
        cell.quotePrefix = True  # and shown as text, even once edited


def neutralise(book: Workbook) -> None:
    """Make every text of ``book`` that could run as a formula a plain text cell."""
    for sheet in book.worksheets:
        # The cells that exist, not the whole rectangle iter_rows() would create.
        for cell in list(sheet._cells.values()):  # noqa: SLF001
            _neutralise_cell(cell)


class SafeWorkbook(Workbook):
    """A workbook whose ``save`` neutralises formulas first, however its cells were set."""

    def save(self, filename: str | IO[bytes]) -> None:
        neutralise(self)
        super().save(filename)


def new_workbook() -> SafeWorkbook:
    return SafeWorkbook()


def first_sheet(book: Workbook) -> Worksheet:
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # noqa: S101 - a new workbook has one sheet
    return sheet


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append`` for text someone typed: cleaned so the workbook can hold it (the
    formulas are neutralised when the workbook is saved)."""
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx file of ``book``, its formulas neutralised."""
    neutralise(book)
    buffer = BytesIO()
    Workbook.save(book, buffer)
    return buffer.getvalue()
