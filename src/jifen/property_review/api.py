"""物业互评 over HTTP: rounds and their plan, the panels' scores and findings, the
findings' rectification, the public page and the Excel of scores.

Thin on purpose: the services decide who may take which step; this module finds what
the caller may see (anything else is 404), parses the input and shapes the answer. A
round's public page names companies and compounds, never a person; photos are served
only to those who may read the finding.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.bodies import body_doc, form_or_json
from jifen.api.fields import Code, Date, Id, Line, Reason, ShapedPage, one_of
from jifen.api.security import caller
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.pagination import Paging
from jifen.people.models import Organization, Person
from jifen.property_review import exports, selectors, services
from jifen.property_review.models import (
    Company,
    Compound,
    Finding,
    FindingStatus,
    Inspection,
    Item,
    PanelKind,
    PanelMember,
    Round,
    RoundStatus,
)
from jifen.regions.selectors import get_region

router = Router(tags=["property_review"])

RegionCode = Annotated[str, Field(max_length=32)]
Whole = Annotated[int, Field(strict=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReviewBody(Schema):
    """A JSON object: an array, a string or a number is not a body with fields left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Output ------


class ReviewItemOut(Schema):
    id: int
    group: str
    title: str
    max_score: int


class ReviewCompoundOut(Schema):
    id: int
    code: str
    name: str


class ReviewCompanyOut(Schema):
    id: int = Field(description="the company's id in this round")
    organization: int
    name: str
    compounds: list[ReviewCompoundOut]


class ReviewPanelOut(Schema):
    person: int | None = Field(description="staff only")
    name: str = Field(description="masked for anyone but staff")
    kind: str = Field(description="owner or party")
    scored: int = Field(description="items scored so far")


class ReviewInspectionOut(Schema):
    id: int
    compound: ReviewCompoundOut
    inspector: str = Field(description="the inspecting company")
    inspector_id: int
    inspected: str = Field(description="the company managing the compound")
    inspected_id: int
    scheduled_on: date | None
    panel: list[ReviewPanelOut]
    findings: int


class ReviewItemResultOut(Schema):
    item: int
    average: Decimal | None = Field(description="null: no panel scored this item")


class ReviewResultOut(Schema):
    company: str
    organization: int
    rank: int
    total: Decimal
    full_marks: int
    inspections: int
    panel_members: int
    items: list[ReviewItemResultOut]


class ReviewEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    actor: str | None
    note: str
    at: datetime


class ReviewRoundOut(Schema):
    id: int
    region: str
    region_name: str
    quarter: str
    title: str
    status: str = Field(description="draft, open, closed, published or cancelled")
    status_label: str
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None


class ReviewRoundDetailOut(ReviewRoundOut):
    cancel_reason: str
    items: list[ReviewItemOut]
    companies: list[ReviewCompanyOut]
    inspections: list[ReviewInspectionOut]
    results: list[ReviewResultOut] = Field(description="once closed")
    history: list[ReviewEventOut]


class ReviewFindingOut(Schema):
    id: int
    round: int
    quarter: str
    inspection: int
    company: str
    organization: int
    compound: str
    compound_code: str
    problem: str
    location: str
    status: str = Field(
        description="recorded, open, rectifying, fixed, verified, reopened, referred, dismissed"
    )
    status_label: str
    due_on: date | None
    overdue: bool
    fix_note: str
    staff_note: str
    incident: int | None = Field(description="the grid incident it was handed to")
    incident_status: str | None
    created_at: datetime
    fixed_at: datetime | None
    verified_at: datetime | None


class ReviewFindingDetailOut(ReviewFindingOut):
    photos: list[str] = Field(description="URLs of the photos (for those who may read it)")
    history: list[ReviewEventOut]


class PublicReviewRoundOut(ReviewRoundOut):
    items: list[ReviewItemOut]
    companies: list[ReviewCompanyOut]
    results: list[ReviewResultOut] = Field(description="empty until the scores are published")
    findings: list[ReviewFindingOut] = Field(
        description="the findings sorted for rectification or handed on, with their progress"
    )


