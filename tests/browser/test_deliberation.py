"""议事协商 as people live it: staff put a building's matter to its residents; two
residents vote on 360 px phones (one changes their mind); the poll closes at its time
(``jifen tick``) and its result shows on their phones and on the public page; a
meeting's decision shows its follow-up actions' progress publicly, and staff moving an
action forward moves its bar."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.deliberation import services
from jifen.deliberation.models import Matter, MeetingKind, Status, Tier, Vote
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.deliberation.conftest import Block, make_block


@pytest.fixture
def block(world) -> Block:
    """3栋 of 江滨花园, its three households, the 业委会 and the 物业 with their contacts."""
    return make_block(world)


def _vote(page: Any, matter: Matter, choice: str) -> None:
    page.goto("/deliberations/")
    page.locator(f"[data-matter='{matter.pk}'] a.button").click()
    page.locator(f"button[data-choice='{choice}']").click()
    page.wait_for_load_state()
    expect(page.locator("[data-my-choice]")).to_have_attribute("data-my-choice", choice)


def test_residents_vote_on_a_building_poll_and_see_its_result_after_it_closes(
    world, block, browser, live_server, screenshot
):
    staff = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/deliberations/new/")
    staff.locator("#id_region").select_option(block.building.code)
    staff.locator("input[name=tier][value=simple]").check()
    staff.locator("#id_title").fill("3栋楼道加装声控灯")
    staff.locator("#id_description").fill("楼道太暗，老人夜里上下楼不安全。")
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    matter = Matter.objects.get()
    closes = timezone.localtime() + timedelta(hours=2)
    staff.locator("#id_poll-closes_at").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    staff.locator("#poll button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-results-hidden]")).to_be_visible()
    matter.refresh_from_db()
    assert matter.status == Status.VOTING

    first = browser_page(browser, live_server, PHONE)
    log_in(first, block.residents[0].phone)
    _vote(first, matter, "disagree")
    _vote(first, matter, "agree")  # changed their mind
    assert_fits(first)
    screenshot(first, "deliberation-phone-vote")
    second = browser_page(browser, live_server, PHONE)
    log_in(second, block.residents[1].phone)
    _vote(second, matter, "agree")
    # Nobody sees a count before the close, not even staff.
    expect(second.locator("[data-results]")).to_have_count(0)
    staff.reload()
    expect(staff.locator("[data-results]")).to_have_count(0)
    assert Vote.objects.filter(matter=matter).count() == 2

    # The clock: jifen tick closes the poll at its time.
    assert services.close_due(timezone.now() + timedelta(hours=3)) == 1
    first.reload()
    results = first.locator("[data-results]")
    expect(results).to_have_attribute("data-agree", "2")
    expect(results).to_have_attribute("data-electorate", "3")
    expect(results).to_have_attribute("data-quorum-met", "true")
    expect(first.locator("button[data-choice]")).to_have_count(0)
    assert_fits(first)
    screenshot(first, "deliberation-phone-result")
    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/deliberations/{matter.pk}/")
    expect(public.locator("[data-results]")).to_have_attribute("data-turnout", "2")
    assert_fits(public)


def test_a_meetings_decision_shows_its_actions_progress_publicly(
    world, block, browser, live_server, screenshot
):
    matter = services.create_matter(
        actor=world.staff,
        region=world.wenchang,
        tier=Tier.MAJOR,
        title="老旧小区加装电梯",
        organizations=[block.owners, block.property_co],
    )
    services.call_meeting(
        actor=world.staff,
        matter=matter,
        kind=MeetingKind.JOINT,
        at=timezone.now() - timedelta(hours=2),
        place="社区党群服务中心",
        agenda="加装电梯方案与费用分摊",
    )
    services.record_meeting(
        actor=world.staff, matter=matter, minutes="各方同意加装。", residents_present=18
    )
    services.decide(actor=world.staff, matter=matter, decision="加装电梯，费用按楼层分摊")
    today = timezone.localdate()
    design = services.add_action(
        actor=world.staff,
        matter=matter,
        title="设计方案公示",
        due_on=today + timedelta(days=20),
        owner_organization=block.property_co,
    )
    services.add_action(
        actor=world.staff,
        matter=matter,
        title="申请加装补贴",
        due_on=today + timedelta(days=60),
        owner_person=world.staff,
    )
    services.report_progress(actor=block.property_contact, action=design, percent=40, note="已出图")

    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/deliberations/{matter.pk}/")
    expect(public.locator("[data-decision]")).to_contain_text("加装电梯")
    bar = public.locator(f"[data-action='{design.pk}']")
    expect(bar).to_have_attribute("data-percent", "40")
    expect(bar.locator("progress")).to_have_attribute("value", "40")
    expect(public.locator("[data-action]")).to_have_count(2)
    # The staff member's name is masked on the public page.
    expect(public.locator("main")).not_to_contain_text(world.staff.name)
    assert_fits(public)
    screenshot(public, "deliberation-public-actions")

    staff = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto(f"/console/deliberations/{matter.pk}/")
    screenshot(staff, "deliberation-console-detail")
    form = staff.locator(f"[data-action='{design.pk}'] form")
    form.locator("input[name=progress-percent]").fill("75")
    form.locator("input[name=progress-note]").fill("公示期满")
    form.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    public.reload()
    expect(public.locator(f"[data-action='{design.pk}']")).to_have_attribute("data-percent", "75")
    big = browser_page(
        browser, live_server, {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}
    )
    big.goto(f"/public/deliberations/{matter.pk}/")
    expect(big.locator("progress")).to_have_count(2)


def test_staff_walk_every_tier_on_a_desktop_with_confirmations(
    world, block, browser, live_server, screenshot
):
    """Staff open a matter from a resident's private message (its words are not copied),
    put an urgent one to the parties, escalate it to a meeting, call and record the
    meeting, decide, add an action, and withdraw a third matter — each irreversible step
    asks first, and a dismissed question writes nothing."""
    from jifen.messages import services as messages

    topic = messages.ensure_topics(world.wenchang)[0].code
    private = messages.write(
        actor=world.resident,
        region=world.wenchang,
        topic=topic,
        body="我是王秀梅，电话13912345678，地库夜里积水",
        public=False,
    )
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    staff = context.new_page()  # answers each "are you sure?" as told below
    log_in(staff, world.staff.phone)
    questions: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    staff.on("dialog", on_dialog)
    staff.goto(f"/console/deliberations/new/?message={private.pk}")
    expect(staff.locator("[data-private-source]")).to_be_visible()
    expect(staff.locator("#id_description")).to_have_value("")
    # Each tier's radio sits beside its words, on its own row.
    radio = staff.locator("input[name=tier][value=urgent]").bounding_box()
    words = staff.locator("label[for=id_tier_1] span").bounding_box()
    assert radio and words and abs(radio["y"] - words["y"]) < 20 and words["x"] > radio["x"]
    screenshot(staff, "deliberation-console-new-from-message")
    staff.locator("input[name=tier][value=urgent]").check()
    staff.locator("#id_title").fill("暴雨夜地库积水，车辆临时停放")
    staff.locator(f"input[name=organizations][value='{block.owners.pk}']").check()
    staff.locator(f"input[name=organizations][value='{block.property_co.pk}']").check()
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    urgent = Matter.objects.get(tier=Tier.URGENT)
    assert urgent.message_id == private.pk and "13912345678" not in urgent.description

    # Escalate: asked first; dismissing it writes nothing.
    staff.locator("#escalate button[type=submit]").click()
    staff.wait_for_load_state()
    urgent.refresh_from_db()
    assert urgent.tier == Tier.URGENT and questions
    answer["accept"] = True
    staff.locator("#escalate textarea").fill("业委会与物业意见分歧，提交会议")
    staff.locator("#escalate button[type=submit]").click()
    staff.wait_for_load_state()
    urgent.refresh_from_db()
    assert urgent.tier == Tier.MAJOR and urgent.status == Status.OPEN

    # Call the meeting (an hour ago, so that its minutes can be recorded now).
    at = timezone.localtime() - timedelta(hours=1)
    staff.locator("#id_meeting-kind").select_option("joint")
    staff.locator("#id_meeting-at").fill(at.strftime("%Y-%m-%dT%H:%M"))
    staff.locator("#id_meeting-place").fill("社区党群服务中心")
    staff.locator("#id_meeting-agenda").fill("地库排水与临时停车")
    staff.locator("#meeting-call button[type=submit]").click()
    staff.wait_for_load_state()
    urgent.refresh_from_db()
    assert urgent.status == Status.MEETING
    expect(staff.locator(".parties")).to_have_count(1)
    staff.locator("#id_minutes-minutes").fill("物业加装排水泵；暴雨夜车辆停到学校操场。")
    staff.locator("#minutes input[name=minutes-attended]").first.check()
    staff.locator("#id_minutes-residents_present").fill("12")
    staff.locator("#minutes button[type=submit]").click()
    staff.wait_for_load_state()
    staff.locator("#id_decide-decision").fill("物业两周内加装排水泵")
    staff.locator("#decide button[type=submit]").click()
    staff.wait_for_load_state()
    urgent.refresh_from_db()
    assert urgent.status == Status.DECIDED and urgent.residents_present == 12
    staff.locator("#id_action-title").fill("加装排水泵")
    staff.locator("#id_action-owner_organization").select_option(str(block.property_co.pk))
    staff.locator("#id_action-due_on").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    staff.locator("#action button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-action]")).to_have_count(1)
    assert_fits(staff)
    screenshot(staff, "deliberation-console-decided")

    # Withdraw a simple matter, behind its question.
    simple = services.create_matter(
        actor=world.staff, region=block.building, tier=Tier.SIMPLE, title="3栋门口装快递柜"
    )
    staff.goto(f"/console/deliberations/{simple.pk}/")
    staff.locator("#id_cancel-reason").fill("已由物业统一安排")
    before = len(questions)
    staff.locator("#cancel button[type=submit]").click()
    staff.wait_for_load_state()
    assert len(questions) == before + 1
    simple.refresh_from_db()
    assert simple.status == Status.CANCELLED
    expect(staff.locator("[data-withdrawn]")).to_contain_text("已由物业统一安排")


def test_on_a_phone_a_non_voter_is_told_why_and_an_owner_reports_progress(
    world, block, browser, live_server, screenshot
):
    poll = services.create_matter(
        actor=world.staff, region=block.building, tier=Tier.SIMPLE, title="3栋楼道加装声控灯"
    )
    services.open_poll(
        actor=world.staff, matter=poll, closes_at=timezone.now() + timedelta(hours=5)
    )
    outsider = browser_page(browser, live_server, PHONE)
    log_in(outsider, block.outsider.phone)
    outsider.goto(f"/deliberations/{poll.pk}/")
    expect(outsider.locator("[data-not-voter]")).to_contain_text(block.building.name)
    expect(outsider.locator("button[data-choice]")).to_have_count(0)
    assert_fits(outsider)

    meeting = services.create_matter(
        actor=world.staff, region=world.wenchang, tier=Tier.MAJOR, title="老旧小区加装电梯"
    )
    services.call_meeting(
        actor=world.staff,
        matter=meeting,
        kind=MeetingKind.HALL,
        at=timezone.now() - timedelta(hours=1),
        place="社区议事厅",
        agenda="加装电梯",
    )
    services.record_meeting(actor=world.staff, matter=meeting, minutes="同意加装")
    services.decide(actor=world.staff, matter=meeting, decision="加装电梯")
    action = services.add_action(
        actor=world.staff,
        matter=meeting,
        title="设计方案公示",
        due_on=timezone.localdate() + timedelta(days=20),
        owner_organization=block.property_co,
    )
    owner = browser_page(browser, live_server, PHONE)
    log_in(owner, block.property_contact.phone)
    owner.goto(f"/deliberations/{meeting.pk}/")
    form = owner.locator(f"[data-action='{action.pk}'] [data-progress-form]")
    form.locator("input[name=progress-percent]").fill("60")
    form.locator("input[name=progress-note]").fill("已出图，公示中")
    assert_fits(owner)
    form.locator("button[type=submit]").click()
    owner.wait_for_load_state()
    expect(owner.locator(f"[data-action='{action.pk}']")).to_have_attribute("data-percent", "60")
    screenshot(owner, "deliberation-phone-owner-progress")
    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/deliberations/{meeting.pk}/")
    expect(public.locator(f"[data-action='{action.pk}'] progress")).to_have_attribute("value", "60")
    expect(public.locator("[data-progress-form]")).to_have_count(0)
