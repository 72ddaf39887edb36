"""``announcement_50k_s`` and ``county_ranking_5m_s``: the monthly 公示 and the rankings.

``announcement_50k_s``: one community of 5,000 volunteers (``seed scale``) whose last
ended month holds 50,000 transfers (the seeded awards, then awards, redemptions and
adjustments back to the issuer through ``ledger.post_many``, dated in that month). A
fresh process times ``publicity.services.draft`` and ``publish`` of that month, the
seal over its 50,000 transfers included; then, untimed, ``check_seals`` must find
nothing.

``county_ranking_5m_s``: a county of 142,000 volunteers (``seed scale``: 300
communities) with 5,000,000 transfers from January 1st to now: the seeded awards, and
the rest written by one INSERT … SELECT over ``generate_series`` on the server (awards,
some redemptions, some adjustments back), with the accounts' balances, earned and spent
and the system slots brought to what those transfers make, so ``jifen verify`` holds.
Then, untimed, every ended month is rolled up as ``jifen tick`` would, the database
vacuumed and analysed. A fresh process times the county's ranking of the year to date
(the roll-up's months and the current month from the ledger), and for comparison the
same ranking from the ledger alone and a plain GROUP BY over the year's transfers.

``--quick``: a tenth of each (500 volunteers and 5,000 transfers; 14,200 volunteers and
500,000 transfers).
"""

import statistics
import time
from itertools import islice
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

ANNOUNCEMENT_VOLUNTEERS = 5_000
ANNOUNCEMENT_TRANSFERS = 50_000
COUNTY_VOLUNTEERS = 142_000
COUNTY_TRANSFERS = 5_000_000
REPEATS = 5


def _vacuum() -> None:
    """What autovacuum has long done to a production ledger: visibility map and statistics
    up to date. (Not inside a transaction, as in the tests, where it cannot run.)"""
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


# --- announcement_50k_s ------------------------------------------------------------------------


def prepare_announcement(volunteers: int, transfers: int) -> dict[str, Any]:
    """(In a child.) The community, its month of ``transfers`` transfers, a reviewer."""
    import random
    from datetime import datetime, timedelta

    from django.db import transaction

    from jifen.demo.seed_scale import seed_scale
    from jifen.people import services as people
    from jifen.people.models import Role
    from jifen.points.ledger import Posting, post_many, system_account
    from jifen.points.models import Account, AccountKind, Transfer, TransferKind
    from jifen.regions.models import Region

    t0 = time.monotonic()
    report = seed_scale(volunteers, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    month = report.last_month
    start, end = month.start(), month.next().start()
    seeded = Transfer.objects.filter(
        region=community, created_at__gte=start, created_at__lt=end
    ).count()
    issuer = system_account(community, AccountKind.ISSUER)
    shop = system_account(community, AccountKind.SHOP)
    accounts = list(Account.objects.filter(region=community, kind=AccountKind.PERSON))
    rng = random.Random(50_000)  # noqa: S311 - synthetic data
    more = transfers - seeded
    awards = more * 85 // 100
    span = int((end - start).total_seconds()) - 1

    def when() -> datetime:
        return start + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6))

    def stream() -> Any:
        for n in range(awards):
            yield Posting(
                debit=issuer,
                credit=accounts[rng.randrange(len(accounts))],
                amount=rng.choice((10, 15, 20, 25, 30, 40)),
                kind=TransferKind.AWARD,
                key=f"bench-announcement:award:{n}",
                service_date=None,
                created_at=when(),
                source_type="bench",
            )
        # Spending and corrections afterwards, in small amounts the awards cover.
        for n in range(more - awards):
            account = accounts[rng.randrange(len(accounts))]
            back = n % 5 == 0
            yield Posting(
                debit=account,
                credit=issuer if back else shop,
                amount=rng.choice((1, 2, 3, 5)),
                kind=TransferKind.ADJUSTMENT if back else TransferKind.REDEMPTION,
                key=f"bench-announcement:debit:{n}",
                memo="bench",
                created_at=when(),
                source_type="bench",
            )

    with transaction.atomic():
        post_many(stream())
    reviewer = people.create_person_from_cli(
        name="审核员",
        phone="16599990000",
        password="bench-reviewer-1",  # noqa: S106 - a scratch database
        community=community,
    )
    people.grant_role(actor=None, person=reviewer, role=Role.REVIEWER, region=community)
    _vacuum()
    total = Transfer.objects.filter(
        region=community, created_at__gte=start, created_at__lt=end
    ).count()
    return {
        "month": str(month),
        "transfers": total,
        "volunteers": len(accounts),
        "reviewer": reviewer.pk,
        "seed_s": time.monotonic() - t0,
    }


