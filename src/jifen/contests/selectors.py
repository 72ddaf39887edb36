"""Reads of 项目大赛: who sees a contest and its scores, the standings, what waits.

Staff over the contest's region (``MANAGE_CONTESTS``) read everything. A judge reads the
entries of the phases they score — by code only in an anonymous written review — their
own sheets always, and the other judges' as the contest says (``score_visibility``):
never, once they have scored (or stood aside on) that entry in that phase, or once the
phase has closed. A team's leader or a unit's contact reads their own entry. The public
reads a contest's title, stage and dates, and its ranking once published; never a single
judge's sheet.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from jifen.contests import ranking
from jifen.contests.models import (
    OPEN_PHASES,
    Abstention,
    Contest,
    Entry,
    EntryStatus,
    Event,
    Judge,
    Phase,
    Result,
    Score,
    Stage,
    TieBreak,
    Visibility,
)
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person, Team
from jifen.regions.models import Region

# --- Reach ------


def may_manage(viewer: Person | None, contest: Contest) -> bool:
    return authz.can(viewer, authz.MANAGE_CONTESTS, contest.region)


def is_judge(viewer: Person | None, contest: Contest) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    return Judge.objects.filter(contest=contest, person=viewer).exists()


def managed(viewer: Person) -> QuerySet[Contest]:
    return Contest.objects.filter(authz.regions_q(viewer, authz.MANAGE_CONTESTS, "region"))


def get_managed(viewer: Person, contest_id: int) -> Contest | None:
    return managed(viewer).select_related("region").filter(pk=contest_id).first()


def get(contest_id: int) -> Contest | None:
    return Contest.objects.select_related("region").filter(pk=contest_id).first()


def listed(viewer: Person, *, region: Region | None = None, stage: str = "") -> QuerySet[Contest]:
    rows = managed(viewer).select_related("region")
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    if stage:
        rows = rows.filter(stage=stage)
    return rows


def public(region: Region | None = None) -> QuerySet[Contest]:
    """Contests open to the public eye: every one past its preparation."""
    rows = Contest.objects.select_related("region").exclude(stage=Stage.DRAFT)
    if region is not None:
        rows = rows.filter(
            Q(region__path__startswith=region.path) | Q(region__code__in=region.ancestor_codes())
        )
    return rows


def judging(viewer: Person) -> QuerySet[Contest]:
    """The contests the person judges, those running first."""
    return (
        Contest.objects.filter(judges__person=viewer)
        .exclude(stage=Stage.DRAFT)
        .select_related("region")
        .order_by("-created_at")
    )


def entrant_teams(viewer: Person) -> list[Team]:
    return list(Team.objects.filter(leader=viewer).select_related("region").order_by("name"))


def entrant_organizations(viewer: Person) -> list[Organization]:
    ids = OrganizationMember.objects.filter(person=viewer, is_contact=True).values_list(
        "organization_id", flat=True
    )
    return list(Organization.objects.filter(pk__in=ids).select_related("region").order_by("name"))


def open_for_entries(viewer: Person) -> list[Contest]:
    """Contests taking entries now over a region of one of the person's teams or units."""
    homes = [t.region for t in entrant_teams(viewer)] + [
        o.region for o in entrant_organizations(viewer)
    ]
    if not homes:
        return []
    codes: set[str] = set()
    for home in homes:
        codes.update(home.ancestor_codes())
    return list(
        Contest.objects.filter(stage=Stage.SUBMISSION, region__code__in=codes)
        .select_related("region")
        .order_by("submission_ends_on", "id")
    )


def my_entries(viewer: Person) -> QuerySet[Entry]:
    teams = Team.objects.filter(leader=viewer).values_list("pk", flat=True)
    orgs = OrganizationMember.objects.filter(person=viewer, is_contact=True).values_list(
        "organization_id", flat=True
    )
    return (
        Entry.objects.filter(Q(team__in=teams) | Q(organization__in=orgs))
        .select_related("contest", "team", "organization", "community")
        .order_by("-created_at")
    )


