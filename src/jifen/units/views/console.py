"""Staff pages of 驻区单位 and 红色积分联盟 (desktop): the units list (filters by
community, kind, alliance) with a form for a new unit; one unit — its contacts, members,
ledger, claims, alliance history and spending, with its edit and contact forms; the
alliance requests to decide; the quarterly unit ranking (and its Excel); the uses of
unit points the community allows.

Every write is one service call: these views parse the form, call it and say what
happened; a refusal comes back on the form that asked, and nothing is written.
"""

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.people.selectors import find_by_volunteer_no
from jifen.regions.models import Level, Region
from jifen.regions.selectors import get_region
from jifen.units import exports, selectors, services
from jifen.units.forms import (
    ContactForm,
    EditForm,
    FilterForm,
    PersonIdForm,
    RankingForm,
    ReasonForm,
    UnitForm,
    UseForm,
)
from jifen.units.models import AllianceMembership, AllianceStatus, SpendingUse
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25


def _regions(actor: Person, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_UNITS), level__in=levels
    ).order_by("path")[:2000]
    return [(r.code, f"{'　' * max(r.path.count('/') - 3, 0)}{r.name}") for r in rows]


def _unit(actor: Person, pk: int) -> Organization:
    unit = (
        selectors.in_reach(actor).select_related("region").filter(pk=pk).first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if unit is None:
        raise Http404
    return unit


def _contact(number: str) -> Person:
    person = find_by_volunteer_no(number) if number.strip() else None
    if person is None:
        raise NotFound(_("No volunteer has this number."), field="contact")
    return person


# --- The list and a new unit ------


@console_view
def unit_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_UNITS)
    communities = _regions(actor, (Level.COMMUNITY,))
    form = UnitForm(request.POST or None, communities=communities, prefix="new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contacts = [_contact(data["contact"])] if data["contact"] else []
            unit = services.create_unit(
                actor=actor,
                community=get_region(data["community"]),
                name=data["name"],
                kind=data["kind"],
                contacts=contacts,
                credit_code=data["credit_code"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been created.") % {"name": unit.name})
            return redirect("units:console_detail", pk=unit.pk)
    filters = FilterForm(request.GET or None, communities=communities)
    data_: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.in_reach(actor).select_related("region")
    if data_.get("community"):
        rows = rows.filter(region__code=data_["community"])
    if data_.get("kind"):
        rows = rows.filter(kind=data_["kind"])
    allied = Q(
        pk__in=AllianceMembership.objects.filter(status=AllianceStatus.MEMBER).values(
            "organization_id"
        )
    )
    if data_.get("alliance") == "in":
        rows = rows.filter(allied)
    elif data_.get("alliance") == "out":
        rows = rows.exclude(allied)
    if data_.get("q"):
        rows = rows.filter(name__icontains=data_["q"])
    page = paginate(request, rows.order_by("region__path", "name", "pk"), per_page=PER_PAGE)
    ids = [u.pk for u in page]
    members = set(
        AllianceMembership.objects.filter(
            organization_id__in=ids, status=AllianceStatus.MEMBER
        ).values_list("organization_id", flat=True)
    )
    for unit in page:
        unit.in_alliance = unit.pk in members
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "units/console/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "waiting": selectors.staff_todo(actor),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- One unit ------


def _render_detail(
    request: HttpRequest,
    actor: Person,
    unit: Organization,
    *,
    edit_form: EditForm | None = None,
    contact_form: ContactForm | None = None,
    status: int = 200,
) -> HttpResponse:
    memberships = list(selectors.memberships_of(unit).order_by("pk"))
    for m in memberships:
        m.steps = list(selectors.history(m))  # type: ignore[attr-defined]
    return render(
        request,
        "units/console/detail.html",
        {
            "unit": unit,
            "balance": selectors.balance(unit),
            "members": selectors.members(unit),
            "ledger": paginate(request, selectors.ledger(unit), per_page=PER_PAGE),
            "claims": list(selectors.claims(unit)[:50]),
            "memberships": memberships,
            "spendings": list(selectors.spendings(unit)[:50]),
            "edit_form": edit_form
            or EditForm(
                initial={"name": unit.name, "kind": unit.kind, "credit_code": unit.credit_code},
                prefix="edit",
            ),
            "contact_form": contact_form or ContactForm(prefix="contact"),
            "reason_form": ReasonForm(prefix="remove"),
        },
        status=status,
    )


@console_view
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_UNITS)
    return _render_detail(request, actor, _unit(actor, pk))


@require_POST
@console_view
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    unit = _unit(actor, pk)
    form = EditForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.edit_unit(actor=actor, organization=unit, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The unit is saved."))
            return redirect("units:console_detail", pk=unit.pk)
    return _render_detail(request, actor, unit, edit_form=form, status=400)


@require_POST
@console_view
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    unit = _unit(actor, pk)
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            person = _contact(form.cleaned_data["contact"])
            services.add_contact(actor=actor, organization=unit, person=person)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s now acts for the unit.") % {"name": person.name})
            return redirect(f"{reverse('units:console_detail', args=[unit.pk])}#contacts")
    return _render_detail(request, actor, unit, contact_form=form, status=400)


@require_POST
@console_view
def contact_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    unit = _unit(actor, pk)
    form = PersonIdForm(request.POST)
    if not form.is_valid():
        raise Http404
    person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    try:
        services.remove_contact(actor=actor, organization=unit, person=person)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request, _("%(name)s no longer acts for the unit.") % {"name": person.name}
        )
    return redirect(f"{reverse('units:console_detail', args=[unit.pk])}#contacts")


# --- The alliance's requests ------


def _membership(actor: Person, membership_id: int) -> AllianceMembership:
    found = (
        AllianceMembership.objects.filter(
            authz.regions_q(actor, authz.MANAGE_UNITS, "community"), pk=membership_id
        )
        .select_related("organization", "community")
        .first()
        if 1 <= membership_id <= MAX_ID
        else None
    )
    if found is None:
        raise Http404
    return found


@console_view
def alliance_requests(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_UNITS)
    page = paginate(request, selectors.requests_waiting(actor), per_page=PER_PAGE)
    members = (
        AllianceMembership.objects.filter(
            authz.regions_q(actor, authz.MANAGE_UNITS, "community"),
            status=AllianceStatus.MEMBER,
        )
        .select_related("organization", "community")
        .order_by("community__path", "organization__name")[:500]
    )
    return render(
        request,
        "units/console/alliance.html",
        {"page": page, "members": members, "reason_form": ReasonForm(prefix="decline")},
    )


def _back(membership: AllianceMembership, request: HttpRequest) -> HttpResponse:
    if request.POST.get("back") == "unit":
        return redirect("units:console_detail", pk=membership.organization_id)
    return redirect("units:console_alliance")


@require_POST
@console_view
def alliance_accept(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = person_of(request)
    membership = _membership(actor, membership_id)
    try:
        services.accept(actor=actor, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request,
            _("%(name)s is in the alliance.") % {"name": membership.organization.name},
        )
    return _back(membership, request)


def _with_reason(request: HttpRequest, prefix: str) -> str:
    form = ReasonForm(request.POST, prefix=prefix)
    if not form.is_valid():
        raise InvalidInput(_("Please give the reason."), field="reason")
    reason: str = form.cleaned_data["reason"]
    return reason


@require_POST
@console_view
def alliance_decline(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = person_of(request)
    membership = _membership(actor, membership_id)
    try:
        services.decline(
            actor=actor, membership=membership, reason=_with_reason(request, "decline")
        )
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The request is declined; the unit is told why."))
    return _back(membership, request)


@require_POST
@console_view
def alliance_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = person_of(request)
    membership = _membership(actor, membership_id)
    try:
        services.leave(actor=actor, membership=membership, reason=_with_reason(request, "remove"))
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The unit is taken off the alliance; it is told why."))
    return _back(membership, request)


# --- Rankings ------


@console_view
def rankings(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_UNITS)
    regions = _regions(actor, (Level.TOWN, Level.COMMUNITY))
    # Opened from the menu: the first region in reach, this quarter, shown at once.
    data = request.GET or (
        {"region": regions[0][0], "quarter": selectors.this_quarter().code} if regions else None
    )
    form = RankingForm(data, regions=regions)
    rows: list[selectors.RankRow] = []
    region = quarter = None
    if regions and form.is_valid():
        region = get_region(form.cleaned_data["region"])
        try:
            quarter = selectors.parse_quarter(form.cleaned_data["quarter"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            rows = selectors.ranking(region, quarter)
            if request.GET.get("format") == "xlsx":
                response = HttpResponse(
                    exports.ranking_xlsx(region, quarter, rows),
                    content_type=(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    ),
                )
                response["Content-Disposition"] = (
                    f'attachment; filename="unit-ranking-{region.code}-{quarter.code}.xlsx"'
                )
                return response
    return render(
        request,
        "units/console/rankings.html",
        {
            "form": form,
            "rows": rows,
            "region": region,
            "quarter": quarter or selectors.this_quarter(),
            "query": request.GET.urlencode(),
        },
    )


# --- Allowed uses ------


@console_view
def uses(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_UNITS)
    communities = _regions(actor, (Level.COMMUNITY,))
    code = request.GET.get("community") or (communities[0][0] if communities else "")
    community = Region.objects.filter(code=code[:32], level=Level.COMMUNITY).first()
    if community is None or not authz.can(actor, authz.MANAGE_UNITS, community):
        if communities:
            raise Http404
        community = None
    form = UseForm(request.POST or None, prefix="use")
    if request.method == "POST" and community is not None and form.is_valid():
        try:
            services.save_use(actor=actor, community=community, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The use is saved."))
            return redirect(f"{reverse('units:console_uses')}?community={community.code}")
    rows = list(selectors.uses(community)[:200]) if community is not None else []
    return render(
        request,
        "units/console/uses.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "rows": rows,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@console_view
def use_toggle(request: HttpRequest, use_id: int) -> HttpResponse:
    actor = person_of(request)
    use = (
        SpendingUse.objects.select_related("community").filter(pk=use_id).first()
        if 1 <= use_id <= MAX_ID
        else None
    )
    if use is None or not authz.can(actor, authz.MANAGE_UNITS, use.community):
        raise Http404  # another community's use: as if there were none
    try:
        services.save_use(
            actor=actor,
            community=use.community,
            name=use.name,
            description=use.description,
            active=not use.is_active,
            use=use,
        )
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The use is saved."))
    return redirect(f"{reverse('units:console_uses')}?community={use.community.code}")
