"""Staff pages of grid incidents (事件处置台, desktop): the queue with its filters and its
Excel file, one incident with every step staff may take, 录入来电 (a phone call reported
by staff), the categories (the county's, with the communities' own marked), the
dashboard (open, overdue, on time, median time to close — by area, category, handler and
month) with its Excel file, and the working-day calendar's corrections.

Every step is one service call; these views parse the form, call it and say what
happened. A refused step comes back on the form that asked for it, in Chinese, and
nothing is written (each service is one transaction). What a page shows is only a
courtesy: the services refuse whatever the actor may not do.
"""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jifen.incidents import exports, selectors, services, stats
from jifen.incidents.forms_console import (
    AssignForm,
    CalendarDayForm,
    CategoryForm,
    CloseForm,
    DashboardForm,
    FilterForm,
    IntakeForm,
    NoteForm,
    RegionForm,
    VerifyForm,
)
from jifen.incidents.models import OPEN, Category, CloseReason, Incident, Status, may_take
from jifen.incidents.views.detail import assign_targets, mark_lateness, refusal
from jifen.lib import workdays
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.masking import mask_phone
from jifen.lib.models import CalendarDay
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.points.selectors import catalogue
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25
EXPORT_LIMIT = 10_000


# --- Shared ------


def _reach(actor: Person, action: authz.Action, levels: list[str]) -> list[Region]:
    return list(
        Region.objects.filter(authz.regions_q(actor, action), level__in=levels)
        .select_related("parent")
        .order_by("path")
    )


def _label(region: Region) -> str:
    if region.level in (Level.COMMUNITY, Level.TOWN, Level.COUNTY) or region.parent is None:
        return region.name
    return f"{region.parent.name} · {region.name}"


def _region_choices(regions: list[Region]) -> list[tuple[str, str]]:
    return [(r.code, f"{'　' * max(r.path.count('/') - 2, 0)}{_label(r)}") for r in regions]


def _category_choices(actor: Person) -> list[tuple[str, str]]:
    """The category codes in force anywhere the actor sees (each code once)."""
    tops = Region.objects.filter(authz.regions_q(actor, authz.VIEW_INCIDENTS))
    codes = {code for r in tops.only("code", "path")[:500] for code in r.ancestor_codes()}
    seen: dict[str, str] = {}
    for item in Category.objects.filter(
        Q(region__code__in=codes) | authz.regions_q(actor, authz.VIEW_INCIDENTS, "region")
    ).order_by("position", "code"):
        seen.setdefault(item.code, item.name)
    return list(seen.items())


def _late(items: list[Incident], now: Any = None) -> list[Incident]:
    """``late_days`` on each incident past its deadline in the handler's hands: working
    days since the day it was due, from one read of the calendar's corrections."""
    mark_lateness(items, now)  # the same count as the phone's pages
    for item in items:
        item.late_days = item.late_days or 0  # type: ignore[attr-defined]
    return items


# --- The queue ------


