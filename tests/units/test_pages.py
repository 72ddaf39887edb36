"""The units' pages: a contact's phone home, staff's console, the public lists."""

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from jifen.people.models import Organization, OrganizationMember
from jifen.units import services
from jifen.units.models import AllianceMembership, Spending, SpendingUse
from tests.conftest import make_person
from tests.units.conftest import earn


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_contact_home_shows_balance_declare_link_and_alliance(world, unit):
    earn(world, unit, hours=3)
    client = login(unit.contact)
    assert client.get("/units/").url == f"/units/{unit.org.pk}/"
    html = client.get(f"/units/{unit.org.pk}/").content.decode()
    assert 'data-balance="30"' in html
    assert f"/claims/new/?for=o{unit.org.pk}" in html
    assert 'data-status="approved"' in html
    assert unit.item.versions.get().name in html  # the claim's service is named
    # the claims page it links to has the unit chosen
    declare = client.get(f"/claims/new/?for=o{unit.org.pk}").content.decode()
    assert f'value="o{unit.org.pk}"' in declare


def test_a_member_or_stranger_finds_no_unit_home(world, unit):
    for who in (unit.member, world.resident, world.staff):
        assert login(who).get(f"/units/{unit.org.pk}/").status_code == 404
    assert login(unit.member).get("/units/").status_code == 200
    assert Client().get(f"/units/{unit.org.pk}/").status_code == 302


def test_the_contact_asks_to_join_and_staff_accept_on_the_console(world, unit):
    client = login(unit.contact)
    response = client.post(f"/units/{unit.org.pk}/alliance/", {"join-note": "愿意"})
    assert response.status_code == 302
    membership = AllianceMembership.objects.get()
    assert membership.status == "requested"
    staff = login(world.staff)
    page = staff.get("/console/units/alliance/").content.decode()
    assert f'data-request="{membership.pk}"' in page
    assert (
        login(world.other_staff)
        .post(f"/console/units/alliance/{membership.pk}/accept/")
        .status_code
        == 404
    )
    staff.post(f"/console/units/alliance/{membership.pk}/accept/")
    membership.refresh_from_db()
    assert membership.status == "member"
    public = Client().get(f"/public/{world.wenchang.code}/alliance/").content.decode()
    assert f'data-unit="{unit.org.pk}"' in public
    assert unit.contact.phone not in public and unit.contact.name not in public
    client.post(f"/units/{unit.org.pk}/alliance/{membership.pk}/leave/", {"leave-reason": ""})
    membership.refresh_from_db()
    assert membership.status == "member"  # a reason is needed
    client.post(f"/units/{unit.org.pk}/alliance/{membership.pk}/leave/", {"leave-reason": "调整"})
    membership.refresh_from_db()
    assert membership.status == "left"


def test_staff_decline_needs_a_reason(world, unit):
    membership = services.request_join(actor=unit.contact, organization=unit.org)
    staff = login(world.staff)
    staff.post(f"/console/units/alliance/{membership.pk}/decline/", {"decline-reason": ""})
    membership.refresh_from_db()
    assert membership.status == "requested"
    staff.post(f"/console/units/alliance/{membership.pk}/decline/", {"decline-reason": "不符合"})
    membership.refresh_from_db()
    assert (membership.status, membership.reason) == ("declined", "不符合")


def test_staff_create_a_unit_on_the_console_and_see_its_page(world):
    contact = make_person(world.wenchang, "学校老师")
    staff = login(world.staff)
    assert staff.get("/console/units/").status_code == 200
    response = staff.post(
        "/console/units/",
        {
            "new-community": world.wenchang.code,
            "new-name": "文昌小学",
            "new-kind": "school",
            "new-contact": contact.volunteer_no,
        },
    )
    org = Organization.objects.get(name="文昌小学")
    assert response.url == f"/console/units/{org.pk}/"
    assert OrganizationMember.objects.get(organization=org).is_contact
    page = staff.get(f"/console/units/{org.pk}/").content.decode()
    assert f'data-member="{contact.pk}"' in page
    bad = staff.post(
        "/console/units/",
        {
            "new-community": world.wenchang.code,
            "new-name": "x",
            "new-kind": "school",
            "new-contact": "nobody",
        },
    )
    assert bad.status_code == 400 and not Organization.objects.filter(name="x").exists()
    assert login(world.other_staff).get(f"/console/units/{org.pk}/").status_code == 404
    assert login(world.resident).get("/console/units/").status_code == 403


