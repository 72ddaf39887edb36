"""村务公开 as people live it: staff publish a lease thread (the notice, then its
contract) and last month's 村级月报 at a desktop; a resident with no login reads them on a
360 px phone — follows the thread from the contract back to the notice and sees the
amounts in yuan."""

from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.disclosure.models import Disclosure, Kind
from jifen.lib.months import previous_month
from tests.browser.helpers import assert_fits, log_in
from tests.conftest import World


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
