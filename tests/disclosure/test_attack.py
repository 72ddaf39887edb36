"""What an attack on 村务公开 found: personal data on welfare lists, periods that never
match the calendar, PDFs that run scripts, files left on disk by a failed publication,
and a count of readers inflated by a loop that drops its cookie."""

import io
import json
import zlib
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from jifen.disclosure import privacy, services
from jifen.disclosure.models import Attachment, Disclosure, Schedule
from jifen.disclosure.views.public import PER_ADDRESS
from jifen.lib.errors import InvalidInput
from jifen.people.models import Role, RoleGrant
from tests.conftest import make_person
from tests.disclosure.conftest import PDF, png, sections, upload
from tests.disclosure.test_pages import _login

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"  # a valid check digit (GB 11643's own example)
ID_MASKED = "1101**********002X"
WELFARE = {
    "columns": [
        {"name": "姓名"},
        {"name": "身份证号"},
        {"name": "联系电话"},
        {"name": "事由"},
        {"name": "金额（元）", "money": True},
    ],
    "rows": [
        ["蔡明华", ID, "138 1234 5678", "重病，卡号6222021234567890123", 300_000],
        ["林芳", "350524199001011234", "0595-86123456", "火灾", 200_000],
    ],
}


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_the_id_check_digit():
    assert privacy.is_id_number(ID)
    assert not privacy.is_id_number("110105194912310021")


def test_a_welfare_list_keeps_names_and_masks_ids_cards_and_phones(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="welfare",
        title="低保名单公示",
        body=f"户主蔡明华，身份证{ID}，电话13812345678，异议请联系村委会。",
        table=WELFARE,
    )
    rows = item.table["rows"]
    assert rows[0][:3] == ["蔡明华", ID_MASKED, "138****5678"]
    assert rows[0][3] == "重病，卡号6222***********0123" and rows[0][4] == 300_000
    assert rows[1][:3] == ["林芳", "3505**********1234", "059*****3456"]
    assert ID not in item.body and ID_MASKED in item.body and "138****5678" in item.body
    page = Client().get(f"/disclosures/{item.pk}/").text
    detail = json.dumps(
        Client().get(f"/api/v1/public/disclosures/{item.pk}").json(), ensure_ascii=False
    )
    for shown in (page, detail):
        assert "蔡明华" in shown and "3,000.00" in shown
        for whole in (ID, "350524199001011234", "13812345678", "86123456", "6222021234567890123"):
            assert whole not in shown.replace(" ", "")
    sheet = load_workbook(io.BytesIO(Client().get(f"/disclosures/{item.pk}.xlsx").content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert ID_MASKED in cells and ID not in cells and "蔡明华" in cells


def test_a_welfare_correction_is_masked_too(world, media):
    item = services.publish(
        actor=world.staff, region=world.wenchang, category="welfare", title="救助", table=WELFARE
    )
    new = services.correct(
        actor=world.staff,
        item=item,
        note="补录电话 13900001111",
        body="补录：13900001111",
        table={"columns": ["户主", "手机"], "rows": [["王五", "13900001111"]]},
    )
    assert new.table["rows"] == [["王五", "139****1111"]]
    assert "13900001111" not in new.body + new.correction_note


def test_an_id_number_is_masked_in_any_item_but_a_hotline_is_not(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="contracts",
        title="租赁合同",
        body=f"承租人身份证号{ID}。监督电话13800000002。合同编号2026031500010001。",
    )
    assert ID_MASKED in item.body and "13800000002" in item.body
    assert "2026031500010001" in item.body


def test_a_report_line_with_an_id_number_is_masked(world):
    report = services.publish_monthly_report(
        actor=world.staff,
        region=world.wenchang,
        month="2026-10",
        sections={"income": {"lines": [{"label": f"租金 {ID}", "amount": 100}], "total": 100}},
        matters=f"退还押金给{ID}",
    )
    assert report.report["sections"]["income"]["lines"][0]["label"] == f"租金 {ID_MASKED}"
    assert ID not in report.report["matters"]


@pytest.mark.parametrize("period", ["2026-+1", "2026- 1", "２０２６", "2026-1", "2026Q5", "1999"])
def test_a_period_the_calendar_could_never_match_is_refused(world, period):
    with pytest.raises(InvalidInput) as refused:
        services.check_period(period)
    assert refused.value.field == "period"


@pytest.mark.parametrize("period", ["2026", "2026-01", "2026-12", "2026Q4", " 2026Q1 "])
def test_good_periods_pass(period):
    assert services.check_period(period) == period.strip()


def _deflated_pdf(payload: bytes) -> bytes:
    stream = zlib.compress(payload)
    return (
        b"%%PDF-1.5\n1 0 obj<</Type/ObjStm/Filter/FlateDecode/Length %d>>stream\n" % len(stream)
        + stream
        + b"\nendstream endobj\ntrailer<<>>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj<</OpenAction<</S/J#61vaScript/JS(x)>>>>endobj\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj<</Names<</EmbeddedFiles 2 0 R>>>>endobj\n%%EOF\n",
        _deflated_pdf(b"<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"),
    ],
)
def test_a_pdf_that_runs_scripts_is_refused_and_leaves_nothing(api, world, media, data):
    with pytest.raises(InvalidInput) as refused:
        services.publish(
            actor=world.staff,
            region=world.wenchang,
            category="contracts",
            title="合同",
            attachments=[upload("合同.pdf", data)],
        )
    assert refused.value.code == "invalid_attachment"
    assert not Disclosure.objects.exists() and not _files(media)


def test_plain_pdfs_with_links_and_our_own_pdf_are_accepted(world, media, notice):
    own = Client().get(f"/disclosures/{notice.pk}.pdf").content
    linked = b"%PDF-1.4\n1 0 obj<</A<</S/URI/URI(https://example.org/)>>>>endobj\n%%EOF\n"
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="contracts",
        title="合同",
        attachments=[upload("a.pdf", own), upload("b.pdf", linked), upload("c.pdf", PDF)],
    )
    assert item.attachments.count() == 3


