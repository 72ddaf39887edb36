"""Writes of residents' messages: one transaction per step, checked here.

Every step goes through ``_step``: the message row is locked, the workflow table
(``models.STEPS``) says whether the step may be taken from its status (409
``invalid_transition`` otherwise), the row changes, and the step is written to the
message's history and to the audit log, with notices to whom it concerns. Who may take
a step is decided here: anyone logged in writes to their home community or a region
above it; staff over the region answering now (``ANSWER_MESSAGES`` over
``handling_region``) answer, close, and turn a message into an incident or a request;
the author rates and may once say "not resolved". Inspectors read and write nothing
(``VIEW_MESSAGES`` only: every write answers 403).

Deadlines come from ``lib.workdays`` (China's working days with 调休, the calendar
incidents and requests count with): N working days after the day of writing, at
23:59:59 local. A reopening and an escalation each set a new one from their moment.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.incidents import services as incidents
from jifen.lib import notify, workdays
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.messages import selectors
from jifen.messages.models import (
    BODY_MAX,
    DEFAULT_TOPICS,
    NOTE_MAX,
    RATE_DAYS,
    REPLY_MAX,
    STEPS,
    WAITING,
    Event,
    Message,
    Photo,
    Reply,
    Status,
    Topic,
    may_take,
)
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.requests import services as requests

MAX_PHOTOS = 4


# --- Helpers ------------------------------------------------------------------------------------


def _locked(message: Message | int) -> Message:
    pk = message.pk if isinstance(message, Message) else message
    # The row is locked by itself first, then read with what it points at: a lock taken
    # through joins would, on PostgreSQL, re-check the join against a row another
    # transaction just changed (its handling region, by an escalation) and find nothing.
    try:
        Message.objects.select_for_update().filter(pk=pk).values_list("pk").get()
        return Message.objects.select_related("region", "handling_region", "topic", "author").get(
            pk=pk
        )
    except (Message.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("There is no such message.")) from None


def _require_step(message: Message, step: str) -> None:
    if not may_take(step, message.status):
        raise Conflict(
            _("This message is %(status)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"status": message.get_status_display(), "step": STEPS[step].label},
        )


def _require_answerer(actor: Person | None, message: Message) -> Person:
    """Staff over the region answering now. An inspector (who reads) gets 403 too."""
    authz.require(actor, authz.ANSWER_MESSAGES, message.handling_region)
    if actor is None:  # authz refuses nobody already; this tells the type checker
        raise PermissionDenied()
    return actor


def _step(
    message: Message,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    before = message.status
    target = STEPS[step].target
    if target is not None:
        message.status = target
    message.save(update_fields=["status", "updated_at", *fields])
    event = Event.objects.create(
        message=message,
        step=step,
        from_status=before,
        to_status=message.status,
        region=message.handling_region,
        actor=actor,
        note=note[:NOTE_MAX],
        due_at=message.due_at,
        created_at=at or timezone.now(),
    )
    record(
        actor=actor,
        action=f"messages.{step}",
        target=message,
        region=message.region,
        before={"status": before},
        after={"status": message.status, **(audit or {})},
    )
    return event


def detail_url(message: Message, *, staff: bool = False) -> str:
    try:
        name = "messages:console_detail" if staff else "messages:detail"
        return reverse(name, args=[message.pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people: Iterable[Person | None],
    message: Message,
    subject: str | Promise,
    body: str | Promise,
    *,
    kind: str,
    staff: bool = False,
    **params: Any,
) -> None:
    """A notice to each person once, in each reader's language; the backend hears after
    commit."""
    seen: set[int] = set()
    targets = []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            targets.append(person)
    if not targets:
        return
    params = {"id": message.pk, "topic": message.topic.name, **params}
    url = detail_url(message, staff=staff)
    notices.send(
        [
            notify.Message(p, say(subject, **params), say(body, **params), kind=kind, url=url)
            for p in targets
        ]
    )


def _tell_staff(
    message: Message,
    subject: str | Promise,
    body: str | Promise,
    *,
    kind: str,
    but: Person | None = None,
    **params: Any,
) -> None:
    staff = [
        p for p in selectors.staff_of(message.handling_region) if but is None or p.pk != but.pk
    ]
    _tell(staff, message, subject, body, kind=kind, staff=True, **params)


def _due(topic: Topic, start: datetime) -> datetime:
    return workdays.deadline(start, days=topic.due_days)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _photos(message: Message, uploads: list[Any], actor: Person | None) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos at a time."), field="photos", params={"n": MAX_PHOTOS}
        )
    # Every picture is checked before any is stored: a bad second photo must not leave
    # the first one's file behind when the message is rolled back.
    cleaned = [clean_image(read_upload(upload)) for upload in uploads]
    for data, fmt, width, height in cleaned:
        extension, content_type = FORMATS[fmt]
        photo = Photo(
            message=message,
            content_type=content_type,
            width=width,
            height=height,
            uploaded_by=actor,
        )
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        photo.save()


# --- Topics ---------------------------------------------------------------------------------------


@transaction.atomic
def ensure_topics(region: Region) -> list[Topic]:
    """The menu in force at ``region``; a county that has none yet gets the default menu
    (made once: a second call finds it)."""
    found = selectors.topics(region)
    if found or Topic.objects.filter(region__code__in=region.ancestor_codes()).exists():
        return found
    owner = selectors.menu_owner(region)
    for position, (code, name, days) in enumerate(DEFAULT_TOPICS):
        Topic.objects.get_or_create(
            region=owner,
            code=code,
            defaults={"name": name, "due_days": days, "position": position},
        )
    return selectors.topics(region)


@transaction.atomic
def save_topic(
    *,
    actor: Person | None,
    region: Region,
    code: str,
    name: str,
    due_days: Any,
    position: int = 0,
    active: bool = True,
) -> Topic:
    """A region's topic (a county's serves every region below; a community's of the same
    code replaces it there): staff over the region, audited."""
    if actor is not None:
        authz.require(actor, authz.ANSWER_MESSAGES, region)
    code = clean_field(code, "code", 32)
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise InvalidInput(_("A code is letters, digits, - and _ only."), field="code")
    name = clean_field(name, "name", 50)
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 1 <= due_days <= 60:
        raise InvalidInput(_("Between 1 and 60 working days, please."), field="due_days")
    topic, created = Topic.objects.update_or_create(
        region=region,
        code=code,
        defaults={"name": name, "due_days": due_days, "position": position, "active": active},
    )
    record(
        actor=actor,
        action="messages.topic.save",
        target=topic,
        region=region,
        after={"code": code, "name": name, "due_days": due_days, "active": active},
    )
    return topic


# --- Writing --------------------------------------------------------------------------------------


def _clean_body(value: Any, field: str = "body", limit: int = BODY_MAX) -> str:
    return clean_field(value, field, limit, lines=True)


@transaction.atomic
def write(
    *,
    actor: Person | None,
    region: Region,
    topic: Any,
    body: Any,
    public: Any = True,
    photos: list[Any] = (),  # type: ignore[assignment]
    now: datetime | None = None,
) -> Message:
    """留言: anyone logged in, to their home community or a region above it, on a topic
    of that region's menu. The deadline is the topic's working days after today."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Please log in first."), code="not_authenticated")
    if actor.community_id is None:
        raise InvalidInput(
            _("You have no home community yet. Ask the community staff to register it."),
            code="no_home_community",
            field="region",
        )
    if not selectors.may_write_to(actor, region):
        raise InvalidInput(
            _("Write to your own community or a region above it."),
            code="wrong_region",
            field="region",
        )
    ensure_topics(region)
    item = selectors.topic(region, topic)
    if item is None:
        raise InvalidInput(
            _("Choose a topic of %(region)s."),
            code="unknown_topic",
            field="topic",
            params={"region": region.name},
        )
    if not isinstance(public, bool):
        raise InvalidInput(_("Say whether the message is public: true or false."), field="public")
    text = _clean_body(body)
    uploads = list(photos or [])
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos at a time."), field="photos", params={"n": MAX_PHOTOS}
        )
    now = now or timezone.now()
    due = _due(item, now)
    message = Message.objects.create(
        region=region,
        handling_region=region,
        author=actor,
        topic=item,
        body=text,
        public=public,
        created_at=now,
        due_at=due,
        first_due_at=due,
    )
    _photos(message, uploads, actor)
    Event.objects.create(
        message=message,
        step="write",
        to_status=message.status,
        region=region,
        actor=actor,
        due_at=due,
        created_at=now,
    )
    record(
        actor=actor,
        action="messages.write",
        target=message,
        region=region,
        after={"topic": item.code, "public": public, "due_at": due.isoformat()},
    )
    _tell_staff(
        message,
        _("A new message to answer: %(topic)s"),
        _("Message %(id)s (%(topic)s) came to %(region)s. Please answer it by %(due)s."),
        kind="message.written",
        but=actor,
        region=region.name,
        due=_local(due),
    )
    return message


