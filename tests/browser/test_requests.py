"""Service requests as people live them: a resident asks on a 360 px phone, the community
publishes it, a volunteer takes it on their phone and reports it done, the resident
confirms with five stars, the review group approves the claim and the points show on the
volunteer's page; and a volunteer fulfils a wish from the public wishes wall."""

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from jifen.claims.models import Claim
from jifen.people.models import Proxy
from jifen.points.services import save_rule_item
from jifen.requests import services
from jifen.requests.models import Kind, ServiceRequest, Status
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in, zh
from tests.conftest import World, make_person


@pytest.fixture
def menu(world: World) -> None:
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="HELP",
        name="为民服务",
        category="邻里互助",
        unit="time",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item
    for code, name, group, kind in (
        ("REPAIR", "家电维修", "生活帮扶", Kind.REQUEST),
        ("ESCORT", "陪同就医", "助老助残", Kind.REQUEST),
        ("WISH", "微心愿", "微心愿", Kind.WISH),
    ):
        services.save_menu_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            group=group,
            rule_item=item,
            points=10,
            max_points=30,
            kind=kind,
        )


def browser_page(browser: Any, live_server: Any, device: dict[str, Any]) -> Any:
    """Another person's browser; they say yes to every 'are you sure?'."""
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_request_from_a_phone_to_the_volunteers_points(
    world: World, menu, browser, live_server, screenshot
) -> None:
    volunteer = make_person(world.wenchang, "周志愿")

    # (1) The resident asks on a 360 px phone: a service, one sentence, send.
    resident = browser_page(browser, live_server, PHONE)
    log_in(resident, world.resident.phone)
    resident.goto("/requests/new/")
    expect(resident.locator("main h1")).to_have_text(zh("Ask for help"))
    assert_fits(resident)
    resident.locator("#id_category").select_option("REPAIR")
    resident.locator("#id_title").fill("电饭煲坏了，按键没反应")
    resident.locator("details.more summary").click()
    resident.locator("#id_address").fill("江滨花园 3 栋 201")
    screenshot(resident, "request-new-phone")
    assert_fits(resident)
    resident.locator("main form button[type=submit].primary").click()
    resident.wait_for_load_state()
    request = ServiceRequest.objects.get()
    assert (request.status, request.requester_id) == (Status.SUBMITTED, world.resident.pk)
    expect(resident.locator("main h1")).to_have_text("电饭煲坏了，按键没反应")
    expect(resident.locator("ol.progress [aria-current=step]")).to_have_text(
        str(Status.SUBMITTED.label)
    )
    screenshot(resident, "request-detail-submitted-phone")
    assert_fits(resident)

    # (2) Staff publish it. Called directly: the console's pages are tested on their own.
    services.publish(actor=world.staff, request=request, points=12)

    # (3) A volunteer finds it among 可接的单 on their phone — without the address — and
    # takes it; the address shows once it is theirs; they report it done.
    helper = browser_page(browser, live_server, PHONE)
    log_in(helper, volunteer.phone)
    helper.goto("/requests/open/")
    card = helper.locator(".open-card").first
    expect(card).to_contain_text("电饭煲坏了")
    expect(card).to_contain_text("12")
    expect(helper.locator("main")).not_to_contain_text("江滨花园")
    screenshot(helper, "requests-open-phone")
    assert_fits(helper)
    card.locator("button[type=submit]").click()
    helper.wait_for_load_state()
    expect(helper.locator("main .facts .address")).to_have_text("江滨花园 3 栋 201")
    assert_fits(helper)
    helper.goto("/requests/taken/")
    expect(helper.locator(".request-card").first).to_contain_text("江滨花园 3 栋 201")
    helper.locator(".request-card a").first.click()
    helper.locator("#done textarea[name=note]").fill("换了开关，试过能用")
    helper.locator("#done button[type=submit]").click()
    helper.wait_for_load_state()
    request.refresh_from_db()
    assert request.status == Status.DONE and request.assignee_id == volunteer.pk

    # (4) The resident confirms with five stars.
    resident.goto("/requests/?status=done")
    resident.locator(".request-card a").first.click()
    expect(resident.locator("main .facts .helper")).to_have_text(volunteer.name)
    resident.locator("#confirm label.star-choice").first.click()  # ★★★★★
    resident.locator("#confirm textarea[name=comment]").fill("谢谢小周！")
    screenshot(resident, "request-confirm-phone")
    assert_fits(resident)
    resident.locator("#confirm form").first.locator("button[type=submit]").click()
    resident.wait_for_load_state()
    request.refresh_from_db()
    assert (request.status, request.rating) == (Status.COMPLETED, 5)
    expect(resident.locator("ol.timeline li")).to_have_count(5)
    screenshot(resident, "request-completed-phone")

    # (5) The review group approves the volunteer's claim at a desk.
    claim = Claim.objects.get()
    reviewer = browser_page(browser, live_server, DESKTOP)
    log_in(reviewer, world.reviewer.phone)
    reviewer.goto(f"/console/claims/{claim.pk}/")
    reviewer.locator(f"form[action='/console/claims/{claim.pk}/approve/'] button").click()
    reviewer.wait_for_load_state()
    claim.refresh_from_db()
    assert claim.status == "approved"

    # (6) The volunteer's points page shows the entry (为居民点单服务：… once the
    # translations are merged; the title and the points either way).
    helper.goto("/points/")
    entries = helper.locator("main")
    expect(entries).to_contain_text("电饭煲坏了")
    expect(entries).to_contain_text("12")
    screenshot(helper, "request-points-phone")


