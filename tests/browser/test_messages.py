"""留言 as people live it: a resident writes to the community on a 360 px phone; nobody
answers in time, so the staff answer late (the console shows the working days over);
the resident reads the answer on the phone and rates it with stars. The board shows it
without login, the writer's name masked."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.messages.models import Message, Status
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.conftest import World
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