# --- Answering ------------------------------------------------------------------------------------


@transaction.atomic
def reply(
    *, actor: Person | None, message: Message | int, body: Any, now: datetime | None = None
) -> Reply:
    """答复: staff over the region answering now; the message is answered (again, for a
    follow-up) and the author is told."""
    message = _locked(message)
    actor = _require_answerer(actor, message)
    _require_step(message, "reply")
    text = _clean_body(body, "body", REPLY_MAX)
    now = now or timezone.now()
    answer = Reply.objects.create(
        message=message, author=actor, region=message.handling_region, body=text, created_at=now
    )
    late = message.status in WAITING and now > message.due_at
    message.answered_at = now
    fields = ["answered_at"]
    if message.first_answered_at is None:
        message.first_answered_at = now
        fields.append("first_answered_at")
    _step(message, "reply", actor, fields=fields, audit={"reply": answer.pk, "late": late}, at=now)
    _tell(
        [message.author],
        message,
        _("Your message was answered: %(topic)s"),
        _("%(region)s answered your message %(id)s. Please read it and rate the answer."),
        kind="message.answered",
        region=message.handling_region.name,
    )
    return answer


@transaction.atomic
def close(
    *, actor: Person | None, message: Message | int, note: Any = "", now: datetime | None = None
) -> Message:
    """Closed without the author's rating: staff answering it (with a reason the author
    reads), or the author withdrawing it."""
    message = _locked(message)
    author = actor is not None and actor.pk == message.author_id
    if not author:
        _require_answerer(actor, message)
    step = "withdraw" if author else "close"
    _require_step(message, step)
    text = clean_field(note, "note", NOTE_MAX, required=not author, lines=True)
    now = now or timezone.now()
    message.closed_at = now
    _step(message, step, actor, note=text, fields=["closed_at"], at=now)
    if not author:
        _tell(
            [message.author],
            message,
            _("Your message was closed: %(topic)s"),
            _("%(region)s closed your message %(id)s: %(note)s"),
            kind="message.closed",
            region=message.handling_region.name,
            note=text,
        )
    return message


