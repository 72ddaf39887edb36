from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from jifen.api.fields import Id
from jifen.api.security import caller, optional_person
from jifen.lib.errors import PermissionDenied
from jifen.lib.http import client_address
from jifen.lib.masking import mask_phone
from jifen.people import auth, authz, selectors, services
from jifen.people.auth import issue_token
from jifen.people.models import Person
from jifen.points.selectors import balance_of
from jifen.regions.selectors import get_region

router = Router(tags=["people"])


class RoleOut(Schema):
    role: str
    region: str


class PersonOut(Schema):
    id: int
    name: str
    volunteer_no: str | None
    phone: str
    community: str | None
    household: str | None
    consent_at: datetime | None
    is_party_member: bool
    is_reporting_party_member: bool
    is_veteran: bool
    created_at: datetime


class MeOut(Schema):
    id: int
    name: str
    volunteer_no: str | None
    phone: str
    community: str | None
    roles: list[RoleOut]
    consent_at: datetime | None
    balance: int
    # Someone else set the password: until the person changes it (POST /me/password),
    # every call but GET /me and logging out answers 403 password_change_required.
    password_change_required: bool


class PasswordChangeIn(Schema):
    old_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class PasswordChangedOut(Schema):
    token: str


class PasswordSetIn(Schema):
    new_password: str = Field(max_length=200)


class PasswordSetOut(Schema):
    password_change_required: bool


class PersonIn(Schema):
    name: str = Field(max_length=5000)
    phone: str = Field(max_length=100)
    password: str | None = Field(default=None, max_length=200)
    community: str = Field(max_length=64)
    referrer: Id | None = None
    # Self-registration only: whether public pages may show the masked name (CONTRACT.md:
    # self-registration records the choice; without it, 志愿者 and the volunteer number).
    consent: bool = True


def person_out(person: Person, *, full_phone: bool) -> dict[str, object]:
    return {
        "id": person.pk,
        "name": person.name,
        "volunteer_no": person.volunteer_no,
        "phone": person.phone if full_phone else mask_phone(person.phone),
        "community": person.community.code if person.community else None,
        "household": person.household.label if person.household else None,
        "consent_at": person.consent_at,
        "is_party_member": person.is_party_member,
        "is_reporting_party_member": person.is_reporting_party_member,
        "is_veteran": person.is_veteran,
        "created_at": person.created_at,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    person = caller(request)
    return {
        "id": person.pk,
        "name": person.name,
        "volunteer_no": person.volunteer_no,
        "phone": person.phone,
        "community": person.community.code if person.community else None,
        "roles": [
            {"role": grant.role, "region": grant.region.code}
            for grant in selectors.grants_of(person)
        ],
        "consent_at": person.consent_at,
        "balance": balance_of(person).balance,
        "password_change_required": person.must_change_password,
    }


@router.post("/me/password", response=PasswordChangedOut)
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> dict[str, str]:
    """Change one's own password. Every token ends, this one too: the answer carries a new one."""
    person = caller(request)
    services.change_password(
        person=person, old_password=payload.old_password, new_password=payload.new_password
    )
    return {"token": issue_token(person=person)}


@router.post("/me/consent", response=MeOut)
def consent(request: HttpRequest) -> dict[str, object]:
    services.record_consent(person=caller(request))
    return me(request)


@router.delete("/me/consent", response=MeOut)
def withdraw_consent(request: HttpRequest) -> dict[str, object]:
    """Withdraw consent to publication: from the next publication on, public pages show
    the caller as 志愿者 and their volunteer number; published months are not rewritten."""
    services.withdraw_consent(person=caller(request))
    return me(request)


@router.post("/people", auth=None, response={201: PersonOut})
def register(request: HttpRequest, payload: PersonIn) -> Status[dict[str, object]]:
    """Staff register a resident; without a token, a resident registers themself."""
    actor = optional_person(request)
    community = get_region(payload.community)
    referrer = selectors.get_referrer(payload.referrer) if payload.referrer else None
    if actor is None:
        auth.throttle_registration(phone=payload.phone, address=client_address(request))
        person = services.register_self(
            name=payload.name,
            phone=payload.phone,
            password=payload.password or "",
            community=community,
            referrer=referrer,
            consent=payload.consent,
        )
        return Status(201, person_out(person, full_phone=True))
    if not authz.can(actor, authz.REGISTER_PERSON, community):
        raise PermissionDenied(
            _(
                "Only staff of this community can register others. "
                "To register yourself, call without a token."
            )
        )
    person = services.register_by_staff(
        actor=actor,
        name=payload.name,
        phone=payload.phone,
        password=payload.password,
        community=community,
        referrer=referrer,
    )
    return Status(201, person_out(person, full_phone=True))


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: Id) -> dict[str, object]:
    viewer = caller(request)
    person = selectors.get_person_for(viewer, person_id)
    return person_out(
        person,
        full_phone=person.pk == viewer.pk or authz.can(viewer, authz.VIEW_PERSON, person.community),
    )


@router.post("/people/{person_id}/password", response=PasswordSetOut)
def set_password(request: HttpRequest, person_id: Id, payload: PasswordSetIn) -> dict[str, bool]:
    """Staff set a new password for a resident without a role (an admin over all their
    roles' regions for someone holding one); the person must change it at next login."""
    actor = caller(request)
    person = selectors.get_person_for(actor, person_id)
    services.set_password_by_staff(actor=actor, person=person, new_password=payload.new_password)
    return {"password_change_required": True}
