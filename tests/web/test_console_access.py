"""Who gets into the work console, and what the others see."""

import pytest
from django.test import Client

from jifen.people.models import Person, Proxy, RoleGrant


def test_visitors_are_sent_to_log_in(db):
    response = Client().get("/console/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "path",
    ["/console/", "/console/people/", "/console/groups/", "/console/regions/", "/console/audit/"],
)
def test_a_resident_gets_403_on_every_console_page(world, as_person, path):
    response = as_person(world.resident).get(path)
    assert response.status_code == 403


def test_a_resident_cannot_post_to_the_console_either(world, as_person):
    client = as_person(world.resident)
    response = client.post(
        f"/console/people/{world.neighbour.pk}/roles/",
        {"role": "admin", "region": world.county.code},
    )
    assert response.status_code == 403
    assert not RoleGrant.objects.filter(person=world.neighbour).exists()


def test_reviewers_merchants_and_kiosks_open_the_console_but_not_the_people_pages(world, as_person):
    for person in (world.reviewer, world.merchant, world.kiosk):
        client = as_person(person)
        assert client.get("/console/").status_code == 200
        assert client.get("/console/regions/").status_code == 200
        assert client.get("/console/people/").status_code == 403
        assert client.get("/console/people/new/").status_code == 403
        assert client.get("/console/groups/").status_code == 403
        assert client.get("/console/audit/").status_code == 403
        assert client.get(f"/console/people/{world.resident.pk}/").status_code == 404


def test_staff_of_another_community_get_404_for_a_person_and_change_nothing(world, as_person):
    client = as_person(world.other_staff)
    pk = world.resident.pk
    assert client.get(f"/console/people/{pk}/").status_code == 404
    assert client.get(f"/console/people/{pk}/edit/").status_code == 404
    assert client.post(f"/console/people/{pk}/edit/", {"name": "篡改"}).status_code == 404
    assert (
        client.post(
            f"/console/people/{pk}/password/", {"new_password": "hijack-hijack-1"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/console/people/{pk}/proxies/",
            {"agent": world.stranger.volunteer_no, "relation": "女儿"},
        ).status_code
        == 404
    )
    resident = Person.objects.get(pk=pk)
    assert resident.name == "王淑英"
    assert not resident.check_password("hijack-hijack-1")
    assert not Proxy.objects.exists()


def test_an_unknown_person_is_404(world, as_person):
    assert as_person(world.staff).get("/console/people/999999/").status_code == 404
    assert as_person(world.staff).get(f"/console/people/{10**20}/").status_code == 404


def test_staff_read_the_audit_log_of_their_communities(world, as_person):
    # Issue 13: scoped to their regions (tests/audit/test_audit_page_words.py).
    assert as_person(world.staff).get("/console/audit/").status_code == 200