def _rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(_("A rating is 1 to 5 stars."), field="rating")
    return value


@transaction.atomic
def rate(
    *,
    actor: Person | None,
    message: Message | int,
    rating: Any,
    resolved: bool = True,
    note: Any = "",
    now: datetime | None = None,
) -> Message:
    """评价: the author rates the answer (1..5). Resolved: the message is closed. Not
    resolved (once): it is reopened with a new deadline and staff are told; a second
    "not resolved" is 409 ``already_reopened``."""
    message = _locked(message)
    if actor is None or actor.pk != message.author_id:
        raise PermissionDenied(_("Only the author rates the answer to a message."))
    stars = _rating(rating)
    if not isinstance(resolved, bool):
        raise InvalidInput(_("Say whether it is resolved: true or false."), field="resolved")
    text = clean_field(note, "note", NOTE_MAX, required=False, lines=True)
    now = now or timezone.now()
    if resolved:
        _require_step(message, "rate")
        message.rating, message.rated_at, message.closed_at = stars, now, now
        _step(
            message,
            "rate",
            actor,
            note=text,
            fields=["rating", "rated_at", "closed_at"],
            audit={"rating": stars},
            at=now,
        )
        return message
    _require_step(message, "not_resolved")
    if message.reopened_at is not None:
        raise Conflict(
            _("You said once already that it is not resolved; it cannot be reopened again."),
            code="already_reopened",
        )
    message.rating, message.rated_at, message.reopened_at = stars, now, now
    message.due_at = _due(message.topic, now)
    _step(
        message,
        "not_resolved",
        actor,
        note=text,
        fields=["rating", "rated_at", "reopened_at", "due_at"],
        audit={"rating": stars, "due_at": message.due_at.isoformat()},
        at=now,
    )
    _tell_staff(
        message,
        _("Not resolved, reopened: message %(id)s"),
        _(
            "The author of message %(id)s (%(topic)s) says it is not resolved. Please answer "
            "again by %(due)s."
        ),
        kind="message.reopened",
        due=_local(message.due_at),
    )
    return message


# --- Escalation (jifen tick) ---------------------------------------------------------------------


