"""Writes of 项目大赛: one transaction per operation, checked here.

Staff over the contest's region (``MANAGE_CONTESTS``) prepare it, name its judges, move it
through its stages (``models.STEPS``; any other step is 409 ``invalid_transition``) and
publish the results; a team's leader or a unit's contact submits the entry (not a role:
checked here); a judge named for the contest scores the entries of the phases open now.
A judge never scores a project of a team or unit they belong to (403 ``own_entry``), and
one who declares a conflict of interest (回避) scores it in no phase. Each step is written
to the contest's history and the audit log; the people it concerns hear of it once the
transaction commits. Publishing freezes the ranking and makes the winners' projects
微实事 (``jifen.projects``) in the same transaction: all of it or none.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.contests import ranking, selectors
from jifen.contests.documents import clean_upload
from jifen.contests.models import (
    MAX_BUDGET_FEN,
    MAX_CRITERIA,
    MAX_DOCUMENTS,
    MAX_ENTRIES,
    MAX_JUDGES,
    MAX_MILESTONES,
    MAX_SCORE_MAX,
    MAX_WINNERS,
    MAX_YEARS,
    NAME_MAX,
    NOTE_MAX,
    STEPS,
    TEXT_MAX,
    TITLE_MAX,
    Abstention,
    Contest,
    Criterion,
    Document,
    Entry,
    EntryStatus,
    Event,
    Judge,
    Phase,
    Result,
    Score,
    Stage,
    Visibility,
    may_take,
)
from jifen.lib import notify
from jifen.lib.bounds import check_date
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Organization, Person, Team
from jifen.regions.models import Level, Region

CONTEST_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)

# 德化's "社工+志愿" contest sheet: eight lines, weights summing to 100, each out of 10.
DEFAULT_CRITERIA: tuple[tuple[str | Promise, int, int], ...] = (
    (_("Needs analysis"), 15, 10),
    (_("Project design"), 15, 10),
    (_("Innovation"), 10, 10),
    (_("Feasibility"), 15, 10),
    (_("Team capacity"), 10, 10),
    (_("Social benefit"), 15, 10),
    (_("Sustainability"), 10, 10),
    (_("Budget soundness"), 10, 10),
)

# --- Helpers ------


def _locked(contest: Contest | int) -> Contest:
    pk = contest.pk if isinstance(contest, Contest) else contest
    try:
        return Contest.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
    except (Contest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such contest.")) from None


def _require_staff(actor: Person | None, contest: Contest) -> None:
    if actor is not None:
        authz.require(actor, authz.MANAGE_CONTESTS, contest.region)


def _require_step(contest: Contest, step: str) -> None:
    if not may_take(step, contest.stage):
        raise Conflict(
            _("This contest is %(stage)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"stage": contest.get_stage_display(), "step": STEPS[step].label},
        )


def _line(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required, lines=True)


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(field)s must be a whole number from %(low)s to %(high)s."),
            field=field,
            params={"field": field, "low": low, "high": high},
        )
    return value


def _step(
    contest: Contest,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> Event:
    before = contest.stage
    contest.stage = STEPS[step].target
    contest.save(update_fields=["stage", "updated_at", *fields])
    event = Event.objects.create(
        contest=contest,
        step=step,
        from_stage=before,
        to_stage=contest.stage,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"contests.{step}",
        target=contest,
        region=contest.region,
        before={"stage": before},
        after={"stage": contest.stage, **(audit or {})},
    )
    return event


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people: Iterable[Person | None],
    contest: Contest,
    subject: str | Promise,
    body: str | Promise,
    url: str,
    **params: Any,
) -> int:
    seen: set[int] = set()
    targets = []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            targets.append(person)
    if not targets:
        return 0
    params = {"title": contest.title, **params}
    return notices.send(
        [
            notify.Message(p, say(subject, **params), say(body, **params), kind="contest", url=url)
            for p in targets
        ]
    )


def _judges(contest: Contest) -> list[Person]:
    return [j.person for j in Judge.objects.filter(contest=contest).select_related("person")]


# --- Preparing a contest ------


def _check_region(region: Region) -> None:
    if region.level not in CONTEST_LEVELS:
        raise InvalidInput(
            _("A contest is held over a community, a town or a county."), field="region"
        )


def _check_weights(roadshow_weight: Any, live_weight: Any) -> tuple[int, int]:
    roadshow = _whole(roadshow_weight, "roadshow_weight", 0, 100)
    live = _whole(live_weight, "live_weight", 0, 100)
    if roadshow + live != 100:
        raise InvalidInput(
            _("The roadshow and live answers weights add up to 100."),
            code="weights_not_100",
            field="roadshow_weight",
        )
    return roadshow, live


def _check_dates(**dates: date | None) -> None:
    for field, value in dates.items():
        if value is not None:
            check_date(value, field)
    given = [d for d in dates.values() if d is not None]
    if given != sorted(given):
        raise InvalidInput(
            _("The stages' dates follow each other: entries close, review ends, then the final."),
            code="dates_out_of_order",
            field="review_ends_on",
        )


def _clean_criteria(criteria: Sequence[Mapping[str, Any]]) -> list[tuple[str, int, int]]:
    if not 1 <= len(criteria) <= MAX_CRITERIA:
        raise InvalidInput(
            _("A contest has 1 to %(n)s criteria."), field="criteria", params={"n": MAX_CRITERIA}
        )
    rows = []
    for row in criteria:
        name = _line(row.get("name"), "criteria", NAME_MAX)
        weight = _whole(row.get("weight"), "criteria", 1, 100)
        out_of = _whole(row.get("max_score"), "criteria", 1, MAX_SCORE_MAX)
        rows.append((name, weight, out_of))
    if sum(w for _n, w, _m in rows) != 100:
        raise InvalidInput(
            _("The criteria's weights add up to 100."), code="weights_not_100", field="criteria"
        )
    if len({n for n, _w, _m in rows}) != len(rows):
        raise InvalidInput(_("Two criteria have the same name."), field="criteria")
    return rows


def default_criteria() -> list[dict[str, Any]]:
    return [{"name": str(n), "weight": w, "max_score": m} for n, w, m in DEFAULT_CRITERIA]


@transaction.atomic
def create_contest(
    *,
    actor: Person | None,
    region: Region,
    title: str,
    description: str = "",
    anonymous_review: bool = False,
    score_visibility: str = Visibility.AFTER_CLOSE,
    roadshow_weight: int = 70,
    live_weight: int = 30,
    winners: int = 3,
    submission_ends_on: date | None = None,
    review_ends_on: date | None = None,
    final_on: date | None = None,
    criteria: Sequence[Mapping[str, Any]] | None = None,
) -> Contest:
    """Staff prepare a contest (stage ``draft``), with the eight default criteria unless
    others are given."""
    _check_region(region)
    if actor is not None:
        authz.require(actor, authz.MANAGE_CONTESTS, region)
    if score_visibility not in Visibility.values:
        raise InvalidInput(
            _("Choose when judges see each other's scores."), field="score_visibility"
        )
    roadshow, live = _check_weights(roadshow_weight, live_weight)
    _check_dates(
        submission_ends_on=submission_ends_on, review_ends_on=review_ends_on, final_on=final_on
    )
    rows = _clean_criteria(criteria if criteria is not None else default_criteria())
    contest = Contest.objects.create(
        region=region,
        title=_line(title, "title", TITLE_MAX),
        description=_text(description, "description", TEXT_MAX, required=False),
        anonymous_review=bool(anonymous_review),
        score_visibility=score_visibility,
        roadshow_weight=roadshow,
        live_weight=live,
        winners=_whole(winners, "winners", 1, MAX_WINNERS),
        submission_ends_on=submission_ends_on,
        review_ends_on=review_ends_on,
        final_on=final_on,
        created_by=actor,
    )
    Criterion.objects.bulk_create(
        Criterion(contest=contest, position=i, name=n, weight=w, max_score=m)
        for i, (n, w, m) in enumerate(rows)
    )
    Event.objects.create(contest=contest, step="create", to_stage=contest.stage, actor=actor)
    record(
        actor=actor,
        action="contests.create",
        target=contest,
        region=region,
        after={
            "title": contest.title,
            "region": region.code,
            "anonymous_review": contest.anonymous_review,
            "score_visibility": contest.score_visibility,
            "roadshow_weight": roadshow,
            "live_weight": live,
            "criteria": [f"{n} {w}%/{m}" for n, w, m in rows],
        },
    )
    return contest


@transaction.atomic
def update_contest(*, actor: Person | None, contest: Contest | int, **changes: Any) -> Contest:
    """Staff change the settings before the review starts (criteria only before the
    first entry is scored, which is the same moment)."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    if contest.stage not in (Stage.DRAFT, Stage.SUBMISSION):
        raise Conflict(
            _("A contest's settings are changed before the judges start."),
            code="invalid_transition",
        )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    fields: list[str] = []

    def put(field: str, value: Any) -> None:
        old = getattr(contest, field)
        if old != value:
            before[field] = str(old) if isinstance(old, date) else old
            after[field] = str(value) if isinstance(value, date) else value
            setattr(contest, field, value)
            fields.append(field)

    if "title" in changes:
        put("title", _line(changes["title"], "title", TITLE_MAX))
    if "description" in changes:
        put("description", _text(changes["description"], "description", TEXT_MAX, required=False))
    if "anonymous_review" in changes:
        put("anonymous_review", bool(changes["anonymous_review"]))
    if "score_visibility" in changes:
        if changes["score_visibility"] not in Visibility.values:
            raise InvalidInput(
                _("Choose when judges see each other's scores."), field="score_visibility"
            )
        put("score_visibility", changes["score_visibility"])
    if "roadshow_weight" in changes or "live_weight" in changes:
        roadshow, live = _check_weights(
            changes.get("roadshow_weight", contest.roadshow_weight),
            changes.get("live_weight", contest.live_weight),
        )
        put("roadshow_weight", roadshow)
        put("live_weight", live)
    if "winners" in changes:
        put("winners", _whole(changes["winners"], "winners", 1, MAX_WINNERS))
    for field in ("submission_ends_on", "review_ends_on", "final_on"):
        if field in changes:
            put(field, changes[field])
    _check_dates(
        submission_ends_on=contest.submission_ends_on,
        review_ends_on=contest.review_ends_on,
        final_on=contest.final_on,
    )
    if changes.get("criteria") is not None:
        rows = _clean_criteria(changes["criteria"])
        old = [f"{c.name} {c.weight}%/{c.max_score}" for c in contest.criteria.all()]
        new = [f"{n} {w}%/{m}" for n, w, m in rows]
        if old != new:
            contest.criteria.all().delete()
            Criterion.objects.bulk_create(
                Criterion(contest=contest, position=i, name=n, weight=w, max_score=m)
                for i, (n, w, m) in enumerate(rows)
            )
            before["criteria"], after["criteria"] = old, new
    if fields:
        contest.save(update_fields=[*fields, "updated_at"])
    if after:
        record(
            actor=actor,
            action="contests.update",
            target=contest,
            region=contest.region,
            before=before,
            after=after,
        )
    return contest


