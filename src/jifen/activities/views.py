"""Pages of volunteer activities.

Residents (phone first): find activities of their community, sign up and withdraw,
check in and out from the activity's QR code, see their activities, download them as a
calendar and print their volunteer card. Staff (console): file activities, have them
approved, recruit, run the live attendance board, type in paper sheets, scan cards,
show the rotating QR code, close.

Every write is one service call; these views parse the request, call it and say what
happened. Buttons only show what the viewer's role allows; the services refuse the rest.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.activities import selectors, services, tokens
from jifen.activities.card_pdf import card_pdf
from jifen.activities.cards import is_volunteer_no, person_from_card
from jifen.activities.forms import (
    ActivityForm,
    CommentForm,
    PaperForm,
    ReasonForm,
    SignupForm,
    StatusFilterForm,
)
from jifen.activities.models import (
    EDITABLE,
    Activity,
    Attendance,
    Method,
    Signup,
    SignupStatus,
    Status,
)
from jifen.claims.models import Claim, Source
from jifen.lib import ical
from jifen.lib.bounds import date_in_range
from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.people.selectors import (
    get_person_for,
    visible_organizations,
    visible_people,
    visible_teams,
)
from jifen.points.models import RuleVersion
from jifen.points.selectors import catalogue
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of, resident_view

# --- Reads of these pages (the domain's reads are in selectors) ----------------------------


@dataclass(frozen=True)
class Card:
    """An activity as a resident's card shows it."""

    activity: Activity
    terms: RuleVersion | None  # the item's points per unit on the activity's day
    places_left: int
    signup: Signup | None  # mine, unless withdrawn
    phase: str  # selectors.phase: upcoming, in_progress, ended, or the status


def _cards(activities: list[Activity], person: Person) -> list[Card]:
    """``activities`` come ``with_counts``; one query for the person's signups."""
    mine = {
        s.activity_id: s
        for s in Signup.objects.filter(
            person=person, activity__in=[a.pk for a in activities]
        ).exclude(status=SignupStatus.WITHDRAWN)
    }
    return [
        Card(
            activity=a,
            terms=selectors.item_terms(a),
            places_left=max(a.capacity - a.confirmed, 0),  # type: ignore[attr-defined]
            signup=mine.get(a.pk),
            phase=selectors.phase(a),
        )
        for a in activities
    ]


def _attendance_of(person: Person, activity: Activity) -> Attendance | None:
    return Attendance.objects.filter(activity=activity, person=person).first()


@dataclass(frozen=True)
class Row:
    attendance: Attendance
    hours: float | None
    claims: tuple[Claim, ...] = ()  # one a day of service
    flags: tuple[str, ...] = ()


def _rows_with_claims(attendances: list[Attendance]) -> list[Row]:
    """My attended activities with their hours and the claims each became (one query)."""
    claims: dict[int | None, list[Claim]] = {}
    for claim in Claim.objects.filter(
        source=Source.ACTIVITY, source_id__in=[a.pk for a in attendances]
    ).order_by("occurred_on"):
        claims.setdefault(claim.source_id, []).append(claim)
    return [Row(a, selectors.attendance_hours(a), tuple(claims.get(a.pk, ()))) for a in attendances]


def _console_q(actor: Person) -> Q:
    return authz.regions_q(actor, authz.MANAGE_ACTIVITIES, "region") | authz.regions_q(
        actor, authz.APPROVE_ACTIVITIES, "region"
    )


def _require_console(actor: Person) -> None:
    if not (
        authz.can(actor, authz.MANAGE_ACTIVITIES) or authz.can(actor, authz.APPROVE_ACTIVITIES)
    ):
        authz.require(actor, authz.MANAGE_ACTIVITIES)


def _console_one(actor: Person, activity_id: int) -> Activity:
    """An activity of the actor's regions, for staff and reviewers; 404 for others."""
    activity = selectors.get_activity_for(actor, activity_id)
    if not selectors.may_oversee(actor, activity):
        raise NotFound(_("There is no such activity, or you may not see it."))
    return activity


def _people_matching(actor: Person, text: str) -> list[Person]:
    """Residents in the actor's reach with this volunteer number, phone, or phone ending."""
    text = text.strip()
    if not text:
        return []
    people = visible_people(actor).filter(is_active=True).order_by("name", "id")
    exact = list(people.filter(Q(volunteer_no=text) | Q(phone=text))[:2])
    if exact or len(text) < 4 or not text.isdigit():
        return exact
    return list(people.filter(phone__endswith=text)[:6])


