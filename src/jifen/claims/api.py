"""积分申报 over HTTP: declare, add evidence, review, appeal, revoke.

Thin on purpose: the services check who may and what is valid, so this module only
finds what the caller may see (anything else is 404), parses the input and shapes the
answer. Every POST that creates a claim or may move points takes an Idempotency-Key.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import MAX_ID, Date, Id, LongText, ReasonIn, ShapedPage, one_of
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.claims import selectors, services
from jifen.claims.models import Appeal, Claim, Photo, Provenance
from jifen.claims.models import Status as ClaimStatus
from jifen.lib.errors import NotFound
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Organization, Person, Proxy
from jifen.people.selectors import visible_people
from jifen.regions.selectors import get_region

router = Router(tags=["claims"])


# A number (1, 1.5) or a numeric string ("1.5"); true/false and NaN are refused.
Quantity = Annotated[Decimal, Field(allow_inf_nan=False)]


# --- Output -------------------------------------------------------------------------------
#
# Plain schemas filled from dicts: an idempotent POST records its answer as JSON and a
# replay validates that JSON against the same schema, which resolvers reading a model
# instance could not do.


class PhotoOut(Schema):
    id: int
    url: str = Field(description="the stored picture, for whoever may see the claim")
    width: int
    height: int
    content_type: str


class AppealOut(Schema):
    id: int
    claim: int
    reason: str
    status: str
    note: str
    filed_at: datetime
    decided_at: datetime | None
    quantity: float | None = Field(description="upheld on the points: the corrected quantity")
    points_added: int
    transfer: int | None


class ClaimOut(Schema):
    id: int
    person: int
    volunteer_no: str | None
    person_name: str
    organization: int | None
    organization_name: str | None
    community: str
    rule_item: int
    rule_item_code: str
    rule_item_name: str
    rule_version: int
    unit: str
    quantity: float
    points: int
    occurred_on: date
    description: str
    status: str
    status_label: str
    provenance: str
    source: str
    approvals: int
    approvals_needed: int
    reason: str
    created_at: datetime
    decided_at: datetime | None
    transfer: int | None = Field(description="the ledger transfer that posted the points")
    photos: list[PhotoOut]
    appeal: AppealOut | None


class ReviewOut(Schema):
    reviewer: str
    reviewer_id: Id
    decision: str
    reason: str
    at: datetime


class EventOut(Schema):
    action: str
    at: datetime
    actor: str | None
    on_behalf_of: str | None


class ClaimDetailOut(ClaimOut):
    reviews: list[ReviewOut]
    history: list[EventOut]
    can_review: bool = Field(description="whether the caller's approve/reject would be heard")


def _photo_out(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": reverse(
            "api:claim_photo_file", kwargs={"claim_id": photo.claim_id, "photo_id": photo.pk}
        ),
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
    }


def _appeal_out(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "claim": appeal.claim_id,
        "reason": appeal.reason,
        "status": appeal.status,
        "note": appeal.note,
        "filed_at": appeal.filed_at,
        "decided_at": appeal.decided_at,
        "quantity": float(appeal.quantity) if appeal.quantity is not None else None,
        "points_added": appeal.points_added,
        "transfer": appeal.transfer_id,
    }


def _claim_out(claim: Claim) -> dict[str, Any]:
    """A claim read by the selectors (with ``approvals`` counted, appeal and photos
    fetched alongside)."""
    version = claim.rule_version
    appeal = getattr(claim, "appeal", None)  # the reverse one-to-one raises when absent
    return {
        "id": claim.pk,
        "person": claim.person_id,
        "volunteer_no": claim.person.volunteer_no,
        # Only the claimant, their proxy and staff or reviewers of the community see a
        # claim at all, and all of them know the volunteer by name.
        "person_name": claim.person.name,
        "organization": claim.organization_id,
        "organization_name": claim.organization.name if claim.organization else None,
        "community": claim.community.code,
        "rule_item": version.item_id,
        "rule_item_code": version.item.code,
        "rule_item_name": version.name,
        "rule_version": version.version,
        "unit": version.unit,
        # Steps of 0.5 up to 50: exact in binary, so the float is the decimal.
        "quantity": float(claim.quantity),
        "points": claim.points,
        "occurred_on": claim.occurred_on,
        "description": claim.description,
        "status": claim.status,
        "status_label": str(claim.get_status_display()),
        "provenance": claim.provenance,
        "source": claim.source,
        "approvals": claim.approvals,  # type: ignore[attr-defined]
        "approvals_needed": claim.approvals_needed,
        "reason": claim.reason,
        "created_at": claim.created_at,
        "decided_at": claim.decided_at,
        "transfer": claim.transfer_id,
        "photos": [_photo_out(photo) for photo in claim.photos.all()],
        "appeal": _appeal_out(appeal) if appeal is not None else None,
    }


def _detail(viewer: Person, claim_id: Id) -> dict[str, Any]:
    """The claim as the viewer may see it, read afresh (after a write, with its effect)."""
    claim = selectors.get_claim_for(viewer, claim_id)
    return {
        **_claim_out(claim),
        "reviews": [
            {
                "reviewer": review.reviewer.name,
                "reviewer_id": review.reviewer_id,
                "decision": review.decision,
                "reason": review.reason,
                "at": review.at,
            }
            for review in selectors.reviews_of(claim)
        ],
        "history": [
            {
                "action": event.action,
                "at": event.at,
                "actor": event.actor.name if event.actor else None,
                "on_behalf_of": event.on_behalf_of.name if event.on_behalf_of else None,
            }
            for event in selectors.history(claim)
        ],
        "can_review": selectors.can_review(viewer, claim),
    }


def _visible(request: HttpRequest, claim_id: Id) -> tuple[Person, Claim]:
    """The caller and the claim, when they may see it; 404 otherwise (never 403, which
    would tell them it exists)."""
    person = caller(request)
    return person, selectors.get_claim_for(person, claim_id)


# --- Reading ------------------------------------------------------------------------------


STATUS_HELP = "pending, approved, rejected or revoked; empty: every status"


class QueueFilters(Schema):
    status: str = Field("", max_length=16, description=STATUS_HELP)
    community: str = Field("", max_length=32, description="a region code: claims under it")
    rule_item: int | None = Field(None, ge=1, le=MAX_ID)
    provenance: str = Field("", max_length=16, description="on_site or declared")
    person: int | None = Field(None, ge=1, le=MAX_ID)
    older_than_days: int | None = Field(None, ge=0, le=36500)
    stage: str = Field(
        "",
        max_length=16,
        description="first, cross or appeals: what waits for the caller as a reviewer "
        "(the to-do's lines, GET /me/todo); any status",
    )


class MyFilters(Schema):
    status: str = Field("", max_length=16, description=STATUS_HELP)


@router.get("/claims", response=list[ClaimOut])
@paginate(Paging)
def list_claims(request: HttpRequest, filters: Query[QueueFilters]) -> ShapedPage:
    """The claims of the caller's regions (staff and reviewers), oldest first: the one
    waiting longest on top."""
    viewer = caller(request)
    authz.require(viewer, authz.VIEW_CLAIMS)
    claims = selectors.review_queue(
        viewer,
        status=one_of(filters.status, list(ClaimStatus.values), "status"),
        community=get_region(filters.community) if filters.community else None,
        rule_item=filters.rule_item,
        provenance=one_of(filters.provenance, list(Provenance.values), "provenance"),
        older_than_days=filters.older_than_days,
        person=filters.person,
        stage=one_of(filters.stage, ["first", "cross", "appeals"], "stage"),
    )
    return ShapedPage(claims.select_related("appeal").prefetch_related("photos"), _claim_out)


@router.get("/me/claims", response=list[ClaimOut])
@paginate(Paging)
def my_claims(request: HttpRequest, filters: Query[MyFilters]) -> ShapedPage:
    """The caller's own claims, newest first."""
    claims = selectors.claims_of(caller(request))
    if one_of(filters.status, list(ClaimStatus.values), "status"):
        claims = claims.filter(status=filters.status)
    return ShapedPage(claims.select_related("appeal").prefetch_related("photos"), _claim_out)


