"""The ledger under real concurrency (ARCHITECTURE.md invariant 9), on PostgreSQL.

Each test commits for real (``transaction=True``) and runs threads, each with its own
database connection. A deadlock would surface as an OperationalError and fail the test;
so would a lost update (a balance that no longer equals its transfers), an overdraft, a
bonus posted twice or a request posted twice under one idempotency key.

The tables are emptied after each test by Django's flush, which the append-only triggers
would refuse; tests/conftest.py lets the flush (and only the flush, in tests) through.
"""

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from jifen.lib.errors import Conflict
from jifen.people.models import Merchant, Team, TeamMember
from jifen.points import services, settlement
from jifen.points.ledger import Posting, account_for, post, post_many, system_account
from jifen.points.models import (
    Account,
    AccountKind,
    SettlementRun,
    SystemSlot,
    Transfer,
    TransferKind,
)
from jifen.points.verify import check_ledger
from jifen.regions.models import Region
from tests.conftest import make_person

K = AccountKind
T = TransferKind
pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


def in_threads(count: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return their results, or
    their exceptions. Each thread closes its own connection when done."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (lock wait?)"
    return results


def stored_balances() -> dict[int, int]:
    balances = dict(Account.objects.values_list("pk", "balance"))
    for account_id, balance in SystemSlot.objects.values_list("account_id", "balance"):
        balances[account_id] += balance
    return balances


# --- (a) a mixed crowd ----------------------------------------------------------------------


@pg
@transactional
def test_a_crowd_of_writers_loses_nothing_and_never_deadlocks(world):
    # More holders than system slots, so awards and bulk awards share slot rows.
    people = [world.resident] + [make_person(world.wenchang, f"居民{i}") for i in range(10)]
    people += [world.neighbour, make_person(world.jinyue, "金悦二")]
    holders = [account_for(p) for p in people]
    merchant = account_for(Merchant.objects.create(region=world.wenchang, name="爱心超市"))
    issuers = {c.pk: system_account(c, K.ISSUER) for c in (world.wenchang, world.jinyue)}
    shops = {c.pk: system_account(c, K.SHOP) for c in (world.wenchang, world.jinyue)}
    for person in people:  # everyone starts with something to spend
        services.award_points(person=person, amount=100, key=f"seed:{person.pk}", actor=None)

    lock = threading.Lock()
    seen: dict[int, Transfer] = {t.pk: t for t in Transfer.objects.all()}
    outcomes: Counter = Counter()
    deadline = time.monotonic() + 4

    def keep(transfer: Transfer, what: str) -> None:
        with lock:
            seen[transfer.pk] = transfer
            outcomes[what] += 1

    def work(i: int) -> None:
        rng = random.Random(i)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            key = f"t{i}:{n}"
            op = rng.choice(["award", "award", "redeem", "redeem", "reverse", "bulk"])
            holder = rng.choice(holders)
            try:
                if op == "award":
                    keep(
                        services.award_points(
                            person=holder.person, amount=rng.randint(1, 30), key=key, actor=None
                        ),
                        op,
                    )
                elif op == "redeem":
                    sink = merchant if rng.random() < 0.3 else shops[holder.region_id]
                    keep(
                        post(
                            Posting(
                                debit=holder,
                                credit=sink,
                                amount=rng.randint(1, 60),
                                kind=T.REDEMPTION,
                                key=key,
                            )
                        ),
                        op,
                    )
                elif op == "reverse":
                    with lock:
                        pool = [t for t in seen.values() if t.kind in (T.AWARD, T.REDEMPTION)]
                    original = rng.choice(pool)
                    keep(
                        services.reverse_transfer(
                            transfer=original, actor=world.staff, reason="并发测试"
                        ),
                        op,
                    )
                else:
                    # In ascending account order across chunks, as the settlement jobs
                    # stream them (ledger.post_many); small chunks make several of them.
                    chosen = sorted(
                        (rng.choice(holders) for _ in range(rng.randint(2, 9))),
                        key=lambda account: account.pk,
                    )
                    postings = [
                        Posting(
                            debit=issuers[h.region_id],
                            credit=h,
                            amount=rng.randint(1, 20),
                            kind=T.AWARD,
                            key=f"{key}:{j}",
                        )
                        for j, h in enumerate(chosen)
                    ]
                    with transaction.atomic():
                        posted = post_many(iter(postings), chunk_size=rng.choice([2, 3, 2000]))
                        made = list(
                            Transfer.objects.filter(idempotency_key__in=[p.key for p in postings])
                        )
                    assert posted == len(made) == len(postings)
                    for transfer in made:
                        keep(transfer, op)
            except Conflict as exc:
                assert exc.code in ("insufficient_points", "already_reversed"), exc.code
                with lock:
                    outcomes[f"{op} refused: {exc.code}"] += 1

    results = in_threads(8, work)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors  # a deadlock is an OperationalError here

    # Nothing lost, nothing extra: the ledger holds exactly the transfers the callers got.
    assert set(Transfer.objects.values_list("pk", flat=True)) == set(seen)
    # Balances equal the model summed from those transfers (no lost update).
    model: dict[int, int] = defaultdict(int)
    for transfer in seen.values():
        model[transfer.debit_id] -= transfer.amount
        model[transfer.credit_id] += transfer.amount
    stored = stored_balances()
    assert {pk: stored[pk] for pk in model} == dict(model)
    assert all(Account.objects.get(pk=h.pk).balance >= 0 for h in holders + [merchant])
    assert sum(stored.values()) == 0
    assert list(check_ledger()) == []
    # It was a real crowd: every kind of operation happened, and some were refused.
    for what in ("award", "redeem", "reverse", "bulk"):
        assert outcomes[what] > 0, outcomes
    assert any("refused" in what for what in outcomes), outcomes


# --- (b) two ticks at once --------------------------------------------------------------------


@pg
@transactional
def test_two_settlements_at_once_post_each_bonus_once(world):
    Region.objects.update(created_at=datetime(2025, 1, 10, 12, tzinfo=ZoneInfo(settings.TIME_ZONE)))
    teams = []
    for n in range(3):
        leader = make_person(world.wenchang, "队长")
        team = Team.objects.create(region=world.wenchang, name=f"服务队{n}", leader=leader)
        for person in [leader] + [make_person(world.wenchang, "队员") for _ in range(9)]:
            TeamMember.objects.create(team=team, person=person, joined_on=date(2025, 1, 2))
        teams.append(team)
    steady = [make_person(world.jinyue, f"常来{i}") for i in range(4)]
    for person in steady:
        for day in ("2024-11-05", "2024-12-05", "2025-01-05", "2025-02-05", "2025-03-05"):
            services.award_points(
                person=person,
                amount=10,
                key=f"a:{person.pk}:{day}",
                actor=None,
                service_date=date.fromisoformat(day),
            )

    results = in_threads(4, lambda i: settlement.settle(date(2025, 4, 1)))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors
    # 3 teams x 3 months + 4 volunteers x 3 months, once in all, whoever posted them.
    assert sum(r.posted for r in results) == 9 + 12
    bonuses = Transfer.objects.filter(kind=T.BONUS)
    assert bonuses.count() == 21
    assert bonuses.values("idempotency_key").distinct().count() == 21
    for team in teams:
        assert account_for(team.leader).balance == 30
    runs = SettlementRun.objects.filter(completed_at__isnull=False)
    assert runs.count() == runs.values("region", "job", "period").distinct().count()
    # And the command, run again, finds nothing left to do.
    call_command("tick", as_of="2025-04-01", stdout=StringIO())
    assert Transfer.objects.filter(kind=T.BONUS).count() == 21
    assert list(check_ledger()) == []


# --- (c) twenty debits racing for five -----------------------------------------------------


@pg
@transactional
def test_racing_debits_never_overdraw(world):
    services.award_points(person=world.resident, amount=50, key="seed", actor=None)
    resident = account_for(world.resident)
    shop = system_account(world.wenchang, K.SHOP)
    merchant = account_for(Merchant.objects.create(region=world.wenchang, name="理发店"))

    def debit(i: int) -> Transfer:
        return post(
            Posting(
                debit=resident,
                credit=merchant if i % 2 else shop,
                amount=10,
                kind=T.REDEMPTION,
                key=f"race:{i}",
            )
        )

    results = in_threads(20, debit)
    won = [r for r in results if isinstance(r, Transfer)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 5
    assert len(lost) == 15
    assert {exc.code for exc in lost} == {"insufficient_points"}
    resident.refresh_from_db()
    assert (resident.balance, resident.earned, resident.spent) == (0, 50, 50)
    assert Transfer.objects.filter(kind=T.REDEMPTION).count() == 5
    assert list(check_ledger()) == []


# --- (d) one key, two requests at once --------------------------------------------------------


@pg
@transactional
def test_the_same_idempotency_key_at_once_posts_one_transfer(world):
    account_for(world.resident)  # accounts exist before the race
    system_account(world.wenchang, K.ISSUER)

    results = in_threads(
        6,
        lambda i: services.award_points(
            person=world.resident, amount=25, key="claim:42:approve", actor=None
        ),
    )
    assert all(isinstance(r, Transfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Transfer.objects.count() == 1
    assert account_for(world.resident).balance == 25
    assert list(check_ledger()) == []


@pg
@transactional
def test_the_same_key_with_another_request_at_once_is_refused(world):
    account_for(world.resident)
    system_account(world.wenchang, K.ISSUER)

    results = in_threads(
        2,
        lambda i: services.award_points(
            person=world.resident, amount=25 + i, key="claim:43:approve", actor=None
        ),
    )
    won = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "idempotency_conflict"
    assert Transfer.objects.count() == 1
    assert account_for(world.resident).balance == won[0].amount
    assert list(check_ledger()) == []


# --- Without a surrounding transaction ------------------------------------------------------


@transactional
def test_post_many_outside_any_transaction_posts_all_or_nothing(world):
    """Called in autocommit mode, a bulk post that fails in its second chunk leaves
    nothing behind (runs on SQLite too)."""
    resident, neighbour = account_for(world.resident), account_for(world.neighbour)
    wenchang = system_account(world.wenchang, K.ISSUER)
    jinyue = system_account(world.jinyue, K.ISSUER)
    shop = system_account(world.wenchang, K.SHOP)
    postings = [
        Posting(debit=wenchang, credit=resident, amount=10, kind=T.AWARD, key="bulk:1"),
        Posting(debit=jinyue, credit=neighbour, amount=10, kind=T.AWARD, key="bulk:2"),
        Posting(debit=resident, credit=shop, amount=50, kind=T.REDEMPTION, key="bulk:3"),
    ]
    with pytest.raises(Conflict, match="insufficient_points"):
        post_many(iter(postings), chunk_size=2)
    assert not Transfer.objects.exists()
    assert list(check_ledger()) == []
    assert post_many(iter(postings[:2]), chunk_size=1) == 2
    assert stored_balances()[resident.pk] == 10
    assert list(check_ledger()) == []


# --- The test harness itself -------------------------------------------------------------------


def ledger_triggers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = 'points_transfer'::regclass AND NOT tgisinternal ORDER BY tgname"
            )
        else:
            cursor.execute(
                "SELECT name, 'O' FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'points_transfer' ORDER BY name"
            )
        return [tuple(row) for row in cursor.fetchall()]


@transactional
def test_committed_transfers_are_flushed_in_tests_and_the_guard_comes_back(world, ledger):
    """Runs on SQLite too: the flush after a transactional test gets past the triggers
    (tests/conftest.py), in one transaction, and puts them back as they were."""
    guards = ledger_triggers()
    assert len(guards) == 2 and all(enabled == "O" for _name, enabled in guards)
    transfer = ledger.award(world.resident, 10)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM points_transfer WHERE id = %s", [transfer.pk])
    call_command("flush", interactive=False, verbosity=0)
    assert not Transfer.objects.exists()
    assert ledger_triggers() == guards
