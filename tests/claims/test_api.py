"""The claims API: declare, evidence, review, cross-check, appeal and revocation over HTTP.

Each refusal is checked for its error code and for what it did not write.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from jifen.claims import photos, services
from jifen.claims.models import Appeal, Claim, Photo, Review, Status
from jifen.people.models import (
    Household,
    Organization,
    OrganizationMember,
    Proxy,
    Role,
    RoleGrant,
)
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.points.services import save_rule_item
from tests.api.conftest import assert_error
from tests.conftest import make_person

# --- Helpers ------------------------------------------------------------------------------


def body(items, day, **changes):
    return {
        "rule_item": items.basic.pk,
        "quantity": 2,
        "occurred_on": day.isoformat(),
        "description": "清理楼道杂物",
        **changes,
    }


def written():
    """What a refused request must leave as it was."""
    return (
        Claim.objects.count(),
        Transfer.objects.count(),
        Review.objects.count(),
        Photo.objects.count(),
        Appeal.objects.count(),
    )


def balance(api, person):
    response = api(person).get(f"/people/{person.pk}/balance")
    assert response.status_code == 200, response.content
    return response.json()["balance"]


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (24.0, 58.0, 12.0), 3: "E", 4: (118.0, 11.0, 5.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(client, claim_id, data: bytes, name="photo.jpg", content_type="image/jpeg"):
    response = client.client.post(
        f"/api/v1/claims/{claim_id}/photos",
        data={"photo": SimpleUploadedFile(name, data, content_type=content_type)},
        headers=client.headers,
    )
    response.json_body = response.json() if response.content else None
    return response


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def proxy(world):
    """The resident's daughter, registered as her proxy (代办)."""
    daughter = make_person(world.wenchang, "王小英")
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    return daughter


def spend(person, amount):
    return post(
        Posting(
            debit=account_for(person),
            credit=system_account(person.community, AccountKind.SHOP),
            amount=amount,
            kind=TransferKind.REDEMPTION,
            key=f"test:spend:{person.pk}:{amount}",
        )
    )


# --- Declaring ----------------------------------------------------------------------------


def test_a_volunteer_declares_service_and_gets_the_pending_claim(world, api, items, yesterday):
    response = api(world.resident).post("/claims", body(items, yesterday))
    assert response.status_code == 201, response.content
    claim = response.json()
    stored = Claim.objects.get()
    assert claim["id"] == stored.pk
    assert {
        "person": world.resident.pk,
        "volunteer_no": world.resident.volunteer_no,
        "person_name": "王淑英",
        "organization": None,
        "community": world.wenchang.code,
        "rule_item": items.basic.pk,
        "rule_item_code": "BASIC",
        "rule_item_name": "环境整治",
        "rule_version": 1,
        "unit": "hour",
        "quantity": 2,
        "points": 20,
        "occurred_on": yesterday.isoformat(),
        "description": "清理楼道杂物",
        "status": "pending",
        "provenance": "declared",
        "source": "declared",
        "approvals": 0,
        "approvals_needed": 1,
        "reason": "",
        "decided_at": None,
        "transfer": None,
        "photos": [],
        "appeal": None,
        "reviews": [],
    }.items() <= claim.items()
    assert [e["action"] for e in claim["history"]] == ["claims.claim.create"]
    assert claim["history"][0]["actor"] == "王淑英"
    assert claim["can_review"] is False
    assert stored.created_by == world.resident
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(("quantity", "points"), [(1.5, 15), ("2.5", 25), (24, 240)])
def test_hours_are_taken_in_half_hours(world, api, items, yesterday, quantity, points):
    response = api(world.resident).post("/claims", body(items, yesterday, quantity=quantity))
    assert response.status_code == 201, response.content
    assert response.json()["points"] == points
    assert response.json()["quantity"] == float(quantity)


def test_a_time_item_counts_whole_times(world, api, items, yesterday):
    response = api(world.resident).post(
        "/claims", body(items, yesterday, rule_item=items.visit.pk, quantity=3)
    )
    assert response.status_code == 201, response.content
    assert (response.json()["unit"], response.json()["points"]) == ("time", 15)
    refused = api(world.resident).post(
        "/claims", body(items, yesterday, rule_item=items.visit.pk, quantity=1.5)
    )
    assert_error(refused, 400, "invalid_input")


