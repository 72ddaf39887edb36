"""The units' API: units and contacts, balance, the alliance, rankings, spending."""

import pytest

from jifen.audit.models import AuditEvent
from jifen.claims.models import Claim
from jifen.notices.models import Notice
from jifen.people.models import Organization, OrganizationMember
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.units import selectors
from jifen.units.models import AllianceEvent, AllianceMembership, Spending, SpendingUse
from tests.api.conftest import assert_error
from tests.conftest import make_person
from tests.units.conftest import earn


def test_staff_create_a_unit_with_its_contacts(world, api):
    contact = make_person(world.wenchang, "派出所小王")
    body = {
        "name": "文昌派出所",
        "community": world.wenchang.code,
        "kind": "organ",
        "contacts": [contact.pk],
    }
    response = api(world.staff).post("/organizations", body)
    assert response.status_code == 201, response.content
    org = Organization.objects.get(pk=response.json()["id"])
    assert (org.name, org.kind, org.region) == ("文昌派出所", "organ", world.wenchang)
    assert OrganizationMember.objects.get(organization=org).person == contact
    assert OrganizationMember.objects.get(organization=org).is_contact
    assert AuditEvent.objects.filter(action="units.unit.create", target_id=org.pk).exists()
    again = api(world.staff).post("/organizations", body)
    assert_error(again, 409, "name_taken")
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"kind": "bank"}, 400, "invalid_kind"),
        ({"community": "350524100"}, 400, "not_a_community"),
        ({"community": "nope"}, 404, "unknown_region"),
        ({"contacts": [424242]}, 404, "not_found"),
        ({"contacts": [2**63]}, 400, "invalid_input"),
        ({"name": ""}, 400, "invalid_input"),
        ({"name": "a\x00b"}, 400, "invalid_input"),
        ({"credit_code": "=1+2"}, 400, "invalid_input"),
        ({"contacts": list(range(1, 12))}, 400, "invalid_input"),
    ],
)
def test_a_bad_unit_is_refused_and_nothing_is_written(world, api, change, status, code):
    body = {"name": "文昌派出所", "community": world.wenchang.code, "kind": "organ", **change}
    assert_error(api(world.staff).post("/organizations", body), status, code)
    assert not Organization.objects.exists()


def test_only_staff_of_the_community_create_units(world, api):
    body = {"name": "文昌派出所", "community": world.wenchang.code, "kind": "organ"}
    for who in (world.other_staff, world.reviewer, world.resident):
        assert_error(api(who).post("/organizations", body), 403, "forbidden")
    assert_error(api().post("/organizations", body), 401, "not_authenticated")
    assert not Organization.objects.exists()


def test_the_list_shows_public_fields_and_the_alliance(world, api, unit):
    response = api(world.neighbour).get(f"/organizations?community={world.wenchang.code}")
    assert response.status_code == 200
    [row] = response.json()["items"]
    assert row["id"] == unit.org.pk and row["in_alliance"] is False
    assert "contacts" not in row and unit.contact.phone not in response.content.decode()
    detail = api(world.neighbour).get(f"/organizations/{unit.org.pk}").json()
    assert detail["contacts"] == [] and detail["is_contact"] is False
    mine = api(unit.contact).get(f"/organizations/{unit.org.pk}").json()
    assert mine["is_contact"] is True and mine["contacts"][0]["id"] == unit.contact.pk
    assert unit.contact.phone not in str(mine)
    assert_error(
        api().get(f"/organizations?community={world.wenchang.code}"), 401, "not_authenticated"
    )


def test_a_contact_declares_and_the_balance_shows_the_points(world, api, unit):
    yesterday = __import__("datetime").date.today() - __import__("datetime").timedelta(days=1)
    body = {
        "organization": unit.org.pk,
        "rule_item": unit.item.pk,
        "quantity": 2,
        "occurred_on": yesterday.isoformat(),
        "description": "义务巡逻",
    }
    assert_error(api(unit.member).post("/claims", body), 403, "forbidden")
    response = api(unit.contact).post("/claims", body)
    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.organization == unit.org
    balance = api(unit.contact).get(f"/organizations/{unit.org.pk}/balance")
    assert balance.json() == {"balance": 0, "earned": 0, "spent": 0}
    ok = api(world.reviewer).post(f"/claims/{claim.pk}/approve", {})
    assert ok.status_code == 200, ok.content
    balance = api(unit.contact).get(f"/organizations/{unit.org.pk}/balance")
    assert balance.json() == {"balance": 20, "earned": 20, "spent": 0}
    assert api(world.staff).get(f"/organizations/{unit.org.pk}/balance").json()["balance"] == 20
    for outsider in (unit.member, world.other_staff, world.resident, world.reviewer):
        assert_error(api(outsider).get(f"/organizations/{unit.org.pk}/balance"), 403, "forbidden")
    ledger = api(unit.contact).get(f"/organizations/{unit.org.pk}/ledger").json()["items"]
    assert [e["amount"] for e in ledger] == [20]


