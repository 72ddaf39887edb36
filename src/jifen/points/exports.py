"""Excel exports of the ledger (openpyxl): the paper track of 一人一档."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font

from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people.models import Person
from jifen.points.selectors import Statement


def statement_workbook(person: Person, sheet: Statement) -> bytes:
    book = new_workbook()
    ws = first_sheet(book)
    ws.title = _("Statement")
    append_row(ws, [_("Personal points statement (一人一档)")])
    ws["A1"].font = Font(size=14, bold=True)
    append_row(ws, [_("Name"), person.name, _("Volunteer number"), person.volunteer_no])
    append_row(
        ws,
        [
            _("Community"),
            person.community.name if person.community else "",
            _("Period"),
            f"{sheet.start.isoformat()} – {sheet.end.isoformat()}",
        ],
    )
    append_row(ws, [_("Opening balance"), sheet.opening, _("Closing balance"), sheet.closing])
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
    append_row(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for line in sheet.lines:
        transfer = line.transfer
        version = transfer.rule_version
        append_row(
            ws,
            [
                timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M"),
                str(transfer.get_kind_display()),
                version.name if version else "",
                transfer.service_date.isoformat() if transfer.service_date else "",
                line.signed,
                line.running,
                transfer.memo,
                transfer.pk,
            ],
        )
    ws.append([])
    append_row(ws, [_("Received"), sheet.received, _("Paid out"), sheet.paid])
    for column, width in zip("ABCDEFGH", (18, 12, 22, 12, 10, 10, 36, 12), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=7):
        row[6].alignment = Alignment(wrap_text=True)
    return workbook_bytes(book)
