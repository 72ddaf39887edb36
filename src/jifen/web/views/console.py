"""The staff console: people, roles, proxies, groups, regions and the audit log."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jifen.audit import labels as audit_labels
from jifen.audit.selectors import audit_events, audit_regions, region_names
from jifen.inbox.pages import lines_for
from jifen.inbox.selectors import MERCHANT, WORK
from jifen.lib import workdays
from jifen.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.pagination import paginate
from jifen.people import authz, selectors, services
from jifen.people.models import Person, Proxy, RoleGrant
from jifen.regions.models import Level, Region
from jifen.regions.selectors import get_region
from jifen.regions.services import add_region
from jifen.web.forms import (
    AuditFilterForm,
    GrantForm,
    GroupForm,
    PersonCreateForm,
    PersonDetailsForm,
    ProxyForm,
    RegionForm,
    SetPasswordForm,
    add_domain_error,
)
from jifen.web.views.errors import domain_error_page, person_of

View = Callable[..., HttpResponse]


def console_view(view: View) -> View:
    """Logged in, holding some role; each service still checks the region."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not authz.can(request.user, authz.OPEN_CONSOLE):  # type: ignore[arg-type]
            return render(
                request,
                "web/error.html",
                {
                    "title": _("Not allowed"),
                    "text": _("The work console is for community staff, reviewers and merchants."),
                },
                status=403,
            )
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return domain_error_page(request, exc)

    return wrapped


def _region_choices(
    person: Person, action: authz.Action, level: str | None = None
) -> list[tuple[str, str]]:
    regions = Region.objects.filter(authz.regions_q(person, action))
    if level:
        regions = regions.filter(level=level)
    return [
        (r.code, f"{'　' * (r.path.count('/') - 2)}{r.name}（{r.code}）")
        for r in regions.order_by("path")
    ]


@console_view
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    context: dict[str, Any] = {
        "grants": selectors.grants_of(actor),
        "todo": lines_for(actor, (WORK, MERCHANT)),
    }
    if authz.can(actor, authz.VIEW_PERSON):
        people = selectors.visible_people(actor)
        context["people_count"] = people.count()
        context["unconsented_count"] = people.filter(consent_at__isnull=True).count()
        context["by_community"] = (
            people.values("community__name", "community__code")
            .annotate(n=Count("id"))
            .order_by("community__code")
        )
    if authz.can(actor, authz.VIEW_AUDIT_LOG):
        context["recent_events"] = audit_events(viewer=actor)[:8]
    if authz.is_global_admin(actor):  # who corrects the calendar hears it is missing a year
        context["missing_year"] = workdays.missing_year()
    return render(request, "console/dashboard.html", context)


@console_view
def people_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_PERSON)
    query = request.GET.get("q", "")
    people = selectors.search_people(actor, query)
    unconsented = request.GET.get("consent") == "no"  # the to-do's line
    if unconsented:
        people = people.filter(pk__in=selectors.unconsented(actor).values("pk"))
    page = paginate(request, people)
    template = "console/partials/people_rows.html" if request.htmx else "console/people.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"page": page, "q": query, "unconsented": unconsented},
    )


PHONE_TAKEN_FOR_STAFF = gettext_lazy(
    "Someone is already registered with this mobile number. Search the people list for "
    "it before registering again: the person may be on the list already, or registered in "
    "another community."
)


@console_view
def person_create(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.REGISTER_PERSON)
    communities = _region_choices(actor, authz.REGISTER_PERSON, Level.COMMUNITY)
    form = PersonCreateForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referrer = None
            if data["referrer"]:
                referrer = selectors.find_by_volunteer_no(data["referrer"])
                if referrer is None:
                    raise NotFound(_("No volunteer has this number."), field="referrer")
            person = services.register_by_staff(
                actor=actor,
                name=data["name"],
                phone=data["phone"],
                community=get_region(data["community"]),
                password=data["password"] or None,
                referrer=referrer,
                id_number=data["id_number"],
                household_label=data["household_label"],
                birth_date=data["birth_date"],
                is_party_member=data["is_party_member"],
                is_reporting_party_member=data["is_reporting_party_member"],
                employer=data["employer"],
                is_veteran=data["is_veteran"],
                email=data["email"],
            )
        except DomainError as exc:
            if exc.code == "phone_taken":
                # The service speaks to a resident registering themself ("log in
                # instead"); staff registering someone need to find that person.
                form.add_error("phone", PHONE_TAKEN_FOR_STAFF)
            else:
                add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered with volunteer number %(no)s.")
                % {"name": person.name, "no": person.volunteer_no},
            )
            return redirect("web:person", person_id=person.pk)
    return render(request, "console/person_form.html", {"form": form, "creating": True})


