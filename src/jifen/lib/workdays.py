"""China's official working days, for deadlines: holidays off, 调休 make-up days on.

The State Council publishes each year's holidays and the weekend days worked in their
place (调休) in the autumn before; ``chinesecalendar`` carries them. For a year it does
not know yet, Monday to Friday is the working week until the package is upgraded
(``covered`` tells whether a day is known from the published schedule).
"""

from datetime import date, timedelta

import chinese_calendar

MAX_DAYS = 3660  # ten years of counting is a bug, not a deadline


def covered(day: date) -> bool:
    """Whether the published schedule knows ``day`` (else weekdays are assumed)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The day on which ``days`` working days after ``start`` are over: the working
    day count ``days`` reaches, counting from the day after ``start``. ``days`` = 0 is
    ``start`` itself (or, if that is a day off, the next working day)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"working days out of range: {days}")
    day = start
    if days == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
