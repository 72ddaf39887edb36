"""The summary's figures against the fixture counted by hand (conftest.py)."""

from datetime import date

import pytest

from jifen.disclosure import services as disclosure
from jifen.inspection import figures, rollup
from jifen.lib.errors import InvalidInput, PermissionDenied
from tests.inspection.conftest import NOW

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _summary(viewer, region, **kw):
    start, end = kw.pop("period", MARCH)
    return figures.summary(viewer=viewer, region=region, start=start, end=end, now=NOW, **kw)


def _by(rows, key):
    return next(r for r in rows if r.key == key)


def test_the_fixture_is_what_the_figures_assume(inspected):
    i = inspected
    assert i.m1.status == "answered" and i.m1.reopened_at is not None and i.m1.rating == 2
    assert i.m2.status == "closed" and i.m2.rating == 5
    assert i.m3.first_answered_at > i.m3.first_due_at
    assert i.m4.first_answered_at is None and i.m4.first_due_at < NOW
    # The first deadline is days away: the late answer takes longer than the others.
    assert (i.m3.first_answered_at - i.m3.created_at).total_seconds() > 24 * 3600


def test_the_county_in_all(world, inspected):
    s = _summary(world.county_admin, world.county)
    f = s.total.figures()
    assert f["received"] == 6  # m6 is April's
    assert f["answered"] == 5 and f["unanswered"] == 1
    assert f["late"] == 1 and f["open_overdue"] == 1 and f["overdue"] == 2
    # First answers after 1, 2, 3, 10 h and the late one (days): the median is 3 h.
    assert f["median_hours"] == 3.0
    assert f["rating"] == 3.5 and f["rated"] == 2
    assert f["reopened"] == 1


def test_by_town_area_and_topic(world, inspected):
    s = _summary(world.county_admin, world.county)
    fengcheng = _by(s.by_town, world.town.code)
    assert (fengcheng.received, fengcheng.answered, fengcheng.overdue) == (5, 4, 2)
    # 2, 3, 10 h and the late one: the median is between 3 and 10.
    assert fengcheng.median_hours == 6.5
    assert _by(s.by_town, world.other_town.code).received == 1
    wenchang = _by(s.by_area, world.wenchang.code)
    assert (wenchang.received, wenchang.late, wenchang.overdue) == (3, 1, 1)
    assert wenchang.median_hours == 10.0
    assert wenchang.parent == world.town.code
    jinyue = _by(s.by_area, world.jinyue.code)
    assert (jinyue.received, jinyue.unanswered, jinyue.open_overdue) == (1, 1, 1)
    assert jinyue.median_hours is None
    # A message to the town itself is the town's own line among the areas.
    own = _by(s.by_area, world.town.code)
    assert own.received == 1 and own.level == "town"
    policy = _by(s.by_topic, "policy")
    assert (policy.received, policy.answered, policy.median_hours) == (3, 2, 1.5)
    assert sum(r.received for r in s.by_area) == s.total.received
    assert sum(r.received for r in s.by_topic) == s.total.received


def test_monthly_splits_and_adds_up(world, inspected):
    s = _summary(
        world.county_admin, world.county, period=(date(2026, 3, 1), date(2026, 4, 30)), monthly=True
    )
    assert [m.key for m in s.by_month] == ["2026-03", "2026-04"]
    assert [m.received for m in s.by_month] == [6, 1]
    wenchang = _by(s.by_area, world.wenchang.code)
    assert [(m.key, m.received) for m in wenchang.months] == [("2026-03", 3), ("2026-04", 1)]
    assert sum(m.received for m in s.by_month) == s.total.received == 7


def test_a_town_inspector_sees_their_town_only(world, inspected):
    s = _summary(inspected.inspector, world.town)
    assert s.total.received == 5
    assert s.by_town == []  # the town's own total is the total
    assert {r.key for r in s.by_area} == {world.wenchang.code, world.jinyue.code, world.town.code}
    with pytest.raises(PermissionDenied):
        _summary(inspected.inspector, world.county)
    with pytest.raises(PermissionDenied):
        _summary(inspected.inspector, world.wanmei)