BAD_DECLARATIONS = {
    "zero quantity": (lambda i, t: {"quantity": 0}, "invalid_input"),
    "negative quantity": (lambda i, t: {"quantity": -2}, "invalid_input"),
    "quarter hour": (lambda i, t: {"quantity": 1.25}, "invalid_input"),
    "more than a day": (lambda i, t: {"quantity": 25}, "invalid_input"),
    "a huge number": (lambda i, t: {"quantity": "1e100"}, "invalid_input"),
    "a boolean": (lambda i, t: {"quantity": True}, "invalid_input"),
    "not a number": (lambda i, t: {"quantity": "NaN"}, "invalid_input"),
    "a word": (lambda i, t: {"quantity": "two"}, "invalid_input"),
    "no quantity": (lambda i, t: {"quantity": None}, "invalid_input"),
    "unknown item": (lambda i, t: {"rule_item": 999_999}, "unknown_rule_item"),
    "item as a word": (lambda i, t: {"rule_item": "BASIC"}, "invalid_input"),
    "item beyond any id": (lambda i, t: {"rule_item": 10**20}, "invalid_input"),
    "future date": (
        lambda i, t: {"occurred_on": (t + timedelta(days=1)).isoformat()},
        "future_date",
    ),
    "too old": (lambda i, t: {"occurred_on": (t - timedelta(days=91)).isoformat()}, "too_old"),
    "not a date": (lambda i, t: {"occurred_on": "yesterday"}, "invalid_input"),
    "description too long": (lambda i, t: {"description": "长" * 501}, "invalid_input"),
    "description huge": (lambda i, t: {"description": "长" * 100_000}, "invalid_input"),
    "NUL in description": (lambda i, t: {"description": "a\x00b"}, "invalid_input"),
    "person beyond any id": (lambda i, t: {"person": 10**30}, "invalid_input"),
}


@pytest.mark.parametrize("case", list(BAD_DECLARATIONS))
def test_bad_declarations_are_refused_and_write_nothing(world, api, items, case):
    change, code = BAD_DECLARATIONS[case]
    today = timezone.localdate()
    before = written()
    response = api(world.resident).post("/claims", body(items, today, **change(items, today)))
    assert_error(response, 400, code)
    assert written() == before


def test_the_oldest_date_allowed_is_still_taken(world, api, items):
    day = timezone.localdate() - timedelta(days=90)
    response = api(world.resident).post("/claims", body(items, day))
    assert response.status_code == 201, response.content


def test_an_item_of_another_community_is_unknown_here(world, api, yesterday, items):
    version = save_rule_item(
        actor=None,
        region=world.wanmei,
        code="WANMEI",
        name="湾美巡河",
        category="平安",
        unit="hour",
        points=10,
    )
    response = api(world.resident).post(
        "/claims", body(items, yesterday, rule_item=version.item_id)
    )
    assert_error(response, 400, "unknown_rule_item")
    assert not Claim.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "", "[]", '"text"', "null", '{"quantity": 1'])
def test_a_body_that_is_not_a_json_object_is_400(world, api, raw):
    assert_error(api(world.resident).post("/claims", raw=raw), 400, "invalid_input")
    assert not Claim.objects.exists()


def test_declaring_needs_a_login(world, api, items, yesterday):
    assert_error(api().post("/claims", body(items, yesterday)), 401, "not_authenticated")
    assert_error(api().get("/me/claims"), 401, "not_authenticated")
    assert not Claim.objects.exists()


def test_a_proxy_declares_for_the_resident_they_act_for(world, api, items, yesterday, proxy):
    response = api(proxy).post("/claims", body(items, yesterday, person=world.resident.pk))
    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert (claim.person, claim.created_by, claim.source) == (world.resident, proxy, "declared")
    assert response.json()["history"][0] == {
        **response.json()["history"][0],
        "actor": "王小英",
        "on_behalf_of": "王淑英",
    }
    # The proxy sees the claim; the resident sees it among their own.
    assert api(proxy).get(f"/claims/{claim.pk}").status_code == 200
    assert api(world.resident).get("/me/claims").json()["count"] == 1


def test_staff_enter_service_for_a_resident_of_their_community(world, api, items, yesterday):
    response = api(world.staff).post("/claims", body(items, yesterday, person=world.resident.pk))
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "staff"
    assert response.json()["person"] == world.resident.pk


def test_nobody_else_declares_for_a_resident(world, api, items, yesterday):
    for outsider in (world.neighbour, world.other_staff, world.reviewer):
        response = api(outsider).post("/claims", body(items, yesterday, person=world.resident.pk))
        assert_error(response, 404, "not_found")
    assert not Claim.objects.exists()


