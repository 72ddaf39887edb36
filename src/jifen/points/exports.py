"""Excel exports of the ledger (openpyxl): the paper track of 一人一档."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from jifen.people.models import Person
from jifen.points.selectors import Statement


def statement_workbook(person: Person, sheet: Statement) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None  # noqa: S101 - a new workbook has a sheet
    ws.title = _("Statement")
    ws.append([_("Personal points statement (一人一档)")])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([_("Name"), person.name, _("Volunteer number"), person.volunteer_no])
    ws.append(
        [
            _("Community"),
            person.community.name if person.community else "",
            _("Period"),
            f"{sheet.start.isoformat()} – {sheet.end.isoformat()}",
        ]
    )
    ws.append([_("Opening balance"), sheet.opening, _("Closing balance"), sheet.closing])
    ws.append([])
    header = [
        _("Date"),
        _("Kind"),
        _("Item"),
        _("Service date"),
        _("Points"),
        _("Balance"),
        _("Note"),
        _("Entry number"),
    ]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for line in sheet.lines:
        transfer = line.transfer
        version = transfer.rule_version
        ws.append(
            [
                timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M"),
                str(transfer.get_kind_display()),
                version.name if version else "",
                transfer.service_date.isoformat() if transfer.service_date else "",
                line.signed,
                line.running,
                transfer.memo,
                transfer.pk,
            ]
        )
    ws.append([])
    ws.append([_("Received"), sheet.received, _("Paid out"), sheet.paid])
    for column, width in zip("ABCDEFGH", (18, 12, 22, 12, 10, 10, 36, 12), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=7):
        row[6].alignment = Alignment(wrap_text=True)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
