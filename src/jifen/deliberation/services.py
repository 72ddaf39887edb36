"""Writes of 议事协商: one transaction per step, checked here.

Every status change goes through ``_step``: the matter's row is locked, the workflow
table (``models.STEPS``) says whether the step may be taken from its status at its tier
(409 ``invalid_transition`` naming the status otherwise), the row changes, and the step
is written to the matter's history and the audit log, with notices to those it concerns
once the transaction commits. Staff over the matter's place (``MANAGE_DELIBERATIONS``)
take every step; the clock closes polls at their time (``close_due``, and lazily when a
closed poll is read: ``close_if_due``); residents and parties vote; an action's owner
reports its progress. An inspector holds no write action: every write answers 403.

A vote locks the matter's row, so votes and the poll's closing are taken one at a time:
no vote lands after the count, and one person (or party) never holds two ballots — the
unique ``(matter, ballot)`` is the database's own guard behind it. How a person voted is
never written to the audit log, nor shown to anyone but them: results are counts, and
only once the poll is closed.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.deliberation import selectors
from jifen.deliberation.models import (
    DECISION_MAX,
    DESCRIPTION_MAX,
    MINUTES_MAX,
    NOTE_MAX,
    POLL_MIN_MINUTES,
    QUORUM_MAX,
    QUORUM_MIN,
    SIMPLE_POLL_MAX_DAYS,
    STEPS,
    TIER_UP,
    TITLE_MAX,
    URGENT_POLL_MAX_HOURS,
    Action,
    ActionStatus,
    Choice,
    Event,
    Invitee,
    Matter,
    MeetingKind,
    Progress,
    Status,
    Tier,
    Vote,
    may_take,
)
from jifen.incidents.models import Incident
from jifen.lib import notify
from jifen.lib.bounds import check_date
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.messages.models import Message
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.regions.models import Level, Region
from jifen.requests.models import ServiceRequest

PLACES = (Level.COMMUNITY, Level.COMPOUND, Level.GRID, Level.BUILDING)
MAX_INVITEES = 50
MAX_ACTIONS = 30

# --- Helpers ------


def _locked(matter: Matter | int) -> Matter:
    pk = matter.pk if isinstance(matter, Matter) else matter
    try:
        return (
            Matter.objects.select_for_update(of=("self",))
            .select_related("region", "community")
            .get(pk=pk)
        )
    except (Matter.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such matter.")) from None


def _require_step(matter: Matter, step: str) -> None:
    if not may_take(step, matter.status, matter.tier):
        raise Conflict(
            _("This matter is %(status)s (%(tier)s), so it cannot be %(step)s."),
            code="invalid_transition",
            params={
                "status": matter.get_status_display(),
                "tier": matter.get_tier_display(),
                "step": STEPS[step].label,
            },
        )


def _require_staff(actor: Person | None, matter: Matter) -> None:
    if actor is not None:
        authz.require(actor, authz.MANAGE_DELIBERATIONS, matter.region)


def _step(
    matter: Matter,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> Event:
    before = matter.status
    matter.status = STEPS[step].target
    matter.save(update_fields=["status", "updated_at", *fields])
    event = Event.objects.create(
        matter=matter,
        step=step,
        from_status=before,
        to_status=matter.status,
        tier=matter.tier,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"deliberation.{step}",
        target=matter,
        region=matter.community,
        before={"status": before},
        after={"status": matter.status, "tier": matter.tier, **(audit or {})},
    )
    return event


def detail_url(matter: Matter) -> str:
    try:
        return reverse("deliberation:detail", args=[matter.pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people: Iterable[Person | None],
    matter: Matter,
    subject: str | Promise,
    body: str | Promise,
    **params: Any,
) -> int:
    """A notice to each person once, in each reader's language."""
    seen: set[int] = set()
    targets = []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            targets.append(person)
    if not targets:
        return 0
    params = {"id": matter.pk, "title": matter.title, **params}
    url = detail_url(matter)
    return notices.send(
        [
            notify.Message(
                p, say(subject, **params), say(body, **params), kind="deliberation", url=url
            )
            for p in targets
        ]
    )


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required, lines=True)


