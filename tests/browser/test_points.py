"""The ledger as people use it: 我的积分 on a phone, point items and adjustments at a desk."""

from playwright.sync_api import expect

from jifen.points import selectors, services
from jifen.points.models import Adjustment, AdjustmentStatus, RuleVersion
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World


def test_a_resident_reads_their_points_and_what_each_was_for_on_a_phone(
    world: World, phone, screenshot
) -> None:
    version = services.save_rule_item(
        actor=None,
        region=world.wenchang,
        code="clean",
        name="楼道清扫",
        category="环境卫生",
        unit="hour",
        points=10,
    )
    services.award_points(
        person=world.resident,
        amount=20,
        key="b1",
        actor=None,
        rule_version=version,
        memo="江滨花园3栋楼道清扫 2 小时",
    )
    log_in(phone, world.resident.phone)
    expect(phone.locator("main .big-number").first).to_contain_text("20")
    phone.locator("main a.button[href='/points/']").click()
    expect(phone.locator("main h1")).to_have_text(zh("My points"))
    expect(phone.locator(".entry").first).to_contain_text("楼道清扫")
    expect(phone.locator(".entry .amount").first).to_have_text("+20")
    screenshot(phone, "my-points-phone")
    assert_fits(phone)


def test_staff_add_a_point_item_then_raise_its_points(world: World, desktop, screenshot) -> None:
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/rules/")
    expect(desktop.locator("table .empty").first).to_be_visible()

    def save(points: str, note: str) -> None:
        desktop.locator("#id_code").fill("patrol")
        desktop.locator("#id_name").fill("平安巡逻")
        desktop.locator("#id_category").fill("平安巡逻")
        desktop.locator("#id_unit").select_option("hour")
        desktop.locator("#id_points").fill(points)
        desktop.locator("#id_note").fill(note)
        desktop.locator("main form button.primary").click()
        desktop.wait_for_load_state()

    save("10", "")
    save("20", "夜间巡逻难度大")
    expect(desktop.locator("main table").first).to_contain_text("平安巡逻")
    expect(desktop.locator("main table").first).to_contain_text("v2")
    expect(desktop.locator("main")).to_contain_text("夜间巡逻难度大")
    screenshot(desktop, "rules-desktop")
    assert list(RuleVersion.objects.order_by("version").values_list("points", flat=True)) == [
        10,
        20,
    ]


def test_an_adjustment_is_asked_by_one_staff_member_and_approved_by_another(
    world: World, browser, live_server, screenshot
) -> None:
    from tests.browser.helpers import DESKTOP

    asker = browser.new_context(base_url=live_server.url, **DESKTOP).new_page()
    log_in(asker, world.staff.phone)
    asker.goto(f"/console/people/{world.resident.pk}/statement/")
    asker.locator("#id_amount").fill("12")
    asker.locator("#id_reason").fill("纸质台账补录")
    asker.locator("form.row-form button").click()
    asker.wait_for_load_state()
    assert Adjustment.objects.get().status == AdjustmentStatus.PENDING
    assert selectors.balance_of(world.resident).balance == 0

    approver = browser.new_context(base_url=live_server.url, **DESKTOP).new_page()
    approver.on("dialog", lambda dialog: dialog.accept())
    log_in(approver, world.town_admin.phone)
    approver.goto("/console/points/?community=350524100001")
    expect(approver.locator("main")).to_contain_text("纸质台账补录")
    screenshot(approver, "adjustment-pending")
    approver.locator("button[name=decision][value=approve]").click()
    approver.wait_for_load_state()
    assert Adjustment.objects.get().status == AdjustmentStatus.POSTED
    assert selectors.balance_of(world.resident).balance == 12

    asker.goto(f"/console/people/{world.resident.pk}/statement/")
    expect(asker.locator("main table")).to_contain_text("+12")
    with asker.expect_download() as download:
        asker.locator("button[name=format][value=xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    asker.context.close()
    approver.context.close()
