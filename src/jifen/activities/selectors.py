"""Reads of activities: what a resident may join, what staff run, who came, and the
signals a reviewer should look at before approving the claims an activity made.

Visibility, in one place for the API and the pages:

- a resident sees the published activities of their community and of the regions
  above it (a town-wide activity reaches every community of the town), and, once
  published, they stay visible after closing or cancelling; plus any activity they
  signed up for or attended;
- staff (and reviewers, who approve the filing) also see every activity of their
  regions, drafts included.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.activities.hours import hours
from jifen.activities.models import Activity, Attendance, Method, Signup, SignupStatus, Status
from jifen.audit import labels
from jifen.audit.models import AuditEvent
from jifen.claims.models import Claim, Source
from jifen.lib.errors import NotFound
from jifen.lib.rawrows import Columns, cache_related
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import RuleVersion
from jifen.regions.models import Region

# Statuses a resident may see: what was once published (drafts and filings are staff's).
PUBLIC = (Status.PUBLISHED, Status.CLOSED, Status.SETTLED, Status.CANCELLED)

# The reviewer's flags (see ``flags``).
DEVICE_LIMIT = 5  # one device checking in this many people by the QR code
LONG_FACTOR = (3, 2)  # an attendance longer than 3/2 of the activity's window
SAME_ORGANISER_MIN = 3  # attendances, every one recorded by the same organiser


def _managed_q(person: Person) -> Q:
    """Activities of the regions where the person files or approves activities."""
    return authz.regions_q(person, authz.MANAGE_ACTIVITIES, "region") | authz.regions_q(
        person, authz.APPROVE_ACTIVITIES, "region"
    )


def _home_q(person: Person) -> Q:
    """Activities of the person's community and of every region above it."""
    community = person.community
    if community is None:
        return Q(pk__in=[])
    return Q(region__code__in=community.ancestor_codes())


def _involved_q(person: Person) -> Q:
    signed = Signup.objects.filter(activity=OuterRef("pk"), person=person).exclude(
        status=SignupStatus.WITHDRAWN
    )
    attended = Attendance.objects.filter(activity=OuterRef("pk"), person=person)
    return Q(Exists(signed)) | Q(Exists(attended))


def _related(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.select_related(
        "region", "rule_item", "organiser", "team", "organization"
    ).prefetch_related("rule_item__versions")


def with_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity with ``confirmed``, ``waitlisted``, ``checked_in``, ``checked_out``."""
    # Signups and attendances are both one-to-many: without distinct, each signup would
    # be counted once per attendance.
    return activities.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
        waitlisted=Count(
            "signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True
        ),
        checked_in=Count("attendances", distinct=True),
        checked_out=Count(
            "attendances", filter=Q(attendances__checkout_at__isnull=False), distinct=True
        ),
    )


def visible_activities(person: Person) -> QuerySet[Activity]:
    """Activities the person may see: once published, those of their community and above;
    any status, those of their regions (staff, reviewers); those they joined."""
    return _related(
        Activity.objects.filter(
            (_home_q(person) & Q(status__in=PUBLIC)) | _managed_q(person) | _involved_q(person)
        )
    )


def open_activities(person: Person) -> QuerySet[Activity]:
    """Published activities (upcoming or in progress) the person can see, newest first."""
    return with_counts(
        visible_activities(person).filter(status=Status.PUBLISHED).order_by("-starts_at", "-id")
    )


def list_activities(person: Person, status: str = "") -> QuerySet[Activity]:
    """``status`` empty: the published ones (``open_activities``); otherwise the visible
    activities of that status (for staff: their regions' drafts, filings, closed ones)."""
    if not status:
        return open_activities(person)
    return with_counts(visible_activities(person).filter(status=status)).order_by(
        "-starts_at", "-id"
    )


def managed_activities(person: Person, status: str = "") -> QuerySet[Activity]:
    """The activities of the regions where the person organises activities."""
    activities = Activity.objects.filter(authz.regions_q(person, authz.MANAGE_ACTIVITIES, "region"))
    if status:
        activities = activities.filter(status=status)
    return with_counts(_related(activities)).order_by("-starts_at", "-id")


def get_activity_for(person: Person, activity_id: int) -> Activity:
    """The activity with its counts, when the person may see it; 404 otherwise."""
    activity = with_counts(visible_activities(person)).filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("There is no such activity, or you may not see it."))
    return activity


# A crowd checking in reads the activity and each person's attendances on every
# request: written once as SQL (``jifen.lib.rawrows``), since the ORM took longer to
# build these reads than the database to answer them.
_ACTIVITY = Columns(Activity, "a")
_REGION = Columns(Region, "r")
_ATTENDANCE = Columns(Attendance, "t")


@functools.cache
def _activity_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {_ACTIVITY.select}, {_REGION.select} FROM {_ACTIVITY.source} "  # noqa: S608 - names from the models; the values are parameters
        f"JOIN {_REGION.source} ON r.{quote('id')} = a.{quote('region_id')} "
        f"WHERE a.{quote('id')} = %s"
    )


