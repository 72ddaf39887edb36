"""The inspectors' roll-up (PostgreSQL): closed messages counted once.

A closed message never changes again: no step of ``messages.models.STEPS`` leaves
``closed`` (a rating closes it, and "not resolved" can only be said before). ``jifen
tick`` adds the messages closed since its last run and before today (local midnight) to
``inspection_month_figures`` — per region addressed, topic and month written: how many,
answered, answered late, rated and the ratings' sum, reopened — and moves the cutoff
(``inspection_rollup_state``) in the same transaction, under a lock, so a second tick
adds nothing. The roll-up holds exactly the messages closed before the cutoff.

The summary (``figures.cells``) reads the roll-up's rows for the whole months of its
period and counts live only the rest. A closed message is never waiting, so it is
overdue exactly when it was answered late: ``n_late`` stands for both. SQLite has no
roll-up: a county on SQLite is a demo's.
"""

from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

_BEGINNING = datetime(1900, 1, 1, tzinfo=timezone.get_fixed_timezone(0))

_ADD = """
INSERT INTO inspection_month_figures
    (region_id, topic_id, month, n_received, n_answered, n_late, n_rated, rating_sum,
     n_reopened)
SELECT region_id, topic_id, date_trunc('month', created_at AT TIME ZONE %(zone)s)::date,
       COUNT(*),
       COUNT(*) FILTER (WHERE first_answered_at IS NOT NULL),
       COUNT(*) FILTER (WHERE first_answered_at > first_due_at),
       COUNT(rating),
       COALESCE(SUM(rating), 0),
       COUNT(reopened_at)
FROM {table}
WHERE status = 'closed' AND closed_at >= %(old)s AND closed_at < %(new)s
GROUP BY 1, 2, 3
ON CONFLICT (region_id, topic_id, month) DO UPDATE SET
    n_received = inspection_month_figures.n_received + EXCLUDED.n_received,
    n_answered = inspection_month_figures.n_answered + EXCLUDED.n_answered,
    n_late = inspection_month_figures.n_late + EXCLUDED.n_late,
    n_rated = inspection_month_figures.n_rated + EXCLUDED.n_rated,
    rating_sum = inspection_month_figures.rating_sum + EXCLUDED.rating_sum,
    n_reopened = inspection_month_figures.n_reopened + EXCLUDED.n_reopened
"""

_READ = """
SELECT region_id, topic_id, {month}, SUM(n_received), SUM(n_answered), SUM(n_late),
       SUM(n_rated), SUM(rating_sum), SUM(n_reopened)
FROM inspection_month_figures
WHERE region_id = ANY(%(regions)s) AND month >= %(first)s AND month < %(after)s
GROUP BY {groups}
"""


def available() -> bool:
    return connection.vendor == "postgresql"


def cutoff_for(today: date) -> datetime:
    """Midnight (local) at the start of ``today``: what closed before it is settled."""
    return datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())


def cutoff() -> datetime | None:
    """What the roll-up holds: every message closed before this (None: nothing yet)."""
    if not available():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT cutoff FROM inspection_rollup_state WHERE id = 1")
        row = cursor.fetchone()
    if row is None or row[0] <= _BEGINNING:
        return None
    return row[0]  # type: ignore[no-any-return]


def roll_up(today: date | None = None) -> int:
    """(``jifen tick``) Add the messages closed since the last run; the number of
    roll-up rows touched."""
    if not available():
        return 0
    from jifen.messages.models import Message  # noqa: PLC0415 - the table's name

    # Never past what has truly settled, whatever day a tick is run as of.
    new = min(cutoff_for(today or timezone.localdate()), cutoff_for(timezone.localdate()))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inspection_rollup_state (id, cutoff) VALUES (1, %s) "
            "ON CONFLICT (id) DO NOTHING",
            [_BEGINNING],
        )
        # The lock makes two ticks at once take turns: the second finds nothing to add.
        cursor.execute("SELECT cutoff FROM inspection_rollup_state WHERE id = 1 FOR UPDATE")
        old = cursor.fetchone()[0]
        if old >= new:
            return 0
        cursor.execute(
            _ADD.format(table=Message._meta.db_table),
            {"zone": timezone.get_current_timezone_name(), "old": old, "new": new},
        )
        touched = cursor.rowcount
        cursor.execute("UPDATE inspection_rollup_state SET cutoff = %s WHERE id = 1", [new])
    return int(max(touched, 0))


def read(
    regions: list[int], first: date, after: date, monthly: bool
) -> dict[tuple[int, int, str | None], dict[str, int]]:
    """The roll-up's figures of the regions for the months from ``first`` to before
    ``after``, by region and topic (and month)."""
    month = "to_char(month, 'YYYY-MM')" if monthly else "NULL::text"
    found: dict[tuple[int, int, str | None], dict[str, int]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to hash the rows of a county's three years (90,000) in memory, not on disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            _READ.format(month=month, groups="1, 2, 3" if monthly else "1, 2"),
            {"regions": regions, "first": first, "after": after},
        )
        for (
            region,
            topic,
            mon,
            received,
            answered,
            late,
            rated,
            rating_sum,
            reopened,
        ) in cursor.fetchall():
            figures: dict[str, Any] = {
                "received": int(received),
                "answered": int(answered),
                "late": int(late),
                "open_overdue": 0,
                "overdue": int(late),
                "rated": int(rated),
                "rating_sum": int(rating_sum),
                "reopened": int(reopened),
            }
            found[(region, topic, mon)] = figures
    return found
