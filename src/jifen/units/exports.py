"""The unit ranking as an Excel file, written with ``jifen.lib.xlsx``: a unit's name that
begins like a formula stays text."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.regions.models import Region
from jifen.units.selectors import Quarter, RankRow


def ranking_xlsx(region: Region, quarter: Quarter, rows: list[RankRow]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = quarter.code
    append_row(sheet, [region.name, quarter.code])
    append_row(
        sheet,
        [
            _("Rank"),
            pgettext("organisation", "Unit"),
            _("Kind of unit"),
            _("Community"),
            _("Points"),
            _("Alliance"),
        ],
    )
    for row in rows:
        append_row(
            sheet,
            [
                row.rank,
                row.organization.name,
                str(row.organization.get_kind_display()),
                row.community,
                row.points,
                _("yes") if row.in_alliance else "",
            ],
        )
    return workbook_bytes(book)