def _line(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required)


def community_of(region: Region) -> Region:
    """The community a place lies in; 400 for a town or a county (not a place)."""
    if region.level not in PLACES:
        raise InvalidInput(
            _("Choose the community, compound, grid or building the matter concerns."),
            field="region",
        )
    if region.level == Level.COMMUNITY:
        return region
    found = Region.objects.filter(code__in=region.ancestor_codes(), level=Level.COMMUNITY).first()
    if found is None:
        raise InvalidInput(_("This place lies in no community."), field="region")
    return found


def _serves(organization: Organization, community: Region) -> bool:
    return community.is_within(organization.region) or organization.region.is_within(community)


def _add_invitees(
    matter: Matter, organizations: Sequence[Organization], people: Sequence[Person]
) -> list[Invitee]:
    if len(organizations) + len(people) > MAX_INVITEES:
        raise InvalidInput(
            _("At most %(n)s parties, please."), field="organizations", params={"n": MAX_INVITEES}
        )
    added = []
    have_orgs = set(matter.invitees.values_list("organization_id", flat=True))
    have_people = set(matter.invitees.values_list("person_id", flat=True))
    for organization in organizations:
        if not _serves(organization, matter.community):
            raise InvalidInput(
                _("%(name)s does not serve %(community)s."),
                code="organization_elsewhere",
                field="organizations",
                params={"name": organization.name, "community": matter.community.name},
            )
        if organization.pk not in have_orgs:
            have_orgs.add(organization.pk)
            added.append(Invitee.objects.create(matter=matter, organization=organization))
    for person in people:
        if not person.is_active:
            raise InvalidInput(_("This person's account is closed."), field="people")
        if person.pk not in have_people:
            have_people.add(person.pk)
            added.append(Invitee.objects.create(matter=matter, person=person))
    return added


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- A matter ------


@transaction.atomic
def create_matter(
    *,
    actor: Person | None,
    region: Region,
    tier: str,
    title: str,
    description: str = "",
    incident: Incident | None = None,
    service_request: ServiceRequest | None = None,
    message: Message | None = None,
    organizations: Sequence[Organization] = (),
    people: Sequence[Person] = (),
) -> Matter:
    """议题: staff put a matter to a tier, from a message, an incident, a request or their
    own knowledge of the place."""
    community = community_of(region)
    if actor is not None:
        authz.require(actor, authz.MANAGE_DELIBERATIONS, region)
    if tier not in Tier.values:
        raise InvalidInput(_("Choose simple, urgent or major."), field="tier")
    if incident is not None and not incident.region.is_within(community):
        raise InvalidInput(
            _("That incident happened outside %(community)s."),
            field="incident",
            params={"community": community.name},
        )
    if service_request is not None and service_request.community_id != community.pk:
        raise InvalidInput(
            _("That request was made in another community."), field="service_request"
        )
    if message is not None and not (
        community.is_within(message.region) or message.region.is_within(community)
    ):
        raise InvalidInput(_("That message was written to another place."), field="message")
    matter = Matter.objects.create(
        region=region,
        community=community,
        tier=tier,
        title=_line(title, "title", TITLE_MAX),
        description=_text(description, "description", DESCRIPTION_MAX, required=False),
        incident=incident,
        service_request=service_request,
        message=message,
        created_by=actor,
    )
    _add_invitees(matter, organizations, people)
    Event.objects.create(
        matter=matter, step="create", to_status=matter.status, tier=matter.tier, actor=actor
    )
    record(
        actor=actor,
        action="deliberation.create",
        target=matter,
        region=community,
        after={
            "tier": tier,
            "title": matter.title,
            "region": region.code,
            "incident": incident.pk if incident else None,
            "service_request": service_request.pk if service_request else None,
            "message": message.pk if message else None,
        },
    )
    return matter


