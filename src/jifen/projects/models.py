"""三单 (resources, needs, projects) and 微实事: projects led by units, their milestones.

A community keeps three lists (泉港's 三单):

- resources (资源清单): what units and people offer — a meeting room, a doctor's hour, a
  van, money, goods — offered by a unit's contact or entered by staff;
- needs (需求清单): what residents need, from a service request, a message, a survey or a
  visit; a person (an in-service party member) or a unit takes one (认领), or staff turn
  it into a project;
- projects (项目清单 · 微实事): a need matched to resources, led by a unit (领办), with a
  budget in yuan (stored in fen) and milestones; its milestones and completion are public,
  and its completion earns the lead unit its points through a claim the review group
  approves like any other.

The statuses of a need and of a project, and the steps between them, are the tables
``NEED_STEPS`` and ``STEPS`` below and nothing else; every step taken is a row of
``NeedEvent`` or ``Event``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Bounds the services, forms and the database's CHECKs read alike.
TITLE_MAX = 100
SUMMARY_MAX = 2000
AVAILABILITY_MAX = 200
NOTE_MAX = 500
SOURCE_REF_MAX = 100
MAX_MILESTONES = 20
# 微实事 are small: at most 100 million yuan, far above any community's project.
MAX_BUDGET_FEN = 100_000_000 * 100


@dataclass(frozen=True)
class Step:
    """One step: from which statuses to which. Who may take it is decided in
    ``services``."""

    name: str
    sources: frozenset[str]
    target: str


def _step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target)


# --- Resources (资源清单) ------


class ResourceKind(models.TextChoices):
    VENUE = "venue", pgettext_lazy("resource kind", "venue or room")
    EXPERTISE = "expertise", pgettext_lazy("resource kind", "expertise or hours")
    VEHICLE = "vehicle", pgettext_lazy("resource kind", "vehicle")
    FUNDS = "funds", pgettext_lazy("resource kind", "funds")
    GOODS = "goods", pgettext_lazy("resource kind", "goods")
    OTHER = "other", pgettext_lazy("resource kind", "other")


class Resource(models.Model):
    """What a unit or a person offers the community. Public: the offering unit's name, a
    person's masked name; never a phone."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    title = models.CharField(_("what is offered"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=SUMMARY_MAX, blank=True)
    availability = models.CharField(_("when available"), max_length=AVAILABILITY_MAX, blank=True)
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(pgettext_lazy("resource", "on offer"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "is_active", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values), name="resource_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=True, person__isnull=False)
                | Q(organization__isnull=False, person__isnull=True),
                name="resource_one_offerer",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


# --- Needs (需求清单) ------


class NeedSource(models.TextChoices):
    REQUEST = "request", pgettext_lazy("need source", "resident's request")
    MESSAGE = "message", pgettext_lazy("need source", "resident's message")
    SURVEY = "survey", pgettext_lazy("need source", "survey")
    VISIT = "visit", pgettext_lazy("need source", "home visit")
    OTHER = "other", pgettext_lazy("need source", "other")


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("need status", "open to take")
    CLAIMED = "claimed", pgettext_lazy("need status", "taken")
    PLANNED = "planned", pgettext_lazy("need status", "in a project")
    MET = "met", pgettext_lazy("need status", "met")
    CLOSED = "closed", pgettext_lazy("need status", "closed")


N = NeedStatus
# The needs list, whole. An open need is taken (认领) by a person or a unit, who may give
# it back (release) or report it met; staff turn an open or taken need into a project
# (plan) — the project's completion meets it, its cancelling lists the need again
# (reopen); staff close one that cannot or need not be
# met (a duplicate, nobody's to meet) with a reason.
# fmt: off
NEED_STEPS: dict[str, Step] = {step.name: step for step in (
    #     step       from                      to
    _step("claim",   (N.OPEN,),                N.CLAIMED),
    _step("release", (N.CLAIMED,),             N.OPEN),
    _step("plan",    (N.OPEN, N.CLAIMED),      N.PLANNED),
    _step("meet",    (N.CLAIMED, N.PLANNED),   N.MET),
    _step("close",   (N.OPEN, N.CLAIMED),      N.CLOSED),
    _step("reopen",  (N.PLANNED,),             N.OPEN),
)}
# fmt: on
NEED_STEP_LABELS: dict[str, str | Promise] = {
    "create": pgettext_lazy("need step", "need listed"),
    "claim": pgettext_lazy("need step", "taken"),
    "release": pgettext_lazy("need step", "given back"),
    "plan": pgettext_lazy("need step", "turned into a project"),
    "meet": pgettext_lazy("need step", "met"),
    "close": pgettext_lazy("need step", "closed"),
    "reopen": pgettext_lazy("need step", "listed again: its project was cancelled"),
}
NEED_ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(s.target for s in NEED_STEPS.values() if status in s.sources)
    for status in NeedStatus.values
}


