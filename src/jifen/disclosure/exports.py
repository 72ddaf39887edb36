"""Excel files of 村务公开: a list of items, and one item's table or 月报.

Written with ``jifen.lib.xlsx``: whatever staff typed that begins like a formula stays
text. Amounts are numbers in yuan (two decimals) so a spreadsheet adds them up.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes

LIMIT = 5000


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def list_xlsx(items: Iterable[Disclosure]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Disclosures")[:31]
    append_row(
        sheet,
        [
            _("No."),
            _("Region"),
            _("Category"),
            pgettext("disclosure", "Title"),
            pgettext("disclosure", "Period"),
            _("Published"),
            _("Version"),
            _("Views"),
        ],
    )
    for item in items:
        append_row(
            sheet,
            [
                item.pk,
                item.region.name,
                str(item.get_category_display()),
                item.title,
                item.period,
                timezone.localtime(item.published_at).strftime("%Y-%m-%d %H:%M"),
                item.version,
                item.series.views if item.series is not None else item.views,
            ],
        )
    return workbook_bytes(book)


def item_xlsx(item: Disclosure) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Disclosure")[:31]
    append_row(sheet, [item.title])
    append_row(sheet, [item.region.name, str(item.get_category_display()), item.period])
    append_row(sheet, [])
    if item.table:
        columns = item.table["columns"]
        append_row(sheet, [c["name"] for c in columns])
        for row in item.table["rows"]:
            append_row(
                sheet,
                [
                    _yuan(cell) if c["money"] else cell
                    for c, cell in zip(columns, row, strict=False)
                ],
            )
    if item.report:
        labels = services.section_labels()
        append_row(sheet, [_("Section"), pgettext("monthly report", "Line"), _("Amount (yuan)")])
        for key in services.SECTION_KEYS:
            section = item.report["sections"][key]
            for line in section["lines"]:
                append_row(sheet, [labels[key], line["label"], _yuan(line["amount"])])
            append_row(
                sheet, [labels[key], pgettext("monthly report", "Total"), _yuan(section["total"])]
            )
        append_row(sheet, [labels["matters"], item.report.get("matters", "")])
    return workbook_bytes(book)
