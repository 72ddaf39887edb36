"""Editing activities as people do it (issue 13): staff change a published activity on a
desktop and those signed up are told; a reviewer sends a filing back with comments and
staff see them, fix the filing and submit it again; the audit log names what happened in
words, not codes."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.activities import services
from jifen.activities.models import Activity, Status
from jifen.audit import labels
from jifen.audit.models import AuditEvent
from jifen.lib.notify import MemoryBackend
from jifen.points.services import save_rule_item
from tests.browser.helpers import DESKTOP, assert_fits, log_in, zh
from tests.conftest import World


def _filed(world: World, title: str) -> Activity:
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="环境卫生",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item
    starts = timezone.now() + timedelta(days=3)
    return services.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title=title,
        rule_item_id=item.pk,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=20,
        place="江滨花园3栋楼下",
    )


def _browser(browser: Any, live_server: Any) -> Any:
    """Another person's desktop browser; they say yes to every confirmation."""
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_staff_edit_a_published_activity_on_a_desktop(world: World, desktop, screenshot) -> None:
    activity = _filed(world, "江滨花园楼道清扫")
    services.approve_activity(actor=world.reviewer, activity=activity)
    services.sign_up(actor=world.resident, activity=activity)
    MemoryBackend.outbox.clear()
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/activities/{activity.pk}/")
    desktop.locator(f"a[href='/console/activities/{activity.pk}/edit/']").click()
    expect(desktop.locator("main h1")).to_have_text(zh("Edit the activity"))
    expect(desktop.locator("#id_community")).to_be_disabled()
    desktop.locator("#id_place").fill("文昌社区活动中心")
    desktop.locator("#id_capacity").fill("30")
    screenshot(desktop, "activity-edit-desktop")
    desktop.locator("main form button[type=submit]").click()
    desktop.wait_for_load_state()
    expect(desktop.locator(".messages")).to_contain_text(
        zh("The activity is changed; everyone signed up is told.")
    )
    expect(desktop.locator("main")).to_contain_text("文昌社区活动中心")
    # The page's history says what changed, in words.
    expect(desktop.locator(".activity-history")).to_contain_text(
        "江滨花园3栋楼下 → 文昌社区活动中心"
    )
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.place, stored.capacity) == ("文昌社区活动中心", 30)
    event = AuditEvent.objects.get(action="activity.update")
    assert event.before == {"place": "江滨花园3栋楼下", "capacity": 20}
    assert [m.person for m in MemoryBackend.outbox] == [world.resident]

    # The audit log names it in words, with before → after.
    desktop.locator("a[href='/console/audit/']").first.click()
    row = desktop.locator("table.audit tbody tr").first
    expect(row.locator(".audit-action")).to_have_text(zh(str(labels.ACTIONS["activity.update"])))
    expect(row).to_contain_text("江滨花园3栋楼下 → 文昌社区活动中心")
    expect(desktop.locator("table.audit")).not_to_contain_text("activity.update")
    expect(desktop.locator("table.audit")).not_to_contain_text("{'")
    screenshot(desktop, "audit-log-in-words-desktop")


def test_a_reviewer_sends_a_filing_back_and_staff_see_the_comment(
    world: World, browser, live_server, screenshot
) -> None:
    activity = _filed(world, "重阳节探访独居老人")
    services.submit_activity(actor=world.staff, activity=activity)
    reviewer = _browser(browser, live_server)
    log_in(reviewer, world.reviewer.phone)
    reviewer.goto(f"/console/activities/{activity.pk}/")
    reviewer.locator("#id_comment").fill("请写明集合时间和安全注意事项。")
    reviewer.locator("form.send-back-form button[type=submit]").click()
    reviewer.wait_for_load_state()
    expect(reviewer.locator(".messages")).to_contain_text(
        zh("The filing is sent back to staff with your comments.")
    )
    assert Activity.objects.get(pk=activity.pk).status == Status.RETURNED

    staff = _browser(browser, live_server)
    log_in(staff, world.staff.phone)
    staff.goto(f"/console/activities/{activity.pk}/")
    box = staff.locator("section.review-comment")
    expect(box).to_contain_text("请写明集合时间和安全注意事项。")
    expect(box).to_contain_text(world.reviewer.name)
    screenshot(staff, "activity-sent-back-desktop")
    assert_fits(staff)
    staff.locator(f"a[href='/console/activities/{activity.pk}/edit/']").click()
    expect(staff.locator(".review-comment")).to_contain_text("请写明集合时间和安全注意事项。")
    staff.locator("#id_risk_notes").fill("上午9点在社区门口集合；天雨路滑，注意安全。")
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    staff.locator(f"form[action='/console/activities/{activity.pk}/submit/'] button").click()
    staff.wait_for_load_state()
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.status == Status.SUBMITTED
    assert stored.risk_notes.startswith("上午9点")
    assert AuditEvent.objects.filter(action="activity.resubmit", actor=world.staff).exists()

    reviewer.goto(f"/console/activities/{activity.pk}/")
    expect(reviewer.locator("main")).to_contain_text("上午9点在社区门口集合")
    reviewer.locator(f"form[action='/console/activities/{activity.pk}/approve/'] button").click()
    reviewer.wait_for_load_state()
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


def test_the_edit_and_audit_pages_fit_a_phone(world: World, phone, screenshot) -> None:
    activity = _filed(world, "江滨花园楼道清扫")
    services.submit_activity(actor=world.staff, activity=activity)
    services.return_activity(actor=world.reviewer, activity=activity, comment="请补充安全预案。")
    log_in(phone, world.staff.phone)
    phone.goto(f"/console/activities/{activity.pk}/edit/")
    expect(phone.locator(".review-comment")).to_contain_text("请补充安全预案。")
    screenshot(phone, "activity-edit-returned-phone")
    assert_fits(phone)
    phone.goto("/console/audit/")
    expect(phone.locator("table.audit")).to_contain_text(zh(str(labels.ACTIONS["activity.return"])))
    expect(phone.locator("table.audit")).to_contain_text("请补充安全预案。")
    screenshot(phone, "audit-log-phone")
    assert_fits(phone)
