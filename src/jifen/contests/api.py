"""项目大赛 over HTTP: contests, judges, entries with their documents, scores, results.

Thin on purpose: the services check who may do what, this module finds what the caller
may see (anything else is 404), parses the input and shapes the answer. Staff of the
contest's region read everything; a judge reads the entries of the phases they score (by
code only in an anonymous written review) and the other judges' sheets only as the
contest's setting says; a team's leader or a unit's contact reads their own entry; anyone
reads ``/public/contests`` — a contest past its preparation, its ranking once published.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.bodies import body_doc, form_or_json
from jifen.api.fields import Date, Id, Line, LongText, Reason, ShapedPage, one_of
from jifen.api.security import caller
from jifen.contests import exports, selectors, services
from jifen.contests.models import Contest, Document, Entry, Phase, Stage, Visibility
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.people.models import Organization, Person, Team
from jifen.regions.selectors import get_region

router = Router(tags=["contests"])

RegionCode = Annotated[str, Field(max_length=32)]
Whole = Annotated[int, Field(strict=True)]
Ids = Annotated[list[Id], Field(max_length=50)]


class ContestBody(Schema):
    """A JSON object: an array, a string or a number is not a body with fields left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Output ------


class CriterionOut(Schema):
    id: int
    name: str
    weight: int = Field(description="% of a sheet's total; the weights sum to 100")
    max_score: int = Field(description="a mark is a whole number from 0 to this")


class ContestOut(Schema):
    id: int
    region: str
    region_name: str
    title: str
    description: str
    stage: str = Field(description="draft, submission, review, final, published or cancelled")
    stage_label: str
    anonymous_review: bool
    score_visibility: str = Field(description="never, after_own or after_close")
    roadshow_weight: int
    live_weight: int
    winners: int
    submission_ends_on: date | None
    review_ends_on: date | None
    final_on: date | None
    open_phases: list[str]
    cancel_reason: str
    published_at: datetime | None
    criteria: list[CriterionOut]


class JudgeOut(Schema):
    person: int
    name: str


class ContestEventOut(Schema):
    step: str
    label: str
    from_stage: str
    to_stage: str
    actor: str | None
    note: str
    at: datetime


class ContestDetailOut(ContestOut):
    manage: bool = Field(description="the caller runs this contest (staff of its region)")
    judge: bool = Field(description="the caller is one of its judges")
    judges: list[JudgeOut] = Field(description="staff only")
    history: list[ContestEventOut] = Field(description="staff only")


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class ContestMilestoneOut(Schema):
    title: str
    due_on: date | None


class ContestEntryOut(Schema):
    id: int
    contest: int
    code: str = Field(
        description="项目编号: what judges see instead of the entrant in an anonymous review"
    )
    title: str
    summary: str
    status: str = Field(description="submitted, finalist, not_selected or withdrawn")
    entrant: str | None = Field(
        description="the team or unit; null for a judge in an anonymous review"
    )
    team: int | None
    organization: int | None
    community: str
    community_name: str
    years_running: int
    core_members: str | None
    budget_fen: int
    budget_yuan: str
    milestones: list[ContestMilestoneOut]
    documents: list[DocumentOut]
    project: int | None = Field(description="the 微实事 a winning project became")


class SheetOut(Schema):
    entry: int
    phase: str
    judge: int | None = Field(description="the judge's id, for staff and the judge themself")
    judge_name: str
    scores: dict[str, int] = Field(description="criterion id → mark")
    total: str = Field(description="out of 100, two decimals")
    comment: str
    changes: int
    updated_at: datetime


class StandingOut(Schema):
    rank: int
    entry: int
    code: str
    title: str
    entrant: str
    total: str
    roadshow: str
    live: str
    review: str
    tie_break: str = Field(
        description="what broke a tie on the total: roadshow, live, review, shared"
    )
    tie_label: str
    tied_with: list[str] = Field(description="codes of the entries with the same total")
    winner: bool
    project: int | None


