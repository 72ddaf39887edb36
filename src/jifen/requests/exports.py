"""Excel files of the staff pages: the list of requests as filtered, and the monthly
figures. Made with ``lib.xlsx``, so a title a resident typed as ``=HYPERLINK(...)`` stays
the text they typed; the names of requesters and helpers are masked (王*英) — the file
leaves the console, the volunteer number identifies the helper to those who may know."""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles import Font

from jifen.lib.masking import mask_name
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.requests.models import ServiceRequest
from jifen.requests.stats import Figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value: object) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _helper(request: ServiceRequest) -> str:
    parts = []
    if request.assignee is not None:
        parts.append(f"{mask_name(request.assignee.name)} {request.assignee.volunteer_no}")
    group = request.team or request.organization
    if group is not None:
        parts.append(group.name)
    return " · ".join(parts)


def requests_workbook(requests: Iterable[ServiceRequest]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Requests")
    sheet.append(
        [
            _("No."),
            _("Kind"),
            _("Community"),
            _("Service"),
            pgettext("request", "Title"),
            _("Requester"),
            _("Status"),
            _("Submitted"),
            _("Points"),
            _("Helper"),
            _("Due on"),
            _("Reported done"),
            _("Closed at"),
            _("Rating"),
            _("Confirmed automatically"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in requests:
        append_row(
            sheet,
            [
                r.pk,
                str(r.get_kind_display()),
                r.community.name,
                r.menu_item.name,
                r.title,
                mask_name(r.requester.name),
                str(r.get_status_display()),
                _local(r.created_at),
                r.points,
                _helper(r),
                r.due_on.isoformat() if r.due_on else "",
                _local(r.done_at),
                _local(r.closed_at),
                r.rating,
                _("yes") if r.auto_confirmed else "",
            ],
        )
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def stats_workbook(figures: Iterable[Figures]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Monthly figures")
    sheet.append(
        [
            _("Month"),
            _("Region"),
            _("Region code"),
            _("Requests"),
            _("Wishes"),
            _("Completed"),
            _("Median hours to accept"),
            _("Median hours to done"),
            _("Average rating"),
            _("Confirmed automatically (%)"),
            _("Overdue"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f in figures:
        append_row(
            sheet,
            [
                f.month,
                f.region_name,
                f.region_code,
                f.requests,
                f.wishes,
                f.completed,
                _hours(f.accept_seconds),
                _hours(f.done_seconds),
                f.rating,
                None if f.auto_share is None else round(f.auto_share * 100),
                f.overdue,
            ],
        )
        if f.is_total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)
