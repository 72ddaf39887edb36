"""The figures: counts by status and category, overdue with working days, the on-time
rate (closed on time ÷ (closed + open overdue)), the median time to close; a fixed
number of queries whatever the number of incidents."""

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.incidents import services, stats
from jifen.incidents.models import Incident
from jifen.lib.errors import InvalidInput, PermissionDenied

START, END = date(2026, 9, 1), date(2026, 9, 30)


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def _report(grids, region=None, category="HJWS", **kwargs) -> Incident:
    return services.report(
        actor=grids.worker,
        region=region or grids.east,
        category=category,
        description="垃圾堆放",
        **kwargs,
    )


@pytest.fixture
def september(world, grids):
    """On 2026-09-07 (Monday): one closed on time, one closed late, one overdue (due
    Thursday 09-10), one just reported, one closed as a duplicate; in the west grid one
    being handled, not yet due."""
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 7)):
        on_time, late, overdue, fresh, dup = (_report(grids) for _ in range(5))
        west = services.report(
            actor=grids.other_worker, region=grids.west, category="HJWS", description="路灯"
        )
        for item in (on_time, late, overdue):
            services.accept(actor=grids.worker, incident=item)
            services.assign(actor=grids.worker, incident=item, person=grids.worker)
        services.accept(actor=grids.other_worker, incident=west)
        services.assign(actor=grids.other_worker, incident=west, person=grids.other_worker)
        services.close(actor=world.staff, incident=dup, reason="duplicate", duplicate_of=fresh)
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 8)):
        services.resolve(actor=grids.worker, incident=on_time, note="已清理")
        services.verify(actor=world.staff, incident=on_time, ok=True)
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 14)):
        services.resolve(actor=grids.worker, incident=late, note="已清理")
        services.verify(actor=world.staff, incident=late, ok=True)
    Incident.objects.filter(pk=west.pk).update(due_at=_at(2026, 9, 30, 23))
    return {"on_time": on_time, "late": late, "overdue": overdue, "fresh": fresh, "west": west}


NOW = _at(2026, 9, 14, 12)  # Monday: the overdue one was due Thursday 09-10


def test_the_summary_counts_and_rates(world, grids, september):
    found = stats.summary(viewer=world.staff, region=world.wenchang, start=START, end=END, now=NOW)
    assert found.total == 6
    assert found.by_status["closed"] == 3 and found.by_status["assigned"] == 2
    assert found.by_status["reported"] == 1
    assert found.by_category == {"HJWS": 6} and found.category_names["HJWS"] == "环境卫生"
    assert (found.open, found.overdue, found.closed, found.closed_on_time) == (3, 1, 2, 1)
    assert found.on_time_rate == pytest.approx(1 / 3)  # 1 ÷ (2 closed + 1 overdue)
    # 1 day and 7 days from report to close: the median is 4 days.
    assert found.median_hours_to_close == 96.0


