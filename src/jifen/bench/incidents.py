"""``incident_dashboard_1m_s``: the county's incident dashboard over a million incidents.

A county of 300 communities in 15 towns, four grids each, and 1,000,000 grid incidents
reported over the last three years (``--quick``: 100,000), nearly all of the older ones
closed, some late, a few left overdue; seeded by COPY, vacuumed and analysed as
autovacuum would have, and the settled ones rolled up as ``jifen tick`` does every day
(``incidents/rollup.py``). Timed: ``incidents.stats.dashboard`` for the county over the
three years — open, overdue (with the working days the oldest is past), closed on time,
the on-time rate and the median time to close, by town, by category and by month — the
first call in a fresh process, then the median of five. The target: under a second.
"""

import time
from datetime import timedelta
from statistics import median
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

INCIDENTS = 1_000_000
COMMUNITIES = 300
REPEATS = 5


def prepare(count: int) -> dict[str, Any]:
    """(In a child.) The county and its incidents."""
    from django.db import connection

    from jifen.demo.seed_scale import seed_incidents, seed_scale
    from jifen.incidents import rollup

    t0 = time.monotonic()
    seed_scale(COMMUNITIES, months=1, communities=COMMUNITIES)
    made = seed_incidents(count)
    seeded = time.monotonic() - t0
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    t1 = time.monotonic()
    rolled = rollup.roll_up()  # as jifen tick does every day
    rolled_s = time.monotonic() - t1
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {"incidents": made, "seed_s": seeded, "rolled": rolled, "roll_up_s": rolled_s}


def time_dashboard(repeats: int) -> dict[str, Any]:
    """(In a fresh child.) The county's dashboard over three years: the first call, then
    ``repeats`` more; and the figures it gave, to check them."""
    from django.db import connection
    from django.utils import timezone

    from jifen.incidents import stats
    from jifen.incidents.models import Incident
    from jifen.regions.models import Region

    connection.ensure_connection()
    county = Region.objects.get(code="SCALE")
    end = timezone.localdate()
    start = end - timedelta(days=3 * 365)

    def once() -> tuple[float, stats.Dashboard]:
        t0 = time.perf_counter()
        board = stats.dashboard(viewer=None, region=county, start=start, end=end)
        return time.perf_counter() - t0, board

    first, board = once()
    again = [once()[0] for _ in range(repeats)]
    total = Incident.objects.count()
    return {
        "first_s": first,
        "median_s": median(again),
        "max_s": max(again),
        "total": board.total.total,
        "in_table": total,
        "towns": len(board.by_area),
        "categories": len(board.by_category),
        "months": len(board.by_month),
        "overdue": board.total.overdue,
        "rate": board.total.on_time_rate,
        "median_hours": board.total.median_hours,
        "sampled": board.sampled,
    }


def run(ctx: Context) -> list[Result]:
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    quick = ctx.config.quick
    count = INCIDENTS // 10 if quick else INCIDENTS
    url = ctx.pg.url(ctx.pg.create("incidents"))
    try:
        info = child.run(url, "jifen.bench.incidents:prepare", timeout=7200, count=count)
        ctx.say(
            f"  seeded {info['incidents']:,} incidents in {info['seed_s']:.0f} s; rolled up "
            f"{info['rolled']:,} community-category-months in {info['roll_up_s']:.1f} s"
        )
        ctx.pg.checkpoint()
        got = child.run(url, "jifen.bench.incidents:time_dashboard", timeout=3600, repeats=REPEATS)
    finally:
        ctx.pg.drop(url.rsplit("/", 1)[1])
    rate = "—" if got["rate"] is None else f"{got['rate'] * 100:.1f}%"
    counted = got["total"] == got["in_table"]
    return [
        Result(
            "incident_dashboard_1m_s",
            got["first_s"] if counted else None,
            "s",
            note=(
                f"{info['incidents']:,} incidents over 3 years in {COMMUNITIES} communities"
                + (" (quick: 1/10)" if quick else "")
                + f"; first call in a fresh process; then median {got['median_s']:.3f} s, "
                f"max {got['max_s']:.3f} s of {REPEATS}; {got['towns']} towns, "
                f"{got['categories']} categories, {got['months']} months; "
                f"{got['overdue']:,} overdue, on time {rate}, median "
                f"{got['median_hours']} h to close (medians from a sample of the pages: "
                f"{got['sampled']}); the settled incidents rolled up by tick beforehand "
                f"({info['rolled']:,} rows, {info['roll_up_s']:.1f} s, untimed)"
                + ("" if counted else f"; COUNTED {got['total']:,} OF {got['in_table']:,}")
            ),
        )
    ]
