"""The county dashboard's roll-up (PostgreSQL): settled incidents counted once.

An incident closed more than ``REOPEN_DAYS`` + 1 days ago can no longer change in any
way the dashboard counts (only its reporter could reopen it, within 30 days of closing;
a rating is not a figure). ``jifen tick`` adds the incidents settled since its last run
to ``incidents_month_figures`` — per community, category and month reported: how many,
how many closed after a fix, how many of those on time — and moves the cutoff
(``incidents_rollup_state``) in the same transaction, under a lock, so a second tick
adds nothing. The roll-up holds exactly the incidents closed before the cutoff.

A county's dashboard then reads, for the whole months of its period, the roll-up's few
rows, and from the incidents themselves only the rest: those still open, those closed
since the cutoff, and those of the period's partial months (``stats._one_pass``).
SQLite has no roll-up: a county on SQLite is a demo's.
"""

from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from jifen.incidents.models import REOPEN_DAYS

SETTLED_AFTER_DAYS = REOPEN_DAYS + 1
_BEGINNING = datetime(1900, 1, 1, tzinfo=timezone.get_fixed_timezone(0))

_ADD = """
INSERT INTO incidents_month_figures
    (community_id, category_id, month, n_total, n_closed, n_on_time)
SELECT community_id, category_id, date_trunc('month', created_at AT TIME ZONE %(zone)s)::date,
       COUNT(*), COUNT(*) FILTER (WHERE closed_on_time IS NOT NULL),
       COUNT(*) FILTER (WHERE closed_on_time)
FROM incidents_incident
WHERE status = 'closed' AND closed_at >= %(old)s AND closed_at < %(new)s
GROUP BY 1, 2, 3
ON CONFLICT (community_id, category_id, month) DO UPDATE SET
    n_total = incidents_month_figures.n_total + EXCLUDED.n_total,
    n_closed = incidents_month_figures.n_closed + EXCLUDED.n_closed,
    n_on_time = incidents_month_figures.n_on_time + EXCLUDED.n_on_time
"""


def available() -> bool:
    return connection.vendor == "postgresql"


def cutoff_for(today: date) -> datetime:
    """Midnight (local) ``SETTLED_AFTER_DAYS`` days before ``today``."""
    day = today - timedelta(days=SETTLED_AFTER_DAYS)
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def cutoff() -> datetime | None:
    """What the roll-up holds: every incident closed before this (None: nothing yet)."""
    if not available():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT cutoff FROM incidents_rollup_state WHERE id = 1")
        row = cursor.fetchone()
    if row is None or row[0] <= _BEGINNING:
        return None
    return row[0]  # type: ignore[no-any-return]


def roll_up(today: date | None = None) -> int:
    """Add what settled since the last run; the number of roll-up rows touched."""
    if not available():
        return 0
    # Never past what has truly settled, whatever day a tick is run as of.
    new = min(cutoff_for(today or timezone.localdate()), cutoff_for(timezone.localdate()))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_rollup_state (id, cutoff) VALUES (1, %s) "
            "ON CONFLICT (id) DO NOTHING",
            [_BEGINNING],
        )
        # The lock makes two ticks at once take turns: the second finds nothing to add.
        cursor.execute("SELECT cutoff FROM incidents_rollup_state WHERE id = 1 FOR UPDATE")
        old = cursor.fetchone()[0]
        if old >= new:
            return 0
        cursor.execute(_ADD, {"zone": timezone.get_current_timezone_name(), "old": old, "new": new})
        touched = cursor.rowcount
        cursor.execute("UPDATE incidents_rollup_state SET cutoff = %s WHERE id = 1", [new])
    return int(max(touched, 0))