def activity_with_region(activity_id: int) -> Activity | None:
    """``Activity.objects.select_related("region").filter(pk=…)``, or ``None``."""
    with connection.cursor() as cursor:
        cursor.execute(_activity_sql(connection.vendor), [activity_id])
        row = cursor.fetchone()
    if row is None:
        return None
    activity: Activity = _ACTIVITY.load(row)
    cache_related(activity, "region", _REGION.load(row, len(_ACTIVITY)))
    return activity


@functools.cache
def _current_attendances_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {_ATTENDANCE.select} FROM {_ATTENDANCE.source} "  # noqa: S608 - names from the models; the values are parameters
        f"WHERE t.{quote('person_id')} = %s AND (t.{quote('activity_id')} = %s "
        f"OR t.{quote('checkout_at')} IS NULL OR t.{quote('checkout_at')} > %s)"
    )


def current_attendances(person_id: int, activity_id: int, now: datetime) -> list[Attendance]:
    """The person's attendances that matter to a check-in at ``now``: the one at this
    activity (a repeat), and any open or ending after now (elsewhere at the same time,
    or a check-out forgotten at an activity that has ended)."""
    moment = Attendance._meta.get_field("checkout_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _current_attendances_sql(connection.vendor), [person_id, activity_id, moment]
        )
        rows = cursor.fetchall()
    return [_ATTENDANCE.load(row) for row in rows]


def signup_status(activity_id: int, person_id: int) -> str | None:
    """The status of the person's signup (not withdrawn; one at most, by a constraint)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('status')} FROM {quote(Signup._meta.db_table)} "  # noqa: S608 - names from the models; the values are parameters
            f"WHERE {quote('activity_id')} = %s AND {quote('person_id')} = %s "
            f"AND {quote('status')} <> %s",
            [activity_id, person_id, SignupStatus.WITHDRAWN],
        )
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def may_reach(person: Person, activity: Activity) -> bool:
    """May the person act on the activity at all (whatever its status)? Those of their
    community or above it, those they manage or approve, those they joined. The services
    then say whether the action is allowed now (``not_open``) and by whom. Decided in
    Python where it can be: a whole crowd checking in passes here on every request."""
    community = person.community
    if community is not None and community.is_within(activity.region):
        return True
    if may_oversee(person, activity):
        return True
    signed = Signup.objects.filter(activity=activity, person=person).exclude(
        status=SignupStatus.WITHDRAWN
    )
    return signed.exists() or Attendance.objects.filter(activity=activity, person=person).exists()


def get_reachable(person: Person, activity_id: int) -> Activity:
    """The activity for a write, when it is within the person's reach; 404 otherwise."""
    activity = activity_with_region(activity_id)
    if activity is None or not may_reach(person, activity):
        raise NotFound(_("There is no such activity, or you may not see it."))
    return activity


def may_manage(person: Person, activity: Activity) -> bool:
    return authz.can(person, authz.MANAGE_ACTIVITIES, activity.region)


def may_oversee(person: Person, activity: Activity) -> bool:
    """Staff of the region or its reviewers: they see who came and the flags."""
    return may_manage(person, activity) or authz.can(
        person, authz.APPROVE_ACTIVITIES, activity.region
    )


def phase(activity: Activity, now: datetime | None = None) -> str:
    """The status, with a published activity told apart by the clock:
    ``upcoming``, ``in_progress`` or ``ended`` (waiting to be closed)."""
    if activity.status != Status.PUBLISHED:
        return str(activity.status)
    now = now or timezone.now()
    if now < activity.starts_at:
        return "upcoming"
    if now < activity.ends_at:
        return "in_progress"
    return "ended"


