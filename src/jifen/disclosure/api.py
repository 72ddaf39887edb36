"""村务公开 over HTTP (CONTRACT "Wave 2: disclosure, messages and deliberation").

Staff publish (``POST /disclosures``), correct (a new version) and publish the 村级月报;
they and the inspectors read the calendar's missing periods. Anyone, without logging
in, reads ``/public/disclosures``: the list newest first with its ``views``, and one item
with its table, attachments, thread and versions. Amounts are whole fen (``amount``,
money cells) with the yuan text beside them. A publication and a correction take JSON,
or the same fields as ``multipart/form-data`` with files in ``attachments`` (PDF, JPEG,
PNG) and the table as a JSON text.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.bodies import body_doc, form_or_json
from jifen.api.fields import Date, Id, Line, LongText, Month, ShapedPage, one_of
from jifen.api.security import caller
from jifen.disclosure import selectors, services
from jifen.disclosure.models import Attachment, Category, Disclosure, Frequency, Schedule
from jifen.disclosure.money import yuan
from jifen.lib.errors import NotFound, PermissionDenied
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.regions.selectors import get_region

router = Router(tags=["disclosure"])

RegionCode = Annotated[str, Field(max_length=32)]
Whole = Annotated[int, Field(strict=True)]


class DisclosureBody(Schema):
    """A JSON object (ninja would read an array or a number as an object of defaults)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Output -------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str = Field(description="application/pdf, image/jpeg or image/png")
    size: int
    url: str


class TableOut(Schema):
    columns: list[dict[str, Any]] = Field(description="[{name, money}]")
    rows: list[list[Any]] = Field(description="cells; a money cell is whole fen (or null)")
    rows_yuan: list[list[str]] = Field(description="the same rows as shown: money in yuan")


class DisclosureOut(Schema):
    id: int
    region: str
    region_name: str
    category: str = Field(description=", ".join(Category.values))
    category_label: str
    kind: str = Field(description="item or monthly_report")
    title: str
    body: str
    period: str = Field(description="the calendar period it fulfils: 2026-11, 2026Q4, 2026 or ''")
    decided_on: date | None
    published_at: datetime
    version: int
    current: bool = Field(description="false: superseded by a correction")
    current_id: int = Field(description="the id of the current version")
    correction_note: str
    views: int = Field(description="readers of its public page, all versions together")
    url: str = Field(description="the public page")


class VersionOut(Schema):
    id: int
    version: int
    published_at: datetime
    current: bool
    correction_note: str


class ThreadItemOut(Schema):
    id: int
    title: str
    category: str
    published_at: datetime


class ReportLineOut(Schema):
    label: str
    amount: int
    amount_yuan: str


class ReportSectionOut(Schema):
    key: str
    label: str
    lines: list[ReportLineOut]
    total: int
    total_yuan: str


class ReportOut(Schema):
    month: str
    sections: list[ReportSectionOut]
    matters: str


class DisclosureSealOut(Schema):
    seal: str = Field(description="hex SHA-256 of the seal lines (docs/checkpoints.md)")
    previous_seal: str = Field(description="the region's previous sealed disclosure's seal")
    root: str = Field(description="hex SHA-256 of the sealed content (…/sealed)")
    count: int = Field(description="attachments sealed")
    content_matches: bool = Field(description="the content stored now gives the sealed root")
    witnessed: bool = Field(description="the checkpoint above the region holds this seal")
    checkpoint: str = Field(description="the code of the county (or town) whose checkpoint")


class DisclosureDetailOut(DisclosureOut):
    table: TableOut | None
    attachments: list[AttachmentOut]
    thread: list[ThreadItemOut] = Field(description="the thread's items in order; [] alone")
    versions: list[VersionOut]
    report: ReportOut | None = Field(description="a 村级月报's seven headings")
    late: bool = Field(description="a decision published after 5 working days")
    seal: DisclosureSealOut | None = Field(
        description="null: published before disclosures were sealed"
    )


class MissingOut(Schema):
    region: str
    region_name: str
    category: str
    category_label: str
    period: str
    due_on: date


class ScheduleOut(Schema):
    id: int
    region: str
    region_name: str
    category: str
    frequency: str
    due_day: int
    starts_on: date
    note: str


def _url(item: Disclosure) -> str:
    return reverse("disclosure:item", args=[item.pk])


