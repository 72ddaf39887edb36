from datetime import date, datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import Code, Date, Id, Line, Reason
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.selectors import get_person_for
from jifen.points import selectors, services
from jifen.points.models import Adjustment, RuleVersion, Transfer
from jifen.regions.models import Region
from jifen.regions.selectors import get_region

router = Router(tags=["points"])


class BalanceOut(Schema):
    balance: int
    earned: int
    spent: int


class EntryOut(Schema):
    id: int
    amount: int = Field(description="signed: + received, − paid out")
    kind: str
    kind_label: str
    memo: str
    created_at: datetime
    service_date: date | None
    rule_item: str | None
    rule_item_name: str | None
    rule_version: int | None
    reverses: int | None = Field(description="id of the transfer this one reverses")
    community: str

    @staticmethod
    def resolve_amount(obj: Transfer) -> int:
        return obj.signed  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_kind_label(obj: Transfer) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_rule_item(obj: Transfer) -> str | None:
        return obj.rule_version.item.code if obj.rule_version else None

    @staticmethod
    def resolve_rule_item_name(obj: Transfer) -> str | None:
        return obj.rule_version.name if obj.rule_version else None

    @staticmethod
    def resolve_rule_version(obj: Transfer) -> int | None:
        return obj.rule_version.version if obj.rule_version else None

    @staticmethod
    def resolve_reverses(obj: Transfer) -> int | None:
        return obj.reverses_id

    @staticmethod
    def resolve_community(obj: Transfer) -> str:
        return obj.region.code


@router.get("/people/{person_id}/balance", response=BalanceOut)
def balance(request: HttpRequest, person_id: Id) -> selectors.Balance:
    person = get_person_for(caller(request), person_id)
    return selectors.balance_of(person)


@router.get("/people/{person_id}/entries", response=list[EntryOut])
@paginate(Paging)
def entries(request: HttpRequest, person_id: Id) -> QuerySet[Transfer]:
    """The person's ledger, newest first (amounts signed)."""
    person = get_person_for(caller(request), person_id)
    account = selectors.account_of(person)
    if account is None:
        return Transfer.objects.none()
    return selectors.entries(account).select_related("region")


class RuleItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    unit: str
    points: int
    region: str
    version: int
    effective_from: date
    overrides: bool = False


class RuleItemIn(Schema):
    code: Code
    name: Line
    category: Line
    unit: Code = Field(description="hour or time")
    points: int = Field(description="per unit, a whole number from 1 to 1000")
    region: Code | None = None
    effective_from: Date | None = None
    note: Reason = ""


def _item_out(version: RuleVersion, overrides: bool = False) -> dict[str, object]:
    item = version.item
    return {
        "id": item.pk,
        "code": item.code,
        "name": version.name,
        "category": version.category,
        "unit": version.unit,
        "points": version.points,
        "region": item.region.code,
        "version": version.version,
        "effective_from": version.effective_from,
        "overrides": overrides,
    }


def _own_region(person: object, action: authz.Action) -> Region:
    """The caller's own region: where they hold the role, or their home community."""
    paths = authz.region_paths(person, action)  # type: ignore[arg-type]
    if len(paths) == 1:
        return Region.objects.get(path=paths[0])
    community = getattr(person, "community", None)
    if community is not None and (not paths or authz.can(person, action, community)):  # type: ignore[arg-type]
        return community  # type: ignore[no-any-return]
    raise InvalidInput(
        _("You act in several regions; name the region."), field="region", code="region_required"
    )


@router.get("/rules/items", response=list[RuleItemOut])
@paginate(Paging)
def list_rule_items(request: HttpRequest, region: Code = "") -> list[dict[str, object]]:
    """The items in force for a region (default: your own), county items included."""
    person = caller(request)
    target = get_region(region) if region else _own_region(person, authz.MANAGE_RULES)
    return [_item_out(e.current, e.overrides) for e in selectors.catalogue(target)]


@router.post("/rules/items", response={201: RuleItemOut})
def save_rule_item(request: HttpRequest, payload: RuleItemIn) -> Status[dict[str, object]]:
    """Create an item, or change one (same code in the same region) as a new version."""
    person = caller(request)
    region = (
        get_region(payload.region) if payload.region else _own_region(person, authz.MANAGE_RULES)
    )
    version = services.save_rule_item(
        actor=person,
        region=region,
        code=payload.code,
        name=payload.name,
        category=payload.category,
        unit=payload.unit,
        points=payload.points,
        effective_from=payload.effective_from,
        note=payload.note,
    )
    return Status(201, _item_out(version))


class TotalsOut(Schema):
    community: str
    issued: int
    redeemed: int
    expired: int
    outstanding: int


@router.get("/communities/{code}/totals", response=TotalsOut)
def community_totals(
    request: HttpRequest, code: Code, until: Date | None = None
) -> dict[str, object]:
    community = get_region(code)
    authz.require(caller(request), authz.VIEW_LEDGER, community)
    totals = selectors.community_totals(community, until)
    return {"community": code, **totals.__dict__}


class AdjustmentIn(Schema):
    person: Id
    amount: int = Field(description="+ adds, − takes away; at most 1,000,000 either way")
    reason: Reason


class AdjustmentOut(Schema):
    id: int
    person: int
    amount: int
    reason: str
    status: str
    requested_by: int
    decided_by: int | None
    transfer: int | None


class DecisionIn(Schema):
    note: Reason = ""


def _adjustment_out(adjustment: Adjustment) -> dict[str, object]:
    return {
        "id": adjustment.pk,
        "person": adjustment.account.person_id,
        "amount": adjustment.amount,
        "reason": adjustment.reason,
        "status": adjustment.status,
        "requested_by": adjustment.requested_by_id,
        "decided_by": adjustment.decided_by_id,
        "transfer": adjustment.transfer_id,
    }


def _adjustment_for(request: HttpRequest, adjustment_id: Id) -> Adjustment:
    person = caller(request)
    adjustment = (
        Adjustment.objects.select_related("account", "region").filter(pk=adjustment_id).first()
    )
    if adjustment is None or not authz.can(person, authz.ADJUST_POINTS, adjustment.region):
        raise NotFound()
    return adjustment


@router.post("/adjustments", response={201: AdjustmentOut})
@idempotent
def request_adjustment(request: HttpRequest, payload: AdjustmentIn) -> Status[dict[str, object]]:
    """A staff correction of a resident's points; a second staff member approves it."""
    actor = caller(request)
    person = get_person_for(actor, payload.person)
    adjustment = services.request_adjustment(
        actor=actor, person=person, amount=payload.amount, reason=payload.reason
    )
    return Status(201, _adjustment_out(adjustment))


@router.post("/adjustments/{adjustment_id}/approve", response=AdjustmentOut)
@idempotent
def approve_adjustment(request: HttpRequest, adjustment_id: Id) -> dict[str, object]:
    adjustment = services.approve_adjustment(
        actor=caller(request), adjustment=_adjustment_for(request, adjustment_id)
    )
    return _adjustment_out(adjustment)


@router.post("/adjustments/{adjustment_id}/reject", response=AdjustmentOut)
def reject_adjustment(
    request: HttpRequest, adjustment_id: Id, payload: DecisionIn
) -> dict[str, object]:
    adjustment = services.reject_adjustment(
        actor=caller(request), adjustment=_adjustment_for(request, adjustment_id), note=payload.note
    )
    return _adjustment_out(adjustment)
