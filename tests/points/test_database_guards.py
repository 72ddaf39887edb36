"""The database itself holds the line, whatever Python does (hordak's bypass tests)."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from jifen.points.ledger import account_for
from jifen.points.models import Account, Transfer

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_transfer_cannot_be_updated(world, ledger):
    transfer = ledger.award(world.resident, 10)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE points_transfer SET amount = 1000 WHERE id = %s", [transfer.pk])
    transfer.refresh_from_db()
    assert transfer.amount == 10


def test_a_transfer_cannot_be_deleted(world, ledger):
    transfer = ledger.award(world.resident, 10)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM points_transfer WHERE id = %s", [transfer.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            Transfer.objects.filter(pk=transfer.pk).delete()
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_a_holder_balance_cannot_go_below_zero(world, ledger):
    ledger.award(world.resident, 10)
    account = account_for(world.resident)
    with pytest.raises(IntegrityError):
        _raw("UPDATE points_account SET balance = -1 WHERE id = %s", [account.pk])
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Account.objects.filter(pk=account.pk).update(balance=-5)
    account.refresh_from_db()
    assert account.balance == 10


def test_a_transfer_amount_must_be_positive(world, ledger):
    transfer = ledger.award(world.resident, 10)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Transfer.objects.create(
                region=transfer.region,
                debit=transfer.debit,
                credit=transfer.credit,
                amount=0,
                kind="award",
                idempotency_key="zero",
                request_digest="x",
            )