@transaction.atomic
def add_judges(
    *, actor: Person | None, contest: Contest | int, people: Sequence[Person]
) -> list[Judge]:
    """Staff name judges (persons) for the contest, before its results."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    if contest.stage in (Stage.PUBLISHED, Stage.CANCELLED):
        raise Conflict(_("The contest is over."), code="invalid_transition")
    have = set(Judge.objects.filter(contest=contest).values_list("person_id", flat=True))
    new = [p for p in dict.fromkeys(people) if p.pk not in have]
    if len(have) + len(new) > MAX_JUDGES:
        raise InvalidInput(
            _("At most %(n)s judges, please."), field="people", params={"n": MAX_JUDGES}
        )
    for person in new:
        if not person.is_active or person.erased_at is not None:
            raise InvalidInput(_("This person's account is closed."), field="people")
    made = [Judge.objects.create(contest=contest, person=p) for p in new]
    if made:
        record(
            actor=actor,
            action="contests.judges_add",
            target=contest,
            region=contest.region,
            after={"judges": [p.pk for p in new]},
        )
        _tell(
            new,
            contest,
            _("You are a judge of %(title)s"),
            _(
                "You are named a judge of the project contest %(title)s. The entries to score "
                "appear on your contest page when the review starts."
            ),
            _url("contests:judge_list"),
        )
    return made


@transaction.atomic
def remove_judge(*, actor: Person | None, contest: Contest | int, person: Person) -> None:
    contest = _locked(contest)
    _require_staff(actor, contest)
    if contest.stage in (Stage.PUBLISHED, Stage.CANCELLED):
        raise Conflict(_("The contest is over."), code="invalid_transition")
    judge = Judge.objects.filter(contest=contest, person=person).first()
    if judge is None:
        raise NotFound(_("This person is not a judge of the contest."), field="person")
    if Score.objects.filter(contest=contest, judge=person).exists():
        raise Conflict(
            _("This judge has scored entries already; their scores stay, and so do they."),
            code="judge_has_scores",
        )
    judge.delete()
    record(
        actor=actor,
        action="contests.judges_remove",
        target=contest,
        region=contest.region,
        before={"judge": person.pk},
    )


# --- Stages ------


@transaction.atomic
def open_contest(*, actor: Person | None, contest: Contest | int, note: str = "") -> Contest:
    """Open for entries: team leaders and unit contacts of the region may submit."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    _require_step(contest, "open")
    _step(contest, "open", actor, note=note)
    return contest