def _out(item: Disclosure) -> dict[str, Any]:
    return {
        "id": item.pk,
        "region": item.region.code,
        "region_name": item.region.name,
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "period": item.period,
        "decided_on": item.decided_on,
        "published_at": item.published_at,
        "version": item.version,
        "current": item.is_current,
        "current_id": item.superseded_by_id if item.superseded_by_id else item.pk,
        "correction_note": item.correction_note,
        "views": selectors.views_of(item),
        "url": _url(item),
    }


def _attachment_out(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "url": reverse("disclosure:attachment", args=[row.pk]),
    }


def table_view(table: dict[str, Any]) -> dict[str, Any] | None:
    if not table:
        return None
    columns = table["columns"]
    shown = [
        [yuan(cell) if col["money"] else cell for col, cell in zip(columns, row, strict=False)]
        for row in table["rows"]
    ]
    return {"columns": columns, "rows": table["rows"], "rows_yuan": shown}


def report_view(report: dict[str, Any]) -> dict[str, Any] | None:
    if not report:
        return None
    labels = services.section_labels()
    return {
        "month": report.get("month", ""),
        "sections": [
            {
                "key": key,
                "label": labels[key],
                "lines": [
                    {**line, "amount_yuan": yuan(line["amount"])}
                    for line in report["sections"][key]["lines"]
                ],
                "total": report["sections"][key]["total"],
                "total_yuan": yuan(report["sections"][key]["total"]),
            }
            for key in services.SECTION_KEYS
        ],
        "matters": report.get("matters", ""),
    }


def _detail(item: Disclosure) -> dict[str, Any]:
    current = selectors.current_of(item)
    return {
        **_out(item),
        "seal": selectors.seal_status(item),
        "current_id": current.pk,
        "table": table_view(item.table),
        "attachments": [_attachment_out(a) for a in item.attachments.all()],
        "thread": [
            {"id": t.pk, "title": t.title, "category": t.category, "published_at": t.published_at}
            for t in selectors.thread(item)
        ],
        "versions": [
            {
                "id": v.pk,
                "version": v.version,
                "published_at": v.published_at,
                "current": v.is_current,
                "correction_note": v.correction_note,
            }
            for v in selectors.versions(item)
        ],
        "report": report_view(item.report),
        "late": selectors.is_late(item),
    }


def _missing_out(m: selectors.Missing) -> dict[str, Any]:
    return {
        "region": m.region.code,
        "region_name": m.region.name,
        "category": m.category,
        "category_label": m.category_label,
        "period": m.period,
        "due_on": m.due_on,
    }


def _schedule_out(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.pk,
        "region": s.region.code,
        "region_name": s.region.name,
        "category": s.category,
        "frequency": s.frequency,
        "due_day": s.due_day,
        "starts_on": s.starts_on,
        "note": s.note,
    }


def _item(pk: int) -> Disclosure:
    item = selectors.public_item(pk)
    if item is None:
        raise NotFound(_("There is no such disclosure."))
    return item


# --- Public ---------------------------------------------------------------------------------


class PublicDisclosureFilters(Schema):
    region: RegionCode = Field("", description="a region's code: it and everything below it")
    category: str = Field("", max_length=16, description=", ".join(Category.values))


@router.get("/public/disclosures", auth=None, response=list[DisclosureOut])
@paginate(Paging)
def public_list(request: HttpRequest, filters: Query[PublicDisclosureFilters]) -> ShapedPage:
    """村务公开, no login: current versions newest first, each with its ``views``."""
    category = one_of(filters.category, Category.values, "category")
    region = get_region(filters.region) if filters.region else None
    return ShapedPage(selectors.public_items(region, category), _out)