class ReviewScoresOut(Schema):
    inspection: int
    round_status: str
    items: list[ReviewItemOut]
    scores: dict[int, int] = Field(description="item id → the caller's score")
    may_score: bool


class ReviewMyInspectionOut(Schema):
    id: int
    round: int
    round_title: str
    compound: str
    inspector: str
    scheduled_on: date | None
    items: int
    scored: int


def _round_out(round_: Round) -> dict[str, Any]:
    return {
        "id": round_.pk,
        "region": round_.region.code,
        "region_name": round_.region.name,
        "quarter": round_.quarter,
        "title": round_.title,
        "status": round_.status,
        "status_label": str(round_.get_status_display()),
        "opened_at": round_.opened_at,
        "closed_at": round_.closed_at,
        "published_at": round_.published_at,
    }


def _item_out(item: Item) -> dict[str, Any]:
    return {"id": item.pk, "group": item.group, "title": item.title, "max_score": item.max_score}


def _compound_out(compound: Compound) -> dict[str, Any]:
    return {"id": compound.pk, "code": compound.region.code, "name": compound.region.name}


def _companies(round_: Round) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "organization": c.organization_id,
            "name": c.organization.name,
            "compounds": [_compound_out(x) for x in c.compounds.all()],
        }
        for c in selectors.companies(round_)
    ]


def _results(round_: Round) -> list[dict[str, Any]]:
    return [
        {
            "company": r.company.organization.name,
            "organization": r.company.organization_id,
            "rank": r.rank,
            "total": r.total,
            "full_marks": r.full_marks,
            "inspections": r.inspections,
            "panel_members": r.panel_members,
            "items": [{"item": i.item_id, "average": i.average} for i in r.items.all()],
        }
        for r in selectors.results(round_)
    ]