@transaction.atomic
def start_review(*, actor: Person | None, contest: Contest | int, note: str = "") -> Contest:
    """Entries close; the judges score them in the written review."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    _require_step(contest, "start_review")
    entries = contest.entries.filter(status=EntryStatus.SUBMITTED).count()
    if entries == 0:
        raise Conflict(_("No entry has been submitted yet."), code="no_entries")
    if not Judge.objects.filter(contest=contest).exists():
        raise Conflict(_("Name the judges first."), code="no_judges")
    _step(contest, "start_review", actor, note=note, audit={"entries": entries})
    _tell(
        _judges(contest),
        contest,
        _("Entries of %(title)s to score"),
        _("The written review of %(title)s has started: %(n)s entries wait for your scores."),
        _url("contests:judge_contest", contest.pk),
        n=entries,
    )
    return contest


@transaction.atomic
def start_final(
    *,
    actor: Person | None,
    contest: Contest | int,
    finalists: Sequence[int] | None = None,
    note: str = "",
) -> Contest:
    """The review closes; the entries named (all of them when none are) go to the final,
    the others are not selected. The judges score the roadshow and the live answers."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    _require_step(contest, "start_final")
    submitted = {e.pk: e for e in contest.entries.filter(status=EntryStatus.SUBMITTED)}
    chosen = list(dict.fromkeys(finalists)) if finalists else list(submitted)
    unknown = [pk for pk in chosen if pk not in submitted]
    if unknown:
        raise InvalidInput(
            _("Finalists are chosen from this contest's entries."),
            code="not_an_entry",
            field="finalists",
        )
    if not chosen:
        raise Conflict(_("No entry has been submitted yet."), code="no_entries")
    contest.entries.filter(pk__in=chosen).update(status=EntryStatus.FINALIST)
    contest.entries.filter(status=EntryStatus.SUBMITTED).update(status=EntryStatus.NOT_SELECTED)
    _step(contest, "start_final", actor, note=note, audit={"finalists": sorted(chosen)})
    _tell(
        _judges(contest),
        contest,
        _("The final of %(title)s"),
        _(
            "The final of %(title)s has started: score the roadshow and the live answers of "
            "%(n)s finalists."
        ),
        _url("contests:judge_contest", contest.pk),
        n=len(chosen),
    )
    _tell(
        [
            e.submitted_by
            for e in Entry.objects.filter(pk__in=chosen).select_related("submitted_by")
        ],
        contest,
        _("Your project is in the final of %(title)s"),
        _("Your project is in the final of %(title)s. Prepare the roadshow."),
        _url("contests:public_detail", contest.pk),
    )
    return contest