@dataclass(frozen=True)
class Board:
    """The attendance board of an activity."""

    confirmed: int
    waitlisted: int
    checked_in: int
    checked_out: int
    present: int  # checked in and not out yet


def board(activity: Activity) -> Board:
    signups = Signup.objects.filter(activity=activity).aggregate(
        confirmed=Count("pk", filter=Q(status=SignupStatus.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=SignupStatus.WAITLISTED)),
    )
    attendances = Attendance.objects.filter(activity=activity).aggregate(
        checked_in=Count("pk"),
        checked_out=Count("pk", filter=Q(checkout_at__isnull=False)),
    )
    return Board(
        confirmed=signups["confirmed"],
        waitlisted=signups["waitlisted"],
        checked_in=attendances["checked_in"],
        checked_out=attendances["checked_out"],
        present=attendances["checked_in"] - attendances["checked_out"],
    )


def signups_of(activity: Activity) -> QuerySet[Signup]:
    """Confirmed, then waitlisted in the order they will move up; withdrawn ones left out."""
    return (
        Signup.objects.filter(activity=activity)
        .exclude(status=SignupStatus.WITHDRAWN)
        .select_related("person")
        .order_by("status", "created_at", "id")
    )


def signup_of(activity: Activity, person: Person) -> Signup | None:
    return (
        Signup.objects.filter(activity=activity, person=person)
        .exclude(status=SignupStatus.WITHDRAWN)
        .first()
    )


def attendances_of(activity: Activity) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(activity=activity)
        .select_related("person", "recorded_by")
        .order_by("checkin_at", "id")
    )


def attendance_hours(attendance: Attendance, activity: Activity | None = None) -> float | None:
    """Hours earned by the rules (clipped, down to the half hour); None while open."""
    activity = activity or attendance.activity
    if attendance.checkout_at is None:
        return None
    return float(
        hours(attendance.checkin_at, attendance.checkout_at, activity.starts_at, activity.ends_at)
    )


def my_signups(person: Person) -> QuerySet[Signup]:
    """The person's signups (withdrawn ones left out), the latest activity first."""
    return (
        Signup.objects.filter(person=person)
        .exclude(status=SignupStatus.WITHDRAWN)
        .select_related("activity", "activity__region")
        .order_by("-activity__starts_at", "-id")
    )


def my_attendances(person: Person) -> QuerySet[Attendance]:
    """Where the person checked in, newest first."""
    return (
        Attendance.objects.filter(person=person)
        .select_related("activity", "activity__region", "activity__rule_item")
        .order_by("-checkin_at", "-id")
    )


def my_activities(person: Person) -> QuerySet[Activity]:
    """Activities the person signed up for or attended, newest first."""
    return with_counts(_related(Activity.objects.filter(_involved_q(person)))).order_by(
        "-starts_at", "-id"
    )


def item_terms(activity: Activity) -> RuleVersion | None:
    """The terms of the activity's item on its first day (from the prefetched versions)."""
    versions = sorted(
        activity.rule_item.versions.all(), key=lambda v: (v.effective_from, v.version)
    )
    day = timezone.localtime(activity.starts_at).date()
    in_force = [v for v in versions if v.effective_from <= day]
    if in_force:
        return in_force[-1]
    return versions[0] if versions else None


def claims_made(activity: Activity) -> int:
    """How many claims the activity's attendances made (on closing)."""
    return Claim.objects.filter(
        source=Source.ACTIVITY,
        source_id__in=Attendance.objects.filter(activity=activity).values("pk"),
    ).count()


# --- Flags for reviewers ------------------------------------------------------------------


def _shared_devices(activity: Activity) -> dict[str, int]:
    """Devices that checked in at least ``DEVICE_LIMIT`` people by the QR code. (Cards and
    names are entered on the organiser's device: many people from one device is normal.)"""
    rows = (
        Attendance.objects.filter(activity=activity, method=Method.QR)
        .exclude(device="")
        .values("device")
        .annotate(people=Count("person", distinct=True))
        .filter(people__gte=DEVICE_LIMIT)
    )
    return {row["device"]: row["people"] for row in rows}


