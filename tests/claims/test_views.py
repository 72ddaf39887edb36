"""The claim pages through Django's test client: who may open what, what a form says when
it is wrong, what a batch approval reports, and what an empty page says."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from jifen.claims import services
from jifen.claims.models import AppealStatus, Claim, Photo, Provenance, Source, Status
from jifen.people.models import (
    Household,
    Organization,
    OrganizationMember,
    Person,
    Proxy,
    Role,
    RoleGrant,
)
from jifen.points.selectors import balance_of
from tests.browser.helpers import zh
from tests.conftest import make_person
from tests.points.conftest import Ledger


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()  # no Accept-Language: the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


@pytest.fixture
def uploads(settings, tmp_path):
    """Photos go to a temporary folder, never into the data directory."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def third(world) -> Person:
    """A third reviewer of 文昌, free to decide appeals the others reviewed."""
    person = make_person(world.wenchang, "许三审")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


def jpeg(name: str = "evidence.jpg", size: tuple[int, int] = (40, 30)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(data, "JPEG")
    data.seek(0)
    data.name = name
    return data


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page(response) -> str:
    return response.content.decode()


# --- Who may open what ---------------------------------------------------------------------


def test_a_resident_gets_403_on_every_console_claim_page_and_changes_nothing(
    world, declare, as_person
):
    claim = declare(person=world.neighbour)
    client = as_person(world.resident)
    for path in (
        "/console/claims/",
        "/console/claims/cadence/",
        f"/console/claims/{claim.pk}/",
        f"/console/people/{world.resident.pk}/claims/new/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/console/claims/{claim.pk}/approve/").status_code == 403
    assert client.post("/console/claims/approve/", {"claim": [claim.pk]}).status_code == 403
    assert (
        client.post(f"/console/claims/{claim.pk}/reject/", {"reject-reason": "x"}).status_code
        == 403
    )
    claim.refresh_from_db()
    assert claim.status == Status.PENDING and not claim.reviews.exists()


def test_visitors_are_sent_to_log_in(db):
    for path in ("/claims/", "/claims/new/", "/claims/1/", "/claims/photos/1/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_merchant_opens_the_console_but_not_the_claims(world, declare, as_person):
    claim = declare()
    client = as_person(world.merchant)
    assert client.get("/console/claims/").status_code == 403
    assert client.get("/console/claims/cadence/").status_code == 403
    assert client.get(f"/console/claims/{claim.pk}/").status_code == 404
    assert "/console/claims/" not in page(client.get("/console/"))


def test_reviewers_of_another_town_do_not_find_the_claim(world, declare, as_person):
    claim = declare()
    other = make_person(world.wanmei, "湾美审核")
    RoleGrant.objects.create(person=other, role=Role.REVIEWER, region=world.wanmei)
    client = as_person(other)
    assert client.get(f"/console/claims/{claim.pk}/").status_code == 404
    assert client.post(f"/console/claims/{claim.pk}/approve/").status_code == 404
    assert str(claim.pk) not in re.findall(
        r'name="claim" value="(\d+)"', page(client.get("/console/claims/"))
    )
    claim.refresh_from_db()
    assert claim.status == Status.PENDING


def test_a_resident_sees_neither_another_persons_claim_nor_its_photo(
    world, declare, as_person, uploads
):
    claim = declare(photos=[jpeg()])
    photo = claim.photos.get()
    client = as_person(world.neighbour)
    assert client.get(f"/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/claims/photos/{photo.pk}/").status_code == 404
    assert client.post(f"/claims/{claim.pk}/appeal/", {"reason": "x"}).status_code == 404
    # Staff of the next town are no closer.
    assert as_person(world.other_staff).get(f"/claims/photos/{photo.pk}/").status_code == 404


def test_the_photo_is_served_privately_to_the_claimant_and_the_reviewers(
    world, declare, as_person, uploads
):
    claim = declare(photos=[jpeg()])
    photo = claim.photos.get()
    for person in (world.resident, world.reviewer, world.staff):
        response = as_person(person).get(f"/claims/photos/{photo.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    # Stored under the data folder, not under any public URL of the page.
    assert "/media/" not in page(as_person(world.resident).get(f"/claims/{claim.pk}/"))


def test_a_proxy_sees_and_declares_for_their_principal(world, items, as_person, uploads):
    daughter = make_person(world.wenchang, "王女儿")
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    client = as_person(daughter)
    form = page(client.get("/claims/new/"))
    assert f'value="p{world.resident.pk}"' in form
    response = client.post(
        "/claims/new/",
        {
            "for": f"p{world.resident.pk}",
            "rule_item": items.basic.pk,
            "quantity": "1",
            "occurred_on": timezone.localdate().isoformat(),
            "description": "陪妈妈去社区打扫",
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert claim.person == world.resident and claim.created_by == daughter
    mine = page(client.get(f"/claims/?for={world.resident.pk}"))
    assert f"/claims/{claim.pk}/" in mine
    assert client.get(f"/claims/{claim.pk}/").status_code == 200


def test_a_member_declares_points_for_their_organisation(world, items, as_person):
    org = Organization.objects.create(region=world.wenchang, name="县供电公司")
    OrganizationMember.objects.create(organization=org, person=world.resident, is_contact=True)
    client = as_person(world.resident)
    assert f'value="o{org.pk}"' in page(client.get("/claims/new/"))
    client.post(
        "/claims/new/",
        {
            "for": f"o{org.pk}",
            "rule_item": items.basic.pk,
            "quantity": "2",
            "occurred_on": timezone.localdate().isoformat(),
        },
    )
    claim = Claim.objects.get()
    assert claim.organization == org and claim.source == Source.ORGANIZATION


# --- Declaring ----------------------------------------------------------------------------


def test_the_declare_form_lists_the_items_with_their_points_and_a_photo_picker(
    world, items, as_person
):
    html = page(as_person(world.resident).get("/claims/new/"))
    assert "义诊" in html and "环境整治" in html
    assert 'accept="image/jpeg,image/png"' in html
    assert 'capture="environment"' in html
    assert re.search(r'<input type="file" name="photos"[^>]*multiple', html)
    assert 'type="date"' in html
    assert 'enctype="multipart/form-data"' in html


def test_declaring_with_photos_makes_a_pending_claim(world, items, as_person, uploads):
    client = as_person(world.resident)
    response = client.post(
        "/claims/new/",
        {
            "rule_item": items.skilled.pk,
            "quantity": "3",
            "occurred_on": timezone.localdate().isoformat(),
            "description": "社区义诊量血压",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert claim.points == 60 and claim.approvals_needed == 2
    assert claim.source == Source.DECLARED and claim.provenance == Provenance.DECLARED
    assert claim.photos.count() == 2
    detail = page(client.get(response["Location"]))
    assert detail.count("/claims/photos/") >= 2
    assert zh("waiting for review") in detail


def test_form_errors_are_shown_in_chinese(world, items, as_person):
    client = as_person(world.resident)
    response = client.post("/claims/new/", {})
    assert response.status_code == 200
    html = page(response)
    assert '<html lang="zh-CN">' in html
    assert html.count(zh("Please fill in this field.")) == 3  # item, quantity, date
    response = client.post(
        "/claims/new/",
        {
            "rule_item": items.basic.pk,
            "quantity": "1.3",
            "occurred_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
    )
    html = page(response)
    assert zh("Hours are counted in half hours: 1, 1.5, 2 …") in html
    assert not Claim.objects.exists()
    response = client.post(
        "/claims/new/",
        {"rule_item": items.basic.pk, "quantity": "abc", "occurred_on": "2025-13-45"},
    )
    html = page(response)
    assert zh("Write a number here.") in html and zh("Write the date as 2026-05-01.") in html
    assert "输入一个" not in html  # Django's stock words


def test_more_than_three_photos_are_refused_and_nothing_is_kept(world, items, as_person, uploads):
    response = as_person(world.resident).post(
        "/claims/new/",
        {
            "rule_item": items.basic.pk,
            "quantity": "1",
            "occurred_on": timezone.localdate().isoformat(),
            "photos": [jpeg(f"{n}.jpg") for n in range(4)],
        },
    )
    assert response.status_code == 200
    assert zh("At most %(n)s photos per claim.") % {"n": 3} in page(response)
    assert not Claim.objects.exists() and not Photo.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_on_the_photo_field(world, items, as_person, uploads):
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "photo.jpg"
    response = as_person(world.resident).post(
        "/claims/new/",
        {
            "rule_item": items.basic.pk,
            "quantity": "1",
            "occurred_on": timezone.localdate().isoformat(),
            "photos": [fake],
        },
    )
    html = page(response)
    assert zh("Please choose a photo in JPEG or PNG format.") in html
    assert 'class="field photo-field has-error"' in html
    assert not Claim.objects.exists()


def test_staff_declare_service_for_a_resident_from_the_person_page(world, items, as_person):
    client = as_person(world.staff)
    person_page = page(client.get(f"/console/people/{world.resident.pk}/"))
    assert f"/console/people/{world.resident.pk}/claims/new/" in person_page
    response = client.post(
        f"/console/people/{world.resident.pk}/claims/new/",
        {
            "rule_item": items.visit.pk,
            "quantity": "2",
            "occurred_on": timezone.localdate().isoformat(),
            "description": "纸质登记补录",
        },
    )
    claim = Claim.objects.get()
    assert response["Location"] == f"/console/claims/{claim.pk}/"
    assert claim.person == world.resident and claim.source == Source.STAFF
    # Whoever entered it does not review it.
    review = page(client.get(f"/console/claims/{claim.pk}/"))
    assert f"/console/claims/{claim.pk}/approve/" not in review
    # Staff of another community cannot enter service for 文昌's resident.
    assert (
        as_person(world.other_staff)
        .get(f"/console/people/{world.resident.pk}/claims/new/")
        .status_code
        == 404
    )


# --- Reviewing ----------------------------------------------------------------------------


def test_the_queue_is_oldest_first_and_filters(world, items, declare, as_person):
    old = declare(item=items.visit, quantity=1)
    Claim.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    new = declare(person=world.neighbour)
    client = as_person(world.town_admin)
    html = page(client.get("/console/claims/"))
    assert html.index(f"/console/claims/{old.pk}/") < html.index(f"/console/claims/{new.pk}/")
    only_old = page(client.get("/console/claims/?age=7"))
    assert f"/console/claims/{old.pk}/" in only_old
    assert f"/console/claims/{new.pk}/" not in only_old
    jinyue = page(client.get(f"/console/claims/?community={world.jinyue.code}"))
    assert f"/console/claims/{new.pk}/" in jinyue and f"/console/claims/{old.pk}/" not in jinyue
    visits = page(client.get(f"/console/claims/?item={items.visit.pk}"))
    assert f"/console/claims/{old.pk}/" in visits and f"/console/claims/{new.pk}/" not in visits
    on_site = page(client.get("/console/claims/?provenance=on_site"))
    assert zh("No claims match these filters.") in on_site


def test_the_queue_reads_a_fixed_number_of_queries_however_many_rows(
    world, items, declare, as_person
):
    client = as_person(world.reviewer)
    declare()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/console/claims/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        declare(person=make_person(world.wenchang, "新志愿者"))
    assert count() == few


def test_a_batch_approval_says_what_was_approved_and_what_was_refused(
    world, items, declare, as_person
):
    small = declare()  # 20 points: one approval posts
    large = declare(item=items.skilled, quantity=3)  # 60 points: waits for a second
    mine = declare(person=world.reviewer)  # the reviewer's own: refused
    client = as_person(world.reviewer)
    response = client.post(
        "/console/claims/approve/",
        {"claim": [small.pk, large.pk, mine.pk], "next": "/console/claims/?status=all"},
    )
    assert response.status_code == 302 and response["Location"] == "/console/claims/?status=all"
    said = texts(response)
    assert said[0] == zh(
        "Approved: %(approved)s. Points posted for %(posted)s; "
        "%(waiting)s wait for a second reviewer."
    ) % {"approved": 2, "posted": 1, "waiting": 1}
    assert str(mine.pk) in said[1]
    assert (
        zh("You cannot review a claim of your own or of your household; another reviewer will.")
        in said[1]
    )
    assert Claim.objects.get(pk=small.pk).status == Status.APPROVED
    assert Claim.objects.get(pk=large.pk).status == Status.PENDING
    assert Claim.objects.get(pk=mine.pk).status == Status.PENDING
    assert balance_of(world.resident).balance == 20


def test_a_batch_approval_without_a_choice_asks_for_one(world, as_person):
    response = as_person(world.reviewer).post(
        "/console/claims/approve/", {"next": "//evil.example/"}
    )
    assert response["Location"] == "/console/claims/"
    assert texts(response) == [zh("Choose at least one claim to approve.")]


def test_the_first_reviewer_of_a_large_claim_cannot_approve_it_again(
    world, items, declare, as_person, second_reviewer
):
    claim = declare(item=items.skilled, quantity=3)
    client = as_person(world.reviewer)
    response = client.post(f"/console/claims/{claim.pk}/approve/", follow=True)
    html = page(response)
    assert (
        zh(
            "Your approval is recorded. This claim needs two reviewers: "
            "it now waits for a second reviewer."
        )
        in html
    )
    assert f"/console/claims/{claim.pk}/approve/" not in html
    assert f"/console/claims/{claim.pk}/reject/" not in html
    # A second press (an old tab) is refused and says why.
    again = client.post(f"/console/claims/{claim.pk}/approve/", follow=True)
    assert zh("You have already reviewed this claim; a second reviewer must approve it.") in page(
        again
    )
    second = page(as_person(second_reviewer).get(f"/console/claims/{claim.pk}/"))
    assert f"/console/claims/{claim.pk}/approve/" in second
    as_person(second_reviewer).post(f"/console/claims/{claim.pk}/approve/")
    assert Claim.objects.get(pk=claim.pk).status == Status.APPROVED
    assert balance_of(world.resident).balance == 60


def test_a_household_member_sees_no_review_buttons(world, declare, as_person):
    home = Household.objects.create(region=world.wenchang, label="江滨花园3栋201")
    Person.objects.filter(pk__in=[world.reviewer.pk, world.resident.pk]).update(household=home)
    claim = declare()
    html = page(as_person(world.reviewer).get(f"/console/claims/{claim.pk}/"))
    assert f"/console/claims/{claim.pk}/approve/" not in html


def test_a_rejection_needs_a_reason_in_chinese(world, declare, as_person):
    claim = declare()
    client = as_person(world.reviewer)
    response = client.post(f"/console/claims/{claim.pk}/reject/", {"reject-reason": "  "})
    assert response.status_code == 400
    assert zh("Please fill in this field.") in page(response)
    assert Claim.objects.get(pk=claim.pk).status == Status.PENDING
    response = client.post(
        f"/console/claims/{claim.pk}/reject/", {"reject-reason": "照片与描述不符"}, follow=True
    )
    assert Claim.objects.get(pk=claim.pk).status == Status.REJECTED
    assert "照片与描述不符" in page(response)


def test_a_volunteer_reads_the_reason_appeals_and_another_reviewer_upholds(
    world, declare, as_person, third
):
    claim = declare()
    services.reject_claim(claim=claim, reviewer=world.reviewer, reason="时长不符")
    volunteer = as_person(world.resident)
    listing = page(volunteer.get("/claims/"))
    assert "时长不符" in listing and zh("rejected") in listing
    detail = page(volunteer.get(f"/claims/{claim.pk}/"))
    assert f"/claims/{claim.pk}/appeal/" in detail
    # The volunteer does not learn which neighbour rejected it.
    assert world.reviewer.name not in detail
    empty = volunteer.post(f"/claims/{claim.pk}/appeal/", {"reason": ""})
    assert empty.status_code == 400 and zh("Please fill in this field.") in page(empty)
    volunteer.post(f"/claims/{claim.pk}/appeal/", {"reason": "我做了两个小时，有照片"})
    assert claim.appeal.status == AppealStatus.OPEN
    # The reviewer who rejected it is not the one to decide.
    first = page(as_person(world.reviewer).get(f"/console/claims/{claim.pk}/"))
    assert f"/console/claims/{claim.pk}/appeal/" not in first
    deciding = as_person(third)
    assert f"/console/claims/{claim.pk}/appeal/" in page(
        deciding.get(f"/console/claims/{claim.pk}/")
    )
    no_note = deciding.post(
        f"/console/claims/{claim.pk}/appeal/", {"decision": "uphold", "appeal-note": ""}
    )
    assert no_note.status_code == 400
    deciding.post(
        f"/console/claims/{claim.pk}/appeal/",
        {"decision": "uphold", "appeal-note": "照片可以证明", "appeal-quantity": ""},
    )
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.appeal.status == AppealStatus.UPHELD
    assert balance_of(world.resident).balance == 20
    after = page(volunteer.get(f"/claims/{claim.pk}/"))
    assert "照片可以证明" in after and zh("Appeal upheld") in after


def test_the_appeal_window_closes(world, declare, as_person):
    claim = declare()
    services.reject_claim(claim=claim, reviewer=world.reviewer, reason="不符")
    Claim.objects.filter(pk=claim.pk).update(decided_at=timezone.now() - timedelta(days=31))
    html = page(as_person(world.resident).get(f"/claims/{claim.pk}/"))
    assert f"/claims/{claim.pk}/appeal/" not in html
    assert zh("The time to appeal ended on %(date)s.").split("%")[0] in html


def test_revoking_spent_points_says_to_ask_for_a_staff_adjustment(world, declare, as_person):
    claim = services.approve_claim(claim=declare(), reviewer=world.reviewer)
    Ledger().redeem(world.resident, 15)
    response = as_person(world.town_admin).post(
        f"/console/claims/{claim.pk}/revoke/", {"revoke-reason": "虚报服务"}
    )
    assert response.status_code == 409
    html = page(response)
    assert f"/console/people/{world.resident.pk}/statement/" in html
    assert Claim.objects.get(pk=claim.pk).status == Status.APPROVED
    # A reviewer cannot adjust, so they are told to ask the staff.
    reviewer = as_person(world.reviewer).post(
        f"/console/claims/{claim.pk}/revoke/", {"revoke-reason": "虚报服务"}
    )
    assert zh("Please ask the community staff to make the adjustment.") in page(reviewer)


def test_revoking_reverses_the_points_and_the_volunteer_sees_why(world, declare, as_person):
    claim = services.approve_claim(claim=declare(), reviewer=world.reviewer)
    client = as_person(world.reviewer)
    review = page(client.get(f"/console/claims/{claim.pk}/"))
    assert "data-confirm" in review and f"/console/claims/{claim.pk}/revoke/" in review
    client.post(f"/console/claims/{claim.pk}/revoke/", {"revoke-reason": "当天未到场"})
    assert Claim.objects.get(pk=claim.pk).status == Status.REVOKED
    assert balance_of(world.resident).balance == 0
    assert "当天未到场" in page(as_person(world.resident).get(f"/claims/{claim.pk}/"))


def test_the_claim_page_shows_its_whole_history(world, items, declare, as_person, second_reviewer):
    claim = declare(item=items.skilled, quantity=3)
    services.approve_claim(claim=claim, reviewer=world.reviewer)
    services.approve_claim(claim=claim, reviewer=second_reviewer)
    html = page(as_person(world.staff).get(f"/console/claims/{claim.pk}/"))
    timeline = html[html.index('class="timeline"') :]
    assert timeline.count("<li") == 3
    assert world.reviewer.name in timeline and second_reviewer.name in timeline
    assert zh("%(points)s points posted") % {"points": 60} in timeline


def test_long_lists_come_in_pages(world, items, declare, as_person):
    for _ in range(26):
        declare(item=items.visit, quantity=1)
    reviewer = as_person(world.reviewer)
    first = page(reviewer.get(f"/console/claims/?community={world.wenchang.code}"))
    assert first.count('name="claim"') == 25
    assert f"?community={world.wenchang.code}&page=2" in first
    second = page(reviewer.get(f"/console/claims/?community={world.wenchang.code}&page=2"))
    assert second.count('name="claim"') == 1
    mine = as_person(world.resident)
    assert page(mine.get("/claims/")).count('class="card claim-card"') == 20
    assert page(mine.get("/claims/?page=2")).count('class="card claim-card"') == 6


# --- Empty pages and navigation -----------------------------------------------------------


def test_empty_pages_say_so(world, as_person):
    volunteer = page(as_person(world.resident).get("/claims/"))
    assert (
        zh(
            "No claims yet. Did you serve your neighbours? Declare it and the review group will "
            "check it."
        )
        in volunteer
    )
    reviewer = as_person(world.reviewer)
    assert zh(
        "No claims are waiting for review here. Thank you for keeping up the weekly review."
    ) in page(reviewer.get("/console/claims/"))
    assert zh("No claims match these filters.") in page(
        reviewer.get("/console/claims/?status=revoked")
    )
    cadence = page(reviewer.get("/console/claims/cadence/"))
    assert zh("No claims are waiting: every claim has been reviewed.") in cadence
    assert world.reviewer.name in cadence  # the reviewer is listed, with no reviews yet


def test_the_cadence_counts_waiting_claims_by_age(world, declare, as_person):
    old = declare()
    Claim.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    declare(person=world.neighbour)
    html = page(as_person(world.town_admin).get("/console/claims/cadence/"))
    assert world.wenchang.name in html and world.jinyue.name in html
    assert f"?community={world.wenchang.code}&amp;age=15" in html


def test_the_navigation_leads_to_the_claim_pages(world, as_person):
    home = page(as_person(world.resident).get("/"))
    assert "/claims/new/" in home and 'href="/claims/"' in home
    console = page(as_person(world.reviewer).get("/console/"))
    assert 'href="/console/claims/"' in console and 'href="/console/claims/cadence/"' in console
