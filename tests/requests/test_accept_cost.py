"""What a 抢单's loser costs: every racer of a rush is read and checked, so the request,
its community, menu line and requester come by one fixed statement with the family check
of the one who taps, and a request already someone else's is refused without a transaction or the
row's lock (docs/performance.md, "The accept race"). The rules themselves are
test_family's and test_permissions'; here, that the cheap reads give the same answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.people.models import Household, Proxy
from jifen.requests import rules, selectors, services
from jifen.requests.models import ServiceRequest
from tests.api.conftest import assert_error
from tests.conftest import make_person


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def taken(world, asked, helper) -> ServiceRequest:
    services.publish(actor=world.staff, request=asked)
    return services.accept(actor=helper, request=asked.pk)


def test_a_loser_is_refused_by_one_statement_and_never_takes_the_lock(
    world, menu, api, taken, monkeypatch
):
    other = make_person(world.wenchang, "吴热心")
    client = api(other)

    def locked_pass(*args, **kwargs):
        raise AssertionError("a request already someone else's went to the locked pass")

    monkeypatch.setattr(services, "_accept", locked_pass)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/requests/{taken.pk}/accept")
    assert_error(response, 409, "already_taken")
    # The bearer token's statement: written out on a connection's first use, then run by
    # the name it was prepared under (lib.rawrows.execute_planned).
    ours = [
        q["sql"]
        for q in captured
        if "people_apitoken" not in q["sql"] and "jifen_token" not in q["sql"]
    ]
    assert len(ours) == 1, ours
    assert not any("SAVEPOINT" in sql or "FOR UPDATE" in sql for sql in ours), ours
    taken.refresh_from_db()
    assert taken.assignee_id != other.pk


def test_a_loser_of_the_family_still_hears_own_request(world, menu, api, taken, daughter):
    """The fast refusal checks eligibility first, as the locked pass does."""
    assert_error(api(daughter).post(f"/requests/{taken.pk}/accept"), 403, "own_request")


def test_the_takeable_request_is_read_whole_with_what_it_names(
    world, menu, asked, helper, django_assert_num_queries
):
    services.publish(actor=world.staff, request=asked)
    with django_assert_num_queries(1):
        read = selectors.get_takeable(helper, asked.pk)
    assert read is not None
    orm = ServiceRequest.objects.select_related("community", "menu_item", "requester").get(
        pk=asked.pk
    )
    with django_assert_num_queries(0):
        assert _fields(read) == _fields(orm)
        assert _fields(read.community) == _fields(orm.community)
        assert _fields(read.menu_item) == _fields(orm.menu_item)
        assert _fields(read.requester) == _fields(orm.requester)
    assert not read._state.adding
    with django_assert_num_queries(0):  # read with the request, for the reader
        assert not rules.is_family(helper, read)
        assert rules.is_family(world.resident, read)
    with django_assert_num_queries(1):  # anyone else is asked
        assert not rules.is_family(world.staff, read)
    assert selectors.get_takeable(helper, asked.pk + 1000) is None
    assert selectors.get_takeable(world.stranger, asked.pk) is None


def test_the_family_check_is_one_statement_and_says_the_same(
    world, menu, asked, daughter, helper, django_assert_num_queries
):
    home = Household.objects.create(region=world.wenchang, label="江滨花园 3 栋 201")
    world.resident.household = home
    world.resident.save(update_fields=["household"])
    asked.requester.refresh_from_db()
    husband = make_person(world.wenchang, "杜国平", household=home)
    mother = make_person(world.wenchang, "林阿婆")
    Proxy.objects.create(
        principal=mother,
        agent=world.resident,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    elsewhere = Household.objects.create(region=world.wenchang, label="江滨花园 5 栋 101")
    neighbour = make_person(world.wenchang, "邻居", household=elsewhere)
    former = make_person(world.wenchang, "前代理")
    Proxy.objects.create(
        principal=world.resident,
        agent=former,
        relation="侄子",
        region=world.wenchang,
        created_by=world.staff,
        revoked_at=timezone.now(),
    )
    with django_assert_num_queries(0):
        assert rules.is_family(world.resident, asked)
    for person, family in (
        (daughter, True),  # her proxy
        (mother, True),  # a resident she acts for
        (husband, True),  # her household
        (neighbour, False),  # a household of their own
        (helper, False),  # no household
        (former, False),  # a proxy revoked
    ):
        with django_assert_num_queries(1):
            assert rules.is_family(person, asked) is family, person.name


def test_the_family_read_with_the_request_says_what_the_check_says(
    world, menu, asked, daughter, helper
):
    services.publish(actor=world.staff, request=asked)
    home = Household.objects.create(region=world.wenchang, label="江滨花园 3 栋 201")
    world.resident.household = home
    world.resident.save(update_fields=["household"])
    husband = make_person(world.wenchang, "杜国平", household=home)
    for person, family in ((daughter, True), (husband, True), (helper, False)):
        read = selectors.get_takeable(person, asked.pk)
        assert read is not None
        assert rules.is_family(person, read) is family, person.name
        fresh = ServiceRequest.objects.get(pk=asked.pk)
        assert rules.is_family(person, fresh) is family, person.name