def test_the_console_filters_units(world, unit):
    staff = login(world.staff)
    assert (
        f'data-unit="{unit.org.pk}"'
        in staff.get("/console/units/?kind=enterprise").content.decode()
    )
    assert (
        f'data-unit="{unit.org.pk}"' not in staff.get("/console/units/?kind=organ").content.decode()
    )
    assert (
        f'data-unit="{unit.org.pk}"'
        not in staff.get("/console/units/?alliance=in").content.decode()
    )


def test_rankings_page_and_excel_keep_formulas_as_text(world, unit):
    services.create_unit(
        actor=world.staff, community=world.wenchang, name="=HYPERLINK(1)", kind="other"
    )
    earn(world, unit, hours=3)
    staff = login(world.staff)
    html = staff.get(f"/console/units/rankings/?region={world.wenchang.code}").content.decode()
    assert f'data-unit="{unit.org.pk}"' in html
    response = staff.get(f"/console/units/rankings/?region={world.wenchang.code}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)
    public = Client().get(f"/public/{world.town.code}/unit-rankings/").content.decode()
    assert 'data-rank="1" data-points="30"' in public
    assert Client().get(f"/public/{world.county.code}/unit-rankings/").status_code == 404
    assert Client().get(f"/public/{world.town.code}/unit-rankings/?quarter=bad").status_code == 200


def test_spending_on_the_phone_after_staff_allow_a_use(world, unit):
    earn(world, unit, hours=3)
    client = login(unit.contact)
    home = client.get(f"/units/{unit.org.pk}/").content.decode()
    assert f'action="/units/{unit.org.pk}/spend/' not in home  # no use allowed yet
    staff = login(world.staff)
    staff.post(
        f"/console/units/uses/?community={world.wenchang.code}",
        {"use-name": "赞助积分超市", "use-active": "on"},
    )
    use = SpendingUse.objects.get()
    bad = client.post(f"/units/{unit.org.pk}/spend/", {"spend-use": use.pk, "spend-amount": 999})
    assert bad.status_code == 400 and not Spending.objects.exists()
    ok = client.post(
        f"/units/{unit.org.pk}/spend/",
        {"spend-use": use.pk, "spend-amount": 10, "spend-memo": "购置米面"},
    )
    assert ok.status_code == 302
    assert Spending.objects.get().amount == 10
    assert (
        login(unit.member)
        .post(f"/units/{unit.org.pk}/spend/", {"spend-use": use.pk, "spend-amount": 1})
        .status_code
        == 404
    )
    staff.post(f"/console/units/uses/{use.pk}/toggle/")
    use.refresh_from_db()
    assert not use.is_active


@pytest.mark.parametrize("path", ["/units/0/", "/console/units/99999999999999999999/"])
def test_out_of_range_ids_are_not_found(world, path):
    assert login(world.staff).get(path).status_code == 404


def test_rankings_page_opened_from_the_menu_shows_this_quarter_at_once(world, unit):
    earn(world, unit, hours=3)
    html = login(world.staff).get("/console/units/rankings/").content.decode()
    assert f'data-unit="{unit.org.pk}"' in html
    assert 'data-action="xlsx"' in html


def test_a_unit_without_points_is_told_so_instead_of_offered_the_spending_form(world, unit):
    services.save_use(actor=world.staff, community=world.wenchang, name="赞助积分超市")
    client = login(unit.contact)
    home = client.get(f"/units/{unit.org.pk}/").content.decode()
    assert "data-nothing-to-spend" in home
    assert f'action="/units/{unit.org.pk}/spend/' not in home
    earn(world, unit, hours=1)
    home = client.get(f"/units/{unit.org.pk}/").content.decode()
    assert "data-nothing-to-spend" not in home
    assert f'action="/units/{unit.org.pk}/spend/' in home


def test_staff_of_another_community_cannot_toggle_a_use_nor_learn_where_it_is(world, unit):
    use = services.save_use(actor=world.staff, community=world.wenchang, name="赞助积分超市")
    answer = login(world.other_staff).post(f"/console/units/uses/{use.pk}/toggle/")
    assert answer.status_code == 404
    use.refresh_from_db()
    assert use.is_active
