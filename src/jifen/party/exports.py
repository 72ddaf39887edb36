"""Excel files of 回家报到 for units and staff (formulas neutralised: ``lib.xlsx``)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles import Font

from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people.models import Organization


def not_reporting_xlsx(organization: Organization, rows: list[dict[str, Any]]) -> bytes:
    """The unit's members with no service counted as reporting home in half a year."""
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Not reporting")[:31]
    append_row(
        sheet,
        [
            _("%(unit)s: members who did not report home in half a year")
            % {"unit": organization.name}
        ],
    )
    sheet["A1"].font = Font(bold=True)
    append_row(
        sheet,
        [
            _("Volunteer number"),
            pgettext("person", "Name"),
            _("Home community"),
            _("Reporting since"),
            _("Last served at home"),
        ],
    )
    for row in rows:
        report, person = row["report"], row["person"]
        append_row(
            sheet,
            [
                person.volunteer_no or "",
                person.name,
                report.community.name,
                report.started_on.isoformat(),
                row["last_served"].isoformat() if row["last_served"] else "—",
            ],
        )
    for column, width in zip("ABCDE", (16, 14, 20, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(book)
