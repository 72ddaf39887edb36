"""项目大赛: a contest of service projects — its stages, criteria, judges, entries,
scores and published results.

Staff open a contest over a community, a town or a county (德化's county-level
"社工+志愿" contest: teams submit, judges review, the finalists present in a roadshow
(路演) and answer live (现场答辩), the ranking is published and the winners' projects
become 微实事). The stages and the steps between them are the table ``STEPS`` below and
nothing else; every step taken is a row of ``Event``.

Scoring borrows pretalx's review phases: a phase says which scores are taken now, and a
setting of the contest says when a judge may see the other judges' scores (never, once
they have scored the entry themselves, or once the phase has closed). A phase is open
while the contest is in its stage — ``review`` in the review stage, ``roadshow`` and
``live`` in the final — and closes when the contest moves on; scores can be changed
until then.

Arithmetic is in integers: a judge's total is in hundredths of a point out of 100
(``round(Σ score × weight / max)``), a phase's score the mean of its judges' totals, the
final score ``(roadshow × roadshow weight + live × live weight) / 100``, each rounded half
up to hundredths — the figures published are the figures ranked.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("contest stage", "being prepared")
    SUBMISSION = "submission", pgettext_lazy("contest stage", "open for entries")
    REVIEW = "review", pgettext_lazy("contest stage", "judges reviewing")
    FINAL = "final", pgettext_lazy("contest stage", "final (roadshow)")
    PUBLISHED = "published", pgettext_lazy("contest stage", "results published")
    CANCELLED = "cancelled", pgettext_lazy("contest stage", "cancelled")


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


def _step(name: str, sources: tuple[str, ...], target: str) -> Step:
    return Step(name, frozenset(sources), target)


S = Stage
# The workflow, whole, in order: prepared (criteria, weights, judges), opened for
# entries, closed into the judges' written review, the finalists chosen for the final
# (roadshow and live answers), results published (and the winners' 微实事 made).
# Cancelled from any stage before the results; nothing leads back.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step               from                                   to
    _step("open",            (S.DRAFT,),                            S.SUBMISSION),
    _step("start_review",    (S.SUBMISSION,),                       S.REVIEW),
    _step("start_final",     (S.REVIEW,),                           S.FINAL),
    _step("publish",         (S.FINAL,),                            S.PUBLISHED),
    _step("cancel",          (S.DRAFT, S.SUBMISSION, S.REVIEW, S.FINAL), S.CANCELLED),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "create": pgettext_lazy("contest step", "contest prepared"),
    "open": pgettext_lazy("contest step", "opened for entries"),
    "start_review": pgettext_lazy("contest step", "entries closed, review started"),
    "start_final": pgettext_lazy("contest step", "finalists chosen, final started"),
    "publish": pgettext_lazy("contest step", "results published"),
    "cancel": pgettext_lazy("contest step", "cancelled"),
}
ALLOWED: dict[str, frozenset[str]] = {
    stage: frozenset(step.target for step in STEPS.values() if stage in step.sources)
    for stage in Stage.values
}
FINAL_STAGES = frozenset(stage for stage, targets in ALLOWED.items() if not targets)
# The step that ends each stage (what the stage's due date is for).
NEXT_STEP: dict[str, str] = {
    S.DRAFT: "open",
    S.SUBMISSION: "start_review",
    S.REVIEW: "start_final",
    S.FINAL: "publish",
}


def may_take(step: str, stage: str) -> bool:
    return stage in STEPS[step].sources


class Phase(models.TextChoices):
    REVIEW = "review", pgettext_lazy("contest phase", "written review")
    ROADSHOW = "roadshow", pgettext_lazy("contest phase", "roadshow")
    LIVE = "live", pgettext_lazy("contest phase", "live answers")


# Which phases take scores in which stage.
OPEN_PHASES: dict[str, tuple[str, ...]] = {
    S.REVIEW: (Phase.REVIEW,),
    S.FINAL: (Phase.ROADSHOW, Phase.LIVE),
}
# The stage after which a phase is closed for good.
PHASE_STAGE: dict[str, str] = {
    Phase.REVIEW: S.REVIEW,
    Phase.ROADSHOW: S.FINAL,
    Phase.LIVE: S.FINAL,
}
STAGE_ORDER: list[str] = [S.DRAFT, S.SUBMISSION, S.REVIEW, S.FINAL, S.PUBLISHED]


class Visibility(models.TextChoices):
    """When a judge sees the other judges' scores of an entry (pretalx's review phases)."""

    NEVER = "never", _("never")
    AFTER_OWN = "after_own", _("once they have scored the entry")
    AFTER_CLOSE = "after_close", _("once the phase has closed")


# Bounds the services, forms and the database's CHECKs read alike.
TITLE_MAX = 100
TEXT_MAX = 2000  # a 微实事 summary holds as much
NOTE_MAX = 500
NAME_MAX = 60
MAX_CRITERIA = 12
MAX_SCORE_MAX = 100  # a criterion is scored out of at most 100
MAX_JUDGES = 30
MAX_MILESTONES = 12
MAX_YEARS = 100
MAX_BUDGET_FEN = 10_000_000_000  # 100 million yuan
MAX_WINNERS = 50
MAX_DOCUMENTS = 10
MAX_ENTRIES = 300  # a county's contest had 15 finalists of a few dozen entries


class Contest(models.Model):
    """项目大赛 over ``region`` (a community, a town or a county): staff of the region run it."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("contest", "title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=S.DRAFT)
    anonymous_review = models.BooleanField(
        _("anonymous review"),
        default=False,
        help_text=_("In the written review, judges see a project's code, not its team."),
    )
    score_visibility = models.CharField(
        _("judges see each other's scores"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.AFTER_CLOSE,
    )
    roadshow_weight = models.PositiveSmallIntegerField(_("roadshow weight (%)"), default=70)
    live_weight = models.PositiveSmallIntegerField(_("live answers weight (%)"), default=30)
    winners = models.PositiveSmallIntegerField(_("number of winners"), default=3)
    # Due dates of the stages (the staff's to-do when one passes with the stage still open).
    submission_ends_on = models.DateField(_("entries close on"), null=True, blank=True)
    review_ends_on = models.DateField(_("review ends on"), null=True, blank=True)
    final_on = models.DateField(_("final on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project contest")
        indexes = [models.Index(fields=["region", "stage"])]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="contest_stage_known"),
            models.CheckConstraint(
                condition=Q(score_visibility__in=Visibility.values),
                name="contest_visibility_known",
            ),
            models.CheckConstraint(
                condition=Q(roadshow_weight__lte=100, live_weight__lte=100),
                name="contest_weights_bounded",
            ),
            models.CheckConstraint(
                condition=Q(winners__gte=1, winners__lte=MAX_WINNERS),
                name="contest_winners_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def due_on(self) -> date | None:
        """The due date of the stage it is in (None when none is set or it is over)."""
        dates: dict[str, date | None] = {
            S.SUBMISSION: self.submission_ends_on,
            S.REVIEW: self.review_ends_on,
            S.FINAL: self.final_on,
        }
        return dates.get(self.stage)

    @property
    def open_phases(self) -> tuple[str, ...]:
        return OPEN_PHASES.get(self.stage, ())

    def phase_closed(self, phase: str) -> bool:
        """Past the phase's stage (a cancelled contest's phases close too)."""
        if self.stage == S.CANCELLED:
            return True
        if self.stage not in STAGE_ORDER:
            return False
        return STAGE_ORDER.index(self.stage) > STAGE_ORDER.index(PHASE_STAGE[phase])

    def phase_started(self, phase: str) -> bool:
        if self.stage == S.CANCELLED or self.stage not in STAGE_ORDER:
            return False
        return STAGE_ORDER.index(self.stage) >= STAGE_ORDER.index(PHASE_STAGE[phase])


class Criterion(models.Model):
    """评分标准: a line of the judges' sheet, its weight (the weights sum to 100) and the
    score it is marked out of."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("criterion"), max_length=NAME_MAX)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    max_score = models.PositiveSmallIntegerField(_("out of"))

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="criterion_weight_bounded"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=1, max_score__lte=MAX_SCORE_MAX),
                name="criterion_max_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Judge(models.Model):
    """A person named to judge this contest (not a role: judges are named per contest)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="judges")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "person"], name="judge_once_per_contest")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.contest_id}"


class EntryStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("contest entry", "submitted")
    FINALIST = "finalist", pgettext_lazy("contest entry", "in the final")
    NOT_SELECTED = "not_selected", pgettext_lazy("contest entry", "not in the final")
    WITHDRAWN = "withdrawn", pgettext_lazy("contest entry", "withdrawn")


class Entry(models.Model):
    """参赛项目: a volunteer team's or a unit's project, submitted by the team's leader or
    the unit's contact; ``community`` is where the project runs (its 微实事's community)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=8)  # 项目编号, shown instead of the team when anonymous
    team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("project"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=TEXT_MAX)
    years_running = models.PositiveSmallIntegerField(_("years running"), default=0)
    core_members = models.TextField(_("core members"), max_length=NOTE_MAX, blank=True)
    budget_fen = models.BigIntegerField(_("budget"), default=0)
    # [[title, "YYYY-MM-DD" or ""], ...]: the milestones its 微实事 starts with.
    milestones = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=14, choices=EntryStatus.choices, default=EntryStatus.SUBMITTED
    )
    project_id = models.BigIntegerField(null=True, blank=True)  # the 微实事 it became
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("contest entry")
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True, organization__isnull=False)
                | Q(team__isnull=False, organization__isnull=True),
                name="entry_one_entrant",
            ),
            models.UniqueConstraint(
                fields=["contest", "team"],
                condition=Q(team__isnull=False) & ~Q(status="withdrawn"),
                name="entry_one_per_team",
            ),
            models.UniqueConstraint(
                fields=["contest", "organization"],
                condition=Q(organization__isnull=False) & ~Q(status="withdrawn"),
                name="entry_one_per_organization",
            ),
            models.UniqueConstraint(fields=["contest", "code"], name="entry_code_unique"),
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0, budget_fen__lte=MAX_BUDGET_FEN),
                name="entry_budget_bounded",
            ),
            models.CheckConstraint(
                condition=Q(years_running__lte=MAX_YEARS), name="entry_years_bounded"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="entry_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def entrant_name(self) -> str:
        if self.team_id:
            return self.team.name  # type: ignore[union-attr]
        return self.organization.name  # type: ignore[union-attr]

    @property
    def budget_yuan(self) -> str:
        return f"{self.budget_fen // 100}.{self.budget_fen % 100:02d}"


class Document(models.Model):
    """A file of an entry (its plan, a PDF or a picture), checked by what its bytes are."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="contests/%Y/%m/", max_length=200)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def shown_name(self, named: bool = True) -> str:
        """The file's name, or in an anonymous review one that says nothing of who sent it
        (a team names its plan after itself): the entry's code and the document's number."""
        if named:
            return self.name
        ext = self.name.rpartition(".")[2][:8] if "." in self.name else ""
        return f"{self.entry.code}-{self.pk}" + (f".{ext}" if ext else "")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Score(models.Model):
    """One judge's sheet for one entry in one phase: ``values`` maps each criterion's id
    to its mark; ``total`` is in hundredths of a point out of 100."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="scores")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    values = models.JSONField(default=dict)
    total = models.PositiveIntegerField()
    comment = models.CharField(max_length=NOTE_MAX, blank=True)
    changes = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entry_id", "phase", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "judge", "phase"], name="score_one_per_judge_phase"
            ),
            models.CheckConstraint(condition=Q(total__lte=10000), name="score_total_bounded"),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="score_phase_known"),
        ]

    def __str__(self) -> str:
        return f"{self.judge_id} on {self.entry_id} ({self.phase})"


class Abstention(models.Model):
    """回避: a judge declares a conflict of interest with an entry and scores it in no phase."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="abstentions")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="abstentions")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=NOTE_MAX)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="abstention_once")]

    def __str__(self) -> str:
        return f"{self.judge_id} abstains on {self.entry_id}"


class TieBreak(models.TextChoices):
    NONE = "", _("no tie")
    ROADSHOW = "roadshow", _("ahead on the roadshow score")
    LIVE = "live", _("ahead on the live answers score")
    REVIEW = "review", _("ahead on the written review score")
    SHARED = "shared", _("equal on every score: the rank is shared")


class Result(models.Model):
    """A finalist's published place, frozen when the results are published."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="results")
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="result")
    rank = models.PositiveSmallIntegerField()
    total = models.PositiveIntegerField()  # hundredths
    roadshow = models.PositiveIntegerField()
    live = models.PositiveIntegerField()
    review = models.PositiveIntegerField(null=True, blank=True)
    judges = models.PositiveSmallIntegerField(default=0)
    tie_break = models.CharField(max_length=10, choices=TieBreak.choices, blank=True)
    winner = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank", "entry__code"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.entry_id}"


class Event(models.Model):
    """One step taken: who, when, from what stage to what, with what note."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_stage = models.CharField(max_length=12, blank=True)
    to_stage = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of contest {self.contest_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.step]


def hundredths(value: int | None) -> str:
    """8533 → "85.33"."""
    if value is None:
        return "—"
    return f"{value // 100}.{value % 100:02d}"
