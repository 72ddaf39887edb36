"""The pages: a member reports home on their phone and sees their service; staff approve
service in working hours and correct a report; the unit's contact seals a quarter,
downloads the PDF and the Excel; anyone checks the seal without logging in."""

import subprocess
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jifen.party import services
from jifen.party.models import Report, Service, ServiceStatus, Statement
from jifen.projects.models import Need, NeedStatus
from jifen.projects.services import create_need
from tests.conftest import PASSWORD
from tests.party.conftest import MONDAY, SATURDAY, reporting, served
from tests.pdfcheck import chinese_drawn, poppler

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def test_a_member_reports_home_from_the_phone_page(world, unit):
    client = _client(unit.member)
    page = client.get(reverse("party:home"))
    assert page.status_code == 200 and "data-report-form" in page.content.decode()
    response = client.post(reverse("party:file_report"), {"employer": unit.employer.pk})
    assert response.status_code == 302
    assert Report.objects.get(person=unit.member).employer_id == unit.employer.pk
    html = client.get(reverse("party:home")).content.decode()
    assert f'data-employer="{unit.employer.pk}"' in html
    # A second report is refused and nothing is written.
    again = client.post(reverse("party:file_report"), {"employer": unit.other.pk})
    assert again.status_code == 400
    assert Report.objects.filter(person=unit.member).count() == 1
    # A bad employer id is a form error, not a 500.
    assert client.post(reverse("party:file_report"), {"employer": "x"}).status_code == 400


def test_a_member_takes_a_need_of_their_community(world, unit):
    reporting(world, unit)
    need = create_need(actor=world.staff, community=world.wenchang, title="帮独居老人买菜")
    client = _client(unit.member)
    assert f'data-need="{need.pk}"' in client.get(reverse("party:home")).content.decode()
    client.post(reverse("party:take_need", args=[need.pk]))
    need.refresh_from_db()
    assert need.claimed_by_id == unit.member.pk and need.status != NeedStatus.OPEN
    other = create_need(actor=world.other_staff, community=world.wanmei, title="别处的需求")
    assert client.post(reverse("party:take_need", args=[other.pk])).status_code == 404
    assert Need.objects.get(pk=other.pk).claimed_by_id is None


def test_staff_approve_service_in_working_hours(world, unit):
    reporting(world, unit)
    served(world, unit, MONDAY)
    staff = _client(world.staff)
    page = staff.get(reverse("party:console_approvals"))
    service = Service.objects.get(person=unit.member)
    assert f'data-service="{service.pk}"' in page.content.decode()
    # A decision stands: both buttons ask first.
    html = page.content.decode()
    for name in ("console_approve", "console_reject"):
        action = reverse(f"party:{name}", args=[service.pk])
        assert f'action="{action}" data-confirm=' in html
    other = _client(world.other_staff)
    assert other.post(reverse("party:console_approve", args=[service.pk])).status_code == 404
    staff.post(reverse("party:console_approve", args=[service.pk]))
    service.refresh_from_db()
    assert service.status == ServiceStatus.APPROVED and service.decided_by_id == world.staff.pk
    member_page = _client(unit.member).get(reverse("party:home")).content.decode()
    assert f'data-service="{service.pk}" data-status="approved"' in member_page


def test_staff_correct_and_end_a_report_on_the_console(world, unit):
    report = reporting(world, unit)
    staff = _client(world.staff)
    assert staff.get(reverse("party:console_reports")).status_code == 200
    staff.post(
        reverse("party:console_correct", args=[report.pk]),
        {"correct-employer": unit.other.pk, "correct-note": "调动"},
    )
    report.refresh_from_db()
    assert report.employer_id == unit.other.pk
    staff.post(reverse("party:console_end", args=[report.pk]), {"end-reason": "迁出"})
    report.refresh_from_db()
    assert report.status == "ended"
    assert (
        _client(world.other_staff)
        .get(reverse("party:console_report", args=[report.pk]))
        .status_code
        == 404
    )


def test_the_contact_seals_downloads_and_anyone_checks(world, unit, tmp_path):
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="3")
    contact = _client(unit.contact)
    home = contact.get(reverse("party:unit", args=[unit.employer.pk]))
    assert 'data-quarter="2026Q3"' in home.content.decode()
    assert contact.post(reverse("party:seal", args=[unit.employer.pk, "2026Q4"])).status_code == 302
    assert not Statement.objects.filter(quarter="2026Q4").exists()
    contact.post(reverse("party:seal", args=[unit.employer.pk, "2026Q3"]))
    statement = Statement.objects.get(organization=unit.employer, quarter="2026Q3")
    page = contact.get(reverse("party:statement", args=[unit.employer.pk, "2026Q3"]))
    assert statement.seal in page.content.decode() and "林党员" in page.content.decode()
    pdf = contact.get(reverse("party:statement_pdf", args=[unit.employer.pk, "2026Q3"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # The member's name is drawn in the embedded font (read from the bytes alone).
    assert set("林党员") <= chinese_drawn(pdf.content)
    # The plain member of the unit and a stranger see none of it.
    for person in (unit.plain, world.resident, world.other_staff):
        assert (
            _client(person).get(reverse("party:unit", args=[unit.employer.pk])).status_code == 404
        )
    # The public check needs no login, masks names and recomputes the seal.
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("party:public_statement", args=[statement.pk]) + f"?seal={statement.seal}"
    )
    html = public.content.decode()
    assert (
        public.status_code == 200 and 'data-matches="true"' in html and 'data-held="true"' in html
    )
    assert "林党员" not in html and "林*员" in html
    wrong = Client().get(reverse("party:public_statement", args=[statement.pk]) + "?seal=00")
    assert 'data-held="false"' in wrong.content.decode()
    # The PDF's text (poppler: skipped with a line where it is not installed) holds the
    # name and the seal.
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        [poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "林党员" in text and statement.seal[:20] in text.replace("\n", "")


def test_the_unit_downloads_members_who_did_not_report(world, unit, tmp_path):
    reporting(world, unit, since=date(2026, 1, 5))
    response = _client(unit.contact).get(
        reverse("party:not_reporting_xlsx", args=[unit.employer.pk])
    )
    path = tmp_path / "n.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["林党员"]
    served(world, unit, SATURDAY)
    services.mark_services(person=unit.member)
    html = _client(unit.contact).get(reverse("party:unit", args=[unit.employer.pk])).content
    assert f'data-absent="{unit.member.pk}"'.encode() not in html