@transaction.atomic
def invite(
    *,
    actor: Person | None,
    matter: Matter,
    organizations: Sequence[Organization] = (),
    people: Sequence[Person] = (),
) -> list[Invitee]:
    """Name more parties, before the poll opens or while the meeting is being called."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    if matter.status not in (Status.OPEN, Status.MEETING):
        raise Conflict(
            _("Parties are named before the poll opens or before the meeting is held."),
            code="invalid_transition",
        )
    added = _add_invitees(matter, organizations, people)
    if added:
        record(
            actor=actor,
            action="deliberation.invite",
            target=matter,
            region=matter.community,
            after={"invitees": [str(i) for i in added]},
        )
    meeting_ahead = matter.meeting_at is not None and matter.meeting_at > timezone.now()
    if added and matter.status == Status.MEETING and meeting_ahead:
        # Those invited once the meeting is called hear of it as the first ones did (a
        # party added after it was held, to mark it present, is told nothing).
        _invite_to_meeting(matter, _people_of(added))
    return added


# --- Polls ------


def _quorum(value: Any) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or not QUORUM_MIN <= value <= QUORUM_MAX:
        raise InvalidInput(
            _("The quorum is a whole percentage from %(min)s to %(max)s."),
            field="quorum_percent",
            params={"min": QUORUM_MIN, "max": QUORUM_MAX},
        )
    return int(value)


@transaction.atomic
def open_poll(
    *,
    actor: Person | None,
    matter: Matter,
    closes_at: datetime,
    quorum_percent: Any = 50,
    organizations: Sequence[Organization] = (),
    people: Sequence[Person] = (),
    now: datetime | None = None,
) -> Matter:
    """Open the poll: the residents of the place (simple) or the named parties (urgent)
    vote until ``closes_at``; ``quorum_percent`` of them must vote for the poll to count."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "open_poll")
    now = _now(now)
    if not isinstance(closes_at, datetime) or timezone.is_naive(closes_at):
        raise InvalidInput(_("Give the closing time with its date."), field="closes_at")
    check_date(closes_at, "closes_at")
    longest = (
        timedelta(days=SIMPLE_POLL_MAX_DAYS)
        if matter.tier == Tier.SIMPLE
        else timedelta(hours=URGENT_POLL_MAX_HOURS)
    )
    if not now + timedelta(minutes=POLL_MIN_MINUTES) <= closes_at <= now + longest:
        raise InvalidInput(
            _(
                "A simple poll closes 10 minutes to 30 days from now; "
                "an urgent one within 24 hours."
            ),
            code="closes_at_out_of_range",
            field="closes_at",
        )
    matter.quorum_percent = _quorum(quorum_percent)
    _add_invitees(matter, organizations, people)
    if matter.tier == Tier.SIMPLE and not selectors.residents(matter.region).exists():
        # A poll nobody may vote in would run to its close and count nothing.
        raise InvalidInput(
            _(
                "No resident is registered in %(place)s, so nobody could vote. Register the "
                "households at this place first, or choose the place above it."
            ),
            code="no_voters",
            field="region",
            params={"place": matter.region.name},
        )
    if matter.tier == Tier.URGENT and not matter.invitees.exists():
        raise InvalidInput(
            _("Name the parties who vote in an urgent poll."),
            code="parties_required",
            field="organizations",
        )
    matter.opens_at, matter.closes_at = now, closes_at
    _step(
        matter,
        "open_poll",
        actor,
        fields=["opens_at", "closes_at", "quorum_percent"],
        audit={"closes_at": closes_at.isoformat(), "quorum_percent": matter.quorum_percent},
    )
    who = (
        list(selectors.residents(matter.region))
        if matter.tier == Tier.SIMPLE
        else selectors.party_people(matter)
    )
    _tell(
        who,
        matter,
        _("Vote: %(title)s"),
        _("A poll is open on “%(title)s” until %(closes)s. Your vote can be changed until then."),
        closes=timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M"),
    )
    return matter


