"""Public pages of 物业互评 (no login; a phone and the big screen): a region's rounds, and
one round — the companies and their compounds, the scores once published, the findings
sorted for rectification with their progress. No person is named, no photo shown."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.lib.bounds import MAX_ID
from jifen.lib.pagination import paginate
from jifen.property_review import exports, selectors, services
from jifen.property_review.models import FindingStatus
from jifen.regions.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code[:32]).first()
    if region is None:
        raise Http404
    page = paginate(request, selectors.public_rounds(region), per_page=20)
    return render(request, "property_review/public_list.html", {"region": region, "page": page})


def _round(pk: int):  # type: ignore[no-untyped-def]
    found = selectors.get_public(pk) if 1 <= pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(pk)
    items = selectors.items(round_)
    results = selectors.results(round_) if round_.scores_public else []
    for result in results:
        averages = {r.item_id: r.average for r in result.items.all()}
        result.averages = [averages.get(i.pk) for i in items]  # type: ignore[attr-defined]
    findings = list(selectors.public_findings(round_)[:500])
    for finding in findings:
        finding.overdue = services.overdue(finding)  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.status] = counts.get(finding.status, 0) + 1
    return render(
        request,
        "property_review/public_detail.html",
        {
            "round": round_,
            "items": items,
            "full_marks": sum(i.max_score for i in items),
            "companies": selectors.companies(round_),
            "results": results,
            "findings": findings,
            "counts": [(s, FindingStatus(s).label, n) for s, n in counts.items()],
        },
    )


def public_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(pk)
    if not round_.scores_public:
        raise Http404
    response = HttpResponse(exports.scores_xlsx(round_), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="property-review-{round_.region.code}-{round_.quarter}.xlsx"'
    )
    return response
