"""Staff pages of 物业互评 (desktop): the rounds, a new round, one round with its plan
(companies and compounds, checklist, inspections and panels), its steps (open, close,
publish, cancel), its results and Excel, and one finding with the steps staff take
(track, hand to the grid, dismiss, verify).

Every form is one service call: the view parses it, calls it and says what happened; a
refusal comes back on the form that asked, and nothing is written.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.incidents.selectors import categories as incident_categories
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Organization, OrganizationKind, Person
from jifen.property_review import exports, selectors, services
from jifen.property_review.forms import (
    CompanyForm,
    InspectionForm,
    ItemForm,
    PanelForm,
    ReasonForm,
    ReferForm,
    RoundForm,
    TrackForm,
    VerifyForm,
)
from jifen.property_review.models import (
    FINDING_STEPS,
    ROUND_STEPS,
    Company,
    Compound,
    Finding,
    FindingStatus,
    Inspection,
    Item,
    PanelMember,
    Round,
    RoundStatus,
    may_take_finding,
    may_take_round,
)
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(actor: Person, pk: int) -> Round:
    found = selectors.get_managed(actor, pk) if 1 <= pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _regions(actor: Person) -> list[tuple[str, str]]:
    rows = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_PROPERTY_REVIEWS),
        level__in=[Level.TOWN, Level.COMMUNITY],
    ).order_by("path")[:500]
    return [(r.code, r.name) for r in rows]


def _organizations(round_: Round) -> list[tuple[int, str]]:
    region = round_.region
    rows = Organization.objects.filter(
        Q(region__path__startswith=region.path) | Q(region__code__in=region.ancestor_codes()),
        kind=OrganizationKind.PROPERTY,
    ).order_by("name")[:300]
    return [(o.pk, o.name) for o in rows]


def _free_compounds(round_: Round) -> list[tuple[str, str]]:
    taken = Compound.objects.filter(round=round_).values("region_id")
    rows = (
        Region.objects.filter(path__startswith=round_.region.path, level=Level.COMPOUND)
        .exclude(pk__in=taken)
        .order_by("path")[:500]
    )
    return [(r.code, r.name) for r in rows]


def _inspection_label(inspection: Inspection) -> str:
    return f"{inspection.inspector.organization.name} → {inspection.compound.region.name}"


def _forms(round_: Round, **given: Any) -> dict[str, Any]:
    companies = selectors.companies(round_)
    compounds = Compound.objects.filter(round=round_).select_related(
        "region", "company__organization"
    )
    inspections = selectors.inspections(round_)
    made: dict[str, Any] = {
        "company_form": CompanyForm(
            prefix="company",
            organizations=_organizations(round_),
            compounds=_free_compounds(round_),
        ),
        "item_form": ItemForm(prefix="item"),
        "inspection_form": InspectionForm(
            prefix="inspection",
            compounds=[
                (c.pk, f"{c.region.name}（{c.company.organization.name}）") for c in compounds
            ],
            companies=[(c.pk, c.organization.name) for c in companies],
        ),
        "panel_form": PanelForm(
            prefix="panel", inspections=[(i.pk, _inspection_label(i)) for i in inspections]
        ),
        "cancel_form": ReasonForm(prefix="cancel"),
    }
    made.update(given)
    return made


def _render(request: HttpRequest, round_: Round, status: int = 200, **given: Any) -> HttpResponse:
    actor = person_of(request)
    manage = selectors.may_manage(actor, round_.region)
    steps = {name: manage and may_take_round(name, round_.status) for name in ROUND_STEPS}
    results = selectors.results(round_) if round_.status != RoundStatus.DRAFT else []
    items = selectors.items(round_)
    for result in results:
        averages = {r.item_id: r.average for r in result.items.all()}
        result.averages = [averages.get(i.pk) for i in items]  # type: ignore[attr-defined]
    scored = selectors.scored_counts(round_)
    inspections = selectors.inspections(round_)
    for inspection in inspections:
        for member in inspection.panel.all():
            member.scored = scored.get(member.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "property_review/console/detail.html",
        {
            "round": round_,
            "items": items,
            "full_marks": sum(i.max_score for i in items),
            "companies": selectors.companies(round_),
            "inspections": inspections,
            "results": results,
            "findings": selectors.findings_for(actor, round_=round_)[:200],
            "history": selectors.history(round_),
            "may": steps,
            "planning": manage and round_.status == RoundStatus.DRAFT,
            "planning_open": manage and round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN),
            "todo": selectors.staff_todo(actor),
            **_forms(round_, **given),
        },
        status=status,
    )


# --- The list and a new round ------


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_PROPERTY_REVIEWS)
    regions = _regions(actor)
    form = RoundForm(prefix="round", regions=regions, initial={"copy_previous": True})
    status = 200
    if request.method == "POST":
        form = RoundForm(request.POST, prefix="round", regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_ = services.create_round(
                    actor=actor,
                    region=Region.objects.get(code=data["region"]),
                    quarter=data["quarter"],
                    title=data["title"],
                    copy_previous=data["copy_previous"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The review is planned; name its companies next."))
                return redirect("property_review:console_detail", pk=round_.pk)
        else:
            status = 400
    page = paginate(request, selectors.listed(actor), per_page=25)
    # ?findings=recorded (to sort) or fixed (to verify): the to-do list's links land here.
    waiting = request.GET.get("findings", "")
    shown = waiting if waiting in (FindingStatus.RECORDED, FindingStatus.FIXED) else ""
    return render(
        request,
        "property_review/console/list.html",
        {
            "page": page,
            "form": form,
            "todo": selectors.staff_todo(actor),
            "waiting": shown,
            "waiting_findings": (
                selectors.findings_for(actor, status=shown).order_by("updated_at", "id")[:200]
                if shown
                else []
            ),
        },
        status=status,
    )


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _round(person_of(request), pk))


@console_view
def console_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(person_of(request), pk)
    response = HttpResponse(exports.scores_xlsx(round_), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="property-review-{round_.region.code}-{round_.quarter}.xlsx"'
    )
    return response


def _post(
    request: HttpRequest,
    pk: int,
    name: str,
    form_class: Callable[..., forms.Form],
    act: Callable[[Person, Round, dict[str, Any]], Any],
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    form = form_class(request.POST, prefix=name, **form_kwargs)
    if not form.is_valid():
        return _render(request, round_, status=400, **{f"{name}_form": form})
    try:
        act(actor, round_, form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        add_domain_error(form, exc)
        return _render(request, _round(actor, pk), status=exc.status, **{f"{name}_form": form})
    messages.success(request, done)
    return redirect("property_review:console_detail", pk=pk)


class _Nothing(forms.Form):
    pass


@console_view
@require_POST
def console_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Open, close or publish the round (cancel has its reason: ``console_cancel``)."""
    act = {
        "open": services.open_round,
        "close": services.close_round,
        "publish": services.publish_round,
    }.get(step)
    if act is None:
        raise Http404
    done = {
        "open": _("The review is open; the panels are told."),
        "close": _("The review is closed and its scores are counted."),
        "publish": _("The scores are published."),
    }[step]
    actor = person_of(request)
    round_ = _round(actor, pk)
    try:
        act(actor=actor, round=round_)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.render())
        return _render(request, _round(actor, pk), status=exc.status)
    messages.success(request, done)
    return redirect("property_review:console_detail", pk=pk)


