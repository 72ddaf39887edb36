"""驻区单位 and 红色积分联盟 over HTTP: units, their contacts and balance, the alliance,
quarterly unit rankings, allowed uses and spending of unit points.

Thin on purpose: the services check who may act (staff over the unit's community, or a
contact of the unit), this module finds the records, parses the input and shapes the
answer. What anyone logged in (or anyone at all, under ``/public``) reads is a unit's
public fields: name, kind, community, alliance; never its contacts' phones.
"""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.fields import Id, Line, Reason, ShapedPage
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.lib.errors import NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Organization, OrganizationKind, Person
from jifen.points.models import Transfer
from jifen.regions.selectors import get_region
from jifen.units import selectors, services
from jifen.units.models import AllianceMembership, Spending, SpendingUse

router = Router(tags=["units"])

RegionCode = Annotated[str, Field(max_length=32)]
QuarterCode = Annotated[str, Field("", max_length=6, description="YYYYQn, e.g. 2026Q4")]
Points = Annotated[int, Field(strict=True, description="whole points, 1..1,000,000")]


class UnitBody(Schema):
    """A JSON object: an array, a string or a number is not a body with fields left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Lookups ------


def _unit(unit_id: int) -> Organization:
    found = Organization.objects.select_related("region").filter(pk=unit_id).first()
    if found is None:
        raise NotFound(_("There is no such unit."))
    return found


def _person(person_id: int, field: str) -> Person:
    found = Person.objects.filter(pk=person_id).first()
    if found is None:
        raise NotFound(_("There is no such person."), field=field)
    return found


def _membership(membership_id: int) -> AllianceMembership:
    found = (
        AllianceMembership.objects.select_related("organization__region", "community")
        .filter(pk=membership_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such alliance request."))
    return found


def _staff(viewer: Person, organization: Organization) -> bool:
    return authz.can(viewer, authz.MANAGE_UNITS, organization.region)


def _insider(viewer: Person, organization: Organization) -> None:
    """Its contacts and staff over its community read a unit's points and ledger."""
    if not (services.is_contact(viewer, organization) or _staff(viewer, organization)):
        raise PermissionDenied(_("Only the unit's contacts and the community's staff see this."))


# --- Output ------


class UnitOut(Schema):
    id: int
    name: str
    kind: str = Field(description="organ, enterprise, social, property, school or other")
    kind_label: str
    community: str = Field(description="the code of the region the unit is based in")
    community_name: str
    in_alliance: bool = Field(description="in the alliance of the community asked about")


class UnitContactOut(Schema):
    id: int
    name: str = Field(description="masked for anyone but staff")
    volunteer_no: str


class UnitDetailOut(UnitOut):
    credit_code: str = Field(description="staff and the unit's contacts only; empty otherwise")
    contacts: list[UnitContactOut] = Field(description="staff and the unit's contacts only")
    is_contact: bool = Field(description="the caller is a contact of the unit")


def _unit_out(org: Organization, allied: set[int]) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_label": str(OrganizationKind(org.kind).label)
        if org.kind in OrganizationKind.values
        else org.kind,
        "community": org.region.code,
        "community_name": org.region.name,
        "in_alliance": org.pk in allied,
    }


def _detail(viewer: Person, org: Organization) -> dict[str, Any]:
    staff = _staff(viewer, org)
    contact = services.is_contact(viewer, org)
    allied = {
        org.pk
        for m in selectors.memberships_of(org)
        if m.status == "member" and m.community_id == org.region_id
    }
    out = _unit_out(org, allied)
    contacts = []
    if staff or contact:
        contacts = [
            {
                "id": p.pk,
                "name": p.name if staff else mask_name(p.name),
                "volunteer_no": p.volunteer_no,
            }
            for p in services.contacts_of(org)
        ]
    out.update(
        credit_code=org.credit_code if staff or contact else "",
        contacts=contacts,
        is_contact=contact,
    )
    return out


class UnitCreatedOut(Schema):
    id: int


class UnitBalanceOut(Schema):
    balance: int
    earned: int = Field(description="every point the unit was ever given")
    spent: int = Field(description="spent on the community's allowed uses")


class UnitEntryOut(Schema):
    id: int
    at: datetime
    kind: str
    amount: int = Field(description="+ into the unit's account, − out of it")
    memo: str


class MembershipEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    note: str
    at: datetime