def draft_and_publish(month: str, reviewer: int) -> dict[str, Any]:
    """(In a fresh child.) Time drafting and publishing the month; then check the seals."""
    from django.db import connection

    from jifen.people.models import Person
    from jifen.publicity import services
    from jifen.regions.models import Region

    connection.ensure_connection()
    community = Region.objects.get(code="SCALE-C0001")
    actor = Person.objects.get(pk=reviewer)
    t0 = time.perf_counter()
    announcement = services.draft(actor=None, community=community, month=month)
    t1 = time.perf_counter()
    published = services.publish(actor=actor, announcement=announcement)
    t2 = time.perf_counter()
    violations = list(islice(services.check_seals(community), 3))
    return {
        "seconds": t2 - t0,
        "draft_s": t1 - t0,
        "publish_s": t2 - t1,
        "leaves": published.leaf_count,
        "entries": published.totals.get("entries"),
        "violations": violations,
        "check_s": time.perf_counter() - t2,
    }


def run_announcement(ctx: Context) -> list[Result]:
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    quick = ctx.config.quick
    volunteers = ANNOUNCEMENT_VOLUNTEERS // 10 if quick else ANNOUNCEMENT_VOLUNTEERS
    transfers = ANNOUNCEMENT_TRANSFERS // 10 if quick else ANNOUNCEMENT_TRANSFERS
    url = ctx.pg.url(ctx.pg.create("announcement"))
    try:
        info = child.run(
            url,
            "jifen.bench.publicity:prepare_announcement",
            timeout=3600,
            volunteers=volunteers,
            transfers=transfers,
        )
        ctx.say(
            f"  seeded {info['volunteers']:,} volunteers, {info['transfers']:,} transfers in "
            f"{info['month']} in {info['seed_s']:.0f} s"
        )
        ctx.pg.checkpoint()
        got = child.run(
            url,
            "jifen.bench.publicity:draft_and_publish",
            timeout=3600,
            month=info["month"],
            reviewer=info["reviewer"],
        )
    finally:
        ctx.pg.drop(url.rsplit("/", 1)[1])
    sealed = (
        "check_seals clean"
        if not got["violations"]
        else f"CHECK_SEALS FAILED: {got['violations'][0]}"
    )
    ctx.say(f"  check_seals took {got['check_s']:.1f} s: {sealed}")
    size = f"{info['volunteers']:,} volunteers, {got['leaves']:,} transfers sealed" + (
        " (quick: 1/10)" if quick else ""
    )
    note = f"{size}; draft {got['draft_s']:.2f} s + publish {got['publish_s']:.2f} s; {sealed}"
    failed = got["violations"] or got["leaves"] != info["transfers"]
    return [
        Result(
            "announcement_50k_s",
            None if failed else got["seconds"],
            "s",
            note=note if not failed else f"failed: {note}",
        )
    ]


# --- county_ranking_5m_s ---------------------------------------------------------------------