def test_a_member_declares_the_organisations_unit_points(world, api, items, yesterday):
    unit = Organization.objects.create(region=world.wenchang, name="县供电公司")
    OrganizationMember.objects.create(organization=unit, person=world.resident, is_contact=True)
    response = api(world.resident).post("/claims", body(items, yesterday, organization=unit.pk))
    assert response.status_code == 201, response.content
    claim = response.json()
    assert (claim["organization"], claim["organization_name"]) == (unit.pk, "县供电公司")
    assert (claim["source"], claim["person"]) == ("organization", world.resident.pk)
    refused = api(world.neighbour).post("/claims", body(items, yesterday, organization=unit.pk))
    assert_error(refused, 403, "forbidden")
    assert Claim.objects.count() == 1


def test_an_unknown_organisation_is_not_found(world, api, items, yesterday):
    response = api(world.resident).post("/claims", body(items, yesterday, organization=424242))
    assert_error(response, 404, "not_found")
    assert not Claim.objects.exists()


def test_an_idempotency_key_replays_the_first_claim(world, api, items, yesterday):
    client = api(world.resident)
    key = {"Idempotency-Key": "declare-2024-1"}
    first = client.post("/claims", body(items, yesterday), **key)
    again = client.post("/claims", body(items, yesterday), **key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json() == again.json()
    assert Claim.objects.count() == 1
    other = client.post("/claims", body(items, yesterday, quantity=3), **key)
    assert_error(other, 409, "idempotency_conflict")
    assert Claim.objects.count() == 1
    # Without a key, the same body is a second declaration.
    assert client.post("/claims", body(items, yesterday)).status_code == 201
    assert Claim.objects.count() == 2


def test_a_refused_declaration_does_not_spend_its_key(world, api, items, yesterday):
    client = api(world.resident)
    key = {"Idempotency-Key": "retry-me"}
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert_error(
        client.post("/claims", body(items, yesterday, occurred_on=future), **key),
        400,
        "future_date",
    )
    assert client.post("/claims", body(items, yesterday), **key).status_code == 201


# --- Reading ------------------------------------------------------------------------------


def test_reviewers_and_staff_list_the_queue_oldest_first(world, api, items, declare):
    first = declare()
    second = declare(item=items.visit, quantity=1)
    declare(person=world.neighbour)  # 金悦: outside 文昌
    for viewer in (world.reviewer, world.staff, world.town_admin, world.county_admin):
        page = api(viewer).get("/claims?status=pending").json()
        ids = [c["id"] for c in page["items"] if c["community"] == world.wenchang.code]
        assert ids == [first.pk, second.pk], viewer
    page = api(world.reviewer).get("/claims?status=pending").json()
    assert page["count"] == 2
    item = page["items"][0]
    assert (item["person"], item["person_name"], item["points"]) == (
        world.resident.pk,
        "王淑英",
        20,
    )
    assert item["quantity"] == 2 and item["rule_item"] == items.basic.pk
    assert api(world.town_admin).get("/claims").json()["count"] == 3
    assert api(world.other_staff).get("/claims").json() == {"items": [], "count": 0}


def test_the_queue_filters(world, api, items, declare):
    basic = declare()
    visit = declare(item=items.visit, quantity=1)
    mine = declare(person=world.staff)
    other = declare(person=world.neighbour)
    admin = api(world.town_admin)

    def ids(query):
        response = admin.get(f"/claims?{query}")
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["items"]}

    assert ids("") == {basic.pk, visit.pk, mine.pk, other.pk}
    assert ids(f"rule_item={items.visit.pk}") == {visit.pk}
    assert ids(f"person={world.staff.pk}") == {mine.pk}
    assert ids(f"community={world.jinyue.code}") == {other.pk}
    assert ids("provenance=declared") == {basic.pk, visit.pk, mine.pk, other.pk}
    assert ids("provenance=on_site") == set()
    assert ids("older_than_days=1") == set()
    admin.post(f"/claims/{basic.pk}/reject", {"reason": "照片不清楚"})
    assert ids("status=rejected") == {basic.pk}
    assert ids("status=pending") == {visit.pk, mine.pk, other.pk}
    assert ids("limit=1&offset=1") == {visit.pk}
    assert_error(admin.get("/claims?status=lost"), 400, "invalid_input")
    assert_error(admin.get("/claims?provenance=rumour"), 400, "invalid_input")
    assert_error(admin.get("/claims?rule_item=abc"), 400, "invalid_input")
    assert_error(admin.get(f"/claims?person={10**30}"), 400, "invalid_input")
    assert_error(admin.get("/claims?community=nowhere"), 404, "unknown_region")