def _too_long(attendance: Attendance, activity: Activity) -> bool:
    """Raw attendance (before clipping) far longer than the activity's window."""
    if attendance.checkout_at is None:
        return False
    numerator, denominator = LONG_FACTOR
    raw = attendance.checkout_at - attendance.checkin_at
    return raw * denominator > (activity.ends_at - activity.starts_at) * numerator


def _captive(person_ids: list[int]) -> dict[int, tuple[int, int]]:
    """person id → (organiser id, attendances) for people of whom every attendance, at
    least ``SAME_ORGANISER_MIN`` of them, was recorded by one and the same organiser."""
    if not person_ids:
        return {}
    rows = (
        Attendance.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(
            total=Count("pk"),
            organisers=Count("recorded_by", distinct=True),
            unrecorded=Count("pk", filter=Q(recorded_by__isnull=True)),
        )
        .filter(total__gte=SAME_ORGANISER_MIN, organisers=1, unrecorded=0)
    )
    captive = {row["person_id"]: row["total"] for row in rows}
    if not captive:
        return {}
    organisers = dict(
        Attendance.objects.filter(person_id__in=captive)
        .values_list("person_id", "recorded_by_id")
        .distinct()
    )
    return {pid: (organisers[pid], total) for pid, total in captive.items()}


def _hours_text(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}"


def _attendance_flags(
    attendance: Attendance,
    activity: Activity,
    devices: dict[str, int],
    captive: dict[int, tuple[int, int]],
) -> list[str]:
    found = []
    if attendance.method == Method.QR and attendance.device in devices:
        found.append(
            _("Checked in from a device that checked in %(n)s people.")
            % {"n": devices[attendance.device]}
        )
    if _too_long(attendance, activity):
        assert attendance.checkout_at is not None  # noqa: S101 - _too_long checked it
        found.append(
            _("Attended %(hours)s hours of a %(window)s-hour activity.")
            % {
                "hours": _hours_text(attendance.checkout_at - attendance.checkin_at),
                "window": _hours_text(activity.ends_at - activity.starts_at),
            }
        )
    entry = captive.get(attendance.person_id)
    if entry is not None and entry[0] == attendance.recorded_by_id:
        organiser = attendance.recorded_by.name if attendance.recorded_by else "?"
        found.append(
            _("All %(n)s attendances of this volunteer were recorded by %(organiser)s.")
            % {"n": entry[1], "organiser": organiser}
        )
    return found


def flags_by_attendance(activity: Activity) -> dict[int, list[str]]:
    """attendance id → its flags, for the attendances that have any (three queries)."""
    attendances = list(attendances_of(activity))
    devices = _shared_devices(activity)
    captive = _captive(sorted({a.person_id for a in attendances if a.recorded_by_id}))
    result = {}
    for attendance in attendances:
        found = _attendance_flags(attendance, activity, devices, captive)
        if found:
            result[attendance.pk] = found
    return result


def attendance_flags(attendance: Attendance) -> list[str]:
    """What a reviewer should look at in this attendance (empty: nothing unusual)."""
    activity = attendance.activity
    devices = _shared_devices(activity) if attendance.method == Method.QR else {}
    captive = _captive([attendance.person_id]) if attendance.recorded_by_id else {}
    return _attendance_flags(attendance, activity, devices, captive)


def flags(activity: Activity) -> list[str]:
    """What a reviewer should look at in this activity, one line per signal:

    - one device checking in many people by the QR code (a phone passed round, or
      someone checking in friends who are not there);
    - attendances far longer than the activity (a forgotten check-out, or padding);
    - volunteers whose every attendance, in several activities, was recorded by the same
      organiser (nobody else ever saw them serve).
    """
    found = []
    for device, people in sorted(_shared_devices(activity).items()):
        found.append(
            _("One device checked in %(n)s people by the QR code (device %(device)s).")
            % {"n": people, "device": device[:12]}
        )
    attendances = list(attendances_of(activity))
    long_ones = [a for a in attendances if _too_long(a, activity)]
    if long_ones:
        found.append(
            _("%(n)s attendance(s) lasted more than 1.5 times the activity: %(names)s.")
            % {"n": len(long_ones), "names": "、".join(a.person.name for a in long_ones)}
        )
    captive = _captive(sorted({a.person_id for a in attendances if a.recorded_by_id}))
    for attendance in attendances:
        entry = captive.get(attendance.person_id)
        if entry is None or entry[0] != attendance.recorded_by_id:
            continue
        organiser = attendance.recorded_by.name if attendance.recorded_by else "?"
        found.append(
            _("%(name)s: all %(n)s attendances were recorded by %(organiser)s.")
            % {"name": attendance.person.name, "n": entry[1], "organiser": organiser}
        )
    return found


