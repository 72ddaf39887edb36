"""巡察 as an inspector lives it: a resident's message is answered late; the inspector of
the town opens the summary on a desktop, sees it overdue in the totals and on its
village's line, follows the number to the message behind it, searches its words, and
reads it in the staff console — with no form to write anything."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.messages import services
from jifen.messages.models import Message
from jifen.people.models import Role
from tests.browser.helpers import DESKTOP, log_in
from tests.conftest import World, _grant, make_person


def page_for(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_the_inspector_sees_a_late_answer_and_reaches_the_message(
    world: World, browser, live_server, screenshot
) -> None:
    # A resident writes; nobody answers by the deadline; staff answer late.
    written = timezone.now() - timedelta(days=10)
    message = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="sanitation",
        body="小区门口垃圾桶三天没清运，气味很大",
        now=written,
    )
    message.refresh_from_db()
    services.reply(
        actor=world.staff,
        message=message,
        body="已联系环卫站，今天清运完毕。",
        now=message.first_due_at + timedelta(hours=5),
    )
    message.refresh_from_db()
    assert message.first_answered_at > message.first_due_at
    inspector = _grant(make_person(None, "郭巡察"), Role.INSPECTOR, world.town)

    page = page_for(browser, live_server)
    log_in(page, inspector.phone)
    page.goto("/console/inspection/")
    # The summary: one message, overdue, on 文昌's line.
    total = page.locator("#inspection-total")
    expect(total.locator("[data-total]")).to_have_attribute("data-total", "1")
    expect(total.locator("[data-figure='overdue'] dd")).to_have_text("1")
    expect(total.locator("[data-figure='late'] dd")).to_have_text("1")
    village = page.locator(f"table[data-by='area'] tr[data-key='{world.wenchang.code}']")
    expect(village.locator("td[data-figure='overdue']")).to_have_text("1")
    screenshot(page, "inspection-summary-desktop")

    # The number leads to the message behind it.
    village.locator("td[data-figure='overdue'] a").click()
    page.wait_for_load_state()
    row = page.locator(f"#inspection-messages tr[data-message='{message.pk}']")
    expect(row).to_be_visible()
    expect(page.locator("#inspection-messages tbody tr")).to_have_count(1)

    # A search for its words finds it too; words no message holds find nothing.
    page.locator("#id_q").fill("垃圾桶")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(f"tr[data-message='{message.pk}']")).to_be_visible()
    page.locator("#id_q").fill("没有这句话")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#inspection-messages")).to_have_count(0)
    page.go_back()
    page.go_back()
    page.wait_for_load_state()

    # The message itself, in the staff console: read, nothing to write.
    page.locator(f"tr[data-message='{message.pk}'] a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/console/messages/{message.pk}/")
    expect(page.locator("main")).to_contain_text("垃圾桶三天没清运")
    expect(page.locator("main form[method=post]")).to_have_count(0)
    screenshot(page, "inspection-message-desktop")
    assert Message.objects.get(pk=message.pk).status == "answered"
