"""巡察 over HTTP: the inspectors' summary and the messages behind its figures.

``GET /inspection/summary``: the messages of a region and a period by topic, by community
or village, by town and in all (``monthly=true``: each per month too) — received,
answered, unanswered, answered late, waiting past due, overdue, the median hours to the
first answer, the ratings, reopened — the disclosures due and not published, and the
grid incidents' on-time figures. ``GET /inspection/messages``: the messages behind one
figure of one group, newest first, paginated, with a keyword search (``q``) over the
messages and their answers. Inspectors and administrators over the region only; they
read, and every write elsewhere refuses them.
"""

from dataclasses import asdict
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import Date, ShapedPage, one_of
from jifen.api.security import caller
from jifen.inspection import figures, selectors
from jifen.inspection.links import message_url
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.messages.models import Message
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.regions.selectors import get_region

router = Router(tags=["inspection"])

RegionCode = Annotated[str, Field(max_length=32)]


class SummaryFilters(Schema):
    region: RegionCode = Field("", description="the region inspected; default: the caller's first")
    start: Date | None = Field(
        None, alias="from", description="written on or after (default: 11 months back, day 1)"
    )
    end: Date | None = Field(None, alias="to", description="written on or before (default: today)")
    monthly: bool = Field(False, description="each figure per month too")


class MessageFilters(Schema):
    region: RegionCode = Field("", description="the region inspected; default: the caller's first")
    start: Date | None = Field(None, alias="from", description="written on or after")
    end: Date | None = Field(None, alias="to", description="written on or before")
    figure: str = Field("received", max_length=16, description=", ".join(figures.FIGURES))
    topic: str = Field("", max_length=32, description="a topic's code")
    area: RegionCode = Field("", description="a community, village or town inside the region")
    exact: bool = Field(False, description="only messages addressed to the area itself")
    month: str = Field("", max_length=7, description="YYYY-MM")
    q: str = Field(
        "", max_length=selectors.MAX_QUERY, description="words in the message or an answer"
    )


def region_for(viewer: Person | None, code: str) -> Region:
    """The region named, or the first the caller inspects."""
    if code:
        return get_region(code)
    if viewer is not None:
        regions = figures.inspected_regions(viewer)
        if regions:
            return regions[0]
        authz.require(viewer, authz.INSPECT)
    raise InvalidInput(
        _("Please name the region: ?region=CODE."), code="region_required", field="region"
    )


def period(start: Any, end: Any) -> tuple[Any, Any]:
    today = timezone.localdate()
    first, last = figures.default_period(min(end or today, figures.LATEST))
    end = end or last
    start = start or (first if first <= end else end)
    if start > end:
        raise InvalidInput(_("The first day comes after the last."), field="from")
    return start, end


def _row_out(r: figures.Row) -> dict[str, Any]:
    out: dict[str, Any] = {"key": r.key, "label": r.label, **r.figures()}
    if r.level:
        out["level"] = r.level
    if r.parent:
        out["town"] = r.parent
    out["missing_disclosures"] = r.missing_disclosures
    if r.months:
        out["months"] = [{"month": m.key, **m.figures()} for m in r.months]
    return out


@router.get("/inspection/summary", response=dict[str, Any])
def summary(request: HttpRequest, filters: Query[SummaryFilters]) -> dict[str, Any]:
    """Inspectors (巡察) and administrators over the region: the messages' figures by
    topic, community or village, town and month; disclosures missing; incidents on time.
    Times to answer are clock hours from writing to the first answer."""
    viewer = caller(request)
    region = region_for(viewer, filters.region)
    start, end = period(filters.start, filters.end)
    s = figures.summary(viewer=viewer, region=region, start=start, end=end, monthly=filters.monthly)
    return {
        "region": region.code,
        "region_name": region.name,
        "from": start,
        "to": end,
        "hours": "clock hours from writing to the first answer",
        "total": _row_out(s.total),
        "by_topic": [_row_out(r) for r in s.by_topic],
        "by_area": [_row_out(r) for r in s.by_area],
        "by_town": [_row_out(r) for r in s.by_town],
        "by_month": [{"month": m.key, **m.figures()} for m in s.by_month],
        "disclosures_missing": {
            "count": s.missing_count,
            "items": [{**asdict(m), "due_on": m.due_on} for m in s.missing],
        },
        "incidents": asdict(s.incidents) if s.incidents is not None else None,
        "medians_sampled": s.sampled,
    }


class InspectedMessageOut(Schema):
    id: int
    created_at: Any
    region: str
    region_name: str
    handling_region: str
    topic: str
    topic_name: str
    author: str = Field(description="masked")
    public: bool
    body: str
    status: str
    due_at: Any
    first_due_at: Any
    first_answered_at: Any
    closed_at: Any
    rating: int | None
    reopened: bool
    escalations: int
    url: str | None = Field(description="the message in the staff console")


def _message_out(m: Message) -> dict[str, Any]:
    return {
        "id": m.pk,
        "created_at": m.created_at,
        "region": m.region.code,
        "region_name": m.region.name,
        "handling_region": m.handling_region.code,
        "topic": m.topic.code,
        "topic_name": m.topic.name,
        "author": mask_name(m.author.name),
        "public": m.public,
        "body": m.body,
        "status": m.status,
        "due_at": m.due_at,
        "first_due_at": m.first_due_at,
        "first_answered_at": m.first_answered_at,
        "closed_at": m.closed_at,
        "rating": m.rating,
        "reopened": m.reopened_at is not None,
        "escalations": m.escalations,
        "url": message_url(m.pk),
    }


def drill_from(filters: MessageFilters, region: Region) -> selectors.Drill:
    area = None
    if filters.area:
        try:
            area = get_region(filters.area)
        except NotFound:
            raise InvalidInput(
                _("No region has the code %(code)s.") % {"code": filters.area}, field="area"
            ) from None
    return selectors.Drill(
        figure=one_of(filters.figure, list(figures.FIGURES), "figure") or "received",
        topic=filters.topic,
        area=area,
        exact=filters.exact,
        month=filters.month,
        q=filters.q,
    )


@router.get("/inspection/messages", response=list[InspectedMessageOut])
@paginate(Paging)
def inspected_messages(request: HttpRequest, filters: Query[MessageFilters]) -> ShapedPage:
    """The messages behind one figure of the summary (``figure``, of a ``topic``, an
    ``area`` or a ``month``), newest first; ``q`` searches their text and answers."""
    viewer = caller(request)
    region = region_for(viewer, filters.region)
    start, end = period(filters.start, filters.end)
    rows = selectors.messages(
        viewer=viewer, region=region, start=start, end=end, drill=drill_from(filters, region)
    )
    return ShapedPage(rows, _message_out)