@transaction.atomic
def cancel(*, actor: Person | None, contest: Contest | int, reason: str) -> Contest:
    contest = _locked(contest)
    _require_staff(actor, contest)
    _require_step(contest, "cancel")
    contest.cancel_reason = _text(reason, "reason", NOTE_MAX)
    _step(contest, "cancel", actor, note=contest.cancel_reason, fields=["cancel_reason"])
    return contest


@transaction.atomic
def publish(*, actor: Person | None, contest: Contest | int, note: str = "") -> list[Result]:
    """The final closes: the ranking is computed, frozen and made public; the winners'
    projects become 微实事 with their milestones. 409 ``scores_missing`` while a judge
    has neither scored nor stood aside on a finalist in a phase that counts."""
    contest = _locked(contest)
    _require_staff(actor, contest)
    _require_step(contest, "publish")
    missing = selectors.missing_scores(contest)
    if missing:
        raise Conflict(
            _("%(n)s scores of the final are still missing (a judge may stand aside instead)."),
            code="scores_missing",
            params={"n": len(missing)},
        )
    table = selectors.standings(contest)
    if not table:
        raise Conflict(_("There is no finalist to rank."), code="no_entries")
    results = [
        Result(
            contest=contest,
            entry_id=row.entry.pk,
            rank=row.rank,
            total=row.total,
            roadshow=row.roadshow or 0,
            live=row.live or 0,
            review=row.review,
            judges=row.judges,
            tie_break=row.tie_break,
            winner=row.rank <= contest.winners,
        )
        for row in table
    ]
    Result.objects.bulk_create(results)
    contest.published_at = timezone.now()
    projects = _winners_projects(actor, contest, [r for r in table if r.rank <= contest.winners])
    _step(
        contest,
        "publish",
        actor,
        note=note,
        fields=["published_at"],
        audit={
            "ranking": [[r.entry.code, r.rank, ranking_text(r.total)] for r in table],
            "projects": projects,
        },
    )
    _tell(
        [r.entry.submitted_by for r in table],
        contest,
        _("Results of %(title)s"),
        _("The results of %(title)s are published."),
        _url("contests:public_detail", contest.pk),
    )
    return list(Result.objects.filter(contest=contest).select_related("entry"))


