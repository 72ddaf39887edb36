"""留言 as people live it: a resident writes to the community on a 360 px phone; nobody
answers in time, so the staff answer late (the console shows the working days over);
the resident reads the answer on the phone and rates it with stars. The board shows it
without login, the writer's name masked."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jifen.messages import services
from jifen.messages.models import Message, Status
from jifen.requests.services import save_menu_item
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.conftest import World
from tests.incidents.conftest import grids  # noqa: F401 - incident categories, shared
from tests.messages.conftest import desk as messages_desk  # noqa: F401 - a fixture


@pytest.fixture
def desk(request: Any) -> Any:
    """An inspector over the town, the town's staff, the county's default topics."""
    return request.getfixturevalue("messages_desk")


def page_for(browser: Any, live_server: Any, device: dict[str, Any]) -> Any:
    """A person's own browser; they say yes to every 'are you sure?'."""
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_message_answered_late_and_rated(
    world: World, desk, browser, live_server, screenshot
) -> None:
    # (1) The resident writes on a 360 px phone: a topic, the words, public.
    resident = page_for(browser, live_server, PHONE)
    log_in(resident, world.resident.phone)
    resident.goto("/messages/")
    assert_fits(resident)
    resident.locator("#write-message").click()
    resident.wait_for_load_state()
    expect(resident.locator("#id_region")).to_have_value(world.wenchang.code)
    resident.locator("#id_topic").select_option("sanitation")
    resident.locator("#id_body").fill("小区门口垃圾桶三天没清运，气味很大")
    assert_fits(resident)
    screenshot(resident, "message-write-phone")
    resident.locator("#send-message").click()
    resident.wait_for_load_state()
    message = Message.objects.get()
    assert message.author_id == world.resident.pk and message.public
    expect(resident.locator("#message [data-due]")).to_be_visible()
    assert_fits(resident)

    # (2) Nobody answers in time: the deadline passed (the clock moved on).
    past = timezone.now() - timedelta(days=3)
    Message.objects.filter(pk=message.pk).update(due_at=past, first_due_at=past)

    # (3) Staff see it overdue in the console and answer it, late.
    staff = page_for(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/messages/?overdue=on")
    row = staff.locator(f"tr[data-message='{message.pk}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-late]")).to_be_visible()
    row.locator("a.button").click()
    staff.wait_for_load_state()
    expect(staff.locator(".banner[data-late]")).to_be_visible()
    staff.locator("#id_reply-body").fill("已联系环卫站，今天下午清运完毕。")
    staff.locator("#reply-form button[type=submit]").click()
    staff.wait_for_load_state()
    message.refresh_from_db()
    assert message.status == Status.ANSWERED
    assert message.first_answered_at > message.first_due_at  # late
    expect(staff.locator("[data-answered-late]")).to_be_visible()
    screenshot(staff, "message-console-answered-late")

    # (4) The resident reads the answer on the phone and rates it: four stars, resolved.
    resident.goto(f"/messages/{message.pk}/")
    expect(resident.locator("#answers [data-reply]")).to_contain_text("今天下午清运完毕")
    assert_fits(resident)
    resident.locator("#rate label.star-choice").nth(1).click()  # ★★★★
    screenshot(resident, "message-rate-phone")
    resident.locator("#rate button[type=submit]").click()
    resident.wait_for_load_state()
    message.refresh_from_db()
    assert (message.status, message.rating) == (Status.CLOSED, 4)
    expect(resident.locator("#rate")).to_have_count(0)
    expect(resident.locator("#message [data-rating='4']")).to_be_visible()

    # (5) The board, without login, on a phone: the answer, the writer masked.
    visitor = page_for(browser, live_server, PHONE)
    visitor.goto(f"/messages/board/{world.wenchang.code}/")
    card = visitor.locator(f"li[data-message='{message.pk}']")
    expect(card.locator("[data-author]")).to_have_text("王*英")
    expect(card.locator("[data-reply]")).to_contain_text("今天下午清运完毕")
    assert "王淑英" not in visitor.content()
    assert_fits(visitor)


BIG_SCREEN = {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}


def _jpeg(path: Any) -> str:
    target = path / "door.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "gray").save(buffer, "JPEG")
    target.write_bytes(buffer.getvalue())
    return str(target)