@console_view
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = selectors.get_person_for(actor, person_id)
    can_grant = authz.can(actor, authz.GRANT_ROLE)
    # Someone holding a role is in the hands of an admin over all their roles' regions.
    others = person.pk != actor.pk
    can_set_password = others and authz.may_act_on_account(actor, authz.SET_PASSWORD, person)
    can_edit = authz.may_act_on_account(actor, authz.EDIT_PERSON, person)
    can_add_proxy = authz.may_act_on_account(actor, authz.MANAGE_PROXIES, person)
    return render(
        request,
        "console/person.html",
        {
            "person": person,
            "grants": selectors.grants_of(person),
            "proxies": selectors.proxies_of(person),
            "grant_form": GrantForm(regions=_region_choices(actor, authz.GRANT_ROLE))
            if can_grant
            else None,
            "proxy_form": ProxyForm() if can_add_proxy else None,
            "password_form": SetPasswordForm() if can_set_password else None,
            "can_grant": can_grant,
            "can_edit": can_edit,
            "holds_roles": bool(authz.grants(person)),
            "is_self": not others,
        },
    )


@console_view
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = selectors.get_person_for(actor, person_id)
    authz.require_over_account(actor, authz.EDIT_PERSON, person)
    initial = {
        "name": person.name,
        "household_label": person.household.label if person.household else "",
        "birth_date": person.birth_date,
        "is_party_member": person.is_party_member,
        "is_reporting_party_member": person.is_reporting_party_member,
        "employer": person.employer,
        "is_veteran": person.is_veteran,
        "email": person.email,
    }
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        household_label = data.pop("household_label")
        try:
            services.update_person(
                actor=actor, person=person, household_label=household_label, **data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The details have been saved."))
            return redirect("web:person", person_id=person.pk)
    return render(request, "console/person_form.html", {"form": form, "person": person})


@console_view
@require_POST
def person_password(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = selectors.get_person_for(actor, person_id)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_password_by_staff(
                actor=actor, person=person, new_password=form.cleaned_data["new_password"]
            )
        except InvalidInput as exc:  # a weak password; a refusal is the 403 page
            messages.error(request, exc.render())
        else:
            messages.success(
                request,
                _(
                    "The new password is set. Tell it to the person in person; they will "
                    "choose their own when they next log in."
                ),
            )
    return redirect("web:person", person_id=person.pk)


@console_view
@require_POST
def role_grant(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    person = selectors.get_person_for(actor, person_id)
    form = GrantForm(request.POST, regions=_region_choices(actor, authz.GRANT_ROLE))
    if form.is_valid():
        try:
            services.grant_role(
                actor=actor,
                person=person,
                role=form.cleaned_data["role"],
                region=get_region(form.cleaned_data["region"]),
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The role has been given."))
    else:
        messages.error(request, _("Please choose a role and a region."))
    return redirect("web:person", person_id=person.pk)


@console_view
@require_POST
def role_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = person_of(request)
    grant = get_object_or_404(RoleGrant.objects.select_related("person", "region"), pk=grant_id)
    try:
        services.revoke_role(actor=actor, grant=grant)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The role has been taken away."))
    return redirect("web:person", person_id=grant.person_id)


@console_view
@require_POST
def proxy_add(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = person_of(request)
    principal = selectors.get_person_for(actor, person_id)
    form = ProxyForm(request.POST)
    if form.is_valid():
        agent = selectors.find_by_volunteer_no(form.cleaned_data["agent"])
        try:
            if agent is None:
                raise NotFound(_("No volunteer has this number."))
            services.add_proxy(
                actor=actor,
                principal=principal,
                agent=agent,
                relation=form.cleaned_data["relation"],
            )
        except PermissionDenied:
            raise  # the 403 page: staff do not record a proxy for a role-holder
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(
                request,
                _("%(agent)s may now act for %(principal)s.")
                % {"agent": agent.name, "principal": principal.name},
            )
    else:
        messages.error(request, _("Please give the proxy's volunteer number and relation."))
    return redirect("web:person", person_id=principal.pk)


@console_view
@require_POST
def proxy_revoke(request: HttpRequest, proxy_id: int) -> HttpResponse:
    actor = person_of(request)
    proxy = get_object_or_404(Proxy, pk=proxy_id)
    try:
        services.revoke_proxy(actor=actor, proxy=proxy)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The proxy has been ended."))
    return redirect("web:person", person_id=proxy.principal_id)


@console_view
def groups(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_GROUPS)
    form = GroupForm(request.POST or None, regions=_region_choices(actor, authz.MANAGE_GROUPS))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            region = get_region(data["region"])
            person = selectors.find_by_volunteer_no(data["leader"]) if data["leader"] else None
            if data["leader"] and person is None:
                raise NotFound(_("No volunteer has this number."), field="leader")
            if data["kind"] == "team":
                if person is None:
                    raise NotFound(_("A team needs its leader's volunteer number."), field="leader")
                services.create_team(actor=actor, region=region, name=data["name"], leader=person)
            elif data["kind"] == "organization":
                org = services.create_organization(actor=actor, region=region, name=data["name"])
                if person is not None:
                    services.add_organization_member(
                        actor=actor, organization=org, person=person, is_contact=True
                    )
            else:
                services.create_merchant(
                    actor=actor,
                    region=region,
                    name=data["name"],
                    address=data["address"],
                    operators=[person] if person else [],
                )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been created.") % {"name": data["name"]})
            return redirect("web:groups")
    # Members who left keep their row (for month-end counts); only current ones count here.
    teams = selectors.visible_teams(actor).annotate(
        size=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    return render(
        request,
        "console/groups.html",
        {
            "form": form,
            "teams": teams,
            "organizations": selectors.visible_organizations(actor),
            "merchants": selectors.visible_merchants(actor).prefetch_related("operators"),
        },
    )


@console_view
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = person_of(request)
    team = get_object_or_404(selectors.visible_teams(actor), pk=team_id)
    if request.method == "POST":
        number = request.POST.get("volunteer_no", "")
        person = selectors.find_by_volunteer_no(number)
        try:
            if person is None:
                raise NotFound(_("No volunteer has this number."))
            if request.POST.get("action") == "remove":
                services.remove_team_member(actor=actor, team=team, person=person)
                messages.success(request, _("%(name)s has left the team.") % {"name": person.name})
            else:
                services.add_team_member(actor=actor, team=team, person=person)
                messages.success(
                    request, _("%(name)s has joined the team.") % {"name": person.name}
                )
        except DomainError as exc:
            messages.error(request, exc.render())
        return redirect("web:team", team_id=team.pk)
    members = team.memberships.filter(left_on__isnull=True).select_related("person")
    return render(request, "console/team.html", {"team": team, "members": members})


@console_view
def regions(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    can_add = authz.can(actor, authz.ADD_REGION)
    choices = _region_choices(actor, authz.ADD_REGION) if can_add else []
    form = RegionForm(request.POST or None, regions=choices) if can_add else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            region = add_region(
                actor=actor,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent_code=data["parent"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": region.name})
            return redirect("web:regions")
    visible = Region.objects.filter(authz.regions_q(actor, authz.OPEN_CONSOLE)).order_by("path")
    rows = [(r, r.path.count("/") - 2) for r in visible]
    return render(request, "console/regions.html", {"rows": rows, "form": form})


@console_view
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what, in words: admins read their regions', staff their communities'."""
    actor = person_of(request)
    authz.require(actor, authz.VIEW_AUDIT_LOG)
    regions = audit_regions(actor)
    form = AuditFilterForm(
        request.GET or None,
        actions=audit_labels.action_groups(),
        regions=[(r.code, f"{'　' * (r.path.count('/') - 2)}{r.name}") for r in regions],
    )
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "action": data["action"],
            "actor_query": data["actor"],
            "region_code": data["region"],
            "since": data["since"],
            "until": data["until"],
        }
    page = paginate(request, audit_events(viewer=actor, **filters), per_page=50)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "region_names": region_names(page),
        },
    )
