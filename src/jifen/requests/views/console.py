"""Staff pages of service requests (派单台): the list with its status tabs, one request
with every step staff may take, the service menu, and the monthly figures with their
Excel files.

Every step is one service call; these views parse the form, call it and say what
happened. A refused step comes back on the form that asked for it, in Chinese, and
nothing is written (each service is one transaction). What a page shows is only a
courtesy: the services refuse whatever the actor may not do.
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib import workdays
from jifen.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.masking import mask_phone
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person, Team, TeamMember
from jifen.points.models import RuleVersion
from jifen.points.selectors import catalogue, visible_communities
from jifen.regions.models import Level, Region
from jifen.requests import exports, selectors, services, stats
from jifen.requests.forms_console import (
    DispatchForm,
    FilterForm,
    MemberForm,
    MenuItemForm,
    MenuRegionForm,
    PublishForm,
    ReasonForm,
    StatsForm,
)
from jifen.requests.models import STEPS, Kind, MenuItem, ServiceRequest, Status, may_take
from jifen.requests.views.resident import contacts
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25
EXPORT_LIMIT = 10_000


def _communities(actor: Person, action: authz.Action = authz.VIEW_REQUESTS) -> list[Region]:
    return list(visible_communities(actor, action).select_related("parent"))


def _community_choices(communities: list[Region]) -> list[tuple[str, str]]:
    return [(c.code, f"{c.parent.name} · {c.name}" if c.parent else c.name) for c in communities]


def _category_choices(communities: list[Region]) -> list[tuple[str, str]]:
    """The menu codes offered in the communities (each code once)."""
    seen: dict[str, str] = {}
    for item in MenuItem.objects.filter(
        region__code__in={code for c in communities for code in c.ancestor_codes()}
    ).order_by("group", "position", "code"):
        seen.setdefault(item.code, f"{item.name}（{item.code}）")
    return list(seen.items())


# --- The list ---------------------------------------------------------------------------------


def _listed(
    request: HttpRequest, actor: Person
) -> tuple[FilterForm, QuerySet[ServiceRequest], dict[str, Any]]:
    """The filter form, the requests it selects (not yet by status), and the filters."""
    authz.require(actor, authz.VIEW_REQUESTS)
    communities = _communities(actor)
    form = FilterForm(
        request.GET or None,
        communities=_community_choices(communities),
        categories=_category_choices(communities),
    )
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    community = next((c for c in communities if c.code == data.get("community")), None)
    filters = selectors.Filters(
        kind=data.get("kind") or "",
        category=data.get("category") or "",
        community=community,
        overdue=bool(data.get("overdue")),
    )
    found = selectors.for_staff(actor, filters)
    who = (data.get("assignee") or "").strip()
    if who:
        found = found.filter(
            Q(assignee__name__contains=who)
            | Q(assignee__volunteer_no=who)
            | Q(team__name__contains=who)
            | Q(organization__name__contains=who)
        )
    return form, found, data


def _late_days(item: ServiceRequest, today: date) -> int:
    if item.status != Status.ASSIGNED or item.due_on is None or item.due_on >= today:
        return 0
    return max(1, workdays.working_days_between(item.due_on, today))


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    form, found, data = _listed(request, actor)
    status = data.get("status") or ""
    counts = dict(found.order_by().values_list("status").annotate(n=Count("id")))
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in Status.choices
    ]
    if status:
        found = found.filter(status=status)
    if data.get("overdue"):
        found = found.order_by("due_on", "id")  # the longest overdue first
    elif status == Status.SUBMITTED:
        found = found.order_by("created_at", "id")  # 待审核: who waited longest first
    page = paginate(request, found, per_page=PER_PAGE)
    today = timezone.localdate()
    for item in page:
        item.late_days = _late_days(item, today)
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("status", None)
    return render(
        request,
        "requests/console/list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "tabs": tabs,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "filtered": any(
                data.get(k) for k in ("kind", "category", "community", "assignee", "overdue")
            ),
            "can_manage": authz.can(actor, authz.MANAGE_REQUESTS),
            "now": timezone.now(),
        },
    )


@console_view
def console_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered (status included), in Excel."""
    actor = person_of(request)
    _form, found, data = _listed(request, actor)
    if data.get("status"):
        found = found.filter(status=data["status"])
    body = exports.requests_workbook(found[:EXPORT_LIMIT])
    response = HttpResponse(body, content_type=exports.XLSX)
    name = f"requests-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- One request -------------------------------------------------------------------------------


def _get(actor: Person, pk: int) -> ServiceRequest:
    """A request of the staff member's regions; any other is not there (404)."""
    authz.require(actor, authz.VIEW_REQUESTS)
    found = selectors.for_staff(actor).select_related("entered_by", "claim").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such request."))
    return found


