"""站内消息 as a resident meets it: the review group decides her claim at a desk, and on
her phone the bell in the header says 1; she opens 我的消息, follows the notice to her
claim, and the bell no longer counts it. Then "mark all read" clears a second one."""

import re
from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from jifen.claims import services as claims
from jifen.notices.models import Notice
from jifen.points.services import save_rule_item
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World


def _decided_claim(world: World, reject: bool = False):
    item = save_rule_item(
        actor=None,
        region=world.wenchang,
        code="CLEAN",
        name="楼道清扫",
        category="环境卫生",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item
    claim = claims.declare_service(
        actor=world.resident,
        person=world.resident,
        rule_item_id=item.pk,
        quantity=2,
        occurred_on=timezone.localdate() - timedelta(days=1),
        description="清理江滨花园3栋楼道",
    )
    if reject:
        return claims.reject_claim(claim=claim, reviewer=world.reviewer, reason="没有照片")
    return claims.approve_claim(claim=claim, reviewer=world.reviewer)


def test_a_resident_reads_the_notice_of_her_decided_claim_on_a_phone(
    phone, world: World, screenshot
) -> None:
    claim = _decided_claim(world)
    notice = Notice.objects.get(person=world.resident)

    log_in(phone, world.resident.phone)
    bell = phone.locator("header .notice-bell")
    expect(bell.locator(".bell-count")).to_have_text("1")
    screenshot(phone, "notices-bell-phone")
    assert_fits(phone)

    bell.click()
    expect(phone).to_have_url(re.compile(r"/me/notices/$"))
    expect(phone.locator("main h1")).to_have_text(zh("My notices"))
    card = phone.locator("main .notice-card.is-unread")
    expect(card).to_have_count(1)
    expect(card.locator(".notice-title")).to_have_text(notice.title)
    expect(card).to_contain_text("20")
    screenshot(phone, "notices-list-phone")
    assert_fits(phone)

    card.locator("a.notice-link").click()
    expect(phone).to_have_url(re.compile(rf"/claims/{claim.pk}/$"))
    expect(phone.locator("header .notice-bell .bell-count")).to_have_count(0)
    notice.refresh_from_db()
    assert notice.read_at is not None

    # Back on the list the notice reads as read, and nothing is left under 未读.
    phone.goto("/me/notices/")
    expect(phone.locator("main .notice-card.is-read")).to_have_count(1)
    phone.goto("/me/notices/?show=unread")
    expect(phone.locator("main .empty-state")).to_be_visible()
    assert_fits(phone)


def test_mark_all_read_clears_the_bell(phone, world: World) -> None:
    _decided_claim(world, reject=True)
    _decided_claim(world)
    log_in(phone, world.resident.phone)
    expect(phone.locator("header .bell-count")).to_have_text("2")
    phone.goto("/me/notices/")
    expect(phone.locator("main .notice-card.is-unread")).to_have_count(2)
    # Newest first: the approval on top, the rejection with its reason below.
    expect(phone.locator("main .notice-card").last).to_contain_text("没有照片")
    phone.locator("main form[action='/me/notices/read-all/'] button").click()
    expect(phone).to_have_url(re.compile(r"/me/notices/$"))
    expect(phone.locator("header .bell-count")).to_have_count(0)
    expect(phone.locator("main .notice-card.is-read")).to_have_count(2)
    assert not Notice.objects.filter(person=world.resident, read_at__isnull=True).exists()
    assert_fits(phone)
