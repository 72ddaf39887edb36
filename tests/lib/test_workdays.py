"""Working days: the published schedule, 调休, administrators' corrections, deadlines."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from jifen.lib import workdays
from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.lib.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_the_examples_of_the_national_day_holiday():
    # Accepted Tuesday 2026-09-29 with 3 working days: 30 Sep, then 国庆 1–8 Oct off, 9 Oct.
    assert workdays.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)
    # Accepted Friday 2026-10-09 with 1: the make-up Saturday 2026-10-10.
    assert workdays.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert not workdays.is_working_day(date(2026, 10, 1))
    assert workdays.is_working_day(date(2026, 10, 10))  # a Saturday worked (调休)


def test_a_deadline_ends_at_the_end_of_its_day_or_after_its_hours():
    start = datetime(2026, 9, 29, 10, 30, tzinfo=timezone.get_current_timezone())
    due = workdays.deadline(start, days=3)
    assert timezone.localtime(due).date() == date(2026, 10, 9)
    assert (timezone.localtime(due).hour, timezone.localtime(due).minute) == (23, 59)
    assert workdays.deadline(start, hours=4) == start.replace(hour=14)


def test_an_administrators_day_overrides_the_package(world):
    monday = date(2026, 12, 7)
    assert workdays.is_working_day(monday)
    workdays.set_day(actor=world.county_admin, day=monday, is_working=False, note="当地停工")
    assert not workdays.is_working_day(monday)
    assert workdays.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 8)
    workdays.set_day(actor=world.county_admin, day=monday, is_working=None)
    assert workdays.is_working_day(monday)
    assert not CalendarDay.objects.exists()


def test_only_a_top_level_administrator_corrects_it(world):
    for person in (world.town_admin, world.staff, world.resident):
        with pytest.raises(PermissionDenied):
            workdays.set_day(actor=person, day=date(2027, 1, 1), is_working=False)
    with pytest.raises(InvalidInput):
        workdays.set_day(actor=world.county_admin, day=date(1999, 1, 1), is_working=False)
    assert not CalendarDay.objects.exists()


def test_a_year_nobody_knows_counts_weekdays_and_is_flagged_in_november():
    unknown = date(2031, 5, 1)  # far beyond any published schedule
    assert not workdays.published(unknown)
    assert workdays.is_working_day(unknown) == (unknown.weekday() < 5)
    assert workdays.missing_year(date(2030, 6, 1)) is None  # too early to ask
    assert workdays.missing_year(date(2030, 11, 20)) == 2031
    CalendarDay.objects.create(day=date(2031, 1, 1), is_working=False, note="元旦")
    assert workdays.missing_year(date(2030, 11, 20)) is None


@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2026, 2, 10), date(2026, 9, 25)])
def test_n_working_days_later_is_working_and_counts_n(start):
    for n in (1, 3, 10):
        end = workdays.add_working_days(start, n)
        assert workdays.is_working_day(end)
        assert workdays.working_days_between(start, end) == n
