"""每月一公示 as people do it: community staff draft last month at a desk, a member of the
review group publishes and seals it and sees the seal, and a resident opens the verify
page on a phone and sees their own entries check out against it."""

from typing import Any

from playwright.sync_api import expect

from jifen.publicity import services
from jifen.publicity.models import Announcement, ObjectionStatus, Status
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in, zh
from tests.publicity.conftest import Month, book, last_month, months  # noqa: F401 - fixtures


def new_page(browser: Any, live_server: Any, device: dict[str, Any]) -> Any:
    """Another person's browser; they say yes to every question, and we note each."""
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.questions = []

    def answer(dialog: Any) -> None:
        page.questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return page


def test_staff_draft_a_reviewer_publishes_and_a_resident_verifies(
    last_month: Month,  # noqa: F811 - the fixture imported above
    browser,
    live_server,
    screenshot,
) -> None:
    world = last_month.world

    # Staff: 每月公示 in the menu, draft last month.
    staff = new_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/")
    staff.locator(".sidebar a[href='/console/announcements/']").click()
    expect(staff.locator("main h1")).to_have_text(zh("Monthly announcements"))
    staff.locator("main a[href='/console/announcements/new/']").click()
    expect(staff.locator("#id_month")).to_have_value(last_month.month)
    staff.locator("#id_community").select_option(world.wenchang.code)
    staff.locator("main form button.primary").click()
    staff.wait_for_load_state()
    announcement = Announcement.objects.get()
    assert announcement.status == Status.DRAFT and announcement.drafted_by == world.staff
    expect(staff.locator("main .badge").first).to_have_text(zh("draft"))
    expect(staff.locator("#lines table")).to_contain_text("欧**梅")
    expect(staff.locator("#lines table")).to_contain_text("-15")
    expect(staff.locator("form[action$='/publish/']")).to_have_count(0)
    screenshot(staff, "publicity-draft-review-desktop")

    # The review group: publish and seal, after a warning that it cannot be undone.
    reviewer = new_page(browser, live_server, DESKTOP)
    log_in(reviewer, world.reviewer.phone)
    reviewer.goto("/console/announcements/")
    expect(reviewer.locator("main table")).to_contain_text(last_month.month)
    reviewer.locator(f"main a[href='/console/announcements/{announcement.pk}/']").first.click()
    reviewer.locator("form[action$='/publish/'] button").click()
    reviewer.wait_for_load_state()
    assert len(reviewer.questions) == 1 and last_month.month in reviewer.questions[0]
    announcement.refresh_from_db()
    assert announcement.status == Status.PUBLISHED and announcement.seal
    seal_box = reviewer.locator("#seal")
    expect(seal_box.locator("[data-root]")).to_have_text(announcement.root)
    expect(seal_box.locator("[data-seal]")).to_have_text(announcement.seal)
    expect(seal_box).to_contain_text(announcement.published_at.astimezone().strftime("%Y"))
    screenshot(reviewer, "publicity-published-seal-desktop")

    # A resident, on a phone: the verify page lists their sealed month; it checks out.
    phone = new_page(browser, live_server, PHONE)
    log_in(phone, world.resident.phone)
    phone.goto("/verify/")
    phone.locator(f"main a[href='?announcement={announcement.pk}']").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-verdict=ok]")).to_be_visible()
    entries = phone.locator("[data-entry]")
    expect(entries).to_have_count(2)
    expect(entries.first.locator(".check-ok")).to_be_visible()
    expect(entries.first).to_contain_text("+20")
    expect(entries.nth(1)).to_contain_text("-15")
    expect(phone.locator("#result")).to_contain_text(announcement.seal)
    expect(phone.locator(f"a[href='/verify/proof/{announcement.pk}.json']")).to_be_visible()
    screenshot(phone, "publicity-verify-phone")
    assert_fits(phone)

    # Someone else, not logged in, uploads a changed proof file: it is caught.
    stranger = new_page(browser, live_server, PHONE)
    document = phone.locator("#id_document").input_value()
    stranger.goto("/verify/")
    forged = document.replace(',20,\\"award\\"', ',200,\\"award\\"')
    assert forged != document
    stranger.locator("#id_proof").set_input_files(
        files=[{"name": "proof.json", "mimeType": "application/json", "buffer": forged.encode()}]
    )
    stranger.locator("#upload form button.primary").click()
    stranger.wait_for_load_state()
    expect(stranger.locator("[data-verdict=failed]")).to_be_visible()
    expect(stranger.locator("[data-entry] .check-bad")).to_have_count(1)
    # The file kept the published seal, but its changed entry does not lead to it: no tick.
    expect(stranger.locator("[data-seal=unreached]")).to_be_visible()
    expect(stranger.locator(".seal-lines .check-ok")).to_have_count(0)
    screenshot(stranger, "publicity-verify-forged-phone")
    assert_fits(stranger)


def test_staff_answer_an_objection_from_the_list_of_months(
    last_month: Month,  # noqa: F811 - the fixture imported above
    browser,
    live_server,
    screenshot,
) -> None:
    world = last_month.world
    drafted = services.draft(actor=None, community=world.wenchang, month=last_month.month)
    published = services.publish(actor=world.reviewer, announcement=drafted)
    objection = services.object_to(
        actor=world.resident,
        announcement=published,
        text="10 月 3 日我清扫了 3 小时，公示写的是 2 小时。",
        transfer_id=last_month.transfers[0].pk,
    )
    staff = new_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/announcements/")
    row = staff.locator("main table tbody tr").first
    expect(row).to_contain_text(last_month.month)
    expect(row.locator("a[href$='/objections/?status=open']")).to_have_text("1")
    screenshot(staff, "publicity-months-desktop")
    row.locator("a[href$='/objections/?status=open']").click()
    card = staff.locator(f"#objection-{objection.pk}")
    expect(card).to_contain_text("公示写的是 2 小时")
    card.locator("textarea").fill("已核对签到记录，确为 3 小时；已补记 10 分，计入本月。")
    card.locator("button.primary").click()
    staff.wait_for_load_state()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED and objection.answered_by == world.staff
    expect(staff.locator(f"#objection-{objection.pk}")).to_contain_text("已补记 10 分")
    screenshot(staff, "publicity-objections-desktop")

    phone = new_page(browser, live_server, PHONE)
    log_in(phone, world.staff.phone)
    phone.goto(f"/console/announcements/{published.pk}/")
    expect(phone.locator("#seal [data-seal]")).to_have_text(published.seal)
    screenshot(phone, "publicity-published-seal-phone")
    assert_fits(phone)
