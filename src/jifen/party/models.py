"""在职党员回家报到: 报到单, 积分周·回家日, sealed quarterly statements per employer.

- ``Report`` (报到单): an in-service party member reports home to their community, naming
  their employer (an ``Organization`` of any region). One active report per person; staff
  correct the employer or end the report; every step is a ``ReportEvent``. The person's
  own fields (``is_party_member``, ``is_reporting_party_member``, ``employer``) follow, so
  the annual report per employer (publicity.selection) reads the same data.
- ``HomeDays`` (积分周·回家日): the community's monthly window, the last N days of each
  month (default 7).
- ``Service``: a reporting member's service (a claim, or an activity's attendance) dated
  in the window, marked as reporting home. Service in working hours of an official
  working day waits for staff approval. Every step is a ``ServiceEvent``.
- ``Statement`` (服务登记卡): the quarter's lines for one employer, sealed once (a Merkle
  root over the lines, chained to the unit's previous statement) and never changed.

The statuses and the steps between them are the tables ``REPORT_STEPS`` and
``SERVICE_STEPS`` and nothing else.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 28, 7
NOTE_MAX = 200


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str


def _step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target)


# --- 报到单 ---------------------------------------------------------------------------------


class ReportStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("party report", "reporting home")
    ENDED = "ended", pgettext_lazy("party report", "ended")


R = ReportStatus
# A member files a report (``file``, from nothing); staff correct its employer while it
# runs; staff — or the member, who moved away or retired — end it. An ended report stays
# ended: reporting again is a new report, so the history of each stays readable.
# fmt: off
REPORT_STEPS: dict[str, Step] = {s.name: s for s in (
    _step("file",    ("",),        R.ACTIVE),
    _step("correct", (R.ACTIVE,),  R.ACTIVE),
    _step("end",     (R.ACTIVE,),  R.ENDED),
)}
# fmt: on
REPORT_STEP_LABELS: dict[str, str | Promise] = {
    "file": pgettext_lazy("party report step", "reported home"),
    "correct": pgettext_lazy("party report step", "corrected by staff"),
    "end": pgettext_lazy("party report step", "ended"),
}


class Report(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="party_reports"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="party_reports"
    )
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=R.ACTIVE)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["employer", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="party_one_active_report"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "ended"]), name="party_report_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True)
                | Q(status="ended", ended_on__isnull=False),
                name="party_report_ended_has_day",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} → {self.community_id}"


class ReportEvent(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=10)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8)
    employer = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of report {self.report_id}"

    @property
    def label(self) -> str | Promise:
        return REPORT_STEP_LABELS[self.step]


# --- 积分周 · 回家日 --------------------------------------------------------------------------


class HomeDays(models.Model):
    """A community's own window: the last ``days`` days of each month, from the month
    ``since``; the months before it keep the window they had (``before``), so a change
    never turns earlier service into reporting home after the fact."""

    community = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(default=DAYS_DEFAULT)
    since = models.DateField(null=True, blank=True)  # the first day of the month it took effect
    before = models.PositiveSmallIntegerField(default=DAYS_DEFAULT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=DAYS_MIN, days__lte=DAYS_MAX), name="party_days_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.days}"


class ServiceStatus(models.TextChoices):
    COUNTED = "counted", pgettext_lazy("home-day service", "counted")
    PENDING = "pending", pgettext_lazy("home-day service", "waiting for staff approval")
    APPROVED = "approved", pgettext_lazy("home-day service", "approved by staff")
    REJECTED = "rejected", pgettext_lazy("home-day service", "not counted")


V = ServiceStatus
# Service is marked by the system (``mark``): counted at once, or pending when it falls in
# working hours of an official working day; staff approve or reject what is pending. A
# decision stands: a wrong one is corrected by the claim's own review, not here.
# fmt: off
SERVICE_STEPS: dict[str, Step] = {s.name: s for s in (
    _step("mark_counted", ("",),          V.COUNTED),
    _step("mark_pending", ("",),          V.PENDING),
    _step("approve",      (V.PENDING,),   V.APPROVED),
    _step("reject",       (V.PENDING,),   V.REJECTED),
)}
# fmt: on
SERVICE_STEP_LABELS: dict[str, str | Promise] = {
    "mark_counted": pgettext_lazy("home-day service step", "marked as reporting home"),
    "mark_pending": pgettext_lazy(
        "home-day service step", "in working hours: waiting for approval"
    ),
    "approve": pgettext_lazy("home-day service step", "approved"),
    "reject": pgettext_lazy("home-day service step", "rejected"),
}
COUNTS = (V.COUNTED, V.APPROVED)


class ServiceKind(models.TextChoices):
    CLAIM = "claim", pgettext_lazy("home-day service", "declared service")
    ATTENDANCE = "attendance", pgettext_lazy("home-day service", "activity sign-in")


class Service(models.Model):
    """One service of a reporting member in the window: a claim of their own (not one an
    activity made: the attendance stands for it) or an activity's attendance."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="services")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ServiceKind.choices)
    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance = models.OneToOneField(
        "activities.Attendance", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    working_hours = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ServiceStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "day"]),
            models.Index(fields=["employer", "day"]),
            models.Index(fields=["person", "day"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="claim", claim__isnull=False, attendance__isnull=True)
                | Q(kind="attendance", claim__isnull=True, attendance__isnull=False),
                name="party_service_one_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["counted", "pending", "approved", "rejected"]),
                name="party_service_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.person_id} on {self.day}"

    @property
    def counts(self) -> bool:
        return self.status in COUNTS


class ServiceEvent(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=14)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of service {self.service_id}"

    @property
    def label(self) -> str | Promise:
        return SERVICE_STEP_LABELS[self.step]


# --- The quarterly statement (服务登记卡) ------------------------------------------------------


class Statement(models.Model):
    """Sealed once, on the first request after its quarter ended; never changed (the
    services write it in one go and nothing updates it). ``lines`` hold what was sealed:
    the public fields of each line (those the leaves are made of) and, for the unit and
    staff only, the person's id and full name."""

    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="party_statements"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=6)  # 2026Q4
    lines = models.JSONField(default=list)
    leaves = models.BinaryField()
    leaf_count = models.PositiveIntegerField()
    root = models.CharField(max_length=64)
    seal = models.CharField(max_length=64, unique=True)
    previous_seal = models.CharField(max_length=64, blank=True)
    members = models.PositiveIntegerField(default=0)
    unit_points = models.BigIntegerField(default=0)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-quarter", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "quarter"], name="party_statement_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.quarter}"
