"""Writes of claims: declare, review, appeal, revoke. Each is one transaction.

The rules (CONTRACT.md, and the community's policy):

- a claim is priced by the version of its item in force on the service date;
- worth at least ``cross_check_points`` (default 50) it needs two approvals by two
  different reviewers; a random share of smaller ones may be sent to cross-check too;
- nobody reviews a claim of their own, of their household, of their organisation or
  one they entered;
- the final approval posts to the ledger exactly once (the posting's key is the
  claim's), and the newcomer's first approved claim brings the referrer's bonus;
- a rejection or the points may be appealed within ``appeal_days``; a reviewer who did
  not review the claim decides;
- an approved claim found false is revoked by a reversal, never deleted.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims import notices, origins
from jifen.claims.models import (
    Appeal,
    AppealStatus,
    Claim,
    Decision,
    Provenance,
    Review,
    Source,
    Status,
)
from jifen.claims.photos import store_photo
from jifen.lib.bounds import check_date, check_points
from jifen.lib.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_text
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person, Proxy
from jifen.points import ledger
from jifen.points import services as points
from jifen.points.ledger import Posting, account_for, ledger_text, system_account
from jifen.points.models import AccountKind, RuleItem, RuleVersion, Transfer, Unit
from jifen.regions.models import Level, Region

MAX_HOURS = Decimal(24)  # one claim is one day's service
MAX_TIMES = Decimal(50)
MAX_PHOTOS = 3


# --- Declaring ---------------------------------------------------------------------------


def clean_quantity(unit: str, quantity: Any) -> Decimal:
    """Hours in steps of 0.5 for an ``hour`` item, a whole number for a ``time`` item."""
    try:
        value = Decimal(str(quantity).strip())
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise InvalidInput(_("The quantity must be more than 0."), field="quantity")
    # The upper bound first: the remainder of a huge value (1E+100) is not computable
    # in the default decimal context and would raise instead of refusing.
    if unit == Unit.HOUR:
        if value > MAX_HOURS:
            raise InvalidInput(
                _("One claim covers one day: at most %(max)s hours."),
                field="quantity",
                params={"max": MAX_HOURS},
            )
        if (value * 2) % 1 != 0:
            raise InvalidInput(_("Hours are counted in half hours: 1, 1.5, 2 …"), field="quantity")
    else:
        if value > MAX_TIMES:
            raise InvalidInput(
                _("At most %(max)s times in one claim."),
                field="quantity",
                params={"max": MAX_TIMES},
            )
        if value % 1 != 0:
            raise InvalidInput(_("This item counts whole times: 1, 2, 3 …"), field="quantity")
    return value.quantize(Decimal("0.1"))


def points_for(version: RuleVersion, quantity: Decimal) -> int:
    """Quantity × points per unit, rounded down to a whole point."""
    return int((quantity * version.points).to_integral_value(rounding=ROUND_FLOOR))


def rule_item_for(community: Region, item_id: int | str | None) -> RuleItem:
    """An active item that serves the community (its own or one above it)."""
    item = None
    if item_id not in (None, ""):
        try:
            pk = int(item_id)
        except (TypeError, ValueError):
            pk = None
        if pk is not None:
            item = RuleItem.objects.filter(
                pk=pk, region__code__in=community.ancestor_codes(), is_active=True
            ).first()
    if item is None:
        raise InvalidInput(
            _("This service item does not exist in %(community)s."),
            code="unknown_rule_item",
            field="rule_item",
            params={"community": community.name},
        )
    return item


def _check_date(occurred_on: date, community: Region) -> None:
    today = timezone.localdate()
    if occurred_on > today:
        raise InvalidInput(
            _("The service date cannot be in the future."), code="future_date", field="occurred_on"
        )
    limit = points.policy_for(community).claim_max_age_days
    if occurred_on < today - timedelta(days=limit):
        raise InvalidInput(
            _("Service older than %(days)s days can no longer be declared here."),
            code="too_old",
            field="occurred_on",
            params={"days": limit},
        )


def _cross_checked(community: Region, points_: int) -> bool:
    """Worth the community's cross-check threshold: two reviewers, never one alone."""
    return points_ >= points.policy_for(community).cross_check_points


