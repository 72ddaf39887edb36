"""议事协商: 小事简议、急事快议、难事众议 — a matter, its tier, its poll or meeting, its decision.

A matter (议题) comes from a resident's message, a grid incident, a service request or
staff, and goes to a tier:

- ``simple`` (小事简议): a poll of the residents of a building, compound or community,
  with a closing time and a quorum; results stay hidden until it closes;
- ``urgent`` (急事快议): a short poll of named parties — the party branch, the 业委会, the
  property company (organisations, whose contacts vote for them), or named people —
  closing within hours;
- ``major`` (难事众议): a meeting (邻里议事厅 monthly, 社区联席会议 quarterly) with agenda,
  invited parties, minutes and attendance.

Then a decision, made public, with follow-up actions (owner, due date, progress) shown
publicly until done. A matter its tier cannot settle moves up to ``major``. The statuses
and the steps between them are the table ``STEPS`` below and nothing else; every step
taken is a row of ``Event``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Tier(models.TextChoices):
    SIMPLE = "simple", pgettext_lazy("deliberation tier", "simple: a residents' poll")
    URGENT = "urgent", pgettext_lazy("deliberation tier", "urgent: a quick poll of the parties")
    MAJOR = "major", pgettext_lazy("deliberation tier", "major: a meeting")


# Escalation: a matter a poll cannot settle goes to a meeting (the next tier up).
TIER_UP: dict[str, str] = {Tier.SIMPLE: Tier.MAJOR, Tier.URGENT: Tier.MAJOR}
POLL_TIERS = frozenset({Tier.SIMPLE, Tier.URGENT})


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("deliberation status", "to be deliberated")
    VOTING = "voting", pgettext_lazy("deliberation status", "voting")
    COUNTED = "counted", pgettext_lazy("deliberation status", "poll closed")
    MEETING = "meeting", pgettext_lazy("deliberation status", "meeting called")
    DECIDED = "decided", pgettext_lazy("deliberation status", "decided, being carried out")
    DONE = "done", pgettext_lazy("deliberation status", "done")
    CANCELLED = "cancelled", pgettext_lazy("deliberation status", "withdrawn")


@dataclass(frozen=True)
class Step:
    """One step: from which statuses, to which, and for which tiers. Who may take it is
    decided in ``services`` (staff for every step but ``auto_close``, the clock's)."""

    name: str
    sources: frozenset[str]
    target: str
    tiers: frozenset[str]

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


ALL_TIERS = frozenset(Tier.values)


def _step(
    name: str, sources: tuple[str, ...], target: str, tiers: frozenset[str] = ALL_TIERS
) -> Step:
    return Step(name, frozenset(sources), target, frozenset(tiers))


S = Status
MAJOR = frozenset({Tier.MAJOR})
# The workflow, whole. A poll (simple and urgent tiers) opens and closes, by staff or at
# its closing time by the clock (auto_close); a meeting (major) is called and its minutes
# recorded (again, as corrected); a closed poll or a held meeting is decided; a matter the
# poll could not settle (no quorum, a split) is escalated to a meeting — back to open at
# the major tier, its poll's result kept; a decision's follow-up actions are added and
# progress reported while it is decided, and when every one is done the matter is done.
# Withdrawn (cancelled) from any state before a decision.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step              from                                     to           tiers
    _step("open_poll",      (S.OPEN,),                               S.VOTING,    POLL_TIERS),
    _step("close_poll",     (S.VOTING,),                             S.COUNTED,   POLL_TIERS),
    _step("auto_close",     (S.VOTING,),                             S.COUNTED,   POLL_TIERS),
    _step("call_meeting",   (S.OPEN,),                               S.MEETING,   MAJOR),
    _step("record_meeting", (S.MEETING,),                            S.MEETING,   MAJOR),
    _step("escalate",       (S.OPEN, S.COUNTED),                     S.OPEN,      POLL_TIERS),
    _step("decide",         (S.COUNTED, S.MEETING),                  S.DECIDED),
    _step("add_action",     (S.DECIDED,),                            S.DECIDED),
    _step("progress",       (S.DECIDED,),                            S.DECIDED),
    _step("complete",       (S.DECIDED,),                            S.DONE),
    _step("cancel",         (S.OPEN, S.VOTING, S.COUNTED, S.MEETING), S.CANCELLED),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "create": pgettext_lazy("deliberation step", "matter opened"),
    "open_poll": pgettext_lazy("deliberation step", "poll opened"),
    "close_poll": pgettext_lazy("deliberation step", "poll closed by staff"),
    "auto_close": pgettext_lazy("deliberation step", "poll closed at its closing time"),
    "call_meeting": pgettext_lazy("deliberation step", "meeting called"),
    "record_meeting": pgettext_lazy("deliberation step", "minutes and attendance recorded"),
    "escalate": pgettext_lazy("deliberation step", "escalated to a meeting"),
    "decide": pgettext_lazy("deliberation step", "decided"),
    "add_action": pgettext_lazy("deliberation step", "follow-up action added"),
    "progress": pgettext_lazy("deliberation step", "progress reported"),
    "complete": pgettext_lazy("deliberation step", "all actions done"),
    "cancel": pgettext_lazy("deliberation step", "withdrawn"),
}
# Status → the statuses one step reaches (documentation and the property test).
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(step.target for step in STEPS.values() if status in step.sources)
    for status in Status.values
}
FINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)
# While a matter is in one of these, its follow-up actions are shown as in progress.
RUNNING = frozenset({S.OPEN, S.VOTING, S.COUNTED, S.MEETING, S.DECIDED})


