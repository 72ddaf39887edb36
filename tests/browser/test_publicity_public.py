"""The public pages as people see them: a resident reads the month's 公示 on a 360 px
phone without logging in; the community's big screen at 1920 × 1080 turns through its
panels, picks up new points by itself, and keeps its content when the network goes."""

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.lib.masking import mask_name
from jifen.publicity.selectors import public_name
from jifen.publicity.views.public import LINES_PER_PAGE
from tests.browser.helpers import assert_fits
from tests.browser.test_activities import _activity
from tests.conftest import World, make_person
from tests.publicity.public_data import award, published_month

SCREEN = {
    "viewport": {"width": 1920, "height": 1080},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
# Text on the big screen must be read from three metres.
MIN_KIOSK_PX = 32
MIN_NAME_PX = 56


def test_a_resident_reads_the_months_announcement_on_a_phone(
    world: World, phone, screenshot
) -> None:
    month = published_month(world, extra_lines=LINES_PER_PAGE)
    announcement = month.announcement
    phone.goto(f"/public/{world.wenchang.code}/")
    expect(phone.locator("main h1")).to_contain_text(world.wenchang.name)
    expect(phone.locator(".pub-ranking").first).to_contain_text(mask_name(world.resident.name))
    screenshot(phone, "public-community-phone")
    assert_fits(phone)

    phone.locator(f"a[href='/public/announcements/{announcement.pk}/']").first.click()
    expect(phone.locator("main h1")).to_contain_text(month.month)
    lines = phone.locator("ul.pub-lines li.entry")
    expect(lines).to_have_count(LINES_PER_PAGE)
    shy = month.shy
    expect(phone.locator("ul.pub-lines")).to_contain_text(
        public_name(shy.name, False, shy.volunteer_no)
    )
    expect(phone.locator("ul.pub-lines")).to_contain_text("欧**梅")
    body = phone.locator("main").inner_text()
    for person in month.people:
        assert person.phone not in body
        assert person.name not in body
    seal = phone.locator(".pub-seal")
    expect(seal).to_contain_text(announcement.seal)
    expect(seal).to_contain_text(announcement.root)
    verify = seal.locator("a.button.primary")
    assert f"announcement={announcement.pk}" in (verify.get_attribute("href") or "")
    screenshot(phone, "public-announcement-phone")
    assert_fits(phone)
    # Long hashes wrap inside the screen instead of widening it.
    box = seal.locator(".hash").first.bounding_box()
    assert box and box["x"] + box["width"] <= 360

    phone.locator("nav.pager a").last.click()
    phone.wait_for_load_state()
    expect(lines).to_have_count(announcement.totals["entries"] - LINES_PER_PAGE)
    assert_fits(phone)

    phone.goto(f"/public/{world.wenchang.code}/rankings/?period=month&month={month.month}")
    expect(phone.locator(".pub-ranking li").first).to_contain_text(
        public_name(shy.name, False, shy.volunteer_no)
    )
    screenshot(phone, "public-rankings-phone")
    assert_fits(phone)


def _kiosk_check(page: Any) -> dict[str, Any]:
    """What could make the screen unreadable from three metres, or scroll."""
    return page.evaluate(
        """([minText, minName]) => {
          const visible = el => el.getClientRects().length
            && getComputedStyle(el).visibility !== 'hidden';
          const texts = [...document.body.querySelectorAll('*')].filter(visible)
            .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
          const size = el => parseFloat(getComputedStyle(el).fontSize);
          return {
            scrollHeight: document.documentElement.scrollHeight,
            scrollWidth: document.documentElement.scrollWidth,
            height: window.innerHeight, width: window.innerWidth,
            tiny: texts.filter(el => size(el) < minText).map(el => el.className + ' ' + size(el)),
            smallNames: [...document.querySelectorAll('.kiosk-panel.is-active .name')]
              .filter(visible).filter(el => size(el) < minName).map(el => size(el)),
            active: [...document.querySelectorAll('.kiosk-panel.is-active')]
              .map(el => el.dataset.panel),
          };
        }""",
        [MIN_KIOSK_PX, MIN_NAME_PX],
    )


def _assert_readable(page: Any) -> str:
    # The panel fades in; judge (and photograph) it once it has.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.kiosk-panel.is-active')).opacity === '1'"
    )
    found = _kiosk_check(page)
    assert found["scrollHeight"] <= found["height"], found
    assert found["scrollWidth"] <= found["width"], found
    assert not found["tiny"], found
    assert not found["smallNames"], found
    assert len(found["active"]) == 1, found
    return str(found["active"][0])