def may_read_entry(viewer: Person | None, entry: Entry) -> bool:
    """Staff, a judge of the contest, or the entrant (leader or contact)."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if may_manage(viewer, entry.contest) or is_judge(viewer, entry.contest):
        return True
    if entry.team_id is not None:
        return entry.team.leader_id == viewer.pk  # type: ignore[union-attr]
    return OrganizationMember.objects.filter(
        organization=entry.organization, person=viewer, is_contact=True
    ).exists()


def get_entry(entry_id: int) -> Entry | None:
    return (
        Entry.objects.select_related(
            "contest", "contest__region", "team", "organization", "community", "submitted_by"
        )
        .filter(pk=entry_id)
        .first()
    )


def entries(contest: Contest) -> QuerySet[Entry]:
    return (
        contest.entries.select_related("team", "organization", "community")
        .prefetch_related("documents")
        .order_by("code")
    )


def history(contest: Contest) -> list[Event]:
    return list(Event.objects.filter(contest=contest).select_related("actor"))


def shows_entrant(contest: Contest, viewer: Person | None, phase: str | None = None) -> bool:
    """Whether the viewer sees who entered a project: not a judge in an anonymous review."""
    if not contest.anonymous_review or may_manage(viewer, contest):
        return True
    if contest.stage == Stage.REVIEW or phase == Phase.REVIEW:
        return False
    return True


# --- Scores ------


def sheets(contest: Contest) -> QuerySet[Score]:
    return Score.objects.filter(contest=contest).select_related("judge", "entry")


def may_see_others(viewer: Person, contest: Contest, entry: Entry, phase: str) -> bool:
    """pretalx's "can see other reviews": staff always; a judge as the contest says."""
    if may_manage(viewer, contest):
        return True
    if not is_judge(viewer, contest):
        return False
    if contest.score_visibility == Visibility.NEVER:
        return False
    if contest.score_visibility == Visibility.AFTER_CLOSE:
        return contest.phase_closed(phase)
    return (
        Score.objects.filter(entry=entry, judge=viewer, phase=phase).exists()
        or Abstention.objects.filter(entry=entry, judge=viewer).exists()
        or contest.phase_closed(phase)
    )


def visible_sheets(viewer: Person, contest: Contest, entry: Entry, phase: str) -> list[Score]:
    rows = Score.objects.filter(entry=entry, phase=phase).select_related("judge")
    if not may_see_others(viewer, contest, entry, phase):
        rows = rows.filter(judge=viewer)
    return list(rows.order_by("id"))


def conflicted(contest: Contest) -> set[tuple[int, int]]:
    """(judge, entry) pairs where the judge belongs to the entrant: they never score it."""
    judges = set(Judge.objects.filter(contest=contest).values_list("person_id", flat=True))
    pairs: set[tuple[int, int]] = set()
    for entry in contest.entries.select_related("team").exclude(status=EntryStatus.WITHDRAWN):
        if entry.team_id is not None:
            team = entry.team
            members = set(
                team.memberships.filter(left_on__isnull=True).values_list("person_id", flat=True)  # type: ignore[union-attr]
            ) | {team.leader_id}  # type: ignore[union-attr]
        else:
            members = set(
                OrganizationMember.objects.filter(organization=entry.organization).values_list(
                    "person_id", flat=True
                )
            )
        pairs.update((j, entry.pk) for j in judges & members)
    return pairs


def _phase_entries(contest: Contest, phase: str) -> list[Entry]:
    if phase == Phase.REVIEW:
        statuses = [EntryStatus.SUBMITTED, EntryStatus.FINALIST, EntryStatus.NOT_SELECTED]
    else:
        statuses = [EntryStatus.FINALIST]
    return list(contest.entries.filter(status__in=statuses).order_by("code"))


def missing_scores(contest: Contest) -> list[tuple[int, int, str]]:
    """(judge, entry, phase) of the final that are neither scored nor stood aside on, for
    the phases that count (weight above 0)."""
    phases = [
        p
        for p, weight in (
            (Phase.ROADSHOW, contest.roadshow_weight),
            (Phase.LIVE, contest.live_weight),
        )
        if weight > 0
    ]
    judges = list(Judge.objects.filter(contest=contest).values_list("person_id", flat=True))
    skip = conflicted(contest) | set(
        Abstention.objects.filter(contest=contest).values_list("judge_id", "entry_id")
    )
    have = set(
        Score.objects.filter(contest=contest, phase__in=phases).values_list(
            "judge_id", "entry_id", "phase"
        )
    )
    missing = []
    for entry in _phase_entries(contest, Phase.ROADSHOW):
        for judge in judges:
            if (judge, entry.pk) in skip:
                continue
            for phase in phases:
                if (judge, entry.pk, phase) not in have:
                    missing.append((judge, entry.pk, str(phase)))
    return missing