def _count(matter: Matter, step: str, actor: Person | None, now: datetime, note: str = "") -> None:
    counts = dict(Vote.objects.filter(matter=matter).values_list("choice").annotate(n=Count("pk")))
    matter.agree = counts.get(Choice.AGREE, 0)
    matter.disagree = counts.get(Choice.DISAGREE, 0)
    matter.abstain = counts.get(Choice.ABSTAIN, 0)
    matter.electorate = selectors.electorate(matter)
    needed = (matter.quorum_percent or 0) * matter.electorate
    matter.quorum_met = bool(matter.electorate and matter.turnout * 100 >= needed)
    matter.closed_at = now
    _step(
        matter,
        step,
        actor,
        note=note,
        fields=["agree", "disagree", "abstain", "electorate", "quorum_met", "closed_at"],
        audit={"turnout": matter.turnout, "electorate": matter.electorate},
    )
    _tell(
        [*selectors.voters(matter), *selectors.party_people(matter)],
        matter,
        _("Poll closed: %(title)s"),
        _(
            "The poll on “%(title)s” is closed: %(agree)s agree, %(disagree)s disagree, "
            "%(abstain)s abstain; %(turnout)s of %(electorate)s voted."
        ),
        agree=matter.agree,
        disagree=matter.disagree,
        abstain=matter.abstain,
        turnout=matter.turnout,
        electorate=matter.electorate,
    )


@transaction.atomic
def close_poll(
    *, actor: Person | None, matter: Matter, note: str = "", now: datetime | None = None
) -> Matter:
    """Staff close the poll before its time (every party has voted; the matter is moot),
    with a note why; the result is counted and public at once."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "close_poll")
    _count(matter, "close_poll", actor, _now(now), _text(note, "note", NOTE_MAX, required=False))
    return matter


def close_if_due(matter: Matter, now: datetime | None = None) -> bool:
    """A poll past its closing time is closed by whoever reads it first (the tick may not
    have run yet): counted once, recorded as the system's step."""
    now = _now(now)
    if matter.status != Status.VOTING or matter.closes_at is None or matter.closes_at > now:
        return False
    with transaction.atomic():
        locked = _locked(matter)
        if locked.status != Status.VOTING or locked.closes_at is None or locked.closes_at > now:
            return False
        _count(locked, "auto_close", None, now)
    matter.refresh_from_db()
    return True


def close_due(now: datetime | None = None) -> int:
    """``jifen tick``: every poll past its closing time is closed and counted (each in its
    own transaction; running it twice closes nothing more)."""
    now = _now(now)
    closed = 0
    for matter in list(selectors.due_to_close(now).only("pk", "status", "closes_at")):
        if close_if_due(matter, now):
            closed += 1
    return closed