def test_a_volunteer_fulfils_a_wish_from_the_wall(
    world: World, menu, browser, live_server, screenshot
) -> None:
    wish = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="WISH",
        kind=Kind.WISH,
        title="想要一副老花镜",
        address="江滨花园 3 栋 201",
    )
    services.publish(actor=world.staff, request=wish)
    volunteer = make_person(world.wenchang, "郑好心")

    # Anyone sees the wall: masked name, no address, nothing to take.
    wall = f"/wishes/{world.wenchang.code}/"
    visitor = browser_page(browser, live_server, PHONE)
    visitor.goto(wall)
    expect(visitor.locator(".wish-open")).to_contain_text("想要一副老花镜")
    expect(visitor.locator(".wish-open")).to_contain_text("王*英")
    expect(visitor.locator("main")).not_to_contain_text("江滨花园")
    expect(visitor.locator(".wish-open button")).to_have_count(0)
    assert_fits(visitor)

    # A big screen shows the three lists side by side.
    screen = browser_page(
        browser, live_server, {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}
    )
    screen.goto(wall)
    boxes = [s.bounding_box() for s in screen.locator(".wall-section").all()]
    assert len({round(b["y"]) for b in boxes}) == 1  # one row
    screenshot(screen, "wishes-wall-1920")

    # A volunteer logged in on a phone takes it from the wall.
    phone = browser_page(browser, live_server, PHONE)
    log_in(phone, volunteer.phone)
    phone.goto(wall)
    screenshot(phone, "wishes-wall-phone")
    assert_fits(phone)
    phone.locator(".wish-open button[type=submit]").click()
    phone.wait_for_load_state()
    wish.refresh_from_db()
    assert (wish.status, wish.assignee_id) == (Status.ASSIGNED, volunteer.pk)
    expect(phone.locator("main .facts .address")).to_have_text("江滨花园 3 栋 201")
    phone.goto(wall)
    expect(phone.locator(".wish-underway")).to_contain_text("想要一副老花镜")


def test_a_proxy_switches_whom_it_is_for_without_losing_the_words(
    world: World, menu, browser, live_server, screenshot
) -> None:
    daughter = make_person(world.wenchang, "杜荣军")
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    page = browser_page(browser, live_server, PHONE)
    log_in(page, daughter.phone)
    page.goto("/requests/wish/")
    # A wish: no service to choose (the one wish line is chosen), a sentence and send.
    expect(page.locator("select#id_category")).to_have_count(0)
    expect(page.locator("label[for=id_for]")).to_contain_text(zh("Make the wish for"))
    page.locator("#id_title").fill("想要一副老花镜")
    url = page.url
    page.locator("#id_for").select_option(str(world.resident.pk))
    page.wait_for_timeout(300)
    assert page.url == url  # no reload
    expect(page.locator("#id_title")).to_have_value("想要一副老花镜")
    screenshot(page, "request-wish-proxy-phone")
    assert_fits(page)
    page.locator("main form button[type=submit].primary").click()
    page.wait_for_load_state()
    wish = ServiceRequest.objects.get()
    assert (wish.kind, wish.requester_id, wish.entered_by_id) == (
        Kind.WISH,
        world.resident.pk,
        daughter.pk,
    )


