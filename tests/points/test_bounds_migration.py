"""Migration 0008 adds the amount CHECKs to a ledger that already holds transfers, on
SQLite (which rebuilds the table) and on PostgreSQL (``ADD CONSTRAINT``), without an
UPDATE of any transfer, and the append-only triggers still stand afterwards."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from jifen.points.models import Transfer

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("points", "0007_objection_days")]
AFTER = [("points", "0008_bounded_amounts")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Going back to 0007 also unapplies what came after 0008 (in points and the apps
    depending on it); the tests after these ones need the whole schema again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_bounds_migration_keeps_the_rows_and_the_triggers(world, ledger):
    transfers = [ledger.award(world.resident, amount).pk for amount in (5, 7)]
    migrate(BEFORE)
    migrate(AFTER)
    assert sorted(Transfer.objects.values_list("pk", "amount")) == [
        (transfers[0], 5),
        (transfers[1], 7),
    ]
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE points_transfer SET amount = 1 WHERE id = %s", [transfers[0]])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM points_transfer WHERE id = %s", [transfers[0]])
    with pytest.raises(IntegrityError):
        raw(
            "INSERT INTO points_transfer (region_id, debit_id, credit_id, amount, kind, "
            "source_type, period, memo, created_at, idempotency_key, request_digest) "
            "SELECT region_id, debit_id, credit_id, %s, kind, source_type, period, memo, "
            "created_at, 'huge', request_digest FROM points_transfer WHERE id = %s",
            [2**63 - 1, transfers[0]],
        )


def test_the_bounds_migration_stops_on_an_amount_already_beyond_them(world, ledger):
    transfer = ledger.award(world.resident, 5)
    migrate(BEFORE)
    try:
        raw(
            "INSERT INTO points_transfer (region_id, debit_id, credit_id, amount, kind, "
            "source_type, period, memo, created_at, idempotency_key, request_digest) "
            "SELECT region_id, debit_id, credit_id, %s, kind, source_type, period, memo, "
            "created_at, 'huge', request_digest FROM points_transfer WHERE id = %s",
            [2**63 - 1, transfer.pk],
        )
        huge = Transfer.objects.get(idempotency_key="huge").pk
        with pytest.raises(RuntimeError, match=f"transfer {huge}"):
            migrate(AFTER)
    finally:
        # Put the database back for the tests after this one: the row goes (past the
        # triggers, as the flush does), then the migration applies.
        delete = "DELETE FROM points_transfer WHERE idempotency_key = 'huge'"
        if connection.vendor == "postgresql":
            # One statement a transaction: PostgreSQL refuses to ALTER a table with the
            # DELETE's foreign-key checks still pending.
            raw("ALTER TABLE points_transfer DISABLE TRIGGER USER", [])
            raw(delete, [])
            raw("ALTER TABLE points_transfer ENABLE TRIGGER USER", [])
        else:
            raw("DROP TRIGGER IF EXISTS points_transfer_no_delete", [])
            raw(delete, [])
        migrate(AFTER)  # on SQLite it makes the trigger again
