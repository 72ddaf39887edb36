"""Every caller of the notify backend now keeps a notice for the person it tells: review
decisions and appeals, the reviewers' weekly reminder, a password someone else set,
activity changes, orders cancelled or expired, and an answered objection (异议). Each
notice links to the page it is about, and the backend still hears every message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.activities import services as activities
from jifen.claims import services as claims
from jifen.claims.notices import remind_reviewers
from jifen.notices.models import Notice
from jifen.people import services as people
from jifen.publicity import services as publicity
from jifen.shop import services as shop_services
from jifen.shop.models import Redemption
from tests.conftest import make_person
from tests.shop.fixtures import fund

pytestmark = pytest.mark.django_db


def only_notice(person):
    [notice] = Notice.objects.filter(person=person)
    return notice


def test_an_approved_claim_is_a_notice_linking_to_the_claim(
    world, declare, outbox, django_capture_on_commit_callbacks
):
    claim = declare()
    with django_capture_on_commit_callbacks(execute=True):
        claims.approve_claim(claim=claim, reviewer=world.reviewer)
    notice = only_notice(world.resident)
    assert notice.kind == "claim_approved"
    assert notice.url == f"/claims/{claim.pk}/"
    assert str(claim.pk) in notice.title and "20" in notice.body
    assert [m.person for m in outbox] == [world.resident]
    assert outbox[0].url == notice.url


def test_a_rejected_claim_is_a_notice_with_the_reason(world, declare):
    claim = claims.reject_claim(claim=declare(), reviewer=world.reviewer, reason="没有照片")
    notice = only_notice(world.resident)
    assert notice.kind == "claim_rejected"
    assert "没有照片" in notice.body
    assert notice.url == f"/claims/{claim.pk}/"


def test_a_revoked_claim_is_a_notice(world, declare, second_reviewer):
    claim = claims.approve_claim(claim=declare(), reviewer=world.reviewer)
    claims.revoke_claim(claim=claim, actor=second_reviewer, reason="重复申报")
    kinds = list(
        Notice.objects.filter(person=world.resident).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["claim_approved", "claim_revoked"]


def test_a_decided_appeal_is_a_notice(world, declare, second_reviewer):
    claim = claims.reject_claim(claim=declare(), reviewer=world.reviewer, reason="没有照片")
    claims.appeal_claim(claim=claim, actor=world.resident, reason="照片补上了")
    claims.decide_appeal(claim=claim, reviewer=second_reviewer, uphold=False, note="照片看不清")
    notice = Notice.objects.filter(person=world.resident, kind="appeal_decided").get()
    assert "照片看不清" in notice.body
    assert notice.url == f"/claims/{claim.pk}/"


def test_the_weekly_reminder_is_a_notice_for_each_reviewer(world, declare, outbox):
    declare()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert remind_reviewers(monday) == 3  # 文昌's reviewer, the town's and the county's admins
    reminded = set(Notice.objects.filter(kind="review_reminder").values_list("person", flat=True))
    assert reminded == {world.reviewer.pk, world.town_admin.pk, world.county_admin.pk}
    assert {n.url for n in Notice.objects.filter(kind="review_reminder")} == {"/console/claims/"}
    assert len(outbox) == 3
    assert remind_reviewers(monday) == 0  # once a week: no second notice either
    assert Notice.objects.filter(kind="review_reminder").count() == 3


def test_a_password_set_by_staff_is_a_notice_without_the_password(world):
    people.set_password_by_staff(
        actor=world.staff, person=world.resident, new_password="given-at-desk-7"
    )
    notice = only_notice(world.resident)
    assert notice.kind == "password_reset"
    assert world.staff.name in notice.body
    assert "given-at-desk-7" not in notice.title + notice.body
    assert world.resident.phone not in notice.title + notice.body
    assert notice.url == "/password/"


def _activity(world, items):
    now = timezone.now()
    activity = activities.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title="江滨花园环境整治",
        rule_item_id=items.basic.pk,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        capacity=1,
        place="江滨花园",
    )
    activities.submit_activity(actor=world.staff, activity=activity)
    return activities.approve_activity(actor=world.reviewer, activity=activity)


def test_a_cancelled_activity_is_a_notice_to_everyone_signed_up(world, items):
    activity = _activity(world, items)
    activities.sign_up(actor=world.resident, activity=activity)
    waiting = make_person(world.wenchang, "候补者")
    activities.sign_up(actor=waiting, activity=activity)  # on the waiting list
    activities.cancel_activity(actor=world.staff, activity=activity, reason="台风")
    for person in (world.resident, waiting):
        notice = only_notice(person)
        assert notice.kind == "activity_cancelled"
        assert "台风" in notice.body and "江滨花园环境整治" in notice.title
        assert notice.url == f"/activities/{activity.pk}/"
    assert not Notice.objects.filter(person=world.neighbour).exists()


def test_a_place_that_opens_up_is_a_notice_to_the_first_waiting(world, items):
    activity = _activity(world, items)
    activities.sign_up(actor=world.resident, activity=activity)
    waiting = make_person(world.wenchang, "候补者")
    activities.sign_up(actor=waiting, activity=activity)
    activities.withdraw(actor=world.resident, activity=activity)
    notice = only_notice(waiting)
    assert notice.kind == "activity_place"
    assert notice.url == f"/activities/{activity.pk}/"
    assert not Notice.objects.filter(person=world.resident).exists()


def _order(shop):
    fund(shop.world.resident, 100)
    return shop_services.redeem(
        actor=shop.world.resident, item=shop.rice, quantity=1, person=shop.world.resident
    )


def test_an_order_cancelled_by_staff_is_a_notice_to_the_holder(shop):
    order = _order(shop)
    shop_services.cancel(actor=shop.world.staff, order=order, reason="缺货")
    notice = only_notice(shop.world.resident)
    assert notice.kind == "order_cancelled"
    assert "缺货" in notice.body
    assert notice.url == f"/shop/orders/{order.pk}/"


def test_an_order_the_holder_cancels_is_no_notice(shop):
    order = _order(shop)
    shop_services.cancel(actor=shop.world.resident, order=order)
    assert not Notice.objects.exists()


def test_an_expired_order_is_a_notice(shop):
    order = _order(shop)
    Redemption.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert shop_services.expire_overdue() == 1
    notice = only_notice(shop.world.resident)
    assert notice.kind == "order_expired"
    assert notice.url == f"/shop/orders/{order.pk}/"


def test_an_answered_objection_is_a_notice_to_the_objector(
    last_month, published, outbox, django_capture_on_commit_callbacks
):
    world = last_month.world
    objection = publicity.object_to(actor=world.resident, announcement=published, text="少算了")
    assert not Notice.objects.exists()  # filing one tells nobody
    with django_capture_on_commit_callbacks(execute=True):
        publicity.answer(actor=world.staff, objection=objection, text="已核实，下月更正。")
    notice = only_notice(world.resident)
    assert notice.kind == "objection_answered"
    assert "已核实，下月更正。" in notice.body
    assert last_month.month in notice.title and "文昌社区" in notice.title
    assert notice.url == f"/public/announcements/{published.pk}/object/"
    assert [m.person for m in outbox] == [world.resident]


def test_a_refused_answer_is_no_notice(last_month, published):
    world = last_month.world
    objection = publicity.object_to(actor=world.resident, announcement=published, text="少算了")
    with pytest.raises(Exception):  # noqa: B017 - any refusal: other staff, no text
        publicity.answer(actor=world.other_staff, objection=objection, text="不归我管")
    assert not Notice.objects.exists()
