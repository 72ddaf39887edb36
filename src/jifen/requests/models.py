"""居民点单 · 社区派单 · 志愿者接单, and the 心愿墙: a resident's need, met and confirmed.

A resident (or their proxy, or staff at the desk) asks for help from the community's
service menu (菜单服务) or posts a small wish (微心愿: the same record, ``kind`` wish).
Staff check it and publish it for any eligible volunteer to take (抢单) or dispatch it
to a person, a team or an organisation; the helper does it; the requester confirms
and rates it, and only then a claim for the helper enters the review every point
passes. The statuses and the steps between them are the table ``STEPS`` below and
nothing else; every step taken is a row of ``Event``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.lib.bounds import MAX_POINTS


class Kind(models.TextChoices):
    REQUEST = "request", _("service request")
    WISH = "wish", _("small wish")


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("request status", "being checked")
    OPEN = "open", pgettext_lazy("request status", "open to take")
    REJECTED = "rejected", pgettext_lazy("request status", "rejected")
    ASSIGNED = "assigned", pgettext_lazy("request status", "in service")
    DONE = "done", pgettext_lazy("request status", "done, to confirm")
    COMPLETED = "completed", pgettext_lazy("request status", "completed")
    CANCELLED = "cancelled", pgettext_lazy("request status", "cancelled")


@dataclass(frozen=True)
class Step:
    """One step of the workflow: from which statuses, to which. Who may take it is
    decided in ``services``."""

    name: str
    sources: frozenset[str]
    target: str

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


def _step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target)


S = Status
# The workflow, whole. CONTRACT: submitted → open or rejected → assigned → done →
# completed; cancelled from any state before done. Staff may also dispatch a request
# straight from the check (派单) and reassign one in hand (改派, an overdue helper: its
# own step, so the history says so); a team's leader or an
# organisation's contact names the member who goes; the assignee may hand it back
# before doing it; a requester who says it was not done sends it back to the assignee.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step             from                                to
    _step("publish",       (S.SUBMITTED,),                     S.OPEN),
    _step("reject",        (S.SUBMITTED,),                     S.REJECTED),
    _step("dispatch",      (S.SUBMITTED, S.OPEN),              S.ASSIGNED),
    _step("reassign",      (S.ASSIGNED,),                      S.ASSIGNED),
    _step("accept",        (S.OPEN,),                          S.ASSIGNED),
    _step("assign_member", (S.ASSIGNED,),                      S.ASSIGNED),
    _step("hand_back",     (S.ASSIGNED,),                      S.OPEN),
    _step("done",          (S.ASSIGNED,),                      S.DONE),
    _step("dispute",       (S.DONE,),                          S.ASSIGNED),
    _step("confirm",       (S.DONE,),                          S.COMPLETED),
    _step("auto_confirm",  (S.DONE,),                          S.COMPLETED),
    _step("cancel",        (S.SUBMITTED, S.OPEN, S.ASSIGNED),  S.CANCELLED),
)}
# fmt: on
# How each step reads in the request's history (``submit`` is the request's creation).
STEP_LABELS: dict[str, str | Promise] = {
    "submit": pgettext_lazy("request step", "submitted"),
    "publish": pgettext_lazy("request step", "published for volunteers to take"),
    "reject": pgettext_lazy("request step", "rejected"),
    "dispatch": pgettext_lazy("request step", "dispatched"),
    "reassign": pgettext_lazy("request step", "reassigned"),
    "accept": pgettext_lazy("request step", "taken by a volunteer"),
    "assign_member": pgettext_lazy("request step", "member named"),
    "hand_back": pgettext_lazy("request step", "handed back"),
    "done": pgettext_lazy("request step", "reported done"),
    "dispute": pgettext_lazy("request step", "not done, sent back"),
    "confirm": pgettext_lazy("request step", "confirmed"),
    "auto_confirm": pgettext_lazy("request step", "confirmed automatically"),
    "cancel": pgettext_lazy("request step", "cancelled"),
}
# Status → the statuses one step reaches (for documentation and the property test).
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(step.target for step in STEPS.values() if status in step.sources)
    for status in Status.values
}
FINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)
# Statuses in which the request is someone's work in hand (the address is theirs to see).
IN_HAND = frozenset({S.ASSIGNED, S.DONE})


def may_take(step: str, status: str) -> bool:
    return status in STEPS[step].sources


class Eligibility(models.TextChoices):
    """Who may take a published request of a menu item (抢单)."""

    ANYONE = "anyone", _("any volunteer")
    PARTY = "party", _("party members")
    TEAM = "team", _("members of a volunteer team")
    ORGANIZATION = "organization", _("members of a unit")


class MenuItem(models.Model):
    """A line of the service menu (菜单服务). A county's or town's items serve every
    community below it; a community item of the same code replaces it there. A line
    serves either requests or wishes (``kind``): a wish is not offered 家电维修, nor a
    request 微心愿."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    group = models.CharField(_("category"), max_length=30)
    kind = models.CharField(_("serves"), max_length=8, choices=Kind.choices, default=Kind.REQUEST)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The points item the helper's claim is made of; the points are the request's own.
    rule_item = models.ForeignKey(
        "points.RuleItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("points item")
    )
    points = models.PositiveIntegerField(_("suggested points"))
    max_points = models.PositiveIntegerField(_("most points"))
    eligibility = models.CharField(
        _("who may take it"), max_length=16, choices=Eligibility.choices, default=Eligibility.ANYONE
    )
    deadline_days = models.PositiveSmallIntegerField(_("working days to do it"), default=3)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service menu item")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="menu_item_unique_code"),
            models.CheckConstraint(
                condition=Q(points__gte=1, max_points__gte=models.F("points"))
                & Q(max_points__lte=MAX_POINTS),
                name="menu_item_points_bounded",
            ),
            models.CheckConstraint(
                condition=Q(deadline_days__gte=1, deadline_days__lte=60),
                name="menu_item_deadline_bounded",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="menu_item_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EnteredAs(models.TextChoices):
    SELF = "self", _("by the resident")
    PROXY = "proxy", _("by their family proxy")
    STAFF = "staff", _("by staff at the desk")


class ServiceRequest(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.REQUEST)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    menu_item = models.ForeignKey(
        MenuItem, on_delete=models.PROTECT, related_name="requests", verbose_name=_("service")
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    # Private: staff and, once it is theirs, the assignee.
    address = models.CharField(_("address"), max_length=200, blank=True)
    wanted_from = models.DateTimeField(_("wanted from"), null=True, blank=True)
    wanted_until = models.DateTimeField(_("wanted until"), null=True, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("requester"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_as = models.CharField(max_length=8, choices=EnteredAs.choices, default=EnteredAs.SELF)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    # Fixed when published or dispatched: what the completion earns the helper.
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("helper"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    auto_confirmed = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service request")
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["requester", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="request_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=1, points__lte=MAX_POINTS),
                name="request_points_bounded",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="request_status_known"
            ),
            # Done and completed requests have a helper; completed ones a claim or a
            # reason there is none (a helper with no home community).
            models.CheckConstraint(
                condition=~Q(status__in=[Status.DONE, Status.COMPLETED])
                | Q(assignee__isnull=False),
                name="request_done_has_helper",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_wish(self) -> bool:
        return self.kind == Kind.WISH


class Photo(models.Model):
    """A photo of the need, re-encoded on upload like a claim's (no EXIF survives)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="requests/%Y/%m/")
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of request {self.request_id}"


class Event(models.Model):
    """One step taken: who, when, from what to what, with what note. The requester
    reads their request's history from these; nothing edits or deletes them."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    # None: the system (jifen tick's automatic confirmation).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of request {self.request_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.step]
