"""待办: each kind for each role, only in the person's regions, oldest first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.activities.models import Status as ActivityStatus
from jifen.claims.models import AppealStatus
from jifen.claims.models import Status as ClaimStatus
from jifen.inbox.selectors import HOME, MERCHANT, WORK, todo_for
from jifen.people.models import Household, Person, Proxy, Role, RoleGrant
from jifen.shop.models import Status as OrderStatus
from tests.conftest import make_person
from tests.inbox.conftest import ago

pytestmark = pytest.mark.django_db


def counts(person: Person, sides: tuple[str, ...] = (WORK, MERCHANT, HOME)) -> dict[str, int]:
    return {item.kind: item.count for item in todo_for(person, sides)}


def test_an_empty_world_leaves_every_line_out(world, make):
    for person in (world.county_admin, world.staff, world.reviewer, world.resident):
        assert todo_for(person) == []


# --- Reviewers --------------------------------------------------------------------------------


def test_a_reviewer_sees_first_reviews_and_cross_checks_apart(world, make):
    make.claim(created=ago(days=3))
    make.claim(world.neighbour, community=world.wenchang)
    second = make.claim(needed=2)
    other = make_person(world.wenchang, "郑复核")
    RoleGrant.objects.create(person=other, role=Role.REVIEWER, region=world.wenchang)
    make.approve(second, other)
    assert counts(world.reviewer) == {"claims_to_review": 2, "cross_checks": 1}
    oldest = next(i for i in todo_for(world.reviewer) if i.kind == "claims_to_review")
    assert (timezone.now() - oldest.oldest_at).days == 3
    assert oldest.url == "/console/claims/?stage=first"


def test_a_claim_the_reviewer_approved_waits_for_someone_else(world, make):
    claim = make.claim(needed=2)
    make.approve(claim, world.reviewer)
    assert "cross_checks" not in counts(world.reviewer)
    assert counts(world.county_admin)["cross_checks"] == 1


def test_a_reviewers_own_households_and_principals_claims_are_not_theirs_to_review(world, make):
    home = Household.objects.create(region=world.wenchang, label="江滨路 1 号")
    Person.objects.filter(pk=world.reviewer.pk).update(household=home)
    world.reviewer.refresh_from_db()
    spouse = make_person(world.wenchang, "黄太太", household=home)
    mother = make_person(world.wenchang, "黄母")
    Proxy.objects.create(
        principal=mother, agent=world.reviewer, relation="母亲", region=world.wenchang,
        created_by=world.staff,
    )  # fmt: skip
    make.claim(world.reviewer)
    make.claim(spouse)
    make.claim(mother)
    make.claim(world.resident, created_by=world.reviewer)  # entered for her by the reviewer
    assert "claims_to_review" not in counts(world.reviewer)
    assert counts(world.county_admin)["claims_to_review"] == 4


def test_appeals_wait_for_a_reviewer_who_did_not_review_the_claim(world, make):
    rejected = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=2))
    make.appeal(rejected, filed=ago(days=1))
    reviewed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=2))
    make.approve(reviewed, world.reviewer)  # (any review of theirs counts)
    make.appeal(reviewed)
    decided = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=2))
    make.appeal(decided, status=AppealStatus.DISMISSED, decided=ago(days=1))
    assert counts(world.reviewer) == {"appeals": 1}
    assert counts(world.town_admin)["appeals"] == 2


def test_a_reviewer_sees_filings_to_approve(world, make):
    make.activity(status=ActivityStatus.SUBMITTED, created=ago(days=4))
    make.activity(status=ActivityStatus.DRAFT)  # staff still write it
    assert counts(world.reviewer) == {"filings": 1}
    line = todo_for(world.reviewer)[0]
    assert line.url == "/console/activities/?status=submitted"
    assert (timezone.now() - line.oldest_at).days == 4


def test_a_reviewer_next_door_sees_nothing(world, make, jinyue_reviewer):
    make.claim()
    make.claim(needed=2)
    make.appeal(make.claim(status=ClaimStatus.REJECTED, decided=ago(days=1)))
    make.activity(status=ActivityStatus.SUBMITTED)
    assert counts(world.reviewer)
    assert todo_for(jinyue_reviewer) == []
    make.claim(world.neighbour)  # 金悦's own
    assert counts(jinyue_reviewer) == {"claims_to_review": 1}


def test_staff_and_merchants_do_not_review(world, make):
    make.claim()
    make.activity(status=ActivityStatus.SUBMITTED)
    assert "claims_to_review" not in counts(world.staff)
    assert "filings" not in counts(world.staff)
    assert todo_for(world.merchant) == []
    assert todo_for(world.kiosk) == []


def test_a_reviewer_sees_imported_history_to_approve_but_never_their_own(world, make):
    make.import_batch(created=ago(days=2))
    make.import_batch(by=world.reviewer)  # their own import: a second person approves it
    make.import_batch(approved_by=world.reviewer)  # approved by them, waits for someone else
    make.import_batch(status="posted")
    make.import_batch(community=world.wanmei, by=world.other_staff)
    assert counts(world.reviewer) == {"imports_to_approve": 1}
    line = todo_for(world.reviewer)[0]
    assert line.url == "/console/imports/?waiting=1"
    assert (timezone.now() - line.oldest_at).days == 2
    assert counts(world.town_admin)["imports_to_approve"] == 3
    assert counts(world.county_admin)["imports_to_approve"] == 4
    # Staff import; they do not approve.
    assert "imports_to_approve" not in counts(world.staff)


def test_in_the_admins_mode_only_administrators_see_the_import(world, make):
    make.import_batch(approval="admins")
    assert "imports_to_approve" not in counts(world.reviewer)
    assert counts(world.town_admin)["imports_to_approve"] == 1
    make.import_batch(approval="admins", by=world.town_admin)
    assert counts(world.town_admin)["imports_to_approve"] == 1
    assert counts(world.county_admin)["imports_to_approve"] == 2


# --- Staff ------------------------------------------------------------------------------------


def test_staff_see_objections_to_answer(world, make):
    january = make.announcement()
    make.objection(january, created=ago(days=5))
    make.objection(january, world.neighbour)
    make.objection(january, answered=ago(days=1))
    assert counts(world.staff) == {"objections": 2}
    line = todo_for(world.staff)[0]
    assert line.url == f"/console/announcements/{january.pk}/objections/?status=open"
    make.objection(make.announcement(month="2026-02"))
    line = todo_for(world.staff)[0]
    assert line.count == 3
    assert line.url == "/console/announcements/?objections=open"


def test_staff_see_pickups_and_orders_about_to_expire(world, make):
    make.order(created=ago(days=6), expires=timezone.now() + timedelta(days=1))
    make.order(created=ago(days=1))
    make.order(status=OrderStatus.FULFILLED)
    make.order(world.stranger)  # 湾美's counter
    assert counts(world.staff) == {"pickups": 2, "orders_expiring": 1}
    by_kind = {item.kind: item for item in todo_for(world.staff)}
    assert by_kind["orders_expiring"].url == "/console/shop/orders/?status=reserved&expiring=1"
    assert (timezone.now() - by_kind["pickups"].oldest_at).days == 6


def test_staff_see_activities_to_close(world, make):
    make.activity(starts=ago(days=2))
    make.activity(starts=ago(hours=1), hours=3)  # still going on
    make.activity(starts=ago(days=3), status=ActivityStatus.CLOSED)
    assert counts(world.staff) == {"activities_to_close": 1}
    assert todo_for(world.staff)[0].url == "/console/activities/?status=published&ended=1"


def test_staff_see_filings_sent_back(world, make):
    sent_back = make.activity(status=ActivityStatus.RETURNED)
    type(sent_back).objects.filter(pk=sent_back.pk).update(returned_at=ago(days=2))
    assert counts(world.staff) == {"filings_returned": 1}
    line = todo_for(world.staff)[0]
    assert line.url == "/console/activities/?status=returned"
    assert (timezone.now() - line.oldest_at).days == 2
    assert todo_for(world.other_staff) == []


def test_staff_see_people_who_have_not_consented(world, make):
    make_person(world.wenchang, "周未同意", consent_at=None)
    make_person(world.wenchang, "已注销", consent_at=None, is_active=False)
    make_person(world.wanmei, "湾美未同意", consent_at=None)
    assert counts(world.staff) == {"unconsented": 1}
    assert counts(world.other_staff) == {"unconsented": 1}
    line = todo_for(world.staff)[0]
    assert line.url == "/console/people/?consent=no"
    # Not agreeing is a resident's choice, not a backlog: no "oldest".
    assert line.oldest_at is None


def test_staff_next_door_see_nothing_of_wenchang(world, make):
    make.objection(make.announcement())
    make.order()
    make.activity(starts=ago(days=2))
    make_person(world.wenchang, "周未同意", consent_at=None)
    assert len(counts(world.staff)) == 4
    assert todo_for(world.other_staff) == []


def test_an_admin_holds_both_sides(world, make):
    make.claim()
    make.order()
    assert counts(world.town_admin) == {"claims_to_review": 1, "pickups": 1}


# --- Merchants ---------------------------------------------------------------------------------


def test_a_merchant_operator_takes_points_first_then_their_orders(world, make, shopkeeper):
    operator, merchant = shopkeeper
    make.order(merchant=merchant, created=ago(days=2))
    make.order(created=ago(days=9))  # the community's, not the shop's
    lines = todo_for(operator, (MERCHANT,))
    assert [line.kind for line in lines] == ["take_points", "merchant_pickups"]
    assert lines[0].url == f"/merchant/{merchant.pk}/take/"
    assert lines[1].count == 1
    assert lines[1].url == f"/merchant/{merchant.pk}/orders/?status=reserved"


def test_take_points_comes_first_even_with_nothing_to_hand_over(world, make, shopkeeper):
    operator, _merchant = shopkeeper
    make.order(operator, created=ago(days=30))  # an order of their own, as a resident
    assert [line.kind for line in todo_for(operator)] == ["take_points", "orders_ready"]


# --- Residents ---------------------------------------------------------------------------------


def test_a_resident_sees_orders_ready_for_pickup(world, make):
    make.order(created=ago(days=2))
    make.order(status=OrderStatus.FULFILLED)
    make.order(world.neighbour)
    assert counts(world.resident) == {"orders_ready": 1}
    assert todo_for(world.resident)[0].url == "/shop/orders/?status=reserved"


def test_a_resident_sees_claims_decided_in_the_last_seven_days(world, make):
    make.claim(status=ClaimStatus.APPROVED, decided=ago(days=1))
    make.claim(status=ClaimStatus.REJECTED, decided=ago(days=6))
    make.claim(status=ClaimStatus.APPROVED, decided=ago(days=8))  # long known
    make.claim()  # still waiting
    assert counts(world.resident) == {"claims_decided": 2}
    assert todo_for(world.resident)[0].url == "/claims/?recent=decided"


def test_an_answered_appeal_is_one_line_not_two(world, make):
    claim = make.claim(status=ClaimStatus.APPROVED, decided=ago(days=3))
    make.appeal(claim, status=AppealStatus.UPHELD, decided=ago(days=1))
    waiting = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=10))
    make.appeal(waiting)
    assert counts(world.resident) == {"appeals_answered": 1}
    assert todo_for(world.resident)[0].url == "/claims/?recent=appeals"


def test_a_resident_sees_objections_answered(world, make):
    january = make.announcement()
    make.objection(january, answered=ago(days=2))
    make.objection(january)  # not yet
    make.objection(january, answered=ago(days=9))
    make.objection(january, world.neighbour, answered=ago(days=1))
    assert counts(world.resident) == {"objections_answered": 1}
    make.objection(make.announcement(month="2026-02"), answered=ago(days=1))
    line = todo_for(world.resident)[0]
    assert line.count == 2
    # Not the first month's page: the list of every answered objection of theirs.
    assert line.url == "/objections/?status=answered"


def test_a_resident_sees_tomorrows_activities(world, make):
    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time()))
    nine += timedelta(hours=9)
    make.signup(make.activity(starts=nine))
    make.signup(make.activity(starts=nine + timedelta(days=1)))  # the day after
    make.signup(make.activity(starts=nine), status="waitlisted")
    make.signup(make.activity(starts=nine, status=ActivityStatus.CANCELLED))
    make.activity(starts=nine)  # not signed up
    assert counts(world.resident) == {"activities_tomorrow": 1}
    line = todo_for(world.resident)[0]
    assert line.oldest_at == nine
    assert line.url == f"/activities/mine/?on={tomorrow.isoformat()}"


def test_lines_come_oldest_first(world, make):
    make.order(created=ago(days=1))
    make.claim(status=ClaimStatus.APPROVED, decided=ago(days=4))
    january = make.announcement()
    make.objection(january, answered=ago(days=2))
    assert [line.kind for line in todo_for(world.resident)] == [
        "claims_decided",
        "objections_answered",
        "orders_ready",
    ]


def test_a_worker_is_a_resident_too(world, make):
    make.order(world.reviewer)
    make.claim()
    assert counts(world.reviewer) == {"claims_to_review": 1, "orders_ready": 1}
    assert counts(world.reviewer, (WORK,)) == {"claims_to_review": 1}
    assert counts(world.reviewer, (HOME,)) == {"orders_ready": 1}


# --- Service requests ------------------------------------------------------------------------


def test_requests_wait_for_staff_the_requester_and_the_helper(world, make, client):
    helper = make_person(world.wenchang, "周志愿")
    make.request(world.resident)
    make.request(world.resident, status="assigned", assignee=helper, due_on=ago(days=3).date())
    done = make.request(world.resident, status="done", assignee=helper, done_at=ago(days=1))
    assert counts(world.staff) == {"requests_to_check": 1, "requests_overdue": 1}
    assert counts(world.other_staff) == {}  # another community's requests
    assert counts(world.reviewer) == {}  # the review group reads them, staff act on them
    assert counts(world.resident) == {"requests_to_confirm": 1}
    assert counts(helper) == {"requests_in_hand": 1}
    line = next(i for i in todo_for(world.resident) if i.kind == "requests_to_confirm")
    client.force_login(world.resident)
    page = client.get(line.url)
    assert page.status_code == 200 and done.title in page.content.decode()
    staff_line = next(i for i in todo_for(world.staff) if i.kind == "requests_overdue")
    client.force_login(world.staff)
    assert client.get(staff_line.url).status_code == 200
