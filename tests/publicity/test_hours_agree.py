"""One count of verified service hours (``activities.hours.verified_hours``): the
certificate, the annual selection's page figures, its Excel lists (ranking, star levels,
households, party members) and the star levels all say the same number on the same data.

The walk found three numbers for one person: 2 hours beside 2,960 points, 0 hours in the
ranking Excel (so no 星级志愿者), a certificate of 6 hours over lines of 3 + 1. Hours came
only from claims on items counted by the hour, and an activity counted by the time
(an afternoon's 探访) brought none.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from jifen.activities import services as activities
from jifen.activities.hours import verified_hours
from jifen.activities.models import Activity, Attendance, Method
from jifen.activities.models import Status as ActivityStatus
from jifen.claims import services as claims
from jifen.claims.models import Claim, Source, Status
from jifen.people.models import Household, Organization
from jifen.publicity import certificates, selection
from tests.conftest import make_person
from tests.publicity.document_data import award, local, make_items, served

YEAR = timezone.localdate().year - 1
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def items(world):
    return make_items(world)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


def _attended(world, item, person, day: date, checkin: tuple, checkout: tuple) -> Attendance:
    """A closed activity of ``item`` on ``day`` from 14:00 to 17:00, and the person's
    attendance: the activity's own closing makes the claim, the review group approves it."""
    activity = Activity.objects.create(
        title="探访独居老人",
        region=world.wenchang,
        place="江滨花园",
        rule_item=item,
        starts_at=_at(day, 14),
        ends_at=_at(day, 17),
        capacity=10,
        organiser=world.staff,
        status=ActivityStatus.CLOSED,
    )
    attendance = Attendance.objects.create(
        activity=activity,
        person=person,
        checkin_at=_at(day, *checkin),
        checkout_at=_at(day, *checkout),
        method=Method.STAFF,
    )
    assert activities.make_claims(activity, world.staff) == 1
    claim = Claim.objects.get(source=Source.ACTIVITY, source_id=attendance.pk)
    claims.approve_claim(claim=claim, reviewer=world.reviewer)
    return attendance


@pytest.fixture
def year_of_service(world, items):
    """The resident's year: 3 h + 1 h counted by the hour, an activity counted by the time
    attended 14:10–16:50 (2.5 h), a home visit (a time, no hours); and what must not count:
    a pending claim, a rejected one, a revoked one, an organisation's points, next year."""
    person = world.resident
    person.household = Household.objects.create(region=world.wenchang, label="江滨花园3栋201")
    person.is_reporting_party_member, person.employer = True, "县税务局"
    person.save()
    served(person, items.basic, 3, date(YEAR, 3, 10))
    served(person, items.skilled, 1, date(YEAR, 3, 12))
    _attended(world, items.visit, person, date(YEAR, 5, 20), (14, 10), (16, 50))
    served(person, items.visit, 1, date(YEAR, 6, 1))  # a home visit: a time, no hours
    served(person, items.basic, 8, date(YEAR, 7, 1), status=Status.PENDING)
    served(person, items.basic, 8, date(YEAR, 7, 2), status=Status.REJECTED)
    served(person, items.basic, 8, date(YEAR, 7, 3), status=Status.REVOKED)
    unit = Organization.objects.create(region=world.wenchang, name="县税务局")
    served(person, items.basic, 8, date(YEAR, 7, 4), organization=unit, source=Source.ORGANIZATION)
    served(person, items.basic, 8, date(YEAR + 1, 1, 1))  # after the year
    award(person, 2960, local(date(YEAR, 8, 1)))
    return person


EXPECTED = Decimal("6.5")  # 3 + 1 + 2.5