@pytest.mark.parametrize("persona", ["resident", "merchant", "kiosk"])
def test_people_without_a_claims_role_cannot_list_the_queue(world, api, declare, persona):
    declare()
    assert_error(api(getattr(world, persona)).get("/claims"), 403, "forbidden")


def test_the_queue_reads_in_a_fixed_number_of_queries(world, api, items, declare, media):
    client = api(world.reviewer)
    declare()
    client.get("/claims")  # warm up: the token's first use is written down
    with CaptureQueriesContext(connection) as one:
        assert client.get("/claims").json()["count"] == 1
    for _ in range(5):
        claim = declare(item=items.visit, quantity=1)
        upload(api(world.resident), claim.pk, jpeg_with_gps())
    with CaptureQueriesContext(connection) as six:
        assert client.get("/claims").json()["count"] == 6
    assert len(six) == len(one)


def test_approvals_are_not_counted_once_per_photo(world, api, items, declare, media):
    claim = declare(item=items.skilled, quantity=3)
    for _ in range(2):
        upload(api(world.resident), claim.pk, jpeg_with_gps())
    api(world.reviewer).post(f"/claims/{claim.pk}/approve")
    item = api(world.staff).get("/claims").json()["items"][0]
    assert (item["approvals"], len(item["photos"])) == (1, 2)
    assert api(world.staff).get(f"/claims/{claim.pk}").json()["approvals"] == 1


def test_a_volunteer_lists_their_own_claims_newest_first(world, api, declare, items):
    older = declare()
    newer = declare(item=items.visit, quantity=1)
    declare(person=world.neighbour)
    page = api(world.resident).get("/me/claims").json()
    assert [c["id"] for c in page["items"]] == [newer.pk, older.pk]
    assert page["count"] == 2
    assert api(world.resident).get("/me/claims?status=approved").json()["count"] == 0
    assert api(world.neighbour).get("/me/claims").json()["count"] == 1


def test_a_claim_is_seen_by_its_claimant_and_its_communitys_staff_only(world, api, declare):
    claim = declare()
    for viewer in (world.resident, world.staff, world.reviewer, world.town_admin):
        response = api(viewer).get(f"/claims/{claim.pk}")
        assert response.status_code == 200, viewer
        assert response.json()["id"] == claim.pk
    for outsider in (world.neighbour, world.stranger, world.other_staff, world.merchant):
        assert_error(api(outsider).get(f"/claims/{claim.pk}"), 404, "not_found")
    assert_error(api(world.staff).get("/claims/999999"), 404, "not_found")
    assert_error(api(world.staff).get(f"/claims/{10**20}"), 400, "invalid_input")
    assert_error(api(world.staff).get("/claims/abc"), 400, "invalid_input")
    assert api(world.reviewer).get(f"/claims/{claim.pk}").json()["can_review"] is True
    assert api(world.staff).get(f"/claims/{claim.pk}").json()["can_review"] is False


# --- Reviewing ----------------------------------------------------------------------------


def test_an_approval_posts_the_points_exactly_once(world, api, declare, second_reviewer):
    claim = declare()
    reviewer = api(world.reviewer)
    response = reviewer.post(f"/claims/{claim.pk}/approve")
    assert response.status_code == 200, response.content
    approved = response.json()
    assert (approved["status"], approved["approvals"], approved["points"]) == ("approved", 1, 20)
    assert approved["transfer"] == Claim.objects.get().transfer_id is not None
    assert approved["decided_at"]
    assert [(r["reviewer"], r["decision"]) for r in approved["reviews"]] == [("黄审核", "approve")]
    assert [e["action"] for e in approved["history"]] == [
        "claims.claim.create",
        "claims.claim.approve",
    ]
    assert balance(api, world.resident) == 20
    assert_error(reviewer.post(f"/claims/{claim.pk}/approve"), 409, "already_reviewed")
    assert_error(api(second_reviewer).post(f"/claims/{claim.pk}/approve"), 409, "already_decided")
    assert_error(
        api(second_reviewer).post(f"/claims/{claim.pk}/reject", {"reason": "不对"}),
        409,
        "already_decided",
    )
    assert balance(api, world.resident) == 20
    assert Transfer.objects.filter(kind=TransferKind.AWARD).count() == 1