def ranking_text(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def _winners_projects(actor: Person | None, contest: Contest, winners: Sequence[Any]) -> list[int]:
    """Each winner's project as a 微实事 of its community, led by its unit when a unit
    entered it, with the entry's milestones."""
    from jifen.projects import services as projects  # 微实事 live one floor down

    made = []
    for row in winners:
        entry: Entry = row.entry
        milestones = [
            (title, date.fromisoformat(due) if due else None) for title, due in entry.milestones
        ]
        project = projects.create_project(
            actor=actor,
            community=entry.community,
            title=entry.title,
            summary=entry.summary,
            budget_fen=entry.budget_fen,
            lead_organization=entry.organization,
            milestones=milestones,
            source="contest",
            source_ref=f"contest:{contest.pk}/entry:{entry.pk}",
        )
        Entry.objects.filter(pk=entry.pk).update(project_id=project.pk)
        made.append(project.pk)
    return made


# --- Entries ------


def _members(team: Team) -> set[int]:
    ids = set(team.memberships.filter(left_on__isnull=True).values_list("person_id", flat=True))
    ids.add(team.leader_id)
    return ids


def may_enter_for(person: Person, *, team: Team | None, organization: Organization | None) -> bool:
    """The team's leader, or a contact of the unit."""
    if team is not None:
        return team.leader_id == person.pk
    if organization is not None:
        return organization.organizationmember_set.filter(person=person, is_contact=True).exists()
    return False


def parse_yuan(value: Any, field: str = "budget_yuan") -> int:
    """Yuan as typed (``12000``, ``"12000.50"``) → fen; at most two decimals, 0..10^8 yuan."""
    if isinstance(value, bool):
        raise InvalidInput(_("The budget is an amount in yuan."), field=field)
    try:
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise InvalidInput(_("The budget is an amount in yuan."), field=field) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(
            _("The budget is an amount in yuan with at most two decimals."), field=field
        )
    fen = int(amount * 100)
    if fen > MAX_BUDGET_FEN:
        raise InvalidInput(
            _("The budget is at most %(n)s yuan."),
            field=field,
            params={"n": MAX_BUDGET_FEN // 100},
        )
    return fen


def _clean_milestones(milestones: Sequence[Any]) -> list[list[str]]:
    if len(milestones) > MAX_MILESTONES:
        raise InvalidInput(
            _("At most %(n)s milestones, please."), field="milestones", params={"n": MAX_MILESTONES}
        )
    rows = []
    for item in milestones:
        title, due = item if isinstance(item, (tuple, list)) else (item, None)
        name = _line(title, "milestones", TITLE_MAX)
        if due is not None:
            if not isinstance(due, date):
                raise InvalidInput(_("A milestone's date is a date."), field="milestones")
            check_date(due, "milestones")
        rows.append([name, due.isoformat() if due else ""])
    return rows


def _community_for(contest: Contest, region: Region, community: Region | None) -> Region:
    """Where the project runs: the community given, or the team's or unit's own — or,
    for a team or unit above the communities, the contest's community if it is one."""
    place = community or region
    if community is None and place.level != Level.COMMUNITY:
        if contest.region.level == Level.COMMUNITY:
            place = contest.region
    if place.level != Level.COMMUNITY:
        raise InvalidInput(_("Choose the community where the project runs."), field="community")
    if not place.is_within(contest.region):
        raise InvalidInput(
            _("The project runs outside the contest's region."),
            code="outside_region",
            field="community",
        )
    return place


def _store_documents(entry: Entry, uploads: Sequence[Any], actor: Person) -> list[Document]:
    if entry.documents.count() + len(uploads) > MAX_DOCUMENTS:
        raise InvalidInput(
            _("At most %(n)s documents, please."), field="documents", params={"n": MAX_DOCUMENTS}
        )
    made = []
    for upload in uploads:
        clean = clean_upload(upload)
        doc = Document(
            entry=entry,
            name=clean.name,
            content_type=clean.content_type,
            size=len(clean.data),
            uploaded_by=actor,
        )
        doc.file.save(clean.name, ContentFile(clean.data), save=False)
        doc.save()
        made.append(doc)
    return made


@transaction.atomic
def submit_entry(
    *,
    actor: Person,
    contest: Contest | int,
    team: Team | None = None,
    organization: Organization | None = None,
    community: Region | None = None,
    title: str,
    summary: str,
    years_running: int = 0,
    core_members: str = "",
    budget_fen: int = 0,
    milestones: Sequence[Any] = (),
    documents: Sequence[Any] = (),
) -> Entry:
    """A team's leader or a unit's contact enters a project while entries are open."""
    contest = _locked(contest)
    if (team is None) == (organization is None):
        raise InvalidInput(_("Enter for one team or one unit."), field="team")
    if not may_enter_for(actor, team=team, organization=organization):
        raise PermissionDenied(
            _("Only the team's leader or the unit's contact person enters its project."),
            code="not_entrant",
        )
    if contest.stage != Stage.SUBMISSION:
        raise Conflict(
            _("This contest is %(stage)s, so it takes no entries."),
            code="not_open_for_entries",
            params={"stage": contest.get_stage_display()},
        )
    home = team.region if team is not None else organization.region  # type: ignore[union-attr]
    if not (home.is_within(contest.region) or contest.region.is_within(home)):
        raise InvalidInput(
            _("This team or unit is outside the contest's region."),
            code="outside_region",
            field="team",
        )
    place = _community_for(contest, home, community)
    if organization is not None and not (
        place.is_within(organization.region) or organization.region.is_within(place)
    ):
        raise InvalidInput(
            _("%(name)s does not serve %(community)s."),
            code="organization_elsewhere",
            field="community",
            params={"name": organization.name, "community": place.name},
        )
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int):
        raise InvalidInput(_("The budget is an amount in yuan."), field="budget_yuan")
    if not 0 <= budget_fen <= MAX_BUDGET_FEN:
        raise InvalidInput(
            _("The budget is at most %(n)s yuan."),
            field="budget_yuan",
            params={"n": MAX_BUDGET_FEN // 100},
        )
    made = contest.entries.count()
    if made >= MAX_ENTRIES:
        raise Conflict(
            _("This contest has taken %(n)s entries, its most."),
            code="contest_full",
            params={"n": MAX_ENTRIES},
        )
    code = f"P{made + 1:02d}"
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                contest=contest,
                code=code,
                team=team,
                organization=organization,
                community=place,
                submitted_by=actor,
                title=_line(title, "title", TITLE_MAX),
                summary=_text(summary, "summary", TEXT_MAX),
                years_running=_whole(years_running, "years_running", 0, MAX_YEARS),
                core_members=_text(core_members, "core_members", NOTE_MAX, required=False),
                budget_fen=budget_fen,
                milestones=_clean_milestones(milestones),
            )
    except IntegrityError:
        raise Conflict(
            _("This team or unit has entered a project already."), code="already_entered"
        ) from None
    _store_documents(entry, documents, actor)
    record(
        actor=actor,
        action="contests.enter",
        target=entry,
        region=contest.region,
        after={
            "contest": contest.pk,
            "code": entry.code,
            "title": entry.title,
            "team": team.pk if team else None,
            "organization": organization.pk if organization else None,
            "budget_fen": entry.budget_fen,
            "documents": entry.documents.count(),
        },
    )
    return entry


def _locked_entry(entry: Entry | int) -> Entry:
    """The entry, with its contest's row locked first: a step of the contest (publishing,
    closing a phase) and a score or withdrawal are taken one at a time, so no sheet lands
    after the ranking was read — and always contest before entry, so they never deadlock."""
    pk = entry.pk if isinstance(entry, Entry) else entry
    contest_id = Entry.objects.filter(pk=pk).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise NotFound(_("There is no such entry."))
    contest = _locked(contest_id)
    found = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("contest", "contest__region", "team", "organization", "community")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such entry."))
    found.contest = contest
    return found


def _require_entrant(actor: Person, entry: Entry) -> None:
    if not may_enter_for(actor, team=entry.team, organization=entry.organization):
        raise PermissionDenied(
            _("Only the team's leader or the unit's contact person changes its entry."),
            code="not_entrant",
        )


@transaction.atomic
def add_documents(*, actor: Person, entry: Entry | int, documents: Sequence[Any]) -> list[Document]:
    """More files for an entry, while entries are open."""
    entry = _locked_entry(entry)
    _require_entrant(actor, entry)
    if entry.contest.stage != Stage.SUBMISSION or entry.status == EntryStatus.WITHDRAWN:
        raise Conflict(_("Entries are closed."), code="not_open_for_entries")
    if not documents:
        raise InvalidInput(_("Choose a file."), field="documents")
    made = _store_documents(entry, documents, actor)
    record(
        actor=actor,
        action="contests.documents",
        target=entry,
        region=entry.contest.region,
        after={"documents": [d.name for d in made]},
    )
    return made


@transaction.atomic
def withdraw_entry(*, actor: Person, entry: Entry | int) -> Entry:
    entry = _locked_entry(entry)
    _require_entrant(actor, entry)
    if entry.contest.stage != Stage.SUBMISSION or entry.status != EntryStatus.SUBMITTED:
        raise Conflict(
            _("An entry is withdrawn while entries are open."), code="invalid_transition"
        )
    entry.status = EntryStatus.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action="contests.withdraw",
        target=entry,
        region=entry.contest.region,
        before={"status": EntryStatus.SUBMITTED},
        after={"status": EntryStatus.WITHDRAWN},
    )
    return entry


