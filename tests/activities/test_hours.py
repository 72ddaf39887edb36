"""The hour rules of CONTRACT.md at their boundaries (pure functions, no database)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from jifen.activities import hours as rules

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 5, 1, 9, 0, tzinfo=TZ)
END = datetime(2025, 5, 1, 12, 0, tzinfo=TZ)  # a 3-hour activity


def at(minutes: float) -> datetime:
    """``minutes`` after the start of the window (negative: before it)."""
    return START + timedelta(minutes=minutes)


def served_hours(checkin: float, checkout: float) -> Decimal:
    return rules.hours(at(checkin), at(checkout), START, END)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0"),
        (1, "0"),
        (29, "0"),
        (29.99, "0"),
        (30, "0.5"),
        (59, "0.5"),
        (60, "1"),
        (89, "1"),
        (90, "1.5"),
        (179, "2.5"),
        (180, "3"),
    ],
)
def test_hours_are_rounded_down_to_the_half_hour(minutes, expected):
    assert served_hours(0, minutes) == Decimal(expected)


def test_under_half_an_hour_earns_nothing():
    assert served_hours(10, 39) == 0
    assert served_hours(10, 40) == Decimal("0.5")


def test_an_early_check_in_is_clipped_to_the_start():
    # Arrived 25 minutes early, stayed 1 h 15 min into the activity: 1 h 40 min raw.
    assert served_hours(-25, 75) == Decimal("1")


def test_a_late_check_out_is_clipped_to_the_end():
    # Checked out 50 minutes after the end: only the window's last 1 h 20 min count.
    assert served_hours(100, 230) == Decimal("1")


def test_an_attendance_covering_the_whole_window_earns_the_window():
    assert served_hours(-30, 240) == Decimal("3")


def test_an_attendance_outside_the_window_earns_nothing():
    assert served_hours(-30, -1) == 0
    assert served_hours(181, 240) == 0
    assert rules.served(at(-30), at(-1), START, END) == timedelta(0)


def test_an_activity_crossing_midnight_counts_across_it():
    starts = datetime(2025, 5, 1, 22, 0, tzinfo=TZ)
    ends = datetime(2025, 5, 2, 2, 0, tzinfo=TZ)
    checkin = datetime(2025, 5, 1, 23, 10, tzinfo=TZ)
    checkout = datetime(2025, 5, 2, 1, 0, tzinfo=TZ)
    assert rules.hours(checkin, checkout, starts, ends) == Decimal("1.5")
    # Checked out at 2:50 the next morning: clipped to 2:00.
    assert rules.hours(checkin, ends + timedelta(minutes=50), starts, ends) == Decimal("2.5")


# --- One claim per day ---------------------------------------------------------------------


def test_up_to_a_day_of_service_is_one_claim_on_the_day_it_began():
    starts = datetime(2025, 5, 1, 22, 0, tzinfo=TZ)
    ends = datetime(2025, 5, 3, 22, 0, tzinfo=TZ)
    checkin = datetime(2025, 5, 1, 23, 10, tzinfo=TZ)
    assert rules.daily(checkin, checkin + timedelta(hours=2), starts, ends, TZ) == [
        (date(2025, 5, 1), Decimal("2"))
    ]
    # Exactly 24 h: still one.
    assert rules.daily(checkin, checkin + timedelta(hours=24), starts, ends, TZ) == [
        (date(2025, 5, 1), Decimal("24"))
    ]
    # Nothing served, or under half an hour: no claim.
    assert rules.daily(checkin, checkin + timedelta(minutes=29), starts, ends, TZ) == []
    assert rules.daily(ends, ends + timedelta(hours=1), starts, ends, TZ) == []


def test_more_than_a_day_is_split_at_local_midnight():
    starts = datetime(2025, 5, 1, 9, 0, tzinfo=TZ)
    ends = datetime(2025, 5, 3, 17, 0, tzinfo=TZ)
    days = rules.daily(starts, ends, starts, ends, TZ)
    assert days == [
        (date(2025, 5, 1), Decimal("15")),
        (date(2025, 5, 2), Decimal("24")),
        (date(2025, 5, 3), Decimal("17")),
    ]
    assert sum(h for _d, h in days) == rules.hours(starts, ends, starts, ends)


def test_the_split_rounds_the_running_total_so_no_half_hour_is_lost():
    starts = datetime(2025, 5, 1, 23, 40, tzinfo=TZ)  # 20 min before midnight
    ends = datetime(2025, 5, 3, 0, 20, tzinfo=TZ)  # 20 min after the next one
    days = rules.daily(starts, ends, starts, ends, TZ)
    # 24 h 40 min in all: 24.5 h; each day alone would round to 0 + 24 + 0.
    assert sum(h for _d, h in days) == Decimal("24.5")
    assert days == [(date(2025, 5, 2), Decimal("24")), (date(2025, 5, 3), Decimal("0.5"))]


def test_days_are_those_of_the_zone_not_of_utc():
    utc = ZoneInfo("UTC")
    starts = datetime(2025, 5, 1, 9, 0, tzinfo=TZ)  # 01:00 UTC
    ends = starts + timedelta(hours=30)  # 15:00 the next day, Beijing time
    assert [d for d, _h in rules.daily(starts, ends, starts, ends, TZ)] == [
        date(2025, 5, 1),
        date(2025, 5, 2),
    ]
    assert rules.daily(starts, ends, starts, ends, utc) == [
        (date(2025, 5, 1), Decimal("23")),
        (date(2025, 5, 2), Decimal("7")),
    ]


def test_times_in_different_offsets_are_compared_as_instants():
    utc_checkin = at(0).astimezone(ZoneInfo("UTC"))
    assert rules.hours(utc_checkin, at(60), START, END) == Decimal("1")


# --- Minimum share -------------------------------------------------------------------------


def test_a_minimum_share_of_zero_is_off():
    assert rules.covers(at(0), at(1), START, END, 0)
    assert rules.covers(at(200), at(210), START, END, 0)


@pytest.mark.parametrize(
    ("checkout_minute", "share", "covers"),
    [
        (90, 50, True),  # exactly half of 3 hours
        (89, 50, False),
        (180, 100, True),
        (179, 100, False),
        (54, 30, True),  # 30 % of 180 minutes is 54
        (53, 30, False),
    ],
)
def test_the_minimum_share_is_met_at_its_exact_boundary(checkout_minute, share, covers):
    assert rules.covers(at(0), at(checkout_minute), START, END, share) is covers


def test_the_share_counts_only_time_inside_the_window():
    # 2 hours raw, but 1 hour of it before the window (beyond any accepted check-in,
    # here only to show the clipping): 1 hour of 3 is under 50 %.
    assert not rules.covers(at(-60), at(60), START, END, 50)
    assert rules.covers(at(-30), at(90), START, END, 50)


# --- Check-in and check-out windows --------------------------------------------------------


@pytest.mark.parametrize(
    ("minute", "allowed"),
    [
        (-31, False),
        (-30.001, False),
        (-30, True),  # exactly 30 minutes early
        (-29, True),
        (0, True),
        (179, True),
        (180, True),  # at the end
        (180.001, False),
        (181, False),
    ],
)
def test_check_in_is_accepted_from_30_minutes_early_to_the_end(minute, allowed):
    assert rules.checkin_allowed(at(minute), START, END) is allowed


@pytest.mark.parametrize(
    ("minute", "allowed"),
    [
        (-31, False),
        (-30, True),
        (0, True),
        (180, True),
        (239, True),
        (240, True),  # exactly 60 minutes late
        (240.001, False),
        (241, False),
    ],
)
def test_check_out_is_accepted_up_to_60_minutes_late(minute, allowed):
    assert rules.checkout_allowed(at(minute), START, END) is allowed


def test_the_grace_periods_are_the_contracts():
    assert rules.EARLY == timedelta(minutes=30)
    assert rules.LATE == timedelta(minutes=60)