# --- Residents -----------------------------------------------------------------------------


@resident_view
def find(request: HttpRequest) -> HttpResponse:
    """Published activities of my community and the regions above it, not yet over."""
    person = person_of(request)
    community = person.community
    activities = (
        selectors.open_activities(person)
        .filter(
            ends_at__gt=timezone.now(),
            region__code__in=community.ancestor_codes() if community else [],
        )
        .order_by("starts_at", "id")
    )
    page = paginate(request, activities, per_page=10)
    cards = _cards(list(page), person)
    return render(request, "activities/find.html", {"page": page, "cards": cards, "person": person})


@resident_view
def detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    person = person_of(request)
    activity = selectors.get_activity_for(person, activity_id)
    card = _cards([activity], person)[0]
    now = timezone.now()
    signup = card.signup
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "card": card,
            "attendance": _attendance_of(person, activity),
            "may_sign_up": signup is None
            and activity.status == Status.PUBLISHED
            and now < activity.ends_at,
            "may_withdraw": signup is not None
            and activity.status == Status.PUBLISHED
            and now < activity.starts_at,
            "may_manage": selectors.may_oversee(person, activity),
        },
    )


@resident_view
@require_POST
def sign_up(request: HttpRequest, activity_id: int) -> HttpResponse:
    person = person_of(request)
    activity = selectors.get_activity_for(person, activity_id)
    try:
        signup = services.sign_up(actor=person, activity=activity)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        if signup.status == SignupStatus.CONFIRMED:
            messages.success(request, _("You are signed up. See you there!"))
        else:
            messages.info(
                request,
                _(
                    "All places are taken: you are on the waiting list and will be told "
                    "if a place opens up."
                ),
            )
    return redirect("activities:detail", activity_id=activity.pk)


@resident_view
@require_POST
def withdraw(request: HttpRequest, activity_id: int) -> HttpResponse:
    person = person_of(request)
    activity = selectors.get_activity_for(person, activity_id)
    try:
        services.withdraw(actor=person, activity=activity)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("You have withdrawn from this activity."))
    return redirect("activities:detail", activity_id=activity.pk)


def _day(raw: str | None) -> date | None:
    """``?on=YYYY-MM-DD``; anything else is no filter."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if date_in_range(day) else None


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    """My activities; ``?on=YYYY-MM-DD`` (the to-do's "activities tomorrow") lists only the
    published ones of that day I have a confirmed place in, as the to-do counts them."""
    person = person_of(request)
    history = paginate(request, selectors.my_attendances(person), per_page=10)
    day = _day(request.GET.get("on"))
    if day is None:
        coming = selectors.my_activities(person).filter(ends_at__gt=timezone.now())
    else:
        coming = selectors.my_activities(person).filter(
            pk__in=selectors.confirmed_on(person, day).values("pk")
        )
        messages.info(
            request,
            _("Only the activities of %(date)s you have a place in are shown.")
            % {"date": day.isoformat()},
        )
    return render(
        request,
        "activities/mine.html",
        {
            "upcoming": _cards(list(coming.order_by("starts_at", "id")), person),
            "history": history,
            "rows": _rows_with_claims(list(history)),
        },
    )


def _checkin_url(request: HttpRequest, activity: Activity, token: str) -> str:
    return request.build_absolute_uri(tokens.checkin_path(activity.pk, token))


@resident_view
def checkin(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The page the activity's QR code opens: one big button, 签到 or then 签退."""
    person = person_of(request)
    activity = get_object_or_404(Activity.objects.select_related("region"), pk=activity_id)
    token = (request.POST.get("t") or request.GET.get("t") or "").strip()
    error = ""
    status = 200
    if request.method == "POST":
        device = request.POST.get("device", "")
        try:
            if request.POST.get("action") == "out":
                services.check_out(actor=person, activity=activity, token=token)
                messages.success(request, _("Checked out. Thank you for your service!"))
            else:
                services.check_in(actor=person, activity=activity, token=token, device=device)
                messages.success(
                    request,
                    _(
                        "Checked in. When you leave, scan the code on the screen again "
                        "to check out."
                    ),
                )
        except DomainError as exc:
            error, status = exc.render(), exc.status
        else:
            # Without the code: the next step (check-out) needs a fresh scan, so a second
            # tap on the big button cannot check out a moment after checking in.
            return redirect(request.path)
    return render(
        request,
        "activities/checkin.html",
        {
            "activity": activity,
            "attendance": _attendance_of(person, activity),
            "token": token,
            "error": error,
        },
        status=status,
    )


def _card_response(person: Person) -> HttpResponse:
    response = HttpResponse(card_pdf(person), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-{person.volunteer_no}.pdf"'
    return response


@login_required
def my_card(request: HttpRequest) -> HttpResponse:
    return _card_response(person_of(request))


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    """My activities as an iCalendar file for the phone's calendar."""
    person = person_of(request)
    events = [
        ical.Event(
            uid=f"activity-{activity.pk}@{request.get_host().split(':')[0]}",
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            summary=activity.title,
            location=activity.place,
            description=activity.description,
            cancelled=activity.status == Status.CANCELLED,
        )
        for activity in selectors.my_activities(person)
    ]
    text = ical.calendar(
        events,
        name=_("My volunteer activities"),
        prodid="-//Jifen//Volunteer activities//ZH",
        stamp=timezone.now(),
    )
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="jifen-activities.ics"'
    return response


# --- Staff: list, filing and the life of an activity ---------------------------------------


def _region_choices(actor: Person) -> list[tuple[str, str]]:
    """Communities and towns where the actor may file activities, in tree order."""
    regions = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_ACTIVITIES), level__in=[Level.TOWN, Level.COMMUNITY]
    ).order_by("path")
    return [
        (
            r.code,
            r.name if r.level == Level.COMMUNITY else _("%(name)s (whole town)") % {"name": r.name},
        )
        for r in regions
    ]