def test_a_repeated_approval_with_its_key_answers_the_same_and_posts_once(world, api, declare):
    claim = declare()
    reviewer = api(world.reviewer)
    key = {"Idempotency-Key": f"approve-{claim.pk}"}
    first = reviewer.post(f"/claims/{claim.pk}/approve", **key)
    again = reviewer.post(f"/claims/{claim.pk}/approve", **key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Review.objects.count() == 1
    assert balance(api, world.resident) == 20


def test_fifty_points_or_more_need_two_different_reviewers(
    world, api, declare, items, second_reviewer
):
    claim = declare(item=items.skilled, quantity=3)  # 60 points
    first = api(world.reviewer).post(f"/claims/{claim.pk}/approve")
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["approvals"]) == ("pending", 1)
    assert first.json()["approvals_needed"] == 2
    assert first.json()["transfer"] is None
    assert balance(api, world.resident) == 0
    before = written()
    assert_error(api(world.reviewer).post(f"/claims/{claim.pk}/approve"), 409, "already_reviewed")
    assert written() == before
    second = api(second_reviewer).post(f"/claims/{claim.pk}/approve")
    assert second.json()["status"] == "approved"
    assert second.json()["approvals"] == 2
    assert balance(api, world.resident) == 60


def test_nobody_reviews_their_own_claim(world, api, declare, second_reviewer):
    own = declare(person=world.reviewer)
    before = written()
    error = assert_error(api(world.reviewer).post(f"/claims/{own.pk}/approve"), 409, "self_review")
    assert error["message"]
    assert_error(
        api(world.reviewer).post(f"/claims/{own.pk}/reject", {"reason": "写错了"}),
        409,
        "self_review",
    )
    assert written() == before
    assert api(second_reviewer).post(f"/claims/{own.pk}/approve").status_code == 200


def test_nobody_reviews_a_claim_of_their_household(world, api, declare):
    home = Household.objects.create(region=world.wenchang, label="江滨路12号")
    for person in (world.resident, world.reviewer):
        person.household = home
        person.save(update_fields=["household"])
    claim = declare()
    before = written()
    assert_error(api(world.reviewer).post(f"/claims/{claim.pk}/approve"), 409, "self_review")
    assert written() == before
    assert api(world.reviewer).get(f"/claims/{claim.pk}").json()["can_review"] is False


def test_nobody_reviews_a_claim_they_entered(world, api, items, yesterday, proxy):
    RoleGrant.objects.create(person=proxy, role=Role.REVIEWER, region=world.wenchang)
    claim_id = api(proxy).post("/claims", body(items, yesterday, person=world.resident.pk)).json()
    assert_error(api(proxy).post(f"/claims/{claim_id['id']}/approve"), 409, "self_review")


def test_only_reviewers_of_the_community_review(world, api, declare):
    claim = declare()
    before = written()
    # Staff see the claim but do not review it; the claimant neither.
    assert_error(api(world.staff).post(f"/claims/{claim.pk}/approve"), 403, "forbidden")
    assert_error(api(world.resident).post(f"/claims/{claim.pk}/approve"), 403, "forbidden")
    # Elsewhere the claim does not exist.
    assert_error(api(world.other_staff).post(f"/claims/{claim.pk}/approve"), 404, "not_found")
    assert_error(
        api(world.other_staff).post(f"/claims/{claim.pk}/reject", {"reason": "x"}),
        404,
        "not_found",
    )
    assert_error(api(world.reviewer).post("/claims/999999/approve"), 404, "not_found")
    assert written() == before


def test_a_rejection_carries_its_reason_to_the_volunteer(world, api, declare):
    claim = declare()
    reviewer = api(world.reviewer)
    before = written()
    assert_error(
        reviewer.post(f"/claims/{claim.pk}/reject", {"reason": "  "}), 400, "invalid_input"
    )
    assert_error(reviewer.post(f"/claims/{claim.pk}/reject", {}), 400, "invalid_input")
    assert_error(
        reviewer.post(f"/claims/{claim.pk}/reject", {"reason": "长" * 201}), 400, "invalid_input"
    )
    assert_error(reviewer.post(f"/claims/{claim.pk}/reject", raw="{"), 400, "invalid_input")
    assert written() == before
    response = reviewer.post(f"/claims/{claim.pk}/reject", {"reason": "活动当天未见签到"})
    assert response.status_code == 200, response.content
    seen = api(world.resident).get(f"/claims/{claim.pk}").json()
    assert (seen["status"], seen["reason"]) == ("rejected", "活动当天未见签到")
    assert seen["reviews"][0]["decision"] == "reject"
    assert seen["reviews"][0]["reason"] == "活动当天未见签到"
    assert not Transfer.objects.exists()


