"""Pages of 村务公开: public ones without login, the staff console, CSRF, files."""

import io

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from jifen.disclosure import services
from jifen.disclosure.forms import table_text
from jifen.disclosure.models import Disclosure, Schedule
from tests.conftest import PASSWORD
from tests.disclosure.conftest import PDF, png, sections, upload

pytestmark = pytest.mark.django_db


def _login(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(phone=person.phone, password=PASSWORD)
    return client


@pytest.fixture
def report(world):
    return services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
    )


def test_anyone_reads_the_region_list_and_the_item_with_amounts_in_yuan(world, notice):
    client = Client()
    index = client.get("/disclosures/")
    assert index.status_code == 200 and f'data-region="{world.wenchang.code}"' in index.text
    listed = client.get(f"/disclosures/r/{world.county.code}/")
    assert listed.status_code == 200 and f'data-item="{notice.pk}"' in listed.text
    filtered = client.get(f"/disclosures/r/{world.county.code}/?category=finance")
    assert f'data-item="{notice.pk}"' not in filtered.text
    page = client.get(f"/disclosures/{notice.pk}/")
    assert page.status_code == 200
    assert "36,000.00" in page.text and "24,120.50" in page.text
    assert 'name="viewport"' in page.text


def test_a_reading_is_counted_once_per_browser_in_a_while(world, notice):
    client = Client()
    client.get(f"/disclosures/{notice.pk}/")
    client.get(f"/disclosures/{notice.pk}/")
    Client().get(f"/disclosures/{notice.pk}/")
    notice.refresh_from_db()
    assert notice.views == 2


def test_a_forged_seen_cookie_is_ignored(world, notice):
    client = Client()
    client.cookies["jifen_seen"] = f"{notice.pk}.9999999999"
    assert client.get(f"/disclosures/{notice.pk}/").status_code == 200
    notice.refresh_from_db()
    assert notice.views == 1


def test_the_old_version_says_it_is_superseded_and_links_the_current(world, notice):
    new = services.correct(actor=world.staff, item=notice, note="面积更正")
    page = Client().get(f"/disclosures/{notice.pk}/")
    assert "data-superseded" in page.text and f'href="/disclosures/{new.pk}/"' in page.text
    current = Client().get(f"/disclosures/{new.pk}/")
    assert "data-superseded" not in current.text and "面积更正" in current.text


def test_the_thread_shows_on_each_item(world, notice):
    bid = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="leases",
        title="竞标结果",
        follows=notice,
    )
    for item in (notice, bid):
        page = Client().get(f"/disclosures/{item.pk}/")
        assert f'data-thread-item="{notice.pk}"' in page.text
        assert f'data-thread-item="{bid.pk}"' in page.text


def test_the_monthly_report_page_shows_sections_and_totals(world, report):
    page = Client().get(f"/disclosures/{report.pk}/")
    assert page.status_code == 200
    assert 'data-section="income"' in page.text and 'data-total="1200050"' in page.text
    assert "12,000.50" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/0/",
        "/disclosures/99999999999999999999/",
        "/disclosures/r/nowhere/",
        "/disclosures/files/9223372036854775807/",
        "/disclosures/123.pdf",
    ],
)
def test_missing_things_are_404(path):
    assert Client().get(path).status_code == 404