def _escalate(message: Message, now: datetime) -> bool:
    parent = message.handling_region.parent
    if parent is None:
        return False
    before = message.handling_region
    message.handling_region = parent
    message.due_at = _due(message.topic, now)
    message.escalations += 1
    _step(
        message,
        "escalate",
        None,
        note=str(say(_("Unanswered past the deadline at %(region)s."), region=before.name)),
        fields=["handling_region", "due_at", "escalations"],
        audit={"from": before.code, "to": parent.code, "due_at": message.due_at.isoformat()},
        at=now,
    )
    _tell_staff(
        message,
        _("An overdue message came up to you: %(topic)s"),
        _(
            "Message %(id)s was not answered in time at %(origin)s and is now yours to answer "
            "by %(due)s."
        ),
        kind="message.escalated",
        origin=before.name,
        due=_local(message.due_at),
    )
    _tell(
        [message.author],
        message,
        _("Your message went up to %(region)s"),
        _("Your message %(id)s was not answered in time, so %(region)s now answers it by %(due)s."),
        kind="message.escalated",
        region=parent.name,
        due=_local(message.due_at),
    )
    return True


def escalate_overdue(now: datetime | None = None) -> int:
    """A message waiting unanswered past its deadline goes up to the region above the one
    answering it, with a new deadline counted from ``now`` (the moment the tick judges),
    so the next tick leaves it be until that one passes too. One transaction each."""
    now = now or timezone.now()
    count = 0
    candidates = Message.objects.filter(
        status__in=WAITING, due_at__lt=now, handling_region__parent__isnull=False
    ).order_by("due_at", "id")
    for pk in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            message = _locked(pk)
            if message.status not in WAITING or message.due_at >= now:
                continue
            if _escalate(message, now):
                count += 1
    return count


def close_unrated(now: datetime | None = None) -> int:
    """An answer its author left unrated for ``RATE_DAYS`` closes the message by itself
    (recorded as automatic): the author's "not resolved" is theirs until then. One
    transaction each; a second run closes nothing more."""
    now = now or timezone.now()
    count = 0
    stale = Message.objects.filter(
        status=Status.ANSWERED, answered_at__lt=now - timedelta(days=RATE_DAYS)
    ).order_by("answered_at", "id")
    for pk in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            message = _locked(pk)
            if not may_take("auto_close", message.status) or message.answered_at is None:
                continue
            if message.answered_at >= now - timedelta(days=RATE_DAYS):
                continue
            message.closed_at = now
            _step(message, "auto_close", None, fields=["closed_at"], at=now)
            count += 1
    return count


# --- Turning a message into an incident or a request ---------------------------------------------


@transaction.atomic
def to_incident(
    *,
    actor: Person | None,
    message: Message | int,
    category: Any,
    region: Region | None = None,
    address: Any = "",
) -> Message:
    """Staff answering it make it a grid incident (reported by them, in the words of the
    message) at ``region`` (a community, grid or building; the message's own community by
    default); the incident and the message point at each other."""
    message = _locked(message)
    _require_answerer(actor, message)
    _require_step(message, "to_incident")
    if message.incident_id is not None:
        raise Conflict(
            _("This message is already a grid incident (%(id)s)."),
            code="already_linked",
            params={"id": message.incident_id},
        )
    place = region or place_of(message)
    if not authz.can(actor, authz.ANSWER_MESSAGES, place):
        raise PermissionDenied(_("The place must lie where you answer messages."), field="region")
    made = incidents.report(
        actor=actor,
        region=place,
        category=category,
        description=message.body[:1000],
        address=address,
    )
    message.incident = made
    _step(
        message,
        "to_incident",
        actor,
        note=str(say(_("Grid incident %(id)s"), id=made.pk)),
        fields=["incident"],
        audit={"incident": made.pk},
    )
    return message


@transaction.atomic
def to_request(
    *, actor: Person | None, message: Message | int, category: Any, title: Any
) -> Message:
    """Staff answering it make it a service request of the author's community, for the
    author (as staff at the desk would); both point at each other."""
    message = _locked(message)
    _require_answerer(actor, message)
    _require_step(message, "to_request")
    if message.service_request_id is not None:
        raise Conflict(
            _("This message is already a service request (%(id)s)."),
            code="already_linked",
            params={"id": message.service_request_id},
        )
    author = message.author
    if author.community is None:
        raise InvalidInput(_("The author has no home community."), field="category")
    if actor is None:
        raise PermissionDenied(_("Please log in first."), code="not_authenticated")
    made = requests.submit_request(
        actor=actor,
        community=author.community,
        category=category,
        title=title,
        description=message.body[:1000],
        person=author,
    )
    message.service_request = made
    _step(
        message,
        "to_request",
        actor,
        note=str(say(_("Service request %(id)s"), id=made.pk)),
        fields=["service_request"],
        audit={"service_request": made.pk},
    )
    return message


def place_of(message: Message) -> Region:
    """The community the message is about: where it was addressed if that is a community
    or below, else the author's."""
    try:
        return incidents.community_of(message.region)
    except InvalidInput:
        if message.author.community is not None:
            return message.author.community
        raise