def test_a_batch_approves_what_it_may_and_says_why_not_for_the_rest(
    world, api, declare, items, second_reviewer
):
    small = declare()
    visit = declare(item=items.visit, quantity=2)
    own = declare(person=world.reviewer)
    elsewhere = declare(person=world.neighbour)
    response = api(world.reviewer).post(
        "/claims/approve", {"ids": [small.pk, own.pk, visit.pk, elsewhere.pk, 999999, small.pk]}
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["approved"] == [small.pk, visit.pk]
    assert [r["id"] for r in result["refused"]] == [own.pk, elsewhere.pk, 999999]
    assert all(r["message"] for r in result["refused"])
    assert balance(api, world.resident) == 30
    assert Claim.objects.get(pk=elsewhere.pk).status == Status.PENDING
    assert api(world.reviewer).post("/claims/approve", {"ids": []}).json() == {
        "approved": [],
        "refused": [],
    }
    assert_error(api(world.reviewer).post("/claims/approve", {"ids": ["x"]}), 400, "invalid_input")
    assert_error(
        api(world.reviewer).post("/claims/approve", {"ids": list(range(1, 502))}),
        400,
        "invalid_input",
    )


def test_a_resident_approves_nothing_by_batch(world, api, declare):
    claim = declare(person=world.neighbour)
    result = api(world.resident).post("/claims/approve", {"ids": [claim.pk]}).json()
    assert result["approved"] == []
    assert [r["id"] for r in result["refused"]] == [claim.pk]
    assert not Transfer.objects.exists()


def test_the_referrer_receives_ten_points_once_on_the_first_approval(world, api, items, yesterday):
    newcomer = make_person(world.wenchang, "赵新来", referrer=world.stranger)
    client = api(newcomer)
    first = client.post("/claims", body(items, yesterday)).json()["id"]
    second = client.post("/claims", body(items, yesterday, quantity=1)).json()["id"]
    assert api(world.reviewer).post(f"/claims/{first}/approve").status_code == 200
    assert balance(api, world.stranger) == 10
    assert api(world.reviewer).post(f"/claims/{second}/approve").status_code == 200
    assert balance(api, world.stranger) == 10
    assert balance(api, newcomer) == 30
    assert Transfer.objects.filter(kind=TransferKind.BONUS).count() == 1


# --- Photos -------------------------------------------------------------------------------


def test_an_uploaded_photo_keeps_no_exif(world, api, declare, media):
    claim = declare()
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    response = upload(api(world.resident), claim.pk, original)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["width"], out["height"], out["content_type"]) == (64, 48, "image/jpeg")
    photo = Photo.objects.get()
    assert photo.pk == out["id"] and photo.uploaded_by == world.resident
    stored = Path(photo.image.path).read_bytes()
    assert Path(photo.image.path).is_relative_to(media)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"Exif" not in stored and b"SpyCam" not in stored
    # Whoever may see the claim may see its photo, the same clean bytes.
    listed = api(world.reviewer).get(f"/claims/{claim.pk}").json()["photos"]
    assert [p["id"] for p in listed] == [photo.pk]
    served = api(world.reviewer).client.get(listed[0]["url"], headers=api(world.reviewer).headers)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == stored
    outsider = api(world.neighbour)
    assert_error(outsider.client.get(listed[0]["url"], headers=outsider.headers), 404, "not_found")


def test_a_photo_is_served_only_under_its_own_claim(world, api, declare, media):
    claim, other = declare(), declare()
    photo_id = upload(api(world.resident), claim.pk, jpeg_with_gps()).json()["id"]
    client = api(world.resident)
    wrong = client.client.get(
        f"/api/v1/claims/{other.pk}/photos/{photo_id}", headers=client.headers
    )
    assert_error(wrong, 404, "not_found")


def test_a_png_is_taken_as_png(world, api, declare, media):
    claim = declare()
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG")
    response = upload(api(world.resident), claim.pk, out.getvalue(), "a.png", "image/png")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/png"


def test_a_text_file_is_not_a_photo(world, api, declare, media):
    claim = declare()
    before = written()
    response = upload(api(world.resident), claim.pk, b"hello, not a picture", "a.jpg")
    assert_error(response, 400, "invalid_photo")
    assert written() == before
    assert not any(media.rglob("*.*"))


def test_an_oversized_photo_is_refused(world, api, declare, media):
    claim = declare()
    before = written()
    data = jpeg_with_gps() + b"\0" * photos.MAX_BYTES
    assert_error(upload(api(world.resident), claim.pk, data), 400, "photo_too_large")
    assert written() == before