def test_a_publication_that_fails_after_storing_its_files_leaves_none(world, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(services, "_audit", broken)
    for write in (
        lambda: services.publish(
            actor=world.staff,
            region=world.wenchang,
            category="projects",
            title="工程",
            attachments=[upload("a.png", png()), upload("b.pdf", PDF)],
        ),
        lambda: services.publish_monthly_report(
            actor=world.staff,
            region=world.wenchang,
            month="2026-10",
            sections={},
            attachments=[upload("a.png", png())],
        ),
    ):
        with pytest.raises(RuntimeError):
            write()
        assert not _files(media)
    assert not Disclosure.objects.exists() and not Attachment.objects.exists()


def test_a_failed_correction_keeps_the_files_of_the_old_version(world, media, monkeypatch):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="projects",
        title="工程",
        attachments=[upload("a.png", png())],
    )
    before = _files(media)
    monkeypatch.setattr(services, "_audit", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        services.correct(
            actor=world.staff, item=item, note="补图", attachments=[upload("b.png", png())]
        )
    assert _files(media) == before and len(before) == 1
    item.refresh_from_db()
    assert item.is_current and Disclosure.objects.count() == 1


def test_a_loop_without_cookies_does_not_inflate_the_count(world, notice):
    cache.clear()
    for _ in range(PER_ADDRESS + 15):
        assert Client().get(f"/disclosures/{notice.pk}/").status_code == 200
    Client(REMOTE_ADDR="10.0.0.9").get(f"/disclosures/{notice.pk}/")
    notice.refresh_from_db()
    assert notice.views == PER_ADDRESS + 1


def test_the_first_reader_sees_their_own_reading_counted(world, notice):
    cache.clear()
    page = Client().get(f"/disclosures/{notice.pk}/")
    assert 'data-views="1"' in page.text
    again = Client().get(f"/disclosures/{notice.pk}/")
    assert 'data-views="2"' in again.text


def test_correcting_a_report_offers_its_sections_once_and_asks_last(world):
    report = services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
    )
    page = _login(world.staff).get(f"/console/disclosures/{report.pk}/correct/").text
    assert 'name="table"' not in page and 'name="period"' not in page
    assert page.count('name="title"') == 1 and 'name="report-title"' not in page
    assert page.count('name="attachments"') == 1 and 'name="report-region"' not in page
    assert page.index('name="report-income_lines"') < page.index('name="note"')
    assert page.index('name="note"') < page.index('name="confirm"')


def test_correcting_an_item_lists_its_files_to_leave_out(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="projects",
        title="工程",
        attachments=[upload("图纸.png", png())],
    )
    page = _login(world.staff).get(f"/console/disclosures/{item.pk}/correct/").text
    assert "data-drop" in page and "图纸.png" in page and 'name="drop"' in page