def test_pdf_of_an_item_and_a_report(world, notice, report, tmp_path):
    for item in (notice, report):
        response = Client().get(f"/disclosures/{item.pk}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and b"FontFile2" in response.content


def test_excel_exports_never_hold_formulas(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="welfare",
        title='=HYPERLINK("http://evil")',
        table={"columns": ["姓名", {"name": "金额", "money": True}], "rows": [["=1+1", 12345]]},
    )
    book = load_workbook(io.BytesIO(Client().get(f"/disclosures/{item.pk}.xlsx").content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "=1+1" for c in cells)
    assert any(float(c.value) == 123.45 for c in cells if isinstance(c.value, int | float))
    listing = Client().get(f"/disclosures/r/{world.wenchang.code}/export.xlsx")
    book = load_workbook(io.BytesIO(listing.content))
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def test_an_image_attachment_is_served_inline_with_safe_headers(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="projects",
        title="现场照片",
        attachments=[upload("p.png", png()), upload("p.pdf", PDF)],
    )
    image, document = item.attachments.all()
    response = Client().get(f"/disclosures/files/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Disposition"].startswith("attachment")
    assert Client().get(f"/disclosures/files/{document.pk}/")["Content-Type"] == "application/pdf"


# --- The console ------------------------------------------------------------------------


def test_staff_publish_from_the_console_with_a_typed_table(world, media):
    client = _login(world.staff)
    form = client.get("/console/disclosures/new/")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    response = client.post(
        "/console/disclosures/new/",
        {
            "region": world.wenchang.code,
            "category": "leases",
            "title": "鱼塘发包公告",
            "body": "公开发包",
            "table": "鱼塘 | 底价（元）\n一号塘 | 1,200.5\n二号塘 | 800",
            "attachments": [upload("notice.pdf", PDF)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Disclosure.objects.get()
    assert item.table["rows"] == [["一号塘", 120050], ["二号塘", 80000]]
    assert item.attachments.count() == 1
    assert response["Location"] == f"/console/disclosures/{item.pk}/"
    bid = client.post(
        "/console/disclosures/new/",
        {"region": world.wenchang.code, "category": "leases", "title": "竞标", "follows": item.pk},
    )
    assert bid.status_code == 302
    assert Disclosure.objects.get(title="竞标").thread_id == item.pk


def test_a_bad_table_comes_back_on_the_form(world):
    client = _login(world.staff)
    response = client.post(
        "/console/disclosures/new/",
        {
            "region": world.wenchang.code,
            "category": "leases",
            "title": "x",
            "table": "a | 金额(元)\nb | lots",
        },
    )
    assert response.status_code == 200 and 'class="error"' in response.text
    assert not Disclosure.objects.exists()


def test_correct_needs_the_confirmation(world, notice):
    client = _login(world.staff)
    page = client.get(f"/console/disclosures/{notice.pk}/correct/")
    assert page.status_code == 200
    data = {"title": notice.title, "body": "改", "note": "更正", "table": table_text(notice.table)}
    refused = client.post(f"/console/disclosures/{notice.pk}/correct/", data)
    assert refused.status_code == 200 and Disclosure.objects.count() == 1
    done = client.post(f"/console/disclosures/{notice.pk}/correct/", {**data, "confirm": "on"})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert not notice.is_current and notice.superseded_by.body == "改"
    assert notice.superseded_by.table == notice.table  # the typed table came back the same


def test_the_monthly_report_form_checks_totals(world):
    client = _login(world.staff)
    assert client.get("/console/disclosures/report/").status_code == 200
    data = {
        "region": world.wenchang.code,
        "month": "2026-10",
        "income_lines": "经营收入 1,000.00\n补助 200.5",
        "income_total": "1200.00",
        "matters": "修路",
    }
    refused = client.post("/console/disclosures/report/", data)
    assert refused.status_code == 200 and 'class="error"' in refused.text
    assert not Disclosure.objects.exists()
    done = client.post("/console/disclosures/report/", {**data, "income_total": "1200.50"})
    assert done.status_code == 302
    item = Disclosure.objects.get()
    assert item.report["sections"]["income"]["total"] == 120050 and item.period == "2026-10"


def test_a_monthly_report_is_corrected_in_the_console(world, report):
    client = _login(world.staff)
    page = client.get(f"/console/disclosures/{report.pk}/correct/")
    assert page.status_code == 200 and "report-income_lines" in page.text
    data = {
        "title": report.title,
        "note": "补充",
        "confirm": "on",
        "report-income_lines": "经营收入 12000.50",
        "report-income_total": "12000.50",
        "report-expenses_lines": "管理费用 3000",
        "report-expenses_total": "3000",
    }
    done = client.post(f"/console/disclosures/{report.pk}/correct/", data)
    assert done.status_code == 302, done.content.decode()[:3000]
    report.refresh_from_db()
    assert report.superseded_by.report["sections"]["income"]["lines"] == [
        {"label": "经营收入", "amount": 1_200_050}
    ]


def test_the_calendar_and_the_overdue_list(world):
    client = _login(world.staff)
    saved = client.post(
        "/console/disclosures/calendar/",
        {
            "region": world.wenchang.code,
            "category": "finance",
            "frequency": "monthly",
            "due_day": "10",
            "starts_on": "2026-01-01",
        },
    )
    assert saved.status_code == 302
    line = Schedule.objects.get()
    overdue = client.get("/console/disclosures/overdue/")
    assert overdue.status_code == 200 and f"{world.wenchang.code}:finance:2026-01" in overdue.text
    listed = client.get("/console/disclosures/")
    assert "data-overdue" in listed.text
    assert client.post(f"/console/disclosures/calendar/{line.pk}/delete/").status_code == 302
    assert not Schedule.objects.exists()


def test_an_inspector_reads_the_console_and_writes_nothing(world, village, notice):
    client = _login(village.inspector)
    assert client.get("/console/disclosures/").status_code == 200
    assert client.get(f"/console/disclosures/{notice.pk}/").status_code == 200
    assert client.get("/console/disclosures/overdue/").status_code == 200
    assert client.get("/console/disclosures/new/").status_code == 403
    refused = client.post(
        f"/console/disclosures/{notice.pk}/correct/", {"note": "x", "confirm": "on", "title": "y"}
    )
    assert refused.status_code == 403
    assert Disclosure.objects.count() == 1


def test_a_resident_has_no_console(world):
    client = _login(world.resident)
    assert client.get("/console/disclosures/").status_code == 403
    assert client.get("/console/disclosures/new/").status_code == 403


def test_other_villages_staff_do_not_see_the_item_in_the_console(world, notice):
    client = _login(world.other_staff)
    assert client.get(f"/console/disclosures/{notice.pk}/").status_code == 404


def test_console_posts_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(phone=world.staff.phone, password=PASSWORD)
    response = client.post(
        "/console/disclosures/new/",
        {"region": world.wenchang.code, "category": "other", "title": "x"},
    )
    assert response.status_code == 403
    assert not Disclosure.objects.exists()


def test_english_labels_render(world, notice):
    with translation.override("en"):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/disclosures/{notice.pk}/")
    assert "Leases and tenders" in page.text
    assert "Published late" not in page.text