def _teams(request: ServiceRequest) -> list[tuple[str, str]]:
    codes = request.community.ancestor_codes()
    teams = Team.objects.filter(
        Q(region__code__in=codes) | Q(region__path__startswith=request.community.path)
    ).order_by("name", "id")
    return [(str(t.pk), t.name) for t in teams]


def _organizations(request: ServiceRequest) -> list[tuple[str, str]]:
    codes = request.community.ancestor_codes()
    orgs = Organization.objects.filter(
        Q(region__code__in=codes) | Q(region__path__startswith=request.community.path)
    ).order_by("name", "id")
    return [(str(o.pk), o.name) for o in orgs]


def _members(request: ServiceRequest) -> list[tuple[str, str]]:
    today = timezone.localdate()
    if request.team is not None:
        people = Person.objects.filter(
            Q(pk=request.team.leader_id)
            | Q(
                pk__in=TeamMember.objects.filter(team=request.team)
                .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
                .values("person_id")
            )
        )
    elif request.organization is not None:
        people = Person.objects.filter(
            pk__in=OrganizationMember.objects.filter(organization=request.organization).values(
                "person_id"
            )
        )
    else:
        return []
    return [
        (str(p.pk), f"{p.name}（{p.volunteer_no}）")
        for p in people.filter(is_active=True).order_by("name", "id")
    ]


def _forms(request: ServiceRequest, data: Any = None, **bound: Any) -> dict[str, Any]:
    item = request.menu_item
    suggested = request.points or item.points
    forms: dict[str, Any] = {
        "publish_form": PublishForm(suggested=suggested, most=item.max_points, prefix="publish"),
        "reject_form": ReasonForm(prefix="reject"),
        "dispatch_form": DispatchForm(
            teams=_teams(request),
            organizations=_organizations(request),
            suggested=suggested,
            most=item.max_points,
            prefix="dispatch",
        ),
        "member_form": MemberForm(members=_members(request), prefix="member"),
        "cancel_form": ReasonForm(prefix="cancel"),
    }
    forms.update(bound)
    return forms


def _may(step: str, status: str) -> bool:
    """The dispatch form also reassigns a request in hand (改派, a step of its own)."""
    steps = ("dispatch", "reassign") if step == "dispatch" else (step,)
    return any(name in STEPS and may_take(name, status) for name in steps)


def _render_detail(
    request: HttpRequest, item: ServiceRequest, status: int = 200, **bound: Any
) -> HttpResponse:
    actor = person_of(request)
    manage = authz.can(actor, authz.MANAGE_REQUESTS, item.community)
    phone = item.requester.phone or ""
    if not authz.can(actor, authz.VIEW_PERSON, item.community):
        phone = mask_phone(phone)
    # The address, the photos and the phones to call are for those who go or send
    # someone (``selectors.can_see_address``): not the review group, which reads names.
    full = selectors.can_see_address(actor, item)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "item": item,
        "full": full,
        "contacts": contacts(actor, item),
        "photos": list(item.photos.all()) if full else [],
        "history": list(selectors.history(item)),
        "phone": phone,
        "late_days": _late_days(item, today),
        "can_manage": manage,
        "may": {
            step: manage and _may(step, item.status)
            for step in ("publish", "reject", "dispatch", "cancel", "assign_member")
        },
        "group": item.team or item.organization,
    }
    if manage:
        context.update(_forms(item, **bound))
    return render(request, "requests/console/detail.html", context, status=status)


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get(person_of(request), pk))