def _event_out(event: Any) -> dict[str, Any]:
    return {
        "step": event.step,
        "label": str(event.label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor.name if event.actor is not None else None,
        "note": event.note,
        "at": event.at,
    }


def _detail(round_: Round) -> dict[str, Any]:
    scored = selectors.scored_counts(round_)
    inspections = []
    for inspection in selectors.inspections(round_):
        inspections.append(
            {
                "id": inspection.pk,
                "compound": _compound_out(inspection.compound),
                "inspector": inspection.inspector.organization.name,
                "inspector_id": inspection.inspector_id,
                "inspected": inspection.inspected.organization.name,
                "inspected_id": inspection.inspected_id,
                "scheduled_on": inspection.scheduled_on,
                "panel": [
                    {
                        "person": m.person_id,
                        "name": m.person.name,
                        "kind": m.kind,
                        "scored": scored.get(m.pk, 0),
                    }
                    for m in inspection.panel.all()
                ],
                "findings": inspection.findings_count,  # type: ignore[attr-defined]
            }
        )
    return {
        **_round_out(round_),
        "cancel_reason": round_.cancel_reason,
        "items": [_item_out(i) for i in selectors.items(round_)],
        "companies": _companies(round_),
        "inspections": inspections,
        "results": _results(round_) if round_.status != RoundStatus.DRAFT else [],
        "history": [_event_out(e) for e in selectors.history(round_)],
    }


def _finding_out(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "round": finding.round_id,
        "quarter": finding.round.quarter,
        "inspection": finding.inspection_id,
        "company": finding.company.organization.name,
        "organization": finding.company.organization_id,
        "compound": finding.compound.region.name,
        "compound_code": finding.compound.region.code,
        "problem": finding.problem,
        "location": finding.location,
        "status": finding.status,
        "status_label": str(finding.get_status_display()),
        "due_on": finding.due_on,
        "overdue": services.overdue(finding),
        "fix_note": finding.fix_note,
        "staff_note": finding.staff_note,
        "incident": finding.incident_id,
        "incident_status": finding.incident.status if finding.incident is not None else None,
        "created_at": finding.created_at,
        "fixed_at": finding.fixed_at,
        "verified_at": finding.verified_at,
    }


def _finding_detail(finding: Finding) -> dict[str, Any]:
    def url(pk: int) -> str:
        try:
            return reverse("property_review:photo", args=[pk])
        except NoReverseMatch:
            return ""

    return {
        **_finding_out(finding),
        "photos": [url(p.pk) for p in selectors.finding_photos(finding)],
        "history": [_event_out(e) for e in selectors.finding_history(finding)],
    }


def _managed(viewer: Person, round_id: int) -> Round:
    round_ = selectors.get_managed(viewer, round_id)
    if round_ is None:
        raise NotFound(_("There is no such property review."))
    return round_


def _inspection_for(viewer: Person, inspection_id: int) -> Inspection:
    inspection = selectors.get_inspection(inspection_id)
    if inspection is None or not selectors.may_read_inspection(viewer, inspection):
        raise NotFound(_("There is no such inspection."))
    return inspection


def _finding_for(viewer: Person, finding_id: int) -> Finding:
    finding = selectors.get_finding(finding_id)
    if finding is None or not selectors.may_read_finding(viewer, finding):
        raise NotFound(_("There is no such finding."))
    return finding


def _person(pk: int, field: str = "person") -> Person:
    found = Person.objects.select_related("community").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such person, or you may not see them."), field=field)
    return found


# --- Public (no login) ------


class PublicReviewFilters(Schema):
    region: RegionCode = Field(description="a town's or community's code: its rounds")


@router.get("/public/property-reviews", auth=None, response=list[ReviewRoundOut])
@paginate(Paging)
def public_list(request: HttpRequest, filters: Query[PublicReviewFilters]) -> ShapedPage:
    """No login: the rounds of a region (and of the town above it), newest quarter first,
    from the time they open."""
    return ShapedPage(selectors.public_rounds(get_region(filters.region)), _round_out)


def _public(round_: Round) -> dict[str, Any]:
    return {
        **_round_out(round_),
        "items": [_item_out(i) for i in selectors.items(round_)],
        "companies": _companies(round_),
        "results": _results(round_) if round_.scores_public else [],
        "findings": [_finding_out(f) for f in selectors.public_findings(round_)],
    }


@router.get("/public/property-reviews/{round_id}", auth=None, response=PublicReviewRoundOut)
def public_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    """No login: the companies and their compounds, the scores once published, and the
    findings sorted for rectification with their progress; no person named."""
    round_ = selectors.get_public(round_id)
    if round_ is None:
        raise NotFound(_("There is no such property review."))
    return _public(round_)


@router.get("/public/property-reviews/{round_id}/scores.xlsx", auth=None)
def public_scores_xlsx(request: HttpRequest, round_id: Id) -> HttpResponse:
    """No login: the published scores as an Excel file."""
    round_ = selectors.get_public(round_id)
    if round_ is None or not round_.scores_public:
        raise NotFound(_("There is no such property review."))
    return _xlsx(round_)


def _xlsx(round_: Round) -> HttpResponse:
    response = HttpResponse(exports.scores_xlsx(round_), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="property-review-{round_.region.code}-{round_.quarter}.xlsx"'
    )
    return response


# --- The panel (phone) ------


@router.get("/property-reviews/inspections/mine", response=list[ReviewMyInspectionOut])
def my_inspections(request: HttpRequest) -> list[dict[str, Any]]:
    """The inspections of open rounds the caller is on the panel of, with how many items
    they have scored."""
    person = caller(request)
    rows = []
    for inspection in selectors.my_inspections(person)[:200]:
        member = selectors.panel_member(person, inspection)
        rows.append(
            {
                "id": inspection.pk,
                "round": inspection.round_id,
                "round_title": inspection.round.title,
                "compound": inspection.compound.region.name,
                "inspector": inspection.inspector.organization.name,
                "scheduled_on": inspection.scheduled_on,
                "items": inspection.round.items.count(),
                "scored": len(selectors.my_scores(member)),
            }
        )
    return rows


def _scores_out(viewer: Person, inspection: Inspection) -> dict[str, Any]:
    member = selectors.panel_member(viewer, inspection)
    return {
        "inspection": inspection.pk,
        "round_status": inspection.round.status,
        "items": [_item_out(i) for i in selectors.items(inspection.round)],
        "scores": selectors.my_scores(member),
        "may_score": member is not None and inspection.round.status == RoundStatus.OPEN,
    }


@router.get("/property-reviews/inspections/{inspection_id}", response=ReviewScoresOut)
def get_inspection(request: HttpRequest, inspection_id: Id) -> dict[str, Any]:
    """The checklist of an inspection and the caller's own scores (panel members; staff
    read the checklist)."""
    viewer = caller(request)
    return _scores_out(viewer, _inspection_for(viewer, inspection_id))


class ReviewScoreIn(Schema):
    item: Id
    score: Whole = Field(description="0 to the item's full marks")


class ReviewScoresIn(ReviewBody):
    scores: Annotated[list[ReviewScoreIn], Field(min_length=1, max_length=100)]


@router.post("/property-reviews/inspections/{inspection_id}/scores", response=ReviewScoresOut)
def submit_scores(
    request: HttpRequest, inspection_id: Id, payload: ReviewScoresIn
) -> dict[str, Any]:
    """A panel member scores items of the checklist (some now, some later; again to
    change them) until the round closes. 400 ``score_out_of_range``, 403 ``not_on_panel``,
    409 ``round_not_open``."""
    viewer = caller(request)
    inspection = _inspection_for(viewer, inspection_id)
    scores = {row.item: row.score for row in payload.scores}
    if len(scores) != len(payload.scores):
        raise InvalidInput(_("Score each item once."), code="duplicate_item", field="scores")
    services.submit_scores(actor=viewer, inspection=inspection, scores=scores)
    return _scores_out(viewer, selectors.get_inspection(inspection_id))  # type: ignore[arg-type]


class ReviewFindingIn(ReviewBody):
    problem: Annotated[str, Field(max_length=1000)]
    location: Line = ""


@router.post(
    "/property-reviews/inspections/{inspection_id}/findings",
    response={201: ReviewFindingDetailOut},
    openapi_extra=body_doc(ReviewFindingIn),
)
def record_finding(request: HttpRequest, inspection_id: Id) -> Status[dict[str, Any]]:
    """问题汇总: a panel member (or staff) records a problem — what, where, with up to 4
    photos (JSON, or a form with ``photos``)."""
    viewer = caller(request)
    inspection = _inspection_for(viewer, inspection_id)
    payload, photos = form_or_json(request, ReviewFindingIn)
    finding = services.record_finding(
        actor=viewer,
        inspection=inspection,
        problem=payload.problem,
        location=payload.location,
        photos=photos,
    )
    return Status(201, _finding_detail(selectors.get_finding(finding.pk)))  # type: ignore[arg-type]


# --- Findings ------


class ReviewFindingFilters(Schema):
    round: Id | None = None
    status: str = Field("", max_length=16)
    mine: bool = Field(False, description="only my companies' findings and those I recorded")


@router.get("/property-reviews/findings", response=list[ReviewFindingOut])
@paginate(Paging)
def list_findings(request: HttpRequest, filters: Query[ReviewFindingFilters]) -> ShapedPage:
    """Staff: the findings of their regions; a company's contact: its findings once
    sorted; a panel member: those they recorded."""
    viewer = caller(request)
    round_ = None
    if filters.round is not None:
        round_ = Round.objects.filter(pk=filters.round).first()
        if round_ is None:
            raise NotFound(_("There is no such property review."), field="round")
    rows = selectors.findings_for(
        viewer,
        round_=round_,
        status=one_of(filters.status, list(FindingStatus.values), "status"),
        mine=filters.mine,
    )
    return ShapedPage(rows, _finding_out)


@router.get("/property-reviews/findings/{finding_id}", response=ReviewFindingDetailOut)
def get_finding(request: HttpRequest, finding_id: Id) -> dict[str, Any]:
    viewer = caller(request)
    return _finding_detail(_finding_for(viewer, finding_id))


class ReviewTrackIn(ReviewBody):
    due_on: Date | None = Field(None, description="default: 10 working days from today")
    note: Reason = ""


def _after(finding_id: int) -> dict[str, Any]:
    return _finding_detail(selectors.get_finding(finding_id))  # type: ignore[arg-type]


@router.post("/property-reviews/findings/{finding_id}/track", response=ReviewFindingDetailOut)
def track(request: HttpRequest, finding_id: Id, payload: ReviewTrackIn) -> dict[str, Any]:
    """Staff: the company's to rectify by ``due_on``, public from now on."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    services.track(actor=viewer, finding=finding, due_on=payload.due_on, note=payload.note)
    return _after(finding_id)


class ReviewReferIn(ReviewBody):
    category: Code = Field(description="an incident category code of the community")


@router.post("/property-reviews/findings/{finding_id}/refer", response=ReviewFindingDetailOut)
def refer(request: HttpRequest, finding_id: Id, payload: ReviewReferIn) -> dict[str, Any]:
    """Staff: not the company's to fix — handed to the grid as an incident."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    services.refer(actor=viewer, finding=finding, category=payload.category)
    return _after(finding_id)


class ReviewReasonIn(ReviewBody):
    reason: Reason


@router.post("/property-reviews/findings/{finding_id}/dismiss", response=ReviewFindingDetailOut)
def dismiss(request: HttpRequest, finding_id: Id, payload: ReviewReasonIn) -> dict[str, Any]:
    """Staff: no problem after all, with the reason."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    services.dismiss(actor=viewer, finding=finding, reason=payload.reason)
    return _after(finding_id)


class ReviewNoteIn(ReviewBody):
    note: Reason = ""


@router.post("/property-reviews/findings/{finding_id}/start", response=ReviewFindingDetailOut)
def start(request: HttpRequest, finding_id: Id, payload: ReviewNoteIn) -> dict[str, Any]:
    """The company's contact: rectification has begun."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    services.start(actor=viewer, finding=finding, note=payload.note)
    return _after(finding_id)


class ReviewFixIn(ReviewBody):
    note: Reason


@router.post(
    "/property-reviews/findings/{finding_id}/fixed",
    response=ReviewFindingDetailOut,
    openapi_extra=body_doc(ReviewFixIn),
)
def fixed(request: HttpRequest, finding_id: Id) -> dict[str, Any]:
    """The company's contact: rectified — what was done, with photos (JSON, or a form
    with ``photos``)."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    payload, photos = form_or_json(request, ReviewFixIn)
    services.fix(actor=viewer, finding=finding, note=payload.note, photos=photos)
    return _after(finding_id)


class ReviewVerifyIn(ReviewBody):
    ok: Annotated[bool, Field(strict=True)]
    note: Reason = ""


@router.post("/property-reviews/findings/{finding_id}/verify", response=ReviewFindingDetailOut)
def verify(request: HttpRequest, finding_id: Id, payload: ReviewVerifyIn) -> dict[str, Any]:
    """Staff: the fix is verified, or (``ok: false``, with a note) reopened."""
    viewer = caller(request)
    finding = _finding_for(viewer, finding_id)
    services.verify(actor=viewer, finding=finding, ok=payload.ok, note=payload.note)
    return _after(finding_id)


# --- Staff: rounds ------


class ReviewListFilters(Schema):
    region: RegionCode = ""
    status: str = Field("", max_length=16)


@router.get("/property-reviews", response=list[ReviewRoundOut])
@paginate(Paging)
def list_rounds(request: HttpRequest, filters: Query[ReviewListFilters]) -> ShapedPage:
    """Staff: the rounds of their regions, newest quarter first."""
    viewer = caller(request)
    rows = selectors.listed(
        viewer,
        region=get_region(filters.region) if filters.region else None,
        status=one_of(filters.status, list(RoundStatus.values), "status"),
    )
    return ShapedPage(rows, _round_out)


class ReviewRoundIn(ReviewBody):
    region: RegionCode = Field(description="a town's or a community's code")
    quarter: str = Field(max_length=8, description="YYYYQn, e.g. 2026Q4")
    title: Line = ""
    copy_previous: bool = Field(
        True, description="start from the region's last round (companies, compounds, checklist)"
    )


class ReviewCreatedOut(Schema):
    id: int
    status: str


@router.post("/property-reviews", response={201: ReviewCreatedOut})
def create_round(request: HttpRequest, payload: ReviewRoundIn) -> Status[dict[str, Any]]:
    """Staff of a town or a community: a quarter's review → ``{id}`` (``draft``)."""
    round_ = services.create_round(
        actor=caller(request),
        region=get_region(payload.region),
        quarter=payload.quarter,
        title=payload.title,
        copy_previous=payload.copy_previous,
    )
    return Status(201, {"id": round_.pk, "status": round_.status})


@router.get("/property-reviews/{round_id}", response=ReviewRoundDetailOut)
def get_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    """Staff: the round, its plan, the panels' progress, the results and the history."""
    return _detail(_managed(caller(request), round_id))


@router.get("/property-reviews/{round_id}/scores.xlsx")
def scores_xlsx(request: HttpRequest, round_id: Id) -> HttpResponse:
    """Staff: the scores as an Excel file (once the round is closed)."""
    return _xlsx(_managed(caller(request), round_id))


class ReviewCompanyIn(ReviewBody):
    organization: Id
    compounds: Annotated[list[RegionCode], Field(max_length=100)] = Field(default_factory=list)


@router.post("/property-reviews/{round_id}/companies", response=ReviewRoundDetailOut)
def add_company(request: HttpRequest, round_id: Id, payload: ReviewCompanyIn) -> dict[str, Any]:
    """Staff: a property company takes part, with the compounds it manages."""
    viewer = caller(request)
    round_ = _managed(viewer, round_id)
    organization = Organization.objects.select_related("region").filter(pk=payload.organization)
    found = organization.first()
    if found is None:
        raise NotFound(_("There is no such organisation."), field="organization")
    services.add_company(
        actor=viewer,
        round=round_,
        organization=found,
        compounds=[get_region(code) for code in payload.compounds],
    )
    return _detail(_managed(viewer, round_id))


@router.delete("/property-reviews/{round_id}/companies/{company_id}", response=ReviewRoundDetailOut)
def remove_company(request: HttpRequest, round_id: Id, company_id: Id) -> dict[str, Any]:
    viewer = caller(request)
    round_ = _managed(viewer, round_id)
    company = Company.objects.select_related("organization").filter(pk=company_id, round=round_)
    found = company.first()
    if found is None:
        raise NotFound(_("That company is not in this review."))
    services.remove_company(actor=viewer, company=found)
    return _detail(_managed(viewer, round_id))


class ReviewItemIn(ReviewBody):
    group: Line
    title: Line
    max_score: Whole


@router.post("/property-reviews/{round_id}/items", response=ReviewRoundDetailOut)
def add_item(request: HttpRequest, round_id: Id, payload: ReviewItemIn) -> dict[str, Any]:
    """Staff: a line of the checklist (full marks 1–100), while the round is planned."""
    viewer = caller(request)
    services.add_item(
        actor=viewer,
        round=_managed(viewer, round_id),
        group=payload.group,
        title=payload.title,
        max_score=payload.max_score,
    )
    return _detail(_managed(viewer, round_id))


@router.delete("/property-reviews/{round_id}/items/{item_id}", response=ReviewRoundDetailOut)
def remove_item(request: HttpRequest, round_id: Id, item_id: Id) -> dict[str, Any]:
    viewer = caller(request)
    round_ = _managed(viewer, round_id)
    item = Item.objects.filter(pk=item_id, round=round_).first()
    if item is None:
        raise NotFound(_("That item is not on this checklist."))
    services.remove_item(actor=viewer, item=item)
    return _detail(_managed(viewer, round_id))


class ReviewPanelIn(Schema):
    person: Id
    kind: str = Field(max_length=8, description="owner or party")


class ReviewInspectionIn(ReviewBody):
    compound: RegionCode = Field(description="the compound's code")
    inspector: Id = Field(description="the inspecting company's organisation id")
    scheduled_on: Date | None = None
    panel: Annotated[list[ReviewPanelIn], Field(max_length=30)] = Field(default_factory=list)


@router.post("/property-reviews/{round_id}/inspections", response={201: ReviewRoundDetailOut})
def plan_inspection(
    request: HttpRequest, round_id: Id, payload: ReviewInspectionIn
) -> Status[dict[str, Any]]:
    """Staff: company ``inspector`` inspects ``compound`` (never its own: 400
    ``own_compound``), with its panel of owners and party members."""
    viewer = caller(request)
    round_ = _managed(viewer, round_id)
    compound = Compound.objects.filter(round=round_, region__code=payload.compound).first()
    inspector = Company.objects.filter(
        round=round_, organization_id=payload.inspector
    ).select_related("organization")
    found = inspector.first()
    if compound is None or found is None:
        raise NotFound(_("That compound or company is not in this review."), field="compound")
    for row in payload.panel:
        one_of(row.kind, list(PanelKind.values), "kind")
    services.plan_inspection(
        actor=viewer,
        round=round_,
        compound=compound,
        inspector=found,
        scheduled_on=payload.scheduled_on,
        panel=[(_person(row.person), row.kind) for row in payload.panel],
    )
    return Status(201, _detail(_managed(viewer, round_id)))


def _staff_inspection(viewer: Person, inspection_id: int) -> Inspection:
    inspection = selectors.get_inspection(inspection_id)
    if inspection is None or not selectors.may_manage(viewer, inspection.round.region):
        raise NotFound(_("There is no such inspection."))
    return inspection


@router.post("/property-reviews/inspections/{inspection_id}/panel", response=ReviewRoundDetailOut)
def add_panel_member(
    request: HttpRequest, inspection_id: Id, payload: ReviewPanelIn
) -> dict[str, Any]:
    """Staff: an owner or a party member joins the panel (not a member of either
    company: 400 ``conflict_of_interest``)."""
    viewer = caller(request)
    inspection = _staff_inspection(viewer, inspection_id)
    one_of(payload.kind, list(PanelKind.values), "kind")
    services.add_panel_member(
        actor=viewer, inspection=inspection, person=_person(payload.person), kind=payload.kind
    )
    return _detail(inspection.round)


@router.delete(
    "/property-reviews/inspections/{inspection_id}/panel/{person_id}",
    response=ReviewRoundDetailOut,
)
def remove_panel_member(request: HttpRequest, inspection_id: Id, person_id: Id) -> dict[str, Any]:
    viewer = caller(request)
    inspection = _staff_inspection(viewer, inspection_id)
    member = PanelMember.objects.select_related("person", "inspection").filter(
        inspection=inspection, person_id=person_id
    )
    found = member.first()
    if found is None:
        raise NotFound(_("This person is not on the panel."))
    services.remove_panel_member(actor=viewer, member=found)
    return _detail(inspection.round)


@router.post("/property-reviews/{round_id}/open", response=ReviewRoundDetailOut)
def open_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    """Staff: the panels may score; they are told."""
    viewer = caller(request)
    services.open_round(actor=viewer, round=_managed(viewer, round_id))
    return _detail(_managed(viewer, round_id))


@router.post("/property-reviews/{round_id}/close", response=ReviewRoundDetailOut)
def close_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    """Staff: scores frozen and counted per company (not yet public)."""
    viewer = caller(request)
    services.close_round(actor=viewer, round=_managed(viewer, round_id))
    return _detail(_managed(viewer, round_id))


@router.post("/property-reviews/{round_id}/publish", response=ReviewRoundDetailOut)
def publish_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    """Staff: the scores are public; the companies' contacts are told theirs."""
    viewer = caller(request)
    services.publish_round(actor=viewer, round=_managed(viewer, round_id))
    return _detail(_managed(viewer, round_id))


@router.post("/property-reviews/{round_id}/cancel", response=ReviewRoundDetailOut)
def cancel_round(request: HttpRequest, round_id: Id, payload: ReviewReasonIn) -> dict[str, Any]:
    """Staff: the round will not take place (before it is counted), with the reason."""
    viewer = caller(request)
    services.cancel_round(actor=viewer, round=_managed(viewer, round_id), reason=payload.reason)
    return _detail(_managed(viewer, round_id))
