"""Redemption windows (一季一兑换) at their boundaries: pure functions, no database."""

from datetime import date

import pytest

from jifen.shop.windows import Window, is_open, next_opening, parse_months

ALWAYS = Window(months=frozenset(), first_day=None, last_day=None)
QUARTERLY = Window(months=frozenset({1, 4, 7, 10}), first_day=1, last_day=7)


# --- Always open by default ----------------------------------------------------------------


@pytest.mark.parametrize(
    "day", [date(2026, 1, 1), date(2026, 2, 28), date(2028, 2, 29), date(2026, 12, 31)]
)
def test_a_window_with_nothing_set_is_always_open(day):
    assert ALWAYS.always
    assert is_open(ALWAYS, day)
    assert next_opening(ALWAYS, day) == day


@pytest.mark.parametrize(
    "window",
    [
        Window(months=frozenset({3}), first_day=None, last_day=None),
        Window(months=frozenset(), first_day=2, last_day=None),
        Window(months=frozenset(), first_day=None, last_day=20),
    ],
)
def test_any_setting_makes_a_window_not_always_open(window):
    assert not window.always


# --- Months 1, 4, 7, 10, days 1–7 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 4, 1), True),  # first day of the window
        (date(2026, 4, 7), True),  # last day of the window
        (date(2026, 4, 8), False),  # first day after it
        (date(2026, 3, 31), False),  # the day before it
        (date(2026, 5, 1), False),  # the 1st of a month not listed
        (date(2026, 1, 7), True),
        (date(2026, 10, 1), True),
        (date(2026, 12, 7), False),
    ],
)
def test_a_quarterly_window_opens_the_first_week_of_its_months(day, open_):
    assert is_open(QUARTERLY, day) is open_


@pytest.mark.parametrize(
    ("day", "opens"),
    [
        (date(2026, 4, 5), date(2026, 4, 5)),  # open: today itself
        (date(2026, 4, 7), date(2026, 4, 7)),
        (date(2026, 4, 8), date(2026, 7, 1)),  # just missed it: next quarter
        (date(2026, 6, 30), date(2026, 7, 1)),
        (date(2026, 10, 8), date(2027, 1, 1)),  # across the year end
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_the_next_opening_of_a_quarterly_window(day, opens):
    assert next_opening(QUARTERLY, day) == opens


# --- Month ends ----------------------------------------------------------------------------


def test_a_last_day_of_31_ends_february_on_its_last_day():
    window = Window(months=frozenset(), first_day=25, last_day=31)
    assert is_open(window, date(2026, 2, 28))
    assert is_open(window, date(2028, 2, 29))  # a leap year
    assert is_open(window, date(2026, 4, 30))  # a 30-day month
    assert is_open(window, date(2026, 1, 31))
    assert not is_open(window, date(2026, 3, 1))
    assert not is_open(window, date(2026, 2, 24))
    assert next_opening(window, date(2026, 3, 1)) == date(2026, 3, 25)


def test_no_last_day_means_the_months_end():
    window = Window(months=frozenset(), first_day=20, last_day=None)
    assert is_open(window, date(2026, 2, 28))
    assert is_open(window, date(2026, 1, 31))
    assert not is_open(window, date(2026, 2, 19))


def test_no_first_day_means_the_1st():
    window = Window(months=frozenset(), first_day=None, last_day=7)
    assert is_open(window, date(2026, 6, 1))
    assert not is_open(window, date(2026, 6, 8))
    assert next_opening(window, date(2026, 6, 8)) == date(2026, 7, 1)


def test_a_first_day_a_month_lacks_skips_that_month():
    window = Window(months=frozenset(), first_day=30, last_day=31)
    assert not is_open(window, date(2026, 2, 28))
    assert next_opening(window, date(2026, 2, 1)) == date(2026, 3, 30)


def test_a_window_that_never_opens_has_no_next_opening():
    # February never has a 30th: the window is closed for good, not for a year.
    window = Window(months=frozenset({2}), first_day=30, last_day=None)
    assert not is_open(window, date(2028, 2, 29))
    assert next_opening(window, date(2026, 1, 1)) is None


# --- parse_months -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("1,4,7,10", {1, 4, 7, 10}),
        ("1，4，7，10", {1, 4, 7, 10}),  # the Chinese comma
        (" 1 , 4，7 ,10 ", {1, 4, 7, 10}),
        ("12", {12}),
        ("4,4", {4}),
        ("1,,4,", {1, 4}),
        ("", set()),
        ("  ", set()),
    ],
)
def test_parse_months_reads_month_numbers(text, months):
    assert parse_months(text) == frozenset(months)


@pytest.mark.parametrize("text", ["0", "13", "-1", "a", "1;4", "1.5", "1 4", "一月", "1、4"])
def test_parse_months_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_months(text)