def _readers(world, village) -> dict:
    grid = make_person(world.wenchang, "网格员")
    RoleGrant.objects.create(person=grid, role=Role.GRID, region=world.wenchang)
    return {
        "inspector": village.inspector,
        "reviewer": world.reviewer,
        "grid": grid,
        "merchant": world.merchant,
        "kiosk": world.kiosk,
        "resident": world.resident,
        "other_staff": world.other_staff,
    }


def test_every_write_of_the_api_is_403_for_every_role_that_only_reads(api, world, village):
    item = services.publish(actor=world.staff, region=world.wenchang, category="other", title="x")
    line = services.save_schedule(
        actor=world.staff, region=world.wenchang, category="finance", frequency="monthly"
    )
    report = {"region": world.wenchang.code, "month": "2026-10", **sections()}
    for name, person in _readers(world, village).items():
        client = api(person)
        calls = [
            client.post(
                "/disclosures", {"region": world.wenchang.code, "category": "other", "title": "y"}
            ),
            client.post(f"/disclosures/{item.pk}/correct", {"note": "z"}),
            client.post("/disclosures/reports", report),
            client.post(
                "/disclosures/schedules",
                {"region": world.wenchang.code, "category": "assets", "frequency": "yearly"},
            ),
        ]
        for response in calls:
            assert response.status_code == 403, (name, response.content)
            assert response.json_body["error"]["code"] == "forbidden"
        deleted = client.delete(f"/disclosures/schedules/{line.pk}")
        assert deleted.status_code in (403, 404), (name, deleted.content)
    assert Disclosure.objects.count() == 1 and Schedule.objects.count() == 1


def test_every_console_write_is_refused_to_an_inspector(world, village, media):
    item = services.publish(actor=world.staff, region=world.wenchang, category="other", title="x")
    line = services.save_schedule(
        actor=world.staff, region=world.wenchang, category="finance", frequency="monthly"
    )
    client = _login(village.inspector)
    posts = {
        "/console/disclosures/new/": {
            "region": world.wenchang.code,
            "category": "other",
            "title": "y",
        },
        f"/console/disclosures/{item.pk}/correct/": {"title": "y", "note": "z", "confirm": "on"},
        "/console/disclosures/report/": {"region": world.wenchang.code, "month": "2026-10"},
        f"/console/disclosures/calendar/{line.pk}/delete/": {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    calendar = client.post(
        "/console/disclosures/calendar/",
        {"region": world.wenchang.code, "category": "assets", "frequency": "yearly", "due_day": 10},
    )
    assert calendar.status_code in (200, 403)
    assert Disclosure.objects.count() == 1 and Schedule.objects.count() == 1
    assert client.get("/console/disclosures/overdue/").status_code == 200
    assert client.get(f"/console/disclosures/{item.pk}/").status_code == 200


def _png_claiming(width: int, height: int) -> bytes:
    """A real PNG whose header claims another size (a decompression bomb's shape)."""
    import struct

    data = bytearray(png((2, 2)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("x.png", b"<html><script>alert(1)</script></html>"),
        ("bomb.png", _png_claiming(60_000, 60_000)),
        ("../../../etc/passwd", b"root:x:0:0"),
    ],
)
def test_svg_html_and_pixel_bombs_are_refused_and_leave_nothing(world, media, name, data):
    with pytest.raises(InvalidInput) as refused:
        services.publish(
            actor=world.staff,
            region=world.wenchang,
            category="other",
            title="附件",
            attachments=[upload(name, data, "image/png")],
        )
    assert refused.value.code == "invalid_attachment"
    assert not Disclosure.objects.exists() and not _files(media)


def test_a_picture_is_stored_under_our_name_without_its_gps_and_within_bounds(world, media):
    from PIL import Image

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (24.0, 56.0, 0.0)}  # GPSInfo
    Image.new("RGB", (3000, 1500), (0, 90, 200)).save(out, "JPEG", exif=exif)
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="other",
        title="现场照片",
        attachments=[upload("..\\..\\照片.pdf", out.getvalue(), "application/pdf")],
    )
    stored = item.attachments.get()
    assert stored.name == "照片.jpg" and stored.content_type == "image/jpeg"
    assert (stored.width, stored.height) == (2400, 1200)
    assert ".." not in stored.file.name and stored.file.name.startswith("disclosure/")
    with Image.open(stored.file.path) as picture:
        assert not picture.getexif().get(0x8825)
    served = Client().get(f"/disclosures/files/{stored.pk}/")
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert served["Content-Disposition"].startswith("inline")


