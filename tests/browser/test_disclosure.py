"""村务公开 as people live it: staff publish a lease thread (the notice, then its
contract) and last month's 村级月报 at a desktop; a resident with no login reads them on a
360 px phone — follows the thread from the contract back to the notice and sees the
amounts in yuan. A resident finds 村务公开 from the header, filters by category, opens a
file and an old version, and reads a welfare list with its ID numbers masked, also on a
1920 px screen; staff publish with a file linked to an earlier item, correct it after
confirming, and keep the calendar from its overdue list."""

from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure, Kind
from jifen.lib.months import previous_month
from tests.browser.helpers import assert_fits, log_in, open_menu
from tests.conftest import World
from tests.disclosure.conftest import LEASE_TABLE, PDF, png, upload

ID = "11010519491231002X"


def _publish(page: Any) -> None:
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_staff_publish_a_lease_thread_and_a_report_and_a_resident_reads_them(
    desktop: Any, phone: Any, world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, world.staff.phone)

    # The lease notice, with its table of plots and rents.
    desktop.goto("/console/disclosures/new/")
    desktop.locator("#id_region").select_option(world.wenchang.code)
    desktop.locator("#id_category").select_option("leases")
    desktop.locator("#id_title").fill("东山片土地租赁公告")
    desktop.locator("#id_body").fill("东山片120亩土地公开招租，欢迎报名。")
    desktop.locator("#id_table").fill(
        "地块 | 面积（亩） | 底价（元）\n东山片 | 120 | 36000\n溪边片 | 80 | 24120.5"
    )
    _publish(desktop)
    notice = Disclosure.objects.get(title="东山片土地租赁公告")
    assert desktop.url.endswith(f"/console/disclosures/{notice.pk}/")

    # Its contract, the next item of the thread.
    desktop.locator("[data-continue]").click()
    desktop.wait_for_load_state()
    expect(desktop.locator("#id_follows")).to_have_value(str(notice.pk))
    desktop.locator("#id_category").select_option("contracts")
    desktop.locator("#id_title").fill("东山片土地租赁合同")
    desktop.locator("#id_table").fill("承租方 | 年租金（元）\n某农业合作社 | 38,500.00")
    _publish(desktop)
    contract = Disclosure.objects.get(title="东山片土地租赁合同")
    assert contract.thread_id == notice.pk and contract.table["rows"] == [
        ["某农业合作社", 3_850_000]
    ]

    # Last month's 村级月报; a wrong total is refused first.
    month = previous_month(timezone.localdate().replace(day=1)).strftime("%Y-%m")
    desktop.goto("/console/disclosures/report/")
    desktop.locator("#id_region").select_option(world.wenchang.code)
    desktop.locator("#id_month").fill(month)
    desktop.locator("#id_income_lines").fill("土地租金 38500\n上级补助 1200.50")
    desktop.locator("#id_income_total").fill("39700")
    desktop.locator("#id_expenses_lines").fill("村道修缮 12000")
    desktop.locator("#id_expenses_total").fill("12000")
    desktop.locator("#id_matters").fill("东山片土地公开发包。")
    _publish(desktop)
    expect(desktop.locator(".has-error")).to_have_count(1)
    assert not Disclosure.objects.filter(kind=Kind.MONTHLY_REPORT).exists()
    desktop.locator("#id_income_total").fill("39700.50")
    _publish(desktop)
    report = Disclosure.objects.get(kind=Kind.MONTHLY_REPORT)
    assert report.period == month

    # A resident, no login, on a phone.
    phone.goto(f"/disclosures/r/{world.wenchang.code}/")
    assert_fits(phone)
    expect(phone.locator("[data-item]")).to_have_count(3)
    phone.locator(f"[data-item='{contract.pk}'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("h1")).to_have_text("东山片土地租赁合同")
    expect(phone.locator("[data-table]")).to_contain_text("38,500.00")
    assert_fits(phone)
    # Follows the thread back to the notice.
    phone.locator(f"[data-thread-item='{notice.pk}'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("h1")).to_have_text("东山片土地租赁公告")
    expect(phone.locator("[data-table]")).to_contain_text("24,120.50")
    expect(phone.locator("[data-table]")).to_contain_text("36,000.00")
    expect(phone.locator(f"[data-thread-item='{contract.pk}']")).to_be_visible()
    assert_fits(phone)
    # And the month's report, with its totals in yuan.
    phone.goto(f"/disclosures/r/{world.wenchang.code}/?category=finance")
    phone.locator(f"[data-item='{report.pk}'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-section=income] [data-total]")).to_have_text("39,700.50")
    expect(phone.locator("[data-section=expenses]")).to_contain_text("12,000.00")
    assert_fits(phone)
    notice.refresh_from_db()
    assert notice.views == 1


def test_a_resident_on_a_phone_finds_the_thread_a_file_and_an_old_version(
    phone: Any, browser: Any, live_server: Any, world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    notice = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="leases",
        title="东山片土地租赁公告",
        table=LEASE_TABLE,
        attachments=[upload("招租公告.pdf", PDF), upload("地块图.png", png((900, 600)))],
    )
    bids = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="leases",
        title="竞价结果",
        follows=notice,
    )
    corrected = services.correct(actor=world.staff, item=bids, note="竞得人名称更正")
    services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="welfare",
        title="临时救助名单",
        table={
            "columns": [
                {"name": "户主"},
                {"name": "身份证号"},
                {"name": "金额（元）", "money": True},
            ],
            "rows": [["蔡明华", ID, 300_000]],
        },
    )
    # From the header of the home page, with no login.
    phone.goto("/")
    open_menu(phone)
    phone.locator("header [data-link=disclosure]").first.click()
    phone.wait_for_load_state()
    assert_fits(phone)
    phone.locator(f"[data-region='{world.wenchang.code}']").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-item]")).to_have_count(3)
    # Only the leases.
    phone.locator(".chips [data-category=leases]").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-item]")).to_have_count(2)
    assert_fits(phone)
    phone.locator(f"[data-item='{notice.pk}'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-thread-item]")).to_have_count(2)
    expect(phone.locator("[data-attachment] img")).to_be_visible()
    assert_fits(phone)
    # The notice's PDF: downloaded, never shown in the site's name.
    pdf_href = phone.locator("[data-attachment] a", has_text="招租公告.pdf").get_attribute("href")
    got = phone.request.get(pdf_href)
    assert got.ok and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"
    # Along the thread to the bids (the current version), then to the old version.
    phone.locator(f"[data-thread-item='{corrected.pk}'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-correction]")).to_contain_text("竞得人名称更正")
    phone.locator("[data-version='1'] a").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-superseded]")).to_be_visible()
    assert_fits(phone)
    phone.locator("[data-current-link]").click()
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/disclosures/{corrected.pk}/")
    # The welfare list names its households, never a whole ID number.
    phone.goto(f"/disclosures/r/{world.wenchang.code}/?category=welfare")
    phone.locator("[data-item] a").first.click()
    phone.wait_for_load_state()
    table = phone.locator("[data-table]").inner_text()
    assert "蔡明华" in table and ID not in table and "1101**********002X" in table
    assert_fits(phone)
    # The same pages on a 1920 px screen in a hall.
    big = browser.new_context(
        base_url=live_server.url, viewport={"width": 1920, "height": 1080}, locale="zh-CN"
    )
    wall = big.new_page()
    for path in (f"/disclosures/r/{world.wenchang.code}/", f"/disclosures/{notice.pk}/"):
        wall.goto(path)
        assert_fits(wall)
    big.close()