def _read(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _body(rows: list[tuple], first_header: str) -> tuple[tuple, list[tuple]]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    return rows[start], [r for r in rows[start + 1 :] if any(c is not None for c in r)]


def test_an_activity_counted_by_the_time_brings_the_hours_served(world, items) -> None:
    attendance = _attended(world, items.visit, world.resident, date(YEAR, 5, 20), (13, 50), (18, 0))
    claim = Claim.objects.get(source_id=attendance.pk)
    assert claim.quantity == 1  # one time, as the item counts it
    # The window (14:00–17:00) clips the attendance: 3 hours, not 4 h 10.
    assert verified_hours(Claim.objects.all(), "person") == {(world.resident.pk,): Decimal(3)}


def test_the_certificate_the_selection_and_its_excel_say_the_same_hours(
    world, items, year_of_service
) -> None:
    person = year_of_service
    one_source = verified_hours(Claim.objects.filter(occurred_on__range=(START, END)), "person")
    assert one_source == {(person.pk,): EXPECTED}

    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=person,
        start=START,
        end=END,
        responsible="陈书记",
        handler="李经办",
    )
    assert certificate.hours == EXPECTED
    lines = {line["item"]: line for line in certificate.services}
    assert {name: line["hours"] for name, line in lines.items()} == {
        "环境整治": "3",
        "义诊": "1",
        "探访独居老人": "2.5",  # the activity's hours; the home visit has none
    }
    assert lines["探访独居老人"]["times"] == 2
    # The total is the sum of the lines printed under it.
    assert sum(Decimal(line["hours"]) for line in certificate.services) == certificate.hours

    year = selection.year_of(world.wenchang, YEAR)
    row = next(p for p in year.people if p.person_id == person.pk)
    assert (row.hours, row.total_hours, row.hours_before) == (EXPECTED, EXPECTED, 0)
    assert row.points == 2960 and row.services == 4

    _header, ranking = _body(_read(selection.ranking_workbook(year)), selection.place_label())
    assert ranking[0][1] == person.name and ranking[0][5] == 2960
    # This year's hours, services, cumulative hours.
    assert ranking[0][6:9] == (6.5, 4, 6.5)

    _header, households = _body(_read(selection.households_workbook(year)), selection.place_label())
    assert households[0][-1] == 6.5

    party = selection.party_report(world.wenchang, YEAR)
    assert [(p.person_id, p.hours) for p in party] == [(person.pk, EXPECTED)]
    assert party[0].hours_by_month[2] == 4 and party[0].hours_by_month[4] == Decimal("2.5")


def test_star_levels_count_the_same_hours(world, items, year_of_service) -> None:
    selection.save_policy(
        actor=world.staff, community=world.wenchang, star_hours="6,6.5,10", certificate_issuer=""
    )
    year = selection.year_of(world.wenchang, YEAR)
    assert [(p.person_id, p.star) for p in year.star_candidates] == [(year_of_service.pk, 2)]
    rows = _read(selection.stars_workbook(year))
    _header, body = _body(rows, selection.row_label())
    assert [(r[1], r[5], r[6], r[7]) for r in body] == [(year_of_service.name, "★★", 6.5, 6.5)]


def test_hours_before_the_year_carry_into_the_cumulative_count(world, items) -> None:
    person = world.resident
    _attended(world, items.visit, person, date(YEAR - 1, 11, 3), (14, 0), (17, 0))
    served(person, items.basic, 2, date(YEAR, 4, 1))
    row = next(
        p for p in selection.year_of(world.wenchang, YEAR).people if p.person_id == person.pk
    )
    assert (row.hours_before, row.hours, row.total_hours) == (3, 2, 5)


def test_an_upheld_appeal_counts_its_corrected_hours_once(world, items) -> None:
    person = world.resident
    claim = served(person, items.basic, 1, date(YEAR, 9, 1))
    Claim.objects.filter(pk=claim.pk).update(quantity=Decimal("2.5"))  # as decide_appeal sets it
    certificate = certificates.issue_certificate(
        actor=world.staff, person=person, start=START, end=END, responsible="陈", handler="李"
    )
    year = selection.year_of(world.wenchang, YEAR)
    assert certificate.hours == Decimal("2.5") == year.people[0].hours


def test_the_figures_still_take_a_fixed_number_of_queries_with_activity_hours(world, items) -> None:
    for n in range(6):
        volunteer = make_person(world.wenchang, f"志愿者{n}")
        _attended(
            world, items.visit, volunteer, date(YEAR, 5, 1) + timedelta(days=n), (14, 0), (16, 0)
        )
    with CaptureQueriesContext(connection) as queries:
        year = selection.year_of(world.wenchang, YEAR)
    assert len(queries) <= 8, [q["sql"] for q in queries]
    assert {p.hours for p in year.people} == {Decimal(2)}