def test_private_message_walked_by_everyone(
    world: World, desk, request, browser, live_server, screenshot, tmp_path
) -> None:
    places = request.getfixturevalue("grids")
    save_menu_item(
        actor=None,
        region=world.county,
        code="clean",
        name="清洁服务",
        group="生活服务",
        rule_item=places.report_item,
        points=2,
    )
    # (1) The resident finds 我的留言 on their home page and writes, privately, with a photo.
    resident = page_for(browser, live_server, PHONE)
    log_in(resident, world.resident.phone)
    resident.goto("/")
    resident.locator("main a[href='/messages/']").first.click()
    resident.wait_for_load_state()
    expect(resident.locator("main .empty-state")).to_be_visible()  # nothing yet
    screenshot(resident, "walk-mine-empty-phone")
    resident.locator("#write-message").click()
    resident.wait_for_load_state()
    resident.locator("#id_topic").select_option("property")
    resident.locator("#id_body").fill("物业把消防通道锁上了，电动车没地方停，请尽快处理。")
    resident.locator("input[name=public][value='0']").check(force=True)
    resident.locator("#id_photos_camera").set_input_files(_jpeg(tmp_path))
    assert_fits(resident)
    screenshot(resident, "walk-write-phone")
    resident.locator("#send-message").click()
    resident.wait_for_load_state()
    message = Message.objects.get()
    assert not message.public and message.photos.count() == 1
    expect(resident.locator("#message img")).to_have_count(1)
    assert_fits(resident)
    screenshot(resident, "walk-written-phone")

    # (2) The board shows nothing of it, on a phone and on a big screen.
    for device, name in ((PHONE, "phone"), (BIG_SCREEN, "big")):
        visitor = page_for(browser, live_server, device)
        visitor.goto(f"/messages/board/{world.town.code}/")
        expect(visitor.locator("#board .empty-state")).to_be_visible()
        assert "消防通道" not in visitor.content()
        assert_fits(visitor)
        screenshot(visitor, f"walk-board-empty-{name}")
        visitor.context.close()

    # (3) Staff filter the queue, answer, make an incident and a request (asked first).
    staff = page_for(browser, live_server, DESKTOP)
    asked: list[str] = []
    staff.on("dialog", lambda dialog: asked.append(dialog.message))
    log_in(staff, world.staff.phone)
    staff.goto("/console/messages/")
    staff.locator("#id_topic").select_option("property")
    staff.locator("form.filters button[type=submit], main form[method=get] button").first.click()
    staff.wait_for_load_state()
    row = staff.locator(f"tr[data-message='{message.pk}']")
    expect(row).to_be_visible()
    screenshot(staff, "walk-console-queue")
    row.locator("a.button").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-phone]")).to_contain_text(world.resident.phone)  # their own
    staff.locator("#id_reply-body").fill("已联系物业，今天打开消防通道。")
    staff.locator("#reply-form button[type=submit]").click()
    staff.wait_for_load_state()
    staff.locator("#id_incident-category").select_option("HJWS")
    staff.locator("#incident form button[type=submit]").click()
    staff.wait_for_load_state()
    staff.locator("#id_request-category").select_option("clean")
    staff.locator("#request form button[type=submit]").click()
    staff.wait_for_load_state()
    message.refresh_from_db()
    assert message.status == Status.ANSWERED
    assert message.incident_id and message.service_request_id
    assert len(asked) == 3  # each step asked first
    expect(staff.locator(f"[data-incident='{message.incident_id}']")).to_be_visible()
    expect(staff.locator(f"[data-request='{message.service_request_id}']")).to_be_visible()
    screenshot(staff, "walk-console-linked")

    # (4) The resident reads the answer and says, once, with two stars: not resolved.
    resident.goto(f"/messages/{message.pk}/")
    resident.locator("#rate label.star-choice").nth(3).click()  # ★★
    resident.locator("input[name=resolved][value='0']").check(force=True)
    assert_fits(resident)
    screenshot(resident, "walk-not-resolved-phone")
    resident.locator("#rate button[type=submit]").click()
    resident.wait_for_load_state()
    message.refresh_from_db()
    assert (message.status, message.rating) == (Status.REOPENED, 2)
    expect(resident.locator("#rate")).to_have_count(0)
    expect(resident.locator("#message [data-due]")).to_be_visible()

    # (5) Staff answer again; the resident can no longer say "not resolved".
    services.reply(actor=world.staff, message=message, body="消防通道已打开。")
    resident.goto(f"/messages/{message.pk}/")
    expect(resident.locator("input[name=resolved][value='0']")).to_have_count(0)
    screenshot(resident, "walk-second-answer-phone")

    # (6) The inspector reads the private message, its history, and no form.
    inspector = page_for(browser, live_server, DESKTOP)
    log_in(inspector, desk.inspector.phone)
    inspector.goto(f"/console/messages/{message.pk}/")
    expect(inspector.locator("#message, main")).to_contain_text("消防通道")
    expect(inspector.locator("main form[method=post]")).to_have_count(0)
    screenshot(inspector, "walk-inspector")

    # (7) Answered, it is the resident's to close: staff are offered no close; the
    # resident rates the second answer, which closes it.
    staff.goto(f"/console/messages/{message.pk}/")
    expect(staff.locator("#close")).to_have_count(0)
    resident.goto(f"/messages/{message.pk}/")
    resident.locator("#rate label.star-choice").nth(0).click()
    resident.locator("#rate button[type=submit]").click()
    resident.wait_for_load_state()
    message.refresh_from_db()
    assert message.status == Status.CLOSED
    assert len(asked) == 3
    resident.goto("/messages/?show=closed")
    expect(resident.locator(f"[data-message='{message.pk}']")).to_be_visible()
    screenshot(resident, "walk-closed-phone")