class MembershipOut(Schema):
    id: int
    organization: int
    organization_name: str
    community: str
    community_name: str
    status: str = Field(description="requested, member, declined or left")
    status_label: str
    reason: str = Field(description="why it was declined, or why it left")
    requested_at: datetime
    joined_at: datetime | None
    history: list[MembershipEventOut] | None = Field(
        description="staff and the unit's contacts only"
    )


def _membership_out(m: AllianceMembership, *, full: bool = True) -> dict[str, Any]:
    return {
        "id": m.pk,
        "organization": m.organization_id,
        "organization_name": m.organization.name,
        "community": m.community.code,
        "community_name": m.community.name,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "reason": m.reason,
        "requested_at": m.requested_at,
        "joined_at": m.joined_at,
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "at": e.at,
            }
            for e in selectors.history(m)
        ]
        if full
        else None,
    }


# --- Units ------


class UnitIn(UnitBody):
    name: Line
    community: RegionCode = Field(description="the community the unit is based in")
    kind: str = Field(max_length=16, description="organ, enterprise, social, property, ...")
    contacts: list[Id] = Field(default_factory=list, max_length=10)
    credit_code: str = Field("", max_length=40)


@router.post("/organizations", response={201: UnitCreatedOut})
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[dict[str, Any]]:
    """Staff: a unit (驻区单位) of their community, with its contacts → ``{id}``."""
    actor = caller(request)
    community = get_region(payload.community)
    contacts = [_person(pk, "contacts") for pk in payload.contacts]
    org = services.create_unit(
        actor=actor,
        community=community,
        name=payload.name,
        kind=payload.kind,
        contacts=contacts,
        credit_code=payload.credit_code,
    )
    return Status(201, {"id": org.pk})


class UnitFilters(Schema):
    community: RegionCode = Field(description="a community's code")


@router.get("/organizations", response=list[UnitOut])
@paginate(Paging)
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> ShapedPage:
    """Anyone logged in: the units of a community (based in it, or in its alliance), with
    whether each is in its alliance. Public fields only."""
    community = get_region(filters.community)
    allied = selectors.in_alliance(community)
    return ShapedPage(selectors.of_community(community), lambda o: _unit_out(o, allied))


@router.get("/organizations/{unit_id}", response=UnitDetailOut)
def get_unit(request: HttpRequest, unit_id: Id) -> dict[str, Any]:
    """Anyone logged in; its contacts (names masked but for staff) to staff and contacts."""
    return _detail(caller(request), _unit(unit_id))


class UnitEditIn(UnitBody):
    name: Line | None = None
    kind: str | None = Field(None, max_length=16)
    credit_code: str | None = Field(None, max_length=40)


@router.patch("/organizations/{unit_id}", response=UnitDetailOut)
def edit_unit(request: HttpRequest, unit_id: Id, payload: UnitEditIn) -> dict[str, Any]:
    """Staff: its name, kind or credit code."""
    actor = caller(request)
    org = services.edit_unit(
        actor=actor,
        organization=_unit(unit_id),
        name=payload.name,
        kind=payload.kind,
        credit_code=payload.credit_code,
    )
    return _detail(actor, org)


class ContactIn(UnitBody):
    person: Id


@router.post("/organizations/{unit_id}/contacts", response=UnitDetailOut)
def add_contact(request: HttpRequest, unit_id: Id, payload: ContactIn) -> dict[str, Any]:
    """Staff: make a person a contact of the unit (who then acts for it)."""
    actor = caller(request)
    org = _unit(unit_id)
    services.add_contact(actor=actor, organization=org, person=_person(payload.person, "person"))
    return _detail(actor, org)


@router.delete("/organizations/{unit_id}/contacts/{person_id}", response=UnitDetailOut)
def remove_contact(request: HttpRequest, unit_id: Id, person_id: Id) -> dict[str, Any]:
    """Staff: the person stays a member but no longer acts for the unit."""
    actor = caller(request)
    org = _unit(unit_id)
    services.remove_contact(actor=actor, organization=org, person=_person(person_id, "person"))
    return _detail(actor, org)


@router.get("/organizations/{unit_id}/balance", response=UnitBalanceOut)
def unit_balance(request: HttpRequest, unit_id: Id) -> dict[str, Any]:
    """Its contacts and staff: ``{balance, earned, spent}``."""
    org = _unit(unit_id)
    _insider(caller(request), org)
    found = selectors.balance(org)
    return {"balance": found.balance, "earned": found.earned, "spent": found.spent}


