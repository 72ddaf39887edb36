"""The verify pages for a person: a proof file uploaded on /verify/ (good, tampered,
garbage, too big — a clear answer each time, never a 500), the page the QR code on the
paper 公示 opens, the technical description, and 公示 · 排名 · 核验 in every header."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jifen.publicity import pdf, selectors
from jifen.publicity.forms import MAX_PROOF_BYTES
from jifen.witness.selectors import witness_region
from tests.browser.helpers import zh
from tests.publicity.conftest import Month

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_person():
    def login(person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


@pytest.fixture
def proof(last_month: Month, published) -> dict:
    return selectors.proof_for(last_month.resident, published)


def upload(content: bytes, name: str = "jifen-proof.json", client: Client | None = None):
    file = SimpleUploadedFile(name, content, content_type="application/json")
    return (client or Client()).post("/verify/", {"proof": file})


def page_of(response) -> str:
    return response.content.decode()


# --- Uploading a proof file ---------------------------------------------------------------------


def test_a_good_proof_file_checks_out(proof, published):
    response = upload(json.dumps(proof, ensure_ascii=False, indent=2).encode())
    assert response.status_code == 200
    page = page_of(response)
    assert 'data-verdict="ok"' in page
    assert page.count('class="check-ok"') >= 2
    assert published.seal in page


def test_a_file_saved_with_a_byte_order_mark_still_checks_out(proof):
    response = upload(b"\xef\xbb\xbf" + json.dumps(proof).encode())
    assert 'data-verdict="ok"' in page_of(response)


def test_a_tampered_proof_file_is_marked_entry_by_entry(proof):
    proof["entries"][0]["entry"] = proof["entries"][0]["entry"].replace(",20,", ",200,")
    response = upload(json.dumps(proof).encode())
    assert response.status_code == 200
    page = page_of(response)
    assert 'data-verdict="failed"' in page
    assert 'class="check-bad"' in page and 'class="check-ok"' in page


def test_a_forged_seal_is_refused_by_the_published_one(proof, published):
    proof["seal"] = "a" * 64
    page = page_of(upload(json.dumps(proof).encode()))
    assert 'data-verdict="failed"' in page and published.seal in page


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # a photo, renamed
        b"\xff\xfe\x00\x00garbage",  # not UTF-8
        b"{not json",
        b"[1, 2, 3]",  # JSON, not a document
        b"[" * 200_000,  # nested past what a parser recurses into
        b"",
    ],
)
def test_garbage_is_a_clear_answer_never_a_500(published, content):
    response = upload(content)
    assert response.status_code == 400
    page = page_of(response)
    assert 'class="error"' in page
    assert 'data-verdict="ok"' not in page


def test_json_that_is_no_proof_of_ours_is_said_so(published):
    response = upload(b'{"hello": "world"}')
    assert response.status_code == 200
    page = page_of(response)
    assert 'data-verdict="failed"' in page
    assert zh("This is not a proof of ours.") in page


def test_a_file_too_big_is_refused_before_it_is_read(published):
    response = upload(b" " * (MAX_PROOF_BYTES + 1))
    assert response.status_code == 400
    page = page_of(response)
    assert 'class="error"' in page and "data-verdict" not in page


def test_a_file_of_another_type_is_refused(proof):
    response = upload(json.dumps(proof).encode(), name="photo.jpg")
    assert response.status_code == 400
    assert "data-verdict" not in page_of(response)


def test_no_file_at_all_asks_for_one(published):
    response = Client().post("/verify/", {})
    assert response.status_code == 400
    assert 'class="error"' in page_of(response)


def test_pasted_text_nested_past_reason_is_refused_too(published):
    response = Client().post("/verify/", {"document": "[" * 100_000})
    assert response.status_code == 400


def test_the_page_offers_a_file_not_code(published):
    page = page_of(Client().get("/verify/"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "write a few lines" not in page
    assert 'href="/verify/method/"' in page
    assert "/login/?next=/verify/mine/" in page


def test_a_logged_in_resident_finds_verify_my_points(world, as_person):
    page = page_of(as_person(world.resident).get("/verify/"))
    assert 'href="/verify/mine/"' in page


# --- The page of the QR code on the paper 公示 ---------------------------------------------------


def test_the_paper_announcements_qr_code_leads_to_its_verify_page(published, monkeypatch):
    drawn: list[str] = []
    real = pdf.draw_qr

    def spy(canvas, data, *args) -> None:
        drawn.append(data)
        real(canvas, data, *args)

    monkeypatch.setattr(pdf, "draw_qr", spy)
    response = Client().get(f"/documents/announcements/{published.pk}.pdf")
    assert response.status_code == 200
    assert drawn == [
        f"http://testserver/verify/announcements/{published.pk}/",
        f"http://testserver/public/checkpoints/{witness_region(published.community).code}/",
    ]


def test_anyone_sees_what_can_be_checked_of_the_month(published):
    response = Client().get(f"/verify/announcements/{published.pk}/")
    assert response.status_code == 200
    page = page_of(response)
    for printed in (published.seal, published.root, published.month):
        assert printed in page
    # The seal from its lines; the chain; the seal in the county's checkpoint.
    assert page.count('class="check-ok"') == 3
    assert 'data-check="seal"' in page and 'data-check="chain"' in page
    assert 'data-check="witnessed"' in page
    assert f"/login/?next=/verify/announcements/{published.pk}/" in page
    assert 'type="file"' in page
    assert f'href="/public/announcements/{published.pk}/"' in page


def test_a_logged_in_resident_sees_their_entries_of_that_month_checked(
    last_month: Month, published, as_person
):
    page = page_of(as_person(last_month.resident).get(f"/verify/announcements/{published.pk}/"))
    assert 'data-verdict="ok"' in page
    assert f"/verify/proof/{published.pk}.json" in page


def test_no_verify_page_for_a_draft_or_a_wrong_id(drafted):
    assert Client().get(f"/verify/announcements/{drafted.pk}/").status_code == 404
    assert Client().get("/verify/announcements/99999999/").status_code == 404
    assert Client().get("/verify/announcements/9999999999999999999999/").status_code == 404


# --- The technical description ------------------------------------------------------------------


def test_the_technical_description_is_served():
    response = Client().get("/verify/method/")
    assert response.status_code == 200
    page = page_of(response)
    assert "jifen-seal-v1" in page and "H(0x00" in page
    raw = Client().get("/verify/method/?format=md")
    assert raw["Content-Type"].startswith("text/markdown")
    assert raw.content.decode().startswith("# Verifying a sealed month")


# --- 公示 · 排名 · 核验 in every header ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/login/", "/register/", "/verify/", "/public/"])
def test_every_page_links_the_public_notices_rankings_and_verify(world, path):
    page = page_of(Client().get(path))
    header = page[page.index('<header class="topbar">') : page.index("</header>")]
    for href in ('href="/public/"', 'href="/public/rankings/"', 'href="/verify/"'):
        assert href in header, (path, href)


def test_a_logged_in_header_has_them_too(world, as_person):
    page = page_of(as_person(world.resident).get("/points/"))
    header = page[page.index('<header class="topbar">') : page.index("</header>")]
    assert 'href="/public/"' in header and 'href="/verify/"' in header


def test_rankings_lead_to_ones_own_community_or_to_the_choice(world, as_person):
    mine = as_person(world.resident).get("/public/rankings/")
    assert mine.status_code == 302
    assert mine["Location"] == f"/public/{world.wenchang.code}/rankings/"
    anonymous = Client().get("/public/rankings/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/public/?for=rankings"
    page = page_of(Client().get(anonymous["Location"]))
    assert 'data-hint="rankings"' in page


def test_from_a_public_announcement_someone_not_logged_in_reaches_its_verify_page(
    published, drafted
):
    response = Client().get(f"/verify/?announcement={published.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/announcements/{published.pk}/"
    for raw in ("99999999", "9" * 30, "abc"):  # no such month: a login, as before
        response = Client().get(f"/verify/?announcement={raw}")
        assert response.status_code == 302 and "/login/" in response["Location"], raw