def test_a_photo_needs_the_field_and_a_multipart_body(world, api, declare, media):
    claim = declare()
    client = api(world.resident)
    assert_error(client.post(f"/claims/{claim.pk}/photos", {}), 400, "invalid_input")
    response = client.client.post(
        f"/api/v1/claims/{claim.pk}/photos", data={"picture": "x"}, headers=client.headers
    )
    assert_error(response, 400, "invalid_input")
    assert not Photo.objects.exists()


def test_only_the_claimant_adds_photos_and_only_while_pending(world, api, declare, media):
    claim = declare()
    data = jpeg_with_gps()
    assert_error(upload(api(world.staff), claim.pk, data), 403, "forbidden")
    assert_error(upload(api(world.neighbour), claim.pk, data), 404, "not_found")
    for _ in range(services.MAX_PHOTOS):
        assert upload(api(world.resident), claim.pk, data).status_code == 201
    assert_error(upload(api(world.resident), claim.pk, data), 400, "invalid_input")
    other = declare()
    api(world.reviewer).post(f"/claims/{other.pk}/approve")
    assert_error(upload(api(world.resident), other.pk, data), 409, "conflict")
    assert Photo.objects.count() == 3


def test_a_proxy_adds_a_photo_for_the_resident(world, api, declare, proxy, media):
    claim = declare()
    assert upload(api(proxy), claim.pk, jpeg_with_gps()).status_code == 201


# --- Appeal and revocation ----------------------------------------------------------------


def test_a_rejected_claim_is_appealed_and_upheld_by_another_reviewer(
    world, api, declare, second_reviewer
):
    claim = declare()
    api(world.reviewer).post(f"/claims/{claim.pk}/reject", {"reason": "缺少照片"})
    before = written()
    assert_error(
        api(world.neighbour).post(f"/claims/{claim.pk}/appeal", {"reason": "x"}), 404, "not_found"
    )
    assert_error(
        api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": ""}), 400, "invalid_input"
    )
    assert_error(
        api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": "长" * 501}),
        400,
        "invalid_input",
    )
    assert written() == before
    filed = api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": "当天有照片为证"})
    assert filed.status_code == 201, filed.content
    assert {"claim": claim.pk, "status": "open", "reason": "当天有照片为证"}.items() <= (
        filed.json().items()
    )
    assert_error(
        api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": "再次申诉"}),
        409,
        "already_appealed",
    )
    decide = f"/claims/{claim.pk}/appeal/decide"
    # The reviewer who rejected it does not decide the appeal.
    assert_error(
        api(world.reviewer).post(decide, {"uphold": True, "note": "ok"}), 409, "already_reviewed"
    )
    assert_error(api(world.resident).post(decide, {"uphold": True, "note": "ok"}), 403, "forbidden")
    assert_error(api(second_reviewer).post(decide, {"note": "ok"}), 400, "invalid_input")
    assert_error(
        api(second_reviewer).post(decide, {"uphold": True, "note": ""}), 400, "invalid_input"
    )
    assert balance(api, world.resident) == 0
    upheld = api(second_reviewer).post(decide, {"uphold": True, "note": "照片已补, 予以通过"})
    assert upheld.status_code == 200, upheld.content
    assert upheld.json()["status"] == "upheld"
    assert balance(api, world.resident) == 20
    seen = api(world.resident).get(f"/claims/{claim.pk}").json()
    assert seen["status"] == "approved"
    assert seen["appeal"]["status"] == "upheld"
    assert seen["appeal"]["note"] == "照片已补, 予以通过"
    assert "claims.appeal.uphold" in [e["action"] for e in seen["history"]]
    assert_error(
        api(second_reviewer).post(decide, {"uphold": True, "note": "again"}), 409, "already_decided"
    )
    assert balance(api, world.resident) == 20


def test_an_appeal_on_the_points_posts_the_difference(world, api, declare, second_reviewer):
    claim = declare()
    api(world.reviewer).post(f"/claims/{claim.pk}/approve")
    api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": "实际服务了3小时"})
    decide = f"/claims/{claim.pk}/appeal/decide"
    assert_error(
        api(second_reviewer).post(decide, {"uphold": True, "note": "ok", "quantity": 2}),
        400,
        "invalid_input",
    )
    response = api(second_reviewer).post(
        decide, {"uphold": True, "note": "签到表为3小时", "quantity": 3}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["points_added"], response.json()["quantity"]) == (10, 3)
    assert balance(api, world.resident) == 30
    assert api(world.resident).get(f"/claims/{claim.pk}").json()["points"] == 30