@transaction.atomic
def vote(*, actor: Person, matter: Matter, choice: Any, now: datetime | None = None) -> Vote:
    """One ballot per resident (simple) or party (urgent), changeable until the close:
    403 ``not_a_voter`` outside the place or the parties, 409 ``poll_not_open`` outside
    the window."""
    if not isinstance(choice, str) or choice not in Choice.values:
        raise InvalidInput(_("Choose agree, disagree or abstain."), field="choice")
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    matter = _locked(matter)
    ballot = selectors.ballot_for(actor, matter)
    if ballot is None:
        raise PermissionDenied(
            _("Only the residents of %(place)s (or the parties named) vote on this matter."),
            code="not_a_voter",
            params={"place": matter.region.name},
        )
    now = _now(now)
    if (
        matter.status != Status.VOTING
        or matter.opens_at is None
        or matter.closes_at is None
        or not matter.opens_at <= now < matter.closes_at
    ):
        raise Conflict(_("This poll is not open for votes."), code="poll_not_open")
    key, organization = ballot
    found = Vote.objects.filter(matter=matter, ballot=key).first()
    if found is None:
        try:
            with transaction.atomic():
                found = Vote.objects.create(
                    matter=matter,
                    ballot=key,
                    voter=actor,
                    organization_id=organization,
                    choice=choice,
                )
        except IntegrityError:  # the lock above makes this unreachable; the index holds
            raise Conflict(_("This ballot is cast already."), code="already_voted") from None
        changed = False
    else:
        changed = found.choice != choice
        found.choice = choice
        found.voter = actor
        found.changes = min(found.changes + 1, 32767)
        found.save(update_fields=["choice", "voter", "changes", "changed_at"])
    # Secret ballot: the audit row says a ballot was cast or changed, never how.
    record(
        actor=actor,
        action="deliberation.vote",
        target=matter,
        region=matter.community,
        after={"ballot": "party" if organization else "own", "changed": changed},
    )
    return found


# --- Meetings ------


@transaction.atomic
def call_meeting(
    *,
    actor: Person | None,
    matter: Matter,
    kind: str,
    at: datetime,
    place: str,
    agenda: str,
    organizations: Sequence[Organization] = (),
    people: Sequence[Person] = (),
) -> Matter:
    """邻里议事厅 (monthly) or 社区联席会议 (quarterly): when, where, what; the invited
    parties hear of it."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "call_meeting")
    if kind not in MeetingKind.values:
        raise InvalidInput(_("Choose the kind of meeting."), field="kind")
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise InvalidInput(_("Give the meeting's date and time."), field="at")
    check_date(at, "at")
    matter.meeting_kind, matter.meeting_at = kind, at
    matter.place = _line(place, "place", 200)
    matter.agenda = _text(agenda, "agenda", DESCRIPTION_MAX)
    _add_invitees(matter, organizations, people)
    _step(
        matter,
        "call_meeting",
        actor,
        fields=["meeting_kind", "meeting_at", "place", "agenda"],
        audit={"kind": kind, "at": at.isoformat(), "place": matter.place},
    )
    _invite_to_meeting(matter, selectors.party_people(matter))
    return matter


def _invite_to_meeting(matter: Matter, people: Iterable[Person]) -> None:
    assert matter.meeting_at is not None  # noqa: S101 - called once the meeting is set
    _tell(
        people,
        matter,
        _("Invitation: %(title)s"),
        _("You are invited to the %(kind)s on “%(title)s”, %(at)s at %(place)s."),
        kind=matter.get_meeting_kind_display(),
        at=timezone.localtime(matter.meeting_at).strftime("%Y-%m-%d %H:%M"),
        place=matter.place,
    )


def _people_of(invitees: Iterable[Invitee]) -> list[Person]:
    """The people an invitation reaches: a named person, or an organisation's contacts."""
    people: list[Person] = []
    for invitee in invitees:
        if invitee.person is not None:
            people.append(invitee.person)
        elif invitee.organization is not None:
            people.extend(
                m.person
                for m in OrganizationMember.objects.filter(
                    organization=invitee.organization, is_contact=True
                ).select_related("person")
            )
    return people


