"""Paper history brought in as staff would: download the template, fill it in, check the
file and read the error at its row, fix the file, import it; a reviewer approves it and
the points are in the ledger with their service dates."""

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import expect

from jifen.imports.models import Batch, BatchStatus
from jifen.points.models import Transfer, TransferKind
from jifen.points.selectors import balance_of
from tests.browser.helpers import PHONE, assert_fits, log_in, zh
from tests.conftest import World
from tests.imports.helpers import HISTORY, rule, xlsx


def new_page(browser: Any, live_server: Any, device: dict[str, Any]) -> Any:
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def check_file(page: Any, world: World, path: Path) -> None:
    form = page.locator("form[action='/console/imports/check/history/']")
    form.locator("select").select_option(world.wenchang.code)
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button.primary").click()
    page.wait_for_load_state()


def test_staff_import_a_history_file_after_fixing_the_row_the_dry_run_showed(
    world: World, desktop, browser, live_server, screenshot, tmp_path: Path
) -> None:
    rule(world.wenchang)  # 环境整治 XF01, 10 points an hour
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/")
    desktop.locator(".sidebar a[href='/console/imports/']").click()
    expect(desktop.locator("main h1")).to_have_text(zh("Import from Excel"))
    expect(desktop.locator("main")).to_contain_text(
        zh("Nothing has been imported yet. Download a template, fill it in and check it above.")
    )

    # The template downloads with its headers.
    with desktop.expect_download() as download:
        desktop.locator("a[href='/console/imports/template/history/']").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    headers = next(load_workbook(template).worksheets[0].iter_rows(values_only=True))
    assert set(HISTORY) <= set(headers)

    # The file as typed from paper: row 3 has the points wrong (1.5 hours is 15, not 20).
    phone_number = world.resident.phone
    rows: list[list[object]] = [
        [phone_number, "2023-05-01", "XF01", 2, 20, "纸质台账第3页"],
        [phone_number, "2023-06-01", "XF01", 1.5, 20, ""],
    ]
    bad = tmp_path / "历史积分.xlsx"
    bad.write_bytes(xlsx(HISTORY, rows))
    check_file(desktop, world, bad)
    error = desktop.locator("table.import-errors tr.import-error")
    expect(error).to_have_count(1)
    expect(error).to_have_attribute("data-row", "3")
    expect(error).to_contain_text("积分")
    expect(error).to_contain_text("15")
    expect(desktop.locator("tr.import-line.error[data-row='3']")).to_have_count(1)
    expect(desktop.locator("tr.import-line.create[data-row='2']")).to_have_count(1)
    expect(desktop.locator("form[action*='/confirm/']")).to_have_count(0)
    screenshot(desktop, "import-history-dry-run-error-desktop")
    assert not Batch.objects.exists()

    # They fix the file and check it again: no error, then import it.
    rows[1][4] = 15
    good = tmp_path / "历史积分-改.xlsx"
    good.write_bytes(xlsx(HISTORY, rows))
    desktop.locator("a[href='/console/imports/#history']").click()
    check_file(desktop, world, good)
    expect(desktop.locator("#error-count")).to_have_text("0")
    expect(desktop.locator("tr.import-line.create")).to_have_count(2)
    screenshot(desktop, "import-history-dry-run-ok-desktop")
    desktop.locator("form[action*='/confirm/'] button").click()
    desktop.wait_for_load_state()
    batch = Batch.objects.get()
    assert (batch.created, batch.points, batch.status) == (2, 35, BatchStatus.PENDING)
    expect(desktop.locator("#batch-status")).to_contain_text(zh("Waiting for approval"))
    expect(desktop.locator(f"form[action='/console/imports/{batch.pk}/approve/']")).to_have_count(0)
    assert balance_of(world.resident).balance == 0

    # The reviewer approves on a phone; the points are posted with their service dates.
    reviewer = new_page(browser, live_server, PHONE)
    log_in(reviewer, world.reviewer.phone)
    # The import is on the reviewer's to-do; its line opens the imports waiting for them.
    reviewer.goto("/console/")
    line = reviewer.locator(".todo-imports_to_approve a")
    expect(line).to_contain_text(zh("Imports to approve"))
    expect(line.locator(".todo-count")).to_have_text("1")
    line.click()
    reviewer.wait_for_load_state()
    expect(reviewer.locator("#imports h2")).to_have_text(zh("Imports waiting for your approval"))
    reviewer.locator(f"#imports a[href='/console/imports/{batch.pk}/']").click()
    expect(reviewer.locator("main table").last).to_contain_text("纸质台账第3页")
    assert_fits(reviewer)
    reviewer.locator(f"form[action='/console/imports/{batch.pk}/approve/'] button").click()
    reviewer.wait_for_load_state()
    expect(reviewer.locator("#batch-status")).to_contain_text(zh("Approved and posted"))
    screenshot(reviewer, "import-history-approved-phone")
    dates = sorted(
        Transfer.objects.filter(kind=TransferKind.IMPORTED).values_list("service_date", flat=True)
    )
    assert dates == [date(2023, 5, 1), date(2023, 6, 1)]
    assert balance_of(world.resident).balance == 35