class PublicContestOut(Schema):
    id: int
    region: str
    region_name: str
    title: str
    description: str
    stage: str
    stage_label: str
    roadshow_weight: int
    live_weight: int
    submission_ends_on: date | None
    final_on: date | None
    published_at: datetime | None
    cancel_reason: str
    finalists: list[str] = Field(description="titles of the projects in the final, once chosen")
    results: list[StandingOut] | None = Field(description="null until published")


class ContestCreatedOut(Schema):
    id: int
    stage: str


def _contest_out(contest: Contest) -> dict[str, Any]:
    return {
        "id": contest.pk,
        "region": contest.region.code,
        "region_name": contest.region.name,
        "title": contest.title,
        "description": contest.description,
        "stage": contest.stage,
        "stage_label": str(contest.get_stage_display()),
        "anonymous_review": contest.anonymous_review,
        "score_visibility": contest.score_visibility,
        "roadshow_weight": contest.roadshow_weight,
        "live_weight": contest.live_weight,
        "winners": contest.winners,
        "submission_ends_on": contest.submission_ends_on,
        "review_ends_on": contest.review_ends_on,
        "final_on": contest.final_on,
        "open_phases": list(contest.open_phases),
        "cancel_reason": contest.cancel_reason,
        "published_at": contest.published_at,
        "criteria": [
            {"id": c.pk, "name": c.name, "weight": c.weight, "max_score": c.max_score}
            for c in contest.criteria.all()
        ],
    }


def _detail(viewer: Person, contest: Contest) -> dict[str, Any]:
    manage = selectors.may_manage(viewer, contest)
    return {
        **_contest_out(contest),
        "manage": manage,
        "judge": selectors.is_judge(viewer, contest),
        "judges": [
            {"person": j.person_id, "name": j.person.name}
            for j in contest.judges.select_related("person")
        ]
        if manage
        else [],
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_stage": e.from_stage,
                "to_stage": e.to_stage,
                "actor": e.actor.name if e.actor is not None else None,
                "note": e.note,
                "at": e.at,
            }
            for e in selectors.history(contest)
        ]
        if manage
        else [],
    }


def _entry_out(entry: Entry, viewer: Person | None) -> dict[str, Any]:
    contest = entry.contest
    named = selectors.shows_entrant(contest, viewer)
    return {
        "id": entry.pk,
        "contest": contest.pk,
        "code": entry.code,
        "title": entry.title,
        "summary": entry.summary,
        "status": entry.status,
        "entrant": entry.entrant_name if named else None,
        "team": entry.team_id if named else None,
        "organization": entry.organization_id if named else None,
        "community": entry.community.code,
        "community_name": entry.community.name,
        "years_running": entry.years_running,
        "core_members": entry.core_members if named else None,
        "budget_fen": entry.budget_fen,
        "budget_yuan": entry.budget_yuan,
        "milestones": [
            {"title": t, "due_on": date.fromisoformat(d) if d else None}
            for t, d in entry.milestones
        ],
        "documents": [
            {
                "id": d.pk,
                "name": d.shown_name(named),
                "content_type": d.content_type,
                "size": d.size,
                "url": f"/api/v1/contests/documents/{d.pk}",
            }
            for d in entry.documents.all()
        ],
        "project": entry.project_id,
    }


def _sheet_out(sheet: Any, viewer: Person, contest: Contest) -> dict[str, Any]:
    mine = sheet.judge_id == viewer.pk
    manage = selectors.may_manage(viewer, contest)
    return {
        "entry": sheet.entry_id,
        "phase": sheet.phase,
        "judge": sheet.judge_id if (mine or manage) else None,
        "judge_name": sheet.judge.name if (mine or manage) else mask_name(sheet.judge.name),
        "scores": sheet.values,
        "total": selectors.ranking_text(sheet.total),
        # "Comment (for staff)": the judge's own and staff's to read, not the other judges'.
        "comment": sheet.comment if (mine or manage) else "",
        "changes": sheet.changes,
        "updated_at": sheet.updated_at,
    }


