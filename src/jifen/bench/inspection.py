"""``inspection_summary_1m_s``: the inspectors' summary of a county over a million messages.

A county of 300 communities in 15 towns and 1,000,000 residents' messages written over
the last three years (``--quick``: 100,000), each answered one with its answer: nearly all
of the older ones answered and closed (most on time, some late, a few reopened once), a
few left waiting past due, the last month's in every state; seeded by COPY
(``seed_scale.seed_messages``), vacuumed and analysed as autovacuum would have, and the
closed ones rolled up as ``jifen tick`` does every day (``inspection/rollup.py``). Timed:
``inspection.figures.summary`` for the county over the three years — received, answered,
unanswered, answered late, waiting past due, overdue, the median hours to the first
answer, ratings and reopened, by topic, by community, by town and in all, with the
disclosures missing and the incidents' on-time figures — the first call in a fresh
process, then the median of five; and, apart, the messages' query alone (no disclosures,
no incidents) and a keyword search's first page. The target: under a second.
"""

import time
from datetime import timedelta
from statistics import median
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

MESSAGES = 1_000_000
COMMUNITIES = 300
REPEATS = 5


def prepare(count: int) -> dict[str, Any]:
    """(In a child.) The county and its messages."""
    from django.db import connection

    from jifen.demo.seed_scale import seed_messages, seed_scale
    from jifen.inspection import rollup

    t0 = time.monotonic()
    seed_scale(COMMUNITIES, months=1, communities=COMMUNITIES)
    made = seed_messages(count)
    seeded = time.monotonic() - t0
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    t1 = time.monotonic()
    rolled = rollup.roll_up()  # as jifen tick does every day
    rolled_s = time.monotonic() - t1
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {"messages": made, "seed_s": seeded, "rolled": rolled, "roll_up_s": rolled_s}


def time_summary(repeats: int) -> dict[str, Any]:
    """(In a fresh child.) The county's summary over three years: the first call, then
    ``repeats`` more; the messages' figures alone; a search; and the figures, to check."""
    from django.db import connection
    from django.utils import timezone

    from jifen.inspection import figures, selectors
    from jifen.messages.models import Message
    from jifen.regions.models import Region

    connection.ensure_connection()
    county = Region.objects.get(code="SCALE")
    end = timezone.localdate()
    start = end - timedelta(days=3 * 365)

    def once(**options: Any) -> tuple[float, figures.Summary]:
        t0 = time.perf_counter()
        found = figures.summary(viewer=None, region=county, start=start, end=end, **options)
        return time.perf_counter() - t0, found

    first, s = once()
    again = [once()[0] for _ in range(repeats)]
    alone = [once(with_incidents=False, with_disclosures=False)[0] for _ in range(repeats)]
    monthly = once(monthly=True)[0]

    def search(words: str) -> float:
        t0 = time.perf_counter()
        rows = selectors.messages(
            viewer=None,
            region=county,
            start=start,
            end=end,
            drill=selectors.Drill(figure="received", q=words),
        )
        list(rows[:25])
        return time.perf_counter() - t0

    searches = {words: search(words) for words in ("路灯", "健身器材损坏", "编号123456")}
    return {
        "first_s": first,
        "median_s": median(again),
        "max_s": max(again),
        "alone_median_s": median(alone),
        "monthly_s": monthly,
        "searches": searches,
        "total": s.total.received,
        "in_table": Message.objects.count(),
        "areas": len(s.by_area),
        "towns": len(s.by_town),
        "topics": len(s.by_topic),
        "overdue": s.total.overdue,
        "median_hours": s.total.median_hours,
        "sampled": s.sampled,
        "rolled": s.rolled,
    }


def run(ctx: Context) -> list[Result]:
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    quick = ctx.config.quick
    count = MESSAGES // 10 if quick else MESSAGES
    url = ctx.pg.url(ctx.pg.create("inspection"))
    try:
        info = child.run(url, "jifen.bench.inspection:prepare", timeout=7200, count=count)
        ctx.say(
            f"  seeded {info['messages']:,} messages in {info['seed_s']:.0f} s; rolled up "
            f"{info['rolled']:,} region-topic-months in {info['roll_up_s']:.1f} s"
        )
        ctx.pg.checkpoint()
        got = child.run(url, "jifen.bench.inspection:time_summary", timeout=3600, repeats=REPEATS)
    finally:
        ctx.pg.drop(url.rsplit("/", 1)[1])
    counted = got["total"] == got["in_table"]
    searches = ", ".join(f"{w} {s * 1000:.0f} ms" for w, s in got["searches"].items())
    return [
        Result(
            "inspection_summary_1m_s",
            got["first_s"] if counted else None,
            "s",
            note=(
                f"{info['messages']:,} messages over 3 years in {COMMUNITIES} communities"
                + (" (quick: 1/10)" if quick else "")
                + f"; first call in a fresh process; then median {got['median_s']:.3f} s, "
                f"max {got['max_s']:.3f} s of {REPEATS}; the messages' figures alone "
                f"(no disclosures, no incidents) median {got['alone_median_s']:.3f} s; "
                f"month by month {got['monthly_s']:.3f} s; {got['areas']} communities, "
                f"{got['towns']} towns, {got['topics']} topics; {got['overdue']:,} overdue, "
                f"median {got['median_hours']} h to answer (from a sample: {got['sampled']}); "
                f"roll-up read: {got['rolled']} ({info['rolled']:,} rows, "
                f"{info['roll_up_s']:.1f} s, untimed); a search's first page: {searches}"
                + ("" if counted else f"; COUNTED {got['total']:,} OF {got['in_table']:,}")
            ),
        )
    ]