def test_the_alliance_request_accept_leave_and_again(world, api, unit):
    asked = api(unit.contact).post(f"/organizations/{unit.org.pk}/alliance", {"note": "愿意参加"})
    assert asked.status_code == 201, asked.content
    mid = asked.json()["id"]
    assert asked.json()["status"] == "requested"
    assert_error(
        api(unit.contact).post(f"/organizations/{unit.org.pk}/alliance", {}),
        409,
        "invalid_transition",
    )
    waiting = api(world.staff).get("/alliance/requests").json()["items"]
    assert [w["id"] for w in waiting] == [mid]
    assert selectors.staff_todo(world.staff).count == 1
    assert selectors.staff_todo(world.other_staff).count == 0
    assert_error(api(world.other_staff).post(f"/alliance/{mid}/accept"), 403, "forbidden")
    assert_error(api(unit.contact).post(f"/alliance/{mid}/accept"), 403, "forbidden")
    accepted = api(world.staff).post(f"/alliance/{mid}/accept")
    assert accepted.json()["status"] == "member"
    assert Notice.objects.filter(person=unit.contact, kind="units").exists()
    assert_error(api(world.staff).post(f"/alliance/{mid}/accept"), 409, "invalid_transition")
    public = api().get(f"/public/alliance?community={world.wenchang.code}")
    assert [r["id"] for r in public.json()] == [unit.org.pk]
    listed = api(world.resident).get(f"/organizations?community={world.wenchang.code}")
    assert listed.json()["items"][0]["in_alliance"] is True
    assert_error(
        api(unit.contact).post(f"/alliance/{mid}/leave", {"reason": ""}), 400, "invalid_input"
    )
    left = api(unit.contact).post(f"/alliance/{mid}/leave", {"reason": "业务调整"})
    assert left.json()["status"] == "left"
    assert api().get(f"/public/alliance?community={world.wenchang.code}").json() == []
    again = api(unit.contact).post(f"/organizations/{unit.org.pk}/alliance", {})
    assert again.status_code == 201 and again.json()["id"] == mid
    declined = api(world.staff).post(f"/alliance/{mid}/decline", {"reason": "材料不全"})
    assert declined.json()["status"] == "declined" and declined.json()["reason"] == "材料不全"
    steps = list(AllianceEvent.objects.values_list("step", flat=True))
    assert steps == ["request", "accept", "leave", "request", "decline"]
    history = api(unit.contact).get(f"/organizations/{unit.org.pk}/alliance").json()
    assert [h["step"] for h in history[0]["history"]] == steps
    assert AuditEvent.objects.filter(action__startswith="units.alliance.").count() == 5


def test_a_member_not_contact_cannot_act_for_the_unit(world, api, unit):
    assert_error(
        api(unit.member).post(f"/organizations/{unit.org.pk}/alliance", {}), 403, "forbidden"
    )
    assert not AllianceMembership.objects.exists()


def test_bad_ids_and_bodies_answer_400_or_404(world, api, unit):
    assert_error(api(world.staff).get(f"/organizations/{2**63}"), 400, "invalid_input")
    assert_error(api(world.staff).get("/organizations/424242"), 404, "not_found")
    assert_error(api(world.staff).post("/alliance/424242/accept"), 404, "not_found")
    assert_error(
        api(unit.contact).post(f"/organizations/{unit.org.pk}/alliance", raw="[1]"),
        400,
        "invalid_input",
    )
    assert_error(
        api().get(f"/public/unit-rankings?region={world.wenchang.code}&quarter=2026Q5"),
        400,
        "invalid_input",
    )
    assert_error(
        api().get(f"/public/unit-rankings?region={world.county.code}"), 400, "invalid_input"
    )