class Need(models.Model):
    """需求: what residents need, with where it came from."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("need"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=SUMMARY_MAX, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=NeedSource.choices)
    # The record it came from (a request or a message), or a note of the survey or visit.
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
    source_note = models.CharField(_("source details"), max_length=SOURCE_REF_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus.choices, default=N.OPEN
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    project = models.ForeignKey(
        "Project", on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    met_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NeedStatus.values), name="need_status_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=NeedSource.values), name="need_source_known"
            ),
            # Taken by someone: the person who took it (for a unit, its contact).
            models.CheckConstraint(
                condition=~Q(status=N.CLAIMED) | Q(claimed_by__isnull=False),
                name="need_claimed_has_taker",
            ),
            models.CheckConstraint(
                condition=~Q(status=N.PLANNED) | Q(project__isnull=False),
                name="need_planned_has_project",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def taker_name(self) -> str:
        if self.claimed_organization_id:
            return self.claimed_organization.name  # type: ignore[union-attr]
        return self.claimed_by.name if self.claimed_by_id else ""  # type: ignore[union-attr]


class NeedEvent(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of need {self.need_id}"

    @property
    def label(self) -> str | Promise:
        return NEED_STEP_LABELS[self.step]


# --- Projects (项目清单 · 微实事) ------


class ProjectSource(models.TextChoices):
    STAFF = "staff", pgettext_lazy("project source", "community's own")
    NEED = "need", pgettext_lazy("project source", "from the needs list")
    CONTEST = "contest", pgettext_lazy("project source", "project contest")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("project status", "draft")
    OPEN = "open", pgettext_lazy("project status", "looking for a lead unit")
    LED = "led", pgettext_lazy("project status", "led by a unit")
    IN_PROGRESS = "in_progress", pgettext_lazy("project status", "in progress")
    COMPLETED = "completed", pgettext_lazy("project status", "completed, points in review")
    REVIEWED = "reviewed", pgettext_lazy("project status", "completed and reviewed")
    CANCELLED = "cancelled", pgettext_lazy("project status", "cancelled")


S = Status
# The projects list, whole. Staff draft a project and publish it for units to lead, or
# assign a lead unit themselves; a unit's contact takes the lead of an open one (领办) and
# may give it back before any milestone is reported; reporting a milestone puts a led
# project in progress; the lead (or staff) completes it once every milestone is done —
# that makes the lead unit's claim, which the review group approves or rejects like any
# claim, and the project is reviewed when they have (review: by the clock or on reading,
# actor None). Staff cancel a project any time before completion.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step       from                                    to
    _step("publish", (S.DRAFT,),                             S.OPEN),
    _step("lead",    (S.OPEN,),                              S.LED),
    _step("assign",  (S.DRAFT, S.OPEN),                      S.LED),
    _step("release", (S.LED,),                               S.OPEN),
    _step("report",  (S.LED, S.IN_PROGRESS),                 S.IN_PROGRESS),
    _step("complete", (S.LED, S.IN_PROGRESS),                S.COMPLETED),
    _step("review",  (S.COMPLETED,),                         S.REVIEWED),
    _step("cancel",  (S.DRAFT, S.OPEN, S.LED, S.IN_PROGRESS), S.CANCELLED),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "create": pgettext_lazy("project step", "project drafted"),
    "publish": pgettext_lazy("project step", "published for units to lead"),
    "lead": pgettext_lazy("project step", "a unit took the lead"),
    "assign": pgettext_lazy("project step", "lead unit assigned"),
    "release": pgettext_lazy("project step", "the lead unit gave it back"),
    "report": pgettext_lazy("project step", "milestone reached"),
    "complete": pgettext_lazy("project step", "completed"),
    "review": pgettext_lazy("project step", "points reviewed"),
    "cancel": pgettext_lazy("project step", "cancelled"),
}
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(s.target for s in STEPS.values() if status in s.sources)
    for status in Status.values
}
FINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)
# Shown on the public list (a draft is the staff's own).
PUBLIC = frozenset(Status.values) - {S.DRAFT}
RUNNING = frozenset({S.LED, S.IN_PROGRESS})


def may_take(step: str, status: str) -> bool:
    return status in STEPS[step].sources


def may_take_need(step: str, status: str) -> bool:
    return status in NEED_STEPS[step].sources


class Project(models.Model):
    """微实事: a need matched to resources, a lead unit, a budget, milestones."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("project"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    budget_fen = models.BigIntegerField(_("budget (fen)"), default=0)
    lead_organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead unit"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ProjectSource.choices, default=ProjectSource.STAFF
    )
    source_ref = models.CharField(_("reference"), max_length=SOURCE_REF_MAX, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=S.DRAFT)
    resources = models.ManyToManyField(Resource, blank=True, related_name="projects")
    # What completion earns the lead unit: a rule item of the community and the points
    # fixed for it; the claim is made on completion and reviewed like any.
    rule_item = models.ForeignKey(
        "points.RuleItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.PositiveIntegerField(_("points for the lead unit"), null=True, blank=True)
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    led_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(_("completion report"), max_length=SUMMARY_MAX, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["lead_organization", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="project_status_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ProjectSource.values), name="project_source_known"
            ),
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0, budget_fen__lte=MAX_BUDGET_FEN),
                name="project_budget_bounded",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=1, points__lte=1_000_000),
                name="project_points_bounded",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[S.LED, S.IN_PROGRESS, S.COMPLETED, S.REVIEWED])
                | Q(lead_organization__isnull=False),
                name="project_led_has_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def budget_yuan(self) -> str:
        yuan, fen = divmod(self.budget_fen, 100)
        return f"{yuan:,}" if not fen else f"{yuan:,}.{fen:02d}"


class Milestone(models.Model):
    """A milestone: its title and due date; when reached, by whom, with a note and a
    photo (re-encoded, no EXIF). Public with the project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("milestone"), max_length=TITLE_MAX)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    photo = models.FileField(upload_to="projects/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=16, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Event(models.Model):
    """One step of a project: who, when, from what to what, with what note."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of project {self.project_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.step]
