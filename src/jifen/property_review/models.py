"""物业互评: each quarter the property companies of a town or a community inspect each
other's compounds, with a panel of owners and party members scoring a checklist.

A round (``Round``) belongs to a region (a town or a community) and a quarter
(``2026Q4``). While it is a draft, staff name the participating property companies
(``Company``), the compounds each manages (``Compound``: the compound → company mapping
of that quarter), the checklist (``Item``, grouped, each with its maximum score), and the
inspection plan (``Inspection``: company A inspects a compound of company B — never its
own) with its panel (``PanelMember``: owners and party members). Open, the panels score on
their phones (``Score``, editable until the round closes) and record what they found
(``Finding``). Closed, each company's scores are computed — per item the average of its
inspections, each inspection the average of its panel — into ``Result`` and
``ItemResult``; published, they are public.

A finding goes through 问题汇总—公开反馈—跟踪整改—结果运用: staff sort it (a tracked item
for the company to rectify, a grid incident for the community, or dismissed as no
problem); the company's contact reports it rectifying and then fixed, with a note and
photos; staff verify the fix, or reopen it. The statuses and steps of a round and of a
finding are the tables ``ROUND_STEPS`` and ``FINDING_STEPS`` and nothing else; every
step taken is an event row.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Bounds the services, forms, API and the database's CHECKs read alike.
TITLE_MAX = 100
GROUP_MAX = 30
ITEM_MAX = 100
PROBLEM_MAX = 500
LOCATION_MAX = 100
NOTE_MAX = 500
MAX_SCORE_MIN, MAX_SCORE_MAX = 1, 100
MAX_ITEMS = 60
MAX_COMPANIES = 50
MAX_COMPOUNDS = 200
MAX_INSPECTIONS = 200
MAX_PANEL = 30
MAX_PHOTOS = 4
MAX_FINDINGS_PER_INSPECTION = 100
QUARTER_RE = r"^(20\d\d|2100)Q[1-4]$"


@dataclass(frozen=True)
class Step:
    """One step: from which statuses to which. Who may take it is decided in services."""

    name: str
    sources: frozenset[str]
    target: str
    labels: dict[str, str | Promise]

    @property
    def label(self) -> str | Promise:
        return self.labels[self.name]


class RoundStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("property review status", "being planned")
    OPEN = "open", pgettext_lazy("property review status", "inspecting and scoring")
    CLOSED = "closed", pgettext_lazy("property review status", "scores counted")
    PUBLISHED = "published", pgettext_lazy("property review status", "scores published")
    CANCELLED = "cancelled", pgettext_lazy("property review status", "cancelled")


R = RoundStatus
ROUND_STEP_LABELS: dict[str, str | Promise] = {
    "create": pgettext_lazy("property review step", "round planned"),
    "open": pgettext_lazy("property review step", "opened for the panels"),
    "close": pgettext_lazy("property review step", "closed and counted"),
    "publish": pgettext_lazy("property review step", "scores published"),
    "cancel": pgettext_lazy("property review step", "cancelled"),
}


def _round_step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target, ROUND_STEP_LABELS)


# The round's workflow, whole: planned (companies, compounds, checklist, inspections and
# panels are set while it is a draft); opened, the panels score and record findings; closed,
# the scores are frozen and counted; published, they are public and used (结果运用). A round
# that will not take place is cancelled before it closes; once counted it stands.
# fmt: off
ROUND_STEPS: dict[str, Step] = {step.name: step for step in (
    #            step       from                 to
    _round_step("open",    (R.DRAFT,),          R.OPEN),
    _round_step("close",   (R.OPEN,),           R.CLOSED),
    _round_step("publish", (R.CLOSED,),         R.PUBLISHED),
    _round_step("cancel",  (R.DRAFT, R.OPEN),   R.CANCELLED),
)}
# fmt: on
ROUND_ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(s.target for s in ROUND_STEPS.values() if status in s.sources)
    for status in RoundStatus.values
}


class FindingStatus(models.TextChoices):
    RECORDED = "recorded", pgettext_lazy("finding status", "recorded, to be sorted")
    OPEN = "open", pgettext_lazy("finding status", "to rectify")
    RECTIFYING = "rectifying", pgettext_lazy("finding status", "being rectified")
    FIXED = "fixed", pgettext_lazy("finding status", "rectified, to verify")
    VERIFIED = "verified", pgettext_lazy("finding status", "verified")
    REOPENED = "reopened", pgettext_lazy("finding status", "not fixed, reopened")
    REFERRED = "referred", pgettext_lazy("finding status", "handed to the grid as an incident")
    DISMISSED = "dismissed", pgettext_lazy("finding status", "no problem found")


Fs = FindingStatus
FINDING_STEP_LABELS: dict[str, str | Promise] = {
    "record": pgettext_lazy("finding step", "recorded by the panel"),
    "track": pgettext_lazy("finding step", "published for rectification"),
    "refer": pgettext_lazy("finding step", "handed to the grid"),
    "dismiss": pgettext_lazy("finding step", "dismissed"),
    "start": pgettext_lazy("finding step", "rectification started"),
    "fix": pgettext_lazy("finding step", "reported rectified"),
    "verify": pgettext_lazy("finding step", "fix verified"),
    "reopen": pgettext_lazy("finding step", "fix not accepted, reopened"),
}


def _finding_step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target, FINDING_STEP_LABELS)


# A finding's workflow, whole (问题汇总—公开反馈—跟踪整改—结果运用). Staff sort what the
# panel recorded: a tracked item the company rectifies (public from then on), a grid
# incident when it is not the company's to fix (a public road, a utility), or dismissed.
# The company's contact starts and reports the fix (the fix may be reported without a
# "started" step: a quick job); staff verify it or reopen it, and a reopened item is
# rectified again. Verified, dismissed and referred items take no more steps (a referred
# one goes on as the incident's own workflow).
# fmt: off
FINDING_STEPS: dict[str, Step] = {step.name: step for step in (
    #              step       from                                   to
    _finding_step("track",   (Fs.RECORDED,),                        Fs.OPEN),
    _finding_step("refer",   (Fs.RECORDED,),                        Fs.REFERRED),
    _finding_step("dismiss", (Fs.RECORDED,),                        Fs.DISMISSED),
    _finding_step("start",   (Fs.OPEN, Fs.REOPENED),                Fs.RECTIFYING),
    _finding_step("fix",     (Fs.OPEN, Fs.RECTIFYING, Fs.REOPENED), Fs.FIXED),
    _finding_step("verify",  (Fs.FIXED,),                           Fs.VERIFIED),
    _finding_step("reopen",  (Fs.FIXED,),                           Fs.REOPENED),
)}
# fmt: on
FINDING_ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(s.target for s in FINDING_STEPS.values() if status in s.sources)
    for status in FindingStatus.values
}
# Shown on the public page (公开反馈): what staff have sorted as the company's to fix or
# handed on; a finding not yet sorted, or dismissed, is the panel's note, not news.
PUBLIC_FINDINGS = frozenset(
    {Fs.OPEN, Fs.RECTIFYING, Fs.FIXED, Fs.VERIFIED, Fs.REOPENED, Fs.REFERRED}
)
# What the company's contact has to do something about.
TO_RECTIFY = frozenset({Fs.OPEN, Fs.RECTIFYING, Fs.REOPENED})


def may_take_round(step: str, status: str) -> bool:
    return status in ROUND_STEPS[step].sources


def may_take_finding(step: str, status: str) -> bool:
    return status in FINDING_STEPS[step].sources


class PanelKind(models.TextChoices):
    OWNER = "owner", pgettext_lazy("panel member", "owner")
    PARTY = "party", pgettext_lazy("panel member", "party member")


class Round(models.Model):
    """One quarter's cross-evaluation in a town or a community."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=R.DRAFT
    )
    cancel_reason = models.CharField(max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-quarter", "-id"]
        verbose_name = _("property peer review")
        indexes = [models.Index(fields=["status", "quarter"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="pr_round_status_known"
            ),
            # One round per region and quarter (a cancelled one makes room for another).
            models.UniqueConstraint(
                fields=["region", "quarter"],
                condition=~Q(status="cancelled"),
                name="pr_round_one_per_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def scores_public(self) -> bool:
        return self.status == R.PUBLISHED

    @property
    def quarter_label(self) -> str:
        """``2026Q3`` as people say it: 2026年第3季度."""
        return quarter_label(self.quarter)


def quarter_label(quarter: str) -> str:
    year, _sep, n = quarter.partition("Q")
    if not (year.isdigit() and n.isdigit()):
        return quarter
    return str(_("%(year)s Q%(n)s") % {"year": year, "n": n})


class Company(models.Model):
    """A property company taking part in the round (参评物业)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="companies")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="pr_company_once")
        ]

    def __str__(self) -> str:
        return self.organization.name


class Compound(models.Model):
    """A compound and the company managing it this quarter (在管小区)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="compounds")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="compounds")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "region"], name="pr_compound_once")]

    def __str__(self) -> str:
        return self.region.name


