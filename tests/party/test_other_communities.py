"""A community's staff keep the reports of the unit's members who live in their community,
not of those who live elsewhere: they read the unit's statement and its members not
reporting with the names of their own residents only (the others as published: masked)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from jifen.party import services
from jifen.party.models import Report
from tests.conftest import PASSWORD, make_person
from tests.party.conftest import SATURDAY, reporting, served

pytestmark = pytest.mark.django_db


def _other_member(world, unit):
    """A member of the unit who reports home to 湾美 (not the community of world.staff)."""
    person = make_person(world.wanmei, "湾美党员")
    report = services.file_report(actor=person, community=world.wanmei, employer=unit.employer)
    Report.objects.filter(pk=report.pk).update(started_on=date(2026, 1, 5))
    return person


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def test_staff_of_one_community_read_only_their_residents_names(world, unit, api):
    reporting(world, unit, since=date(2026, 1, 5))
    served(world, unit, SATURDAY, hours="3")
    other = _other_member(world, unit)
    path = f"/organizations/{unit.employer.pk}"
    # The staff of 文昌 (where 林党员 lives) see 林党员 in full, the 湾美 member masked.
    lines = api(world.staff).get(f"{path}/statements/2026Q3").json()["lines"]
    by_person = {line["volunteer_no"]: line for line in lines if line["kind"] == "member"}
    mine = by_person[unit.member.volunteer_no]
    theirs = by_person[other.volunteer_no]
    assert mine["full_name"] == unit.member.name and mine["person"] == unit.member.pk
    assert theirs["full_name"] != other.name and theirs["person"] is None
    absent = api(world.staff).get(f"{path}/not-reporting").json()
    assert other.pk not in {row["person"] for row in absent}
    # The unit's contact sees everyone.
    lines = api(unit.contact).get(f"{path}/statements/2026Q3").json()["lines"]
    assert other.name in {line.get("full_name") for line in lines}
    assert other.pk in {
        row["person"] for row in api(unit.contact).get(f"{path}/not-reporting").json()
    }
    # The pages alike.
    staff = _client(world.staff)
    page = staff.get(reverse("party:statement", args=[unit.employer.pk, "2026Q3"])).content.decode()
    assert unit.member.name in page and other.name not in page
    home = staff.get(reverse("party:unit", args=[unit.employer.pk])).content.decode()
    assert other.name not in home
