"""一年一评选: verified hours, star levels at their boundaries, the annual points ranking,
households (最美家庭), the in-service party members' report, and the Excel lists."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jifen.claims.models import Source, Status
from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.people.models import Household
from jifen.publicity import selection
from tests.conftest import make_person
from tests.publicity.document_data import award, local, make_items, redeem, served

THIS_YEAR = timezone.localdate().year
YEAR = THIS_YEAR - 1


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def items(world):
    return make_items(world)


def _row(year: selection.Year, person) -> selection.VolunteerYear:
    return next(p for p in year.people if p.person_id == person.pk)


def _hours(person, item, total: str, on: date) -> None:
    """``total`` hours as claims of at most 24 h (a claim is one day's service)."""
    left = Decimal(total)
    day = 0
    while left > 0:
        chunk = min(left, Decimal(24))
        served(person, item, chunk, on.replace(day=1 + day % 28))
        left -= chunk
        day += 1


@pytest.mark.parametrize(
    ("hours", "stars"),
    [("99.5", 0), ("100", 1), ("299.5", 1), ("300", 2), ("600", 3), ("1000", 4), ("1500", 5)],
)
def test_star_levels_by_default_thresholds_at_their_boundaries(hours, stars) -> None:
    assert selection.star_level(Decimal(hours), selection.DEFAULT_STAR_HOURS) == stars


def test_cumulative_hours_up_to_the_years_end_give_the_star_level(world, items) -> None:
    almost, exactly = world.resident, make_person(world.wenchang, "林满百")
    _hours(almost, items.basic, "60", date(YEAR - 2, 5, 1))
    _hours(almost, items.basic, "39.5", date(YEAR, 5, 1))
    _hours(exactly, items.basic, "60", date(YEAR - 1, 5, 1))
    _hours(exactly, items.skilled, "40", date(YEAR, 12, 31))
    _hours(exactly, items.basic, "500", date(THIS_YEAR, 1, 1))  # after the year: not counted
    served(exactly, items.visit, 40, date(YEAR, 6, 1))  # times, not hours

    year = selection.year_of(world.wenchang, YEAR)
    first, second = _row(year, almost), _row(year, exactly)
    assert (first.total_hours, first.star, first.hours) == (Decimal("99.5"), 0, Decimal("39.5"))
    assert (second.total_hours, second.star, second.hours) == (Decimal(100), 1, Decimal(40))
    assert second.star_before == 0 and second.new_star
    assert [p.person_id for p in year.star_candidates] == [exactly.pk]


def test_only_approved_service_of_the_person_counts(world, items) -> None:
    from jifen.people.models import Organization

    unit = Organization.objects.create(region=world.wenchang, name="县税务局")
    person = world.resident
    served(person, items.basic, 10, date(YEAR, 3, 1))
    served(person, items.basic, 10, date(YEAR, 3, 2), status=Status.PENDING)
    served(person, items.basic, 10, date(YEAR, 3, 3), status=Status.REJECTED)
    served(person, items.basic, 10, date(YEAR, 3, 4), status=Status.REVOKED)
    served(person, items.basic, 10, date(YEAR, 3, 5), organization=unit)
    row = _row(selection.year_of(world.wenchang, YEAR), person)
    assert (row.hours, row.services, row.total_hours) == (Decimal(10), 1, Decimal(10))


def test_a_communitys_own_thresholds_and_a_countys(world, items) -> None:
    _hours(world.resident, items.basic, "50", date(YEAR, 3, 1))
    selection.save_policy(
        actor=world.county_admin,
        community=world.county,
        star_hours="20,40,80",
        certificate_issuer="",
    )
    assert _row(selection.year_of(world.wenchang, YEAR), world.resident).star == 2
    selection.save_policy(
        actor=world.staff, community=world.wenchang, star_hours="50，100", certificate_issuer=""
    )
    year = selection.year_of(world.wenchang, YEAR)
    assert year.thresholds == (Decimal(50), Decimal(100))
    assert _row(year, world.resident).star == 1
    assert selection.star_hours(world.jinyue) == (Decimal(20), Decimal(40), Decimal(80))
    selection.save_policy(
        actor=world.staff, community=world.wenchang, star_hours="", certificate_issuer=""
    )
    assert selection.star_hours(world.wenchang) == (Decimal(20), Decimal(40), Decimal(80))


@pytest.mark.parametrize(
    "text", ["100,50", "0,100", "abc", "100,,x", "1,2,3,4,5,6,7,8,9,10", "10.3"]
)
def test_thresholds_that_make_no_sense_are_refused(world, text) -> None:
    with pytest.raises(InvalidInput) as refused:
        selection.save_policy(
            actor=world.staff, community=world.wenchang, star_hours=text, certificate_issuer=""
        )
    assert refused.value.field == "star_hours"


def test_only_staff_over_the_community_set_the_thresholds(world) -> None:
    for actor in (world.reviewer, world.other_staff, world.resident):
        with pytest.raises(PermissionDenied):
            selection.save_policy(
                actor=actor, community=world.wenchang, star_hours="1", certificate_issuer=""
            )


def test_the_ranking_is_by_points_earned_in_the_year_not_by_balance(world, items) -> None:
    big, small = world.resident, make_person(world.wenchang, "周小分")
    award(big, 300, local(date(YEAR, 2, 1)))
    redeem(big, 250, local(date(YEAR, 3, 1)))  # spending does not lower what was earned
    award(small, 120, local(date(YEAR, 12, 31), 23))
    award(small, 500, local(date(THIS_YEAR, 1, 1), 0))  # next year's
    award(world.neighbour, 999, local(date(YEAR, 5, 1)))  # 金悦's resident
    year = selection.year_of(world.wenchang, YEAR)
    assert [(p.person_id, p.points, p.place) for p in year.ranking] == [
        (big.pk, 300, 1),
        (small.pk, 120, 2),
    ]
    assert year.points == 420


def test_households_add_up_their_members(world, items) -> None:
    home = Household.objects.create(region=world.wenchang, label="江滨花园3栋201")
    other = Household.objects.create(region=world.wenchang, label="江滨花园5栋101")
    mother, son = world.resident, make_person(world.wenchang, "王小明")
    grandpa = make_person(world.wenchang, "王大爷")  # a member who did not serve
    neighbour = make_person(world.wenchang, "赵邻居")
    for person, household in ((mother, home), (son, home), (grandpa, home), (neighbour, other)):
        person.household = household
        person.save()
    award(mother, 100, local(date(YEAR, 4, 1)))
    award(son, 60, local(date(YEAR, 4, 2)))
    served(son, items.basic, 6, date(YEAR, 4, 2))
    award(neighbour, 150, local(date(YEAR, 4, 3)))
    rows = selection.households(selection.year_of(world.wenchang, YEAR))
    assert [(r.label, r.points, r.hours, r.members, len(r.serving), r.place) for r in rows] == [
        ("江滨花园3栋201", 160, Decimal(6), 3, 2, 1),
        ("江滨花园5栋101", 150, Decimal(0), 1, 1, 2),
    ]


def test_the_party_members_report_month_by_month_by_employer(world, items) -> None:
    tax = make_person(world.wenchang, "许税务", is_reporting_party_member=True, employer="县税务局")
    school = make_person(
        world.wenchang, "郑老师", is_reporting_party_member=True, employer="城关小学"
    )
    make_person(world.wenchang, "吴未报", is_reporting_party_member=True, employer="县税务局")
    make_person(world.wenchang, "党员不在职", is_party_member=True)  # not reporting home
    served(tax, items.basic, 2, date(YEAR, 1, 31))
    served(tax, items.basic, "1.5", date(YEAR, 1, 5), source=Source.ACTIVITY, source_id=1)
    served(tax, items.visit, 1, date(YEAR, 3, 3))
    served(school, items.skilled, 4, date(YEAR, 12, 1))
    served(school, items.skilled, 4, date(THIS_YEAR, 1, 1))
    award(tax, 35, local(date(YEAR, 2, 1)))

    report = selection.party_report(world.wenchang, YEAR)
    # By employer, then name (in the order of their characters, the same on every database).
    assert [(r.employer, r.name) for r in report] == [
        ("县税务局", "吴未报"),
        ("县税务局", "许税务"),
        ("城关小学", "郑老师"),
    ]
    by_name = {r.name: r for r in report}
    first = by_name["许税务"]
    assert first.hours_by_month[0] == Decimal("3.5") and first.services_by_month[0] == 2
    assert first.hours_by_month[2] == 0 and first.services_by_month[2] == 1
    assert (first.months_reported, first.hours, first.services, first.activities) == (
        2,
        Decimal("3.5"),
        3,
        1,
    )
    assert first.points == 35
    assert by_name["郑老师"].hours_by_month[11] == 4 and by_name["郑老师"].hours == 4
    assert by_name["吴未报"].months_reported == 0
    only_tax = selection.party_report(world.wenchang, YEAR, employer="县税务局")
    assert [r.name for r in only_tax] == ["吴未报", "许税务"]
    assert selection.employers(world.wenchang) == [("县税务局", 2), ("城关小学", 1)]


def test_the_years_figures_take_a_few_queries_however_many_volunteers(world, items) -> None:
    for n in range(30):
        person = make_person(world.wenchang, f"志愿者{n}")
        served(person, items.basic, 2, date(YEAR, 3, 1))
        award(person, 20, local(date(YEAR, 3, 2)))
    with CaptureQueriesContext(connection) as queries:
        year = selection.year_of(world.wenchang, YEAR)
        selection.households(year)
    assert len(year.people) == 30
    assert len(queries) <= 8, [q["sql"] for q in queries]


def _read(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).active
    return [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]


def _table(rows: list[tuple], first_header: str) -> tuple[tuple, list[tuple]]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    return rows[start], [r for r in rows[start + 1 :] if any(c is not None for c in r)]


def test_the_excel_lists_read_back_with_chinese_headers_and_masked_ids(world, items) -> None:
    star = world.resident
    star.id_number_masked = "3505**********1234"
    star.household = Household.objects.create(region=world.wenchang, label="江滨花园3栋201")
    star.save()
    _hours(star, items.basic, "120", date(YEAR, 3, 1))
    award(star, 1200, local(date(YEAR, 3, 5)))
    year = selection.year_of(world.wenchang, YEAR)

    rows = _read(selection.stars_workbook(year))
    assert "文昌社区" in rows[0][0] and str(YEAR) in rows[0][0]
    header, body = _table(rows, selection.row_label())
    assert header[1] == selection.name_label() and _("ID number (masked)") in header
    assert body == [(1, "王淑英", "3505**********1234", star.volunteer_no, "江滨花园3栋201",
                     "★", 120, 120, _("yes"), 1200)]  # fmt: skip

    header, body = _table(_read(selection.ranking_workbook(year)), selection.place_label())
    assert body[0][:2] == (1, "王淑英") and body[0][5] == 1200 and body[0][6] == 120

    header, body = _table(_read(selection.households_workbook(year)), selection.place_label())
    assert body == [(1, "江滨花园3栋201", 1, "王淑英（1200）", 1200, 120)]


def test_the_party_report_in_excel_has_a_column_per_month(world, items) -> None:
    tax = make_person(world.wenchang, "许税务", is_reporting_party_member=True, employer="县税务局")
    tax.id_number_masked = "3505**********0011"
    tax.save()
    make_person(world.wenchang, "郑老师", is_reporting_party_member=True, employer="城关小学")
    served(tax, items.basic, "2.5", date(YEAR, 7, 8))
    rows = _read(selection.party_workbook(world.wenchang, YEAR, employer="县税务局"))
    assert any("县税务局" in str(row[0]) for row in rows[:3])
    header, body = _table(rows, _("Employer"))
    assert len(header) == 9 + 24
    assert [r[1] for r in body] == ["许税务"]  # the other employer's member is not in it
    july = header.index(_("%(month)s hours") % {"month": f"{YEAR}年7月"})
    assert body[0][july] == 2.5 and body[0][2] == "3505**********0011"
    assert body[0][4] == 1  # months reported
    full = _read(selection.party_workbook(world.wenchang, YEAR))
    assert {r[1] for r in _table(full, _("Employer"))[1]} == {"许税务", "郑老师"}
