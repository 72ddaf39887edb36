"""Activities as people use them: a volunteer signs up on a 360 px phone; the organiser's
rotating QR code checks a volunteer in from a second phone; staff type a paper sheet and
the live board shows it."""

import re
import time
from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone
from playwright.sync_api import expect

from jifen.activities import services, tokens
from jifen.activities.models import Activity, Attendance, Method, Signup, SignupStatus
from jifen.points.services import save_rule_item
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in, open_menu, zh
from tests.conftest import PASSWORD, World, make_person


def _activity(world: World, title: str, starts_in: timedelta, hours: int = 2) -> Activity:
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
    starts = timezone.now() + starts_in
    ahead = timezone.now() + timedelta(days=1)
    activity = services.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title=title,
        rule_item_id=item.pk,
        starts_at=max(starts, ahead),
        ends_at=max(starts, ahead) + timedelta(hours=hours),
        capacity=20,
        place="江滨花园3栋楼下",
        description="清扫楼道、清理小广告。请穿方便活动的衣服。",
    )
    services.approve_activity(actor=world.reviewer, activity=activity)
    # Filed ahead of time (a window already over is refused), then moved to the test's time.
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=starts, ends_at=starts + timedelta(hours=hours)
    )
    return Activity.objects.get(pk=activity.pk)


def test_a_volunteer_finds_an_activity_on_a_phone_and_signs_up(
    world: World, phone, screenshot
) -> None:
    activity = _activity(world, "江滨花园楼道清扫", timedelta(days=2))
    log_in(phone, world.resident.phone)
    open_menu(phone)
    phone.locator("header nav a[href='/activities/']").click()
    expect(phone.locator("main h1")).to_have_text(zh("Volunteer activities"))
    card = phone.locator("article.activity-card", has_text=activity.title)
    expect(card).to_contain_text(zh("%(n)s points per hour") % {"n": 10})
    expect(card).to_contain_text("江滨花园3栋楼下")
    screenshot(phone, "activities-find-phone")
    assert_fits(phone)

    card.locator("a.button").click()
    expect(phone.locator("main h1")).to_have_text(activity.title)
    phone.locator("form button.huge").click()
    phone.wait_for_load_state()
    expect(phone.locator(".messages")).to_contain_text(zh("You are signed up. See you there!"))
    screenshot(phone, "activities-detail-signed-up-phone")
    assert_fits(phone)
    assert Signup.objects.get(person=world.resident).status == SignupStatus.CONFIRMED

    open_menu(phone)
    phone.locator("header nav a[href='/activities/mine/']").click()
    expect(phone.locator("main")).to_contain_text(activity.title)
    expect(phone.locator("main")).to_contain_text(zh("I am signed up"))
    screenshot(phone, "activities-mine-phone")
    assert_fits(phone)