@router.get("/organizations/{unit_id}/ledger", response=list[UnitEntryOut])
@paginate(Paging)
def unit_ledger(request: HttpRequest, unit_id: Id) -> ShapedPage:
    """Its contacts and staff: the unit's transfers, newest first."""
    org = _unit(unit_id)
    _insider(caller(request), org)

    def shape(t: Transfer) -> dict[str, Any]:
        into = t.credit.organization_id == org.pk
        return {
            "id": t.pk,
            "at": t.created_at,
            "kind": t.kind,
            "amount": t.amount if into else -t.amount,
            "memo": t.memo,
        }

    return ShapedPage(selectors.ledger(org), shape)


# --- The alliance ------


class JoinIn(UnitBody):
    community: RegionCode = Field("", description="by default the unit's own community")
    note: Reason = ""


@router.post("/organizations/{unit_id}/alliance", response={201: MembershipOut})
def request_join(request: HttpRequest, unit_id: Id, payload: JoinIn) -> Status[dict[str, Any]]:
    """A contact of the unit: ask to join the community's 红色积分联盟 (``requested``)."""
    actor = caller(request)
    membership = services.request_join(
        actor=actor,
        organization=_unit(unit_id),
        community=get_region(payload.community) if payload.community else None,
        note=payload.note,
    )
    return Status(201, _membership_out(membership))


@router.get("/organizations/{unit_id}/alliance", response=list[MembershipOut])
def unit_memberships(request: HttpRequest, unit_id: Id) -> list[dict[str, Any]]:
    """Its contacts and staff: the unit's alliances and requests, with their history."""
    org = _unit(unit_id)
    _insider(caller(request), org)
    return [_membership_out(m) for m in selectors.memberships_of(org).order_by("pk")[:50]]


class RequestFilters(Schema):
    community: RegionCode = Field("", description="one community of the caller's")


@router.get("/alliance/requests", response=list[MembershipOut])
@paginate(Paging)
def waiting_requests(request: HttpRequest, filters: Query[RequestFilters]) -> ShapedPage:
    """Staff: requests to join waiting for a decision in their communities, oldest first."""
    actor = caller(request)
    authz.require(actor, authz.MANAGE_UNITS)
    rows = selectors.requests_waiting(actor)
    if filters.community:
        rows = rows.filter(community=get_region(filters.community))
    return ShapedPage(rows, _membership_out)


class DeclineIn(UnitBody):
    reason: Reason


@router.post("/alliance/{membership_id}/accept", response=MembershipOut)
def accept(request: HttpRequest, membership_id: Id) -> dict[str, Any]:
    """Staff of the community: accept the unit into the alliance (``member``)."""
    found = services.accept(actor=caller(request), membership=_membership(membership_id))
    return _membership_out(found)


@router.post("/alliance/{membership_id}/decline", response=MembershipOut)
def decline(request: HttpRequest, membership_id: Id, payload: DeclineIn) -> dict[str, Any]:
    """Staff of the community: decline, with the reason the unit's contacts are told."""
    found = services.decline(
        actor=caller(request), membership=_membership(membership_id), reason=payload.reason
    )
    return _membership_out(found)


@router.post("/alliance/{membership_id}/withdraw", response=MembershipOut)
def withdraw(request: HttpRequest, membership_id: Id) -> dict[str, Any]:
    """A contact of the unit: take back a request not yet decided."""
    found = services.withdraw(actor=caller(request), membership=_membership(membership_id))
    return _membership_out(found)


@router.post("/alliance/{membership_id}/leave", response=MembershipOut)
def leave(request: HttpRequest, membership_id: Id, payload: DeclineIn) -> dict[str, Any]:
    """A contact of the unit (leaving), or staff (taking it off), with a reason."""
    found = services.leave(
        actor=caller(request), membership=_membership(membership_id), reason=payload.reason
    )
    return _membership_out(found)


class PublicAllianceFilters(Schema):
    community: RegionCode
    quarter: QuarterCode = ""


class AllyOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    joined_at: datetime | None
    points_this_quarter: int = Field(description="the unit points of the quarter asked for")


@router.get("/public/alliance", auth=None, response=list[AllyOut])
def public_alliance(request: HttpRequest, filters: Query[PublicAllianceFilters]) -> list[Any]:
    """No login: the units of a community's 红色积分联盟 and their points in the quarter."""
    community = get_region(filters.community)
    quarter = selectors.parse_quarter(filters.quarter)
    rows = list(selectors.alliance_members(community)[: selectors.MAX_UNITS])
    points = selectors.quarter_points([m.organization_id for m in rows], quarter)
    return [
        {
            "id": m.organization_id,
            "name": m.organization.name,
            "kind": m.organization.kind,
            "kind_label": str(m.organization.get_kind_display()),
            "joined_at": m.joined_at,
            "points_this_quarter": points.get(m.organization_id, 0),
        }
        for m in rows
    ]