def _generate_transfers(count: int, start: Any, end: Any, county_path: str) -> None:
    """``count`` transfers between ``start`` and ``end`` in time order, to people spread
    over the county, written by the server itself; then the accounts and system slots
    brought to what they make (the ledger's own bookkeeping, in bulk)."""
    from django.conf import settings
    from django.db import DatabaseError, connection, transaction

    from jifen.points.models import AccountKind

    seconds = (end - start).total_seconds()
    with connection.cursor() as cursor:
        # Like pg_restore --disable-triggers: the foreign keys of 5 million generated rows,
        # checked one by one at COMMIT, took longer than writing them. Only a superuser
        # may; without it the checks simply run.
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
        cursor.execute(
            """
            CREATE TEMP TABLE bench_holders AS
            SELECT (row_number() OVER (ORDER BY a.id)) - 1 AS n, a.id AS account,
                   a.region_id AS region, i.id AS issuer, s.id AS shop
            FROM points_account a
            JOIN regions_region r ON r.id = a.region_id
            JOIN points_account i ON i.region_id = a.region_id AND i.kind = %s
            JOIN points_account s ON s.region_id = a.region_id AND s.kind = %s
            WHERE a.kind = %s AND r.path LIKE %s
            """,
            [AccountKind.ISSUER, AccountKind.SHOP, AccountKind.PERSON, county_path + "%"],
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_holders (n)")
        cursor.execute("SELECT count(*) FROM bench_holders")
        holders = cursor.fetchone()[0]
        rule = (
            "SELECT v.id FROM points_ruleversion v JOIN points_ruleitem i ON i.id = v.item_id "
            "WHERE i.code = 'SCALE-SERVICE'"
        )
        # Per transfer g: a holder picked by a hash of g; 96 % awards from the holder's
        # issuer, 3 % redemptions at the shop, 1 % adjustments back to the issuer.
        cursor.execute(
            f"""
            INSERT INTO points_transfer (region_id, debit_id, credit_id, amount, kind,
                rule_version_id, source_type, source_id, period, service_date, reverses_id,
                memo, created_by_id, created_at, idempotency_key, request_digest)
            SELECT h.region,
                   CASE WHEN g.k < 96 THEN h.issuer ELSE h.account END,
                   CASE WHEN g.k < 96 THEN h.account WHEN g.k < 99 THEN h.shop ELSE h.issuer END,
                   CASE WHEN g.k < 96 THEN 10 + 5 * (g.r %% 7) ELSE 1 + g.r %% 5 END,
                   CASE WHEN g.k < 96 THEN 'award' WHEN g.k < 99 THEN 'redemption'
                        ELSE 'adjustment' END,
                   CASE WHEN g.k < 96 THEN ({rule}) END,
                   'bench_county', NULL, '', (g.at AT TIME ZONE %s)::date, NULL, '', NULL,
                   g.at, 'bench-county:' || g.i, md5(g.i::text) || md5((-g.i)::text)
            FROM (
                SELECT i,
                       abs(hashint8(i)) %% %s AS pick,
                       abs(hashint8(i + 7777777)) %% 100 AS k,
                       abs(hashint8(i + 3333333)) AS r,
                       %s::timestamptz + (i * %s / %s) * interval '1 second' AS at
                FROM generate_series(0, %s - 1) AS i
            ) g
            JOIN bench_holders h ON h.n = g.pick
            ORDER BY g.i
            """,  # noqa: S608 - the rule version's subquery, no value
            [
                settings.TIME_ZONE,
                holders,
                start,
                seconds,
                count,
                count,
            ],
        )
        # The holders' balances, earned and spent, as post_many would have moved them.
        cursor.execute(
            """
            UPDATE points_account a
            SET balance = a.balance + x.balance, earned = a.earned + x.earned,
                spent = a.spent + x.spent
            FROM (
                SELECT account, sum(balance) AS balance, sum(earned) AS earned,
                       sum(spent) AS spent
                FROM (
                    SELECT credit_id AS account, amount AS balance, amount AS earned,
                           0 AS spent
                    FROM points_transfer WHERE source_type = 'bench_county' AND kind = 'award'
                    UNION ALL
                    SELECT debit_id, -amount, 0,
                           CASE WHEN kind = 'redemption' THEN amount ELSE 0 END
                    FROM points_transfer WHERE source_type = 'bench_county' AND kind <> 'award'
                ) y GROUP BY account
            ) x
            WHERE a.id = x.account
            """
        )
        # The system accounts' slots: each follows the other side's id (ledger._slot_changes).
        cursor.execute(
            """
            UPDATE points_systemslot s SET balance = s.balance + x.delta
            FROM (
                SELECT account, slot, sum(delta) AS delta FROM (
                    SELECT debit_id AS account, credit_id % 8 AS slot, -amount AS delta
                    FROM points_transfer WHERE source_type = 'bench_county' AND kind = 'award'
                    UNION ALL
                    SELECT credit_id, debit_id % 8, amount
                    FROM points_transfer WHERE source_type = 'bench_county' AND kind <> 'award'
                ) y GROUP BY account, slot
            ) x
            WHERE s.account_id = x.account AND s.slot = x.slot
            """
        )
        cursor.execute("DROP TABLE bench_holders")


def prepare_county(volunteers: int, transfers: int) -> dict[str, Any]:
    """(In a child.) The county, its year of transfers, the roll-up of its ended months."""
    from datetime import datetime

    from django.db import transaction
    from django.utils import timezone

    from jifen.demo.seed_scale import seed_scale
    from jifen.lib.months import label, month_bounds, this_month
    from jifen.points.ledger import system_account
    from jifen.points.models import AccountKind, Transfer
    from jifen.points.verify import check_ledger
    from jifen.publicity import rankings
    from jifen.publicity.models import MonthlyPoints
    from jifen.regions.models import Level, Region

    t0 = time.monotonic()
    report = seed_scale(volunteers, months=1)
    county = Region.objects.get(code=report.county)
    for community in Region.objects.filter(path__startswith=county.path, level=Level.COMMUNITY):
        system_account(community, AccountKind.SHOP)
    now = timezone.now()
    year_start = datetime(now.year, 1, 1, tzinfo=timezone.get_current_timezone())
    seeded = Transfer.objects.filter(created_at__gte=year_start).count()
    with transaction.atomic():
        _generate_transfers(transfers - seeded, year_start, now, county.path)
    seeded_s = time.monotonic() - t0
    _vacuum()
    t1 = time.monotonic()
    built = rankings.roll_up_ended()
    rolled_s = time.monotonic() - t1
    _vacuum()
    t2 = time.monotonic()
    violations = list(islice(check_ledger(county), 3))
    in_year = Transfer.objects.filter(created_at__gte=year_start).count()
    current = Transfer.objects.filter(created_at__gte=month_bounds(label(this_month()))[0]).count()

    return {
        "volunteers": report.volunteers,
        "communities": report.communities,
        "transfers": in_year,
        "current_month": current,
        "seed_s": seeded_s,
        "rolled_up": built,
        "roll_up_s": rolled_s,
        "rows": MonthlyPoints.objects.count(),
        "verify_s": time.monotonic() - t2,
        "violations": violations,
    }


def time_county_ranking(repeats: int) -> dict[str, Any]:
    """(In a fresh child.) The county's year to date: the first call in this process, then
    ``repeats`` more; the same from the ledger alone; a plain GROUP BY for comparison."""
    from django.db import connection
    from django.utils import timezone

    from jifen.publicity import rankings
    from jifen.regions.models import Region

    connection.ensure_connection()
    county = Region.objects.get(code="SCALE")
    year = timezone.localdate().year

    def timed(work: Any) -> tuple[float, Any]:
        t0 = time.perf_counter()
        value = work()
        return time.perf_counter() - t0, value

    first, top = timed(lambda: rankings.year_top(county, year))
    again = [timed(lambda: rankings.year_top(county, year))[0] for _ in range(repeats)]
    # From the ledger alone it takes seconds: twice is enough to compare.
    ledger_first, from_ledger = timed(lambda: rankings.year_top(county, year, rolled_up=False))
    ledger = [ledger_first, timed(lambda: rankings.year_top(county, year, rolled_up=False))[0]]
    start = timezone.localtime().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)

    def group_by() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT credit_id, sum(amount) AS total FROM points_transfer "
                "WHERE created_at >= %s GROUP BY credit_id ORDER BY total DESC LIMIT 20",
                [start],
            )
            return list(cursor.fetchall())

    plain = [timed(group_by)[0] for _ in range(repeats)]
    return {
        "first_s": first,
        "median_s": statistics.median(again),
        "max_s": max(again),
        "ledger_s": statistics.median(ledger),
        "group_by_s": statistics.median(plain),
        "same": [r.public() for r in top] == [r.public() for r in from_ledger],
        "top": top[0].points if top else 0,
        "size": len(top),
    }