def _item_choices(region: Region) -> list[tuple[str, str]]:
    return [
        (
            str(entry.item.pk),
            f"{entry.current.name} · {entry.current.points} / {entry.current.get_unit_display()}",
        )
        for entry in catalogue(region)
    ]


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_console(actor)
    regions = Region.objects.filter(
        Q(authz.regions_q(actor, authz.MANAGE_ACTIVITIES))
        | Q(authz.regions_q(actor, authz.APPROVE_ACTIVITIES)),
        level__in=[Level.TOWN, Level.COMMUNITY],
    ).order_by("path")
    form = StatusFilterForm(request.GET or None, regions=[(r.code, r.name) for r in regions])
    activities = selectors.with_counts(
        selectors.visible_activities(actor).filter(_console_q(actor))
    ).order_by("-starts_at", "-id")
    query: dict[str, str] = {}
    if form.is_valid():
        if form.cleaned_data["status"]:
            activities = activities.filter(status=form.cleaned_data["status"])
            query["status"] = form.cleaned_data["status"]
        if form.cleaned_data["region"]:
            region = Region.objects.get(code=form.cleaned_data["region"])
            activities = activities.filter(region__path__startswith=region.path)
            query["region"] = region.code
    if request.GET.get("ended") == "1":  # the to-do's "activities to close": over, not closed
        activities = activities.filter(status=Status.PUBLISHED, ends_at__lt=timezone.now())
        query["ended"] = "1"
    page = paginate(request, activities, per_page=20)
    return render(
        request,
        "activities/console/list.html",
        {
            "form": form,
            "page": page,
            "query": urlencode(query),
            "can_create": authz.can(actor, authz.MANAGE_ACTIVITIES),
        },
    )


def _default_window() -> tuple[datetime, datetime]:
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, time(9, 0)))
    return starts, starts + timedelta(hours=2)


