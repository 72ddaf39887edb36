"""Staff work with people in the console: list, search, register, edit, roles, proxies."""

import pytest

from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import Person, Proxy, Role, RoleGrant
from tests.web.conftest import said_error, said_success


@pytest.fixture
def many_residents(world):
    return [
        services.register_by_staff(
            actor=world.staff,
            name=f"居民{i:02d}",
            phone=f"135000000{i:02d}",
            community=world.wenchang,
            household_label=f"{i}栋101",
        )
        for i in range(30)
    ]


def test_the_dashboard_counts_the_people_in_the_staffs_reach(world, as_person):
    response = as_person(world.staff).get("/console/")
    assert response.status_code == 200
    # 文昌: staff, reviewer, merchant and resident live there.
    assert response.context["people_count"] == 4
    assert response.context["unconsented_count"] == 0
    # Staff read the audit log of their own communities (issue 13), none of next door's.
    assert all(
        e.region is not None and e.region.code.startswith(world.wenchang.code)
        for e in response.context["recent_events"]
    )
    admin = as_person(world.county_admin).get("/console/")
    assert admin.context["people_count"] == Person.objects.count()
    assert len(admin.context["recent_events"]) == 8


def test_the_people_list_shows_only_people_in_reach_without_n_plus_one(
    world, as_person, many_residents, django_assert_max_num_queries
):
    client = as_person(world.staff)
    with django_assert_max_num_queries(6):
        response = client.get("/console/people/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 34
    assert len(page.object_list) == 25
    names = {p.name for p in page.paginator.object_list}
    assert "王淑英" in names and "刘金悦" not in names and "蔡湾美" not in names
    second = client.get("/console/people/?page=2")
    assert len(second.context["page"].object_list) == 9


def test_the_people_list_searches_by_name_number_or_phone_tail(world, as_person):
    client = as_person(world.staff)
    for query in ("淑英", world.resident.volunteer_no, world.resident.phone[-4:]):
        page = client.get("/console/people/", {"q": query}).context["page"]
        assert [p.pk for p in page] == [world.resident.pk], query
    assert list(client.get("/console/people/", {"q": "金悦"}).context["page"]) == []


def test_an_htmx_search_gets_only_the_rows(world, as_person, many_residents):
    client = as_person(world.staff)
    response = client.get("/console/people/", {"q": "居民0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<table" in html
    assert [t.name for t in response.templates][0] == "console/partials/people_rows.html"
    assert html.count("居民0") == 10
    full = client.get("/console/people/", {"q": "居民0"})
    assert "<html" in full.content.decode()


def test_staff_register_a_resident_in_the_console(world, as_person):
    client = as_person(world.staff)
    form = client.get("/console/people/new/").context["form"]
    assert [c for c, _ in form.fields["community"].choices] == [world.wenchang.code]
    response = client.post(
        "/console/people/new/",
        {
            "name": "孙奶奶",
            "phone": "13612345675",
            "community": world.wenchang.code,
            "household_label": "江滨花园3栋201",
            "id_number": "11010519491231002X",
            "birth_date": "1948-05-01",
            "is_party_member": "on",
            "employer": "",
            "referrer": world.resident.volunteer_no,
            "password": "",
        },
    )
    person = Person.objects.get(phone="13612345675")
    assert response.status_code == 302
    assert response["Location"] == f"/console/people/{person.pk}/"
    assert said_success(response)
    assert person.registered_by == world.staff
    assert person.consent_at is None
    assert person.referrer == world.resident
    assert person.household.label == "江滨花园3栋201"
    assert person.is_party_member and str(person.birth_date) == "1948-05-01"
    assert person.id_number_masked == "1101**********002X"
    assert not person.has_usable_password()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "1101**********002X" in detail.content.decode()
    assert "11010519491231002X" not in detail.content.decode()


def test_registering_into_a_community_out_of_reach_or_a_taken_phone_is_a_form_error(
    world, as_person
):
    client = as_person(world.staff)
    base = {"name": "孙奶奶", "phone": "13612345675", "community": world.wenchang.code}
    outside = client.post("/console/people/new/", {**base, "community": world.jinyue.code})
    assert "community" in outside.context["form"].errors
    taken = client.post("/console/people/new/", {**base, "phone": world.resident.phone})
    assert "phone" in taken.context["form"].errors
    bad_id = client.post("/console/people/new/", {**base, "id_number": "110105194912310021"})
    assert "id_number" in bad_id.context["form"].errors
    assert not Person.objects.filter(phone="13612345675").exists()


def test_staff_edit_a_resident_and_the_change_is_audited(world, as_person):
    client = as_person(world.staff)
    form = client.get(f"/console/people/{world.resident.pk}/edit/").context["form"]
    assert form.initial["name"] == "王淑英"
    response = client.post(
        f"/console/people/{world.resident.pk}/edit/",
        {"name": "王淑梅", "household_label": "1栋1", "is_veteran": "on", "employer": "县医院"},
    )
    assert response.status_code == 302
    resident = Person.objects.get(pk=world.resident.pk)
    assert (resident.name, resident.is_veteran, resident.employer) == ("王淑梅", True, "县医院")
    assert resident.household.label == "1栋1"
    event = AuditEvent.objects.get(action="person.edit")
    assert event.channel == "web" and event.actor_id == world.staff.pk


def test_staff_set_a_password_for_a_resident_without_a_smartphone(world, as_person):
    client = as_person(world.staff)
    response = client.post(
        f"/console/people/{world.resident.pk}/password/", {"new_password": "given-at-desk-5"}
    )
    assert response.status_code == 302 and said_success(response)
    assert Person.objects.get(pk=world.resident.pk).check_password("given-at-desk-5")
    weak = client.post(f"/console/people/{world.resident.pk}/password/", {"new_password": "123"})
    assert said_error(weak)
    assert Person.objects.get(pk=world.resident.pk).check_password("given-at-desk-5")


def test_the_password_setter_is_post_only(world, as_person):
    response = as_person(world.staff).get(f"/console/people/{world.resident.pk}/password/")
    assert response.status_code == 405


def test_an_admin_grants_and_takes_away_a_role_on_the_person_page(world, as_person):
    client = as_person(world.town_admin)
    page = client.get(f"/console/people/{world.resident.pk}/")
    assert page.context["can_grant"]
    region_codes = [c for c, _ in page.context["grant_form"].fields["region"].choices]
    assert world.town.code in region_codes and world.county.code not in region_codes
    response = client.post(
        f"/console/people/{world.resident.pk}/roles/",
        {"role": Role.REVIEWER, "region": world.wenchang.code},
    )
    assert response.status_code == 302 and said_success(response)
    grant = RoleGrant.objects.get(person=world.resident)
    assert (grant.role, grant.region, grant.granted_by) == (
        "reviewer",
        world.wenchang,
        world.town_admin,
    )
    response = client.post(f"/console/roles/{grant.pk}/revoke/")
    assert response.status_code == 302 and said_success(response)
    assert not RoleGrant.objects.filter(person=world.resident).exists()


def test_an_admin_cannot_grant_outside_their_reach_or_drop_their_own_admin_role(world, as_person):
    client = as_person(world.town_admin)
    response = client.post(
        f"/console/people/{world.resident.pk}/roles/",
        {"role": Role.ADMIN, "region": world.county.code},
    )
    assert said_error(response)
    assert not RoleGrant.objects.filter(person=world.resident).exists()
    own = RoleGrant.objects.get(person=world.town_admin)
    response = client.post(f"/console/roles/{own.pk}/revoke/")
    assert said_error(response)
    assert RoleGrant.objects.filter(pk=own.pk).exists()


def test_staff_cannot_grant_or_take_away_roles(world, as_person):
    client = as_person(world.staff)
    page = client.get(f"/console/people/{world.resident.pk}/")
    assert not page.context["can_grant"] and page.context["grant_form"] is None
    client.post(
        f"/console/people/{world.resident.pk}/roles/",
        {"role": Role.STAFF, "region": world.wenchang.code},
    )
    assert not RoleGrant.objects.filter(person=world.resident).exists()
    grant = RoleGrant.objects.get(person=world.reviewer)
    assert said_error(client.post(f"/console/roles/{grant.pk}/revoke/"))
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_staff_record_and_end_a_family_proxy(world, as_person):
    client = as_person(world.staff)
    response = client.post(
        f"/console/people/{world.resident.pk}/proxies/",
        {"agent": world.neighbour.volunteer_no, "relation": "女儿"},
    )
    assert response.status_code == 302 and said_success(response)
    proxy = Proxy.objects.get()
    assert (proxy.principal, proxy.agent, proxy.relation) == (
        world.resident,
        world.neighbour,
        "女儿",
    )
    page = client.get(f"/console/people/{world.resident.pk}/")
    assert list(page.context["proxies"]) == [proxy]
    again = client.post(
        f"/console/people/{world.resident.pk}/proxies/",
        {"agent": world.neighbour.volunteer_no, "relation": "女儿"},
    )
    assert said_error(again)
    unknown = client.post(
        f"/console/people/{world.resident.pk}/proxies/", {"agent": "000000000", "relation": "儿子"}
    )
    assert said_error(unknown)
    assert Proxy.objects.count() == 1
    response = client.post(f"/console/proxies/{proxy.pk}/revoke/")
    assert response.status_code == 302 and said_success(response)
    assert Proxy.objects.get().revoked_at is not None


def test_staff_of_another_community_cannot_end_a_proxy(world, as_person):
    proxy = services.add_proxy(
        actor=world.staff, principal=world.resident, agent=world.neighbour, relation="女儿"
    )
    response = as_person(world.other_staff).post(f"/console/proxies/{proxy.pk}/revoke/")
    assert said_error(response)
    assert Proxy.objects.get().revoked_at is None