@router.get("/public/disclosures/{item_id}", auth=None, response=DisclosureDetailOut)
def public_detail(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    """One item, any version (a superseded one says so and names the current one)."""
    return _detail(_item(item_id))


@router.get("/public/disclosures/{item_id}/sealed", auth=None, url_name="public_sealed")
def public_sealed(request: HttpRequest, item_id: Id) -> HttpResponse:
    """The content bytes exactly as sealed (docs/checkpoints.md): their SHA-256 is the
    seal's root. 404 for an item published before disclosures were sealed."""
    item = _item(item_id)
    if not item.seal:
        raise NotFound(_("This disclosure was published before disclosures were sealed."))
    response = HttpResponse(
        services.sealed_content(item), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="disclosure-{item.pk}-sealed.json"'
    return response


# --- Staff --------------------------------------------------------------------------------

# In a form, these fields hold JSON.
_JSON_FIELDS = {
    "table": _("The table is not valid JSON."),
    "drop_attachments": _("The attachments to leave out are a JSON list of ids."),
}


class TableIn(Schema):
    columns: list[Any] = Field(max_length=20, description="[{name, money: bool}] or names")
    rows: list[list[Any]] = Field(max_length=500, description="cells; money cells whole fen")


class DisclosureIn(DisclosureBody):
    region: RegionCode
    category: str = Field(max_length=16, description=", ".join(Category.values))
    title: Line
    body: Annotated[str, Field(max_length=20_000)] = ""
    table: TableIn | None = None
    period: str = Field("", max_length=8, description="2026-11, 2026Q4 or 2026")
    decided_on: Date | None = None
    follows: Id | None = Field(None, description="the item this one follows in a thread")


class CorrectionIn(DisclosureBody):
    note: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="why it is corrected; shown with the new version"
    )
    title: Line | None = None
    body: Annotated[str, Field(max_length=20_000)] | None = None
    table: TableIn | None = None
    period: str | None = Field(None, max_length=8)
    decided_on: Date | None = None
    drop_attachments: list[Id] = Field([], max_length=20)
    sections: dict[str, Any] | None = Field(None, description="a 月报: its sections again")
    matters: LongText | None = None


def _table(table: TableIn | None) -> Any:
    return None if table is None else {"columns": table.columns, "rows": table.rows}


@router.post(
    "/disclosures",
    response={201: DisclosureDetailOut},
    openapi_extra=body_doc(DisclosureIn, files="attachments"),
)
def publish(request: HttpRequest) -> Status[dict[str, Any]]:
    """Publish at once: staff or an admin over the region (an inspector: 403)."""
    actor = caller(request)
    services.refuse_readers(actor)
    payload, uploads = form_or_json(
        request, DisclosureIn, files="attachments", json_fields=_JSON_FIELDS
    )
    follows = _item(payload.follows) if payload.follows else None
    item = services.publish(
        actor=actor,
        region=get_region(payload.region),
        category=payload.category,
        title=payload.title,
        body=payload.body,
        table=_table(payload.table),
        period=payload.period,
        decided_on=payload.decided_on,
        follows=follows,
        attachments=uploads,
    )
    return Status(201, _detail(_item(item.pk)))


@router.post(
    "/disclosures/{item_id}/correct",
    response={201: DisclosureDetailOut},
    openapi_extra=body_doc(CorrectionIn, files="attachments"),
)
def correct(request: HttpRequest, item_id: Id) -> Status[dict[str, Any]]:
    """更正: a new version; the old one stays public, marked superseded (409
    ``superseded`` when ``item_id`` is not the current version)."""
    actor = caller(request)
    services.refuse_readers(actor)
    payload, uploads = form_or_json(
        request, CorrectionIn, files="attachments", json_fields=_JSON_FIELDS
    )
    item = services.correct(
        actor=actor,
        item=_item(item_id),
        note=payload.note,
        title=payload.title,
        body=payload.body,
        table=_table(payload.table),
        period=payload.period,
        decided_on=payload.decided_on,
        attachments=uploads,
        drop_attachments=payload.drop_attachments,
        sections=payload.sections,
        matters=payload.matters,
    )
    return Status(201, _detail(_item(item.pk)))


class ReportLineIn(Schema):
    label: Line
    amount: Whole


class ReportSectionIn(Schema):
    lines: list[ReportLineIn] = Field(default_factory=list, max_length=50)
    total: Whole = 0


class MonthlyReportIn(DisclosureBody):
    region: RegionCode
    month: Month
    title: Line = ""
    income: ReportSectionIn = Field(default_factory=ReportSectionIn)
    expenses: ReportSectionIn = Field(default_factory=ReportSectionIn)
    assets: ReportSectionIn = Field(default_factory=ReportSectionIn)
    resources: ReportSectionIn = Field(default_factory=ReportSectionIn)
    debts: ReportSectionIn = Field(default_factory=ReportSectionIn)
    distribution: ReportSectionIn = Field(default_factory=ReportSectionIn)
    matters: LongText = ""


@router.post("/disclosures/reports", response={201: DisclosureDetailOut})
def monthly_report(request: HttpRequest, payload: MonthlyReportIn) -> Status[dict[str, Any]]:
    """村级月报: six sections of amounts (whole fen), each ``total`` equal to its lines'
    sum (400 ``total_mismatch`` naming the section otherwise), and the important matters;
    published as the month's ``finance`` disclosure. 409 ``already_published`` for a
    second report of the month: correct the first."""
    actor = caller(request)
    services.refuse_readers(actor)
    sections = {
        key: {
            "lines": [line.model_dump() for line in getattr(payload, key).lines],
            "total": getattr(payload, key).total,
        }
        for key in services.SECTION_KEYS
    }
    item = services.publish_monthly_report(
        actor=actor,
        region=get_region(payload.region),
        month=payload.month,
        sections=sections,
        matters=payload.matters,
        title=payload.title,
    )
    return Status(201, _detail(_item(item.pk)))


class DisclosureStaffFilters(Schema):
    region: RegionCode = ""
    category: str = Field("", max_length=16)
    superseded: bool = Field(False, description="include superseded versions")


@router.get("/disclosures", response=list[DisclosureOut])
@paginate(Paging)
def staff_list(request: HttpRequest, filters: Query[DisclosureStaffFilters]) -> ShapedPage:
    """What staff publish for and inspectors read, superseded versions on request."""
    viewer = caller(request)
    if not selectors.can_read_console(viewer):
        raise PermissionDenied()
    category = one_of(filters.category, Category.values, "category")
    region = get_region(filters.region) if filters.region else None
    rows = selectors.for_staff(
        viewer, region=region, category=category, superseded=filters.superseded
    )
    return ShapedPage(rows, _out)


class MissingFilters(Schema):
    region: RegionCode = Field("", description="default: every region of the caller")
    as_of: Date | None = Field(None, description="default: today")


@router.get("/disclosures/missing", response=list[MissingOut])
def missing(request: HttpRequest, filters: Query[MissingFilters]) -> list[dict[str, Any]]:
    """The calendar's periods past due with nothing published (staff, inspectors)."""
    viewer = caller(request)
    if not selectors.can_read_console(viewer):
        raise PermissionDenied()
    reach = selectors.reader_q(viewer, "")
    if filters.region:
        region = get_region(filters.region)
        reach &= Q(path__startswith=region.path)
    found = selectors.missing(reach, filters.as_of or timezone.localdate())
    return [_missing_out(m) for m in found[:1000]]


@router.get("/disclosures/schedules", response=list[ScheduleOut])
def schedules(request: HttpRequest, region: RegionCode = "") -> list[dict[str, Any]]:
    """The disclosure calendar of the caller's regions."""
    viewer = caller(request)
    if not selectors.can_read_console(viewer):
        raise PermissionDenied()
    reach = selectors.reader_q(viewer, "")
    if region:
        reach &= Q(path__startswith=get_region(region).path)
    return [_schedule_out(s) for s in selectors.schedules(reach)[:1000]]


class ScheduleIn(DisclosureBody):
    region: RegionCode
    category: str = Field(max_length=16)
    frequency: str = Field(max_length=16, description=", ".join(Frequency.values))
    due_day: Whole = Field(10, description="day of the month after the period, 1..28")
    starts_on: Date | None = None
    note: Line = ""


@router.post("/disclosures/schedules", response={201: ScheduleOut})
def save_schedule(request: HttpRequest, payload: ScheduleIn) -> Status[dict[str, Any]]:
    """Set one line of a region's calendar (one per category; saving again changes it)."""
    row = services.save_schedule(
        actor=caller(request),
        region=get_region(payload.region),
        category=payload.category,
        frequency=payload.frequency,
        due_day=payload.due_day,
        starts_on=payload.starts_on,
        note=payload.note,
    )
    return Status(201, _schedule_out(row))


@router.delete("/disclosures/schedules/{schedule_id}", response={204: None})
def delete_schedule(request: HttpRequest, schedule_id: Id) -> Status[None]:
    viewer = caller(request)
    row = Schedule.objects.filter(pk=schedule_id).select_related("region").first()
    if row is None or not authz.can(viewer, authz.PUBLISH_DISCLOSURES, row.region):
        if row is not None and authz.can(viewer, authz.INSPECT, row.region):
            raise PermissionDenied()
        raise NotFound()
    services.delete_schedule(actor=viewer, schedule=row)
    return Status(204, None)