def test_the_helper_calls_the_resident_and_the_progress_is_true(
    world: World, menu, browser, live_server, screenshot
) -> None:
    request = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="门锁坏了"
    )
    services.publish(actor=world.staff, request=request)
    volunteer = make_person(world.wenchang, "周志愿")
    services.accept(actor=volunteer, request=request)
    page = browser_page(browser, live_server, PHONE)
    log_in(page, volunteer.phone)
    page.goto(f"/requests/{request.pk}/")
    call = page.locator(f"main a[href='tel:{world.resident.phone}']")
    expect(call).to_be_visible()
    expect(page.locator("main .facts .address")).to_have_text(
        zh("No address given: please phone the resident.")
    )
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44
    assert_fits(page)
    screenshot(page, "request-helper-call-phone")
    colours = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('ol.progress li')]
             .map(li => [li.className, getComputedStyle(li).color]))"""
    )
    reached = colours["stage-done status-submitted"]
    assert colours["stage-done status-open"] == reached
    # 待确认 has not happened: it looks like the stages ahead, not like those reached.
    assert colours["stage-later status-done"] == colours["stage-later status-completed"]
    assert colours["stage-later status-done"] != reached
    assert colours["stage-now status-assigned"] not in (reached, colours["stage-later status-done"])
    page.goto("/requests/taken/")
    expect(page.locator(f".request-card a[href='tel:{world.resident.phone}']")).to_be_visible()
    assert_fits(page)


def test_the_big_screen_shows_the_wishes_being_fulfilled(
    world: World, menu, browser, live_server, screenshot
) -> None:
    volunteer = make_person(world.wenchang, "郑好心")

    def wish(title: str):  # type: ignore[no-untyped-def]
        made = services.submit_request(
            actor=world.resident,
            community=world.wenchang,
            category="WISH",
            kind=Kind.WISH,
            title=title,
        )
        return services.publish(actor=world.staff, request=made)

    wish("想要一副老花镜")
    long = wish("想请志愿者每周陪我去江滨公园散步聊天，顺便教我用智能手机和孙子视频通话")
    services.accept(actor=volunteer, request=long)
    done = wish("想有人陪下棋")
    services.accept(actor=volunteer, request=done)
    services.mark_done(actor=volunteer, request=done)
    services.confirm(actor=world.resident, request=done, rating=5)
    screen = browser_page(
        browser, live_server, {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}
    )
    screen.goto(f"/kiosk/{world.wenchang.code}/?turn=3")
    panel = screen.locator(".kiosk-panel[data-panel='wishes']")
    expect(panel).to_have_class(re.compile(r"\bis-active\b"), timeout=20_000)
    screen.wait_for_function(
        "() => getComputedStyle(document.querySelector('.kiosk-panel.is-active')).opacity === '1'"
    )
    underway = panel.locator("[data-wishes=underway]")
    expect(underway).to_contain_text("想请志愿者")
    boxes = [s.bounding_box() for s in panel.locator("[data-wishes]").all()]
    assert len(boxes) == 3 and len({round(b["y"]) for b in boxes}) == 1  # side by side
    title = underway.locator(".title").first
    lines = title.evaluate(
        "el => Math.round(el.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert lines == 2  # a long wish wraps to two lines, not one cut short nor five
    found = screen.evaluate(
        """() => ({w: document.documentElement.scrollWidth,
                  h: document.documentElement.scrollHeight,
                  tiny: [...document.querySelectorAll('.kiosk-panel.is-active *')]
                    .filter(el => el.getClientRects().length
                      && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                    .filter(el => parseFloat(getComputedStyle(el).fontSize) < 32)
                    .map(el => el.className)})"""
    )
    assert found["w"] <= 1920 and found["h"] <= 1080 and not found["tiny"], found
    screenshot(screen, "kiosk-wishes-1920")
