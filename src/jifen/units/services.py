"""Writes of 驻区单位 and 红色积分联盟: one transaction per operation, checked here.

Staff over a unit's community (``MANAGE_UNITS``) keep its units — made through
``people.services.create_organization`` and ``add_organization_member``, so a unit made
here is the same as one made anywhere else — their contacts, the alliance's decisions
and the list of what units may spend points on. A unit's contact
(``OrganizationMember.is_contact``: not a role) acts for the unit: asks to join the
alliance, withdraws or leaves, spends the unit's points on an allowed use. A member who
is not a contact does none of it (403).

Every membership step goes through ``_step``: the row is locked, the workflow table
(``models.STEPS``) says whether the step may be taken from its status (409
``invalid_transition`` otherwise), and the step is written to its history and the audit
log, with notices to the unit's contacts once the transaction commits.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib import notify
from jifen.lib.bounds import check_points
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say, words
from jifen.people import authz
from jifen.people import services as people
from jifen.people.models import Organization, OrganizationKind, OrganizationMember, Person
from jifen.points import ledger
from jifen.points.models import AccountKind, TransferKind
from jifen.regions.models import Level, Region
from jifen.units.models import (
    MAX_CONTACTS,
    MEMO_MAX,
    NOTE_MAX,
    STEPS,
    USE_DESCRIPTION_MAX,
    USE_NAME_MAX,
    AllianceEvent,
    AllianceMembership,
    Spending,
    SpendingUse,
    may_take,
)

CREDIT_CODE_MAX = 18


# --- Who acts for a unit ------


def is_contact(person: Person | None, organization: Organization) -> bool:
    if person is None or not person.is_authenticated or not person.is_active:
        return False
    return OrganizationMember.objects.filter(
        organization=organization, person=person, is_contact=True
    ).exists()


def require_contact(person: Person | None, organization: Organization) -> None:
    if not is_contact(person, organization):
        raise PermissionDenied(
            _("Only a contact person of %(name)s may act for it."),
            params={"name": organization.name},
        )


def require_staff(actor: Person | None, region: Region) -> None:
    authz.require(actor, authz.MANAGE_UNITS, region)


def require_contact_or_staff(actor: Person | None, organization: Organization) -> None:
    if not (
        is_contact(actor, organization) or authz.can(actor, authz.MANAGE_UNITS, organization.region)
    ):
        require_contact(actor, organization)


def _community(region: Region, field: str = "community") -> Region:
    if region.level != Level.COMMUNITY:
        raise InvalidInput(
            _("Choose a community or village: it keeps the unit's points ledger."),
            code="not_a_community",
            field=field,
        )
    return region


def contacts_of(organization: Organization) -> list[Person]:
    return list(
        Person.objects.filter(
            pk__in=OrganizationMember.objects.filter(
                organization=organization, is_contact=True
            ).values("person_id")
        ).order_by("pk")
    )


def _unit_url(organization: Organization) -> str:
    try:
        return reverse("units:home", args=[organization.pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people_: Iterable[Person],
    organization: Organization,
    subject: str | Promise,
    body: str | Promise,
    **params: Any,
) -> int:
    targets = {p.pk: p for p in people_ if p.is_active}
    if not targets:
        return 0
    params = {"unit": organization.name, **params}
    url = _unit_url(organization)
    return notices.send(
        [
            notify.Message(p, say(subject, **params), say(body, **params), kind="units", url=url)
            for p in targets.values()
        ]
    )


# --- Units ------


def _kind(kind: str) -> str:
    if kind not in OrganizationKind.values:
        raise InvalidInput(_("Choose the kind of unit."), code="invalid_kind", field="kind")
    return kind


def _credit_code(value: str) -> str:
    code = clean_field(value, "credit_code", CREDIT_CODE_MAX, required=False).upper()
    if code and not code.isalnum():
        raise InvalidInput(
            _("A unified social credit code has 18 letters and digits."), field="credit_code"
        )
    return code


def _check_contacts(contacts: Sequence[Person]) -> list[Person]:
    unique = list({p.pk: p for p in contacts}.values())
    if len(unique) > MAX_CONTACTS:
        raise InvalidInput(
            _("At most %(n)s contact persons, please."),
            field="contacts",
            params={"n": MAX_CONTACTS},
        )
    for person in unique:
        if not person.is_active:
            raise InvalidInput(_("This person's account is closed."), field="contacts")
    return unique


@transaction.atomic
def create_unit(
    *,
    actor: Person,
    community: Region,
    name: str,
    kind: str,
    contacts: Sequence[Person] = (),
    credit_code: str = "",
) -> Organization:
    """A unit (驻区单位) of the community, its kind and its contacts, who act for it."""
    _community(community)
    require_staff(actor, community)
    name = clean_field(name, "name", 100)
    kind = _kind(kind)
    code = _credit_code(credit_code)
    unique = _check_contacts(contacts)
    org = people.create_organization(actor=actor, region=community, name=name, credit_code=code)
    org.kind = kind
    org.save(update_fields=["kind"])
    for person in unique:
        people.add_organization_member(
            actor=actor, organization=org, person=person, is_contact=True
        )
    record(
        actor=actor,
        action="units.unit.create",
        target=org,
        region=community,
        after={"name": name, "kind": kind, "contacts": [p.volunteer_no for p in unique]},
    )
    return org


def locked_unit(organization: Organization | int) -> Organization:
    pk = organization.pk if isinstance(organization, Organization) else organization
    try:
        return (
            Organization.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
        )
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such unit.")) from None


@transaction.atomic
def edit_unit(
    *,
    actor: Person,
    organization: Organization,
    name: str | None = None,
    kind: str | None = None,
    credit_code: str | None = None,
) -> Organization:
    org = locked_unit(organization)
    require_staff(actor, org.region)
    before = {"name": org.name, "kind": org.kind, "credit_code": org.credit_code}
    if name is not None:
        name = clean_field(name, "name", 100)
        if Organization.objects.filter(region=org.region, name=name).exclude(pk=org.pk).exists():
            raise Conflict(
                _("That name is already used in this region."), code="name_taken", field="name"
            )
        org.name = name
    if kind is not None:
        org.kind = _kind(kind)
    if credit_code is not None:
        org.credit_code = _credit_code(credit_code)
    after = {"name": org.name, "kind": org.kind, "credit_code": org.credit_code}
    if after == before:
        return org
    try:
        with transaction.atomic():
            org.save(update_fields=["name", "kind", "credit_code"])
    except IntegrityError:  # the same name taken at the same moment
        raise Conflict(
            _("That name is already used in this region."), code="name_taken", field="name"
        ) from None
    record(
        actor=actor,
        action="units.unit.edit",
        target=org,
        region=org.region,
        before=before,
        after=after,
    )
    return org


@transaction.atomic
def add_contact(*, actor: Person, organization: Organization, person: Person) -> OrganizationMember:
    """Make a person a contact of the unit (a member too, if not one yet)."""
    org = locked_unit(organization)
    require_staff(actor, org.region)
    if not person.is_active:
        raise InvalidInput(_("This person's account is closed."), field="person")
    others = OrganizationMember.objects.filter(organization=org, is_contact=True).exclude(
        person=person
    )
    if others.count() >= MAX_CONTACTS:
        raise InvalidInput(
            _("At most %(n)s contact persons, please."), field="person", params={"n": MAX_CONTACTS}
        )
    existing = OrganizationMember.objects.filter(organization=org, person=person).first()
    if existing is not None and existing.is_contact:
        return existing  # already: nothing changes, nobody is told twice
    member = people.add_organization_member(
        actor=actor, organization=org, person=person, is_contact=True
    )
    if not member.is_contact:
        member.is_contact = True
        member.save(update_fields=["is_contact"])
    record(
        actor=actor,
        action="units.contact.add",
        target=org,
        region=org.region,
        after={"person": person.volunteer_no},
    )
    _tell(
        [person],
        org,
        _("You are a contact person of %(unit)s"),
        _("You may now declare its service, see its points and act for it in the alliance."),
    )
    return member


@transaction.atomic
def remove_contact(*, actor: Person, organization: Organization, person: Person) -> None:
    """The person stays a member of the unit but no longer acts for it."""
    org = locked_unit(organization)
    require_staff(actor, org.region)
    changed = OrganizationMember.objects.filter(
        organization=org, person=person, is_contact=True
    ).update(is_contact=False)
    if not changed:
        raise NotFound(_("This person is not a contact of the unit."), field="person")
    record(
        actor=actor,
        action="units.contact.remove",
        target=org,
        region=org.region,
        before={"person": person.volunteer_no},
    )


# --- The alliance (红色积分联盟) ------


def serves(organization: Organization, community: Region) -> bool:
    """A unit may join the alliance of a community it is based in, or one below it."""
    return community.is_within(organization.region) or organization.region.is_within(community)


def _locked_membership(membership: AllianceMembership | int) -> AllianceMembership:
    pk = membership.pk if isinstance(membership, AllianceMembership) else membership
    try:
        return (
            AllianceMembership.objects.select_for_update(of=("self",))
            .select_related("organization__region", "community")
            .get(pk=pk)
        )
    except (AllianceMembership.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such alliance request.")) from None


def _require_step(membership: AllianceMembership, step: str) -> None:
    if not may_take(step, membership.status):
        raise Conflict(
            _("This unit is %(status)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"status": membership.get_status_display(), "step": STEPS[step].label},
        )


def _step(
    membership: AllianceMembership,
    step: str,
    actor: Person,
    *,
    note: str = "",
    fields: Iterable[str] = (),
) -> AllianceEvent:
    before = membership.status
    membership.status = STEPS[step].target
    membership.save(update_fields=["status", "updated_at", *fields])
    return _history(membership, step, before, actor, note)


def _history(
    membership: AllianceMembership, step: str, before: str, actor: Person, note: str
) -> AllianceEvent:
    event = AllianceEvent.objects.create(
        membership=membership,
        step=step,
        from_status=before,
        to_status=membership.status,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"units.alliance.{step}",
        target=membership,
        region=membership.community,
        before={"status": before} if before else None,
        after={
            "status": membership.status,
            "unit": membership.organization.name,
            **({"note": note} if note else {}),
        },
    )
    return event


def _note(value: str, *, required: bool) -> str:
    return clean_field(value, "reason", NOTE_MAX, required=required, lines=True)


@transaction.atomic
def request_join(
    *, actor: Person, organization: Organization, community: Region | None = None, note: str = ""
) -> AllianceMembership:
    """A unit's contact asks to join the community's 红色积分联盟 (by default its own)."""
    org = locked_unit(organization)
    community = _community(community or org.region)
    require_contact(actor, org)
    if not serves(org, community):
        raise InvalidInput(
            _("%(unit)s is not based in %(community)s."),
            code="organization_elsewhere",
            field="community",
            params={"unit": org.name, "community": community.name},
        )
    note = _note(note, required=False)
    now = timezone.now()
    membership = (
        AllianceMembership.objects.select_for_update(of=("self",))
        .select_related("organization__region", "community")
        .filter(organization=org, community=community)
        .first()
    )
    if membership is None:
        try:
            with transaction.atomic():
                membership = AllianceMembership.objects.create(
                    organization=org, community=community, requested_at=now
                )
        except IntegrityError:  # asked at the same moment by another contact
            raise Conflict(
                _("This unit has already asked to join."), code="invalid_transition"
            ) from None
        _history(membership, "request", "", actor, note)
        return membership
    _require_step(membership, "request")
    membership.requested_at = now
    membership.reason = ""
    membership.joined_at = None
    _step(membership, "request", actor, note=note, fields=["requested_at", "reason", "joined_at"])
    return membership


def _decider(actor: Person, membership: AllianceMembership) -> None:
    require_staff(actor, membership.community)


@transaction.atomic
def accept(*, actor: Person, membership: AllianceMembership | int) -> AllianceMembership:
    found = _locked_membership(membership)
    _decider(actor, found)
    _require_step(found, "accept")
    found.joined_at = timezone.now()
    _step(found, "accept", actor, fields=["joined_at"])
    _tell(
        contacts_of(found.organization),
        found.organization,
        _("%(unit)s is in the Red Points Alliance of %(community)s"),
        _("The community accepted the request. The unit is now listed in the alliance."),
        community=found.community.name,
    )
    return found


@transaction.atomic
def decline(
    *, actor: Person, membership: AllianceMembership | int, reason: str
) -> AllianceMembership:
    found = _locked_membership(membership)
    _decider(actor, found)
    _require_step(found, "decline")
    found.reason = _note(reason, required=True)
    _step(found, "decline", actor, note=found.reason, fields=["reason"])
    _tell(
        contacts_of(found.organization),
        found.organization,
        _("The request of %(unit)s to join the alliance is declined"),
        _("Reason: %(reason)s"),
        reason=words(found.reason),
    )
    return found


@transaction.atomic
def withdraw(*, actor: Person, membership: AllianceMembership | int) -> AllianceMembership:
    found = _locked_membership(membership)
    require_contact(actor, found.organization)
    _require_step(found, "withdraw")
    _step(found, "withdraw", actor)
    return found


@transaction.atomic
def leave(
    *, actor: Person, membership: AllianceMembership | int, reason: str
) -> AllianceMembership:
    """A member leaves: its contact, or staff taking it off; with a reason either way."""
    found = _locked_membership(membership)
    contact = is_contact(actor, found.organization)
    if not contact:
        _decider(actor, found)
    _require_step(found, "leave")
    found.reason = _note(reason, required=True)
    found.joined_at = None
    _step(found, "leave", actor, note=found.reason, fields=["reason", "joined_at"])
    if not contact:
        _tell(
            contacts_of(found.organization),
            found.organization,
            _("%(unit)s is no longer in the alliance of %(community)s"),
            _("Reason: %(reason)s"),
            community=found.community.name,
            reason=words(found.reason),
        )
    return found


# --- Spending unit points ------


@transaction.atomic
def save_use(
    *,
    actor: Person,
    community: Region,
    name: str,
    description: str = "",
    active: bool = True,
    use: SpendingUse | None = None,
) -> SpendingUse:
    """Staff allow (or stop) a use of unit points in their community."""
    _community(community)
    require_staff(actor, community)
    name = clean_field(name, "name", USE_NAME_MAX)
    description = clean_field(
        description, "description", USE_DESCRIPTION_MAX, required=False, lines=True
    )
    clash = SpendingUse.objects.filter(community=community, name=name)
    if use is not None:
        use = SpendingUse.objects.select_for_update().filter(pk=use.pk, community=community).first()
        if use is None:
            raise NotFound(_("There is no such use."))
        clash = clash.exclude(pk=use.pk)
    if clash.exists():
        raise Conflict(
            _("That name is already used in this region."), code="name_taken", field="name"
        )
    before = None
    if use is None:
        use = SpendingUse(community=community)
    else:
        before = {"name": use.name, "active": use.is_active}
    use.name, use.description, use.is_active = name, description, bool(active)
    use.save()
    record(
        actor=actor,
        action="units.use.save",
        target=use,
        region=community,
        before=before,
        after={"name": name, "active": use.is_active},
    )
    return use


@transaction.atomic
def spend(
    *,
    actor: Person,
    organization: Organization,
    use: SpendingUse,
    amount: int,
    memo: str = "",
) -> Spending:
    """A unit's contact spends unit points on a use its community allows: one transfer
    from the unit's account to the community's supermarket account, with the use and the
    memo. Never to a person (the ledger has no such flow)."""
    org = locked_unit(organization)
    require_contact(actor, org)
    community = _community(org.region, "organization")
    amount = check_points(amount, "amount")
    memo = clean_field(memo, "memo", MEMO_MAX, required=False)
    found = SpendingUse.objects.filter(pk=use.pk, community=community).first()
    if found is None:
        raise NotFound(_("Your community allows no such use."), field="use")
    if not found.is_active:
        raise Conflict(
            _("Your community no longer allows this use of unit points."), code="use_not_allowed"
        )
    spending = Spending.objects.create(
        organization=org, community=community, use=found, amount=amount, memo=memo, created_by=actor
    )
    transfer = ledger.post(
        ledger.Posting(
            debit=ledger.account_for(org),
            credit=ledger.system_account(community, AccountKind.SHOP),
            amount=amount,
            kind=TransferKind.REDEMPTION,
            key=f"units.spending:{spending.pk}",
            actor=actor,
            # Only names and the contact's words: the same in every reader's language.
            memo=" · ".join(part for part in (org.name, found.name, memo) if part),
            source_type="units.spending",
            source_id=spending.pk,
        )
    )
    spending.transfer = transfer
    spending.save(update_fields=["transfer"])
    record(
        actor=actor,
        action="units.spending.create",
        target=spending,
        region=community,
        after={"unit": org.name, "use": found.name, "amount": amount, "memo": memo},
    )
    return spending
