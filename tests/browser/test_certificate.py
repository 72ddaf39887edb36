"""志愿服务记录证明 as people use it: staff issue one at a desk from the resident's statement,
download its PDF, and whoever holds the paper opens the page its QR code names on a phone."""

import re
from datetime import date

from django.utils import timezone
from playwright.sync_api import expect

from jifen.publicity.models import Certificate
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World
from tests.publicity.document_data import make_items, pdf_text, served


def test_staff_issue_a_certificate_and_its_qr_page_confirms_it_on_a_phone(
    world: World, desktop, phone, screenshot, tmp_path
) -> None:
    year = timezone.localdate().year - 1
    items = make_items(world)
    served(world.resident, items.basic, "20.5", date(year, 4, 2))
    served(world.resident, items.skilled, 3, date(year, 9, 9))

    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/people/{world.resident.pk}/statement/")
    desktop.locator(f"a[href='/console/certificates/?person={world.resident.pk}']").click()
    expect(desktop.locator("main h1")).to_have_text(zh("Volunteer service certificates"))
    expect(desktop.locator("#id_person")).to_have_value(world.resident.volunteer_no or "")
    desktop.locator("#id_start").fill(f"{year}-01-01")
    desktop.locator("#id_end").fill(f"{year}-12-31")
    desktop.locator("#id_responsible").fill("陈书记")
    desktop.locator("#id_handler").fill("李经办")
    desktop.locator("main form.row-form button.primary").click()
    desktop.wait_for_load_state()

    certificate = Certificate.objects.get()
    expect(desktop).to_have_url(re.compile(rf"/console/certificates/{certificate.pk}/$"))
    expect(desktop.locator(".messages")).to_contain_text(certificate.number)
    expect(desktop.locator("main .facts")).to_contain_text("23.5")
    screenshot(desktop, "certificate-issued-desktop")

    # The PDF, as the download link gives it to the logged-in staff member.
    href = desktop.locator("main a[data-download]").get_attribute("href")
    assert href == f"/certificates/{certificate.number}/pdf/"
    response = desktop.context.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(pdf_text(response.body(), tmp_path).split())
    assert "王淑英" in text and certificate.number in text and "23.5" in text
    # The address printed under the QR code is the one the code holds (pdf.certificate_pdf
    # draws both from the same string; tests/publicity/test_pdf.py checks the code's data).
    found = re.search(r"https?://[^\s（(]+/certificates/[A-Z0-9-]+/", text)
    assert found, text
    url = found.group(0)
    assert url.endswith(f"/certificates/{certificate.number}/")

    # Anyone with the paper scans it: no login, a 360 px phone.
    phone.goto(url)
    status = phone.locator("[data-status]")
    expect(status).to_have_attribute("data-status", "valid")
    expect(status).to_have_text(zh("Valid"))
    main = phone.locator("main")
    expect(main).to_contain_text("王*英")
    expect(main).to_contain_text(world.resident.volunteer_no or "")
    expect(main).to_contain_text(f"{year}-01-01")
    expect(main).to_contain_text("23.5")
    expect(main).to_contain_text("文昌社区")
    assert "王淑英" not in main.inner_text()
    screenshot(phone, "certificate-confirmed-phone")
    assert_fits(phone)

    # Revoked at the desk, the same page says so at once.
    desktop.on("dialog", lambda dialog: dialog.accept())
    desktop.locator("#id_reason").fill("服务时长录入有误")
    desktop.locator("main form.row-form button.danger").click()
    desktop.wait_for_load_state()
    phone.reload()
    expect(status).to_have_attribute("data-status", "revoked")
    expect(main).to_contain_text("服务时长录入有误")
    screenshot(phone, "certificate-revoked-phone")
    assert_fits(phone)


def test_staff_open_the_annual_selection_from_the_menu_and_export_the_star_list(
    world: World, desktop, screenshot
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.conftest import make_person
    from tests.publicity.document_data import award, local

    year = timezone.localdate().year
    items = make_items(world)
    for day in range(1, 6):  # 5 × 20 h: 100 h, the first star
        served(world.resident, items.basic, 20, date(year, 1, day))
    award(world.resident, 1000, local(date(year, 1, 6)))
    member = make_person(
        world.wenchang, "许税务", is_reporting_party_member=True, employer="县税务局"
    )
    served(member, items.basic, 2, date(year, 1, 8))

    log_in(desktop, world.staff.phone)
    desktop.goto("/console/")
    desktop.locator("nav.sidebar a[href='/console/selection/']").click()
    expect(desktop.locator("main h1")).to_contain_text("文昌社区")
    stars = desktop.locator("#stars")
    expect(stars).to_contain_text("王淑英")
    expect(stars).to_contain_text("★")
    expect(desktop.locator("#party")).to_contain_text("县税务局")
    screenshot(desktop, "selection-desktop")

    href = stars.locator("a.button").get_attribute("href")
    response = desktop.context.request.get(href)
    assert response.ok
    rows = list(load_workbook(BytesIO(response.body())).active.iter_rows(values_only=True))
    assert any(row[1] == "王淑英" and row[5] == "★" for row in rows if len(row) > 5)
