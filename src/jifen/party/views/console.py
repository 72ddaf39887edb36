"""Staff pages of 回家报到 (desktop): the reports of their communities (correct the
employer, end a report), the 回家日 window of each community, service in working hours
to approve, and the units whose statements they keep."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.lib.pagination import paginate
from jifen.party import selectors, services
from jifen.party.forms import (
    CorrectForm,
    DaysForm,
    EndForm,
    NoteForm,
    ReportFilterForm,
    ServiceFilterForm,
)
from jifen.party.models import Report, ServiceStatus
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25


def _communities(actor: Person) -> list[tuple[str, str]]:
    rows = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_PARTY), level=Level.COMMUNITY
    ).order_by("path")[:2000]
    return [(r.code, r.name) for r in rows]


def _days_rows(communities: list[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for code, name in communities[:50]:
        region = Region.objects.get(code=code)
        rows.append({"code": code, "name": name, "days": services.home_days(region)})
    return rows


@console_view
def reports(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_PARTY)
    form = ReportFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.staff_reports(
        actor, status=data.get("status") or "", query=data.get("q") or ""
    )
    page = paginate(request, rows, per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    communities = _communities(actor)
    return render(
        request,
        "party/console/reports.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "pending": selectors.waiting_approval(actor),
            "days_form": DaysForm(communities=communities, prefix="days"),
            "days_rows": _days_rows(communities),
        },
    )


def _report(actor: Person, pk: int) -> Report:
    found = selectors.get_report_for(actor, pk) if 1 <= pk <= MAX_ID else None
    if found is None or not authz.can(actor, authz.MANAGE_PARTY, found.community):
        raise Http404
    return found


def _detail(
    request: HttpRequest,
    report: Report,
    correct: CorrectForm | None = None,
    end: EndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "party/console/report.html",
        {
            "report": report,
            "history": selectors.report_history(report),
            "services": report.services.select_related("employer")[:100],
            "correct_form": correct or CorrectForm(prefix="correct"),
            "end_form": end or EndForm(prefix="end"),
        },
        status=status,
    )


@console_view
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    return _detail(request, _report(actor, pk))


@require_POST
@console_view
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    report = _report(actor, pk)
    form = CorrectForm(request.POST, prefix="correct")
    if form.is_valid():
        try:
            services.correct_report(
                actor=actor,
                report=report,
                employer=form.organization(),
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The report names the new employer."))
            return redirect("party:console_report", pk=report.pk)
    return _detail(request, report, correct=form, status=400)


@require_POST
@console_view
def report_end(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    report = _report(actor, pk)
    form = EndForm(request.POST, prefix="end")
    if form.is_valid():
        try:
            services.end_report(actor=actor, report=report, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The report has ended."))
            return redirect("party:console_report", pk=report.pk)
    return _detail(request, report, end=form, status=400)


@require_POST
@console_view
def home_days(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    form = DaysForm(request.POST, communities=_communities(actor), prefix="days")
    if form.is_valid():
        try:
            services.set_home_days(
                actor=actor,
                community=Region.objects.get(code=form.cleaned_data["community"]),
                days=form.cleaned_data["days"],
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The home days are changed from this month on."))
    else:
        messages.error(request, _("Choose a community and 1 to 28 days."))
    return redirect("party:console_reports")


@console_view
def approvals(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_PARTY)
    # Service declared since the clock's last sweep shows at once (the sweep is by path:
    # one per region the actor's roles cover).
    for top in Region.objects.filter(path__in=authz.region_paths(actor, authz.MANAGE_PARTY)):
        services.mark_services(community=top)
    form = ServiceFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") if request.GET else ServiceStatus.PENDING
    rows = selectors.staff_services(actor, status=status or "").select_related(
        "claim__rule_version", "attendance__activity"
    )
    page = paginate(request, rows, per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "party/console/approvals.html",
        {"form": form, "page": page, "query": query.urlencode(), "note_form": NoteForm()},
    )


def _decide(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    actor = person_of(request)
    found = selectors.staff_services(actor).filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if found is None:
        raise Http404
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            services.approve_service(actor=actor, service=found, note=note)
        else:
            services.reject_service(actor=actor, service=found, note=note)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request,
            _("Approved: it counts as reporting home.")
            if approve
            else _("Rejected: it does not count as reporting home."),
        )
    return redirect("party:console_approvals")


@require_POST
@console_view
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@require_POST
@console_view
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


@console_view
def units(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_PARTY)
    page = paginate(request, selectors.staff_units(actor), per_page=PER_PAGE)
    return render(request, "party/console/units.html", {"page": page})
