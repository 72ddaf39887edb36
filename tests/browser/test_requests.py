"""Service requests as people live them: a resident asks on a 360 px phone, the community
publishes it, a volunteer takes it on their phone and reports it done, the resident
confirms with five stars, the review group approves the claim and the points show on the
volunteer's page; and a volunteer fulfils a wish from the public wishes wall."""

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from jifen.claims.models import Claim
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
    for code, name, group in (
        ("REPAIR", "家电维修", "生活帮扶"),
        ("ESCORT", "陪同就医", "助老助残"),
        ("WISH", "微心愿", "微心愿"),
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