@dataclass
class Standing:
    entry: Entry
    rank: int
    total: int
    roadshow: int | None
    live: int | None
    review: int | None
    judges: int
    tie_break: str

    @property
    def total_text(self) -> str:
        return ranking_text(self.total)


def ranking_text(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value // 100}.{value % 100:02d}"


def phase_means(contest: Contest) -> dict[tuple[int, str], tuple[int, int]]:
    """(entry, phase) → (mean total in hundredths, judges who scored)."""
    totals: dict[tuple[int, str], list[int]] = {}
    for entry_id, phase, total in Score.objects.filter(contest=contest).values_list(
        "entry_id", "phase", "total"
    ):
        totals.setdefault((entry_id, phase), []).append(total)
    return {key: (ranking.mean(values) or 0, len(values)) for key, values in totals.items()}


def review_standings(contest: Contest) -> list[tuple[Entry, int | None, int]]:
    """The written review's ranking, for staff to choose the finalists: (entry, mean, n)."""
    means = phase_means(contest)
    rows = []
    for entry in _phase_entries(contest, Phase.REVIEW):
        mean, n = means.get((entry.pk, Phase.REVIEW), (None, 0))
        rows.append((entry, mean, n))
    rows.sort(key=lambda r: (-(r[1] if r[1] is not None else -1), r[0].code))
    return rows


def standings(contest: Contest) -> list[Standing]:
    """The finalists ranked by the final score (published ones as frozen)."""
    if contest.stage == Stage.PUBLISHED:
        return [
            Standing(
                entry=r.entry,
                rank=r.rank,
                total=r.total,
                roadshow=r.roadshow,
                live=r.live,
                review=r.review,
                judges=r.judges,
                tie_break=r.tie_break,
            )
            for r in Result.objects.filter(contest=contest).select_related(
                "entry", "entry__team", "entry__organization", "entry__community"
            )
        ]
    means = phase_means(contest)
    finalists = [
        e
        for e in contest.entries.filter(status=EntryStatus.FINALIST).select_related(
            "team", "organization", "community", "submitted_by"
        )
    ]
    scored: list[ranking.Scored] = []
    figures: dict[int, tuple[int | None, int | None, int | None, int]] = {}
    for entry in finalists:
        roadshow, n_road = means.get((entry.pk, Phase.ROADSHOW), (None, 0))
        live, n_live = means.get((entry.pk, Phase.LIVE), (None, 0))
        review, _n = means.get((entry.pk, Phase.REVIEW), (None, 0))
        total = ranking.final_score(roadshow, live, contest.roadshow_weight, contest.live_weight)
        figures[entry.pk] = (roadshow, live, review, max(n_road, n_live))
        scored.append(
            ranking.Scored(entry.pk, entry.code, total, roadshow or 0, live or 0, review or 0)
        )
    by_id = {e.pk: e for e in finalists}
    totals = {s.entry: s.total for s in scored}
    return [
        Standing(
            entry=by_id[p.entry],
            rank=p.rank,
            total=totals[p.entry],
            roadshow=figures[p.entry][0],
            live=figures[p.entry][1],
            review=figures[p.entry][2],
            judges=figures[p.entry][3],
            tie_break=p.tie_break,
        )
        for p in ranking.rank(scored)
    ]


def tied_with(table: Sequence[Standing], row: Standing) -> list[Standing]:
    return [other for other in table if other.total == row.total and other is not row]


# --- What waits ------


@dataclass
class Task:
    entry: Entry
    phase: str
    done: bool
    abstained: bool
    own: bool

    @property
    def phase_label(self) -> str:
        return str(Phase(self.phase).label)


def judge_tasks(viewer: Person, contest: Contest) -> list[Task]:
    """The entries of the open phases, each with whether the judge has scored it."""
    own = {e for j, e in conflicted(contest) if j == viewer.pk}
    stood_aside = set(
        Abstention.objects.filter(contest=contest, judge=viewer).values_list("entry_id", flat=True)
    )
    done = set(Score.objects.filter(contest=contest, judge=viewer).values_list("entry_id", "phase"))
    tasks = []
    for phase in contest.open_phases:
        for entry in _phase_entries(contest, phase):
            if phase == Phase.REVIEW and entry.status != EntryStatus.SUBMITTED:
                continue
            tasks.append(
                Task(
                    entry=entry,
                    phase=phase,
                    done=(entry.pk, phase) in done,
                    abstained=entry.pk in stood_aside,
                    own=entry.pk in own,
                )
            )
    return tasks


def judge_todo(viewer: Person) -> Waiting:
    """Judges: entries of the open phases they have neither scored nor stood aside on
    (their own teams' left out); since when the oldest phase is open. Seven queries
    whatever the number of contests and entries (the to-do's cost is fixed)."""
    stages = dict(
        Contest.objects.filter(
            judges__person=viewer, stage__in=[Stage.REVIEW, Stage.FINAL]
        ).values_list("pk", "stage")
    )
    if not stages:
        return Waiting(0, None)
    teams = set(
        Team.objects.filter(
            Q(leader=viewer) | Q(memberships__person=viewer, memberships__left_on__isnull=True)
        ).values_list("pk", flat=True)
    )
    units = set(
        OrganizationMember.objects.filter(person=viewer).values_list("organization_id", flat=True)
    )
    stood_aside = set(
        Abstention.objects.filter(contest_id__in=stages, judge=viewer).values_list(
            "contest_id", "entry_id"
        )
    )
    done = set(
        Score.objects.filter(contest_id__in=stages, judge=viewer).values_list("entry_id", "phase")
    )
    count = 0
    waiting_in: set[int] = set()
    entries = Entry.objects.filter(
        contest_id__in=stages, status__in=[EntryStatus.SUBMITTED, EntryStatus.FINALIST]
    ).values_list("pk", "contest_id", "status", "team_id", "organization_id")
    for pk, contest, status, team, unit in entries:
        own = (team is not None and team in teams) or (unit is not None and unit in units)
        if own or (contest, pk) in stood_aside:
            continue
        for phase in OPEN_PHASES.get(stages[contest], ()):
            wanted = EntryStatus.SUBMITTED if phase == Phase.REVIEW else EntryStatus.FINALIST
            if status == wanted and (pk, phase) not in done:
                count += 1
                waiting_in.add(contest)
    if not count:
        return Waiting(0, None)
    opened = [
        at
        for contest, stage, at in Event.objects.filter(contest_id__in=waiting_in)
        .values("contest_id", "to_stage")
        .annotate(at=Max("at"))
        .values_list("contest_id", "to_stage", "at")
        if stage == stages[contest]
    ]
    return Waiting(count, min(opened, default=None))


def staff_todo(viewer: Person, today: date | None = None) -> Waiting:
    """Staff: contests whose stage is past its due date and still open."""
    today = today or timezone.localdate()
    due = (
        Q(stage=Stage.SUBMISSION, submission_ends_on__lt=today)
        | Q(stage=Stage.REVIEW, review_ends_on__lt=today)
        | Q(stage=Stage.FINAL, final_on__lt=today)
    )
    row = (
        managed(viewer)
        .filter(due)
        .aggregate(
            count=Count("pk"),
            s=Min("submission_ends_on", filter=Q(stage=Stage.SUBMISSION)),
            r=Min("review_ends_on", filter=Q(stage=Stage.REVIEW)),
            f=Min("final_on", filter=Q(stage=Stage.FINAL)),
        )
    )
    days = [d for d in (row["s"], row["r"], row["f"]) if d is not None]
    oldest = (
        datetime.combine(min(days), datetime.min.time(), tzinfo=timezone.get_current_timezone())
        if days and row["count"]
        else None
    )
    return Waiting(row["count"], oldest)


def tie_label(code: str) -> str:
    return str(TieBreak(code).label) if code in TieBreak.values and code else ""