def test_a_dismissed_appeal_moves_nothing(world, api, declare, second_reviewer):
    claim = declare()
    api(world.reviewer).post(f"/claims/{claim.pk}/reject", {"reason": "重复申报"})
    api(world.resident).post(f"/claims/{claim.pk}/appeal", {"reason": "不是重复"})
    response = api(second_reviewer).post(
        f"/claims/{claim.pk}/appeal/decide", {"uphold": False, "note": "同日已有相同申报"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed"
    assert not Transfer.objects.exists()
    assert Claim.objects.get().status == Status.REJECTED


def test_a_pending_claim_or_a_late_appeal_is_refused(world, api, declare):
    pending = declare()
    assert_error(
        api(world.resident).post(f"/claims/{pending.pk}/appeal", {"reason": "x"}),
        409,
        "not_appealable",
    )
    late = declare()
    api(world.reviewer).post(f"/claims/{late.pk}/reject", {"reason": "不符合"})
    Claim.objects.filter(pk=late.pk).update(decided_at=timezone.now() - timedelta(days=31))
    assert_error(
        api(world.resident).post(f"/claims/{late.pk}/appeal", {"reason": "x"}),
        409,
        "appeal_window_closed",
    )
    assert not Appeal.objects.exists()
    assert_error(
        api(world.reviewer).post(
            f"/claims/{pending.pk}/appeal/decide", {"uphold": True, "note": "x"}
        ),
        404,
        "not_found",
    )


def test_an_approved_claim_found_false_is_revoked(world, api, declare):
    claim = declare()
    api(world.reviewer).post(f"/claims/{claim.pk}/approve")
    assert balance(api, world.resident) == 20
    before = written()
    assert_error(
        api(world.resident).post(f"/claims/{claim.pk}/revoke", {"reason": "x"}), 403, "forbidden"
    )
    assert_error(
        api(world.staff).post(f"/claims/{claim.pk}/revoke", {"reason": "x"}), 403, "forbidden"
    )
    assert_error(
        api(world.other_staff).post(f"/claims/{claim.pk}/revoke", {"reason": "x"}), 404, "not_found"
    )
    assert_error(
        api(world.reviewer).post(f"/claims/{claim.pk}/revoke", {"reason": ""}), 400, "invalid_input"
    )
    assert written() == before
    response = api(world.reviewer).post(f"/claims/{claim.pk}/revoke", {"reason": "核实为虚报"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reason"]) == ("revoked", "核实为虚报")
    assert balance(api, world.resident) == 0
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1
    assert_error(
        api(world.reviewer).post(f"/claims/{claim.pk}/revoke", {"reason": "again"}),
        409,
        "not_approved",
    )


def test_points_already_spent_cannot_be_revoked(world, api, declare):
    claim = declare()
    api(world.reviewer).post(f"/claims/{claim.pk}/approve")
    spend(world.resident, 15)
    before = written()
    response = api(world.county_admin).post(f"/claims/{claim.pk}/revoke", {"reason": "虚报"})
    assert_error(response, 409, "points_spent")
    assert written() == before
    assert Claim.objects.get().status == Status.APPROVED
    assert balance(api, world.resident) == 5


# --- Language and the document ------------------------------------------------------------


def test_messages_are_english_when_asked(world, api, items, declare):
    client = api(world.resident, language="en")
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    error = assert_error(
        client.post("/claims", body(items, timezone.localdate(), occurred_on=future)),
        400,
        "future_date",
    )
    assert error["message"] == "The service date cannot be in the future."
    error = assert_error(client.get("/claims"), 403, "forbidden")
    assert error["message"] == (
        "Your role does not allow you to see the claims of the community here."
    )
    own = declare(person=world.reviewer)
    error = assert_error(
        api(world.reviewer, language="en").post(f"/claims/{own.pk}/approve"), 409, "self_review"
    )
    assert error["message"].startswith("You cannot review a claim of your own")


def test_the_openapi_document_lists_the_claims_paths(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, method in (
        ("/api/v1/claims", "get"),
        ("/api/v1/claims", "post"),
        ("/api/v1/me/claims", "get"),
        ("/api/v1/claims/{claim_id}", "get"),
        ("/api/v1/claims/{claim_id}/photos", "post"),
        ("/api/v1/claims/approve", "post"),
        ("/api/v1/claims/{claim_id}/approve", "post"),
        ("/api/v1/claims/{claim_id}/reject", "post"),
        ("/api/v1/claims/{claim_id}/appeal", "post"),
        ("/api/v1/claims/{claim_id}/appeal/decide", "post"),
        ("/api/v1/claims/{claim_id}/revoke", "post"),
    ):
        assert method in paths[path], (path, method)