def test_rankings_per_community_and_town(world, api, unit):
    other = make_person(world.jinyue, "金悦联络员")
    api(world.town_admin).post(
        "/organizations",
        {
            "name": "金悦小学",
            "community": world.jinyue.code,
            "kind": "school",
            "contacts": [other.pk],
        },
    )
    earn(world, unit, hours=3)
    rows = api().get(f"/public/unit-rankings?region={world.town.code}").json()
    assert [(r["rank"], r["name"], r["points"]) for r in rows] == [
        (1, "县供电公司", 30),
        (2, "金悦小学", 0),
    ]
    rows = api().get(f"/public/unit-rankings?region={world.jinyue.code}").json()
    assert [r["name"] for r in rows] == ["金悦小学"]
    old = api().get(f"/public/unit-rankings?region={world.town.code}&quarter=2020Q1").json()
    assert {r["points"] for r in old} == {0}


def test_a_contact_spends_on_an_allowed_use_only(world, api, unit):
    earn(world, unit, hours=3)
    url = f"/organizations/{unit.org.pk}/spending"
    use = api(world.staff).post(
        "/units/uses", {"community": world.wenchang.code, "name": "赞助积分超市"}
    )
    assert use.status_code == 201, use.content
    use_id = use.json()["id"]
    assert_error(
        api(world.resident).post("/units/uses", {"community": world.wenchang.code, "name": "x"}),
        403,
        "forbidden",
    )
    assert_error(api(unit.member).post(url, {"use": use_id, "amount": 5}), 403, "forbidden")
    assert_error(
        api(unit.contact).post(url, {"use": use_id, "amount": 31}), 409, "insufficient_points"
    )
    assert_error(api(unit.contact).post(url, {"use": use_id, "amount": 0}), 400, "invalid_amount")
    assert_error(
        api(unit.contact).post(url, {"use": use_id, "amount": 10**7}), 400, "invalid_amount"
    )
    assert not Spending.objects.exists()
    spent = api(unit.contact).post(url, {"use": use_id, "amount": 12, "memo": "=cmd"})
    assert spent.status_code == 201, spent.content
    transfer = Transfer.objects.get(pk=spent.json()["transfer"])
    assert transfer.kind == TransferKind.REDEMPTION and transfer.amount == 12
    assert transfer.credit.kind == AccountKind.SHOP and transfer.credit.region == world.wenchang
    assert api(unit.contact).get(f"/organizations/{unit.org.pk}/balance").json() == {
        "balance": 18,
        "earned": 30,
        "spent": 12,
    }
    stopped = api(world.staff)._call(
        "put", f"/units/uses/{use_id}", {"name": "赞助积分超市", "active": False}
    )
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    assert_error(api(unit.contact).post(url, {"use": use_id, "amount": 1}), 409, "use_not_allowed")
    elsewhere = SpendingUse.objects.create(community=world.wanmei, name="别处")
    assert_error(api(unit.contact).post(url, {"use": elsewhere.pk, "amount": 1}), 404, "not_found")
    assert Spending.objects.count() == 1
    assert AuditEvent.objects.filter(action="units.spending.create").count() == 1


def test_contacts_added_and_removed_by_staff(world, api, unit):
    url = f"/organizations/{unit.org.pk}/contacts"
    assert_error(api(unit.contact).post(url, {"person": unit.member.pk}), 403, "forbidden")
    added = api(world.staff).post(url, {"person": unit.member.pk})
    assert added.status_code == 200
    assert OrganizationMember.objects.get(organization=unit.org, person=unit.member).is_contact
    removed = api(world.staff).delete(f"{url}/{unit.contact.pk}")
    assert removed.status_code == 200
    assert not OrganizationMember.objects.get(organization=unit.org, person=unit.contact).is_contact
    assert_error(api(world.staff).delete(f"{url}/{unit.contact.pk}"), 404, "not_found")
    edited = api(world.staff)._call("patch", f"/organizations/{unit.org.pk}", {"kind": "organ"})
    assert edited.status_code == 200 and edited.json()["kind"] == "organ"


def test_spending_with_an_idempotency_key_moves_the_points_once(world, api, unit):
    earn(world, unit, hours=3)
    use = api(world.staff).post("/units/uses", {"community": world.wenchang.code, "name": "赞助"})
    url = f"/organizations/{unit.org.pk}/spending"
    key = {"Idempotency-Key": "spend-once"}
    first = api(unit.contact).post(url, {"use": use.json()["id"], "amount": 5}, **key)
    again = api(unit.contact).post(url, {"use": use.json()["id"], "amount": 5}, **key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Spending.objects.count() == 1
    assert_error(
        api(unit.contact).post(url, {"use": use.json()["id"], "amount": 6}, **key),
        409,
        "idempotency_conflict",
    )
