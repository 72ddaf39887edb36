"""Pages of the ledger: 我的积分 for residents; rules, totals, statements for staff."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError, NotFound
from jifen.lib.http import require_posted_community
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.people.selectors import get_person_for
from jifen.points import selectors, services
from jifen.points.exports import statement_workbook
from jifen.points.forms import AdjustmentForm, PolicyForm, RuleItemForm, StatementForm
from jifen.points.ledger import account_for
from jifen.points.models import Adjustment, AdjustmentStatus, CommunityPolicy
from jifen.regions.models import Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    account = selectors.account_of(person)
    page = paginate(request, selectors.entries(account) if account else [], per_page=20)
    return render(
        request,
        "points/my_points.html",
        {
            "balance": selectors.balance_of(person),
            "page": page,
        },
    )


def _community_from(
    request: HttpRequest, actor: Person, action: authz.Action
) -> tuple[Region, list[Region]]:
    communities = list(selectors.visible_communities(actor, action))
    if not communities:
        raise NotFound(_("You hold no role over a community."))
    code = request.GET.get("community") or request.POST.get("community") or ""
    chosen = next((c for c in communities if c.code == code), None)
    if chosen is None and actor.community in communities:
        chosen = actor.community
    return chosen or communities[0], communities


@console_view
def rules(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, communities = _community_from(request, actor, authz.VIEW_LEDGER)
    can_manage = authz.can(actor, authz.MANAGE_RULES, community)
    form = RuleItemForm(request.POST or None) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        target = community
        if request.POST.get("level") == "county":
            target = Region.objects.get(code=community.ancestor_codes()[0])
        try:
            require_posted_community(request, community.code)
            version = services.save_rule_item(
                actor=actor,
                region=target,
                code=data["code"],
                name=data["name"],
                category=data["category"],
                unit=data["unit"],
                points=data["points"],
                effective_from=data["effective_from"],
                note=data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is saved as version %(v)s.")
                % {"name": version.name, "v": version.version},
            )
            return redirect(f"{request.path}?community={community.code}")
    year = timezone.localdate().year
    return render(
        request,
        "points/rules.html",
        {
            "community": community,
            "communities": communities,
            "entries": selectors.catalogue(community),
            "history": paginate(request, selectors.rule_history(community), per_page=20),
            "adjusted": selectors.items_adjusted(community, year),
            "year": year,
            "form": form,
            "query": f"community={community.code}",
        },
    )


@console_view
def totals(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, communities = _community_from(request, actor, authz.VIEW_LEDGER)
    can_adjust = authz.can(actor, authz.ADJUST_POINTS, community)
    policy = CommunityPolicy.objects.filter(region=community).first() or CommunityPolicy(
        region=community
    )
    return render(
        request,
        "points/totals.html",
        {
            "community": community,
            "communities": communities,
            "totals": selectors.community_totals(community),
            "months": selectors.monthly_totals(community)[:24],
            "pending": Adjustment.objects.filter(
                region=community, status=AdjustmentStatus.PENDING
            ).select_related("account__person", "requested_by")
            if can_adjust
            else [],
            "can_adjust": can_adjust,
            "policy_form": PolicyForm(instance=policy)
            if authz.can(actor, authz.MANAGE_RULES, community)
            else None,
        },
    )


@console_view
@require_POST
def policy(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, _communities = _community_from(request, actor, authz.MANAGE_RULES)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            require_posted_community(request, community.code)
            services.update_policy(actor=actor, community=community, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The community rules are saved."))
    else:
        messages.error(request, _("Please check the numbers of the rules."))
    return redirect(f"{reverse('points:totals')}?community={community.code}")


@console_view
@require_POST
def decide_adjustment(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    actor = person_of(request)
    adjustment = get_object_or_404(Adjustment.objects.select_related("region"), pk=adjustment_id)
    try:
        if request.POST.get("decision") == "approve":
            services.approve_adjustment(actor=actor, adjustment=adjustment)
            messages.success(request, _("The adjustment is approved and posted."))
        else:
            services.reject_adjustment(
                actor=actor, adjustment=adjustment, note=request.POST.get("note", "")
            )
            messages.success(request, _("The adjustment is rejected."))
    except DomainError as exc:
        messages.error(request, exc.render())
    return redirect(f"{reverse('points:totals')}?community={adjustment.region.code}")


@console_view
def statement(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = get_person_for(actor, person_id)
    today = timezone.localdate()
    initial = {"start": date(today.year, 1, 1), "end": today}
    form = StatementForm(request.GET or None, initial=initial)
    start, end = initial["start"], initial["end"]
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    account = selectors.account_of(person)
    sheet = selectors.statement(account, start, end) if account else None
    if request.GET.get("format") == "xlsx" and sheet is not None:
        response = HttpResponse(
            statement_workbook(person, sheet),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"statement-{person.volunteer_no}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    adjust_form = (
        AdjustmentForm() if authz.can(actor, authz.ADJUST_POINTS, person.community) else None
    )
    return render(
        request,
        "points/statement.html",
        {
            "person": person,
            "form": form,
            "sheet": sheet,
            "balance": selectors.balance_of(person),
            "adjust_form": adjust_form,
            "start": start,
            "end": end,
            "yesterday": today - timedelta(days=1),
        },
    )


@console_view
@require_POST
def request_adjustment(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = get_person_for(actor, person_id)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            account_for(person)
            services.request_adjustment(
                actor=actor,
                person=person,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The adjustment waits for a second staff member."))
    else:
        messages.error(request, _("Please give a whole number of points and a reason."))
    return redirect("points:statement", person_id=person.pk)
