"""Excel files of the inspectors' pages: the summary, and the messages behind a figure.

Made with ``lib.xlsx``, so a message a resident typed as ``=HYPERLINK(...)`` stays the
text they typed; authors' names are masked (王*英) — the file leaves the console — and
a private message's text is left out (its number leads to it in the console)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from jifen.inspection.figures import Row, Summary
from jifen.lib.masking import mask_name
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.messages.models import Message

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000


def _local(value: datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _header(sheet: Any, values: list[str]) -> None:
    append_row(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def figure_headers() -> list[str]:
    return [
        _("Received"),
        _("Answered"),
        _("Unanswered"),
        _("Answered late"),
        _("Waiting past due"),
        _("Overdue"),
        _("Median hours to answer"),
        _("Average rating"),
        _("Rated"),
        _("Reopened"),
        _("Disclosures missing"),
    ]


def _figures(r: Row) -> list[Any]:
    f = r.figures()
    return [
        f["received"],
        f["answered"],
        f["unanswered"],
        f["late"],
        f["open_overdue"],
        f["overdue"],
        f["median_hours"],
        f["rating"],
        f["rated"],
        f["reopened"],
        r.missing_disclosures,
    ]


def _section(sheet: Any, title: str, rows: Iterable[Row], months: bool) -> None:
    append_row(sheet, [])
    _header(sheet, [title, "", *figure_headers()])
    for r in rows:
        append_row(sheet, [r.label, r.key, *_figures(r)])
        if months:
            for m in r.months:
                append_row(sheet, ["", m.key, *_figures(m)])


def summary_workbook(s: Summary) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Summary")
    _header(sheet, [f"{s.region.name} {s.start.isoformat()} – {s.end.isoformat()}"])
    _section(sheet, _("In all"), [s.total], s.monthly)
    _section(sheet, _("By topic"), s.by_topic, s.monthly)
    if s.by_town:
        _section(sheet, _("By town"), s.by_town, s.monthly)
    _section(sheet, _("By community or village"), s.by_area, s.monthly)
    if s.incidents is not None:
        i = s.incidents
        append_row(sheet, [])
        _header(
            sheet,
            [
                _("Grid incidents"),
                _("Reported"),
                _("Open"),
                _("Overdue"),
                _("Closed after a fix"),
                _("Closed on time"),
                _("On-time rate (%)"),
                _("Median hours to close"),
            ],
        )
        append_row(
            sheet,
            [
                "",
                i.total,
                i.open,
                i.overdue,
                i.closed,
                i.closed_on_time,
                None if i.on_time_rate is None else round(i.on_time_rate * 100, 1),
                i.median_hours_to_close,
            ],
        )
    missing = book.create_sheet(_("Disclosures missing"))
    _header(missing, [_("Region"), _("Code"), _("Category"), _("Period"), _("Due on")])
    for m in s.missing:
        append_row(missing, [m.region_name, m.region, m.category, m.period, m.due_on.isoformat()])
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def messages_workbook(messages: Iterable[Message]) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Messages")
    _header(
        sheet,
        [
            _("No."),
            _("Written"),
            _("Addressed to"),
            _("Answered by"),
            _("Topic"),
            _("Author"),
            _("Public"),
            _("Message"),
            _("Status"),
            _("First due"),
            _("First answered"),
            _("Closed at"),
            _("Rating"),
            _("Reopened"),
        ],
    )
    for m in messages:
        append_row(
            sheet,
            [
                m.pk,
                _local(m.created_at),
                m.region.name,
                m.handling_region.name,
                m.topic.name,
                mask_name(m.author.name),
                _("yes") if m.public else _("no"),
                m.body if m.public else _("(private)"),
                str(m.get_status_display()),
                _local(m.first_due_at),
                _local(m.first_answered_at),
                _local(m.closed_at),
                m.rating,
                _local(m.reopened_at),
            ],
        )
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)
