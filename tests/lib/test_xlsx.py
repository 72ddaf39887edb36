"""lib.xlsx: the one way the project writes a workbook, and that no cell of it is a formula.

The exports themselves, downloaded through their pages, are in test_safe_exports.py.
"""

import re
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook

from jifen.lib import xlsx

SRC = Path(xlsx.__file__).resolve().parents[1]

# Text a spreadsheet program could run as a formula, each as a resident might type it.
DANGEROUS = [
    '=HYPERLINK("http://evil.example/x","点我")',
    "+86 1380000",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def as_read_back(text: str) -> str:
    """A CR is a line break to every reader of the file (XML); the helper writes it so."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def reopen(data: bytes) -> Workbook:
    return load_workbook(BytesIO(data))


def test_dangerous_text_is_written_as_text_exactly_as_typed() -> None:
    book = xlsx.new_workbook()
    sheet = xlsx.first_sheet(book)
    xlsx.append_row(sheet, [*DANGEROUS, -5, 3.5, "王淑英", "100"])
    sheet["A3"] = "=1+1"  # set directly, not through append_row: still neutralised on save
    cells = reopen(xlsx.workbook_bytes(book)).active
    row = list(cells[1])
    for cell, typed in zip(row, DANGEROUS, strict=False):
        assert cell.data_type == "s", typed
        assert cell.value == as_read_back(typed)
        assert cell.quotePrefix, typed  # shown as text even once someone edits it
    assert [c.value for c in row[6:]] == [-5, 3.5, "王淑英", "100"]
    assert [c.data_type for c in row[6:]] == ["n", "n", "s", "s"]
    assert not row[8].quotePrefix  # ordinary text is left as it was
    assert cells["A3"].data_type == "s" and cells["A3"].value == "=1+1"


def test_the_workbooks_save_neutralises_too() -> None:
    book = xlsx.new_workbook()
    xlsx.first_sheet(book)["B2"] = '=HYPERLINK("http://evil.example/x","x")'
    buffer = BytesIO()
    book.save(buffer)
    assert reopen(buffer.getvalue()).active["B2"].data_type == "s"


def test_characters_a_workbook_cannot_hold_do_not_break_the_export() -> None:
    book = xlsx.new_workbook()
    xlsx.append_row(xlsx.first_sheet(book), ["a\x01b", "line\r\nnext"])
    row = list(reopen(xlsx.workbook_bytes(book)).active[1])
    assert [c.value for c in row] == ["a\ufffdb", "line\nnext"]


def test_no_module_makes_or_saves_a_workbook_but_through_lib_xlsx() -> None:
    """A workbook made with openpyxl's own ``Workbook()`` or saved with ``.save()``
    would skip the neutralising: only lib/xlsx.py may do either."""
    made = re.compile(r"\bWorkbook\s*\(|import\s+Workbook|openpyxl\.Workbook|write_only")
    saved = re.compile(r"\b(book|workbook|wb)\.save\(")
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == Path(xlsx.__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if made.search(line) or saved.search(line) or "csv.writer" in line:
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == [], "write workbooks through jifen.lib.xlsx:\n" + "\n".join(offenders)
