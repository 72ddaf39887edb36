"""``bonus_142k_pg_s``, ``bonus_142k_sqlite_s``, ``bonus_142k_peak_mb``: one month's bonuses.

A county from ``seed scale --volunteers 142000`` (300 communities, three months
of service before the current month). The two earlier months are settled first,
untimed; on PostgreSQL the database is then vacuumed and analysed and
checkpointed, as autovacuum and the checkpointer would have done long before a
month's end in production. Then a fresh process times ``jifen.points.settlement.settle`` for the
last month alone, over the whole county: the long-term bonus for every volunteer
with service in each of the last three months, and the team leaders' bonus. Its
peak memory is the process's peak resident set (``getrusage``), Django included;
the figure notes what the process held before the settlement began. Afterwards,
untimed, ``jifen verify``'s checks run over the county.
"""

import resource
import time
from pathlib import Path
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result


def _rss_mb() -> float:
    """The resident set now, from /proc (Linux); the peak so far elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return _peak_mb()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def prepare(volunteers: int) -> dict[str, Any]:
    """(In a child.) Seed the county and settle every month but the last, untimed."""
    from django.db import connection

    from jifen.demo.seed_scale import seed_scale
    from jifen.points.settlement import settle
    from jifen.regions.models import Region

    t0 = time.monotonic()
    report = seed_scale(volunteers, months=3)
    seeded = time.monotonic() - t0
    county = Region.objects.get(code=report.county)
    settle(report.last_month.first_day, region=county)
    if connection.vendor == "postgresql":
        # What autovacuum has long done to a production ledger by the end of a month;
        # otherwise it would be vacuuming the fresh 400,000 rows during the timed run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return {
        "communities": report.communities,
        "transfers": report.transfers,
        "seed_s": seeded,
        "month": str(report.last_month),
    }


def settle_last_month() -> dict[str, Any]:
    """(In a fresh child.) Time the settlement of the last seeded month."""
    from itertools import islice

    from django.utils import timezone

    from jifen.points.settlement import Month, settle
    from jifen.points.verify import check_ledger
    from jifen.regions.models import Region

    county = Region.objects.get(code="SCALE")
    as_of = Month.of(timezone.localdate()).first_day
    before = _rss_mb()
    t0 = time.perf_counter()
    report = settle(as_of, region=county)
    seconds = time.perf_counter() - t0
    peak = _peak_mb()
    t1 = time.perf_counter()
    violations = list(islice(check_ledger(county), 3))
    return {
        "seconds": seconds,
        "posted": report.posted,
        "jobs": len(report.lines),
        "peak_mb": peak,
        "before_mb": before,
        "verify_s": time.perf_counter() - t1,
        "violations": violations,
    }


def _run(ctx: Context, url: str, backend: str) -> list[Result]:
    volunteers = ctx.config.bonus_volunteers
    got = child.run(url, "jifen.bench.bonus:settle_last_month", timeout=3600)
    seeded = ctx.shared.get(f"bonus_{backend}_seeded", "")
    size = f"{volunteers:,} volunteers" + (" (quick: 1/10 of 142,000)" if ctx.config.quick else "")
    verified = "verify clean" if not got["violations"] else f"VERIFY FAILED: {got['violations'][0]}"
    ctx.say(f"  seeded {seeded}; verify took {got['verify_s']:.1f} s: {verified}")
    return [
        Result(
            f"bonus_142k_{backend}_s",
            got["seconds"],
            "s",
            note=f"{size}, {got['posted']:,} bonuses in {got['jobs']} jobs; {verified}",
        ),
        Result(
            f"bonus_142k_{backend}_peak_mb",
            got["peak_mb"],
            "MB",
            note=f"{backend}, {size}; process held {got['before_mb']:.0f} MB before settling",
        ),
    ]


def _seeded_note(info: dict[str, Any]) -> str:
    return (
        f"{info['communities']} communities, {info['transfers']:,} transfers "
        f"in {info['seed_s']:.0f} s, month {info['month']}"
    )


def run_pg(ctx: Context) -> list[Result]:
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    url = ctx.pg.url(ctx.pg.create("bonus"))
    info = child.run(
        url, "jifen.bench.bonus:prepare", timeout=3600, volunteers=ctx.config.bonus_volunteers
    )
    ctx.shared["bonus_pg_seeded"] = _seeded_note(info)
    ctx.pg.checkpoint()  # the seeding's writes on disk before the timed run
    try:
        return _run(ctx, url, "pg")
    finally:
        ctx.pg.drop(url.rsplit("/", 1)[1])


def run_sqlite(ctx: Context) -> list[Result]:
    path = ctx.sqlite.create("bonus")
    url = ctx.sqlite.url(path)
    info = child.run(
        url, "jifen.bench.bonus:prepare", timeout=3600, volunteers=ctx.config.bonus_volunteers
    )
    ctx.shared["bonus_sqlite_seeded"] = _seeded_note(info)
    try:
        return _run(ctx, url, "sqlite")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
