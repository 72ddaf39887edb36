"""``jifen verify``: prove the ledger's invariants from the stored rows themselves.

Each check aggregates in the database, so a county's millions of transfers are
read once per check, never loaded into memory.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum

from jifen.lib.bounds import MAX_TRANSFER
from jifen.points.ledger import ALLOWED_FLOWS
from jifen.points.models import (
    HOLDER_KINDS,
    SYSTEM_KINDS,
    Account,
    SystemSlot,
    Transfer,
    TransferKind,
)
from jifen.regions.models import Region

T = TransferKind


def _sums(field: str, scope: Q) -> dict[int, int]:
    rows = Transfer.objects.filter(scope).values(field).annotate(total=Sum("amount"))
    return {row[field]: row["total"] for row in rows}


def check_balances(region: Region | None = None) -> Iterator[str]:
    """Stored balances, earned and spent against their transfers; balances sum to 0."""
    accounts = Account.objects.all()
    if region is not None:
        accounts = accounts.filter(region__path__startswith=region.path)
    credit_scope = Q(credit__in=accounts.values("pk"))
    debit_scope = Q(debit__in=accounts.values("pk"))
    credits = _sums("credit_id", credit_scope)
    debits = _sums("debit_id", debit_scope)
    earned = _sums(
        "credit_id",
        credit_scope
        & Q(kind__in=(T.AWARD, T.BONUS, T.ADJUSTMENT, T.IMPORTED), debit__kind="issuer"),
    )
    spent = _sums("debit_id", debit_scope & Q(kind=T.REDEMPTION))
    refunded = _sums("credit_id", credit_scope & Q(kind=T.REFUND))
    slots: dict[int, int] = defaultdict(int)
    for account_id, balance in SystemSlot.objects.filter(
        account__in=accounts.values("pk")
    ).values_list("account_id", "balance"):
        slots[account_id] += balance

    total = 0
    for account in accounts.order_by("pk").iterator(chunk_size=5000):
        expected = credits.get(account.pk, 0) - debits.get(account.pk, 0)
        stored = slots[account.pk] if account.kind in SYSTEM_KINDS else account.balance
        total += stored
        if stored != expected:
            yield (
                f"balance mismatch: account {account.pk} ({account.kind}) stores {stored}, "
                f"its transfers give {expected}"
            )
        if account.kind not in SYSTEM_KINDS and account.balance < 0:
            yield f"negative balance: account {account.pk} ({account.kind}) holds {account.balance}"
        if account.kind in HOLDER_KINDS:
            if account.earned != earned.get(account.pk, 0):
                yield (
                    f"earned mismatch: account {account.pk} stores {account.earned}, "
                    f"its transfers give {earned.get(account.pk, 0)}"
                )
            expected_spent = spent.get(account.pk, 0) - refunded.get(account.pk, 0)
            if account.spent != expected_spent:
                yield (
                    f"spent mismatch: account {account.pk} stores {account.spent}, "
                    f"its transfers give {expected_spent}"
                )
    if region is None and total != 0:
        yield f"balances do not sum to zero: they sum to {total}"


def _transfers(region: Region | None) -> QuerySet[Transfer]:
    transfers = Transfer.objects.all()
    if region is not None:
        transfers = transfers.filter(region__path__startswith=region.path)
    return transfers


def check_flows(region: Region | None = None) -> Iterator[str]:
    """Every transfer moves a bounded positive amount along an allowed flow."""
    transfers = _transfers(region)
    flows = transfers.values_list("kind", "debit__kind", "credit__kind").distinct()
    for kind, debit_kind, credit_kind in flows:
        if debit_kind in HOLDER_KINDS and credit_kind in HOLDER_KINDS:
            for pk in transfers.filter(
                kind=kind, debit__kind=debit_kind, credit__kind=credit_kind
            ).values_list("pk", flat=True):
                yield f"holder-to-holder transfer: transfer {pk} moves points between holders"
        elif (debit_kind, credit_kind) not in ALLOWED_FLOWS.get(kind, ()):
            for pk in transfers.filter(
                kind=kind, debit__kind=debit_kind, credit__kind=credit_kind
            ).values_list("pk", flat=True):
                yield (
                    f"ill-formed transfer: transfer {pk} is a {kind} "
                    f"from {debit_kind} to {credit_kind}"
                )
    for pk in transfers.filter(amount__lte=0).values_list("pk", flat=True):
        yield f"ill-formed transfer: transfer {pk} has an amount that is not positive"
    for pk in transfers.filter(amount__gt=MAX_TRANSFER).values_list("pk", flat=True):
        yield f"ill-formed transfer: transfer {pk} has an amount beyond {MAX_TRANSFER}"


def check_reversals(region: Region | None = None) -> Iterator[str]:
    """Reversals and refunds mirror exactly the transfer they reverse, of the right kind."""
    transfers = _transfers(region)
    corrections = transfers.filter(kind__in=(T.REVERSAL, T.REFUND))
    for pk in corrections.filter(reverses__isnull=True).values_list("pk", flat=True):
        yield f"ill-formed reversal: transfer {pk} reverses nothing"
    bad = corrections.filter(reverses__isnull=False).exclude(
        Q(amount=F("reverses__amount"))
        & Q(debit=F("reverses__credit"))
        & Q(credit=F("reverses__debit"))
    )
    for pk in bad.values_list("pk", flat=True):
        yield f"ill-formed reversal: transfer {pk} does not mirror the transfer it reverses"
    wrong_kind = corrections.filter(
        (Q(kind=T.REFUND) & ~Q(reverses__kind=T.REDEMPTION))
        | (Q(kind=T.REVERSAL) & Q(reverses__kind__in=(T.REVERSAL, T.REFUND, T.REDEMPTION)))
    )
    for pk in wrong_kind.values_list("pk", flat=True):
        yield f"ill-formed reversal: transfer {pk} reverses a transfer of the wrong kind"
    for pk in (
        transfers.exclude(kind__in=(T.REVERSAL, T.REFUND))
        .filter(reverses__isnull=False)
        .values_list("pk", flat=True)
    ):
        yield f"ill-formed transfer: transfer {pk} references a reversal but is not one"


Check = Callable[[Region | None], Iterable[str]]


def guarded(name: str, check: Check, region: Region | None) -> list[str]:
    """The check's lines; if it cannot finish (an overflow, a row it cannot read), the
    lines so far and one more naming the check, so that ``jifen verify`` reports it as a
    violation and goes on with the next check instead of dying with a traceback. Each
    check runs in a savepoint: on PostgreSQL a failed statement would otherwise spoil
    the transaction of the checks after it."""
    lines: list[str] = []
    try:
        with transaction.atomic():
            for line in check(region):
                lines.append(line)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
        lines.append(f"check {name} could not finish: {type(exc).__name__}: {exc}")
    return lines


CHECKS: tuple[tuple[str, Check], ...] = (
    ("balances", check_balances),
    ("flows", check_flows),
    ("reversals", check_reversals),
)


def check_ledger(region: Region | None = None) -> Iterator[str]:
    """Yield one line per violation; nothing when every invariant holds."""
    for name, check in CHECKS:
        yield from guarded(name, check, region)
