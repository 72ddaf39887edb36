"""``balance_read_100_us`` and ``balance_read_100k_us``: a balance read, short and long history.

Two volunteers of one community, one with 100 transfers and one with 100,000
(posted with ``ledger.post_many``). ``jifen.points.selectors.balance_of`` reads
each many times, alternating; the figure is the median in microseconds. The
balance is stored on the account row, so both should cost the same one-row read.
"""

import statistics
import time

from jifen.bench import child
from jifen.bench.runner import Context, Result

SHORT, LONG = 100, 100_000


def prepare() -> None:
    from django.db import transaction

    from jifen.demo.seed_scale import seed_scale
    from jifen.points.ledger import Posting, post_many, system_account
    from jifen.points.models import Account, AccountKind, TransferKind
    from jifen.regions.models import Region

    seed_scale(20, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    issuer = system_account(community, AccountKind.ISSUER)
    short, long = Account.objects.filter(region=community, kind=AccountKind.PERSON).order_by("pk")[
        :2
    ]
    for account, count in ((short, SHORT), (long, LONG)):
        # seed scale gave each a few awards already; top up to the exact count.
        have = account.credits.count() + account.debits.count()
        with transaction.atomic():
            post_many(
                Posting(
                    debit=issuer,
                    credit=account,
                    amount=1,
                    kind=TransferKind.AWARD,
                    key=f"bench:read:{account.pk}:{n}",
                )
                for n in range(count - have)
            )


def measure(repeats: int) -> dict[str, float]:
    from django.db import connection
    from django.db.models import Q

    from jifen.people.models import Person
    from jifen.points.models import Account, AccountKind, Transfer
    from jifen.points.selectors import balance_of

    if connection.vendor != "postgresql":
        raise RuntimeError(f"balance_read ran on {connection.vendor}")
    short, long = Account.objects.filter(
        region__code="SCALE-C0001", kind=AccountKind.PERSON
    ).order_by("pk")[:2]
    people = {p.pk: p for p in Person.objects.filter(pk__in=[short.person_id, long.person_id])}
    people_of = {short.pk: people[short.person_id or 0], long.pk: people[long.person_id or 0]}
    history = {
        "short": Transfer.objects.filter(Q(debit=short) | Q(credit=short)).count(),
        "long": Transfer.objects.filter(Q(debit=long) | Q(credit=long)).count(),
    }
    timings: dict[str, list[float]] = {"short": [], "long": []}
    for _ in range(100):  # warm-up
        balance_of(people_of[short.pk])
        balance_of(people_of[long.pk])
    for _ in range(repeats):
        for label, account in (("short", short), ("long", long)):
            person = people_of[account.pk]
            t0 = time.perf_counter_ns()
            balance_of(person)
            timings[label].append((time.perf_counter_ns() - t0) / 1000)
    return {
        "short": statistics.median(timings["short"]),
        "long": statistics.median(timings["long"]),
        "short_history": history["short"],
        "long_history": history["long"],
    }


def run(ctx: Context) -> list[Result]:
    url = ctx.pg_database("read", "jifen.bench.balance_read:prepare")
    repeats = ctx.config.read_repeats
    got = child.run(url, "jifen.bench.balance_read:measure", repeats=repeats)
    note = "median of {n:,} reads, PostgreSQL, account with {h:,} transfers"
    return [
        Result(
            "balance_read_100_us",
            got["short"],
            "µs",
            note=note.format(n=repeats, h=got["short_history"]),
        ),
        Result(
            "balance_read_100k_us",
            got["long"],
            "µs",
            note=note.format(n=repeats, h=got["long_history"]),
        ),
    ]