def test_the_big_screen_turns_refreshes_and_survives_losing_the_network(
    world: World, browser, live_server, screenshot
) -> None:
    published_month(world)
    # A full board this month: ten people, two columns of five.
    names = ["司马相如", "张伟", "李秀英", "王芳", "刘德华", "陈静", "杨洋", "赵敏", "周杰"]
    for n, name in enumerate(names):
        award(
            make_person(world.wenchang, name), 200 - n * 15, timezone.now() - timedelta(minutes=1)
        )
    for days, title in (
        (1, "重阳节慰问独居老人"),
        (2, "江滨花园楼道清扫与小广告清理志愿服务"),
        (4, "义诊"),
    ):
        _activity(world, title, timedelta(days=days, hours=3))
    context = browser.new_context(base_url=live_server.url, **SCREEN)
    context.set_default_timeout(10_000)
    screen = context.new_page()
    screen.goto(f"/kiosk/{world.wenchang.code}/?turn=3&refresh=2")
    panels = screen.locator(".kiosk-panel")
    expect(panels).to_have_count(4)

    # It turns by itself: ranking, 公示, activities, the wishes wall, and round again.
    seen = []
    for name in ("ranking", "announcement", "activities", "wishes"):
        panel = screen.locator(f".kiosk-panel[data-panel='{name}']")
        expect(panel).to_have_class(re.compile(r"\bis-active\b"), timeout=15_000)
        expect(screen.locator(f"[data-dot='{name}']")).to_have_class(re.compile(r"\bis-active\b"))
        seen.append(_assert_readable(screen))
        screenshot(screen, f"kiosk-{name}-1920")
    assert seen == ["ranking", "announcement", "activities", "wishes"]
    ranking = screen.locator(".kiosk-panel[data-panel='ranking']")
    expect(ranking.locator("li")).to_have_count(10)
    expect(ranking).to_contain_text(mask_name(world.resident.name))
    expect(ranking).to_contain_text("司**如")
    activities = screen.locator(".kiosk-panel[data-panel='activities'] li")
    expect(activities).to_have_count(3)
    expect(activities.first).to_contain_text("重阳节慰问独居老人")

    # New points reach the screen without anyone touching it.
    newcomer = make_person(world.wenchang, "黄志强")
    award(newcomer, 500, timezone.now() - timedelta(seconds=1))
    expect(ranking).to_contain_text(mask_name(newcomer.name), timeout=15_000)
    expect(ranking.locator("li").first).to_contain_text("500")

    # The network goes: the screen keeps what it shows and says since when it is offline.
    updated = screen.locator("[data-updated-at]").inner_text()
    screen.route("**/panels/**", lambda route: route.abort())
    offline = screen.locator(".kiosk-offline")
    expect(offline).to_be_visible(timeout=15_000)
    expect(offline).to_contain_text(updated)
    expect(ranking).to_contain_text(mask_name(newcomer.name))
    expect(screen.locator(".kiosk-panel")).to_have_count(4)
    # ... and it goes on turning, readable.
    current = screen.locator(".kiosk-panel.is-active").get_attribute("data-panel")
    expect(screen.locator(".kiosk-panel.is-active")).not_to_have_attribute(
        "data-panel", current or "", timeout=15_000
    )
    expect(ranking).to_have_class(re.compile(r"\bis-active\b"), timeout=15_000)
    _assert_readable(screen)
    screenshot(screen, "kiosk-offline-1920")

    # The network is back: the mark goes at the next fetch.
    screen.unroute("**/panels/**")
    expect(offline).to_be_hidden(timeout=15_000)
    expect(screen.locator(".kiosk-updated")).to_be_visible()
    context.close()