def run_county(ctx: Context) -> list[Result]:
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    quick = ctx.config.quick
    volunteers = COUNTY_VOLUNTEERS // 10 if quick else COUNTY_VOLUNTEERS
    transfers = COUNTY_TRANSFERS // 10 if quick else COUNTY_TRANSFERS
    url = ctx.pg.url(ctx.pg.create("county"))
    try:
        info = child.run(
            url,
            "jifen.bench.publicity:prepare_county",
            timeout=7200,
            volunteers=volunteers,
            transfers=transfers,
        )
        verified = (
            "verify clean" if not info["violations"] else f"VERIFY FAILED: {info['violations'][0]}"
        )
        ctx.say(
            f"  seeded {info['volunteers']:,} volunteers in {info['communities']} communities, "
            f"{info['transfers']:,} transfers this year ({info['current_month']:,} this month) "
            f"in {info['seed_s']:.0f} s; rolled up {info['rolled_up']} community-months "
            f"({info['rows']:,} rows) in {info['roll_up_s']:.1f} s; "
            f"verify {info['verify_s']:.0f} s: {verified}"
        )
        ctx.pg.checkpoint()
        got = child.run(
            url, "jifen.bench.publicity:time_county_ranking", timeout=3600, repeats=REPEATS
        )
    finally:
        ctx.pg.drop(url.rsplit("/", 1)[1])
    size = f"{info['volunteers']:,} volunteers, {info['transfers']:,} transfers" + (
        " (quick: 1/10)" if quick else ""
    )
    agree = "same as from the ledger" if got["same"] else "DIFFERS FROM THE LEDGER"
    failed = not got["same"] or bool(info["violations"])
    return [
        Result(
            "county_ranking_5m_s",
            None if failed else got["first_s"],
            "s",
            note=(
                f"{size} ({info['current_month']:,} of them this month, read from the "
                f"ledger); first call in a fresh process; then median "
                f"{got['median_s']:.3f} s, max {got['max_s']:.3f} s of {REPEATS}; {agree}; "
                f"{verified}"
            ),
        ),
        Result(
            "county_ranking_5m_ledger_s",
            got["ledger_s"],
            "s",
            note="the same ranking from the transfers alone, median of 2",
        ),
        Result(
            "county_group_by_5m_s",
            got["group_by_s"],
            "s",
            note=f"plain GROUP BY credit over the year's transfers, median of {REPEATS}",
        ),
        Result(
            "county_roll_up_s",
            info["roll_up_s"],
            "s",
            note=(
                f"untimed: rolling up {info['rolled_up']} community-months "
                f"({info['rows']:,} rows), as tick does; seeding took {info['seed_s']:.0f} s"
            ),
        ),
    ]