def test_the_organisers_qr_screen_checks_a_volunteer_in_from_another_phone(
    world: World, browser, live_server, desktop, screenshot
) -> None:
    activity = _activity(world, "文昌社区义诊服务", timedelta(minutes=-10))
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/activities/{activity.pk}/")
    desktop.locator(f"a[href='/console/activities/{activity.pk}/qr/']").click()
    qr = desktop.locator("#qr")
    expect(qr.locator("svg")).to_be_visible()
    expect(qr.locator("[data-countdown]")).to_be_visible()
    url = qr.get_attribute("data-checkin-url")
    assert url and url.startswith(f"{live_server.url}/activities/{activity.pk}/checkin/?t=")
    link = qr.locator(".qr-link a")
    expect(link).to_have_text(zh("Cannot scan? Open this link"))
    assert link.get_attribute("href") == url
    box = qr.locator("svg").bounding_box()
    assert box and box["width"] >= 400, box  # readable from the back of the room
    screenshot(desktop, "activities-qr-screen-desktop")

    # The volunteer's phone opens the code's URL, logs in, comes back to it and taps 签到.
    volunteer = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    volunteer.goto(url)
    expect(volunteer).to_have_url(re.compile(r"/login/\?next="))
    volunteer.locator("#id_phone").fill(world.resident.phone)
    volunteer.locator("#id_password").fill(PASSWORD)
    volunteer.locator("main form button[type=submit]").click()
    volunteer.wait_for_load_state()
    assert volunteer.url == url
    button = volunteer.locator("form.big-action button.huge")
    expect(button).to_have_text(zh("Check in"))
    screenshot(volunteer, "activities-checkin-phone")
    assert_fits(volunteer)
    button.click()
    volunteer.wait_for_load_state()
    expect(volunteer.locator(".messages")).to_contain_text(
        zh("Checked in. When you leave, scan the code on the screen again to check out.")
    )
    expect(volunteer.locator(".done-mark")).to_be_visible()
    screenshot(volunteer, "activities-checked-in-phone")
    assert_fits(volunteer)
    attendance = Attendance.objects.get(activity=activity, person=world.resident)
    assert attendance.method == Method.QR and attendance.device
    volunteer.context.close()

    # The same screen on the organiser's phone.
    organiser = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    log_in(organiser, world.staff.phone)
    organiser.goto(f"/console/activities/{activity.pk}/qr/")
    expect(organiser.locator("#qr svg")).to_be_visible()
    screenshot(organiser, "activities-qr-screen-phone")
    assert_fits(organiser)
    organiser.context.close()


def test_the_qr_code_turns_by_itself(world: World, desktop, monkeypatch) -> None:
    activity = _activity(world, "平安巡逻", timedelta(minutes=-10))
    # The live server runs in this process: its codes follow a clock the test moves on.
    clock = {"now": time.time()}
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: clock["now"]))
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/activities/{activity.pk}/qr/")
    first = desktop.locator("#qr").get_attribute("data-token")
    desktop.wait_for_timeout(3500)  # a poll or more: the same code, nothing swapped
    expect(desktop.locator("#qr")).to_have_attribute("data-token", first)
    clock["now"] += tokens.PERIOD
    expect(desktop.locator("#qr")).not_to_have_attribute("data-token", first, timeout=6000)
    expect(desktop.locator("#qr svg")).to_be_visible()


def test_staff_enter_a_paper_sheet_and_the_board_shows_it(
    world: World, desktop, screenshot
) -> None:
    desktop.on("dialog", lambda dialog: dialog.accept())
    activity = _activity(world, "周末河道清理", timedelta(hours=-3))
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/activities/{activity.pk}/")
    desktop.locator(f"a[href='/console/activities/{activity.pk}/paper/']").click()
    starts = timezone.localtime(activity.starts_at)
    desktop.locator("#id_who").fill(world.resident.volunteer_no)
    expect(desktop.locator(".who-hint")).to_contain_text(world.resident.name)
    desktop.locator("#id_checkin_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    desktop.locator("#id_checkout_at").fill(
        (starts + timedelta(hours=1, minutes=45)).strftime("%Y-%m-%dT%H:%M")
    )
    desktop.locator("#id_note").fill("签到表第1页第3行")
    desktop.locator("main form button.primary").click()
    desktop.wait_for_load_state()
    expect(desktop.locator(".messages")).to_contain_text(world.resident.name)
    attendance = Attendance.objects.get(activity=activity, person=world.resident)
    assert attendance.method == Method.PAPER

    desktop.locator(f"a[href='/console/activities/{activity.pk}/attendance/']").first.click()
    row = desktop.locator("table.board tbody tr", has_text=world.resident.name)
    expect(row).to_contain_text(zh("Paper sheet"))
    expect(row).to_contain_text("1.5")  # 1 h 45 min, down to the half hour
    expect(desktop.locator("[data-count=checked_in]")).to_have_text("1")

    # The board refreshes by itself: a second line entered elsewhere shows up.
    other = make_person(world.wenchang, "林阿姨")
    services.record_attendance(
        actor=world.staff,
        activity=activity,
        person=other,
        checkin_at=activity.starts_at,
        checkout_at=activity.ends_at,
        note="补录",
    )
    expect(desktop.locator("table.board tbody tr", has_text="林阿姨")).to_be_visible(timeout=8000)
    expect(desktop.locator("[data-count=checked_in]")).to_have_text("2")
    screenshot(desktop, "activities-board-desktop")


