"""A unit contact's pages (phone first): 单位积分 — the unit's balance, earned and spent,
a button to declare its service (the claims page with the unit chosen), its claims and
their review, the alliance, spending on what the community allows."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.people.models import Organization, Person
from jifen.units import selectors, services
from jifen.units.forms import JoinForm, ReasonForm, SpendForm
from jifen.units.models import STEPS, AllianceMembership, AllianceStatus, SpendingUse
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

CLAIMS_SHOWN = 20


def _my_unit(person: Person, pk: int) -> Organization:
    """A unit the person is a contact of; anyone else finds nothing here."""
    unit = selectors.contact_units(person).filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if unit is None:
        raise Http404
    return unit


@resident_view
def my_units(request: HttpRequest) -> HttpResponse:
    units = list(selectors.contact_units(person_of(request))[:50])
    if len(units) == 1:
        return redirect("units:home", pk=units[0].pk)
    return render(request, "units/my_units.html", {"units": units})


def _spend_form(unit: Organization, data: object = None) -> SpendForm:
    uses = [(u.pk, u.name) for u in selectors.uses(unit.region, active_only=True)[:50]]
    return SpendForm(data, uses=uses, prefix="spend")


@resident_view
def home(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    unit = _my_unit(person, pk)
    return _render_home(request, unit)


def _render_home(
    request: HttpRequest,
    unit: Organization,
    *,
    spend_form: SpendForm | None = None,
    join_form: JoinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    memberships = list(selectors.memberships_of(unit).order_by("pk"))
    own = next((m for m in memberships if m.community_id == unit.region_id), None)
    may_join = own is None or own.status in STEPS["request"].sources
    return render(
        request,
        "units/home.html",
        {
            "unit": unit,
            "balance": selectors.balance(unit),
            "claims": list(selectors.claims(unit)[:CLAIMS_SHOWN]),
            "membership": own,
            "may_join": may_join and unit.region.level == "community",
            "join_form": join_form or JoinForm(prefix="join"),
            "leave_form": ReasonForm(prefix="leave"),
            "spend_form": spend_form or _spend_form(unit),
            "has_uses": selectors.uses(unit.region, active_only=True).exists(),
            "spendings": list(selectors.spendings(unit)[:20]),
            "declare_url": f"{reverse('claims:declare')}?for=o{unit.pk}",
            "Status": AllianceStatus,
        },
        status=status,
    )


@require_POST
@resident_view
def join(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    unit = _my_unit(person, pk)
    form = JoinForm(request.POST, prefix="join")
    if form.is_valid():
        try:
            services.request_join(actor=person, organization=unit, note=form.cleaned_data["note"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your request is sent. The community staff will decide."))
            return redirect(f"{reverse('units:home', args=[unit.pk])}#alliance")
    return _render_home(request, unit, join_form=form, status=400)


def _membership_of(unit: Organization, membership_id: int) -> AllianceMembership:
    found = (
        AllianceMembership.objects.filter(pk=membership_id, organization=unit).first()
        if 1 <= membership_id <= MAX_ID
        else None
    )
    if found is None:
        raise Http404
    return found


@require_POST
@resident_view
def withdraw(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    person = person_of(request)
    unit = _my_unit(person, pk)
    try:
        services.withdraw(actor=person, membership=_membership_of(unit, membership_id))
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect(f"{reverse('units:home', args=[unit.pk])}#alliance")


@require_POST
@resident_view
def leave(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    person = person_of(request)
    unit = _my_unit(person, pk)
    form = ReasonForm(request.POST, prefix="leave")
    if not form.is_valid():
        messages.error(request, _("Please say why the unit leaves."))
    else:
        try:
            services.leave(
                actor=person,
                membership=_membership_of(unit, membership_id),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The unit has left the alliance."))
    return redirect(f"{reverse('units:home', args=[unit.pk])}#alliance")


@require_POST
@resident_view
def spend(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    unit = _my_unit(person, pk)
    form = _spend_form(unit, request.POST)
    if form.is_valid():
        use = SpendingUse.objects.filter(pk=int(form.cleaned_data["use"])).first()
        try:
            if use is None:
                raise Http404
            services.spend(
                actor=person,
                organization=unit,
                use=use,
                amount=form.cleaned_data["amount"],
                memo=form.cleaned_data["memo"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(n)s unit points spent.") % {"n": form.cleaned_data["amount"]},
            )
            return redirect(f"{reverse('units:home', args=[unit.pk])}#spending")
    return _render_home(request, unit, spend_form=form, status=400)