def test_the_overdue_list_opens_the_form_filled_in(world):
    from datetime import date

    services.save_schedule(
        actor=world.staff,
        region=world.wenchang,
        category="assets",
        frequency="yearly",
        starts_on=date(2024, 1, 1),
    )
    services.save_schedule(
        actor=world.staff,
        region=world.wenchang,
        category="finance",
        frequency="monthly",
        starts_on=date(2026, 9, 1),
    )
    client = _login(world.staff)
    overdue = client.get("/console/disclosures/overdue/").text
    code = world.wenchang.code
    new_url = f"/console/disclosures/new/?region={code}&amp;category=assets&amp;period=2024"
    assert new_url in overdue
    assert f"/console/disclosures/report/?region={code}&amp;period=2026-09" in overdue
    form = client.get(new_url.replace("&amp;", "&")).text
    assert 'value="2024"' in form and 'value="assets" selected' in form
    assert f'value="{code}" selected' in form
    report = client.get(f"/console/disclosures/report/?region={code}&period=2026-09").text
    assert 'value="2026-09"' in report
    for garbage in ("?period=２０２６&category=nope&region=zz", "?period=" + "9" * 5000):
        page = client.get("/console/disclosures/new/" + garbage)
        assert page.status_code == 200 and "２０２６" not in page.text


def test_a_correction_cannot_turn_a_thread_into_a_loop(api, world, media):
    first = services.publish(actor=world.staff, region=world.wenchang, category="leases", title="A")
    second = services.publish(
        actor=world.staff, region=world.wenchang, category="leases", title="B", follows=first
    )
    response = api(world.staff).post(
        f"/disclosures/{first.pk}/correct", {"note": "改", "follows": second.pk}
    )
    assert response.status_code == 201
    again = Disclosure.objects.get(pk=response.json_body["id"])
    assert again.follows_id is None and again.thread_id == first.pk
    thread = api().get(f"/public/disclosures/{second.pk}").json_body["thread"]
    assert [t["title"] for t in thread] == ["A", "B"]


def test_a_broken_cache_never_fails_the_page(world, notice, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    page = Client().get(f"/disclosures/{notice.pk}/")
    assert page.status_code == 200 and 'data-views="1"' in page.text


def test_a_form_correction_with_bad_json_names_its_own_field(world, media):
    from jifen.people.auth import issue_token

    item = services.publish(actor=world.staff, region=world.wenchang, category="other", title="x")
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {issue_token(person=world.staff)}", HTTP_ACCEPT_LANGUAGE="en"
    )
    response = client.post(
        f"/api/v1/disclosures/{item.pk}/correct", {"note": "改", "drop_attachments": "[1,"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "drop_attachments" and "table" not in error["message"].lower()
    assert Disclosure.objects.count() == 1


def test_a_superseded_version_is_never_editable_in_the_console(world, media):
    old = services.publish(actor=world.staff, region=world.wenchang, category="other", title="x")
    new = services.correct(actor=world.staff, item=old, note="改")
    client = _login(world.staff)
    page = client.get(f"/console/disclosures/{old.pk}/").text
    assert "data-correct" not in page and "data-superseded" in page
    for method in (client.get, client.post):
        response = method(
            f"/console/disclosures/{old.pk}/correct/",
            {"title": "y", "note": "再改", "confirm": "on"},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"/console/disclosures/{new.pk}/")
    assert Disclosure.objects.count() == 2
    old.refresh_from_db()
    assert old.title == "x" and not old.is_current


def test_the_index_groups_villages_under_their_town(world, media):
    for region in (world.wenchang, world.jinyue, world.wanmei):
        staff = world.staff if region != world.wanmei else world.other_staff
        if region == world.jinyue:
            staff = world.town_admin
        services.publish(actor=staff, region=region, category="other", title="通知")
    page = Client().get("/disclosures/").text
    assert page.count(f'data-town="{world.town.code}"') == 1
    assert page.count(f'data-town="{world.other_town.code}"') == 1
    assert page.index(f'data-town="{world.town.code}"') < page.index(
        f'data-region="{world.wenchang.code}"'
    )