def _approvals_needed(community: Region, points_: int) -> tuple[int, bool]:
    """(approvals needed, sampled): two for a large claim or one drawn for cross-check."""
    policy = points.policy_for(community)
    if points_ >= policy.cross_check_points:
        return 2, False
    if policy.cross_check_share and secrets.randbelow(100) < policy.cross_check_share:
        return 2, True
    return 1, False


def create_claim(
    *,
    person: Person,
    rule_item: RuleItem,
    quantity: Any,
    occurred_on: date,
    description: str = "",
    source: str,
    provenance: str,
    created_by: Person | None,
    source_id: int | None = None,
    organization: Organization | None = None,
    on_behalf_of: Person | None = None,
    check_age: bool = True,
    fixed_points: int | None = None,
) -> Claim:
    """Make a pending claim from any source; the caller has checked who may.

    Activities and service requests call this with their record as ``source_id``:
    a record makes at most one claim a day, so closing twice creates nothing more.
    A service request's claim is worth the points fixed when it was published
    (``fixed_points``); every other claim is priced by its item's version.
    """
    if source_id is not None:
        existing = Claim.objects.filter(
            source=source, source_id=source_id, occurred_on=occurred_on
        ).first()
        if existing is not None:
            return existing
    check_date(occurred_on, "occurred_on")
    community = organization.region if organization is not None else points.home_community(person)
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("Only a community or village keeps a points ledger."))
    version = points.price(rule_item, occurred_on)
    amount = clean_quantity(version.unit, quantity)
    if check_age:
        _check_date(occurred_on, community)
    elif occurred_on > timezone.localdate():
        raise InvalidInput(_("The service date cannot be in the future."), code="future_date")
    description = clean_text(description, "description", lines=True)
    if len(description) > 500:
        raise InvalidInput(
            _("Please keep the description under 500 characters."), field="description"
        )
    worth = (
        points_for(version, amount)
        if fixed_points is None
        else check_points(fixed_points, "points")
    )
    if worth < 1:
        raise InvalidInput(_("This quantity earns no points."), field="quantity")
    needed, sampled = _approvals_needed(community, worth)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                person=person,
                organization=organization,
                community=community,
                rule_version=version,
                quantity=amount,
                occurred_on=occurred_on,
                description=description,
                points=worth,
                source=source,
                source_id=source_id,
                provenance=provenance,
                approvals_needed=needed,
                sampled=sampled,
                created_by=created_by,
            )
            record(
                actor=created_by,
                action="claims.claim.create",
                target=claim,
                region=community,
                on_behalf_of=on_behalf_of,
                after={
                    "volunteer": person.volunteer_no,
                    "organization": organization.name if organization else None,
                    "item": rule_item.code,
                    "version": version.version,
                    "quantity": str(amount),
                    "occurred_on": occurred_on.isoformat(),
                    "points": worth,
                    "source": source,
                    "provenance": provenance,
                    "approvals_needed": needed,
                },
            )
    except IntegrityError:
        if source_id is None:
            raise
        # Made at the same moment by another closing.
        return Claim.objects.get(source=source, source_id=source_id, occurred_on=occurred_on)
    return claim


def _acting_for(actor: Person, person: Person) -> Person | None:
    """Who the actor declares for: themselves (None) or a resident they are proxy of."""
    if actor.pk == person.pk:
        return None
    if Proxy.objects.filter(principal=person, agent=actor, revoked_at__isnull=True).exists():
        return person
    raise PermissionDenied(
        _("You may declare service only for yourself or a resident you act for.")
    )


