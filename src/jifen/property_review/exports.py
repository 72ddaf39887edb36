"""The Excel file of a round's scores: one row per company — its rank, total, full marks,
inspections and panel members counted, and the average of each checklist item.

Written with ``jifen.lib.xlsx``: a company's or an item's name that begins like a
formula stays text. Scores are numbers (two decimals) so a spreadsheet can sort them.
"""

from django.utils.translation import gettext as _

from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.property_review import selectors
from jifen.property_review.models import Round


def scores_xlsx(round_: Round) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Scores")[:31]
    items = selectors.items(round_)
    append_row(sheet, [round_.title])
    append_row(sheet, [round_.region.name, round_.quarter, str(round_.get_status_display())])
    append_row(sheet, [])
    append_row(
        sheet,
        [
            _("Rank"),
            _("Property company"),
            _("Total"),
            _("Full marks"),
            _("Inspections"),
            _("Panel members"),
            *[f"{item.group} · {item.title}（{item.max_score}）" for item in items],
        ],
    )
    for result in selectors.results(round_):
        averages = {r.item_id: r.average for r in result.items.all()}
        append_row(
            sheet,
            [
                result.rank,
                result.company.organization.name,
                result.total,
                result.full_marks,
                result.inspections,
                result.panel_members,
                *[averages.get(item.pk) for item in items],
            ],
        )
    return workbook_bytes(book)
