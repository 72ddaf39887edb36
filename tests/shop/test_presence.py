"""A merchant takes a resident's points only from a resident who is there (issue 12, §3).

The proof is the code printed under the QR of the resident's volunteer card, or a pay
code (付款码) shown on their phone: ``GET /me/paycode``, at most 120 s, used once. A
merchant's operator naming a resident by id is refused (403); staff at the counter may
(audited). A merchant's new or repriced offer is on the list only once staff approve it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.activities import cards
from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from jifen.people.models import Merchant
from jifen.points.ledger import account_for
from jifen.shop import presence, services
from jifen.shop.models import Item, PayCode, Redemption
from tests.api.conftest import assert_error
from tests.conftest import make_person
from tests.shop.conftest import FUNDS, balance, snapshot, terms

pytestmark = pytest.mark.usefixtures("verified")


def paycode_of(api, person) -> str:
    response = api(person).get("/me/paycode")
    assert response.status_code == 200, response.content
    return response.json()["code"]


def take(api, actor, item, **proof):
    return api(actor).post(
        "/shop/redemptions", {"item": item.pk, "quantity": 1, "hand_over": True, **proof}
    )


# --- The attack as filed, by API ---------------------------------------------------------


def test_a_merchants_operator_naming_a_resident_by_id_is_refused(shop, api, volunteer):
    before = snapshot()
    for person in (volunteer.pk, 999_999):  # existing or not: the same answer
        response = take(api, shop.operator, shop.haircut, person=person)
        assert_error(response, 403, "presence_required")
    assert snapshot() == before
    assert balance(volunteer) == FUNDS


def test_an_operator_of_another_merchant_cannot_take_by_id_either(shop, api, volunteer):
    other = make_person(shop.world.wenchang, "赵店员")
    Merchant.objects.create(region=shop.world.wenchang, name="爱心饭店").operators.add(other)
    before = snapshot()
    response = take(api, other, shop.haircut, person=volunteer.pk)
    assert_error(response, 403, "presence_required")
    assert snapshot() == before


def test_staff_at_the_counter_still_act_by_id_and_it_is_audited(shop, api, volunteer):
    response = take(api, shop.world.staff, shop.rice, person=volunteer.pk)
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="shop.redeem")
    assert event.actor_id == shop.world.staff.pk
    assert event.on_behalf_of_id == volunteer.pk
    assert event.after["proof"] == "staff"


# --- The pay code (付款码) -------------------------------------------------------------------


def test_a_resident_gets_a_pay_code_that_lives_at_most_two_minutes(shop, api, volunteer):
    response = api(volunteer).get("/me/paycode")
    assert response.status_code == 200, response.content
    body = response.json()
    code = body["code"]
    assert len(code) == presence.PAYCODE_DIGITS and code.isdigit()
    assert body["qr"] == f"JFP:{code}"
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timedelta(seconds=100) < expires - timezone.now() <= timedelta(seconds=120)
    # Only a keyed hash is stored, never the code itself.
    stored = PayCode.objects.get(person=volunteer)
    assert code not in stored.digest and len(stored.digest) == 64
    # A fresh code replaces the one shown before.
    again = paycode_of(api, volunteer)
    assert again != code
    assert PayCode.objects.filter(person=volunteer).count() == 1


def test_an_anonymous_caller_gets_no_pay_code(api):
    assert_error(api().get("/me/paycode"), 401, "not_authenticated")


def test_a_merchant_takes_the_points_with_the_pay_code_once(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    response = take(api, shop.operator, shop.haircut, paycode=code)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["status"]) == (volunteer.pk, "fulfilled")
    assert balance(volunteer) == FUNDS - 20
    assert account_for(shop.merchant).balance == 20
    event = AuditEvent.objects.get(action="shop.redeem")
    assert event.after["proof"] == "paycode"
    # Replayed: refused, nothing more taken.
    before = snapshot()
    again = take(api, shop.operator, shop.haircut, paycode=code)
    assert_error(again, 409, "paycode_used")
    assert snapshot() == before


def test_a_typed_pay_code_may_carry_spaces_and_its_qr_prefix(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4))
    assert take(api, shop.operator, shop.haircut, paycode=spaced).status_code == 201
    code = paycode_of(api, volunteer)
    assert take(api, shop.operator, shop.haircut, paycode=f"JFP:{code}").status_code == 201


def test_an_expired_pay_code_is_refused(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    PayCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot()
    assert_error(take(api, shop.operator, shop.haircut, paycode=code), 409, "paycode_expired")
    assert snapshot() == before


def test_a_failed_redemption_leaves_the_pay_code_usable(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    services.set_item_active(actor=shop.operator, item=shop.haircut, active=False)
    assert_error(take(api, shop.operator, shop.haircut, paycode=code), 409, "not_available")
    services.set_item_active(actor=shop.operator, item=shop.haircut, active=True)
    assert take(api, shop.operator, shop.haircut, paycode=code).status_code == 201


def test_the_resident_cannot_use_their_own_pay_code(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    before = snapshot()
    response = api(volunteer).post("/shop/redemptions", {"item": shop.rice.pk, "paycode": code})
    assert_error(response, 403, "forbidden")
    assert snapshot() == before
    # ... and it still works at the merchant afterwards.
    assert take(api, shop.operator, shop.haircut, paycode=code).status_code == 201


def test_another_resident_holding_the_code_cannot_use_it(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    before = snapshot()
    response = api(shop.world.neighbour).post(
        "/shop/redemptions", {"item": shop.haircut.pk, "paycode": code}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_an_operator_takes_a_pay_code_only_for_its_own_offers(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    before = snapshot()
    assert_error(take(api, shop.operator, shop.rice, paycode=code), 403, "forbidden")
    assert snapshot() == before


def test_staff_of_the_holders_community_may_take_a_pay_code_too(shop, api, volunteer):
    code = paycode_of(api, volunteer)
    assert take(api, shop.world.staff, shop.rice, paycode=code).status_code == 201
    code = paycode_of(api, volunteer)
    before = snapshot()
    assert_error(take(api, shop.world.other_staff, shop.rice, paycode=code), 403, "forbidden")
    assert snapshot() == before


def test_a_mistyped_pay_code_is_told_apart_and_guesses_are_throttled(shop, api, volunteer):
    client = api(shop.operator)
    body = {"item": shop.haircut.pk, "hand_over": True}
    # A wrong check digit: a typo, told as such, not counted as a guess.
    code = paycode_of(api, volunteer)
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert_error(
        client.post("/shop/redemptions", {**body, "paycode": typo}), 400, "invalid_paycode"
    )
    assert presence.failures_of(shop.operator) == 0
    # Well-formed guesses: each counted, then held back — even the right code.
    for n in range(presence.FAILURES_ALLOWED):
        guess = presence.with_check_digit(f"{n:015d}")
        response = client.post("/shop/redemptions", {**body, "paycode": guess})
        assert_error(response, 400, "invalid_paycode")
    held = client.post("/shop/redemptions", {**body, "paycode": code})
    assert_error(held, 429, "too_many_attempts")
    assert balance(volunteer) == FUNDS
    # Another operator is not held back by the guesser.
    colleague = make_person(shop.world.wenchang, "钱店员")
    shop.merchant.operators.add(colleague)
    assert take(api, colleague, shop.haircut, paycode=code).status_code == 201


def test_an_operator_cannot_take_points_from_themselves_at_their_own_merchant(shop, api):
    operator = shop.operator
    shop.fund(operator, 100)
    colleague = make_person(shop.world.wenchang, "钱店员")
    shop.merchant.operators.add(colleague)
    before = snapshot()
    response = api(operator).post("/shop/redemptions", {"item": shop.haircut.pk})
    assert_error(response, 403, "own_merchant")
    code = paycode_of(api, operator)
    assert_error(take(api, colleague, shop.haircut, paycode=code), 403, "own_merchant")
    assert snapshot() == before


def test_a_resident_of_another_county_is_served_as_the_offer_allows(shop, api):
    """The offer's reach decides: 文昌's merchant serves 文昌, not 湾美 next town over."""
    stranger = shop.world.stranger
    shop.fund(stranger, 100)
    code = paycode_of(api, stranger)
    before = snapshot()
    assert_error(take(api, shop.operator, shop.haircut, paycode=code), 404, "not_found")
    assert snapshot() == before


# --- The card's printed code -----------------------------------------------------------------


def test_the_printed_card_code_is_typeable_and_names_the_holder(shop, volunteer):
    printed = cards.typed_code(volunteer)
    number, first, second = printed.split(" ")
    assert number == volunteer.volunteer_no
    assert len(first) == len(second) == 4
    assert set(first + second) <= set(cards.TYPED_ALPHABET)
    assert cards.person_from_card(printed) == volunteer
    assert cards.person_from_card(printed.replace(" ", "").lower()) == volunteer
    assert cards.person_from_card(f"{number}-{first}-{second}") == volunteer
    assert cards.person_from_card(cards.card_code(volunteer)) == volunteer  # the QR still
    # The volunteer number alone, or with a made-up signature, names nobody.
    assert cards.person_from_card(number) is None
    forged = first[:-1] + ("2" if first[-1] != "2" else "3")
    assert cards.person_from_card(f"{number} {forged} {second}") is None


def test_a_merchant_takes_the_points_with_the_typed_card_code(shop, api, volunteer):
    response = take(api, shop.operator, shop.haircut, card=cards.typed_code(volunteer))
    assert response.status_code == 201, response.content
    assert balance(volunteer) == FUNDS - 20


def test_a_forged_card_counts_as_a_guess(shop, api, volunteer):
    number = volunteer.volunteer_no
    before = snapshot()
    assert_error(
        take(api, shop.operator, shop.haircut, card=f"{number} 2345 6789"), 400, "invalid_card"
    )
    assert presence.failures_of(shop.operator) == 1
    # A bare volunteer number is a mistake told plainly, not a guess.
    error = assert_error(take(api, shop.operator, shop.haircut, card=number), 400, "invalid_card")
    assert "8" in error["message"]  # it says what else to type
    assert presence.failures_of(shop.operator) == 1
    assert snapshot() == before


# --- The services -------------------------------------------------------------------------------


def test_take_points_needs_a_proof_of_presence(shop, volunteer):
    with pytest.raises(TypeError):
        services.take_points(actor=shop.operator, item=shop.haircut, person=volunteer)  # type: ignore[call-arg]
    proof = presence.identify(actor=shop.operator, card=cards.card_code(volunteer))
    order = services.take_points(actor=shop.operator, item=shop.haircut, presence=proof)
    assert order.status == "fulfilled"
    with pytest.raises(PermissionDenied, match="presence_required"):
        services.redeem(actor=shop.operator, item=shop.haircut, quantity=1, person=volunteer)


def test_a_pay_code_is_consumed_with_the_order_in_one_transaction(shop, volunteer):
    code, _expires = presence.issue_paycode(person=volunteer)
    proof = presence.identify(actor=shop.operator, paycode=code)
    services.take_points(actor=shop.operator, item=shop.haircut, presence=proof)
    with pytest.raises(Conflict, match="paycode_used"):
        services.take_points(actor=shop.operator, item=shop.haircut, presence=proof)
    used = PayCode.objects.get(person=volunteer)
    assert used.used_at is not None and used.used_by_id == shop.operator.pk


def test_tick_prunes_old_pay_codes_and_failures(shop, volunteer):
    presence.issue_paycode(person=volunteer)
    with pytest.raises(InvalidInput):
        presence.identify(actor=shop.operator, paycode=presence.with_check_digit("1" * 15))
    later = timezone.now() + timedelta(days=1)
    assert presence.prune(later) == 2
    assert not PayCode.objects.exists()


def test_throttled_operator_is_told_to_wait(shop, volunteer):
    for n in range(presence.FAILURES_ALLOWED):
        with pytest.raises(InvalidInput):
            presence.identify(actor=shop.operator, paycode=presence.with_check_digit(f"9{n:014d}"))
    with pytest.raises(TooManyAttempts):
        presence.identify(actor=shop.operator, card=cards.card_code(volunteer))


# --- Offers wait for staff's approval --------------------------------------------------------


def test_a_merchants_new_offer_waits_for_staff_approval(shop, api, volunteer):
    response = api(shop.operator).post(
        "/shop/items",
        {"name": "8折餐券", "points": 100, "stock": 10, "merchant": shop.merchant.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["approved"] is False
    item = Item.objects.get(pk=body["id"])
    # Not on the price list, not to be read by the public, not redeemable.
    listed = api().get("/shop/items?community=350524100001").json()["items"]
    assert item.pk not in [row["id"] for row in listed]
    assert api().get(f"/shop/items/{item.pk}").status_code == 404
    code = paycode_of(api, volunteer)
    assert_error(take(api, shop.operator, item, paycode=code), 409, "not_available")
    # Its operator sees it, waiting.
    assert api(shop.operator).get(f"/shop/items/{item.pk}").json()["approved"] is False
    # Neither the operator nor staff elsewhere approve it; staff of its community do.
    assert_error(api(shop.operator).post(f"/shop/items/{item.pk}/approve"), 403, "forbidden")
    assert_error(
        api(shop.world.other_staff).post(f"/shop/items/{item.pk}/approve"), 404, "not_found"
    )
    approved = api(shop.world.staff).post(f"/shop/items/{item.pk}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["approved"] is True
    assert AuditEvent.objects.filter(action="shop.item.approve", target_id=str(item.pk)).exists()
    listed = api().get("/shop/items?community=350524100001").json()["items"]
    assert item.pk in [row["id"] for row in listed]
    assert take(api, shop.operator, item, paycode=code).status_code == 201


def test_a_repriced_offer_goes_back_to_waiting(shop, api):
    client = api(shop.operator)
    path = f"/shop/items/{shop.haircut.pk}"
    response = client.client.patch(
        f"/api/v1{path}",
        data='{"points": 2000}',
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["approved"] is False
    assert not services.on_sale(Item.objects.get(pk=shop.haircut.pk), timezone.localdate())
    # Stock and dates do not change the deal: no new approval needed for them.
    services.approve_item(actor=shop.world.staff, item=shop.haircut)
    services.restock(actor=shop.operator, item=shop.haircut, change=5)
    assert Item.objects.get(pk=shop.haircut.pk).approved_at is not None


def test_staff_approve_only_the_offer_they_saw(shop, api):
    """The merchant reprices between staff opening the offer and approving it: the
    approval names the terms staff saw and is refused, and nothing is approved."""
    staff = api(shop.world.staff)
    offer = services.create_item(
        actor=shop.operator, merchant=shop.merchant, terms=terms(name="8折餐券", points=100)
    )
    seen = staff.get(f"/shop/items/{offer.pk}").json()["terms"]
    services.update_item(actor=shop.operator, item=offer, terms=terms(name="8折餐券", points=900))
    assert_error(
        staff.post(f"/shop/items/{offer.pk}/approve", {"seen": seen}), 409, "offer_changed"
    )
    assert Item.objects.get(pk=offer.pk).approved_at is None
    seen = staff.get(f"/shop/items/{offer.pk}").json()["terms"]
    approved = staff.post(f"/shop/items/{offer.pk}/approve", {"seen": seen})
    assert approved.status_code == 200 and approved.json()["approved"] is True


def test_staff_who_operate_the_merchant_do_not_approve_its_offers(shop):
    shop.merchant.operators.add(shop.world.staff)
    item = services.create_item(actor=shop.world.staff, merchant=shop.merchant, terms=terms())
    assert item.approved_at is None
    with pytest.raises(PermissionDenied, match="forbidden"):
        services.approve_item(actor=shop.world.staff, item=item)
    services.approve_item(actor=shop.county_staff, item=item)


def test_staff_items_are_on_sale_at_once(shop):
    assert shop.rice.approved_at is not None
    assert Redemption.objects.count() == 0