class RankingFilters(Schema):
    region: RegionCode = Field(description="a community's or a town's code")
    quarter: QuarterCode = ""


class UnitRankOut(Schema):
    rank: int
    id: int
    name: str
    kind: str
    community: str
    points: int
    in_alliance: bool


@router.get("/public/unit-rankings", auth=None, response=list[UnitRankOut])
def public_rankings(request: HttpRequest, filters: Query[RankingFilters]) -> list[Any]:
    """No login: a community's or a town's units by their points in the quarter."""
    region = get_region(filters.region)
    quarter = selectors.parse_quarter(filters.quarter)
    return [
        {
            "rank": r.rank,
            "id": r.organization.pk,
            "name": r.organization.name,
            "kind": r.organization.kind,
            "community": r.community,
            "points": r.points,
            "in_alliance": r.in_alliance,
        }
        for r in selectors.ranking(region, quarter)
    ]


# --- Spending ------


class UseOut(Schema):
    id: int
    name: str
    description: str
    active: bool


def _use_out(use: SpendingUse) -> dict[str, Any]:
    return {
        "id": use.pk,
        "name": use.name,
        "description": use.description,
        "active": use.is_active,
    }


class UseFilters(Schema):
    community: RegionCode


@router.get("/units/uses", response=list[UseOut])
def list_uses(request: HttpRequest, filters: Query[UseFilters]) -> list[Any]:
    """Anyone logged in: what the community lets its units spend unit points on."""
    return [_use_out(u) for u in selectors.uses(get_region(filters.community))[:200]]


class UseIn(UnitBody):
    community: RegionCode
    name: Line
    description: Reason = ""
    active: bool = True


@router.post("/units/uses", response={201: UseOut})
def create_use(request: HttpRequest, payload: UseIn) -> Status[dict[str, Any]]:
    """Staff: allow a use of unit points in their community (e.g. 赞助积分超市)."""
    use = services.save_use(
        actor=caller(request),
        community=get_region(payload.community),
        name=payload.name,
        description=payload.description,
        active=payload.active,
    )
    return Status(201, _use_out(use))


class UseEditIn(UnitBody):
    name: Line
    description: Reason = ""
    active: bool = True


@router.put("/units/uses/{use_id}", response=UseOut)
def edit_use(request: HttpRequest, use_id: Id, payload: UseEditIn) -> dict[str, Any]:
    """Staff: rename, describe, allow or stop a use."""
    use = SpendingUse.objects.select_related("community").filter(pk=use_id).first()
    if use is None:
        raise NotFound(_("There is no such use."))
    saved = services.save_use(
        actor=caller(request),
        community=use.community,
        name=payload.name,
        description=payload.description,
        active=payload.active,
        use=use,
    )
    return _use_out(saved)


class SpendIn(UnitBody):
    use: Id
    amount: Points
    memo: Line = ""


class SpendingOut(Schema):
    id: int
    use: int
    use_name: str
    amount: int
    memo: str
    transfer: int | None
    created_at: datetime


def _spending_out(s: Spending) -> dict[str, Any]:
    return {
        "id": s.pk,
        "use": s.use_id,
        "use_name": s.use.name,
        "amount": s.amount,
        "memo": s.memo,
        "transfer": s.transfer_id,
        "created_at": s.created_at,
    }


@router.post("/organizations/{unit_id}/spending", response={201: SpendingOut})
@idempotent
def spend(request: HttpRequest, unit_id: Id, payload: SpendIn) -> Status[dict[str, Any]]:
    """A contact of the unit: spend unit points on a use its community allows — a
    transfer to the community's supermarket account, never to a person."""
    use = SpendingUse.objects.filter(pk=payload.use).first()
    if use is None:
        raise NotFound(_("There is no such use."), field="use")
    spending = services.spend(
        actor=caller(request),
        organization=_unit(unit_id),
        use=use,
        amount=payload.amount,
        memo=payload.memo,
    )
    return Status(201, _spending_out(spending))


@router.get("/organizations/{unit_id}/spending", response=list[SpendingOut])
@paginate(Paging)
def spendings(request: HttpRequest, unit_id: Id) -> ShapedPage:
    """Its contacts and staff: the unit's spending, newest first."""
    org = _unit(unit_id)
    _insider(caller(request), org)
    return ShapedPage(selectors.spendings(org), _spending_out)
