"""`jifen seed demo`: idempotent, and its printed logins work."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from jifen.audit.models import AuditEvent
from jifen.demo.seed_demo import DEMO_PASSWORD, LOGINS
from jifen.people.auth import authenticate
from jifen.people.models import (
    Household,
    Merchant,
    Organization,
    Person,
    Proxy,
    RoleGrant,
    Team,
    TeamMember,
)
from jifen.regions.models import Region

COUNTED = (Person, Region, RoleGrant, Team, TeamMember, Organization, Merchant, Proxy, Household)


def _seed() -> str:
    out = StringIO()
    call_command("seed", "demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*COUNTED, AuditEvent)}


@pytest.fixture
def seeded(db) -> str:
    return _seed()


def test_seeding_twice_adds_nothing(seeded):
    first = _counts()
    # The eighteen regions of REGIONS, the building 江滨花园1栋 of the demo's residents' poll
    # and the two compounds the property peer review adds to 文昌.
    assert first["Person"] >= 200 and first["Region"] == 21 and first["Team"] == 3
    again = _seed()
    assert _counts() == first
    assert again == seeded


def test_the_demo_has_the_contracts_communities(seeded):
    names = set(Region.objects.filter(level="community").values_list("name", flat=True))
    assert {"文昌社区", "湾美社区"} <= names


def test_every_printed_login_logs_in_with_the_demo_password(seeded):
    assert DEMO_PASSWORD in seeded
    printed = re.findall(r"^\s+(1\d{10})\s", seeded, flags=re.MULTILINE)
    assert printed == [login.phone for login in LOGINS]
    for phone in printed:
        person = authenticate(phone=phone, password=DEMO_PASSWORD, address="192.0.2.1")
        assert person.phone == phone


def test_the_demo_staff_and_admin_reach_the_console_through_the_login_page(seeded):
    for phone, page in (("13800000002", "/console/people/"), ("13800000001", "/console/audit/")):
        client = Client()
        response = client.post("/login/", {"phone": phone, "password": DEMO_PASSWORD})
        assert response.status_code == 302, phone
        assert client.get(page).status_code == 200, phone


def test_the_demo_roles_match_the_printed_descriptions(seeded):
    for login in LOGINS:
        person = Person.objects.get(phone=login.phone)
        grants = {(g.role, g.region.code) for g in RoleGrant.objects.filter(person=person)}
        if login.role:
            assert (login.role, login.region) in grants
        else:
            assert grants == set()


def test_demo_volunteers_registered_by_staff_have_usable_passwords_and_some_have_not_consented(
    seeded,
):
    volunteers = Person.objects.filter(registered_by__isnull=False)
    assert volunteers.count() == 200
    assert not volunteers.filter(password__startswith="!").exists()
    assert volunteers.filter(consent_at__isnull=True).exists()
    assert volunteers.filter(consent_at__isnull=False).exists()