def standings_out(contest: Contest) -> list[dict[str, Any]]:
    table = selectors.standings(contest)
    return [
        {
            "rank": row.rank,
            "entry": row.entry.pk,
            "code": row.entry.code,
            "title": row.entry.title,
            "entrant": row.entry.entrant_name,
            "total": selectors.ranking_text(row.total),
            "roadshow": selectors.ranking_text(row.roadshow),
            "live": selectors.ranking_text(row.live),
            "review": selectors.ranking_text(row.review),
            "tie_break": row.tie_break,
            "tie_label": selectors.tie_label(row.tie_break),
            "tied_with": [o.entry.code for o in selectors.tied_with(table, row)],
            "winner": row.rank <= contest.winners,
            "project": row.entry.project_id,
        }
        for row in table
    ]


# --- Finding ------


def _managed(viewer: Person, contest_id: int) -> Contest:
    contest = selectors.get_managed(viewer, contest_id)
    if contest is None:
        raise NotFound(_("There is no such contest."))
    return contest


def _readable(viewer: Person, contest_id: int) -> Contest:
    """Staff of its region or one of its judges; 404 for anyone else."""
    contest = selectors.get(contest_id)
    if contest is None or not (
        selectors.may_manage(viewer, contest) or selectors.is_judge(viewer, contest)
    ):
        raise NotFound(_("There is no such contest."))
    return contest


def _entry(viewer: Person, entry_id: int) -> Entry:
    entry = selectors.get_entry(entry_id)
    if entry is None or not selectors.may_read_entry(viewer, entry):
        raise NotFound(_("There is no such entry."))
    return entry


def _contest_entry(contest: Contest, entry_id: int) -> Entry:
    entry = selectors.get_entry(entry_id)
    if entry is None or entry.contest_id != contest.pk:
        raise NotFound(_("There is no such entry."), field="entry")
    return entry


def _people(ids: list[int]) -> list[Person]:
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise NotFound(_("No such person, or you may not see them."), field="people")
    return [found[i] for i in dict.fromkeys(ids)]


# --- Staff ------


class CriterionIn(ContestBody):
    name: Line
    weight: Whole
    max_score: Whole


class ContestIn(ContestBody):
    region: RegionCode = Field(description="a community's, town's or county's code")
    title: Line
    description: LongText = ""
    anonymous_review: bool = False
    score_visibility: str = Field(Visibility.AFTER_CLOSE, max_length=16)
    roadshow_weight: Whole = 70
    live_weight: Whole = 30
    winners: Whole = 3
    submission_ends_on: Date | None = None
    review_ends_on: Date | None = None
    final_on: Date | None = None
    criteria: Annotated[list[CriterionIn], Field(max_length=12)] | None = Field(
        None, description="default: the eight lines of a 社工+志愿 contest, each out of 10"
    )


@router.post("/contests", response={201: ContestCreatedOut})
def create(request: HttpRequest, payload: ContestIn) -> Status[dict[str, Any]]:
    """Staff: prepare a contest over their region (stage ``draft``)."""
    actor = caller(request)
    one_of(payload.score_visibility, list(Visibility.values), "score_visibility")
    contest = services.create_contest(
        actor=actor,
        region=get_region(payload.region),
        title=payload.title,
        description=payload.description,
        anonymous_review=payload.anonymous_review,
        score_visibility=payload.score_visibility,
        roadshow_weight=payload.roadshow_weight,
        live_weight=payload.live_weight,
        winners=payload.winners,
        submission_ends_on=payload.submission_ends_on,
        review_ends_on=payload.review_ends_on,
        final_on=payload.final_on,
        criteria=[c.model_dump() for c in payload.criteria]
        if payload.criteria is not None
        else None,
    )
    return Status(201, {"id": contest.pk, "stage": contest.stage})


class ContestFilters(Schema):
    region: RegionCode = Field("", description="a region's code: contests there and below")
    stage: str = Field("", max_length=16)


@router.get("/contests", response=list[ContestOut])
@paginate(Paging)
def list_contests(request: HttpRequest, filters: Query[ContestFilters]) -> ShapedPage:
    """Staff: the contests of their regions, newest first."""
    viewer = caller(request)
    rows = selectors.listed(
        viewer,
        region=get_region(filters.region) if filters.region else None,
        stage=one_of(filters.stage, list(Stage.values), "stage"),
    ).prefetch_related("criteria")
    return ShapedPage(rows, _contest_out)