@transaction.atomic
def declare_service(
    *,
    actor: Person,
    rule_item_id: int | str | None,
    quantity: Any,
    occurred_on: date,
    description: str = "",
    person: Person | None = None,
    organization: Organization | None = None,
    photos: list[Any] = (),  # type: ignore[assignment]
) -> Claim:
    """A volunteer declares their own service (自主申报); a registered family proxy may
    declare for an elderly resident; staff may enter service for a resident without a
    phone; an organisation's contact declares the organisation's unit points. Every
    such claim is self-declared (not verified on site) and waits for review."""
    person = person or actor
    on_behalf_of: Person | None = None
    if organization is not None:
        # A unit's contact acts for it (CONTRACT, wave 2): a member who is not a contact
        # serves with the unit but does not declare its unit points.
        if not OrganizationMember.objects.filter(
            organization=organization, person=actor, is_contact=True
        ).exists():
            raise PermissionDenied(
                _("Only a contact person of the unit may declare its unit points.")
            )
        person, source = actor, Source.ORGANIZATION
        community = organization.region
    elif actor.pk == person.pk:
        source = Source.DECLARED
        community = points.home_community(person)
    elif authz.can(actor, authz.ENTER_CLAIMS, person.community):
        source = Source.STAFF
        community = points.home_community(person)
        on_behalf_of = person
    else:
        on_behalf_of = _acting_for(actor, person)
        source = Source.DECLARED
        community = points.home_community(person)
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos per claim."), field="photos", params={"n": MAX_PHOTOS}
        )
    item = rule_item_for(community, rule_item_id)
    claim = create_claim(
        person=person,
        rule_item=item,
        quantity=quantity,
        occurred_on=occurred_on,
        description=description,
        source=source,
        provenance=Provenance.DECLARED,
        created_by=actor,
        organization=organization,
        on_behalf_of=on_behalf_of,
    )
    for upload in photos:
        store_photo(claim=claim, upload=upload, actor=actor)
    return claim


@transaction.atomic
def add_photo(*, actor: Person, claim: Claim, upload: Any) -> Claim:
    """Evidence added after the claim: by whoever may see it as its claimant, while pending."""
    claim = _locked(claim)
    if actor.pk not in (claim.person_id, claim.created_by_id):
        _acting_for(actor, claim.person)
    if claim.status != Status.PENDING:
        raise Conflict(_("Evidence can be added only while the claim waits for review."))
    if claim.photos.count() >= MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos per claim."), field="photo", params={"n": MAX_PHOTOS}
        )
    store_photo(claim=claim, upload=upload, actor=actor)
    return claim


# --- Reviewing ---------------------------------------------------------------------------


def _locked(claim: Claim | int) -> Claim:
    pk = claim.pk if isinstance(claim, Claim) else claim
    try:
        return (
            Claim.objects.select_for_update(of=("self",))
            .select_related("person", "organization", "community", "rule_version__item")
            .get(pk=pk)
        )
    except Claim.DoesNotExist:
        raise NotFound(_("There is no such claim.")) from None


def refuse_own(claim: Claim, reviewer: Person) -> None:
    """Nobody reviews a claim of their own, their household's, their organisation's, of a
    resident they are the family proxy of, or one they entered for somebody else."""
    person = claim.person
    own = reviewer.pk in (person.pk, claim.created_by_id)
    if not own and person.household_id is not None:
        own = reviewer.household_id == person.household_id
    if not own and claim.organization_id is not None:
        own = OrganizationMember.objects.filter(
            organization_id=claim.organization_id, person=reviewer
        ).exists()
    if not own and claim.source_id is not None:
        # Who vouched for it in its record (the resident who confirmed a request).
        origin = origins.origin_of(claim)
        own = origin is not None and reviewer.pk in origin.parties
    if not own:
        # A family proxy (代办) acts for the claimant as close family does.
        own = Proxy.objects.filter(
            principal_id=person.pk, agent=reviewer, revoked_at__isnull=True
        ).exists()
    if own:
        raise Conflict(
            _("You cannot review a claim of your own or of your household; another reviewer will."),
            code="self_review",
        )


def _require_pending(claim: Claim) -> None:
    if claim.status != Status.PENDING:
        raise Conflict(
            _("This claim has already been decided (%(status)s)."),
            code="already_decided",
            params={"status": claim.get_status_display()},
        )