class BatchIn(Schema):
    ids: list[Id] = Field(max_length=500)


class RefusedOut(Schema):
    id: int
    message: str


class BatchOut(Schema):
    approved: list[int]
    refused: list[RefusedOut]


# Registered before /claims/{claim_id}, whose pattern would otherwise take "approve" for
# an id and answer this POST with 405.
@router.post("/claims/approve", response=BatchOut)
@idempotent
def approve_many(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """Approve several claims; each is decided on its own, so one refusal stops none."""
    reviewer = caller(request)
    ids = list(dict.fromkeys(payload.ids))
    visible = set(
        selectors.visible_claims(reviewer).filter(pk__in=ids).values_list("pk", flat=True)
    )
    result = services.approve_claims(claim_ids=[i for i in ids if i in visible], reviewer=reviewer)
    refused = dict(result.refused)
    missing = str(_("There is no such claim."))
    return {
        "approved": [claim.pk for claim in result.approved],
        "refused": [
            {"id": i, "message": refused.get(i, missing)}
            for i in ids
            if i not in visible or i in refused
        ],
    }


@router.get("/claims/{claim_id}", response=ClaimDetailOut)
def get_claim(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    """One claim with its reviews, appeal and history: for the claimant, their proxy, and
    staff and reviewers of its community."""
    return _detail(caller(request), claim_id)


@router.get("/claims/{claim_id}/photos/{photo_id}", url_name="claim_photo_file")
def photo_file(request: HttpRequest, claim_id: Id, photo_id: Id) -> FileResponse:
    """The stored photo (re-encoded, without metadata) for whoever may see the claim."""
    _person, claim = _visible(request, claim_id)
    photo = claim.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("This claim has no such photo."))
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Declaring ----------------------------------------------------------------------------


class DeclareIn(Schema):
    rule_item: Id
    quantity: Quantity = Field(description="hours in steps of 0.5, or a whole number of times")
    occurred_on: Date
    description: LongText = ""
    person: Id | None = Field(
        default=None, description="declare for a resident you act for (proxy, or staff)"
    )
    organization: Id | None = Field(
        default=None, description="declare your organisation's unit points"
    )


def _claimant(actor: Person, person_id: int | None) -> Person:
    """Who the claim is for: the caller, a resident they are the proxy of, or (staff) a
    resident of their community. Anyone else does not exist for the caller."""
    if person_id is None or person_id == actor.pk:
        return actor
    proxy = (
        Proxy.objects.select_related("principal__community")
        .filter(principal_id=person_id, agent=actor, revoked_at__isnull=True)
        .first()
    )
    if proxy is not None:
        return proxy.principal
    person = visible_people(actor, authz.ENTER_CLAIMS).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person, or you may not see them."), field="person")
    return person


@router.post("/claims", response={201: ClaimDetailOut})
@idempotent
def declare(request: HttpRequest, payload: DeclareIn) -> Status[dict[str, Any]]:
    """A volunteer declares service (自主申报); it waits for review. A proxy declares for
    the resident they act for; staff for a resident without a phone; a member for their
    organisation."""
    actor = caller(request)
    organization = None
    if payload.organization is not None:
        organization = (
            Organization.objects.select_related("region").filter(pk=payload.organization).first()
        )
        if organization is None:
            raise NotFound(_("There is no such organisation."), field="organization")
    claim = services.declare_service(
        actor=actor,
        rule_item_id=payload.rule_item,
        quantity=payload.quantity,
        occurred_on=payload.occurred_on,
        description=payload.description,
        person=_claimant(actor, payload.person),
        organization=organization,
    )
    return Status(201, _detail(actor, claim.pk))


@router.post("/claims/{claim_id}/photos", response={201: PhotoOut})
def add_photo(
    request: HttpRequest, claim_id: Id, photo: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Evidence (multipart field ``photo``, JPEG or PNG): stored re-encoded, without EXIF."""
    actor, claim = _visible(request, claim_id)
    services.add_photo(actor=actor, claim=claim, upload=photo)
    stored = claim.photos.filter(uploaded_by=actor).order_by("-id").first()
    assert stored is not None  # noqa: S101 - add_photo stored it or raised
    return Status(201, _photo_out(stored))


# --- Reviewing ----------------------------------------------------------------------------


@router.post("/claims/{claim_id}/approve", response=ClaimDetailOut)
@idempotent
def approve(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    """One approval; the last one needed (two for 50 points or more) posts the points."""
    reviewer, claim = _visible(request, claim_id)
    services.approve_claim(claim=claim, reviewer=reviewer)
    return _detail(reviewer, claim_id)


@router.post("/claims/{claim_id}/reject", response=ClaimDetailOut)
@idempotent
def reject(request: HttpRequest, claim_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """Reject with a reason the volunteer sees."""
    reviewer, claim = _visible(request, claim_id)
    services.reject_claim(claim=claim, reviewer=reviewer, reason=payload.reason)
    return _detail(reviewer, claim_id)


# --- Appeal and revocation ----------------------------------------------------------------


class AppealIn(Schema):
    reason: LongText


class AppealDecisionIn(Schema):
    uphold: bool
    note: LongText
    quantity: Quantity | None = Field(
        default=None, description="upheld on the points: the right quantity"
    )


@router.post("/claims/{claim_id}/appeal", response={201: AppealOut})
@idempotent
def appeal(request: HttpRequest, claim_id: Id, payload: AppealIn) -> Status[dict[str, Any]]:
    """申诉: the claimant contests a rejection or the points, within the appeal window."""
    actor, claim = _visible(request, claim_id)
    filed = services.appeal_claim(claim=claim, actor=actor, reason=payload.reason)
    return Status(201, _appeal_out(filed))


@router.post("/claims/{claim_id}/appeal/decide", response=AppealOut)
@idempotent
def decide_appeal(request: HttpRequest, claim_id: Id, payload: AppealDecisionIn) -> dict[str, Any]:
    """A reviewer who did not review the claim upholds or dismisses the appeal; upheld,
    the points (or the difference) post."""
    reviewer, claim = _visible(request, claim_id)
    decided = services.decide_appeal(
        claim=claim,
        reviewer=reviewer,
        uphold=payload.uphold,
        note=payload.note,
        quantity=payload.quantity,
    )
    return _appeal_out(decided)


@router.post("/claims/{claim_id}/revoke", response=ClaimDetailOut)
@idempotent
def revoke(request: HttpRequest, claim_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """An approved claim found false is reversed in the ledger, never deleted."""
    actor, claim = _visible(request, claim_id)
    services.revoke_claim(claim=claim, actor=actor, reason=payload.reason)
    return _detail(actor, claim_id)