# --- Judging ------


def _require_judge(actor: Person, contest: Contest) -> None:
    if not Judge.objects.filter(contest=contest, person=actor).exists():
        raise PermissionDenied(_("Only the contest's judges score it."), code="not_a_judge")


def is_own_entry(person: Person, entry: Entry) -> bool:
    """The judge belongs to the team or the unit that entered it."""
    if entry.team_id is not None:
        return person.pk in _members(entry.team)  # type: ignore[arg-type]
    return entry.organization.organizationmember_set.filter(person=person).exists()  # type: ignore[union-attr]


def _require_scorable(actor: Person, entry: Entry, phase: str) -> Contest:
    contest = entry.contest
    _require_judge(actor, contest)
    if is_own_entry(actor, entry):
        raise PermissionDenied(
            _("You belong to the team or unit of this project, so you cannot score it."),
            code="own_entry",
        )
    if phase not in Phase.values:
        raise InvalidInput(_("Choose the phase: review, roadshow or live."), field="phase")
    if phase not in contest.open_phases:
        raise Conflict(
            _("Scores of this phase are not taken now (the contest is %(stage)s)."),
            code="phase_closed",
            params={"stage": contest.get_stage_display()},
        )
    wanted = EntryStatus.SUBMITTED if phase == Phase.REVIEW else EntryStatus.FINALIST
    if entry.status != wanted:
        raise Conflict(_("This entry is not scored in this phase."), code="not_in_phase")
    if Abstention.objects.filter(entry=entry, judge=actor).exists():
        raise Conflict(
            _("You stood aside on this project (conflict of interest)."), code="abstained"
        )
    return contest