@transaction.atomic
def record_meeting(
    *,
    actor: Person | None,
    matter: Matter,
    minutes: str,
    attended: Iterable[int] = (),
    residents_present: Any = 0,
    now: datetime | None = None,
) -> Matter:
    """The minutes and who came (the invited parties present, and how many residents):
    recorded once the meeting has begun, corrected by recording again."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "record_meeting")
    if matter.meeting_at is not None and matter.meeting_at > _now(now):
        raise Conflict(
            _("The meeting has not taken place yet."), code="meeting_not_held", field="minutes"
        )
    if (
        isinstance(residents_present, bool)
        or not isinstance(residents_present, int)
        or not 0 <= residents_present <= 100_000
    ):
        raise InvalidInput(
            _("The number of residents present is a whole number from 0 to 100000."),
            field="residents_present",
        )
    matter.minutes = _text(minutes, "minutes", MINUTES_MAX)
    matter.residents_present = residents_present
    present = {int(i) for i in attended}
    rows = list(matter.invitees.all())
    unknown = present - {i.pk for i in rows}
    if unknown:
        raise InvalidInput(_("Mark only the parties invited."), field="attended")
    for invitee in rows:
        invitee.attended = invitee.pk in present
        invitee.save(update_fields=["attended"])
    _step(
        matter,
        "record_meeting",
        actor,
        fields=["minutes", "residents_present"],
        audit={"attended": sorted(present), "residents_present": residents_present},
    )
    return matter


# --- Escalation, decision, withdrawal ------


@transaction.atomic
def escalate(*, actor: Person | None, matter: Matter, note: str = "") -> Matter:
    """A matter its tier cannot settle (no quorum, a split, beyond the building) goes up
    to a meeting; its poll's result stays on record."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "escalate")
    before = matter.tier
    matter.tier = TIER_UP[matter.tier]
    matter.escalations += 1
    _step(
        matter,
        "escalate",
        actor,
        note=_text(note, "note", NOTE_MAX, required=False),
        fields=["tier", "escalations"],
        audit={"from_tier": before},
    )
    return matter


@transaction.atomic
def decide(
    *, actor: Person | None, matter: Matter, decision: str, now: datetime | None = None
) -> Matter:
    """The decision, public from now on; the voters and the parties hear of it. A meeting
    is decided once its minutes are recorded."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "decide")
    if matter.status == Status.MEETING and not matter.minutes:
        raise Conflict(
            _("Record the meeting's minutes before its decision."),
            code="minutes_required",
            field="decision",
        )
    matter.decision = _text(decision, "decision", DECISION_MAX)
    matter.decided_at = _now(now)
    _step(matter, "decide", actor, fields=["decision", "decided_at"])
    _tell(
        [*selectors.voters(matter), *selectors.party_people(matter)],
        matter,
        _("Decided: %(title)s"),
        _("The decision on “%(title)s”: %(decision)s"),
        decision=matter.decision[:200],
    )
    return matter


@transaction.atomic
def cancel(*, actor: Person | None, matter: Matter, reason: str) -> Matter:
    """Withdraw a matter before its decision (moot, a duplicate), for a public reason."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "cancel")
    matter.cancel_reason = _text(reason, "reason", NOTE_MAX)
    _step(matter, "cancel", actor, note=matter.cancel_reason, fields=["cancel_reason"])
    # Those who voted, and the parties named or invited to a meeting, hear it is off.
    _tell(
        [*selectors.voters(matter), *selectors.party_people(matter)],
        matter,
        _("Withdrawn: %(title)s"),
        _("“%(title)s” is withdrawn: %(reason)s"),
        reason=matter.cancel_reason,
    )
    return matter


# --- Follow-up actions ------


