"""Personal data in what is published: masked before it is stored.

A welfare list (低保、救助、补贴名单) is published with the names of those who receive
help — that is the point of 公示 — but never with a whole ID number, bank card or phone
number. What staff type or paste is masked when it is published, so the public page, the
API, the PDF and the Excel file all show the same masked text and nothing whole is kept:

- everywhere: a valid 18-digit resident ID number (GB 11643, its check digit verified) →
  ``3505**********1234``;
- in a welfare list (``category == "welfare"``), also any run of 15 to 19 digits (an old
  15-digit ID, a bank card, an ID with a wrong check digit) and every mobile number →
  ``138****5678``;
- in a table, a column whose name says it holds ID numbers, cards or phones (身份证号,
  银行卡号, 联系电话, …) has every cell masked whatever its shape.

Names are left as typed (a welfare list names its households). Amounts are not text and are
never touched.
"""

import re
from typing import Any

from jifen.lib.masking import mask_id_number, mask_phone

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Not glued to other digits or letters (an order number's tail is not an ID number).
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{15,19}[Xx]?(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
_ID_COLUMN = re.compile(
    r"身份证|证件|证号|公民身份|银行|卡号|账号|帐号|\bID\b|identity|account|card", re.I
)
_PHONE_COLUMN = re.compile(r"电话|手机|联系方式|phone|mobile|\btel\b", re.I)


def is_id_number(text: str) -> bool:
    """An 18-character resident ID number whose check digit is right."""
    if len(text) != 18 or not text[:17].isascii() or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == text[17].upper()


def _mask_ids(text: str) -> str:
    return _ID.sub(lambda m: mask_id_number(m[0]) if is_id_number(m[0]) else m[0], text)


def _mask_mobile(match: re.Match[str]) -> str:
    return mask_phone(re.sub(r"\D", "", match[0])[-11:])


def mask_text(text: str, *, welfare: bool) -> str:
    """``text`` with its ID numbers (and, in a welfare list, long numbers and mobiles) masked."""
    if not text:
        return text
    text = _mask_ids(text)
    if welfare:
        text = _DIGITS.sub(lambda m: mask_id_number(m[0]), text)
        text = _MOBILE.sub(_mask_mobile, text)
    return text


def _mask_cell(cell: str, column: str, *, welfare: bool) -> str:
    if not cell:
        return cell
    if _ID_COLUMN.search(column):
        return mask_id_number(re.sub(r"\s", "", cell))
    if _PHONE_COLUMN.search(column):
        digits = re.sub(r"[\s\-－()（）+]", "", cell)
        return mask_phone(digits[-11:] if digits.startswith("86") else digits)
    return mask_text(cell, welfare=welfare)


def mask_table(table: dict[str, Any], *, welfare: bool) -> dict[str, Any]:
    """A cleaned table (``services.clean_table``) with its text cells masked."""
    if not table:
        return table
    columns = table["columns"]
    rows = [
        [
            cell
            if column["money"] or not isinstance(cell, str)
            else _mask_cell(cell, column["name"], welfare=welfare)
            for column, cell in zip(columns, row, strict=True)
        ]
        for row in table["rows"]
    ]
    return {"columns": columns, "rows": rows}


def mask_report(report: dict[str, Any]) -> dict[str, Any]:
    """A 月报's line labels and important matters with ID numbers masked."""
    if not report or "sections" not in report:
        return report
    sections = {
        key: {
            **section,
            "lines": [
                {**line, "label": mask_text(line["label"], welfare=False)}
                for line in section["lines"]
            ],
        }
        for key, section in report["sections"].items()
    }
    matters = mask_text(report.get("matters", ""), welfare=False)
    return {**report, "sections": sections, "matters": matters}