def test_nothing_to_rate_is_none_not_zero(world, grids):
    _report(grids)
    found = stats.summary(
        viewer=world.staff, region=world.wenchang, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert found.on_time_rate is None and found.median_hours_to_close is None


def test_the_period_counts_by_the_day_reported(world, grids, september):
    found = stats.summary(
        viewer=world.staff, region=world.wenchang, start=date(2026, 9, 8), end=END, now=NOW
    )
    assert found.total == 0


def test_who_may_see_the_figures(world, grids, september):
    with pytest.raises(PermissionDenied):
        stats.summary(viewer=world.other_staff, region=world.wenchang, start=START, end=END)
    with pytest.raises(PermissionDenied):  # 文昌 staff see 文昌, not the county
        stats.summary(viewer=world.staff, region=world.county, start=START, end=END)
    assert (
        stats.summary(viewer=world.reviewer, region=world.wenchang, start=START, end=END).total == 6
    )
    with pytest.raises(InvalidInput):
        stats.summary(viewer=world.staff, region=world.wenchang, start=END, end=START)


def test_the_dashboard_of_the_community_by_grid_category_handler_month(world, grids, september):
    board = stats.dashboard(
        viewer=world.staff, region=world.wenchang, start=START, end=END, now=NOW
    )
    assert board.area_level == "grid"
    areas = {r.label: r for r in board.by_area}
    assert set(areas) == {"东片网格", "西片网格"}
    east = areas["东片网格"]
    assert (east.total, east.overdue, east.closed, east.closed_on_time) == (5, 1, 2, 1)
    # Due Thursday 09-10; Friday 11 and Monday 14 are the working days past it.
    assert east.days_over == 2 and areas["西片网格"].overdue == 0
    assert [r.key for r in board.by_month] == ["2026-09"]
    handlers = {r.label: r for r in board.by_handler}
    assert handlers[f"{grids.worker.name}（{grids.worker.volunteer_no}）"].total == 3
    assert board.total.on_time_rate == pytest.approx(1 / 3)


def test_the_county_by_town_in_a_fixed_number_of_queries(world, grids, september):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board = stats.dashboard(
                viewer=world.county_admin, region=world.county, start=START, end=END, now=NOW
            )
        assert board.area_level == "town"
        return len(queries)

    count()  # the viewer's roles, read once per request
    before = count()
    for _ in range(3):
        services.report(
            actor=world.other_staff, region=world.wanmei, category="HJWS", description="积水"
        )
    Incident.objects.update(created_at=_at(2026, 9, 7))
    assert count() == before
    board = stats.dashboard(
        viewer=world.county_admin, region=world.county, start=START, end=END, now=NOW
    )
    assert {r.label: r.total for r in board.by_area} == {"凤城镇": 6, "参内镇": 3}
    assert board.by_handler == []  # a county's handlers are too many to list
    # PostgreSQL takes the medians from the hours' histogram: exact here.
    assert board.total.median_hours == 96.0
    assert board.total.on_time_rate == pytest.approx(1 / 3)
    assert {r.key: r.total for r in board.by_month} == {"2026-09": 9}
    assert {r.label: r.total for r in board.by_category} == {"环境卫生": 9}


def test_days_over_skip_the_national_day(world, grids):
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 29)):
        item = _report(grids)
        services.accept(actor=grids.worker, incident=item)
    board = stats.dashboard(
        viewer=world.staff,
        region=world.wenchang,
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
        now=_at(2026, 10, 12),
    )
    # Due Friday 10-09; Saturday 10-10 is worked (调休), Sunday off, Monday 10-12 worked.
    assert board.total.overdue == 1 and board.total.days_over == 2
    assert timezone.localdate(board.total.oldest_due) == date(2026, 10, 9)
    assert board.total.oldest_due - timedelta(seconds=1) < _at(2026, 10, 10, 0)


@pytest.mark.pg
def test_the_roll_up_of_settled_incidents_gives_the_same_figures(world, grids):
    """PostgreSQL: a county's whole months come from the roll-up of incidents settled
    (closed over 31 days ago), the rest from the incidents; the figures are the same."""
    from jifen.incidents import rollup

    def made(day: int, *, close: bool, late: bool = False) -> Incident:
        with mock.patch("django.utils.timezone.now", return_value=_at(2026, 7, day)):
            item = _report(grids)
            services.accept(actor=grids.worker, incident=item)
            services.assign(actor=grids.worker, incident=item, person=grids.worker)
        if close:
            when = _at(2026, 7, day + (9 if late else 1))
            with mock.patch("django.utils.timezone.now", return_value=when):
                services.resolve(actor=grids.worker, incident=item, note="已处理")
                services.verify(actor=world.staff, incident=item, ok=True)
        return item

    made(6, close=True)
    made(7, close=True, late=True)
    made(8, close=False)  # overdue for months: never rolled up
    made(20, close=True)
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 8, 3)):
        fresh = _report(grids)  # August: a partial month of the period, read live

    def board():
        return stats.dashboard(
            viewer=world.county_admin,
            region=world.county,
            start=date(2026, 7, 1),
            end=date(2026, 8, 15),
            now=NOW_LATE,
        )

    before = board()
    assert rollup.roll_up(date(2026, 12, 1)) > 0
    assert rollup.roll_up(date(2026, 12, 1)) == 0  # twice: nothing more
    assert rollup.cutoff() is not None
    after = board()
    for a, b in ((before.total, after.total), *zip(before.by_month, after.by_month, strict=True)):
        assert (a.key, a.total, a.open, a.overdue, a.closed, a.closed_on_time) == (
            b.key,
            b.total,
            b.open,
            b.overdue,
            b.closed,
            b.closed_on_time,
        )
        assert a.median_seconds == b.median_seconds and a.days_over == b.days_over
    assert (after.total.total, after.total.closed, after.total.closed_on_time) == (5, 3, 2)
    assert [r.key for r in after.by_month] == ["2026-08", "2026-07"]
    assert fresh.pk


NOW_LATE = _at(2026, 12, 1)