def test_staff_publish_with_a_file_link_it_correct_it_and_keep_the_calendar(
    desktop: Any, world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    previous = services.publish(
        actor=world.staff, region=world.wenchang, category="leases", title="西山片招租公告"
    )
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    desktop.on("dialog", accept)
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/disclosures/new/")
    desktop.locator("#id_region").select_option(world.wenchang.code)
    desktop.locator("#id_category").select_option("contracts")
    desktop.locator("#id_title").fill("西山片租赁合同")
    desktop.locator("#id_table").fill("承租方\t年租金（元）\n某合作社\t12,000")
    desktop.locator("#id_follows").select_option(str(previous.pk))
    desktop.locator("#id_attachments").set_input_files(
        [{"name": "合同.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    _publish(desktop)
    contract = Disclosure.objects.get(title="西山片租赁合同")
    assert dialogs, "publishing asks first"
    assert contract.thread_id == previous.pk and contract.attachments.count() == 1
    assert contract.table["rows"] == [["某合作社", 1_200_000]]
    # Correct it: without the confirmation nothing happens.
    desktop.locator("[data-correct]").click()
    desktop.wait_for_load_state()
    desktop.locator("#id_title").fill("西山片土地租赁合同")
    desktop.locator("#id_note").fill("标题补全")
    _publish(desktop)
    expect(desktop.locator("#id_confirm:invalid")).to_have_count(1)  # the browser stops it
    assert desktop.url.endswith(f"/console/disclosures/{contract.pk}/correct/")
    assert Disclosure.objects.filter(series=contract).count() == 1
    desktop.locator("#id_confirm").check()
    _publish(desktop)
    contract.refresh_from_db()
    assert not contract.is_current and contract.superseded_by.title == "西山片土地租赁合同"
    assert contract.superseded_by.attachments.count() == 1
    # The calendar: assets yearly, from 2024; two years are overdue.
    desktop.goto("/console/disclosures/calendar/")
    desktop.locator("#id_region").select_option(world.wenchang.code)
    desktop.locator("#id_category").select_option("assets")
    desktop.locator("#id_frequency").select_option("yearly")
    desktop.locator("#id_starts_on").fill("2024-01-01")
    _publish(desktop)
    expect(desktop.locator("#calendar [data-schedule]")).to_have_count(1)
    desktop.goto("/console/disclosures/overdue/")
    line = desktop.locator(f"[data-missing='{world.wenchang.code}:assets:2024']")
    expect(line).to_be_visible()
    line.locator("[data-fill]").click()
    desktop.wait_for_load_state()
    expect(desktop.locator("#id_period")).to_have_value("2024")
    expect(desktop.locator("#id_category")).to_have_value("assets")
    desktop.locator("#id_title").fill("2024年度资产清查结果")
    _publish(desktop)
    desktop.goto("/console/disclosures/overdue/")
    expect(desktop.locator(f"[data-missing='{world.wenchang.code}:assets:2024']")).to_have_count(0)