@transaction.atomic
def score(
    *,
    actor: Person,
    entry: Entry | int,
    phase: str,
    values: Mapping[int, Any],
    comment: str = "",
) -> Score:
    """A judge's sheet for an entry in an open phase: a mark for every criterion within
    0..its maximum (400 ``score_out_of_range`` otherwise); again to change it."""
    entry = _locked_entry(entry)
    contest = _require_scorable(actor, entry, phase)
    criteria = list(contest.criteria.all())
    marks: dict[int, int] = {}
    for criterion in criteria:
        raw = values.get(criterion.pk)
        if raw is None:
            raise InvalidInput(
                _("Give a mark for %(name)s."),
                code="score_missing",
                field="scores",
                params={"name": criterion.name},
            )
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= criterion.max_score:
            raise InvalidInput(
                _("%(name)s is marked from 0 to %(max)s."),
                code="score_out_of_range",
                field="scores",
                params={"name": criterion.name, "max": criterion.max_score},
            )
        marks[criterion.pk] = raw
    extra = set(values) - set(marks)
    if extra:
        raise InvalidInput(
            _("Mark only this contest's criteria."), code="unknown_criterion", field="scores"
        )
    total = ranking.sheet_total(marks, [(c.pk, c.weight, c.max_score) for c in criteria])
    note = _text(comment, "comment", NOTE_MAX, required=False)
    sheet = Score.objects.filter(entry=entry, judge=actor, phase=phase).first()
    before = None
    if sheet is None:
        sheet = Score.objects.create(
            contest=contest,
            entry=entry,
            judge=actor,
            phase=phase,
            values={str(k): v for k, v in marks.items()},
            total=total,
            comment=note,
        )
    else:
        before = {"total": sheet.total, "values": sheet.values}
        sheet.values = {str(k): v for k, v in marks.items()}
        sheet.total = total
        sheet.comment = note
        sheet.changes += 1
        sheet.save(update_fields=["values", "total", "comment", "changes", "updated_at"])
    record(
        actor=actor,
        action="contests.score",
        target=entry,
        region=contest.region,
        before=before,
        after={"phase": phase, "total": total, "values": sheet.values},
    )
    return sheet


