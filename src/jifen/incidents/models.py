"""网格事件: 上报 · 立案 · 派遣 · 处置 · 核查 · 结案 · 评价 · 归档.

A grid worker in the street (or a resident, or staff taking a phone call, or an Open311
client) reports an incident at a place; the tier that handles it — the grid, the
community, the town — accepts it, which starts its deadline in China's working days (or
hours, for urgent categories), and assigns it to a person or an organisation (物业, a
utility); the handler resolves it; the reporter (or the grid for anonymous or staff
entries) verifies: fixed → closed, not fixed → back to the handler. The reporter rates
it, and may reopen it within 30 days. What the grid cannot handle it escalates to the
next tier up, which gets its own deadline; what stays overdue three times its deadline
escalates by itself.

The statuses and the steps between them are ``STEPS`` below and nothing else; every step
taken is an ``Event`` (who, when, note, photos).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("incident status", "reported")
    ACCEPTED = "accepted", pgettext_lazy("incident status", "accepted")
    ASSIGNED = "assigned", pgettext_lazy("incident status", "being handled")
    RESOLVED = "resolved", pgettext_lazy("incident status", "resolved, to verify")
    CLOSED = "closed", pgettext_lazy("incident status", "closed")
    REOPENED = "reopened", pgettext_lazy("incident status", "reopened")


class Tier(models.TextChoices):
    """Who handles it (分级处置): 小事不出网格、大事不出社区."""

    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    TOWN = "town", _("town")


TIER_ORDER = (Tier.GRID, Tier.COMMUNITY, Tier.TOWN)


class CloseReason(models.TextChoices):
    FIXED = "fixed", _("fixed")
    DUPLICATE = "duplicate", _("a duplicate of another report")
    NOT_RESPONSIBLE = "not_responsible", _("not ours to handle")
    NO_ACTION = "no_action", _("no action needed")


class Source(models.TextChoices):
    GRID = "grid", _("grid worker")
    RESIDENT = "resident", _("resident")
    STAFF = "staff", _("staff (phone call)")
    OPEN311 = "open311", _("Open311 client")


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (a rating)

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


def _step(name: str, sources: tuple[str, ...], target: str | None) -> Step:
    return Step(name, frozenset(sources), target)


S = Status
# The workflow, whole (CONTRACT "Wave 2: grid incidents"). A reopened incident goes on as
# an accepted one: assigned again, escalated or closed. ``verify`` is two steps, as its
# outcome decides where it goes.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step          from                                                   to
    _step("accept",     (S.REPORTED,),                                         S.ACCEPTED),
    _step("assign",     (S.ACCEPTED, S.REOPENED, S.ASSIGNED),                  S.ASSIGNED),
    _step("resolve",    (S.ASSIGNED,),                                         S.RESOLVED),
    _step("verify_ok",  (S.RESOLVED,),                                         S.CLOSED),
    _step("verify_not", (S.RESOLVED,),                                         S.ASSIGNED),
    _step("escalate",   (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.REOPENED),      S.ACCEPTED),
    _step("close",      (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.RESOLVED, S.REOPENED), S.CLOSED),
    _step("reopen",     (S.CLOSED,),                                           S.REOPENED),
    _step("rate",       (S.CLOSED,),                                           None),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "report": pgettext_lazy("incident step", "reported"),
    "accept": pgettext_lazy("incident step", "accepted"),
    "assign": pgettext_lazy("incident step", "assigned"),
    "resolve": pgettext_lazy("incident step", "resolved"),
    "verify_ok": pgettext_lazy("incident step", "verified fixed"),
    "verify_not": pgettext_lazy("incident step", "not fixed, sent back"),
    "escalate": pgettext_lazy("incident step", "escalated"),
    "close": pgettext_lazy("incident step", "closed without a fix"),
    "reopen": pgettext_lazy("incident step", "reopened"),
    "rate": pgettext_lazy("incident step", "rated"),
    "remind": pgettext_lazy("incident step", "overdue reminder"),
}
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(
        step.target for step in STEPS.values() if status in step.sources and step.target
    )
    for status in Status.values
}
OPEN = frozenset({S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.RESOLVED, S.REOPENED})
# While the clock runs: from acceptance until resolved (a resolution waiting for the
# reporter's check is not the handler's delay).
RUNNING = frozenset({S.ACCEPTED, S.ASSIGNED, S.REOPENED})
REOPEN_DAYS = 30


def may_take(step: str, status: str) -> bool:
    return status in STEPS[step].sources


class Category(models.Model):
    """A kind of incident. A county's categories serve every community below it; a
    community's of the same code replaces it there."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=300, blank=True)
    tier = models.CharField(
        _("handled by default by"), max_length=10, choices=Tier.choices, default=Tier.GRID
    )
    deadline_days = models.PositiveSmallIntegerField(_("working days to handle"), default=3)
    # Urgent categories (安全隐患) count hours instead of working days.
    deadline_hours = models.PositiveSmallIntegerField(_("hours to handle (urgent)"), default=0)
    default_organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by default by the organisation"),
    )
    photo_required = models.BooleanField(_("a photo is required"), default=False)
    # Grid workers' points (党建+网格+积分): a report accepted, an incident closed verified.
    report_item = models.ForeignKey(
        "points.RuleItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points item for a report accepted"),
    )
    close_item = models.ForeignKey(
        "points.RuleItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points item for an incident closed"),
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("incident category")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="incident_category_code"),
            models.CheckConstraint(
                condition=Q(deadline_days__gte=1, deadline_days__lte=60)
                & Q(deadline_hours__lte=168),
                name="incident_category_deadline_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Incident(models.Model):
    # Where: a grid (or a building, compound or community) and an address in words.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("category")
    )
    description = models.TextField(_("description"), max_length=1000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_incidents",
        verbose_name=_("reporter"),
    )
    # Offline reports: the phone's own id for the report, so a resend is the same report.
    client_key = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    # The region of the tier that handles it now: the grid, the community or the town.
    handling_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("handler"),
    )
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handling organisation"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    closed_on_time = models.BooleanField(null=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    # The grid workers' points, each made once: the report accepted, the fix verified.
    report_claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("grid incident")
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["handling_region", "status"]),
            models.Index(fields=["category", "created_at"]),
            models.Index(fields=["reporter", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="incident_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="incident_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180)),
                name="incident_point_on_earth",
            ),
            models.UniqueConstraint(
                fields=["reporter", "client_key"],
                condition=~Q(client_key=""),
                name="incident_offline_report_once",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.name}"


class Photo(models.Model):
    """A photo of the place or of the fix, re-encoded like a claim's (no EXIF survives)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        "Event", on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    image = models.FileField(upload_to="incidents/%Y/%m/")
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of incident {self.incident_id}"


class Event(models.Model):
    """One step taken: who, when, from what to what, at which tier, with what note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    tier = models.CharField(max_length=10, choices=Tier.choices)
    actor = models.ForeignKey(  # None: the system (jifen tick)
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of incident {self.incident_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.step]