@router.get("/contests/judging", response=list[ContestOut])
@paginate(Paging)
def judging(request: HttpRequest) -> ShapedPage:
    """A judge: the contests they are named for."""
    return ShapedPage(selectors.judging(caller(request)).prefetch_related("criteria"), _contest_out)


@router.get("/contests/{contest_id}", response=ContestDetailOut)
def get_contest(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    """Staff of its region (with the judges and the history) or one of its judges."""
    viewer = caller(request)
    return _detail(viewer, _readable(viewer, contest_id))


class SettingsIn(ContestBody):
    title: Line | None = None
    description: LongText | None = None
    anonymous_review: bool | None = None
    score_visibility: str | None = Field(None, max_length=16)
    roadshow_weight: Whole | None = None
    live_weight: Whole | None = None
    winners: Whole | None = None
    submission_ends_on: Date | None = None
    review_ends_on: Date | None = None
    final_on: Date | None = None
    criteria: Annotated[list[CriterionIn], Field(max_length=12)] | None = None


@router.patch("/contests/{contest_id}", response=ContestDetailOut)
def update(request: HttpRequest, contest_id: Id, payload: SettingsIn) -> dict[str, Any]:
    """Staff: change the settings (criteria, weights, visibility, dates) before the review."""
    actor = caller(request)
    contest = _managed(actor, contest_id)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("criteria") is not None:
        changes["criteria"] = [dict(c) for c in changes["criteria"]]
    if "score_visibility" in changes:
        one_of(changes["score_visibility"] or "", list(Visibility.values), "score_visibility")
    changes = {k: v for k, v in changes.items() if v is not None or k.endswith(("_on",))}
    services.update_contest(actor=actor, contest=contest, **changes)
    return _detail(actor, _managed(actor, contest_id))


class JudgesIn(ContestBody):
    people: Ids = Field(description="ids of the persons named judges")


@router.post("/contests/{contest_id}/judges", response=ContestDetailOut)
def add_judges(request: HttpRequest, contest_id: Id, payload: JudgesIn) -> dict[str, Any]:
    """Staff: name judges (they hear of it)."""
    actor = caller(request)
    contest = _managed(actor, contest_id)
    services.add_judges(actor=actor, contest=contest, people=_people(payload.people))
    return _detail(actor, _managed(actor, contest_id))


@router.delete("/contests/{contest_id}/judges/{person_id}", response=ContestDetailOut)
def remove_judge(request: HttpRequest, contest_id: Id, person_id: Id) -> dict[str, Any]:
    """Staff: take a judge off before they have scored (409 ``judge_has_scores``)."""
    actor = caller(request)
    contest = _managed(actor, contest_id)
    services.remove_judge(actor=actor, contest=contest, person=_people([person_id])[0])
    return _detail(actor, _managed(actor, contest_id))


class ContestNoteIn(ContestBody):
    note: Reason = ""


@router.post("/contests/{contest_id}/open", response=ContestDetailOut)
def open_contest(request: HttpRequest, contest_id: Id, payload: ContestNoteIn) -> dict[str, Any]:
    """Staff: open for entries."""
    actor = caller(request)
    services.open_contest(actor=actor, contest=_managed(actor, contest_id), note=payload.note)
    return _detail(actor, _managed(actor, contest_id))


@router.post("/contests/{contest_id}/review", response=ContestDetailOut)
def start_review(request: HttpRequest, contest_id: Id, payload: ContestNoteIn) -> dict[str, Any]:
    """Staff: close entries and start the judges' written review."""
    actor = caller(request)
    services.start_review(actor=actor, contest=_managed(actor, contest_id), note=payload.note)
    return _detail(actor, _managed(actor, contest_id))


class FinalIn(ContestNoteIn):
    finalists: Ids = Field(
        default_factory=list, description="ids of the entries in the final; all when empty"
    )


@router.post("/contests/{contest_id}/final", response=ContestDetailOut)
def start_final(request: HttpRequest, contest_id: Id, payload: FinalIn) -> dict[str, Any]:
    """Staff: close the review and start the final with the finalists named."""
    actor = caller(request)
    services.start_final(
        actor=actor,
        contest=_managed(actor, contest_id),
        finalists=payload.finalists,
        note=payload.note,
    )
    return _detail(actor, _managed(actor, contest_id))


@router.post("/contests/{contest_id}/publish", response=list[StandingOut])
def publish(request: HttpRequest, contest_id: Id, payload: ContestNoteIn) -> list[dict[str, Any]]:
    """Staff: close the final, publish the ranking, make the winners' 微实事 (409
    ``scores_missing`` while a judge has neither scored nor stood aside)."""
    actor = caller(request)
    services.publish(actor=actor, contest=_managed(actor, contest_id), note=payload.note)
    return standings_out(_managed(actor, contest_id))


class ContestCancelIn(ContestBody):
    reason: Reason


@router.post("/contests/{contest_id}/cancel", response=ContestDetailOut)
def cancel(request: HttpRequest, contest_id: Id, payload: ContestCancelIn) -> dict[str, Any]:
    """Staff: cancel before the results, for a public reason."""
    actor = caller(request)
    services.cancel(actor=actor, contest=_managed(actor, contest_id), reason=payload.reason)
    return _detail(actor, _managed(actor, contest_id))


@router.get("/contests/{contest_id}/standings", response=list[StandingOut])
def standings(request: HttpRequest, contest_id: Id) -> list[dict[str, Any]]:
    """Staff: the finalists ranked as the scores stand now (frozen once published)."""
    actor = caller(request)
    return standings_out(_managed(actor, contest_id))


@router.get("/contests/{contest_id}/scores.xlsx")
def scores_xlsx(request: HttpRequest, contest_id: Id) -> HttpResponse:
    """Staff: every sheet, the abstentions and the standings as an Excel workbook."""
    actor = caller(request)
    contest = _managed(actor, contest_id)
    response = HttpResponse(
        exports.scores_xlsx(contest),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="contest-{contest.pk}-scores.xlsx"'
    return response


# --- Entries ------


class ContestMilestoneIn(ContestBody):
    title: Line
    due_on: Date | None = None


class EntryIn(ContestBody):
    team: Id | None = Field(None, description="a volunteer team led by the caller")
    organization: Id | None = Field(None, description="a unit the caller is the contact of")
    community: RegionCode = Field("", description="where the project runs (default: the team's)")
    title: Line
    summary: LongText
    years_running: Annotated[int, Field(ge=0, le=100)] = 0
    core_members: LongText = ""
    budget_yuan: Decimal = Field(Decimal(0), description="yuan, at most two decimals")
    milestones: Annotated[list[ContestMilestoneIn], Field(max_length=12)] = Field(
        default_factory=list
    )


@router.post(
    "/contests/{contest_id}/entries",
    response={201: ContestEntryOut},
    openapi_extra=body_doc(EntryIn, files="documents"),
)
def submit_entry(request: HttpRequest, contest_id: Id) -> Status[dict[str, Any]]:
    """A team's leader or a unit's contact enters a project while entries are open: JSON,
    or a form with its ``documents`` (PDF, JPEG or PNG) and ``milestones`` as JSON."""
    actor = caller(request)
    payload, uploads = form_or_json(
        request,
        EntryIn,
        files="documents",
        json_fields={"milestones": _("The milestones are a JSON list of {title, due_on}.")},
    )
    contest = selectors.get(contest_id)
    if contest is None or contest.stage == Stage.DRAFT and not selectors.may_manage(actor, contest):
        raise NotFound(_("There is no such contest."))
    team = organization = None
    if payload.team is not None:
        team = Team.objects.select_related("region").filter(pk=payload.team).first()
        if team is None:
            raise NotFound(_("There is no such team."), field="team")
    if payload.organization is not None:
        organization = (
            Organization.objects.select_related("region").filter(pk=payload.organization).first()
        )
        if organization is None:
            raise NotFound(_("There is no such organisation."), field="organization")
    entry = services.submit_entry(
        actor=actor,
        contest=contest,
        team=team,
        organization=organization,
        community=get_region(payload.community) if payload.community else None,
        title=payload.title,
        summary=payload.summary,
        years_running=payload.years_running,
        core_members=payload.core_members,
        budget_fen=services.parse_yuan(payload.budget_yuan),
        milestones=[(m.title, m.due_on) for m in payload.milestones],
        documents=uploads,
    )
    return Status(201, _entry_out(_entry(actor, entry.pk), actor))


@router.get("/contests/{contest_id}/entries", response=list[ContestEntryOut])
@paginate(Paging)
def list_entries(request: HttpRequest, contest_id: Id) -> ShapedPage:
    """Staff and judges: the entries, by code (a judge in an anonymous review sees no
    entrant)."""
    viewer = caller(request)
    contest = _readable(viewer, contest_id)
    rows = selectors.entries(contest).select_related("contest")
    return ShapedPage(rows, lambda e: _entry_out(e, viewer))


@router.get("/contests/entries/mine", response=list[ContestEntryOut])
@paginate(Paging)
def my_entries(request: HttpRequest) -> ShapedPage:
    """A leader or contact: the entries of their teams and units."""
    viewer = caller(request)
    rows = selectors.my_entries(viewer).prefetch_related("documents")
    return ShapedPage(rows, lambda e: _entry_out(e, viewer))


@router.get("/contests/entries/{entry_id}", response=ContestEntryOut)
def get_entry(request: HttpRequest, entry_id: Id) -> dict[str, Any]:
    """Staff, a judge, or the entrant."""
    viewer = caller(request)
    return _entry_out(_entry(viewer, entry_id), viewer)


class DocumentsIn(ContestBody):
    pass


@router.post(
    "/contests/entries/{entry_id}/documents",
    response={201: ContestEntryOut},
    openapi_extra=body_doc(DocumentsIn, files="documents"),
)
def add_documents(request: HttpRequest, entry_id: Id) -> Status[dict[str, Any]]:
    """The entrant adds files (multipart ``documents``) while entries are open."""
    actor = caller(request)
    _payload, uploads = form_or_json(request, DocumentsIn, files="documents")
    entry = _entry(actor, entry_id)
    services.add_documents(actor=actor, entry=entry, documents=uploads)
    return Status(201, _entry_out(_entry(actor, entry_id), actor))


@router.post("/contests/entries/{entry_id}/withdraw", response=ContestEntryOut)
def withdraw(request: HttpRequest, entry_id: Id) -> dict[str, Any]:
    """The entrant withdraws the entry while entries are open."""
    actor = caller(request)
    services.withdraw_entry(actor=actor, entry=_entry(actor, entry_id))
    return _entry_out(_entry(actor, entry_id), actor)


@router.get("/contests/documents/{document_id}")
def document(request: HttpRequest, document_id: Id) -> FileResponse:
    """The file, to staff, the judges and the entrant; served so it runs nothing."""
    viewer = caller(request)
    row = Document.objects.select_related("entry").filter(pk=document_id).first()
    if row is None:
        raise NotFound(_("There is no such document."))
    entry = _entry(viewer, row.entry_id)
    return serve_document(row, named=selectors.shows_entrant(entry.contest, viewer))


def serve_document(row: Document, *, named: bool = True) -> FileResponse:
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("There is no such document.")) from None
    response = FileResponse(
        handle,
        content_type=row.content_type,
        as_attachment=not row.is_image,
        filename=row.shown_name(named),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Judging ------


class MarkIn(ContestBody):
    criterion: Id
    score: Whole = Field(description="0 to the criterion's max_score")


class ScoreIn(ContestBody):
    entry: Id
    phase: str = Field(max_length=16, description="review, roadshow or live")
    scores: Annotated[list[MarkIn], Field(max_length=12)]
    comment: Reason = ""


@router.post("/contests/{contest_id}/scores", response=SheetOut)
def score(request: HttpRequest, contest_id: Id, payload: ScoreIn) -> dict[str, Any]:
    """A judge scores an entry in an open phase; again to change it until the phase
    closes. 400 ``score_out_of_range``, 403 ``own_entry`` / ``not_a_judge``, 409
    ``phase_closed`` / ``abstained``."""
    actor = caller(request)
    contest = selectors.get(contest_id)
    if contest is None:
        raise NotFound(_("There is no such contest."))
    entry = _contest_entry(contest, payload.entry)
    one_of(payload.phase, list(Phase.values), "phase")
    values: dict[int, int] = {}
    for mark in payload.scores:
        if mark.criterion in values:
            raise InvalidInput(
                _("Each criterion is marked once."), code="duplicate_criterion", field="scores"
            )
        values[mark.criterion] = mark.score
    sheet = services.score(
        actor=actor, entry=entry, phase=payload.phase, values=values, comment=payload.comment
    )
    sheet.judge = actor
    return _sheet_out(sheet, actor, contest)


class ScoreFilters(Schema):
    entry: Id | None = None
    phase: str = Field("", max_length=16)


@router.get("/contests/{contest_id}/scores", response=list[SheetOut])
def list_scores(
    request: HttpRequest, contest_id: Id, filters: Query[ScoreFilters]
) -> list[dict[str, Any]]:
    """Staff: every sheet. A judge: their own, and the others' as the contest's setting
    says (never, once they have scored that entry in that phase, once the phase closed)."""
    viewer = caller(request)
    contest = _readable(viewer, contest_id)
    phase = one_of(filters.phase, list(Phase.values), "phase")
    entries = (
        [_contest_entry(contest, filters.entry)]
        if filters.entry is not None
        else list(contest.entries.order_by("code"))
    )
    out = []
    for entry in entries:
        for p in [phase] if phase else list(Phase.values):
            for sheet in selectors.visible_sheets(viewer, contest, entry, p):
                out.append(_sheet_out(sheet, viewer, contest))
    return out


class AbstainIn(ContestBody):
    entry: Id
    reason: Reason


class AbstentionOut(Schema):
    entry: int
    reason: str
    at: datetime


@router.post("/contests/{contest_id}/abstentions", response={201: AbstentionOut})
def abstain(request: HttpRequest, contest_id: Id, payload: AbstainIn) -> Status[dict[str, Any]]:
    """A judge stands aside on an entry (conflict of interest, 回避), with the reason."""
    actor = caller(request)
    contest = selectors.get(contest_id)
    if contest is None:
        raise NotFound(_("There is no such contest."))
    made = services.abstain(
        actor=actor, entry=_contest_entry(contest, payload.entry), reason=payload.reason
    )
    return Status(201, {"entry": made.entry_id, "reason": made.reason, "at": made.at})


# --- Public ------


def public_out(contest: Contest) -> dict[str, Any]:
    published = contest.stage == Stage.PUBLISHED
    finalists = (
        [e.title for e in contest.entries.filter(status="finalist").order_by("code")]
        if contest.stage in (Stage.FINAL, Stage.PUBLISHED)
        else []
    )
    return {
        "id": contest.pk,
        "region": contest.region.code,
        "region_name": contest.region.name,
        "title": contest.title,
        "description": contest.description,
        "stage": contest.stage,
        "stage_label": str(contest.get_stage_display()),
        "roadshow_weight": contest.roadshow_weight,
        "live_weight": contest.live_weight,
        "submission_ends_on": contest.submission_ends_on,
        "final_on": contest.final_on,
        "published_at": contest.published_at,
        "cancel_reason": contest.cancel_reason,
        "finalists": finalists,
        "results": standings_out(contest) if published else None,
    }


class ContestPublicFilters(Schema):
    region: RegionCode = Field(description="a region's code: its contests, those below and above")


@router.get("/public/contests", auth=None, response=list[PublicContestOut])
@paginate(Paging)
def public_list(request: HttpRequest, filters: Query[ContestPublicFilters]) -> ShapedPage:
    """No login: the contests of a region past their preparation, newest first."""
    return ShapedPage(selectors.public(get_region(filters.region)), public_out)


@router.get("/public/contests/{contest_id}", auth=None, response=PublicContestOut)
def public_contest(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    """No login: the contest, its stage, its finalists and, once published, the ranking
    with each phase's score and how ties were broken."""
    contest = selectors.get(contest_id)
    if contest is None or contest.stage == Stage.DRAFT:
        raise NotFound(_("There is no such contest."))
    return public_out(contest)
