"""The document pages through Django's test client: the public confirmation page of a
certificate (no login, no ID number), who may download what, issuing and revoking from
the console, the printable ledger and announcement, and the annual selection's pages."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from jifen.audit.models import AuditEvent
from jifen.people.models import Person
from jifen.publicity import certificates
from jifen.publicity import services as publicity
from jifen.publicity.models import Certificate, PublicityPolicy
from tests.browser.helpers import zh
from tests.conftest import make_person
from tests.publicity.document_data import (
    award,
    last_month,
    local,
    make_items,
    published_month,
    served,
)

YEAR = timezone.localdate().year - 1
MASKED_ID = "4401**********5678"  # digits that are in no number or date of the test


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()  # no Accept-Language: the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


@pytest.fixture
def certificate(world) -> Certificate:
    items = make_items(world)
    person = world.resident
    person.id_number_masked = MASKED_ID
    person.save()
    served(person, items.basic, "12.5", date(YEAR, 3, 1))
    served(person, items.visit, 2, date(YEAR, 4, 1))
    return certificates.issue_certificate(
        actor=world.staff,
        person=person,
        start=date(YEAR, 1, 1),
        end=date(YEAR, 12, 31),
        responsible="陈书记",
        handler="李经办",
    )


def test_the_public_page_confirms_a_valid_certificate_without_login(world, certificate) -> None:
    page = Client().get(f"/certificates/{certificate.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="valid"' in html and zh("Valid") in html
    assert "王*英" in html and "王淑英" not in html
    assert certificate.volunteer_no in html and certificate.number in html
    assert f"{YEAR}-01-01" in html and f"{YEAR}-12-31" in html
    assert "12.5" in html and "文昌社区" in html
    assert timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d") in html
    # No ID number, not even masked, and no phone.
    assert "4401" not in html and "5678" not in html and "*****" not in html
    assert world.resident.phone not in html


def test_the_public_page_says_revoked_with_the_reason(world, certificate) -> None:
    certificates.revoke_certificate(actor=world.staff, certificate=certificate, reason="时长有误")
    html = Client().get(f"/certificates/{certificate.number}/").content.decode()
    assert 'data-status="revoked"' in html and "时长有误" in html
    assert 'data-status="valid"' not in html


def test_the_public_page_says_not_valid_when_the_record_was_altered(world, certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(name="李四")
    html = Client().get(f"/certificates/{certificate.number}/").content.decode()
    assert 'data-status="altered"' in html and 'data-status="valid"' not in html


def test_an_unknown_number_is_not_found(db) -> None:
    page = Client().get("/certificates/JF-2026-350524100001-XXXXXX/")
    assert page.status_code == 404
    assert "JF-2026-350524100001-XXXXXX" in page.content.decode()


def test_the_volunteer_and_staff_download_the_pdf_others_do_not(
    world, certificate, as_person
) -> None:
    url = f"/certificates/{certificate.number}/pdf/"
    for person in (world.resident, world.staff):
        response = as_person(person).get(url)
        assert response.status_code == 200, person
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "no-store" in response["Cache-Control"]
    for person in (world.neighbour, world.other_staff, world.reviewer):
        assert as_person(person).get(url).status_code == 404, person
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_the_pdfs_qr_code_links_to_the_public_page(world, certificate, as_person, tmp_path):
    from tests.publicity.document_data import pdf_text

    response = as_person(world.resident).get(f"/certificates/{certificate.number}/pdf/")
    text = "".join(pdf_text(response.content, tmp_path).split())
    assert f"http://testserver/certificates/{certificate.number}/" in text


def test_the_volunteer_sees_their_certificates(world, certificate, as_person) -> None:
    html = as_person(world.resident).get("/certificates/").content.decode()
    assert certificate.number in html and f"/certificates/{certificate.number}/pdf/" in html
    assert (
        certificate.number not in as_person(world.neighbour).get("/certificates/").content.decode()
    )


def test_staff_issue_a_certificate_from_the_console(world, as_person) -> None:
    items = make_items(world)
    served(world.resident, items.basic, 3, date(YEAR, 6, 1))
    client = as_person(world.staff)
    page = client.get(f"/console/certificates/?person={world.resident.pk}")
    assert page.status_code == 200
    assert f'value="{world.resident.volunteer_no}"' in page.content.decode()
    response = client.post(
        "/console/certificates/",
        {
            "person": world.resident.volunteer_no,
            "start": f"{YEAR}-01-01",
            "end": f"{YEAR}-12-31",
            "responsible": "陈书记",
            "handler": "陈文昌",
        },
    )
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/certificates/{certificate.pk}/"
    assert certificate.person == world.resident and certificate.issued_by == world.staff
    detail = client.get(response["Location"]).content.decode()
    assert certificate.number in detail and "陈书记" in detail
    assert f"/certificates/{certificate.number}/pdf/" in detail
    listing = client.get("/console/certificates/").content.decode()
    assert certificate.number in listing


def test_the_issue_form_says_what_is_wrong(world, as_person) -> None:
    client = as_person(world.staff)
    response = client.post(
        "/console/certificates/",
        {
            "person": world.stranger.volunteer_no,  # 湾美's resident: not in reach
            "start": f"{YEAR}-01-01",
            "end": f"{YEAR}-12-31",
            "responsible": "陈书记",
            "handler": "陈文昌",
        },
    )
    assert response.status_code == 400
    assert zh("No resident of your communities has this volunteer number.") in (
        response.content.decode()
    )
    response = client.post(
        "/console/certificates/",
        {
            "person": world.resident.volunteer_no,
            "start": f"{YEAR}-01-01",
            "end": f"{YEAR}-12-31",
            "responsible": "陈书记",
            "handler": "陈文昌",
        },
    )
    assert response.status_code == 400  # no approved service in the period
    assert "王淑英" in response.content.decode()
    assert not Certificate.objects.exists()


def test_reviewers_and_residents_cannot_open_the_certificates_console(world, as_person) -> None:
    assert as_person(world.reviewer).get("/console/certificates/").status_code == 403
    assert as_person(world.resident).get("/console/certificates/").status_code == 403


def test_staff_revoke_from_the_console(world, certificate, as_person) -> None:
    client = as_person(world.staff)
    response = client.post(
        f"/console/certificates/{certificate.pk}/revoke/", {"reason": "重复出具"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoke_reason == "重复出具"
    other = as_person(world.other_staff).post(
        f"/console/certificates/{certificate.pk}/revoke/", {"reason": "x"}
    )
    assert other.status_code == 404


def test_the_certificate_list_takes_the_same_queries_for_many(world, as_person) -> None:
    items = make_items(world)
    served(world.resident, items.basic, 3, date(YEAR, 6, 1))
    client = as_person(world.staff)

    def issue(n: int) -> None:
        for _i in range(n):
            certificates.issue_certificate(
                actor=world.staff,
                person=world.resident,
                start=date(YEAR, 1, 1),
                end=date(YEAR, 12, 31),
                responsible="陈书记",
                handler="陈文昌",
            )

    issue(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/console/certificates/")
    issue(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/console/certificates/")
    assert len(many) == len(few)


def test_a_resident_prints_their_own_ledger_and_staff_print_a_residents(world, as_person):
    award(world.resident, 30, local(timezone.localdate()))
    mine = as_person(world.resident).get("/documents/ledger.pdf")
    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    url = f"/console/people/{world.resident.pk}/ledger.pdf?start={YEAR}-01-01&end={YEAR}-12-31"
    assert as_person(world.staff).get(url).status_code == 200
    assert as_person(world.other_staff).get(url).status_code == 404
    bad = as_person(world.staff).get(
        f"/console/people/{world.resident.pk}/ledger.pdf?start=2025-05-01&end=2025-01-01"
    )
    assert bad.status_code == 400


def test_the_published_announcement_prints_for_anyone_a_draft_for_its_staff(world) -> None:
    announcement = published_month(world, world.wenchang, [world.resident, world.staff])
    response = Client().get(f"/documents/announcements/{announcement.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("inline")
    # 金悦's month, drafted but not published: for the staff over it only.
    award(world.neighbour, 5, local(last_month().replace(day=3)))
    draft = publicity.draft(
        actor=world.town_admin, community=world.jinyue, month=f"{last_month():%Y-%m}"
    )
    url = f"/documents/announcements/{draft.pk}.pdf"
    assert Client().get(url).status_code == 404
    for person, status in ((world.staff, 404), (world.neighbour, 404), (world.town_admin, 200)):
        client = Client()
        client.force_login(person)
        assert client.get(url).status_code == status, person
    assert Client().get("/documents/announcements/999999.pdf").status_code == 404


def test_the_selection_page_and_its_excel_lists(world, as_person) -> None:
    items = make_items(world)
    party = make_person(
        world.wenchang, "许税务", is_reporting_party_member=True, employer="县税务局"
    )
    served(world.resident, items.basic, 24, date(YEAR, 3, 1))
    served(party, items.basic, 2, date(YEAR, 3, 1))
    award(world.resident, 240, local(date(YEAR, 3, 2)))
    client = as_person(world.staff)
    page = client.get(f"/console/selection/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "王淑英" in html and "许税务" in html and "县税务局" in html
    assert zh("Annual selection") in html  # the console's menu names it too
    for kind in ("ranking", "stars", "households", "party"):
        response = client.get(f"/console/selection/{kind}.xlsx?community=350524100001&year={YEAR}")
        assert response.status_code == 200, kind
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        load_workbook(BytesIO(response.content))
    one = client.get(
        f"/console/selection/party.xlsx?community=350524100001&year={YEAR}&employer=县税务局"
    )
    names = [
        row[1] for row in load_workbook(BytesIO(one.content)).active.iter_rows(values_only=True)
    ]
    assert "许税务" in names
    assert client.get("/console/selection/nothing.xlsx").status_code == 404
    assert as_person(world.resident).get("/console/selection/").status_code == 403


def test_staff_set_the_star_levels_and_the_issuer_reviewers_do_not(world, as_person) -> None:
    data = {
        "community": "350524100001",
        "year": str(YEAR),
        "star_hours": "50,150,300",
        "certificate_issuer": "文昌社区居民委员会",
    }
    assert as_person(world.staff).post("/console/selection/policy/", data).status_code == 302
    policy = PublicityPolicy.objects.get(region=world.wenchang)
    assert (policy.star_hours, policy.certificate_issuer) == ("50,150,300", "文昌社区居民委员会")
    assert AuditEvent.objects.filter(action="publicity.policy").count() == 1
    as_person(world.reviewer).post("/console/selection/policy/", {**data, "star_hours": "1"})
    policy.refresh_from_db()
    assert policy.star_hours == "50,150,300"
    page = as_person(world.staff).get(f"/console/selection/?year={YEAR}").content.decode()
    assert "50,150,300" in page


def test_the_announcements_qr_code_opens_its_verify_page(world, monkeypatch) -> None:
    """The paper 公示's QR leads to what a person holding it can check (issue 13)."""
    from django.urls import NoReverseMatch, reverse

    from jifen.publicity import pdf

    drawn: list[str] = []
    real = pdf.draw_qr
    monkeypatch.setattr(
        pdf, "draw_qr", lambda canvas, data, *a: (drawn.append(data), real(canvas, data, *a))
    )
    announcement = published_month(world, world.wenchang, [world.resident])
    Client().get(f"/documents/announcements/{announcement.pk}.pdf")
    try:
        page = reverse("publicity:verify_announcement", args=[announcement.pk])
    except NoReverseMatch:  # the public pages are not installed
        page = f"/api/v1/public/announcements/{announcement.pk}"
    assert drawn == [
        f"http://testserver{page}",
        f"http://testserver/public/checkpoints/{world.county.code}/",
    ]
    assert Client().get(page).status_code == 200