def _listed(
    request: HttpRequest, actor: Person
) -> tuple[FilterForm, QuerySet[Incident], dict[str, Any]]:
    authz.require(actor, authz.VIEW_INCIDENTS)
    regions = _reach(actor, authz.VIEW_INCIDENTS, [Level.COMMUNITY, Level.COMPOUND, Level.GRID])
    form = FilterForm(
        request.GET or None,
        categories=_category_choices(actor),
        regions=_region_choices(regions),
    )
    form.is_valid()
    # The fields that parse are kept; a bad one (a region out of reach) lists nothing
    # rather than everything, and its field says why.
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    status = data.get("status") or ""
    filters = selectors.Filters(
        status="" if status == "overdue" else status,
        category=data.get("category") or "",
        region=next((r for r in regions if r.code == data.get("region")), None),
        overdue=status == "overdue",
        tier=data.get("tier") or "",
    )
    found = selectors.for_handlers(actor, filters).select_related("organization")
    who = (data.get("handler") or "").strip()
    if who:
        found = found.filter(
            Q(assignee__name__contains=who)
            | Q(assignee__volunteer_no=who)
            | Q(organization__name__contains=who)
        )
    if form.errors:
        found = found.none()
    if status == "overdue":
        found = found.order_by("due_at", "id")  # the longest overdue first
    elif status == Status.REPORTED:
        found = found.order_by("created_at", "id")  # 待受理: who waited longest first
    return form, found, data


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    form, found, data = _listed(request, actor)
    status = data.get("status") or ""
    now = timezone.now()
    base = selectors.for_handlers(actor).order_by()
    counts = base.aggregate(
        open=Count("id", filter=Q(status__in=OPEN)),
        overdue=Count("id", filter=selectors.overdue_q(now)),
        reported=Count("id", filter=Q(status=Status.REPORTED)),
        resolved=Count("id", filter=Q(status=Status.RESOLVED)),
    )
    tabs = [
        ("open", pgettext("incidents", "Open"), counts["open"]),
        ("overdue", pgettext("incidents", "Overdue"), counts["overdue"]),
        (Status.REPORTED.value, _("To accept"), counts["reported"]),
        (Status.RESOLVED.value, _("To verify"), counts["resolved"]),
        ("", _("All"), None),
    ]
    page = paginate(request, found, per_page=PER_PAGE)
    _late(list(page), now)
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("status", None)
    return render(
        request,
        "incidents/console/list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "tabs": tabs,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "can_intake": authz.can(actor, authz.HANDLE_INCIDENTS),
            "now": now,
        },
    )


@console_view
def console_export(request: HttpRequest) -> HttpResponse:
    """The queue as filtered, in Excel (text typed by people is never a formula)."""
    actor = person_of(request)
    _form, found, _data = _listed(request, actor)
    items = _late(list(found[:EXPORT_LIMIT]))
    response = HttpResponse(exports.incidents_workbook(items), content_type=exports.XLSX)
    name = f"incidents-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- One incident ------


def _get(actor: Person, pk: int) -> Incident:
    """An incident of the viewer's regions; any other is not there (404)."""
    authz.require(actor, authz.VIEW_INCIDENTS)
    found = (
        selectors.for_handlers(actor)
        .select_related(
            "organization", "reporter", "duplicate_of", "category__default_organization"
        )
        .filter(pk=pk)
        .first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if found is None:
        raise NotFound(_("There is no such incident."))
    return found


def _organizations(incident: Incident) -> list[tuple[str, str]]:
    codes = incident.community.ancestor_codes()
    orgs = Organization.objects.filter(
        Q(region__code__in=codes) | Q(region__path__startswith=incident.community.path)
    ).order_by("name", "id")
    return [(str(o.pk), o.name) for o in orgs]


def _forms(incident: Incident, **bound: Any) -> dict[str, Any]:
    forms: dict[str, Any] = {
        # The category's default organisation (物业) preselected, when it serves here.
        "assign_form": AssignForm(
            organizations=_organizations(incident),
            prefix="assign",
            initial={
                "organization": str(getattr(selectors.default_organization_for(incident), "pk", ""))
            },
        ),
        "escalate_form": NoteForm(prefix="escalate"),
        "close_form": CloseForm(prefix="close"),
        "verify_form": VerifyForm(prefix="verify"),
    }
    forms.update(bound)
    return forms


def _render_detail(
    request: HttpRequest, incident: Incident, status: int = 200, **bound: Any
) -> HttpResponse:
    actor = person_of(request)
    handle = authz.can(actor, authz.HANDLE_INCIDENTS, incident.handling_region)
    close = authz.can(actor, authz.CLOSE_INCIDENTS, selectors.closing_region(incident))
    # Four eyes: whoever resolved it does not check the fix.
    verify = (
        may_take("verify_ok", incident.status)
        and authz.can(actor, authz.HANDLE_INCIDENTS, incident.region)
        and actor.pk != selectors.resolver_id(incident)
    )
    reporter_phone = ""
    if incident.reporter is not None:
        reporter_phone = incident.reporter.phone or ""
        if not authz.can(actor, authz.VIEW_PERSON, incident.community):
            reporter_phone = mask_phone(reporter_phone)
    _late([incident])
    history = list(selectors.history(incident))
    may = {
        "accept": handle and may_take("accept", incident.status),
        "assign": handle and may_take("assign", incident.status),
        "escalate": handle and may_take("escalate", incident.status) and incident.tier != "town",
        "close": close and may_take("close", incident.status),
        "verify": verify,
    }
    context: dict[str, Any] = {
        "item": incident,
        "history": history,
        "phone": reporter_phone,
        "late_days": incident.late_days,  # type: ignore[attr-defined]
        "may": may,
        "any_step": any(may.values()),
    }
    context.update(_forms(incident, **bound))
    whom = assign_targets(incident, history)
    for event in history:
        event.whom = whom.get(event.pk, "")  # type: ignore[attr-defined]
    # A refusal of a step the page does not show (a button, or the incident moved on
    # meanwhile) is said at the top.
    shows = {"assign_form": "assign", "escalate_form": "escalate", "close_form": "close"}
    shows["verify_form"] = "verify"
    context["refused"] = [
        str(error)
        for name, form in bound.items()
        if not may.get(shows.get(name, ""), False)
        for errors in form.errors.values()
        for error in errors
    ]
    return render(request, "incidents/console/detail.html", context, status=status)


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get(person_of(request), pk))