def may_take(step: str, status: str, tier: str) -> bool:
    found = STEPS[step]
    return status in found.sources and tier in found.tiers


class Choice(models.TextChoices):
    AGREE = "agree", pgettext_lazy("vote", "agree")
    DISAGREE = "disagree", pgettext_lazy("vote", "disagree")
    ABSTAIN = "abstain", pgettext_lazy("vote", "abstain")


class MeetingKind(models.TextChoices):
    HALL = "hall", _("neighbourhood council (monthly)")
    JOINT = "joint", _("joint community meeting (quarterly)")


# Bounds the services, forms and the database's CHECKs read alike.
TITLE_MAX = 100
DESCRIPTION_MAX = 2000
DECISION_MAX = 2000
MINUTES_MAX = 5000
NOTE_MAX = 500
QUORUM_MIN, QUORUM_MAX = 1, 100
# A resident's poll runs 10 minutes to 30 days; an urgent one closes within 24 hours.
POLL_MIN_MINUTES = 10
SIMPLE_POLL_MAX_DAYS = 30
URGENT_POLL_MAX_HOURS = 24


class Matter(models.Model):
    """议题. ``region`` is the place it concerns (a building, compound or community — whose
    residents vote in a simple poll); ``community`` the community it lies in (or the region
    itself above it), by which staff and inspectors reach it."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=S.OPEN)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    # Where it came from (each optional): staff raise matters of their own too.
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_request = models.ForeignKey(
        "requests.ServiceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.ForeignKey(
        "resident_messages.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The poll (simple and urgent tiers).
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), null=True, blank=True)
    # Counted when the poll closes, hidden before: who could vote, and the votes.
    electorate = models.PositiveIntegerField(null=True, blank=True)
    agree = models.PositiveIntegerField(null=True, blank=True)
    disagree = models.PositiveIntegerField(null=True, blank=True)
    abstain = models.PositiveIntegerField(null=True, blank=True)
    quorum_met = models.BooleanField(null=True, blank=True)
    # The meeting (major tier).
    meeting_kind = models.CharField(
        _("meeting"), max_length=8, choices=MeetingKind.choices, blank=True
    )
    meeting_at = models.DateTimeField(_("meeting time"), null=True, blank=True)
    place = models.CharField(_("meeting place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=DESCRIPTION_MAX, blank=True)
    minutes = models.TextField(_("minutes"), max_length=MINUTES_MAX, blank=True)
    residents_present = models.PositiveIntegerField(_("residents present"), null=True, blank=True)
    # The decision, public.
    decision = models.TextField(_("decision"), max_length=DECISION_MAX, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("matter for deliberation")
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["status", "closes_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="matter_tier_known"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="matter_status_known"
            ),
            models.CheckConstraint(
                condition=Q(quorum_percent__isnull=True)
                | Q(quorum_percent__gte=QUORUM_MIN, quorum_percent__lte=QUORUM_MAX),
                name="matter_quorum_bounded",
            ),
            # A poll that is running or was counted has its window.
            models.CheckConstraint(
                condition=~Q(status__in=[S.VOTING, S.COUNTED])
                | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="matter_poll_has_window",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[S.DECIDED, S.DONE]) | ~Q(decision=""),
                name="matter_decided_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_poll(self) -> bool:
        return self.opens_at is not None

    @property
    def results_public(self) -> bool:
        """The counts are public once the poll is closed (never while it runs)."""
        return self.closed_at is not None and self.agree is not None

    @property
    def turnout(self) -> int:
        return (self.agree or 0) + (self.disagree or 0) + (self.abstain or 0)

    @property
    def turnout_percent(self) -> int:
        return round(100 * self.turnout / self.electorate) if self.electorate else 0


class Invitee(models.Model):
    """A party named for an urgent poll or invited to a meeting: an organisation (the
    party branch, the 业委会, the 物业 — its contacts act for it) or a person."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="invitees")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True, person__isnull=False)
                | Q(organization__isnull=False, person__isnull=True),
                name="invitee_one_party",
            ),
            models.UniqueConstraint(
                fields=["matter", "organization"],
                condition=Q(organization__isnull=False),
                name="invitee_unique_organization",
            ),
            models.UniqueConstraint(
                fields=["matter", "person"],
                condition=Q(person__isnull=False),
                name="invitee_unique_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization or self.person)

    @property
    def name(self) -> str:
        return self.organization.name if self.organization_id else self.person.name  # type: ignore[union-attr]


class Vote(models.Model):
    """One ballot: a resident's own (``ballot`` = ``p<person id>``) in a simple poll; a
    party's (``o<organisation id>``, cast by any of its contacts, or ``p<id>`` for a named
    person) in an urgent one. Changed until the poll closes; never two."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="votes")
    ballot = models.CharField(max_length=24)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices)
    changes = models.PositiveSmallIntegerField(default=0)
    cast_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["matter", "ballot"], name="vote_one_per_ballot"),
            models.CheckConstraint(condition=Q(choice__in=Choice.values), name="vote_choice_known"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot} on {self.matter_id}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("follow-up action", "planned")
    UNDERWAY = "underway", pgettext_lazy("follow-up action", "underway")
    DONE = "done", pgettext_lazy("follow-up action", "done")


class Action(models.Model):
    """A follow-up action of a decision (Decidim's accountability): who carries it out,
    by when, how far it has got — public until done, and after."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    percent = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="action_percent_bounded"
            ),
            models.CheckConstraint(
                condition=Q(owner_person__isnull=True, owner_organization__isnull=False)
                | Q(owner_person__isnull=False, owner_organization__isnull=True),
                name="action_one_owner",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.DONE) | Q(percent=100),
                name="action_done_is_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_organization_id:
            return self.owner_organization.name  # type: ignore[union-attr]
        return self.owner_person.name  # type: ignore[union-attr]


class Progress(models.Model):
    """One report of an action's progress: how far, with what note, by whom."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    percent = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices)
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.percent}% of action {self.action_id}"


class Event(models.Model):
    """One step taken: who, when, from what to what, at which tier, with what note."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    tier = models.CharField(max_length=8)
    # None: the system (jifen tick closing a poll at its time).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of matter {self.matter_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.step]
