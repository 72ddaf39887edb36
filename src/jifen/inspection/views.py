"""The inspectors' pages (巡察, desktop console): the summary of a region's messages by
topic, community or village, town and month, with the disclosures missing and the grid
incidents' figures; every number leads to the messages behind it; a keyword search over
the messages and their answers; both as Excel files.

Inspectors read here and write nothing: these pages only answer GET. Who may read is
the selectors' to decide (``authz.INSPECT`` over the region); a page only offers the
regions its reader inspects.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jifen.inspection import exports, figures, selectors
from jifen.inspection.forms import FIGURE_LABELS, MessagesForm, SummaryForm
from jifen.inspection.links import message_url
from jifen.lib.errors import NotFound
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25
LEVELS = [Level.COUNTY, Level.TOWN, Level.COMMUNITY]
LINKED = (
    "received",
    "answered",
    "unanswered",
    "late",
    "open_overdue",
    "overdue",
    "rated",
    "reopened",
)


def _reach(actor: Person) -> list[Region]:
    authz.require(actor, authz.INSPECT)
    regions = list(
        Region.objects.filter(authz.regions_q(actor, authz.INSPECT), level__in=LEVELS).order_by(
            "path"
        )[:1000]
    )
    if not regions:
        raise NotFound(_("You inspect no county, town or community."))
    return regions


def _choices(regions: list[Region]) -> list[tuple[str, str]]:
    return [(r.code, f"{'　' * max(r.path.count('/') - 2, 0)}{r.name}") for r in regions]


def _chosen(
    request: HttpRequest, form_class: type[SummaryForm]
) -> tuple[Person, SummaryForm, Region, date, date, dict[str, Any]]:
    actor = person_of(request)
    regions = _reach(actor)
    form = form_class(request.GET or None, regions=_choices(regions))
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    region = next((r for r in regions if r.code == data.get("region")), regions[0])
    today = timezone.localdate()
    first, last = figures.default_period(today)
    end = data.get("end") or last
    start = data.get("start") or (first if first <= end else end)
    if start > end:
        start = end
    return actor, form, region, start, end, data


def _query(region: Region, start: date, end: date, **extra: Any) -> str:
    params = {"region": region.code, "start": start.isoformat(), "end": end.isoformat()}
    params.update({k: v for k, v in extra.items() if v not in ("", None, False)})
    return urlencode(params)


def _cells(row: figures.Row, link: Any) -> list[dict[str, Any]]:
    f = row.figures()
    return [
        {"figure": name, "label": FIGURE_LABELS[name], "value": f[name], "url": link(name)}
        for name in LINKED
    ]


@console_view
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    actor, form, region, start, end, data = _chosen(request, SummaryForm)
    monthly = bool(data.get("monthly"))
    s = figures.summary(viewer=actor, region=region, start=start, end=end, monthly=monthly)
    messages_url = reverse("inspection:messages")

    def shown(rows: list[figures.Row], kind: str) -> list[dict[str, Any]]:
        result = []
        for r in rows:

            def link(name: str, month: str = "", r: figures.Row = r) -> str:
                group: dict[str, Any] = {"figure": name, "month": month}
                if kind == "month":
                    group["month"] = r.key
                elif kind == "topic":
                    group["topic"] = r.key
                elif kind in ("area", "town") and r.key:
                    group["area"] = r.key
                    group["exact"] = "1" if kind == "area" and r.level != Level.COMMUNITY else ""
                return f"{messages_url}?{_query(region, start, end, **group)}"

            months = [
                {"r": m, "cells": _cells(m, lambda n, m=m, link=link: link(n, m.key))}
                for m in r.months
            ]
            result.append({"r": r, "cells": _cells(r, link), "months": months})
        return result

    return render(
        request,
        "inspection/summary.html",
        {
            "form": form,
            "s": s,
            "total": shown([s.total], "total")[0],
            "sections": [
                ("topic", _("By topic"), shown(s.by_topic, "topic")),
                ("town", _("By town"), shown(s.by_town, "town")),
                ("area", _("By community or village"), shown(s.by_area, "area")),
            ],
            "by_month": shown(s.by_month, "month") if monthly else [],
            "month_links": monthly,
            "figure_labels": [FIGURE_LABELS[n] for n in LINKED],
            "query": _query(region, start, end, monthly="1" if monthly else ""),
            "region": region,
            "start": start,
            "end": end,
        },
    )


@console_view
@require_GET
def summary_export(request: HttpRequest) -> HttpResponse:
    actor, _form, region, start, end, data = _chosen(request, SummaryForm)
    s = figures.summary(
        viewer=actor, region=region, start=start, end=end, monthly=bool(data.get("monthly"))
    )
    response = HttpResponse(exports.summary_workbook(s), content_type=exports.XLSX)
    name = f"inspection-{region.code}-{start.isoformat()}-{end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _drilled(request: HttpRequest) -> tuple[MessagesForm, Region, date, date, Any, dict[str, Any]]:
    actor, form, region, start, end, data = _chosen(request, MessagesForm)
    area = None
    if data.get("area"):
        area = Region.objects.filter(code=data["area"]).first()
        if area is None:
            raise NotFound(_("No region has the code %(code)s.") % {"code": data["area"]})
    drill = selectors.Drill(
        figure=data.get("figure") or "received",
        topic=data.get("topic") or "",
        area=area,
        exact=bool(data.get("exact")),
        month=data.get("month") or "",
        q=data.get("q") or "",
    )
    rows = selectors.messages(viewer=actor, region=region, start=start, end=end, drill=drill)
    return form, region, start, end, rows, data  # type: ignore[return-value]


@console_view
@require_GET
def messages(request: HttpRequest) -> HttpResponse:
    form, region, start, end, rows, data = _drilled(request)
    page = paginate(request, rows, PER_PAGE)
    for m in page.object_list:
        m.console_url = message_url(m.pk)
    keep = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "inspection/messages.html",
        {
            "form": form,
            "page": page,
            "region": region,
            "start": start,
            "end": end,
            "figure": FIGURE_LABELS.get(data.get("figure") or "received"),
            "query": urlencode(keep),
            "summary_query": _query(region, start, end),
            "now": timezone.now(),
        },
    )


@console_view
@require_GET
def messages_export(request: HttpRequest) -> HttpResponse:
    _form, region, start, end, rows, _data = _drilled(request)
    response = HttpResponse(
        exports.messages_workbook(rows[: exports.MAX_ROWS]), content_type=exports.XLSX
    )
    name = f"inspection-messages-{region.code}-{start.isoformat()}-{end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