def _writer(actor: Person, pk: int, step: str) -> Incident:
    """The incident a step is posted on, once the actor is one who takes that step there at
    all: a reader (the review group, 巡察) is refused 403 before the form is read."""
    incident = _get(actor, pk)
    if step == "close":
        authz.require(actor, authz.CLOSE_INCIDENTS, selectors.closing_region(incident))
    elif step == "verify":
        authz.require(actor, authz.HANDLE_INCIDENTS, incident.region)
    else:
        authz.require(actor, authz.HANDLE_INCIDENTS, incident.handling_region)
    return incident


def _after(request: HttpRequest, incident: Incident, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("incidents:console_detail", pk=incident.pk)


def _refused(
    request: HttpRequest, incident: Incident, form: Any, name: str, exc: DomainError
) -> HttpResponse:
    """The service said no: on the form that asked, the incident as it still is (a step
    without a form of its own, or one the page no longer shows, says it at the top)."""
    if exc.status == 404:
        raise exc
    if form is None:
        form = refusal(exc)
    else:
        add_domain_error(form, exc)
    incident.refresh_from_db()
    return _render_detail(request, incident, status=exc.status, **{name: form})


def _person_in(incident: Incident, text: str) -> Person:
    """By volunteer number, or by name among the residents of the community (one only;
    several are listed back to choose)."""
    text = text.strip()
    people = Person.objects.filter(is_active=True)
    if text.isdigit():  # of the community, or one who works over it (its grid workers, staff)
        ours = Q(community=incident.community) | Q(
            grants__region__code__in=incident.region.ancestor_codes()
        )
        by_number = people.filter(ours, volunteer_no=text).distinct().first()
        if by_number is not None:
            return by_number
    found = list(
        people.filter(community=incident.community, name__contains=text).order_by("name", "id")[:6]
    )
    if not found:
        raise InvalidInput(
            _("No resident of %(community)s has this name or volunteer number."),
            field="person",
            params={"community": incident.community.name},
        )
    if len(found) > 1:
        raise InvalidInput(
            _("Several residents match: %(names)s. Type the volunteer number."),
            field="person",
            params={"names": "、".join(f"{p.name}（{p.volunteer_no}）" for p in found[:5])},
        )
    return found[0]


@console_view
@require_POST
def console_accept(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    incident = _writer(actor, pk, "accept")
    try:
        incident = services.accept(actor=actor, incident=incident)
    except DomainError as exc:
        return _refused(request, incident, None, "accept_form", exc)
    due = timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M") if incident.due_at else ""
    return _after(request, incident, _("Accepted; it is due by %(due)s.") % {"due": due})


@console_view
@require_POST
def console_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    incident = _writer(actor, pk, "assign")
    form = AssignForm(request.POST, organizations=_organizations(incident), prefix="assign")
    if not form.is_valid():
        return _render_detail(request, incident, status=400, assign_form=form)
    data = form.cleaned_data
    try:
        person = _person_in(incident, data["person"]) if data["person"] else None
        organization = (
            Organization.objects.filter(pk=int(data["organization"])).first()
            if data["organization"]
            else None
        )
        incident = services.assign(
            actor=actor, incident=incident, person=person, organization=organization
        )
    except DomainError as exc:
        return _refused(request, incident, form, "assign_form", exc)
    whom = incident.assignee.name if incident.assignee else incident.organization.name  # type: ignore[union-attr]
    return _after(request, incident, _("Assigned to %(whom)s.") % {"whom": whom})


@console_view
@require_POST
def console_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    incident = _writer(actor, pk, "escalate")
    form = NoteForm(request.POST, prefix="escalate")
    if not form.is_valid():
        return _render_detail(request, incident, status=400, escalate_form=form)
    try:
        incident = services.escalate(actor=actor, incident=incident, note=form.cleaned_data["note"])
    except DomainError as exc:
        return _refused(request, incident, form, "escalate_form", exc)
    return _after(
        request,
        incident,
        _("Escalated to %(region)s.") % {"region": incident.handling_region.name},
    )


@console_view
@require_POST
def console_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    incident = _writer(actor, pk, "close")
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _render_detail(request, incident, status=400, close_form=form)
    data = form.cleaned_data
    try:
        duplicate = None
        if data["reason"] == CloseReason.DUPLICATE:
            duplicate = selectors.for_handlers(actor).filter(pk=data["duplicate_of"]).first()
            if duplicate is None:
                raise InvalidInput(_("There is no such incident."), field="duplicate_of")
        incident = services.close(
            actor=actor,
            incident=incident,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=duplicate,
        )
    except DomainError as exc:
        return _refused(request, incident, form, "close_form", exc)
    return _after(request, incident, _("Closed without a fix; the reporter is told why."))


@console_view
@require_POST
def console_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """核查 on the reporter's behalf (anonymous and staff entries, or a caller who cannot)."""
    actor = person_of(request)
    incident = _writer(actor, pk, "verify")
    form = VerifyForm(request.POST, prefix="verify")
    if not form.is_valid():
        return _render_detail(request, incident, status=400, verify_form=form)
    try:
        incident = services.verify(
            actor=actor,
            incident=incident,
            ok=form.cleaned_data["ok"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _refused(request, incident, form, "verify_form", exc)
    if incident.status == Status.CLOSED:
        return _after(request, incident, _("Verified fixed and closed."))
    return _after(request, incident, _("Sent back to the handler."))


# --- 录入来电 ------


def _places(actor: Person) -> list[Region]:
    return _reach(
        actor,
        authz.HANDLE_INCIDENTS,
        [Level.COMMUNITY, Level.COMPOUND, Level.GRID, Level.BUILDING],
    )[:500]


@console_view
def console_intake(request: HttpRequest) -> HttpResponse:
    """Staff take a phone call and report it (source: staff); grid or staff verify it
    later on the caller's behalf."""
    actor = person_of(request)
    authz.require(actor, authz.HANDLE_INCIDENTS)
    places = _places(actor)
    form = IntakeForm(
        request.POST or None,
        places=_region_choices(places),
        categories=_category_choices(actor),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = next(r for r in places if r.code == data["place"])
        try:
            incident = services.report(
                actor=actor,
                region=place,
                category=data["category"],
                description=data["description"],
                address=data["address"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Recorded as incident %(id)s.") % {"id": incident.pk})
            return redirect("incidents:console_detail", pk=incident.pk)
    return render(
        request,
        "incidents/console/intake.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Categories ------


def _category_regions(actor: Person, action: authz.Action) -> list[Region]:
    """The county, towns and communities in reach; one who works only on grids (a grid
    worker) reads the categories of the grids' communities."""
    found = _reach(actor, action, [Level.COUNTY, Level.TOWN, Level.COMMUNITY])
    if found or action != authz.VIEW_INCIDENTS:
        return found
    below = Region.objects.filter(authz.regions_q(actor, action)).only("path")[:100]
    codes = {code for r in below for code in r.ancestor_codes()}
    return list(
        Region.objects.filter(code__in=codes, level=Level.COMMUNITY)
        .select_related("parent")
        .order_by("path")
    )


def _chosen(request: HttpRequest, regions: list[Region], actor: Person) -> Region:
    code = (request.POST.get("region") or request.GET.get("region") or "").strip()
    if code:
        found = next((r for r in regions if r.code == code), None)
        if found is None:
            raise NotFound(_("There is no such region, or you may not see it."))
        return found
    if actor.community is not None and actor.community in regions:
        return actor.community
    if not regions:
        raise NotFound(_("You hold no role over a community."))
    return regions[0]


@console_view
def console_categories(request: HttpRequest) -> HttpResponse:
    """The categories in force for a region: a community sees the county's and its own,
    those of the same code marked as replacing the county's (本社区覆盖)."""
    actor = person_of(request)
    authz.require(actor, authz.VIEW_INCIDENTS)
    regions = _category_regions(actor, authz.VIEW_INCIDENTS)
    region = _chosen(request, regions, actor)
    lines = selectors.categories(region, active_only=False)
    above = set(
        Category.objects.filter(region__code__in=region.ancestor_codes())
        .exclude(region=region)
        .values_list("code", flat=True)
    )
    rows = [
        {
            "item": c,
            "own": c.region_id == region.pk,
            "overrides": c.region_id == region.pk and c.code in above,
        }
        for c in lines
    ]
    return render(
        request,
        "incidents/console/categories.html",
        {
            "region": region,
            "rows": rows,
            "form": RegionForm(initial={"region": region.code}, regions=_region_choices(regions)),
            "can_edit": authz.can(actor, authz.MANAGE_RULES, region),
        },
    )


@console_view
def console_category_edit(request: HttpRequest) -> HttpResponse:
    """Add a category or change one (``?region=&code=``): saving a code the county has,
    in a community, makes the community's own (覆盖)."""
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_RULES)
    regions = [
        r
        for r in _category_regions(actor, authz.MANAGE_RULES)
        if authz.can(actor, authz.MANAGE_RULES, r)
    ]
    region = _chosen(request, regions, actor)
    code = (request.GET.get("code") or "").strip()
    current = next(
        (c for c in selectors.categories(region, active_only=False) if c.code == code), None
    )
    rule_items = [
        (str(e.item.pk), f"{e.current.name}（{e.item.code} · {e.current.points}）")
        for e in catalogue(region)
    ]
    organizations = [
        (str(o.pk), o.name)
        for o in Organization.objects.filter(
            Q(region__code__in=region.ancestor_codes()) | Q(region__path__startswith=region.path)
        ).order_by("name", "id")[:300]
    ]
    initial: dict[str, Any] = {"region": region.code}
    if current is not None:
        initial.update(
            code=current.code,
            name=current.name,
            description=current.description,
            tier=current.tier,
            deadline_days=current.deadline_days,
            deadline_hours=current.deadline_hours,
            default_organization=str(current.default_organization_id or ""),
            photo_required=current.photo_required,
            report_item=str(current.report_item_id or ""),
            close_item=str(current.close_item_id or ""),
            position=current.position,
            is_active=current.is_active,
        )
    form = CategoryForm(
        request.POST or None,
        initial=initial,
        regions=_region_choices(regions),
        organizations=organizations,
        rule_items=rule_items,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = next(r for r in regions if r.code == data["region"])
        org = data["default_organization"]
        try:
            saved = services.save_category(
                actor=actor,
                region=target,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                tier=data["tier"],
                deadline_days=data["deadline_days"],
                deadline_hours=data["deadline_hours"],
                photo_required=data["photo_required"],
                default_organization=Organization.objects.filter(pk=int(org)).first()
                if org
                else None,
                report_item=data["report_item"] or None,
                close_item=data["close_item"] or None,
                position=data["position"],
                is_active=data["is_active"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
            return redirect(f"{reverse('incidents:console_categories')}?region={target.code}")
    return render(
        request,
        "incidents/console/category_form.html",
        {"form": form, "region": region, "current": current},
        status=400 if request.method == "POST" else 200,
    )


# --- The dashboard ------


def _board(request: HttpRequest) -> tuple[DashboardForm, stats.Dashboard]:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_INCIDENTS)
    regions = _reach(
        actor, authz.VIEW_INCIDENTS, [Level.COUNTY, Level.TOWN, Level.COMMUNITY, Level.GRID]
    )[:1000]
    if not regions:
        raise NotFound(_("You hold no role over a community."))
    form = DashboardForm(request.GET or None, regions=_region_choices(regions))
    data = form.cleaned_data if form.is_valid() else {}
    region = next((r for r in regions if r.code == data.get("region")), regions[0])
    today = timezone.localdate()
    end = data.get("end") or today
    start = data.get("start") or min(date(today.year, 1, 1), end - timedelta(days=29))
    if start > end:
        start = end
    if not form.is_bound:  # the period counted shows in its fields, not blank ones
        form.initial.update(
            {"region": region.code, "start": start.isoformat(), "end": end.isoformat()}
        )
    board = stats.dashboard(viewer=actor, region=region, start=start, end=end)
    return form, board


@console_view
def console_dashboard(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)

    def shown(rows: list[stats.Row]) -> list[dict[str, Any]]:
        return [
            {
                "r": r,
                "rate": stats.rate_text(r.on_time_rate),
                "median": stats.duration_text(r.median_seconds),
            }
            for r in rows
        ]

    return render(
        request,
        "incidents/console/dashboard.html",
        {
            "form": form,
            "board": board,
            "total": shown([board.total])[0],
            "sections": [
                ("area", _area_title(board.area_level), shown(board.by_area)),
                ("category", _("By category"), shown(board.by_category)),
                ("handler", _("By handler"), shown(board.by_handler)),
                ("month", _("By month reported"), shown(board.by_month)),
            ],
            "query": request.GET.urlencode(),
        },
    )


def _area_title(level: str) -> str:
    titles: dict[str, str] = {
        Level.TOWN: _("By town"),
        Level.COMMUNITY: _("By community"),
        Level.GRID: _("By grid"),
    }
    return titles.get(level, _("By place"))


@console_view
def console_dashboard_export(request: HttpRequest) -> HttpResponse:
    _form, board = _board(request)
    response = HttpResponse(exports.dashboard_workbook(board), content_type=exports.XLSX)
    name = f"incidents-dashboard-{board.region.code}-{board.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The calendar's corrections ------


@console_view
def console_calendar(request: HttpRequest) -> HttpResponse:
    """The days an administrator marked off or worked where the official calendar
    package lags or a place worked differently; add, correct or remove one."""
    actor = person_of(request)
    may_edit = authz.is_global_admin(actor)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only a top-level administrator corrects the calendar."))
        if form.is_valid():
            data = form.cleaned_data
            kind = data["kind"]
            try:
                workdays.set_day(
                    actor=actor,
                    day=data["day"],
                    is_working=None if kind == "clear" else kind == "working",
                    note=data["note"],
                )
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Saved: %(day)s.") % {"day": data["day"].isoformat()})
                return redirect("incidents:console_calendar")
    today = timezone.localdate()
    days = list(
        CalendarDay.objects.filter(day__gte=date(today.year - 1, 1, 1)).select_related(
            "created_by"
        )[:800]
    )
    return render(
        request,
        "incidents/console/calendar.html",
        {
            "form": form,
            "days": days,
            "may_edit": may_edit,
            "missing_year": workdays.missing_year(today),
        },
        status=400 if request.method == "POST" else 200,
    )
