"""``debit_pg_1w``: balance-checked debits per second on PostgreSQL, one worker.

A redemption Posting from a volunteer who has enough points to the community's
shop account, through ``jifen.points.ledger.post``, one per transaction, as the
shop would post it: both accounts looked up for each debit (one query,
``ledger.home_accounts``). The debit is a
compare-and-set (``UPDATE ... WHERE balance >= amount``), so it needs no lock
taken beforehand and can never overdraw.
"""

import random
import time
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

VOLUNTEERS = 500
STARTING_POINTS = 10_000_000
WARM_UP = 50


def prepare() -> None:
    """(In a child.) One community whose volunteers each hold plenty of points."""
    from django.db import transaction

    from jifen.demo.seed_scale import seed_scale
    from jifen.points.ledger import Posting, post_many, system_account
    from jifen.points.models import Account, AccountKind, TransferKind
    from jifen.regions.models import Region

    seed_scale(VOLUNTEERS, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    issuer = system_account(community, AccountKind.ISSUER)
    accounts = Account.objects.filter(region=community, kind=AccountKind.PERSON)
    with transaction.atomic():
        post_many(
            Posting(
                debit=issuer,
                credit=account,
                amount=STARTING_POINTS,
                kind=TransferKind.AWARD,
                key=f"bench:debit:stock:{account.pk}",
            )
            for account in accounts
        )


def worker(seconds: float, barrier: Any = None) -> tuple[int, float, float]:
    from jifen.people.models import Person
    from jifen.points.ledger import Posting, home_accounts, post
    from jifen.points.models import AccountKind, TransferKind

    people = list(Person.objects.filter(community__code="SCALE-C0001").select_related("community"))
    rng = random.Random(7)  # noqa: S311 - load pattern, not security
    run = time.time_ns()

    def debit(n: int) -> None:
        person = people[rng.randrange(len(people))]
        shop, holder = home_accounts(person, AccountKind.SHOP)
        post(
            Posting(
                debit=holder,
                credit=shop,
                amount=rng.randint(1, 50),
                kind=TransferKind.REDEMPTION,
                key=f"bench:debit:{run}:{n}",
                actor=person,
                source_type="bench",
            )
        )

    return child.timed_loop(debit, warm_up=WARM_UP, seconds=seconds, barrier=barrier)


def run(ctx: Context) -> list[Result]:
    url = ctx.pg_database("debit", "jifen.bench.debit:prepare")
    seconds = ctx.config.seconds
    done, start, end = child.run(url, "jifen.bench.debit:worker", seconds=seconds)
    note = f"1 process, {done:,} debits in {seconds:g} s, redemption to the shop"
    return [Result("debit_pg_1w", done / (end - start), "debits/s", note=note)]