# --- To-do (待办, read by jifen.inbox) ---------------------------------------------------------


def worker_todo(
    person: Person, now: datetime | None = None
) -> dict[str, tuple[int, datetime | None]]:
    """{kind: (count, since when the oldest waits)} in one query whatever the number of
    activities: ``filings`` — submitted for filing in the regions where the person approves
    filings (since created; an activity does not record when it was submitted);
    ``filings_returned`` — sent back by a reviewer in the regions where they organise
    (since sent back); ``activities_to_close`` — published and ended there (since the end)."""
    approves = authz.can(person, authz.APPROVE_ACTIVITIES)
    manages = authz.can(person, authz.MANAGE_ACTIVITIES)
    if not (approves or manages):
        return {}
    now = now or timezone.now()
    filings = authz.regions_q(person, authz.APPROVE_ACTIVITIES, "region") & Q(
        status=Status.SUBMITTED
    )
    managed = authz.regions_q(person, authz.MANAGE_ACTIVITIES, "region")
    sent_back = managed & Q(status=Status.RETURNED)
    to_close = managed & Q(status=Status.PUBLISHED, ends_at__lt=now)
    row = Activity.objects.filter(filings | sent_back | to_close).aggregate(
        filings_n=Count("pk", filter=filings),
        filings_at=Min("created_at", filter=filings),
        returned_n=Count("pk", filter=sent_back),
        returned_at=Min("returned_at", filter=sent_back),
        close_n=Count("pk", filter=to_close),
        close_at=Min("ends_at", filter=to_close),
    )
    return {
        "filings": (row["filings_n"], row["filings_at"]),
        "filings_returned": (row["returned_n"], row["returned_at"]),
        "activities_to_close": (row["close_n"], row["close_at"]),
    }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A day in ``JIFEN_TIME_ZONE``, from its midnight to the next."""
    starts = timezone.make_aware(datetime.combine(day, time.min))
    return starts, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def tomorrow_bounds(today: date | None = None) -> tuple[datetime, datetime]:
    """Tomorrow in ``JIFEN_TIME_ZONE``, from its midnight to the next."""
    return day_bounds((today or timezone.localdate()) + timedelta(days=1))


def confirmed_on(person: Person, day: date) -> QuerySet[Activity]:
    """The published activities starting on ``day`` that the person has a confirmed place
    in: what the to-do's "activities tomorrow" counts and its link lists."""
    starts, ends = day_bounds(day)
    return Activity.objects.filter(
        status=Status.PUBLISHED,
        starts_at__gte=starts,
        starts_at__lt=ends,
        pk__in=Signup.objects.filter(person_id=person.pk, status=SignupStatus.CONFIRMED).values(
            "activity_id"
        ),
    )


def tomorrow_of(person: Person, today: date | None = None) -> tuple[int, datetime | None]:
    """``confirmed_on`` tomorrow: (count, the earliest start), in one query."""
    tomorrow = (today or timezone.localdate()) + timedelta(days=1)
    row = confirmed_on(person, tomorrow).aggregate(n=Count("pk"), at=Min("starts_at"))
    return row["n"], row["at"]


# The steps of an activity's life shown on its page (signups and check-ins have their own).
LIFE = (
    "activity.create",
    "activity.update",
    "activity.submit",
    "activity.resubmit",
    "activity.return",
    "activity.approve",
    "activity.cancel",
    "activity.close",
)


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str
    action: str
    name: str
    changes: str


def history(activity: Activity, limit: int = 50) -> list[Step]:
    """The activity's filing, edits and steps, oldest first, in words (one query)."""
    events = (
        AuditEvent.objects.filter(
            target_type=Activity._meta.label_lower, target_id=activity.pk, action__in=LIFE
        )
        .select_related("actor")
        .order_by("at", "id")[:limit]
    )
    return [
        Step(
            at=event.at,
            who=event.actor.name if event.actor else "",
            action=event.action,
            name=labels.action_name(event.action),
            changes=labels.changes_text(event.action, event.before, event.after),
        )
        for event in events
    ]
