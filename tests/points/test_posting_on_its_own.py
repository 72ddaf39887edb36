"""A posting outside any transaction, on either database: one transaction of its own,
committed whole or not at all, and the connection left as it was found.

This is how the award benchmark and a script post. On SQLite the statements then go
straight to the driver (``ledger._direct``), and ``BEGIN IMMEDIATE``/``COMMIT`` are
issued there rather than by ``transaction.atomic``; on PostgreSQL they go as one
message (``ledger._run_alone``). Either way replays, conflicts and refusals answer as
inside a transaction, and whatever watches the statements (query capture, execute
wrappers) still sees every one of them.

Each test commits for real (``transaction=True``): the tables are emptied after it by
Django's flush, which tests/conftest.py lets past the append-only triggers.
"""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jifen.lib.errors import Conflict
from jifen.points import ledger as ledger_module
from jifen.points import selectors, services
from jifen.points.ledger import account_for, system_account
from jifen.points.models import AccountKind, Transfer
from jifen.points.verify import check_ledger

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_transaction_open() -> None:
    assert not connection.in_atomic_block
    assert connection.get_autocommit()
    if connection.vendor == "sqlite":
        assert not connection.connection.in_transaction
    else:
        from psycopg.pq import TransactionStatus

        assert connection.connection.info.transaction_status == TransactionStatus.IDLE


def test_an_award_on_its_own_is_committed_and_replays_answer_as_inside_one(world):
    assert_no_transaction_open()
    first = services.award_points(
        person=world.resident,
        amount=40,
        key="own:1",
        actor=world.staff,
        service_date=date(2026, 11, 2),
        source_type="claim",
        source_id=7,
    )
    assert_no_transaction_open()
    assert first.pk is not None and not first._state.adding
    stored = Transfer.objects.get(pk=first.pk)
    fields = (
        "region_id debit_id credit_id amount kind rule_version_id source_type source_id "
        "period service_date reverses_id memo created_by_id created_at idempotency_key "
        "request_digest"
    ).split()
    assert [getattr(first, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert first.credit == account_for(world.resident)

    again = services.award_points(
        person=world.resident,
        amount=40,
        key="own:1",
        actor=world.staff,
        service_date=date(2026, 11, 2),
        source_type="claim",
        source_id=7,
    )
    assert again.pk == first.pk
    with pytest.raises(Conflict) as refused:
        services.award_points(person=world.resident, amount=41, key="own:1", actor=None)
    assert refused.value.code == "idempotency_conflict"
    assert_no_transaction_open()
    assert Transfer.objects.count() == 1
    assert selectors.balance_of(world.resident) == selectors.Balance(40, 40, 0)
    assert list(check_ledger()) == []


def test_an_overdraft_on_its_own_leaves_nothing_behind(world, ledger):
    ledger.award(world.resident, 30)
    with pytest.raises(Conflict) as refused:
        ledger.redeem(world.resident, 31)  # its transfer is inserted before the debit fails
    assert refused.value.code == "insufficient_points"
    assert_no_transaction_open()
    assert Transfer.objects.count() == 1
    assert selectors.balance_of(world.resident) == selectors.Balance(30, 30, 0)
    shop = system_account(world.wenchang, AccountKind.SHOP)
    assert selectors.system_balance(shop) == 0
    # The connection is as good as before: the next posting goes through.
    ledger.redeem(world.resident, 30)
    assert selectors.balance_of(world.resident) == selectors.Balance(0, 30, 30)
    assert list(check_ledger()) == []


def test_inside_a_transaction_a_refused_posting_undoes_itself_only(world, ledger):
    with transaction.atomic():
        ledger.award(world.resident, 30)
        with pytest.raises(Conflict):
            ledger.redeem(world.resident, 31)
        ledger.redeem(world.resident, 10)
    assert_no_transaction_open()
    assert Transfer.objects.count() == 2
    assert selectors.balance_of(world.resident) == selectors.Balance(20, 30, 10)
    assert list(check_ledger()) == []


def test_whatever_watches_the_statements_sees_every_one(world):
    account_for(world.resident)  # the accounts exist: only the award's statements follow
    system_account(world.wenchang, AccountKind.ISSUER)
    with CaptureQueriesContext(connection) as captured:
        services.award_points(person=world.resident, amount=5, key="seen:1", actor=None)
    statements = [query["sql"] for query in captured.captured_queries]
    assert any("INSERT INTO" in sql and "points_transfer" in sql for sql in statements)
    assert any("UPDATE" in sql and "points_account" in sql for sql in statements)
    assert any("UPDATE" in sql and "points_systemslot" in sql for sql in statements)

    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        services.award_points(person=world.resident, amount=5, key="seen:2", actor=None)
    assert any("points_transfer" in sql for sql in seen)
    assert any("points_systemslot" in sql for sql in seen)
    assert selectors.balance_of(world.resident).balance == 10
    assert list(check_ledger()) == []


def test_on_sqlite_an_unwatched_posting_goes_straight_to_the_driver(world, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL sends a posting as one message instead")
    settings.DEBUG = False
    assert ledger_module._direct(connection) is connection.connection
    with CaptureQueriesContext(connection):
        assert ledger_module._direct(connection) is None
    settings.DEBUG = True
    assert ledger_module._direct(connection) is None