def _post(claim: Claim, actor: Person, amount: int, key: str) -> Transfer:
    """Points for the claim come into being at its community's issuer."""
    version = claim.rule_version
    if claim.source == Source.REQUEST:
        memo = ledger_text(
            _("Service for a resident's request: %(title)s (claim %(id)s)"),
            title=claim.description,
            id=claim.pk,
        )
    elif claim.source == Source.PROJECT:
        memo = ledger_text(
            _("Micro-project completed: %(title)s (claim %(id)s)"),
            title=claim.description,
            id=claim.pk,
        )
    else:
        memo = ledger_text(
            _("%(item)s × %(quantity)s (claim %(id)s)"),
            item=version.name,
            quantity=_quantity_text(claim.quantity),
            id=claim.pk,
        )
    if claim.organization is not None:
        return ledger.post(
            Posting(
                debit=system_account(claim.community, AccountKind.ISSUER),
                credit=account_for(claim.organization),
                amount=amount,
                kind=ledger.T.AWARD,
                key=key,
                actor=actor,
                memo=memo,
                rule_version=version,
                service_date=claim.occurred_on,
                source_type="claim",
                source_id=claim.pk,
            )
        )
    transfer = points.award_points(
        person=claim.person,
        amount=amount,
        key=key,
        actor=actor,
        rule_version=version,
        service_date=claim.occurred_on,
        memo=memo,
        source_type="claim",
        source_id=claim.pk,
    )
    points.referral_bonus(referee=claim.person, actor=actor)
    return transfer


