"""Excel files of the staff pages of grid incidents: the queue as filtered, and the
dashboard. Made with ``lib.xlsx``, so a description a resident typed as
``=HYPERLINK(...)`` stays the text they typed; reporters' and handlers' names are masked
(王*英) — the file leaves the console."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles import Font

from jifen.incidents.models import Incident
from jifen.incidents.stats import Dashboard, Row
from jifen.lib.masking import mask_name
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value: datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _handler(incident: Incident) -> str:
    parts = []
    if incident.assignee is not None:
        parts.append(f"{mask_name(incident.assignee.name)} {incident.assignee.volunteer_no}")
    if incident.organization is not None:
        parts.append(incident.organization.name)
    return " · ".join(parts)


def _closing(incident: Incident) -> str:
    """Fixed, or the reason it was closed without a fix (the duplicate's number)."""
    if not incident.close_reason:
        return ""
    label = str(incident.get_close_reason_display())
    return f"{label} #{incident.duplicate_of_id}" if incident.duplicate_of_id else label


def _bold_header(sheet: object, headers: list[str]) -> None:
    sheet.append(headers)  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)


def incidents_workbook(incidents: Iterable[Incident]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Incidents")
    _bold_header(
        sheet,
        [
            _("No."),
            _("Reported"),
            _("Community"),
            _("Place"),
            _("Address"),
            _("Category"),
            _("Description"),
            _("Status"),
            _("Tier"),
            _("Handler"),
            _("Due"),
            _("Working days overdue"),
            _("Closed at"),
            pgettext("incident export", "How it was closed"),
            _("Closed on time"),
            _("Rating"),
        ],
    )
    for i in incidents:
        append_row(
            sheet,
            [
                i.pk,
                _local(i.created_at),
                i.community.name,
                i.region.name,
                i.address,
                i.category.name,
                i.description,
                str(i.get_status_display()),
                str(i.get_tier_display()),
                _handler(i),
                _local(i.due_at),
                getattr(i, "late_days", 0) or None,
                _local(i.closed_at),
                _closing(i),
                "" if i.closed_on_time is None else (_("yes") if i.closed_on_time else _("no")),
                i.rating,
            ],
        )
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def _figures(sheet: Any, title: str, rows: Iterable[Row]) -> None:
    append_row(sheet, [])
    append_row(sheet, [title])
    for r in rows:
        append_row(
            sheet,
            [
                r.label,
                r.total,
                r.open,
                r.overdue,
                r.days_over or None,
                r.closed,
                r.closed_on_time,
                None if r.on_time_rate is None else round(r.on_time_rate * 100, 1),
                r.median_hours,
            ],
        )


def dashboard_workbook(board: Dashboard) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Dashboard")
    _bold_header(
        sheet,
        [
            f"{board.region.name} {board.start.isoformat()} – {board.end.isoformat()}",
            _("Reported"),
            pgettext("incidents", "Open"),  # 未结案: a count, not the verb 查看
            pgettext("incidents", "Overdue"),
            _("Working days overdue (oldest)"),
            _("Closed after a fix"),
            _("Closed on time"),
            _("On-time rate (%)"),
            _("Median hours to close"),
        ],
    )
    _figures(sheet, _("In all"), [board.total])
    _figures(sheet, _("By area"), board.by_area)
    _figures(sheet, _("By category"), board.by_category)
    if board.by_handler:
        _figures(sheet, _("By handler"), board.by_handler)
    _figures(sheet, _("By month reported"), board.by_month)
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)
