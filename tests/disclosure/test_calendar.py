"""The disclosure calendar: which periods are due and missing, and the staff's count."""

from datetime import date

import pytest
from django.db.models import Q
from django.utils import timezone

from jifen.disclosure import selectors, services
from jifen.disclosure.selectors import Missing
from tests.disclosure.conftest import sections

pytestmark = pytest.mark.django_db


def _schedule(world, **kw):
    values = {"category": "finance", "frequency": "monthly", "due_day": 10}
    values.update(kw)
    return services.save_schedule(actor=None, region=world.wenchang, **values)


def test_monthly_periods_are_due_by_the_day_of_the_month_after(world):
    _schedule(world, starts_on=date(2026, 9, 1))
    found = selectors.missing([world.wenchang], date(2026, 11, 10))
    # September was due 10-10; October is due 11-10, the day itself still on time.
    assert [(m.period, m.due_on) for m in found] == [("2026-09", date(2026, 10, 10))]
    assert isinstance(found[0], Missing) and found[0].region == world.wenchang
    later = selectors.missing([world.wenchang], date(2026, 11, 11))
    assert [m.period for m in later] == ["2026-09", "2026-10"]


def test_a_monthly_report_fulfils_its_month(world):
    _schedule(world, starts_on=date(2026, 9, 1))
    services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-09", sections=sections()
    )
    found = selectors.missing([world.wenchang], date(2026, 11, 11))
    assert [m.period for m in found] == ["2026-10"]


def test_a_corrected_item_still_fulfils_its_period(world):
    _schedule(world, category="assets", frequency="yearly", due_day=20, starts_on=date(2025, 1, 1))
    assert [m.period for m in selectors.missing([world.wenchang], date(2026, 1, 21))] == ["2025"]
    item = services.publish(
        actor=world.staff, region=world.wenchang, category="assets", title="资产清查", period="2025"
    )
    services.correct(actor=world.staff, item=item, note="更正")
    assert selectors.missing([world.wenchang], date(2026, 1, 21)) == []


def test_quarters_and_another_category_do_not_count(world):
    _schedule(
        world, category="projects", frequency="quarterly", due_day=5, starts_on=date(2026, 1, 1)
    )
    services.publish(
        actor=world.staff, region=world.wenchang, category="finance", title="x", period="2026Q1"
    )
    found = selectors.missing([world.wenchang], date(2026, 7, 6))
    assert [(m.period, m.due_on) for m in found] == [
        ("2026Q1", date(2026, 4, 5)),
        ("2026Q2", date(2026, 7, 5)),
    ]


def test_missing_takes_a_filter_of_regions_and_keeps_to_it(world):
    _schedule(world, starts_on=date(2026, 9, 1))
    services.save_schedule(
        actor=None,
        region=world.wanmei,
        category="finance",
        frequency="monthly",
        starts_on=date(2026, 9, 1),
    )
    town = Q(path__startswith=world.town.path)
    assert {m.region for m in selectors.missing(town, date(2026, 12, 1))} == {world.wenchang}
    assert len(selectors.missing(Q(pk__in=[]), date(2026, 12, 1))) == 0


def test_the_staff_count_covers_their_regions_only(world, village):
    _schedule(world, starts_on=date(2026, 1, 1))
    today = timezone.localdate()
    expected = len(selectors.missing([world.wenchang], today))
    assert expected > 0
    assert selectors.missing_count(world.staff) == expected
    assert selectors.missing_count(world.other_staff) == 0
    assert selectors.missing_count(world.resident) == 0
    assert selectors.missing_count(village.inspector) == 0  # a reader has no to-do
    count, oldest = selectors.missing_todo(world.staff)
    assert count == expected and oldest is not None


def test_the_calendar_looks_back_ten_years_at_most(world):
    _schedule(world, starts_on=date(2000, 1, 1))
    found = selectors.missing([world.wenchang], date(2026, 12, 1))
    assert found[0].period == "2016-01"


def test_a_decision_published_late_is_flagged(world):
    on_time = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="decisions",
        title="x",
        decided_on=timezone.localdate(),
    )
    late = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="decisions",
        title="y",
        decided_on=date(2026, 1, 5),
    )
    assert not selectors.is_late(on_time)
    assert selectors.is_late(late)