class Item(models.Model):
    """A line of the checklist: its group (环境卫生, 绿化 …), what is checked, its top score."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="items")
    group = models.CharField(_("group"), max_length=GROUP_MAX)
    title = models.CharField(_("item"), max_length=ITEM_MAX)
    max_score = models.PositiveSmallIntegerField(_("full marks"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_score__gte=MAX_SCORE_MIN, max_score__lte=MAX_SCORE_MAX),
                name="pr_item_max_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.title}"


class Inspection(models.Model):
    """Company ``inspector`` inspects ``compound``, managed by ``inspected`` (never itself)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="inspections")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    inspected = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="inspected_in")
    scheduled_on = models.DateField(_("date of inspection"), null=True, blank=True)

    class Meta:
        ordering = ["scheduled_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(inspector=F("inspected")), name="pr_inspection_not_own"
            ),
            models.UniqueConstraint(
                fields=["compound", "inspector"], name="pr_inspection_once_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} → {self.compound}"


class PanelMember(models.Model):
    """An owner or a party member on the panel of one inspection (评审团)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="panel")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=PanelKind.choices)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "person"], name="pr_panel_once"),
            models.CheckConstraint(condition=Q(kind__in=PanelKind.values), name="pr_panel_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.inspection_id}"


class Score(models.Model):
    """A panel member's score of one item, changed until the round closes."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "item"], name="pr_score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=MAX_SCORE_MAX), name="pr_score_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} for {self.item_id}"


class Result(models.Model):
    """A company's score of the quarter: the sum of its items' averages (2 decimals)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="result")
    total = models.DecimalField(max_digits=7, decimal_places=2)
    full_marks = models.PositiveIntegerField()
    inspections = models.PositiveSmallIntegerField()
    panel_members = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return f"{self.company}: {self.total}"


class ItemResult(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    average = models.DecimalField(max_digits=6, decimal_places=2, null=True)

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["result", "item"], name="pr_item_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.average}"


class Finding(models.Model):
    """A problem the panel found in a compound: what, where, photos; then its fix."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="findings")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    # Denormalised from the inspection, for the company's list and the public page.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="findings")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="findings")
    problem = models.TextField(_("problem"), max_length=PROBLEM_MAX)
    location = models.CharField(_("location"), max_length=LOCATION_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=Fs.RECORDED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    due_on = models.DateField(_("rectify by"), null=True, blank=True)
    # The grid incident a finding was handed on as (status ``referred``).
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fix_note = models.CharField(_("what was done"), max_length=NOTE_MAX, blank=True)
    staff_note = models.CharField(max_length=NOTE_MAX, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["company", "status"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="pr_finding_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="referred") | Q(incident__isnull=False),
                name="pr_finding_referred_has_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.problem[:30]}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_FINDINGS


class FindingEvent(models.Model):
    """One step of a finding: who, when, from what to what, with what note."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=10)
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
        return f"{self.step} of finding {self.finding_id}"

    @property
    def label(self) -> str | Promise:
        return FINDING_STEP_LABELS.get(self.step, self.step)


class FindingPhoto(models.Model):
    """A photo of the problem or of the fix, re-encoded like a claim's (no EXIF)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(FindingEvent, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="property_review/%Y/%m/")
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
        return f"photo {self.pk} of finding {self.finding_id}"


class RoundEvent(models.Model):
    """One step of a round (planned, opened, closed, published, cancelled)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=10)
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
        return f"{self.step} of round {self.round_id}"

    @property
    def label(self) -> str | Promise:
        return ROUND_STEP_LABELS.get(self.step, self.step)


ZERO = Decimal("0.00")
