"""The party member's pages (phone first): 报到 — report home, my reports, this month's
回家日, the community's needs to take, my service marked as reporting home."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.party import selectors, services
from jifen.party.forms import EmployerForm, EndForm
from jifen.projects import selectors as projects
from jifen.projects import services as project_services
from jifen.projects.models import Need
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

NEEDS_SHOWN = 20


def _context(request: HttpRequest, form: EmployerForm | None = None) -> dict[str, object]:
    person = person_of(request)
    services.mark_services(person=person)
    report = selectors.active_report(person)
    community = person.community
    today = timezone.localdate()
    window = None
    if community is not None:
        start, end = services.window(services.home_days(community), today)
        window = {"start": start, "end": end, "now": start <= today <= end}
    query = request.GET.get("q", "").strip()[:50]
    return {
        "person": person,
        "report": report,
        "reports": selectors.my_reports(person)[:20],
        "form": form or EmployerForm(query=query),
        "query": query,
        "window": window,
        "services": selectors.my_services(person)[:50],
        "needs": list(projects.open_needs(community)[:NEEDS_SHOWN])
        if community is not None and report is not None
        else [],
        "taken": Need.objects.filter(claimed_by=person).order_by("-claimed_at")[:10],
        "end_form": EndForm(),
    }


@resident_view
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "party/home.html", _context(request))


@require_POST
@resident_view
def file_report(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    form = EmployerForm(request.POST)
    if form.is_valid():
        if person.community is None:
            form.add_error(None, _("You have no home community to report to."))
        else:
            try:
                services.file_report(
                    actor=person, community=person.community, employer=form.organization()
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("You are reporting home. Thank you!"))
                return redirect("party:home")
    return render(request, "party/home.html", _context(request, form), status=400)


@require_POST
@resident_view
def end_report(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    report = selectors.get_report_for(person, pk) if 1 <= pk <= MAX_ID else None
    if report is None or report.person_id != person.pk:
        raise Http404
    form = EndForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.end_report(actor=person, report=report, reason=reason)
    messages.success(request, _("Your report home has ended."))
    return redirect("party:home")


@require_POST
@resident_view
def take_need(request: HttpRequest, pk: int) -> HttpResponse:
    """认领: the member takes a need from their community's list."""
    person = person_of(request)
    if not 1 <= pk <= MAX_ID:
        raise Http404
    need = Need.objects.filter(pk=pk, community_id=person.community_id).first()
    if need is None:
        raise Http404
    try:
        project_services.claim_need(actor=person, need=need)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("You took this need. The community will be in touch."))
    return redirect("party:home")
