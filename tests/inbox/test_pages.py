"""The to-do on the home pages, and the filtered lists its links open: each list shows
exactly what the line counted. The 申诉中 badge in the lists of claims."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jifen.activities.models import Status as ActivityStatus
from jifen.claims.models import AppealStatus
from jifen.claims.models import Status as ClaimStatus
from jifen.inbox.selectors import todo_for
from jifen.people.models import Person
from tests.browser.helpers import zh
from tests.conftest import make_person
from tests.inbox.conftest import ago

pytestmark = pytest.mark.django_db


def client_of(person: Person) -> Client:
    client = Client()  # the deployment's language, Chinese
    client.force_login(person)
    return client


def line(person: Person, kind: str):
    return next(item for item in todo_for(person) if item.kind == kind)


def test_the_console_home_shows_each_line_oldest_first_with_its_link(world, make):
    make.claim(created=ago(days=3))
    make.appeal(make.claim(status=ClaimStatus.REJECTED, decided=ago(days=9)), filed=ago(days=5))
    page = client_of(world.reviewer).get("/console/").content.decode()
    first = page.index('href="/console/claims/?stage=appeals"')
    second = page.index('href="/console/claims/?stage=first"')
    assert first < second  # the appeal has waited 5 days, the claim 3
    assert zh("Claims to review") in page
    assert zh("oldest %(n)s day ago") not in page  # plural formatted, never raw
    assert re.search(r'todo-count">1<', page)


def test_the_homes_say_so_when_nothing_waits(world, make):
    for person, url in ((world.reviewer, "/console/"), (world.resident, "/")):
        page = client_of(person).get(url).content.decode()
        assert zh("Nothing to do") in page


def test_the_resident_home_shows_their_lines_not_the_works(world, make):
    make.order(world.reviewer)
    make.claim()
    page = client_of(world.reviewer).get("/").content.decode()
    assert 'href="/shop/orders/?status=reserved"' in page
    assert "stage=first" not in page
    console = client_of(world.reviewer).get("/console/").content.decode()
    assert "stage=first" in console
    assert 'href="/shop/orders/?status=reserved"' not in console


def test_a_merchant_operators_home_leads_with_taking_points(world, make, shopkeeper):
    operator, merchant = shopkeeper
    make.order(merchant=merchant)
    page = client_of(operator).get("/").content.decode()
    take = page.index(f'href="/merchant/{merchant.pk}/take/"')
    orders = page.index(f'href="/merchant/{merchant.pk}/orders/?status=reserved"')
    assert take < orders


# --- The lists behind the links ------------------------------------------------------------------


def rows(page: str, marker: str) -> int:
    return page.count(marker)


def test_each_review_stage_lists_what_it_counted(world, make):
    make.claim(created=ago(days=2))
    make.claim(world.reviewer)  # their own: neither counted nor listed as theirs
    cross = make.claim(needed=2)
    make.approve(cross, world.county_admin)
    appealed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=1))
    make.appeal(appealed)
    client = client_of(world.reviewer)
    for kind, expected in (("claims_to_review", 1), ("cross_checks", 1), ("appeals", 1)):
        item = line(world.reviewer, kind)
        assert item.count == expected
        page = client.get(item.url).content.decode()
        assert rows(page, 'class="select-cell"') == expected, kind
    page = client.get(line(world.reviewer, "appeals").url).content.decode()
    assert f'href="/console/claims/{appealed.pk}/"' in page
    assert zh("Under appeal") in page


def test_the_appeal_badge_shows_in_every_list_of_claims(world, make):
    appealed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=1))
    make.appeal(appealed)
    done = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=1))
    make.appeal(done, status=AppealStatus.DISMISSED, decided=ago(hours=1))
    badge = f'appeal-open">{zh("Under appeal")}<'
    queue = client_of(world.reviewer).get("/console/claims/?status=rejected").content.decode()
    assert queue.count(badge) == 1
    mine = client_of(world.resident).get("/claims/").content.decode()
    assert mine.count(badge) == 1
    assert "appeal-dismissed" in mine  # the decided one says how it was decided
    detail = client_of(world.resident).get(f"/claims/{appealed.pk}/").content.decode()
    assert badge in detail


def test_the_appeals_filter_is_in_the_review_queues_form(world, make):
    page = client_of(world.reviewer).get("/console/claims/").content.decode()
    assert 'name="stage"' in page
    assert 'value="appeals"' in page


def test_a_resident_opens_their_recent_decisions(world, make):
    recent = make.claim(status=ClaimStatus.APPROVED, decided=ago(days=1))
    make.claim(status=ClaimStatus.APPROVED, decided=ago(days=20))
    appealed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=3))
    make.appeal(appealed, status=AppealStatus.UPHELD, decided=ago(days=1))
    client = client_of(world.resident)
    page = client.get(line(world.resident, "claims_decided").url).content.decode()
    assert rows(page, 'class="claim-link"') == 1
    assert f'href="/claims/{recent.pk}/"' in page
    page = client.get(line(world.resident, "appeals_answered").url).content.decode()
    assert rows(page, 'class="claim-link"') == 1
    assert f'href="/claims/{appealed.pk}/"' in page


def test_staff_open_the_orders_about_to_expire(world, make):
    soon = make.order(expires=timezone.now() + timedelta(hours=5))
    make.order()
    page = client_of(world.staff).get(line(world.staff, "orders_expiring").url).content.decode()
    assert page.count("?order=") == 1
    assert f"?order={soon.pk}" in page
    page = client_of(world.staff).get(line(world.staff, "pickups").url).content.decode()
    assert page.count("?order=") == 2


def test_staff_open_the_activities_to_close(world, make):
    over = make.activity(starts=ago(days=2))
    make.activity()  # still to come
    page = client_of(world.staff).get(line(world.staff, "activities_to_close").url)
    text = page.content.decode()
    assert f"/console/activities/{over.pk}/" in text
    assert text.count('<td><a href="/console/activities/') == 1


def test_a_reviewer_opens_the_filings(world, make):
    filed = make.activity(status=ActivityStatus.SUBMITTED)
    make.activity(status=ActivityStatus.DRAFT)
    page = client_of(world.reviewer).get(line(world.reviewer, "filings").url).content.decode()
    assert f"/console/activities/{filed.pk}/" in page
    assert page.count('<td><a href="/console/activities/') == 1


def test_staff_open_the_people_who_have_not_consented(world, make):
    waiting = make_person(world.wenchang, "周未同意", consent_at=None)
    page = client_of(world.staff).get(line(world.staff, "unconsented").url).content.decode()
    assert waiting.name in page
    assert world.resident.name not in page


def test_staff_open_the_objections_to_answer(world, make):
    january = make.announcement()
    make.objection(january)
    make.objection(make.announcement(month="2026-02"))
    make.announcement(month="2026-03")  # none waiting
    page = client_of(world.staff).get(line(world.staff, "objections").url).content.decode()
    assert page.count('/objections/?status=open"') == 2
    assert "2026-03" not in page


def test_a_merchant_opens_the_orders_waiting_at_their_shop(world, make, shopkeeper):
    operator, merchant = shopkeeper
    waiting = make.order(merchant=merchant)
    make.order()  # the community's
    page = client_of(operator).get(line(operator, "merchant_pickups").url)
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('<li>\n      <span class="what">') == 1
    assert waiting.code not in text  # the pickup code is the holder's to show
    other = client_of(world.resident).get(f"/merchant/{merchant.pk}/orders/?status=reserved")
    assert other.status_code == 404


def test_a_resident_opens_the_answers_to_their_objections_of_every_month(world, make):
    january = make.announcement()
    make.objection(january, answered=ago(days=1))
    february = make.announcement(month="2026-02")
    answered = make.objection(february, answered=ago(days=2))
    type(answered).objects.filter(pk=answered.pk).update(answer="二月已更正")
    make.objection(february)  # not answered yet
    make.objection(february, world.neighbour, answered=ago(days=1))  # someone else's
    page = client_of(world.resident).get(line(world.resident, "objections_answered").url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "已补记" in text and "二月已更正" in text
    assert text.count('class="entry objection"') == 2
    assert line(world.resident, "objections_answered").count == 2
    assert f"/public/announcements/{january.pk}/object/" in text
    assert f"/public/announcements/{february.pk}/object/" in text
    everything = client_of(world.resident).get("/objections/").content.decode()
    assert everything.count('class="entry objection"') == 3


def test_a_resident_opens_tomorrows_activities_and_only_those(world, make):
    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time()))
    nine += timedelta(hours=9)
    tomorrows = make.activity(starts=nine)
    tomorrows.title = "明天的义诊"
    tomorrows.save()
    make.signup(tomorrows)
    later = make.activity(starts=nine + timedelta(days=2))
    later.title = "后天以后的巡河"
    later.save()
    make.signup(later)
    waitlisted = make.activity(starts=nine + timedelta(hours=2))
    waitlisted.title = "候补的讲座"
    waitlisted.save()
    make.signup(waitlisted, status="waitlisted")
    todo = line(world.resident, "activities_tomorrow")
    page = client_of(world.resident).get(todo.url).content.decode()
    assert "明天的义诊" in page
    assert "后天以后的巡河" not in page and "候补的讲座" not in page
    assert page.count(f'href="/activities/{tomorrows.pk}/"') >= 1
    assert todo.count == 1
    everything = client_of(world.resident).get("/activities/mine/").content.decode()
    assert "后天以后的巡河" in everything


@pytest.mark.parametrize("on", ["nonsense", "1999-01-01", "2026-13-40", "%00"])
def test_an_odd_day_on_my_activities_lists_them_all(world, make, on):
    response = client_of(world.resident).get(f"/activities/mine/?on={on}")
    assert response.status_code == 200


def test_a_reviewer_opens_the_imports_waiting_for_them(world, make):
    waiting = make.import_batch()
    own = make.import_batch(by=world.reviewer)
    done = make.import_batch(status="posted")
    todo = line(world.reviewer, "imports_to_approve")
    page = client_of(world.reviewer).get(todo.url)
    assert page.status_code == 200
    text = page.content.decode()
    listed = set(re.findall(r'href="/console/imports/(\d+)/"', text.split('id="imports"')[1]))
    assert listed == {str(waiting.pk)}
    assert len(listed) == todo.count
    everything = client_of(world.reviewer).get("/console/imports/").content.decode()
    listed = set(re.findall(r'href="/console/imports/(\d+)/"', everything.split('id="imports"')[1]))
    assert listed == {str(waiting.pk), str(own.pk), str(done.pk)}


def test_the_staff_home_shows_no_age_beside_the_people_who_have_not_consented(world, make):
    make_person(world.wenchang, "周未同意", consent_at=None)
    page = client_of(world.staff).get("/console/").content.decode()
    item = page.split("todo-unconsented")[1].split("</li>")[0]
    assert "todo-waited" not in item


def test_staff_open_the_filings_sent_back(world, make):
    sent_back = make.activity(status=ActivityStatus.RETURNED)
    make.activity(status=ActivityStatus.SUBMITTED)
    page = client_of(world.staff).get(line(world.staff, "filings_returned").url).content.decode()
    assert page.count('<td><a href="/console/activities/') == 1
    assert f"/console/activities/{sent_back.pk}/" in page


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("reviewer", "/console/claims/?stage=everything"),
        ("reviewer", "/console/claims/?stage=appeals&status=nonsense"),
        ("resident", "/claims/?recent=forever"),
        ("staff", "/console/people/?consent=maybe"),
        ("staff", "/console/shop/orders/?status=reserved&expiring=yes"),
        ("staff", "/console/activities/?ended=%00"),
        ("staff", "/console/announcements/?objections=closed"),
    ],
)
def test_odd_filters_answer_a_page_never_an_error(world, make, who, url):
    make.claim()
    response = client_of(getattr(world, who)).get(url)
    assert response.status_code in (200, 400)


def test_staff_see_no_review_stage_of_their_own(world, make):
    make.claim()
    page = client_of(world.staff).get("/console/claims/?stage=first").content.decode()
    assert page.count('class="select-cell"') == 0


def test_a_resident_opens_their_orders_ready_for_pickup(world, make):
    ready = make.order()
    done = make.order(status="fulfilled")
    page = client_of(world.resident).get(line(world.resident, "orders_ready").url).content.decode()
    assert f'href="/shop/orders/{ready.pk}/"' in page
    assert ready.code in page
    assert f'href="/shop/orders/{done.pk}/"' not in page
