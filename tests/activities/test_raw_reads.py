"""The hand-written reads of the check-in path (``jifen.lib.rawrows``) load exactly what
the ORM loads: every field, with the same value and type, on SQLite and PostgreSQL."""

from datetime import date, timedelta

from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from jifen.activities import selectors, services
from jifen.activities.models import Activity, Attendance, SignupStatus
from jifen.people.auth import issue_token, person_for_token
from jifen.people.models import Person
from tests.activities.conftest import qr, set_times
from tests.conftest import make_person


def assert_same(loaded: Model, expected: Model) -> None:
    assert type(loaded) is type(expected)
    assert not loaded._state.adding
    assert loaded._state.db == expected._state.db
    for field in expected._meta.concrete_fields:
        mine, theirs = getattr(loaded, field.attname), getattr(expected, field.attname)
        assert mine == theirs, field.attname
        assert type(mine) is type(theirs), field.attname


def test_the_token_loads_its_person_and_community_as_the_orm_does(world) -> None:
    world.resident.birth_date = date(1955, 3, 1)
    world.resident.save()
    raw = issue_token(person=world.resident)
    person, token = person_for_token(raw)
    assert_same(person, Person.objects.get(pk=world.resident.pk))
    assert_same(token, type(token).objects.get(pk=token.pk))
    with CaptureQueriesContext(connection) as queries:
        assert token.person is person
        assert_same(person.community, world.wenchang)
    assert len(queries) == 0


def test_a_person_without_a_community_has_none(world) -> None:
    homeless = make_person(None, "王芳")
    person, _token = person_for_token(issue_token(person=homeless))
    with CaptureQueriesContext(connection) as queries:
        assert person.community is None
    assert len(queries) == 0


def test_the_activity_loads_with_its_region(make_activity) -> None:
    activity = make_activity(min_age=18, needs_insurance=True)
    loaded = selectors.activity_with_region(activity.pk)
    assert loaded is not None
    assert_same(loaded, Activity.objects.get(pk=activity.pk))
    with CaptureQueriesContext(connection) as queries:
        assert loaded.region.name == "文昌社区"
    assert len(queries) == 0
    assert selectors.activity_with_region(activity.pk + 1000) is None


def test_current_attendances_compare_times_on_either_database(
    world, make_activity, volunteers, now
) -> None:
    here = make_activity()
    elsewhere = make_activity(title="另一场")
    (person,) = volunteers(1)
    attendance = services.check_in(actor=person, activity=elsewhere, token=qr(elsewhere))
    # Open: it matters.
    assert [a.pk for a in selectors.current_attendances(person.pk, here.pk, now)] == [attendance.pk]
    assert_same(
        selectors.current_attendances(person.pk, here.pk, now)[0],
        Attendance.objects.get(pk=attendance.pk),
    )
    # Ending a minute after now: it still matters; ended a minute before: it does not.
    set_times(attendance, now - timedelta(minutes=30), now + timedelta(minutes=1))
    assert len(selectors.current_attendances(person.pk, here.pk, now)) == 1
    set_times(attendance, now - timedelta(minutes=30), now - timedelta(minutes=1))
    assert selectors.current_attendances(person.pk, here.pk, now) == []
    # This activity's, however long ago: a repeat.
    assert len(selectors.current_attendances(person.pk, elsewhere.pk, now)) == 1


def test_signup_status_ignores_withdrawn_signups(world, make_activity, volunteers, now) -> None:
    activity = make_activity(starts_at=now + timedelta(days=1), capacity=1)
    first, second = volunteers(2)
    assert selectors.signup_status(activity.pk, first.pk) is None
    services.sign_up(actor=first, activity=activity)
    services.sign_up(actor=second, activity=activity)
    assert selectors.signup_status(activity.pk, first.pk) == SignupStatus.CONFIRMED
    assert selectors.signup_status(activity.pk, second.pk) == SignupStatus.WAITLISTED
    services.withdraw(actor=first, activity=activity)
    assert selectors.signup_status(activity.pk, first.pk) is None
    assert selectors.signup_status(activity.pk, second.pk) == SignupStatus.CONFIRMED
