"""Writes about people, groups and roles. Each is one transaction with its audit row."""

from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.errors import Conflict, InvalidInput, NotFound
from jifen.lib.masking import mask_email, mask_id_number, mask_phone
from jifen.people import authz, notices
from jifen.people.auth import revoke_all_tokens
from jifen.people.models import (
    ConsentSource,
    Household,
    Merchant,
    Organization,
    OrganizationMember,
    Person,
    Proxy,
    Role,
    RoleGrant,
    Team,
    TeamMember,
)
from jifen.people.validation import (
    clean_id_number,
    clean_name,
    clean_phone,
    clean_title,
    keyed_digest,
    luhn_digit,
)
from jifen.regions.models import Level, Region


def snapshot(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person: nothing that identifies them in full."""
    return {
        "name": person.name,
        "phone": mask_phone(person.phone),
        "volunteer_no": person.volunteer_no,
        "community": person.community.code if person.community else None,
        "household": person.household.label if person.household else None,
        "is_party_member": person.is_party_member,
        "is_reporting_party_member": person.is_reporting_party_member,
        "employer": person.employer,
        "is_veteran": person.is_veteran,
        "email": mask_email(person.email),
        "is_active": person.is_active,
    }


def _check_password(password: str, person: Person | None = None) -> None:
    try:
        validate_password(password, person)
    except ValidationError as exc:
        # Django's messages are full sentences; Chinese ones end in "。" and need no space.
        raise InvalidInput(
            "".join(exc.messages)
            if all(m.endswith("。") for m in exc.messages)
            else " ".join(exc.messages),
            code="weak_password",
            field="password",
        ) from None


def _require_community(region: Region) -> None:
    if region.level != Level.COMMUNITY:
        raise InvalidInput(
            _("%(name)s is not a community; choose the resident's community or village."),
            code="not_a_community",
            field="community",
            params={"name": region.name},
        )


def _create_person(
    *,
    name: str,
    phone: str,
    community: Region | None,
    password: str | None,
    registered_by: Person | None,
    consent_source: str,
    referrer: Person | None = None,
    self_registered: bool = False,
    id_number: str = "",
    household_label: str = "",
    birth_date: date | None = None,
    is_party_member: bool = False,
    is_reporting_party_member: bool = False,
    employer: str = "",
    is_veteran: bool = False,
    email: str = "",
) -> Person:
    name = clean_name(name)
    phone = clean_phone(phone)
    if community is not None:
        _require_community(community)
    person = Person(
        name=name,
        phone=phone,
        community=community,
        registered_by=registered_by,
        referrer=referrer,
        birth_date=birth_date,
        is_party_member=is_party_member,
        is_reporting_party_member=is_reporting_party_member,
        employer=employer.strip()[:100],
        is_veteran=is_veteran,
        email=email.strip(),
    )
    if id_number:
        cleaned = clean_id_number(id_number)
        person.id_number_hash = keyed_digest(cleaned, "id-number")
        person.id_number_masked = mask_id_number(cleaned)
    if password:
        _check_password(password, person)
        person.set_password(password)
        # Staff chose it: the resident makes it their own at their first login.
        person.must_change_password = registered_by is not None
    else:
        person.set_unusable_password()
    if consent_source:
        person.consent_source = consent_source
        if consent_source != ConsentSource.DECLINED:
            person.consent_at = timezone.now()
    if household_label.strip():
        if community is None:
            raise InvalidInput(_("A household needs a community."), field="household")
        person.household, _created = Household.objects.get_or_create(
            region=community, label=household_label.strip()[:100]
        )
    if referrer is not None and not referrer.is_active:
        raise InvalidInput(
            _("The referrer is not an active volunteer."), code="invalid_referrer", field="referrer"
        )
    if Person.objects.filter(phone=phone).exists():
        raise _phone_taken()
    if (
        person.id_number_hash
        and Person.objects.filter(id_number_hash=person.id_number_hash).exists()
    ):
        raise Conflict(
            _("A person with this ID number is already registered."),
            code="id_number_taken",
            field="id_number",
        )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # a concurrent registration took the phone first
        raise _phone_taken() from None
    base = f"{person.pk:08d}"
    person.volunteer_no = base + luhn_digit(base)
    person.save(update_fields=["volunteer_no"])
    record(
        # A resident registering themself acts themself, whether they agreed or not.
        actor=person if self_registered else registered_by,
        action="person.register",
        target=person,
        region=community,
        after=snapshot(person),
    )
    return person


def _phone_taken() -> Conflict:
    return Conflict(
        _("This mobile number is already registered. Log in instead, or use another number."),
        code="phone_taken",
        field="phone",
    )


@transaction.atomic
def register_self(
    *,
    name: str,
    phone: str,
    password: str,
    community: Region,
    referrer: Person | None = None,
    consent: bool = True,
) -> Person:
    """Self-registration: the resident says as they sign up whether public pages may show
    their masked name (``consent``); without it they appear as 志愿者 and their number.
    Consent never blocks earning or spending (CONTRACT.md)."""
    if not password:
        raise InvalidInput(_("Please choose a password."), code="weak_password", field="password")
    return _create_person(
        name=name,
        phone=phone,
        password=password,
        community=community,
        referrer=referrer,
        registered_by=None,
        self_registered=True,
        consent_source=ConsentSource.SELF_REGISTRATION if consent else ConsentSource.DECLINED,
    )


@transaction.atomic
def register_by_staff(
    *,
    actor: Person,
    name: str,
    phone: str,
    community: Region,
    password: str | None = None,
    referrer: Person | None = None,
    **details: Any,
) -> Person:
    """Staff register a resident, who confirms consent at their first login (防止"被志愿")."""
    authz.require(actor, authz.REGISTER_PERSON, community)
    return _create_person(
        name=name,
        phone=phone,
        password=password,
        community=community,
        referrer=referrer,
        registered_by=actor,
        consent_source="",
        **details,
    )


@transaction.atomic
def create_person_from_cli(
    *, name: str, phone: str, password: str, community: Region | None
) -> Person:
    """``jifen createuser``: the operator creates the account with the person present."""
    return _create_person(
        name=name,
        phone=phone,
        password=password,
        community=community,
        registered_by=None,
        consent_source=ConsentSource.COMMAND_LINE,
    )


EDITABLE_FIELDS = (
    "name",
    "birth_date",
    "is_party_member",
    "is_reporting_party_member",
    "employer",
    "is_veteran",
    "email",
)


@transaction.atomic
def update_person(
    *, actor: Person, person: Person, household_label: str | None = None, **changes: Any
) -> Person:
    # A role-holder's household decides whose claims they may not review, and their email
    # is where their notices go: staff do not edit them (authz.require_over_account).
    authz.require_over_account(actor, authz.EDIT_PERSON, person)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These details cannot be changed here."), field=sorted(unknown)[0])
    before = snapshot(person)
    if "name" in changes:
        changes["name"] = clean_name(changes["name"])
    if "employer" in changes:  # as at registration: the column holds 100 characters
        changes["employer"] = (changes["employer"] or "").strip()[:100]
    for field, value in changes.items():
        setattr(person, field, value)
    if household_label is not None and person.community is not None:
        label = household_label.strip()[:100]
        person.household = (
            Household.objects.get_or_create(region=person.community, label=label)[0]
            if label
            else None
        )
    person.save()
    record(
        actor=actor,
        action="person.edit",
        target=person,
        region=person.community,
        before=before,
        after=snapshot(person),
    )
    return person


@transaction.atomic
def record_consent(*, person: Person) -> Person:
    """The person agrees that public pages show their masked name (CONTRACT.md)."""
    if person.consent_at is None:
        person.consent_at = timezone.now()
        person.consent_source = ConsentSource.FIRST_LOGIN
        person.save(update_fields=["consent_at", "consent_source"])
        record(
            actor=person,
            action="person.consent",
            target=person,
            region=person.community,
            after={"consent_at": person.consent_at.isoformat()},
        )
    return person


@transaction.atomic
def withdraw_consent(*, person: Person) -> Person:
    """The person no longer agrees to publication of their masked name (DELETE
    /me/consent): from the next publication on, public pages show them as 志愿者 and their
    volunteer number. Months already published are not rewritten: their seals cover the
    ledger, and what was printed stays printed. Withdrawing twice changes nothing."""
    if person.consent_at is not None:
        before = {
            "consent_at": person.consent_at.isoformat(),
            "consent_source": person.consent_source,
        }
        person.consent_at = None
        person.consent_source = ConsentSource.DECLINED  # answered: not asked again
        person.save(update_fields=["consent_at", "consent_source"])
        record(
            actor=person,
            action="person.consent_withdraw",
            target=person,
            region=person.community,
            before=before,
            after={"consent_at": None},
        )
    return person


@transaction.atomic
def change_password(*, person: Person, old_password: str, new_password: str) -> None:
    if not person.check_password(old_password):
        raise InvalidInput(
            _("The current password is not right."), code="wrong_password", field="old_password"
        )
    if new_password == old_password:
        # After a reset the old password is one somebody else knows.
        raise InvalidInput(
            _("Choose a new password that differs from the current one."),
            code="same_password",
            field="new_password",
        )
    _check_password(new_password, person)
    person.set_password(new_password)
    person.must_change_password = False
    person.save(update_fields=["password", "must_change_password"])
    # A new password shuts out every device that logged in with the old one, phones too.
    revoke_all_tokens(person=person)
    record(actor=person, action="person.password", target=person, region=person.community)


@transaction.atomic
def set_password_by_staff(*, actor: Person, person: Person, new_password: str) -> None:
    """For residents who forgot theirs or have no smartphone: staff set one on the spot.

    A phone is the login, so whoever sets the password can be the person: staff set it
    only for people without a role, an admin over all their roles' regions for the others
    (authz.require_over_account). The person must change it at their next login, and is
    told it was reset, and by whom.
    """
    if actor.pk == person.pk:
        raise InvalidInput(
            _("To change your own password, use “Change password” with your current one."),
            code="own_password",
            field="new_password",
        )
    # Locked, so a role given at this moment waits for the reset to commit and then sees
    # that the password is not the person's own (grant_role).
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("community").get(pk=person.pk)
    )
    authz.forget_grants(person)
    authz.require_over_account(actor, authz.SET_PASSWORD, person)
    _check_password(new_password, person)
    person.set_password(new_password)
    person.must_change_password = True
    person.save(update_fields=["password", "must_change_password"])
    revoke_all_tokens(person=person)
    record(actor=actor, action="person.password_reset", target=person, region=person.community)
    notices.password_reset(person=person, actor=actor)


# --- Roles ---------------------------------------------------------------------------


@transaction.atomic
def grant_role(*, actor: Person | None, person: Person, role: str, region: Region) -> RoleGrant:
    if role not in Role.values:
        raise InvalidInput(
            _("Unknown role %(role)s; choose one of %(roles)s."),
            code="unknown_role",
            field="role",
            params={"role": role, "roles": ", ".join(Role.values)},
        )
    if actor is not None:
        authz.require(actor, authz.GRANT_ROLE, region)
    # Locked against a reset at this moment (set_password_by_staff locks the same row).
    not_own = (
        Person.objects.select_for_update()
        .values_list("must_change_password", flat=True)
        .get(pk=person.pk)
    )
    if not_own and not RoleGrant.objects.filter(person=person, role=role, region=region).exists():
        # Staff may set the password of a resident without a role; once the resident holds
        # one, whoever knows that password could act in it.
        raise Conflict(
            _(
                "%(name)s's password was set by someone else and they have not changed it "
                "yet. Ask them to log in and change it, then give the role."
            ),
            code="password_not_own",
            params={"name": person.name},
        )
    grant, created = RoleGrant.objects.get_or_create(
        person=person, role=role, region=region, defaults={"granted_by": actor}
    )
    if created:
        record(
            actor=actor,
            action="role.grant",
            target=grant,
            region=region,
            after={"person": person.volunteer_no, "role": role, "region": region.code},
        )
    authz.forget_grants(person)
    return grant


@transaction.atomic
def revoke_role(*, actor: Person, grant: RoleGrant) -> None:
    authz.require(actor, authz.GRANT_ROLE, grant.region)
    if grant.person_id == actor.pk and grant.role == Role.ADMIN:
        raise Conflict(
            _("You cannot take away your own administrator role; ask another administrator."),
            code="own_admin_role",
        )
    record(
        actor=actor,
        action="role.revoke",
        target=grant,
        region=grant.region,
        before={
            "person": grant.person.volunteer_no,
            "role": grant.role,
            "region": grant.region.code,
        },
    )
    grant.delete()
    authz.forget_grants(grant.person)


# --- Family proxies ----------------------------------------------------------------


@transaction.atomic
def add_proxy(*, actor: Person, principal: Person, agent: Person, relation: str) -> Proxy:
    # A proxy redeems and declares as the principal (never reviews for them): for someone
    # holding a role, only an admin over all their roles records one.
    authz.require_over_account(actor, authz.MANAGE_PROXIES, principal)
    if principal.community is None:
        # A proxy acts where the principal lives; an account without a home community
        # (made for staff or a screen) has nowhere for the proxy to act.
        raise InvalidInput(
            _("%(name)s has no home community, so no proxy can act for them."),
            code="no_community",
            field="principal",
            params={"name": principal.name},
        )
    if principal.pk == agent.pk:
        raise InvalidInput(_("A person cannot be their own proxy."), field="agent")
    relation = relation.strip()[:20]
    if not relation:
        raise InvalidInput(_("Please say how the proxy is related, e.g. 女儿."), field="relation")
    if Proxy.objects.filter(principal=principal, agent=agent, revoked_at__isnull=True).exists():
        raise Conflict(_("This proxy is already recorded."), code="proxy_exists")
    proxy = Proxy.objects.create(
        principal=principal,
        agent=agent,
        relation=relation,
        region=principal.community,
        created_by=actor,
    )
    record(
        actor=actor,
        action="proxy.add",
        target=proxy,
        region=proxy.region,
        after={
            "principal": principal.volunteer_no,
            "agent": agent.volunteer_no,
            "relation": relation,
        },
    )
    return proxy


@transaction.atomic
def revoke_proxy(*, actor: Person, proxy: Proxy) -> None:
    if actor.pk != proxy.principal_id:
        authz.require(actor, authz.MANAGE_PROXIES, proxy.region)
    if proxy.revoked_at is None:
        proxy.revoked_at = timezone.now()
        proxy.save(update_fields=["revoked_at"])
        record(actor=actor, action="proxy.revoke", target=proxy, region=proxy.region)


def require_proxy(*, agent: Person, principal: Person) -> Proxy:
    """The active proxy that lets ``agent`` act for ``principal``; later services log it."""
    proxy = Proxy.objects.filter(principal=principal, agent=agent, revoked_at__isnull=True).first()
    if proxy is None:
        raise NotFound(_("You are not recorded as this resident's proxy."), code="not_a_proxy")
    return proxy


# --- Teams, organisations, merchants --------------------------------------------------


def _unique_name_conflict() -> Conflict:
    return Conflict(_("That name is already used in this region."), code="name_taken", field="name")


@transaction.atomic
def create_team(*, actor: Person, region: Region, name: str, leader: Person) -> Team:
    authz.require(actor, authz.MANAGE_GROUPS, region)
    name = clean_title(name)
    if Team.objects.filter(region=region, name=name).exists():
        raise _unique_name_conflict()
    team = Team.objects.create(region=region, name=name, leader=leader)
    TeamMember.objects.create(team=team, person=leader, joined_on=timezone.localdate())
    record(
        actor=actor,
        action="team.create",
        target=team,
        region=region,
        after={"name": name, "leader": leader.volunteer_no},
    )
    return team


def _require_same_county(region: Region, person: Person) -> None:
    """A team's or unit's members live anywhere in its county (a volunteer next door, a
    unit's contact from the town), never beyond: naming someone of another county would
    show their name and send them a notice."""
    county = region.ancestor_codes()[0]
    community = person.community
    if community is None or community.ancestor_codes()[0] != county:
        raise NotFound(_("There is no such resident in this county."), field="person")


@transaction.atomic
def add_team_member(*, actor: Person, team: Team, person: Person) -> TeamMember:
    authz.require(actor, authz.MANAGE_GROUPS, team.region)
    _require_same_county(team.region, person)
    if TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists():
        raise Conflict(
            _("%(name)s is already in this team."),
            code="already_member",
            params={"name": person.name},
        )
    member = TeamMember.objects.create(team=team, person=person, joined_on=timezone.localdate())
    record(
        actor=actor,
        action="team.join",
        target=team,
        region=team.region,
        after={"person": person.volunteer_no},
    )
    return member


@transaction.atomic
def remove_team_member(*, actor: Person, team: Team, person: Person) -> None:
    authz.require(actor, authz.MANAGE_GROUPS, team.region)
    if person.pk == team.leader_id:
        raise Conflict(_("Choose a new leader before the leader leaves."), code="leader_leaving")
    updated = TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).update(
        left_on=timezone.localdate()
    )
    if updated:
        record(
            actor=actor,
            action="team.leave",
            target=team,
            region=team.region,
            before={"person": person.volunteer_no},
        )


@transaction.atomic
def create_organization(
    *, actor: Person, region: Region, name: str, credit_code: str = ""
) -> Organization:
    authz.require(actor, authz.MANAGE_GROUPS, region)
    name = clean_title(name)
    if Organization.objects.filter(region=region, name=name).exists():
        raise _unique_name_conflict()
    org = Organization.objects.create(region=region, name=name, credit_code=credit_code.strip())
    record(
        actor=actor, action="organization.create", target=org, region=region, after={"name": name}
    )
    return org


@transaction.atomic
def add_organization_member(
    *, actor: Person, organization: Organization, person: Person, is_contact: bool = False
) -> OrganizationMember:
    authz.require(actor, authz.MANAGE_GROUPS, organization.region)
    _require_same_county(organization.region, person)
    member, created = OrganizationMember.objects.get_or_create(
        organization=organization, person=person, defaults={"is_contact": is_contact}
    )
    if created:
        record(
            actor=actor,
            action="organization.join",
            target=organization,
            region=organization.region,
            after={"person": person.volunteer_no},
        )
    return member


@transaction.atomic
def create_merchant(
    *,
    actor: Person,
    region: Region,
    name: str,
    address: str = "",
    operators: list[Person] | None = None,
) -> Merchant:
    authz.require(actor, authz.MANAGE_GROUPS, region)
    name = clean_title(name)
    if Merchant.objects.filter(region=region, name=name).exists():
        raise _unique_name_conflict()
    merchant = Merchant.objects.create(region=region, name=name, address=address.strip()[:200])
    for operator in operators or []:
        merchant.operators.add(operator)
    record(
        actor=actor,
        action="merchant.create",
        target=merchant,
        region=region,
        after={"name": name, "operators": [p.volunteer_no for p in operators or []]},
    )
    return merchant
