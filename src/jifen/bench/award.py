"""``award_pg_1w``, ``award_pg_4w``, ``award_sqlite_1w``: award postings per second.

One hot community (``seed scale`` with one community of 2,000 volunteers). Each
worker is a separate process with its own connection; it awards a random
volunteer of that community through ``jifen.points.services.award_points``, one
award per transaction, as an approved claim would: the person object as the
caller has it, a rule version, a service date, a unique idempotency key. After
a short warm-up the workers start together (a barrier) and post for a fixed
time; the figure is all their awards over the span from the first start to the
last finish. Every award of the community debits the same issuer account, whose
balance is spread over 8 slot rows, so four workers rarely wait on one row.
"""

import random
import time
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

VOLUNTEERS = 2_000
WARM_UP = 50


def prepare() -> None:
    """(In a child.) One community with its volunteers and a month of history."""
    from jifen.demo.seed_scale import seed_scale

    seed_scale(VOLUNTEERS, months=1, communities=1)


def worker(number: int, seconds: float, barrier: Any = None) -> tuple[int, float, float, str]:
    """(In a child.) Award for ``seconds``; return (awards, start, end) on the monotonic
    clock, and the database it ran on."""
    from django.db import connection
    from django.utils import timezone

    from jifen.people.models import Person
    from jifen.points.models import RuleVersion
    from jifen.points.services import award_points

    people = list(Person.objects.filter(community__code="SCALE-C0001").order_by("pk"))
    rule = RuleVersion.objects.get(item__code="SCALE-SERVICE")
    rng = random.Random(number)  # noqa: S311 - load pattern, not security
    today = timezone.localdate()
    run = f"{time.time_ns()}:{number}"

    def award(n: int) -> None:
        award_points(
            person=people[rng.randrange(len(people))],
            amount=rng.choice((10, 15, 20, 30)),
            key=f"bench:award:{run}:{n}",
            actor=None,
            rule_version=rule,
            service_date=today,
            source_type="bench",
        )

    done, start, end = child.timed_loop(award, warm_up=WARM_UP, seconds=seconds, barrier=barrier)
    return done, start, end, connection.vendor


def measure(url: str, workers: int, seconds: float) -> tuple[float, int]:
    """Awards per second over the run, and how many."""
    vendor = "sqlite" if url.startswith("sqlite:") else "postgresql"
    answers = child.run_many(
        url,
        "jifen.bench.award:worker",
        [{"number": n, "seconds": seconds} for n in range(workers)],
        timeout=seconds + 600,
        barrier=True,
    )
    if {a[3] for a in answers} != {vendor}:
        raise RuntimeError(f"the award workers ran on {answers[0][3]}, not {vendor}")
    total = sum(a[0] for a in answers)
    span = max(a[2] for a in answers) - min(a[1] for a in answers)
    return total / span, total


def _pg(ctx: Context, workers: int, name: str) -> list[Result]:
    url = ctx.pg_database("award", "jifen.bench.award:prepare")
    rate, total = measure(url, workers, ctx.config.seconds)
    note = f"{workers} process(es), {total:,} awards in {ctx.config.seconds:g} s, 1 community"
    return [Result(name, rate, "awards/s", note=note)]


def run_pg_1w(ctx: Context) -> list[Result]:
    return _pg(ctx, 1, "award_pg_1w")


def run_pg_4w(ctx: Context) -> list[Result]:
    return _pg(ctx, 4, "award_pg_4w")


def run_sqlite_1w(ctx: Context) -> list[Result]:
    url = ctx.sqlite_database("award", "jifen.bench.award:prepare")
    rate, total = measure(url, 1, ctx.config.seconds)
    note = f"1 process, {total:,} awards in {ctx.config.seconds:g} s, WAL file database"
    return [Result("award_sqlite_1w", rate, "awards/s", note=note)]