@transaction.atomic
def add_action(
    *,
    actor: Person | None,
    matter: Matter,
    title: str,
    due_on: date,
    owner_person: Person | None = None,
    owner_organization: Organization | None = None,
) -> Action:
    """A follow-up action of the decision: who carries it out, by when."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "add_action")
    if (owner_person is None) == (owner_organization is None):
        raise InvalidInput(_("Name one owner: a person or an organisation."), field="owner")
    if owner_organization is not None and not _serves(owner_organization, matter.community):
        raise InvalidInput(
            _("%(name)s does not serve %(community)s."),
            code="organization_elsewhere",
            field="owner",
            params={"name": owner_organization.name, "community": matter.community.name},
        )
    if owner_person is not None and not owner_person.is_active:
        raise InvalidInput(_("This person's account is closed."), field="owner")
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        raise InvalidInput(_("Give the due date."), field="due_on")
    check_date(due_on, "due_on")
    if matter.actions.count() >= MAX_ACTIONS:
        raise InvalidInput(
            _("At most %(n)s actions per matter."), field="title", params={"n": MAX_ACTIONS}
        )
    action = Action.objects.create(
        matter=matter,
        title=_line(title, "title", 200),
        owner_person=owner_person,
        owner_organization=owner_organization,
        due_on=due_on,
    )
    _step(
        matter,
        "add_action",
        actor,
        note=action.title,
        audit={"action": action.pk, "due_on": due_on.isoformat()},
    )
    owners = (
        [owner_person]
        if owner_person
        else [
            m.person
            for m in OrganizationMember.objects.filter(
                organization=owner_organization, is_contact=True
            ).select_related("person")
        ]
    )
    _tell(
        owners,
        matter,
        _("Action for you: %(action)s"),
        _("The decision on “%(title)s” gives you an action: %(action)s, due %(due)s."),
        action=action.title,
        due=due_on.isoformat(),
    )
    return action


def may_report(actor: Person | None, action: Action) -> bool:
    """Staff of the place, the person who owns the action, or a contact of its owner."""
    if actor is None:
        return True
    if selectors.may_manage(actor, action.matter.region):
        return True
    if action.owner_person_id is not None:
        return action.owner_person_id == actor.pk
    return OrganizationMember.objects.filter(
        organization=action.owner_organization, person=actor, is_contact=True
    ).exists()


@transaction.atomic
def report_progress(
    *,
    actor: Person | None,
    action: Action | int,
    percent: Any,
    note: str = "",
    status: str = "",
) -> Action:
    """How far an action has got (0–100 %, with a note); 100 % is done. When the last
    action is done, the matter is done too."""
    pk = action.pk if isinstance(action, Action) else action
    found = Action.objects.filter(pk=pk).select_related("matter__region").first()
    if found is None:
        raise NotFound(_("There is no such action."))
    if not may_report(actor, found):
        raise PermissionDenied(
            _("Staff of the place and the action's owner report its progress."),
            code="not_the_owner",
        )
    matter = _locked(found.matter_id)
    _require_step(matter, "progress")
    action = Action.objects.select_for_update().get(pk=pk)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise InvalidInput(_("Progress is a whole percentage from 0 to 100."), field="percent")
    if status and status not in ActionStatus.values:
        raise InvalidInput(_("Choose planned, underway or done."), field="status")
    if status == ActionStatus.DONE or percent == 100:
        status, percent = ActionStatus.DONE, 100
    elif not status or status == ActionStatus.DONE:
        status = ActionStatus.UNDERWAY if percent > 0 else ActionStatus.PLANNED
    note = _text(note, "note", NOTE_MAX, required=False)
    action.percent, action.status = percent, status
    action.done_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["percent", "status", "done_at", "updated_at"])
    Progress.objects.create(action=action, percent=percent, status=status, note=note, actor=actor)
    _step(
        matter,
        "progress",
        actor,
        note=f"{action.title}: {percent}%" + (f" — {note}" if note else ""),
        audit={"action": action.pk, "percent": percent, "action_status": status},
    )
    if not matter.actions.exclude(status=ActionStatus.DONE).exists():
        matter.done_at = timezone.now()
        _step(matter, "complete", actor, fields=["done_at"])
    return action


@transaction.atomic
def complete(*, actor: Person | None, matter: Matter) -> Matter:
    """A decision that needs no (more) follow-up is done; 409 ``actions_open`` while an
    action is not done."""
    matter = _locked(matter)
    _require_staff(actor, matter)
    _require_step(matter, "complete")
    if matter.actions.exclude(status=ActionStatus.DONE).exists():
        raise Conflict(_("Some follow-up actions are not done yet."), code="actions_open")
    matter.done_at = timezone.now()
    _step(matter, "complete", actor, fields=["done_at"])
    return matter