@console_view
@require_POST
def console_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "cancel",
        ReasonForm,
        lambda actor, round_, data: services.cancel_round(
            actor=actor, round=round_, reason=data["reason"]
        ),
        _("The review is cancelled."),
    )


@console_view
@require_POST
def console_company(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)

    def act(actor: Person, round_: Round, data: dict[str, Any]) -> Any:
        organization = Organization.objects.filter(pk=int(data["organization"])).first()
        if organization is None:
            raise NotFound(_("There is no such organisation."), field="organization")
        compounds = list(Region.objects.filter(code__in=data["compounds"]))
        return services.add_company(
            actor=actor, round=round_, organization=organization, compounds=compounds
        )

    return _post(
        request,
        pk,
        "company",
        CompanyForm,
        act,
        _("The company takes part."),
        organizations=_organizations(round_),
        compounds=_free_compounds(round_),
    )


@console_view
@require_POST
def console_company_remove(request: HttpRequest, pk: int, company_id: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    company = Company.objects.select_related("organization").filter(pk=company_id, round=round_)
    found = company.first()
    if found is None:
        raise Http404
    try:
        services.remove_company(actor=actor, company=found)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The company is taken out of the review."))
    return redirect("property_review:console_detail", pk=pk)


@console_view
@require_POST
def console_item(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "item",
        ItemForm,
        lambda actor, round_, data: services.add_item(
            actor=actor,
            round=round_,
            group=data["group"],
            title=data["title"],
            max_score=data["max_score"],
        ),
        _("The item is on the checklist."),
    )


@console_view
@require_POST
def console_item_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    item = Item.objects.filter(pk=item_id, round=round_).first()
    if item is None:
        raise Http404
    try:
        services.remove_item(actor=actor, item=item)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The item is taken off the checklist."))
    return redirect("property_review:console_detail", pk=pk)


@console_view
@require_POST
def console_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    compounds = Compound.objects.filter(round=round_).select_related("region")
    companies = Company.objects.filter(round=round_).select_related("organization")

    def act(actor: Person, round_: Round, data: dict[str, Any]) -> Any:
        compound = compounds.filter(pk=int(data["compound"])).first()
        inspector = companies.filter(pk=int(data["inspector"])).first()
        if compound is None or inspector is None:
            raise NotFound(_("That compound or company is not in this review."), field="compound")
        return services.plan_inspection(
            actor=actor,
            round=round_,
            compound=compound,
            inspector=inspector,
            scheduled_on=data["scheduled_on"],
        )

    return _post(
        request,
        pk,
        "inspection",
        InspectionForm,
        act,
        _("The inspection is planned; add its panel."),
        compounds=[(c.pk, c.region.name) for c in compounds],
        companies=[(c.pk, c.organization.name) for c in companies],
    )


@console_view
@require_POST
def console_panel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    inspections = selectors.inspections(round_)

    def act(actor: Person, round_: Round, data: dict[str, Any]) -> Any:
        inspection = next((i for i in inspections if str(i.pk) == data["inspection"]), None)
        if inspection is None:
            raise NotFound(_("There is no such inspection."), field="inspection")
        person = Person.objects.select_related("community").filter(
            phone=data["phone"].strip(), is_active=True
        )
        found = person.first()
        if found is None:
            raise InvalidInput(_("No one has this mobile number."), field="phone")
        return services.add_panel_member(
            actor=actor, inspection=inspection, person=found, kind=data["kind"]
        )

    return _post(
        request,
        pk,
        "panel",
        PanelForm,
        act,
        _("The panel member is added."),
        inspections=[(i.pk, _inspection_label(i)) for i in inspections],
    )


@console_view
@require_POST
def console_panel_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    actor = person_of(request)
    round_ = _round(actor, pk)
    member = (
        PanelMember.objects.select_related("person", "inspection")
        .filter(pk=member_id, inspection__round=round_)
        .first()
    )
    if member is None:
        raise Http404
    try:
        services.remove_panel_member(actor=actor, member=member)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The panel member is removed."))
    return redirect("property_review:console_detail", pk=pk)


# --- One finding ------


def _finding(actor: Person, pk: int) -> Finding:
    found = selectors.get_finding(pk) if 1 <= pk <= MAX_ID else None
    if found is None or not selectors.may_manage(actor, found.round.region):
        raise Http404
    return found


def _categories(finding: Finding) -> list[tuple[str, str]]:
    community = Region.objects.filter(
        code__in=finding.compound.region.ancestor_codes(), level=Level.COMMUNITY
    ).first()
    if community is None:
        return []
    return [(c.code, c.name) for c in incident_categories(community)]


def _render_finding(
    request: HttpRequest, finding: Finding, status: int = 200, **given: Any
) -> HttpResponse:
    forms_: dict[str, Any] = {
        "track_form": TrackForm(prefix="track"),
        "refer_form": ReferForm(prefix="refer", categories=_categories(finding)),
        "dismiss_form": ReasonForm(prefix="dismiss"),
        "verify_form": VerifyForm(prefix="verify"),
    }
    forms_.update(given)
    may = {name: may_take_finding(name, finding.status) for name in FINDING_STEPS}
    may["verify"] = may["verify"] or may["reopen"]
    return render(
        request,
        "property_review/console/finding.html",
        {
            "finding": finding,
            "photos": selectors.finding_photos(finding),
            "history": selectors.finding_history(finding),
            "overdue": services.overdue(finding),
            "may": may,
            **forms_,
        },
        status=status,
    )


@console_view
def console_finding(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_finding(request, _finding(person_of(request), pk))


@console_view
@require_POST
def console_finding_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actor = person_of(request)
    finding = _finding(actor, pk)
    made: dict[str, tuple[Callable[..., forms.Form], Callable[[dict[str, Any]], Any], str]] = {
        "track": (
            TrackForm,
            lambda d: services.track(
                actor=actor, finding=finding, due_on=d["due_on"], note=d["note"]
            ),
            _("The finding is published for the company to rectify."),
        ),
        "refer": (
            lambda *a, **k: ReferForm(*a, categories=_categories(finding), **k),
            lambda d: services.refer(actor=actor, finding=finding, category=d["category"]),
            _("The finding is handed to the grid as an incident."),
        ),
        "dismiss": (
            ReasonForm,
            lambda d: services.dismiss(actor=actor, finding=finding, reason=d["reason"]),
            _("The finding is dismissed."),
        ),
        "verify": (
            VerifyForm,
            lambda d: services.verify(actor=actor, finding=finding, ok=d["ok"], note=d["note"]),
            _("The check of the fix is recorded."),
        ),
    }
    if step not in made:
        raise Http404
    form_class, act, done = made[step]
    form = form_class(request.POST, prefix=step)
    if not form.is_valid():
        return _render_finding(request, finding, status=400, **{f"{step}_form": form})
    try:
        act(form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _render_finding(
            request, _finding(actor, pk), status=exc.status, **{f"{step}_form": form}
        )
    messages.success(request, done)
    return redirect("property_review:console_finding", pk=pk)