@transaction.atomic
def abstain(*, actor: Person, entry: Entry | int, reason: str) -> Abstention:
    """回避: the judge stands aside on this entry for every phase; a sheet they gave it in
    a phase still open is withdrawn (its marks stay in the audit log)."""
    entry = _locked_entry(entry)
    contest = entry.contest
    _require_judge(actor, contest)
    if contest.stage in (Stage.PUBLISHED, Stage.CANCELLED):
        raise Conflict(_("The contest is over."), code="invalid_transition")
    if entry.status in (EntryStatus.WITHDRAWN, EntryStatus.NOT_SELECTED):
        raise Conflict(_("This entry is not scored any more."), code="not_in_phase")
    why = _text(reason, "reason", NOTE_MAX)
    if Abstention.objects.filter(entry=entry, judge=actor).exists():
        raise Conflict(_("You stood aside on this project already."), code="abstained")
    open_sheets = Score.objects.filter(entry=entry, judge=actor, phase__in=contest.open_phases)
    withdrawn = {s.phase: s.total for s in open_sheets}
    open_sheets.delete()
    made = Abstention.objects.create(contest=contest, entry=entry, judge=actor, reason=why)
    record(
        actor=actor,
        action="contests.abstain",
        target=entry,
        region=contest.region,
        before={"scores": withdrawn} if withdrawn else None,
        after={"reason": why},
    )
    return made