def test_staff_read_no_summary_but_admins_do(world, inspected):
    with pytest.raises(PermissionDenied):
        _summary(world.staff, world.wenchang)
    with pytest.raises(PermissionDenied):
        _summary(world.reviewer, world.wenchang)
    assert _summary(world.town_admin, world.town).total.received == 5


def test_dates_are_bounded(world, inspected):
    with pytest.raises(InvalidInput):
        _summary(world.county_admin, world.county, period=(date(1999, 12, 31), date(2026, 1, 1)))
    with pytest.raises(InvalidInput):
        _summary(world.county_admin, world.county, period=(date(2026, 3, 2), date(2026, 3, 1)))


def test_missing_disclosures_of_the_period(world, inspected):
    # 文昌 publishes its finances monthly by the 10th of the next month, from January on;
    # January's was published, February's (due 10 March) was not; March's is due in April.
    disclosure.save_schedule(
        actor=None,
        region=world.wenchang,
        category="finance",
        frequency="monthly",
        due_day=10,
        starts_on=date(2026, 1, 1),
    )
    disclosure.publish(
        actor=None, region=world.wenchang, category="finance", title="一月财务", period="2026-01"
    )
    s = _summary(world.county_admin, world.county)
    assert [(m.region, m.period, m.due_on) for m in s.missing] == [
        (world.wenchang.code, "2026-02", date(2026, 3, 10))
    ]
    assert s.missing_count == 1 and s.total.missing_disclosures == 1
    assert _by(s.by_area, world.wenchang.code).missing_disclosures == 1
    assert _by(s.by_town, world.town.code).missing_disclosures == 1
    # April's summary finds March's missing (due 10 April, NOW is the 15th).
    april = _summary(world.county_admin, world.county, period=(date(2026, 4, 1), date(2026, 4, 30)))
    assert [m.period for m in april.missing] == ["2026-03"]


def test_the_incidents_figures_come_from_their_dashboard(world, inspected, monkeypatch):
    from jifen.incidents import stats

    called = []
    real = stats.dashboard

    def spy(**kw):
        called.append(kw["region"].code)
        return real(**kw)

    monkeypatch.setattr(stats, "dashboard", spy)
    s = _summary(world.county_admin, world.county)
    assert called == [world.county.code]
    assert s.incidents is not None and s.incidents.total == 0 and s.incidents.on_time_rate is None


def test_the_rollup_gives_what_the_live_count_gives(world, inspected):
    """Every message of the fixture closed before today is rolled up (PostgreSQL); the
    summary read through the roll-up equals the one counted from the messages."""
    touched = rollup.roll_up()
    for period in (
        MARCH,
        (date(2026, 2, 15), date(2026, 4, 20)),
        (date(2026, 3, 1), date(2026, 4, 30)),
    ):
        for monthly in (False, True):
            rolled = _summary(world.county_admin, world.county, period=period, monthly=monthly)
            live = _summary(
                world.county_admin, world.county, period=period, monthly=monthly, use_rollup=False
            )
            assert rolled.rolled == rollup.available()
            assert rolled.total == live.total
            assert rolled.by_area == live.by_area
            assert rolled.by_town == live.by_town
            assert rolled.by_topic == live.by_topic
            assert rolled.by_month == live.by_month
    if rollup.available():
        assert touched >= 1
        assert rollup.roll_up() == 0  # a second tick adds nothing


def test_a_community_counts_only_its_own(world, inspected):
    s = _summary(world.county_admin, world.wenchang)
    assert s.total.received == 3  # not the town's own message, nor 金悦's
    assert [r.key for r in s.by_area] == [world.wenchang.code]
