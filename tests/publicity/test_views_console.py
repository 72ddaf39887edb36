"""The 公示 pages through Django's test client: the console's months, drafting, the review of
a draft, publishing and sealing, objections and their answers — who may open and press
what — and the public verify page, with and without a login."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.people.models import Person
from jifen.points.services import request_adjustment
from jifen.publicity import selectors, services
from jifen.publicity.models import Announcement, Objection, ObjectionStatus, Status
from tests.browser.helpers import zh
from tests.publicity.conftest import Book, Month, Months, at

pytestmark = pytest.mark.django_db

CONSOLE = "/console/announcements/"


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()  # no Accept-Language: the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


def text_of(response) -> str:
    return response.content.decode()


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The menu and the list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("staff", True),
        ("reviewer", True),
        ("town_admin", True),
        ("merchant", False),
        ("kiosk", False),
    ],
)
def test_the_menu_shows_monthly_announcements_to_who_drafts_or_publishes(
    world, as_person, who, shown
):
    page = text_of(as_person(getattr(world, who)).get("/console/"))
    assert (f'href="{CONSOLE}"' in page) is shown
    if shown:
        assert zh("Monthly announcements") in page


def test_staff_see_the_months_of_their_community(
    world, as_person, last_month: Month, published, months: Months
):
    services.draft(actor=None, community=world.wanmei, month=months.last)
    services.object_to(actor=world.resident, announcement=published, text="有误")
    response = as_person(world.staff).get(CONSOLE)
    assert response.status_code == 200
    page = text_of(response)
    assert f"/console/announcements/{published.pk}/" in page
    assert "湾美社区" not in page  # another town's month
    assert f'{CONSOLE}{published.pk}/objections/?status=open"><strong>1</strong>' in page
    admin = text_of(as_person(world.county_admin).get(CONSOLE + "?status=draft"))
    assert "湾美社区" in admin and f"/console/announcements/{published.pk}/" not in admin


@pytest.mark.parametrize("who", ["merchant", "kiosk"])
def test_other_roles_may_not_open_the_months(world, as_person, who):
    assert as_person(getattr(world, who)).get(CONSOLE).status_code == 403


def test_a_resident_has_no_console(world, as_person):
    assert as_person(world.resident).get(CONSOLE).status_code == 403
    assert Client().get(CONSOLE).status_code == 302  # to the login page


# --- Drafting ----------------------------------------------------------------------------------


def test_staff_draft_last_month_from_the_form(world, as_person, last_month: Month):
    staff = as_person(world.staff)
    form = text_of(staff.get(CONSOLE + "new/"))
    assert f'value="{last_month.month}"' in form and "文昌社区" in form
    response = staff.post(
        CONSOLE + "new/", {"community": world.wenchang.code, "month": last_month.month}
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{CONSOLE}{announcement.pk}/"
    assert announcement.drafted_by == world.staff and announcement.status == Status.DRAFT


def test_the_draft_form_offers_only_ended_months_and_own_communities(
    world, as_person, months: Months
):
    staff = as_person(world.staff)
    for community, month in ((world.wenchang, months.this), (world.wanmei, months.last)):
        response = staff.post(CONSOLE + "new/", {"community": community.code, "month": month})
        assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_a_published_month_is_not_drafted_from_the_form(world, as_person, published):
    response = as_person(world.staff).post(
        CONSOLE + "new/", {"community": world.wenchang.code, "month": published.month}
    )
    assert response.status_code == 400
    assert "error" in text_of(response)


def test_reviewers_do_not_draft(world, as_person):
    assert as_person(world.reviewer).get(CONSOLE + "new/").status_code == 403


# --- The review of a draft and publishing ------------------------------------------------------


def test_staff_review_a_draft_and_may_work_it_out_again(
    world, as_person, last_month: Month, drafted, book: Book
):
    staff = as_person(world.staff)
    page = text_of(staff.get(f"{CONSOLE}{drafted.pk}/"))
    assert "欧**梅" in page and "+30" in page and "-15" in page
    assert f"{CONSOLE}{drafted.pk}/redraft/" in page
    assert f"{CONSOLE}{drafted.pk}/publish/" not in page  # the review group publishes
    assert world.resident.phone not in page
    book.award(last_month.li, 7, at(last_month.month, 25))
    response = staff.post(f"{CONSOLE}{drafted.pk}/redraft/")
    assert response.status_code == 302
    drafted.refresh_from_db()
    assert drafted.totals["transfers"] == 7


def test_a_reviewer_sees_the_publish_button_with_its_warning(world, as_person, drafted):
    page = text_of(as_person(world.reviewer).get(f"{CONSOLE}{drafted.pk}/"))
    assert f'action="{CONSOLE}{drafted.pk}/publish/"' in page
    (question,) = re.findall(r'data-confirm="([^"]*)"', page)
    assert "文昌社区" in question and drafted.month in question
    assert f"{CONSOLE}{drafted.pk}/redraft/" not in page


def test_a_reviewer_publishes_and_the_seal_is_printed(world, as_person, drafted):
    reviewer = as_person(world.reviewer)
    response = reviewer.post(f"{CONSOLE}{drafted.pk}/publish/")
    assert response.status_code == 302
    drafted.refresh_from_db()
    assert drafted.status == Status.PUBLISHED and drafted.published_by == world.reviewer
    page = text_of(reviewer.get(f"{CONSOLE}{drafted.pk}/"))
    assert drafted.root in page and drafted.seal in page
    assert timezone.localtime(drafted.published_at).strftime("%Y-%m-%d") in page
    assert f"{CONSOLE}{drafted.pk}/publish/" not in page


def test_staff_cannot_publish_by_posting(world, as_person, drafted):
    response = as_person(world.staff).post(f"{CONSOLE}{drafted.pk}/publish/")
    assert response.status_code == 302
    assert said(response)  # the refusal, said on the page
    drafted.refresh_from_db()
    assert drafted.status == Status.DRAFT


def test_out_of_order_is_said_on_the_page(world, as_person, last_month: Month, months, book):
    book.award(world.resident, 8, at(months.before, 11))
    services.draft(actor=None, community=world.wenchang, month=months.before)
    later = services.draft(actor=None, community=world.wenchang, month=months.last)
    response = as_person(world.reviewer).post(f"{CONSOLE}{later.pk}/publish/")
    assert any(months.before in message for message in said(response))
    later.refresh_from_db()
    assert later.status == Status.DRAFT


@pytest.mark.parametrize("who", ["other_staff", "kiosk", "merchant"])
def test_a_month_is_not_found_for_others(world, as_person, drafted, who):
    client = as_person(getattr(world, who))
    assert client.get(f"{CONSOLE}{drafted.pk}/").status_code == 404
    assert client.post(f"{CONSOLE}{drafted.pk}/publish/").status_code == 404
    assert client.get(f"{CONSOLE}{drafted.pk}/objections/").status_code == 404


def test_the_lines_cost_the_same_queries_however_many(
    world, as_person, last_month: Month, drafted, book: Book
):
    staff = as_person(world.staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(f"{CONSOLE}{drafted.pk}/").status_code == 200
        return len(captured)

    few = queries()
    for day in range(1, 15):
        book.award(last_month.ouyang, 1, at(last_month.month, day, 20))
    assert queries() == few


# --- Objections --------------------------------------------------------------------------------


def test_staff_answer_an_objection_naming_the_correction(
    world, as_person, last_month: Month, published
):
    objection = services.object_to(
        actor=world.resident,
        announcement=published,
        text="我清扫了 3 小时",
        transfer_id=last_month.transfers[0].pk,
    )
    adjustment = request_adjustment(
        actor=world.staff,
        person=world.resident,
        amount=10,
        reason="补记",
        corrects=last_month.transfers[0],
    )
    staff = as_person(world.staff)
    page = text_of(staff.get(f"{CONSOLE}{published.pk}/objections/"))
    assert "我清扫了 3 小时" in page and world.resident.name in page
    assert f"/console/objections/{objection.pk}/answer/" in page
    response = staff.post(
        f"/console/objections/{objection.pk}/answer/",
        {
            f"o{objection.pk}-answer": "已核实，补记 10 分",
            f"o{objection.pk}-correction": adjustment.pk,
        },
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED
    assert objection.correction == adjustment
    page = text_of(staff.get(f"{CONSOLE}{published.pk}/objections/"))
    assert "已核实，补记 10 分" in page


def test_a_wrong_answer_stays_on_the_page_with_its_error(
    world, as_person, last_month: Month, published
):
    objection = services.object_to(actor=world.resident, announcement=published, text="有误")
    other = request_adjustment(
        actor=world.town_admin, person=world.neighbour, amount=5, reason="金悦"
    )
    response = as_person(world.staff).post(
        f"/console/objections/{objection.pk}/answer/",
        {f"o{objection.pk}-answer": "x", f"o{objection.pk}-correction": other.pk},
    )
    assert response.status_code == 400
    assert 'class="error"' in text_of(response)
    response = as_person(world.staff).post(
        f"/console/objections/{objection.pk}/answer/", {f"o{objection.pk}-answer": ""}
    )
    assert response.status_code == 400
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_reviewers_read_objections_but_staff_answer(world, as_person, published):
    objection = services.object_to(actor=world.resident, announcement=published, text="有误")
    reviewer = as_person(world.reviewer)
    page = text_of(reviewer.get(f"{CONSOLE}{published.pk}/objections/"))
    assert "有误" in page and "/answer/" not in page
    response = reviewer.post(
        f"/console/objections/{objection.pk}/answer/", {f"o{objection.pk}-answer": "x"}
    )
    assert response.status_code == 302 and said(response)
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    assert (
        as_person(world.other_staff)
        .post(f"/console/objections/{objection.pk}/answer/", {f"o{objection.pk}-answer": "x"})
        .status_code
        == 404
    )
    assert Objection.objects.count() == 1


# --- The public verify page --------------------------------------------------------------------


def test_anyone_opens_the_verify_page_without_logging_in():
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert 'name="document"' in text_of(response)


def test_a_pasted_proof_checks_out_entry_by_entry(last_month: Month, published):
    document = selectors.proof_for(last_month.resident, published)
    response = Client().post("/verify/", {"document": json.dumps(document)})
    assert response.status_code == 200
    page = text_of(response)
    assert 'data-verdict="ok"' in page
    assert page.count('class="check-ok"') >= 2
    assert published.root in page and published.seal in page
    assert f'data-entry="{last_month.transfers[0].pk}"' in page


def test_a_changed_proof_is_marked_entry_by_entry(last_month: Month, published):
    document = selectors.proof_for(last_month.resident, published)
    document["entries"][1]["entry"] = document["entries"][1]["entry"].replace(",15,", ",1,")
    page = text_of(Client().post("/verify/", {"document": json.dumps(document)}))
    assert 'data-verdict="failed"' in page
    assert 'class="check-bad"' in page and 'class="check-ok"' in page


def test_what_is_not_json_is_said_so():
    response = Client().post("/verify/", {"document": "{not json"})
    assert response.status_code == 400
    assert 'class="error"' in text_of(response)
    page = text_of(Client().post("/verify/", {"document": '{"hello": 1}'}))
    assert 'data-verdict="failed"' in page


def test_a_resident_opens_their_own_proof(world, as_person, last_month: Month, published):
    resident = as_person(world.resident)
    page = text_of(resident.get("/verify/"))
    assert f"?announcement={published.pk}" in page  # their sealed months
    response = resident.get(f"/verify/?announcement={published.pk}")
    assert response.status_code == 200
    page = text_of(response)
    assert 'data-verdict="ok"' in page
    assert "+20" in page and "-15" in page  # their own changes, signed
    assert f"/verify/proof/{published.pk}.json" in page
    download = resident.get(f"/verify/proof/{published.pk}.json")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert "attachment" in download["Content-Disposition"]
    document = json.loads(download.content)
    assert document == selectors.proof_for(world.resident, published)
    assert selectors.check_proof(document) == []


def test_fetching_a_proof_needs_a_login_and_a_published_month(as_person, world, drafted):
    response = Client().get(f"/verify/?announcement={drafted.pk}")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().get(f"/verify/proof/{drafted.pk}.json").status_code == 302
    resident = as_person(world.resident)
    assert resident.get(f"/verify/?announcement={drafted.pk}").status_code == 404
    assert resident.get("/verify/?announcement=abc").status_code == 404
    assert resident.get(f"/verify/proof/{drafted.pk}.json").status_code == 404