@console_view
def create(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_ACTIVITIES)
    regions = _region_choices(actor)
    if not regions:
        raise NotFound(_("You hold no role over a community or town."))
    codes = [code for code, _label in regions]
    chosen = request.POST.get("community") or request.GET.get("community") or ""
    if chosen not in codes:
        home = actor.community.code if actor.community else ""
        chosen = home if home in codes else codes[0]
    region = Region.objects.get(code=chosen)
    starts, ends = _default_window()
    form = ActivityForm(
        request.POST or None,
        initial={"community": chosen, "starts_at": starts, "ends_at": ends, "capacity": 20},
        regions=regions,
        items=_item_choices(region),
        teams=[(str(t.pk), f"{t.name}（{t.region.name}）") for t in visible_teams(actor)],
        organizations=[
            (str(o.pk), f"{o.name}（{o.region.name}）") for o in visible_organizations(actor)
        ],
    )
    form.fields["community"].widget.attrs.update(
        {
            "hx-get": reverse("activities:rule_items"),
            "hx-target": "#id_rule_item",
            "hx-trigger": "change",
        }
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.create_activity(
                actor=actor,
                region=region,
                title=data["title"],
                rule_item_id=data["rule_item"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                place=data["place"],
                description=data["description"],
                team=visible_teams(actor).filter(pk=data["team"]).first() if data["team"] else None,
                organization=visible_organizations(actor).filter(pk=data["organization"]).first()
                if data["organization"]
                else None,
                tags=data["tags"],
                min_age=data["min_age"],
                risk_notes=data["risk_notes"],
                needs_insurance=data["needs_insurance"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The draft is saved. Submit it for filing so that a reviewer approves it."),
            )
            return redirect("activities:manage", activity_id=activity.pk)
    return render(request, "activities/console/form.html", {"form": form})


def _may_edit(activity: Activity) -> bool:
    """Whether the page offers editing; the service decides (``update_activity``)."""
    return activity.status in EDITABLE and not (
        activity.status == Status.PUBLISHED and activity.ends_at <= timezone.now()
    )


@console_view
def edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Staff change an activity: a draft freely, a published one with a notice to those
    signed up (the page says so)."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    region = activity.region
    form = ActivityForm(
        request.POST or None,
        initial={
            "community": region.code,
            "title": activity.title,
            "rule_item": str(activity.rule_item_id),
            "place": activity.place,
            "starts_at": timezone.localtime(activity.starts_at),
            "ends_at": timezone.localtime(activity.ends_at),
            "capacity": activity.capacity,
            "description": activity.description,
            "team": str(activity.team_id or ""),
            "organization": str(activity.organization_id or ""),
            "tags": activity.tags,
            "min_age": activity.min_age,
            "risk_notes": activity.risk_notes,
            "needs_insurance": activity.needs_insurance,
        },
        regions=[(region.code, region.name)],
        items=_item_choices(region),
        teams=[(str(t.pk), f"{t.name}（{t.region.name}）") for t in visible_teams(actor)],
        organizations=[
            (str(o.pk), f"{o.name}（{o.region.name}）") for o in visible_organizations(actor)
        ],
    )
    # The region stays: another community's residents were not the ones recruited.
    form.fields["community"].disabled = True
    # What the activity has stays a choice, even when no longer offered to this actor.
    for name, value, label in (
        ("rule_item", activity.rule_item_id, activity.rule_item.code),
        ("team", activity.team_id, activity.team.name if activity.team else ""),
        (
            "organization",
            activity.organization_id,
            activity.organization.name if activity.organization else "",
        ),
    ):
        field = cast(forms.ChoiceField, form.fields[name])
        if value and str(value) not in dict(field.choices):  # type: ignore[arg-type]
            field.choices = [*field.choices, (str(value), label)]  # type: ignore[misc]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name]
            for name in (
                "title",
                "place",
                "starts_at",
                "ends_at",
                "capacity",
                "rule_item",
                "description",
                "tags",
                "min_age",
                "risk_notes",
                "needs_insurance",
            )
        }
        changes["team"] = (
            visible_teams(actor).filter(pk=data["team"]).first() if data["team"] else None
        )
        changes["organization"] = (
            visible_organizations(actor).filter(pk=data["organization"]).first()
            if data["organization"]
            else None
        )
        for name in ("starts_at", "ends_at"):
            # The form shows minutes: a time left as shown is left as it is.
            if changes[name] == getattr(activity, name).replace(second=0, microsecond=0):
                changes.pop(name)
        if data["team"] and data["team"] == str(activity.team_id):
            changes["team"] = activity.team
        if data["organization"] and data["organization"] == str(activity.organization_id):
            changes["organization"] = activity.organization
        try:
            services.update_activity(actor=actor, activity=activity, changes=changes)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The activity is changed; everyone signed up is told.")
                if activity.status == Status.PUBLISHED
                else _("The activity is changed."),
            )
            return redirect("activities:manage", activity_id=activity.pk)
    return render(
        request,
        "activities/console/edit.html",
        {"form": form, "activity": activity, "board": selectors.board(activity)},
    )


@console_view
@require_POST
def send_back(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _act(
        request,
        activity_id,
        lambda actor, activity: services.return_activity(
            actor=actor, activity=activity, comment=request.POST.get("comment", "")
        ),
        _("The filing is sent back to staff with your comments."),
    )


@console_view
def rule_items(request: HttpRequest) -> HttpResponse:
    """The <option>s of the service items serving the community chosen on the form."""
    actor = person_of(request)
    codes = [code for code, _label in _region_choices(actor)]
    code = request.GET.get("community", "")
    items = _item_choices(Region.objects.get(code=code)) if code in codes else []
    return render(request, "activities/partials/rule_items.html", {"items": items})


@console_view
def manage(request: HttpRequest, activity_id: int) -> HttpResponse:
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    region = activity.region
    signups = paginate(request, selectors.signups_of(activity), per_page=25)
    return render(
        request,
        "activities/console/manage.html",
        {
            "activity": activity,
            "board": selectors.board(activity),
            "terms": selectors.item_terms(activity),
            "signups": signups,
            "can_manage": authz.can(actor, authz.MANAGE_ACTIVITIES, region),
            "can_approve": authz.can(actor, authz.APPROVE_ACTIVITIES, region),
            "started": timezone.now() >= activity.starts_at,
            "reason_form": ReasonForm(),
            "comment_form": CommentForm(),
            "may_edit": _may_edit(activity),
            "history": selectors.history(activity),
            "signup_form": SignupForm(),
            "flags": selectors.flags(activity),
            "claims_made": selectors.claims_made(activity),
        },
    )


def _act(
    request: HttpRequest, activity_id: int, do: Callable[[Person, Activity], Any], done: str
) -> HttpResponse:
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    try:
        do(actor, activity)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, done)
    return redirect("activities:manage", activity_id=activity.pk)


@console_view
@require_POST
def submit(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _act(
        request,
        activity_id,
        lambda actor, activity: services.submit_activity(actor=actor, activity=activity),
        _("Submitted for filing: a reviewer approves it next."),
    )


@console_view
@require_POST
def approve(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _act(
        request,
        activity_id,
        lambda actor, activity: services.approve_activity(actor=actor, activity=activity),
        _("The filing is approved: the activity is published and residents can sign up."),
    )


@console_view
@require_POST
def cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _act(
        request,
        activity_id,
        lambda actor, activity: services.cancel_activity(
            actor=actor, activity=activity, reason=request.POST.get("reason", "")
        ),
        _("The activity is cancelled; everyone signed up is told."),
    )


@console_view
@require_POST
def close(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _act(
        request,
        activity_id,
        lambda actor, activity: services.close_activity(actor=actor, activity=activity),
        _("The activity is closed: each attendance is now a claim waiting for review."),
    )


def _find_person(actor: Person, text: str) -> Person:
    """The one resident in the actor's reach with this volunteer number or phone."""
    matches = _people_matching(actor, text)
    if not matches:
        raise NotFound(
            _("Nobody in your communities has this volunteer number or phone."), field="who"
        )
    if len(matches) > 1:
        raise InvalidInput(
            _("Several residents match: %(names)s. Please give the volunteer number."),
            field="who",
            params={"names": "、".join(f"{p.name} {p.volunteer_no}" for p in matches[:5])},
        )
    return matches[0]


@console_view
@require_POST
def staff_sign_up(request: HttpRequest, activity_id: int) -> HttpResponse:
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    try:
        person = _find_person(actor, request.POST.get("who", ""))
        signup = services.sign_up(actor=actor, activity=activity, person=person)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        text = (
            _("%(name)s is signed up.")
            if signup.status == SignupStatus.CONFIRMED
            else _("%(name)s is on the waiting list.")
        )
        messages.success(request, text % {"name": person.name})
    return redirect("activities:manage", activity_id=activity.pk)


@console_view
@require_POST
def staff_withdraw(request: HttpRequest, activity_id: int, person_id: int) -> HttpResponse:
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    person = get_person_for(actor, person_id)
    try:
        services.withdraw(actor=actor, activity=activity, person=person)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("%(name)s has withdrawn.") % {"name": person.name})
    return redirect("activities:manage", activity_id=activity.pk)


@console_view
def who(request: HttpRequest) -> HttpResponse:
    """As staff type a number: whom it names (an htmx hint under the field)."""
    actor = person_of(request)
    text = request.GET.get("who", "").strip()
    matches = _people_matching(actor, text) if len(text) >= 4 else []
    return render(request, "activities/partials/who.html", {"matches": matches[:5], "text": text})


# --- Staff: attendance ---------------------------------------------------------------------


@console_view
def board(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Who came, how, and who is still there; htmx refreshes it every 5 seconds."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    page = paginate(request, selectors.attendances_of(activity), per_page=50)
    flags = selectors.flags_by_attendance(activity)
    context = {
        "activity": activity,
        "board": selectors.board(activity),
        "page": page,
        "rows": [
            Row(a, selectors.attendance_hours(a, activity), flags=tuple(flags.get(a.pk, ())))
            for a in page
        ],
        "live": activity.status == Status.PUBLISHED,
        "now": timezone.now(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "activities/console/partials/board.html", context)
    return render(request, "activities/console/board.html", context)


@console_view
def paper(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Type in a paper sign-in sheet, one line at a time; each is audited."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    form = PaperForm(
        request.POST or None,
        initial={"checkin_at": activity.starts_at, "checkout_at": activity.ends_at},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = _find_person(actor, data["who"])
            services.record_attendance(
                actor=actor,
                activity=activity,
                person=person,
                checkin_at=data["checkin_at"],
                checkout_at=data["checkout_at"],
                note=data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s's attendance is recorded.") % {"name": person.name}
            )
            return redirect("activities:paper", activity_id=activity.pk)
    page = paginate(
        request, selectors.attendances_of(activity).filter(method=Method.PAPER), per_page=25
    )
    return render(
        request,
        "activities/console/paper.html",
        {"activity": activity, "form": form, "page": page},
    )


@console_view
def scan(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The organiser's phone scans volunteers' cards (camera, or typed code)."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    if request.method != "POST":
        return render(request, "activities/console/scan.html", {"activity": activity})
    mode = "out" if request.POST.get("mode") == "out" else "in"
    code = request.POST.get("code", "")
    person = person_from_card(code)  # its QR, or the code printed under it typed
    attendance, error = None, ""
    try:
        if person is None and is_volunteer_no(code):
            raise InvalidInput(
                _(
                    "A volunteer number alone is not enough: type the whole code printed "
                    "under the card's QR code (the number and the 8 letters and digits after it)."
                )
            )
        if person is None:
            raise InvalidInput(_("This is not a volunteer card of this platform."))
        if mode == "out":
            attendance = services.check_out(
                actor=actor, activity=activity, person=person, card=True
            )
        else:
            attendance = services.check_in(
                actor=actor,
                activity=activity,
                person=person,
                card=True,
                device=request.POST.get("device", ""),
            )
    except DomainError as exc:
        error = exc.render()
    return render(
        request,
        "activities/console/partials/scan_result.html",
        {"person": person, "attendance": attendance, "error": error, "mode": mode},
    )


def _qr_context(request: HttpRequest, actor: Person, activity: Activity) -> dict[str, Any]:
    token, seconds = services.qr_token(actor=actor, activity=activity)
    url = _checkin_url(request, activity, token)
    svg = segno.make(url, error="m").svg_inline(
        border=2, omitsize=True, svgclass="qr-svg", title=_("QR code to check in")
    )
    return {"activity": activity, "token": token, "seconds": seconds, "url": url, "svg": svg}


@console_view
def qr(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Full screen, on the organiser's phone or a big screen: the code turns every 30 s."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    return render(request, "activities/console/qr.html", _qr_context(request, actor, activity))


# htmx stops polling on this status: the activity closed, nothing more to show.
STOP_POLLING = 286


@console_view
def qr_code(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The QR partial; 204 (htmx keeps what it shows) while the code has not turned."""
    actor = person_of(request)
    activity = _console_one(actor, activity_id)
    try:
        context = _qr_context(request, actor, activity)
    except DomainError as exc:
        return render(
            request,
            "activities/console/partials/qr_closed.html",
            {"activity": activity, "text": exc.render()},
            status=STOP_POLLING,
        )
    if request.GET.get("t") == context["token"]:
        return HttpResponse(status=204)
    return render(request, "activities/console/partials/qr_code.html", context)


@console_view
def person_card(request: HttpRequest, person_id: int) -> HttpResponse:
    """Staff print the card of a resident (who may have no phone of their own)."""
    actor = person_of(request)
    person = get_person_for(actor, person_id)
    authz.require_over_person(actor, authz.VIEW_PERSON, person)
    return _card_response(person)