def _after(request: HttpRequest, item: ServiceRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("requests:console_detail", pk=item.pk)


def _refused(
    request: HttpRequest,
    item: ServiceRequest,
    form: Any,
    name: str,
    exc: DomainError,
    about_person: bool = False,
) -> HttpResponse:
    """The service said no: on the form that asked, the request as it still is.

    ``about_person``: the actor's own right was checked before the call, so a 403 is
    about the person chosen (the requester, their proxy or household: nobody helps their
    own family) — said on the form with what was typed, not as a page of its own."""
    status = exc.status
    if isinstance(exc, PermissionDenied) and about_person:
        if exc.field is None:
            exc.field = "person"
        status = 400
    elif exc.status in (403, 404):
        raise exc
    add_domain_error(form, exc)
    item.refresh_from_db()
    return _render_detail(request, item, status=status, **{name: form})


def _person_in(item: ServiceRequest, text: str) -> Person:
    """The volunteer typed into the dispatch form: by volunteer number, or by name among
    the residents of the community (one only; several are listed back to choose)."""
    text = text.strip()
    people = Person.objects.filter(is_active=True)
    by_number = people.filter(volunteer_no=text).first()
    if by_number is not None:
        return by_number
    found = list(
        people.filter(community=item.community, name__contains=text).order_by("name", "id")[:6]
    )
    if not found:
        raise InvalidInput(
            _("No resident of %(community)s has this name or volunteer number."),
            field="person",
            params={"community": item.community.name},
        )
    if len(found) > 1:
        raise InvalidInput(
            _("Several residents match: %(names)s. Type the volunteer number."),
            field="person",
            params={"names": "、".join(f"{p.name}（{p.volunteer_no}）" for p in found[:5])},
        )
    return found[0]


def _choice(model: type[Team] | type[Organization], value: str) -> Any:
    if not value:
        return None
    found = model.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if found is None:
        raise InvalidInput(_("Choose from the list."), field=model.__name__.lower())
    return found


@console_view
@require_POST
def console_publish(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _get(actor, pk)
    form = PublishForm(
        request.POST,
        suggested=item.points or item.menu_item.points,
        most=item.menu_item.max_points,
        prefix="publish",
    )
    if not form.is_valid():
        return _render_detail(request, item, status=400, publish_form=form)
    try:
        item = services.publish(actor=actor, request=item, points=form.cleaned_data["points"])
    except DomainError as exc:
        return _refused(request, item, form, "publish_form", exc)
    return _after(
        request,
        item,
        _("Published for volunteers to take, for %(points)s points.") % {"points": item.points},
    )


@console_view
@require_POST
def console_reject(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _get(actor, pk)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _render_detail(request, item, status=400, reject_form=form)
    try:
        item = services.reject(actor=actor, request=item, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _refused(request, item, form, "reject_form", exc)
    return _after(request, item, _("Rejected; the resident sees the reason."))


@console_view
@require_POST
def console_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _get(actor, pk)
    authz.require(actor, authz.MANAGE_REQUESTS, item.community)
    form = DispatchForm(
        request.POST,
        teams=_teams(item),
        organizations=_organizations(item),
        suggested=item.points or item.menu_item.points,
        most=item.menu_item.max_points,
        prefix="dispatch",
    )
    if not form.is_valid():
        return _render_detail(request, item, status=400, dispatch_form=form)
    data = form.cleaned_data
    try:
        person = _person_in(item, data["person"]) if data["person"] else None
        item = services.dispatch(
            actor=actor,
            request=item,
            person=person,
            team=_choice(Team, data["team"]),
            organization=_choice(Organization, data["organization"]),
            points=data["points"],
        )
    except DomainError as exc:
        return _refused(request, item, form, "dispatch_form", exc, about_person=True)
    whom = item.assignee.name if item.assignee else (item.team or item.organization).name  # type: ignore[union-attr]
    return _after(
        request,
        item,
        _("Dispatched to %(whom)s, due on %(due)s.")
        % {"whom": whom, "due": item.due_on.isoformat() if item.due_on else "—"},
    )


@console_view
@require_POST
def console_assign_member(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _get(actor, pk)
    authz.require(actor, authz.MANAGE_REQUESTS, item.community)
    form = MemberForm(request.POST, members=_members(item), prefix="member")
    if not form.is_valid():
        return _render_detail(request, item, status=400, member_form=form)
    person = Person.objects.get(pk=int(form.cleaned_data["person"]))
    try:
        item = services.assign_member(actor=actor, request=item, person=person)
    except DomainError as exc:
        return _refused(request, item, form, "member_form", exc, about_person=True)
    return _after(request, item, _("%(name)s goes.") % {"name": person.name})


@console_view
@require_POST
def console_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _get(actor, pk)
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _render_detail(request, item, status=400, cancel_form=form)
    try:
        item = services.cancel(actor=actor, request=item, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _refused(request, item, form, "cancel_form", exc)
    return _after(request, item, _("Cancelled; the resident and the helper are told."))


# --- The service menu -------------------------------------------------------------------------


def _menu_regions(actor: Person) -> list[Region]:
    """Regions whose menu the actor reads: their counties, towns and communities."""
    return list(
        Region.objects.filter(
            authz.regions_q(actor, authz.VIEW_REQUESTS),
            level__in=[Level.COUNTY, Level.TOWN, Level.COMMUNITY],
        ).order_by("path")
    )


def _region_choices(regions: list[Region]) -> list[tuple[str, str]]:
    return [(r.code, f"{'　' * (r.path.count('/') - 2)}{r.name}（{r.code}）") for r in regions]


def _chosen_region(request: HttpRequest, regions: list[Region], actor: Person) -> Region:
    code = (request.POST.get("region") or request.GET.get("region") or "").strip()
    if code:
        chosen = next((r for r in regions if r.code == code), None)
        if chosen is None:
            raise NotFound(_("There is no such region, or you may not see it."))
        return chosen
    if actor.community is not None and actor.community in regions:
        return actor.community
    if not regions:
        raise NotFound(_("You hold no role over a community."))
    return regions[0]


def _rule_names(region: Region, lines: list[MenuItem]) -> dict[int, str]:
    """The points items' names as the region's catalogue says them today; an item no
    longer in it by its latest version's name."""
    names = {entry.item.pk: entry.current.name for entry in catalogue(region)}
    missing = {line.rule_item_id for line in lines} - names.keys()
    for version in RuleVersion.objects.filter(item_id__in=missing).order_by(
        "effective_from", "version"
    ):
        names[version.item_id] = version.name
    return names


@console_view
def console_menu(request: HttpRequest) -> HttpResponse:
    """The menu in force for a region: a community sees the county's and town's lines and
    its own, those of the same code marked as replacing them (本社区覆盖)."""
    actor = person_of(request)
    authz.require(actor, authz.VIEW_REQUESTS)
    regions = _menu_regions(actor)
    region = _chosen_region(request, regions, actor)
    lines = selectors.menu(region, active_only=False)
    below = set(
        MenuItem.objects.filter(region__code__in=region.ancestor_codes())
        .exclude(region=region)
        .values_list("code", flat=True)
    )
    rule_names = _rule_names(region, lines)
    rows = [
        {
            "item": line,
            "rule_name": rule_names.get(line.rule_item_id, ""),
            "own": line.region_id == region.pk,
            "overrides": line.region_id == region.pk and line.code in below,
        }
        for line in lines
    ]
    return render(
        request,
        "requests/console/menu.html",
        {
            "region": region,
            "rows": rows,
            "form": MenuRegionForm(
                initial={"region": region.code}, regions=_region_choices(regions)
            ),
            "can_edit": authz.can(actor, authz.MANAGE_RULES, region),
        },
    )


@console_view
def console_menu_edit(request: HttpRequest) -> HttpResponse:
    """Add a line to a region's menu or change one (``?region=&code=``): saving a code
    the county has, in a community, makes the community's own line (覆盖)."""
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_RULES)
    regions = [r for r in _menu_regions(actor) if authz.can(actor, authz.MANAGE_RULES, r)]
    region = _chosen_region(request, regions, actor)
    code = (request.GET.get("code") or "").strip()
    current = next((i for i in selectors.menu(region, active_only=False) if i.code == code), None)
    rule_items = [
        (str(e.item.pk), f"{e.current.name}（{e.item.code} · {e.current.points}）")
        for e in catalogue(region)
    ]
    initial: dict[str, Any] = {"region": region.code}
    if current is not None:
        initial.update(
            code=current.code,
            name=current.name,
            group=current.group,
            kind=current.kind,
            description=current.description,
            rule_item=str(current.rule_item_id),
            points=current.points,
            max_points=current.max_points,
            eligibility=current.eligibility,
            deadline_days=current.deadline_days,
            position=current.position,
            is_active=current.is_active,
        )
    form = MenuItemForm(
        request.POST or None,
        initial=initial,
        regions=_region_choices(regions),
        rule_items=rule_items,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = next(r for r in regions if r.code == data["region"])
        try:
            saved = services.save_menu_item(
                actor=actor,
                region=target,
                code=data["code"],
                name=data["name"],
                group=data["group"],
                kind=data["kind"] or Kind.REQUEST,
                description=data["description"],
                rule_item=data["rule_item"],
                points=data["points"],
                max_points=data["max_points"],
                eligibility=data["eligibility"],
                deadline_days=data["deadline_days"],
                is_active=data["is_active"],
                position=data["position"],
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
            return redirect(f"{reverse('requests:console_menu')}?region={target.code}")
    return render(
        request,
        "requests/console/menu_form.html",
        {"form": form, "region": region, "current": current},
        status=400 if request.method == "POST" else 200,
    )


# --- Monthly figures --------------------------------------------------------------------------


def _figures(request: HttpRequest) -> tuple[StatsForm, int, list[stats.Figures]]:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_REQUESTS)
    communities = _communities(actor)
    form = StatsForm(request.GET or None, communities=_community_choices(communities))
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    community = next((c for c in communities if c.code == data.get("community")), None)
    return form, year, stats.monthly(actor, year, community)


@console_view
def console_stats(request: HttpRequest) -> HttpResponse:
    form, year, figures = _figures(request)
    rows = [
        {
            "f": f,
            "accept": stats.duration_text(f.accept_seconds),
            "done": stats.duration_text(f.done_seconds),
            "auto": stats.share_text(f.auto_share),
        }
        for f in figures
    ]
    query = request.GET.copy()
    return render(
        request,
        "requests/console/stats.html",
        {"form": form, "year": year, "rows": rows, "query": query.urlencode()},
    )


@console_view
def console_stats_export(request: HttpRequest) -> HttpResponse:
    _form, year, figures = _figures(request)
    response = HttpResponse(exports.stats_workbook(figures), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="requests-figures-{year}.xlsx"'
    return response