def _quantity_text(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def _approve(claim: Claim, actor: Person) -> Claim:
    claim.status = Status.APPROVED
    claim.decided_at = timezone.now()
    claim.transfer = _post(claim, actor, claim.points, f"claim:{claim.pk}")
    claim.save(update_fields=["status", "decided_at", "transfer"])
    return claim


@transaction.atomic
def approve_claim(*, claim: Claim | int, reviewer: Person) -> Claim:
    """One approval; the last one needed posts the points, once."""
    claim = _locked(claim)
    authz.require(reviewer, authz.REVIEW_CLAIMS, claim.community)
    refuse_own(claim, reviewer)
    if claim.reviews.filter(reviewer=reviewer).exists():
        raise Conflict(
            _("You have already reviewed this claim; a second reviewer must approve it."),
            code="already_reviewed",
        )
    _require_pending(claim)
    Review.objects.create(claim=claim, reviewer=reviewer, decision=Decision.APPROVE)
    approvals = claim.reviews.filter(decision=Decision.APPROVE).count()
    final = approvals >= claim.approvals_needed
    if final:
        _approve(claim, reviewer)
    record(
        actor=reviewer,
        action="claims.claim.approve",
        target=claim,
        region=claim.community,
        after={
            "approvals": approvals,
            "needed": claim.approvals_needed,
            "posted": claim.points if final else 0,
            "transfer": claim.transfer_id,
        },
    )
    if final:
        notices.decision(claim)
    return claim


@transaction.atomic
def reject_claim(*, claim: Claim | int, reviewer: Person, reason: str) -> Claim:
    """Any reviewer may reject a pending claim, with a reason the volunteer sees."""
    claim = _locked(claim)
    authz.require(reviewer, authz.REVIEW_CLAIMS, claim.community)
    refuse_own(claim, reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give the reason; the volunteer will see it."), field="reason")
    if claim.reviews.filter(reviewer=reviewer).exists():
        raise Conflict(_("You have already reviewed this claim."), code="already_reviewed")
    _require_pending(claim)
    Review.objects.create(
        claim=claim, reviewer=reviewer, decision=Decision.REJECT, reason=reason[:200]
    )
    claim.status = Status.REJECTED
    claim.reason = reason[:200]
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_at"])
    record(
        actor=reviewer,
        action="claims.claim.reject",
        target=claim,
        region=claim.community,
        after={"reason": claim.reason},
    )
    notices.decision(claim)
    return claim


@dataclass
class BatchResult:
    approved: list[Claim] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def approve_claims(*, claim_ids: list[int], reviewer: Person) -> BatchResult:
    """Batch approval: each claim in its own transaction, so one refusal stops none."""
    result = BatchResult()
    for pk in dict.fromkeys(claim_ids):
        try:
            result.approved.append(approve_claim(claim=pk, reviewer=reviewer))
        except DomainError as exc:
            result.refused.append((pk, exc.render()))
    return result


# --- Appeal -----------------------------------------------------------------------------


@transaction.atomic
def appeal_claim(*, claim: Claim | int, actor: Person, reason: str) -> Appeal:
    """申诉 within the community's appeal window, once per claim."""
    claim = _locked(claim)
    on_behalf_of = None if actor.pk == claim.person_id else _acting_for(actor, claim.person)
    if claim.status not in (Status.REJECTED, Status.APPROVED):
        raise Conflict(
            _("Only a rejected claim or approved points can be appealed."), code="not_appealable"
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please say what you contest and why."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("Please keep the reason under 500 characters."), field="reason")
    days = points.policy_for(claim.community).appeal_days
    assert claim.decided_at is not None  # noqa: S101 - decided claims carry the time
    if timezone.now() > claim.decided_at + timedelta(days=days):
        raise Conflict(
            _("The %(days)s days to appeal this decision have passed."),
            code="appeal_window_closed",
            params={"days": days},
        )
    if Appeal.objects.filter(claim=claim).exists():
        raise Conflict(_("This claim has already been appealed."), code="already_appealed")
    appeal = Appeal.objects.create(claim=claim, reason=reason, filed_by=actor)
    record(
        actor=actor,
        action="claims.claim.appeal",
        target=claim,
        region=claim.community,
        on_behalf_of=on_behalf_of,
        after={"reason": reason, "status": claim.status},
    )
    return appeal


@transaction.atomic
def decide_appeal(
    *,
    claim: Claim | int,
    reviewer: Person,
    uphold: bool,
    note: str,
    quantity: Any = None,
) -> Appeal:
    """A reviewer who did not review the claim decides. Upheld, a rejected claim is
    approved and posts; upheld on the points, the corrected quantity posts the difference.

    One reviewer's decision posts alone only what one reviewer may approve alone (the
    two-reviewer cross-check): a rejected claim that needs two approvals — as corrected,
    or as it was — goes back to the queue with the decider's approval counted once, and a
    second reviewer's approval posts it; a top-up that would bring a claim approved once
    to the cross-check threshold, or that alone reaches it, is refused
    (``cross_check_required``)."""
    claim = _locked(claim)
    authz.require(reviewer, authz.REVIEW_CLAIMS, claim.community)
    refuse_own(claim, reviewer)
    appeal = Appeal.objects.select_for_update().filter(claim=claim).first()
    if appeal is None:
        raise NotFound(_("This claim has no appeal."))
    if appeal.status != AppealStatus.OPEN:
        raise Conflict(_("This appeal has already been decided."), code="already_decided")
    if claim.status not in (Status.REJECTED, Status.APPROVED):
        # Revoked while the appeal waited: upheld, it would post points to a revoked claim.
        raise Conflict(
            _("Only a rejected claim or approved points can be appealed."), code="not_appealable"
        )
    if claim.reviews.filter(reviewer=reviewer).exists():
        raise Conflict(
            _("A reviewer other than the first must decide the appeal."), code="already_reviewed"
        )
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Please explain the decision to the volunteer."), field="note")
    before = {"status": claim.status, "quantity": str(claim.quantity), "points": claim.points}
    if uphold and claim.status == Status.REJECTED:
        if quantity not in (None, ""):
            claim.quantity = clean_quantity(claim.rule_version.unit, quantity)
            claim.points = points_for(claim.rule_version, claim.quantity)
        claim.reason = ""
        if claim.approvals_needed > 1 or _cross_checked(claim.community, claim.points):
            # Back in the queue: this reviewer's approval counts once, another one posts.
            claim.status, claim.decided_at, claim.approvals_needed = Status.PENDING, None, 2
            claim.save(
                update_fields=[
                    "quantity",
                    "points",
                    "reason",
                    "status",
                    "decided_at",
                    "approvals_needed",
                ]
            )
            Review.objects.create(claim=claim, reviewer=reviewer, decision=Decision.APPROVE)
        else:
            claim.save(update_fields=["quantity", "points", "reason"])
            _approve(claim, reviewer)
    elif uphold:  # approved: the points are contested
        corrected = clean_quantity(claim.rule_version.unit, quantity)
        if corrected <= claim.quantity:
            raise InvalidInput(
                _("Upholding an appeal on the points needs a larger quantity than %(q)s."),
                field="quantity",
                params={"q": _quantity_text(claim.quantity)},
            )
        worth = points_for(claim.rule_version, corrected)
        if _cross_checked(claim.community, worth - claim.points) or (
            claim.approvals_needed < 2 and _cross_checked(claim.community, worth)
        ):
            raise Conflict(
                _(
                    "%(points)s points need a second reviewer's check, and an appeal is "
                    "decided by one: dismiss it with a note, and the volunteer declares "
                    "the rest as a new claim, which two reviewers check."
                ),
                code="cross_check_required",
                params={"points": worth},
            )
        appeal.points_added = worth - claim.points
        appeal.quantity = corrected
        if appeal.points_added > 0:
            appeal.transfer = _post(
                claim, reviewer, appeal.points_added, f"claim:{claim.pk}:appeal"
            )
        claim.quantity, claim.points = corrected, worth
        claim.save(update_fields=["quantity", "points"])
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.DISMISSED
    appeal.decided_by = reviewer
    appeal.decided_at = timezone.now()
    appeal.note = note[:500]
    appeal.save()
    record(
        actor=reviewer,
        action="claims.appeal.uphold" if uphold else "claims.appeal.dismiss",
        target=claim,
        region=claim.community,
        before=before,
        after={
            "status": claim.status,
            "quantity": str(claim.quantity),
            "points": claim.points,
            "note": appeal.note,
        },
    )
    notices.appeal_decided(appeal)
    return appeal


# --- Revocation ---------------------------------------------------------------------------


@transaction.atomic
def revoke_claim(*, claim: Claim | int, actor: Person, reason: str) -> Claim:
    """An approved claim found false is reversed with a reason, never deleted.

    If the holder has spent the points already the reversal would overdraw them: nothing
    changes and the message says to correct it by a staff adjustment (never below 0).
    """
    claim = _locked(claim)
    authz.require(actor, authz.REVOKE_CLAIMS, claim.community)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give the reason for the revocation."), field="reason")
    if claim.status != Status.APPROVED or claim.transfer is None:
        raise Conflict(_("Only an approved claim can be revoked."), code="not_approved")
    transfers = [claim.transfer]
    appeal = Appeal.objects.filter(claim=claim, transfer__isnull=False).first()
    if appeal is not None:
        transfers.append(appeal.transfer)  # type: ignore[arg-type]
    text = ledger_text(_("Claim %(id)s revoked: %(reason)s"), id=claim.pk, reason=reason)[:200]
    try:
        reversals = [
            points.reverse_transfer(transfer=t, actor=actor, reason=text) for t in transfers
        ]
    except Conflict as exc:
        if exc.code != "insufficient_points":
            raise
        balance = account_for(claim.holder).balance  # type: ignore[arg-type]
        raise Conflict(
            _(
                "The holder has already spent some of these points (balance %(balance)s, "
                "claim %(points)s), so the claim cannot be reversed. Nothing was changed: "
                "ask staff to correct it with an adjustment."
            ),
            code="points_spent",
            params={"balance": balance, "points": claim.points},
        ) from None
    claim.status = Status.REVOKED
    claim.reason = reason[:200]
    claim.save(update_fields=["status", "reason"])
    record(
        actor=actor,
        action="claims.claim.revoke",
        target=claim,
        region=claim.community,
        after={"reason": claim.reason, "reversals": [t.pk for t in reversals]},
    )
    notices.decision(claim)
    return claim