def test_a_volunteer_card_prints_from_the_person_page(world: World, browser, live_server) -> None:
    page = browser.new_context(base_url=live_server.url, **DESKTOP).new_page()
    log_in(page, world.staff.phone)
    page.goto(f"/console/people/{world.resident.pk}/")
    link = page.locator(f"a[href='/console/people/{world.resident.pk}/card.pdf']")
    expect(link).to_have_text(zh("Print volunteer card"))
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    page.context.close()


def test_staff_file_an_activity_and_the_items_follow_the_community(
    world: World, desktop, screenshot
) -> None:
    desktop.on("dialog", lambda dialog: dialog.accept())
    _activity(world, "已有的活动", timedelta(days=3))  # makes the county's item
    save_rule_item(
        actor=None,
        region=world.jinyue,
        code="JY",
        name="金悦专项服务",
        category="c",
        unit="time",
        points=5,
    )
    log_in(desktop, world.town_admin.phone)
    desktop.goto("/console/")
    desktop.locator(".sidebar a[href='/console/activities/']").click()
    expect(desktop.locator("main table")).to_contain_text("已有的活动")
    desktop.locator("main a[href='/console/activities/new/']").click()
    expect(desktop.locator("#id_rule_item")).not_to_contain_text("金悦专项服务")
    desktop.locator("#id_community").select_option(world.jinyue.code)
    expect(desktop.locator("#id_rule_item")).to_contain_text("金悦专项服务")
    desktop.locator("#id_title").fill("金悦社区敬老探访")
    desktop.locator("#id_rule_item").select_option(label="金悦专项服务 · 5 / " + zh("per time"))
    desktop.locator("#id_place").fill("金悦社区活动中心")
    starts = timezone.localtime() + timedelta(days=2)
    desktop.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT10:00"))
    desktop.locator("#id_ends_at").fill(starts.strftime("%Y-%m-%dT12:00"))
    desktop.locator("#id_capacity").fill("6")
    screenshot(desktop, "activities-form-desktop")
    desktop.locator("main form button.primary").click()
    desktop.wait_for_load_state()
    activity = Activity.objects.get(title="金悦社区敬老探访")
    assert activity.region == world.jinyue and activity.capacity == 6
    expect(desktop.locator("main h1")).to_contain_text("金悦社区敬老探访")
    desktop.locator(f"form[action='/console/activities/{activity.pk}/approve/'] button").click()
    desktop.wait_for_load_state()
    activity.refresh_from_db()
    assert activity.status == "published"
    screenshot(desktop, "activities-manage-desktop")


def test_the_organiser_checks_a_card_in_on_a_phone(world: World, phone, screenshot) -> None:
    from jifen.activities.cards import card_code

    activity = _activity(world, "文昌社区环境整治", timedelta(minutes=-10))
    log_in(phone, world.staff.phone)
    phone.goto(f"/console/activities/{activity.pk}/scan/")
    # No camera here (plain HTTP, no BarcodeDetector): the code is typed.
    expect(phone.locator("[data-start-camera]")).to_be_hidden()
    phone.locator("#id_code").fill(card_code(world.resident))
    phone.locator("form[data-scan-form] button").click()
    expect(phone.locator("#scan-log li").first).to_contain_text(world.resident.name)
    expect(phone.locator("#id_code")).to_have_value("")
    attendance = Attendance.objects.get(activity=activity, person=world.resident)
    assert attendance.method == Method.CARD
    phone.locator("#id_code").fill("JF1:000000000:forged")
    phone.locator("form[data-scan-form] button").click()
    expect(phone.locator("#scan-log li.failed")).to_have_count(1)
    screenshot(phone, "activities-scan-phone")
    assert_fits(phone)
