"""Writes of activities: filing, recruitment, attendance, closing. One transaction each.

Integrity of attendance rests on the database as much as on this code: one
attendance per person and activity (a second check-in finds it), one open
attendance per person (two check-ins at once cannot both open), check-out after
check-in. The checks here give the clear error; the constraints make a race harmless.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jifen.activities import hours as rules
from jifen.activities import selectors, tokens
from jifen.activities.models import (
    EDITABLE,
    Activity,
    Attendance,
    Method,
    Signup,
    SignupStatus,
    Status,
    may_step,
)
from jifen.audit import labels
from jifen.audit.services import record
from jifen.claims import services as claims
from jifen.claims.models import Claim, Provenance, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.lib import notify
from jifen.lib.bounds import check_date
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Organization, Person, Team
from jifen.points.models import RuleItem, Unit
from jifen.points.services import policy_for, price
from jifen.regions.models import Level, Region

MAX_CAPACITY = 10_000
OPEN = (Status.PUBLISHED,)


# --- Filing ------------------------------------------------------------------------------


def _clean_text(
    value: str, field: str, limit: int, required: bool = True, *, lines: bool = True
) -> str:
    # A title, place or tags are one line; a description, risk notes, a reason or a
    # note keep their line breaks.
    return clean_field(value, field, limit, required=required, lines=lines)


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput(_("Times need a time zone."), field="starts_at")
    check_date(starts_at, "starts_at")
    check_date(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("The activity must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(days=7):
        raise InvalidInput(_("An activity lasts at most 7 days."), field="ends_at")
    if ends_at <= timezone.now():
        raise InvalidInput(_("This time window is already over."), field="ends_at")


def _check_capacity(capacity: Any) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidInput(_("The capacity is a whole number."), field="capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(
            _("The capacity is from 1 to %(max)s people."),
            field="capacity",
            params={"max": MAX_CAPACITY},
        )
    return capacity


@transaction.atomic
def create_activity(
    *,
    actor: Person,
    region: Region,
    title: str,
    rule_item_id: int | str | None,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    place: str = "",
    description: str = "",
    team: Team | None = None,
    organization: Organization | None = None,
    tags: str = "",
    min_age: int | None = None,
    risk_notes: str = "",
    needs_insurance: bool = False,
) -> Activity:
    """A draft, filed by staff of the community (or of the town, for a town-wide one)."""
    authz.require(actor, authz.MANAGE_ACTIVITIES, region)
    if region.level not in (Level.COMMUNITY, Level.TOWN):
        raise InvalidInput(
            _("An activity belongs to a community or, town-wide, to a town."), field="community"
        )
    _check_window(starts_at, ends_at)
    for group in (team, organization):
        if (
            group is not None
            and not group.region.is_within(region)
            and not region.is_within(group.region)
        ):
            raise InvalidInput(_("The organiser is not of this region."), field="organiser")
    if min_age is not None and not 0 < min_age < 120:
        raise InvalidInput(_("The minimum age is from 1 to 119."), field="min_age")
    activity = Activity.objects.create(
        title=_clean_text(title, "title", 100, lines=False),
        description=_clean_text(description, "description", 2000, required=False),
        region=region,
        place=_clean_text(place, "place", 200, required=False, lines=False),
        rule_item=claims.rule_item_for(region, rule_item_id),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=_check_capacity(capacity),
        organiser=actor,
        team=team,
        organization=organization,
        tags=_clean_text(tags, "tags", 200, required=False, lines=False),
        min_age=min_age,
        risk_notes=_clean_text(risk_notes, "risk_notes", 500, required=False),
        needs_insurance=needs_insurance,
    )
    record(
        actor=actor,
        action="activity.create",
        target=activity,
        region=region,
        after={
            "title": activity.title,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "capacity": activity.capacity,
            "item": activity.rule_item.code,
        },
    )
    return activity


def _locked(activity: Activity | int) -> Activity:
    pk = activity.pk if isinstance(activity, Activity) else activity
    try:
        return (
            Activity.objects.select_for_update(of=("self",))
            .select_related("region", "rule_item")
            .get(pk=pk)
        )
    except Activity.DoesNotExist:
        raise NotFound(_("There is no such activity.")) from None


def _wrong_status(activity: Activity, message: Any) -> Conflict:
    return Conflict(
        message,
        code="wrong_status",
        params={"status": activity.get_status_display()},
    )


def _move(activity: Activity, actor: Person, to: str, action: str, **after: Any) -> Activity:
    """One step of the lifecycle (models.STEPS has checked it), audited."""
    before = activity.status
    activity.status = to
    activity.save()
    record(
        actor=actor,
        action=action,
        target=activity,
        region=activity.region,
        before={"status": before},
        after={"status": to, **after},
    )
    return activity


@transaction.atomic
def submit_activity(*, actor: Person, activity: Activity | int) -> Activity:
    """Send a draft for filing (备案), or a filing sent back once its comments are dealt with."""
    activity = _locked(activity)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    if not may_step(activity.status, Status.SUBMITTED):
        raise _wrong_status(
            activity, _("Only a draft or a filing sent back can be submitted (it is %(status)s).")
        )
    return _move(
        activity,
        actor,
        Status.SUBMITTED,
        "activity.resubmit" if activity.status == Status.RETURNED else "activity.submit",
    )


@transaction.atomic
def approve_activity(*, actor: Person, activity: Activity | int) -> Activity:
    """A reviewer approves the filing; the activity is published and recruits."""
    activity = _locked(activity)
    authz.require(actor, authz.APPROVE_ACTIVITIES, activity.region)
    if not may_step(activity.status, Status.PUBLISHED):
        raise _wrong_status(
            activity, _("Only a draft or submitted activity can be approved (it is %(status)s).")
        )
    if activity.ends_at <= timezone.now():
        raise Conflict(_("This activity is already over."), code="wrong_status")
    activity.approved_by = actor
    return _move(activity, actor, Status.PUBLISHED, "activity.approve")


def _tell(
    people: list[Person], subject: Any, body: Any, *, kind: str = "", url: str = "", **params: Any
) -> None:
    # Kept as each person's notice in this transaction; the backend hears after commit.
    # Said with message ids (notices.texts): each reader reads it in their language.
    title, text = say(subject, **params), say(body, **params)
    notices.send([notify.Message(p, title, text, kind=kind, url=url) for p in people])


@transaction.atomic
def cancel_activity(*, actor: Person, activity: Activity | int, reason: str) -> Activity:
    """Cancelled before it closes; everyone signed up is told."""
    activity = _locked(activity)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    if not may_step(activity.status, Status.CANCELLED):
        raise _wrong_status(activity, _("This activity can no longer be cancelled."))
    if activity.attendances.exists():
        raise Conflict(
            _("People have already checked in; close the activity instead."), code="wrong_status"
        )
    reason = _clean_text(reason, "reason", 200)
    activity.cancel_reason = reason
    _move(activity, actor, Status.CANCELLED, "activity.cancel", reason=reason)
    signed = [
        s.person
        for s in activity.signups.exclude(status=SignupStatus.WITHDRAWN).select_related("person")
    ]
    _tell(
        signed,
        _("Activity cancelled: %(title)s"),
        _("%(title)s on %(date)s is cancelled: %(reason)s"),
        kind="activity_cancelled",
        url=reverse("activities:detail", args=[activity.pk]),
        title=activity.title,
        date=timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
        reason=reason,
    )
    return activity


@transaction.atomic
def return_activity(*, actor: Person, activity: Activity | int, comment: str) -> Activity:
    """A reviewer sends a filing back to staff with comments; staff see them on the
    activity, fix it and submit it again."""
    activity = _locked(activity)
    authz.require(actor, authz.APPROVE_ACTIVITIES, activity.region)
    if not may_step(activity.status, Status.RETURNED):
        raise _wrong_status(
            activity, _("Only a filing waiting for approval can be sent back (it is %(status)s).")
        )
    comment = _clean_text(comment, "comment", 500)
    activity.review_comment = comment
    activity.returned_by = actor
    activity.returned_at = timezone.now()
    _move(activity, actor, Status.RETURNED, "activity.return", comment=comment)
    _tell(
        [activity.organiser],
        _("Filing sent back: %(title)s"),
        _(
            "The review group sent %(title)s back: %(comment)s Please make the changes and "
            "submit it again."
        ),
        title=activity.title,
        comment=comment,
    )
    return activity


# --- Editing --------------------------------------------------------------------------------

# What staff may change, and how each is kept in the audit log.
EDIT_FIELDS = (
    "title",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "rule_item",
    "description",
    "team",
    "organization",
    "tags",
    "min_age",
    "risk_notes",
    "needs_insurance",
)
# Once somebody has checked in, these would change the hours or points they earned.
FIXED_AFTER_CHECKIN = ("starts_at", "ends_at", "rule_item")


def _audit_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Team | Organization):
        return value.name
    if isinstance(value, RuleItem):
        return value.code
    return value


def _cleaned(activity: Activity, name: str, value: Any) -> Any:
    """One edited field, checked as ``create_activity`` checks it."""
    if name in ("title", "place", "tags"):
        limit = {"title": 100, "place": 200, "tags": 200}[name]
        return _clean_text(value or "", name, limit, required=name == "title", lines=False)
    if name in ("description", "risk_notes"):
        limit = {"description": 2000, "risk_notes": 500}[name]
        return _clean_text(value or "", name, limit, required=False)
    if name in ("starts_at", "ends_at"):
        if not isinstance(value, datetime):
            raise InvalidInput(_("This is not a time."), field=name)
        return value
    if name == "capacity":
        return _check_capacity(value)
    if name == "rule_item":
        if str(value) == str(activity.rule_item_id):  # kept, even if retired meanwhile
            return activity.rule_item
        return claims.rule_item_for(activity.region, value)
    if name == "min_age":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 120
        ):
            raise InvalidInput(_("The minimum age is from 1 to 119."), field="min_age")
        return value
    if name == "needs_insurance":
        return bool(value)
    # team, organization: a group of the activity's region (or above or below it).
    if value is not None and not (
        value.region.is_within(activity.region) or activity.region.is_within(value.region)
    ):
        raise InvalidInput(_("The organiser is not of this region."), field=name)
    return value


def _not_editable(activity: Activity) -> Conflict:
    if activity.status == Status.CANCELLED:
        message = _("This activity is cancelled; it can no longer be edited.")
    elif activity.status in (Status.CLOSED, Status.SETTLED):
        message = _("This activity is finished; it can no longer be edited.")
    else:
        message = _("This activity is over; it can no longer be edited. Close it instead.")
    return Conflict(message, code="not_editable")


@transaction.atomic
def update_activity(
    *, actor: Person, activity: Activity | int, changes: dict[str, Any]
) -> Activity:
    """Staff change an activity. Before publication freely; once published the change is
    audited (before → after) and everyone signed up is told. Refused: a finished or
    cancelled activity, another time window or service item once somebody has checked
    in, fewer places than confirmed signups. More places move the waiting list up."""
    activity = _locked(activity)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    unknown = sorted(set(changes) - set(EDIT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("%(field)s cannot be changed."), field=unknown[0], params={"field": unknown[0]}
        )
    if activity.status not in EDITABLE or (
        activity.status == Status.PUBLISHED and activity.ends_at <= timezone.now()
    ):
        raise _not_editable(activity)
    new = {name: _cleaned(activity, name, value) for name, value in changes.items()}
    old = {name: getattr(activity, name) for name in new}
    changed = [name for name in EDIT_FIELDS if name in new and new[name] != old[name]]
    if not changed:
        return activity
    if any(name in changed for name in FIXED_AFTER_CHECKIN) and activity.attendances.exists():
        raise Conflict(
            _(
                "People have already checked in, so the time and the service item can no "
                "longer change."
            ),
            code="has_checkins",
            field=next(name for name in changed if name in FIXED_AFTER_CHECKIN),
        )
    if "starts_at" in changed or "ends_at" in changed:
        _check_window(
            new.get("starts_at", activity.starts_at), new.get("ends_at", activity.ends_at)
        )
    signups = activity.signups.exclude(status=SignupStatus.WITHDRAWN)
    if "capacity" in changed:
        confirmed = signups.filter(status=SignupStatus.CONFIRMED).count()
        if new["capacity"] < confirmed:
            raise Conflict(
                _(
                    "%(n)s people are already signed up: the places cannot be fewer. "
                    "Withdraw some first, or keep the places."
                ),
                code="below_signups",
                field="capacity",
                params={"n": confirmed},
            )
    for name in changed:
        setattr(activity, name, new[name])
    activity.save()
    before = {name: _audit_value(old[name]) for name in changed}
    after = {name: _audit_value(new[name]) for name in changed}
    record(
        actor=actor,
        action="activity.update",
        target=activity,
        region=activity.region,
        before=before,
        after=after,
    )
    if activity.status == Status.PUBLISHED:
        if "capacity" in changed and new["capacity"] > old["capacity"]:
            _fill_places(activity)
        _tell_changed(activity, list(signups.select_related("person")), before, after)
    return activity


def _fill_places(activity: Activity) -> None:
    """More places: the waiting list moves up, in order, and those moved up are told."""
    signups = activity.signups.exclude(status=SignupStatus.WITHDRAWN)
    free = activity.capacity - signups.filter(status=SignupStatus.CONFIRMED).count()
    if free <= 0:
        return
    waiting = list(
        signups.filter(status=SignupStatus.WAITLISTED)
        .select_related("person")
        .order_by("created_at", "id")[:free]
    )
    for signup in waiting:
        signup.status = SignupStatus.CONFIRMED
        signup.save(update_fields=["status"])
        record(
            actor=None,
            action="activity.promote",
            target=activity,
            region=activity.region,
            after={"volunteer": signup.person.volunteer_no},
        )
    _tell(
        [s.person for s in waiting],
        _("A place for you: %(title)s"),
        _("A place opened up: you are now confirmed for %(title)s on %(date)s."),
        title=activity.title,
        date=timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
    )


def _tell_changed(
    activity: Activity, signups: list[Signup], before: dict[str, Any], after: dict[str, Any]
) -> None:
    """The one notice of a changed activity, to everyone signed up (confirmed or waiting)."""
    _tell(
        [s.person for s in signups],
        _("Activity changed: %(title)s"),
        _(
            "%(title)s has changed. %(changes)s. If you can no longer come, please withdraw "
            "so that someone else can take your place."
        ),
        title=activity.title,
        changes=lazy(labels.changes_text, str)("activity.update", before, after),
    )


# --- Recruitment ---------------------------------------------------------------------------


def _require_open(activity: Activity) -> None:
    if activity.status not in OPEN:
        raise Conflict(
            _("This activity is not open (%(status)s)."),
            code="not_open",
            params={"status": activity.get_status_display()},
        )


def _may_join(person: Person, activity: Activity) -> None:
    if person.community is None or not person.community.is_within(activity.region):
        raise PermissionDenied(
            _("This activity is for residents of %(region)s."),
            params={"region": activity.region.name},
        )
    if activity.min_age and person.birth_date:
        today = timezone.localdate()
        age = (
            today.year
            - person.birth_date.year
            - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
        )
        if age < activity.min_age:
            raise Conflict(
                _("This activity is for volunteers aged %(age)s or more."),
                code="too_young",
                params={"age": activity.min_age},
            )


def _acting_on(actor: Person, person: Person | None, activity: Activity) -> tuple[Person, bool]:
    """(the person concerned, whether staff act for them)."""
    if person is None or person.pk == actor.pk:
        return actor, False
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    return person, True


@transaction.atomic
def sign_up(*, actor: Person, activity: Activity | int, person: Person | None = None) -> Signup:
    """Confirmed while places are left, then on the waiting list (as long as the
    capacity); after that ``activity_full``. Signing up twice returns the first signup."""
    activity = _locked(activity)
    person, by_staff = _acting_on(actor, person, activity)
    _require_open(activity)
    if timezone.now() >= activity.ends_at:
        raise Conflict(_("This activity is over."), code="not_open")
    _may_join(person, activity)
    existing = activity.signups.exclude(status=SignupStatus.WITHDRAWN).filter(person=person).first()
    if existing is not None:
        return existing
    active = activity.signups.exclude(status=SignupStatus.WITHDRAWN)
    confirmed = active.filter(status=SignupStatus.CONFIRMED).count()
    if confirmed < activity.capacity:
        status = SignupStatus.CONFIRMED
    elif active.filter(status=SignupStatus.WAITLISTED).count() < activity.capacity:
        status = SignupStatus.WAITLISTED
    else:
        raise Conflict(_("This activity is full."), code="activity_full")
    signup = Signup.objects.create(
        activity=activity,
        person=person,
        status=status,
        signed_up_by=actor if by_staff else None,
    )
    record(
        actor=actor,
        action="activity.signup",
        target=activity,
        region=activity.region,
        on_behalf_of=person if by_staff else None,
        after={"volunteer": person.volunteer_no, "status": status},
    )
    return signup


@transaction.atomic
def withdraw(*, actor: Person, activity: Activity | int, person: Person | None = None) -> Signup:
    """Before the start only; the first on the waiting list moves up and is told."""
    activity = _locked(activity)
    person, by_staff = _acting_on(actor, person, activity)
    _require_open(activity)  # a cancelled activity promotes nobody
    signup = activity.signups.exclude(status=SignupStatus.WITHDRAWN).filter(person=person).first()
    if signup is None:
        raise NotFound(_("This person has not signed up for the activity."))
    if timezone.now() >= activity.starts_at:
        raise Conflict(_("The activity has started; it is too late to withdraw."), code="started")
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.WITHDRAWN
    signup.withdrawn_at = timezone.now()
    signup.save()
    record(
        actor=actor,
        action="activity.withdraw",
        target=activity,
        region=activity.region,
        on_behalf_of=person if by_staff else None,
        after={"volunteer": person.volunteer_no},
    )
    if was_confirmed:
        promoted = (
            activity.signups.filter(status=SignupStatus.WAITLISTED)
            .select_related("person")
            .order_by("created_at", "id")
            .first()
        )
        if promoted is not None:
            promoted.status = SignupStatus.CONFIRMED
            promoted.save()
            record(
                actor=None,
                action="activity.promote",
                target=activity,
                region=activity.region,
                after={"volunteer": promoted.person.volunteer_no},
            )
            _tell(
                [promoted.person],
                _("A place for you: %(title)s"),
                _("A place opened up: you are now confirmed for %(title)s on %(date)s."),
                kind="activity_place",
                url=reverse("activities:detail", args=[activity.pk]),
                title=activity.title,
                date=timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
            )
    return signup


# --- Attendance ---------------------------------------------------------------------------


def _outside() -> Conflict:
    return Conflict(
        _("This is outside the activity's time for checking in and out."), code="outside_window"
    )


def _overlapping() -> Conflict:
    return Conflict(
        _("This person is already attending another activity at that time."),
        code="overlapping_attendance",
    )


def _check_token(activity: Activity, token: str) -> None:
    verdict = tokens.check(activity.pk, activity.qr_secret, token)
    if verdict == "expired":
        raise Conflict(
            _("This QR code has expired; please scan the code on the screen again."),
            code="token_expired",
        )
    if verdict != "ok":
        raise InvalidInput(_("This is not the QR code of this activity."), code="invalid_token")


def _ensure_place(activity: Activity, person: Person) -> None:
    """Walk-ins are welcome while places are left; a confirmed signup always is."""
    status = selectors.signup_status(activity.pk, person.pk)
    if status == SignupStatus.CONFIRMED:
        return
    _may_join(person, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)  # places are counted
    signups = activity.signups.exclude(status=SignupStatus.WITHDRAWN)
    if signups.filter(status=SignupStatus.CONFIRMED).count() >= locked.capacity:
        raise Conflict(_("This activity is full."), code="activity_full")
    if status is not None:
        signups.filter(person=person).update(status=SignupStatus.CONFIRMED)
    else:
        Signup.objects.create(activity=activity, person=person, status=SignupStatus.CONFIRMED)


def _checkout_forgotten(person: Person, now: datetime) -> None:
    """An attendance left open at an activity that has ended is checked out at the window's
    end, as closing or ``jifen tick`` would do later; otherwise the one open attendance a
    person may have would keep them out of every later activity until then."""
    forgotten = Attendance.objects.filter(
        person=person, checkout_at__isnull=True, activity__ends_at__lte=now
    ).select_related("activity")
    for attendance in forgotten.select_for_update(of=("self",)):
        ends_at = attendance.activity.ends_at
        attendance.checkout_at = max(ends_at, attendance.checkin_at + timedelta(seconds=1))
        attendance.auto_checkout = True
        attendance.save(update_fields=["checkout_at", "auto_checkout"])


def _who(
    actor: Person, activity: Activity, token: str, person: Person | None, card: bool
) -> tuple[Person, str, Person | None]:
    """(person, method, recorded_by) for a check-in or check-out."""
    if person is not None and person.pk != actor.pk:
        authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
        return person, (Method.CARD if card else Method.STAFF), actor
    _check_token(activity, token)
    return actor, Method.QR, None


def check_in(
    *,
    actor: Person,
    activity: Activity | int,
    token: str = "",
    person: Person | None = None,
    card: bool = False,
    device: str = "",
) -> Attendance:
    """Now, by the activity's QR code (the volunteer) or by staff for a person (their
    card scanned, or their name chosen). A second check-in returns the first."""
    attendance, _created = get_or_check_in(
        actor=actor, activity=activity, token=token, person=person, card=card, device=device
    )
    return attendance


def get_or_check_in(
    *,
    actor: Person,
    activity: Activity | int,
    token: str = "",
    person: Person | None = None,
    card: bool = False,
    device: str = "",
) -> tuple[Attendance, bool]:
    """``check_in``, telling whether this call checked in (as ``get_or_create`` does).
    An activity passed as a model is used as read (with its region), not read again."""
    activity_id = activity.pk if isinstance(activity, Activity) else activity
    try:
        return _check_in(
            actor=actor,
            activity=activity,
            token=token,
            person=person,
            card=card,
            device=device,
        )
    except IntegrityError:
        # Lost a race: the same check-in (idempotent) or an open one elsewhere.
        who = person or actor
        existing = Attendance.objects.filter(activity_id=activity_id, person=who).first()
        if existing is not None:
            return existing, False
        raise _overlapping() from None


@transaction.atomic
def _check_in(
    *,
    actor: Person,
    activity: Activity | int,
    token: str,
    person: Person | None,
    card: bool,
    device: str,
) -> tuple[Attendance, bool]:
    if not isinstance(activity, Activity):
        found = selectors.activity_with_region(activity)
        if found is None:
            raise NotFound(_("There is no such activity."))
        activity = found
    who, method, recorded_by = _who(actor, activity, token, person, card)
    now = timezone.now()
    # One read of the person's attendances that matter (a whole crowd checks in at once).
    mine = selectors.current_attendances(who.pk, activity.pk, now)
    existing = next((a for a in mine if a.activity_id == activity.pk), None)
    if existing is not None:
        return existing, False
    _require_open(activity)
    if not rules.checkin_allowed(now, activity.starts_at, activity.ends_at):
        raise _outside()
    if any(a.checkout_at is None and a.activity.ends_at <= now for a in mine):
        _checkout_forgotten(who, now)
        mine = selectors.current_attendances(who.pk, activity.pk, now)
    if mine:
        raise _overlapping()
    _ensure_place(activity, who)
    attendance = Attendance.objects.create(
        activity=activity,
        person=who,
        checkin_at=now,
        method=method,
        recorded_by=recorded_by,
        device=(device or "")[:64],
    )
    if recorded_by is not None:
        record(
            actor=actor,
            action="activity.checkin",
            target=activity,
            region=activity.region,
            on_behalf_of=who,
            after={"volunteer": who.volunteer_no, "method": method},
        )
    return attendance, True


@transaction.atomic
def check_out(
    *,
    actor: Person,
    activity: Activity | int,
    token: str = "",
    person: Person | None = None,
    card: bool = False,
) -> Attendance:
    """Now; before any check-in it is refused, a second check-out returns the first."""
    activity_id = activity.pk if isinstance(activity, Activity) else activity
    found = Activity.objects.select_related("region").filter(pk=activity_id).first()
    if found is None:
        raise NotFound(_("There is no such activity."))
    who, method, recorded_by = _who(actor, found, token, person, card)
    attendance = Attendance.objects.select_for_update().filter(activity=found, person=who).first()
    if attendance is None:
        raise Conflict(_("Please check in first."), code="not_checked_in")
    if attendance.checkout_at is not None:
        return attendance
    now = timezone.now()
    if not rules.checkout_allowed(now, found.starts_at, found.ends_at):
        raise _outside()
    if now <= attendance.checkin_at:
        raise Conflict(_("Please check in first."), code="not_checked_in")
    attendance.checkout_at = now
    attendance.checkout_method = method
    attendance.save(update_fields=["checkout_at", "checkout_method"])
    return attendance


@transaction.atomic
def record_attendance(
    *,
    actor: Person,
    activity: Activity | int,
    person: Person,
    checkin_at: datetime,
    checkout_at: datetime,
    note: str = "",
) -> Attendance:
    """From a paper sign-in sheet, afterwards: audited and marked as from paper."""
    activity = _locked(activity)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    _require_open(activity)
    if timezone.is_naive(checkin_at) or timezone.is_naive(checkout_at):
        raise InvalidInput(_("Times need a time zone."), field="checkin_at")
    if checkout_at <= checkin_at:
        raise InvalidInput(_("Check-out must be after check-in."), field="checkout_at")
    if checkout_at > timezone.now():
        raise InvalidInput(_("A paper sheet records times that have passed."), field="checkout_at")
    if not (
        rules.checkin_allowed(checkin_at, activity.starts_at, activity.ends_at)
        and rules.checkout_allowed(checkout_at, activity.starts_at, activity.ends_at)
    ):
        raise _outside()
    if Attendance.objects.filter(activity=activity, person=person).exists():
        raise Conflict(_("This person's attendance is already recorded."), code="already_recorded")
    clash = Attendance.objects.filter(person=person, checkin_at__lt=checkout_at).filter(
        checkout_at__isnull=True
    ) | Attendance.objects.filter(
        person=person, checkin_at__lt=checkout_at, checkout_at__gt=checkin_at
    )
    if clash.exists():
        raise _overlapping()
    _ensure_place(activity, person)
    attendance = Attendance.objects.create(
        activity=activity,
        person=person,
        checkin_at=checkin_at,
        checkout_at=checkout_at,
        method=Method.PAPER,
        checkout_method=Method.PAPER,
        recorded_by=actor,
        note=_clean_text(note, "note", 200, required=False),
    )
    record(
        actor=actor,
        action="activity.attendance.paper",
        target=activity,
        region=activity.region,
        on_behalf_of=person,
        after={
            "volunteer": person.volunteer_no,
            "checkin_at": checkin_at.isoformat(),
            "checkout_at": checkout_at.isoformat(),
            "note": attendance.note,
        },
    )
    return attendance


def _auto_checkout(activity: Activity, at: datetime) -> int:
    """Whoever forgot to check out is checked out at ``at`` (the window's end at most)."""
    open_ = Attendance.objects.filter(activity=activity, checkout_at__isnull=True)
    count = 0
    for attendance in open_.select_for_update():
        attendance.checkout_at = max(min(at, activity.ends_at), attendance.checkin_at)
        if attendance.checkout_at <= attendance.checkin_at:
            attendance.checkout_at = attendance.checkin_at + timedelta(seconds=1)
        attendance.auto_checkout = True
        attendance.save(update_fields=["checkout_at", "auto_checkout"])
        count += 1
    return count


@transaction.atomic
def close_activity(*, actor: Person, activity: Activity | int) -> Activity:
    """End it: open attendances are checked out, each attendance becomes a pending claim,
    verified on site, priced by the item's version on the day of service."""
    activity = _locked(activity)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    if not may_step(activity.status, Status.CLOSED):
        raise _wrong_status(activity, _("Only a published activity can be closed."))
    now = timezone.now()
    if now < activity.starts_at:
        raise Conflict(_("The activity has not started; cancel it instead."), code="not_started")
    auto = _auto_checkout(activity, now)
    activity.closed_at = now
    made = make_claims(activity, actor)
    _move(activity, actor, Status.CLOSED, "activity.close", claims=made, auto_checkout=auto)
    return activity


def make_claims(activity: Activity, actor: Person | None) -> int:
    """One pending claim per attendance and day of service that earned something
    (idempotent: a claim per source record and day)."""
    # A town-wide activity has the defaults unless the town has a policy row.
    min_share = policy_for(activity.region).attendance_min_share
    made = 0
    description = gettext("%(title)s · %(place)s") % {
        "title": activity.title,
        "place": activity.place,
    }
    for attendance in activity.attendances.select_related("person", "person__community"):
        assert attendance.checkout_at is not None  # noqa: S101 - checked out before
        if not rules.covers(
            attendance.checkin_at,
            attendance.checkout_at,
            activity.starts_at,
            activity.ends_at,
            min_share,
        ):
            continue
        days = rules.daily(
            attendance.checkin_at,
            attendance.checkout_at,
            activity.starts_at,
            activity.ends_at,
            timezone.get_current_timezone(),
        )
        # One claim is one day's service (an activity may last days; a claim is at most
        # claims.MAX_HOURS): one claim per attendance and day.
        for day, served in days:
            version = price(activity.rule_item, day)
            quantity = served if version.unit == Unit.HOUR else Decimal(1)
            # Half an hour of a 1-point item is worth nothing: no claim (create_claim
            # would refuse it, and the closing with it).
            if attendance.person.community is None or claims.points_for(version, quantity) < 1:
                continue
            claims.create_claim(
                person=attendance.person,
                rule_item=activity.rule_item,
                quantity=quantity,
                occurred_on=day,
                description=description[:500],
                source=Source.ACTIVITY,
                source_id=attendance.pk,
                provenance=Provenance.ON_SITE,
                created_by=actor,
                check_age=False,
            )
            made += 1
    return made


def finish_overdue(now: datetime | None = None) -> int:
    """(From ``jifen tick``.) Check out whoever forgot, once the check-out grace is over."""
    now = now or timezone.now()
    count = 0
    overdue = Activity.objects.filter(status=Status.PUBLISHED, ends_at__lt=now - rules.LATE)
    for activity in overdue.filter(attendances__checkout_at__isnull=True).distinct():
        with transaction.atomic():
            count += _auto_checkout(activity, activity.ends_at)
    return count


def settle_closed() -> int:
    """(From ``jifen tick``.) A closed activity whose claims are all decided is settled."""
    settled = 0
    for activity in Activity.objects.filter(status=Status.CLOSED).select_related("region"):
        ids = activity.attendances.values("pk")
        if Claim.objects.filter(
            source=Source.ACTIVITY, source_id__in=ids, status=ClaimStatus.PENDING
        ).exists():
            continue
        with transaction.atomic():
            # Compare-and-set: a tick running twice settles (and records) it once.
            if Activity.objects.filter(pk=activity.pk, status=Status.CLOSED).update(
                status=Status.SETTLED
            ):
                record(
                    actor=None,
                    action="activity.settle",
                    target=activity,
                    region=activity.region,
                    before={"status": Status.CLOSED},
                    after={"status": Status.SETTLED},
                )
                settled += 1
    return settled


def qr_token(*, actor: Person, activity: Activity) -> tuple[str, int]:
    """The current code for the organiser's screen, and seconds until it turns."""
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    _require_open(activity)
    return tokens.make(activity.pk, activity.qr_secret), tokens.seconds_left()
