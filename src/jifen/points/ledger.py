"""Posting to the ledger: the only code that writes transfers and moves balances.

Every posting is one INSERT of a transfer and one guarded UPDATE per side, in a
fixed order (account rows by ascending id, then system slots), inside the
caller's transaction. Crediting never needs a lock beyond its own UPDATE;
debiting a row account is a compare-and-set (``balance >= amount``), so two
racing debits can never overdraw it, and the CHECK constraint stands behind it.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, InvalidInput
from jifen.people.models import Merchant, Organization, Person
from jifen.points.models import (
    HOLDER_KINDS,
    SLOTS,
    Account,
    AccountKind,
    RuleVersion,
    SystemSlot,
    Transfer,
    TransferKind,
)
from jifen.regions.models import Level, Region

K = AccountKind
T = TransferKind

# Which way each kind of transfer may flow (debit kind, credit kind). Nothing here
# goes from one holder to another: points are not transferable (积分不可转让).
ALLOWED_FLOWS: dict[str, frozenset[tuple[str, str]]] = {
    T.AWARD: frozenset({(K.ISSUER, K.PERSON), (K.ISSUER, K.ORGANIZATION)}),
    T.BONUS: frozenset({(K.ISSUER, K.PERSON), (K.ISSUER, K.ORGANIZATION)}),
    T.ADJUSTMENT: frozenset(
        {
            (K.ISSUER, K.PERSON),
            (K.ISSUER, K.ORGANIZATION),
            (K.PERSON, K.ISSUER),
            (K.ORGANIZATION, K.ISSUER),
        }
    ),
    T.REDEMPTION: frozenset(
        {
            (K.PERSON, K.SHOP),
            (K.ORGANIZATION, K.SHOP),
            (K.PERSON, K.MERCHANT),
            (K.ORGANIZATION, K.MERCHANT),
        }
    ),
    T.REFUND: frozenset(
        {
            (K.SHOP, K.PERSON),
            (K.SHOP, K.ORGANIZATION),
            (K.MERCHANT, K.PERSON),
            (K.MERCHANT, K.ORGANIZATION),
        }
    ),
    T.EXPIRY: frozenset({(K.PERSON, K.EXPIRY), (K.ORGANIZATION, K.EXPIRY)}),
    T.SETTLEMENT: frozenset({(K.MERCHANT, K.SETTLEMENT)}),
}
# A reversal flows back along its original; a refund is the reversal of a redemption.
REVERSIBLE = (T.AWARD, T.BONUS, T.ADJUSTMENT, T.EXPIRY)
ALLOWED_FLOWS[T.REVERSAL] = frozenset(
    (credit, debit) for kind in REVERSIBLE for debit, credit in ALLOWED_FLOWS[kind]
)
EARNING_KINDS = (T.AWARD, T.BONUS, T.ADJUSTMENT)


def ledger_text(message: str | Promise, **params: object) -> str:
    """A memo written into the ledger: always in the deployment's language, whoever's
    request caused it, because the sealed record must read the same for everyone."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


def _insufficient(amount: int) -> Conflict:
    return Conflict(
        _("Not enough points: this needs %(amount)s points."),
        code="insufficient_points",
        params={"amount": amount},
    )


# --- Accounts --------------------------------------------------------------------------


def system_account(community: Region, kind: str) -> Account:
    """The community's issuer or sink account, made with its slots on first use."""
    account = Account.objects.filter(region=community, kind=kind).first()
    if account is not None:
        return account
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("Only a community or village keeps a points ledger."))
    try:
        with transaction.atomic():
            account = Account.objects.create(region=community, kind=kind)
            SystemSlot.objects.bulk_create(
                SystemSlot(account=account, slot=i) for i in range(SLOTS)
            )
    except IntegrityError:  # made at the same moment by another request
        account = Account.objects.get(region=community, kind=kind)
    return account


def _holder_account(lookup: dict[str, Any], kind: str, region: Region | None) -> Account:
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    if region is None:
        raise InvalidInput(
            _("This person has no home community, so they cannot hold points."),
            code="no_community",
        )
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, region=region, **lookup)
    except IntegrityError:
        return Account.objects.get(**lookup)


def account_for(holder: Person | Organization | Merchant) -> Account:
    if isinstance(holder, Person):
        return _holder_account({"person": holder}, K.PERSON, holder.community)
    if isinstance(holder, Organization):
        return _holder_account({"organization": holder}, K.ORGANIZATION, holder.region)
    return _holder_account({"merchant": holder}, K.MERCHANT, holder.region)


# --- One posting -----------------------------------------------------------------------


@dataclass
class Posting:
    """What to post; ``key`` makes a replay return the first transfer instead of a second."""

    debit: Account
    credit: Account
    amount: int
    kind: str
    key: str
    actor: Person | None = None
    memo: str = ""
    rule_version: RuleVersion | None = None
    source_type: str = ""
    source_id: int | None = None
    period: str = ""
    service_date: date | None = None
    reverses: Transfer | None = None
    created_at: datetime | None = None
    region: Region | None = field(default=None, repr=False)

    def digest(self) -> str:
        """A digest of the request (not of time or actor), to tell a replay from a misuse."""
        fields = [
            self.debit.pk,
            self.credit.pk,
            self.amount,
            self.kind,
            self.rule_version.pk if self.rule_version else None,
            self.source_type,
            self.source_id,
            self.period,
            self.service_date.isoformat() if self.service_date else None,
            self.reverses.pk if self.reverses else None,
        ]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()

    def check(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise InvalidInput(
                _("Points are whole numbers above zero."), code="invalid_amount", field="amount"
            )
        if (self.debit.kind, self.credit.kind) not in ALLOWED_FLOWS.get(self.kind, ()):
            raise InvalidInput(
                _("Points cannot move this way (%(kind)s from %(debit)s to %(credit)s)."),
                code="invalid_flow",
                params={"kind": self.kind, "debit": self.debit.kind, "credit": self.credit.kind},
            )
        if not self.key or len(self.key) > 120:
            raise InvalidInput(
                _("Each posting needs an idempotency key of at most 120 characters."),
                code="invalid_key",
            )
        # A transfer belongs to the ledger of the community whose issuer, sink or
        # merchant it touches: no allowed flow has two holder sides.
        self.region = (self.credit if self.debit.kind in HOLDER_KINDS else self.debit).region

    def to_transfer(self) -> Transfer:
        assert self.region is not None  # noqa: S101 - set by check()
        return Transfer(
            region=self.region,
            debit=self.debit,
            credit=self.credit,
            amount=self.amount,
            kind=self.kind,
            rule_version=self.rule_version,
            source_type=self.source_type,
            source_id=self.source_id,
            period=self.period,
            service_date=self.service_date,
            reverses=self.reverses,
            memo=self.memo[:200],
            created_by=self.actor,
            created_at=self.created_at or timezone.now(),
            idempotency_key=self.key,
            request_digest=self.digest(),
        )


def _row_changes(posting: Posting) -> dict[int, list[int]]:
    """Per row account: [balance, earned, spent] changes."""
    changes: dict[int, list[int]] = {}
    amount = posting.amount
    if posting.debit.kind in (*HOLDER_KINDS, K.MERCHANT):
        spent = amount if posting.kind == T.REDEMPTION else 0
        changes[posting.debit.pk] = [-amount, 0, spent]
    if posting.credit.kind in (*HOLDER_KINDS, K.MERCHANT):
        earned = amount if posting.kind in EARNING_KINDS and posting.debit.kind == K.ISSUER else 0
        refund = -amount if posting.kind == T.REFUND else 0
        changes[posting.credit.pk] = [amount, earned, refund]
    return changes


def _slot_changes(posting: Posting) -> dict[tuple[int, int], int]:
    """Per (system account, slot): balance change. The slot follows the other side's id,
    so awards to different people land on different rows."""
    changes: dict[tuple[int, int], int] = {}
    if posting.debit.has_slots:
        changes[(posting.debit.pk, posting.credit.pk % SLOTS)] = -posting.amount
    if posting.credit.has_slots:
        changes[(posting.credit.pk, posting.debit.pk % SLOTS)] = posting.amount
    return changes


def _apply_row(account_id: int, balance: int, earned: int, spent: int) -> None:
    updates = {"balance": F("balance") + balance}
    if earned:
        updates["earned"] = F("earned") + earned
    if spent:
        updates["spent"] = F("spent") + spent
    rows = Account.objects.filter(pk=account_id)
    if balance < 0:
        # Compare-and-set: the row is only touched when it can pay.
        rows = rows.filter(balance__gte=-balance)
    if rows.update(**updates) != 1:
        raise _insufficient(-balance)


def _apply_slot(account_id: int, slot: int, delta: int) -> None:
    SystemSlot.objects.filter(account_id=account_id, slot=slot).update(balance=F("balance") + delta)


def _replay(posting: Posting) -> Transfer:
    existing = Transfer.objects.get(idempotency_key=posting.key)
    if existing.request_digest != posting.digest():
        raise Conflict(
            _("This request key was already used for a different request."),
            code="idempotency_conflict",
        )
    return existing


def post(posting: Posting) -> Transfer:
    """Post one transfer, or return the one already posted under its key."""
    posting.check()
    try:
        with transaction.atomic():
            transfer = posting.to_transfer()
            transfer.save(force_insert=True)
            for account_id, (balance, earned, spent) in sorted(_row_changes(posting).items()):
                _apply_row(account_id, balance, earned, spent)
            for (account_id, slot), delta in sorted(_slot_changes(posting).items()):
                _apply_slot(account_id, slot, delta)
            return transfer
    except IntegrityError as exc:
        if Transfer.objects.filter(idempotency_key=posting.key).exists():
            return _replay(posting)
        if (
            posting.reverses is not None
            and Transfer.objects.filter(reverses=posting.reverses).exists()
        ):
            raise Conflict(
                _("This entry has already been reversed."), code="already_reversed"
            ) from exc
        raise


# --- Many postings -----------------------------------------------------------------------


def _chunks(items: Iterable[Posting], size: int) -> Iterator[list[Posting]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def post_many(postings: Iterable[Posting], *, chunk_size: int = 2000) -> int:
    """Post a stream of transfers, all or nothing, in constant memory.

    Postings whose key is already in the ledger are skipped (a re-run posts nothing
    twice). Balance changes are summed per account and applied with one UPDATE per
    distinct change, after locking the chunk's account rows in ascending id order. The
    system slots are updated once, after the last chunk: holding slots while locking the
    next chunk's rows would break the lock order of ``post`` (accounts by id, then
    slots) and deadlock against a concurrent award. A stream spanning chunks keeps that
    order when it comes in ascending account id, as the settlement jobs' streams do.
    Returns how many transfers were posted.
    """
    posted = 0
    slots: dict[tuple[int, int], int] = defaultdict(int)
    for chunk in _chunks(postings, chunk_size):
        keys = [p.key for p in chunk]
        done = set(
            Transfer.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        fresh: dict[str, Posting] = {}
        for posting in chunk:
            if posting.key in done or posting.key in fresh:
                continue
            posting.check()
            fresh[posting.key] = posting
        if not fresh:
            continue
        Transfer.objects.bulk_create([p.to_transfer() for p in fresh.values()], batch_size=500)
        rows: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for posting in fresh.values():
            for account_id, change in _row_changes(posting).items():
                total = rows[account_id]
                for i in range(3):
                    total[i] += change[i]
            for key, delta in _slot_changes(posting).items():
                slots[key] += delta
        _apply_rows_in_bulk(rows)
        posted += len(fresh)
    for (account_id, slot), delta in sorted(slots.items()):
        if delta:
            _apply_slot(account_id, slot, delta)
    return posted


def _apply_rows_in_bulk(rows: dict[int, list[int]]) -> None:
    ids = sorted(rows)
    # Lock in a fixed order so two bulk posts over the same people cannot deadlock.
    list(
        Account.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    by_change: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for account_id in ids:
        balance, earned, spent = rows[account_id]
        by_change[(balance, earned, spent)].append(account_id)
    for (balance, earned, spent), account_ids in sorted(by_change.items()):
        updates: dict[str, Any] = {"balance": F("balance") + balance}
        if earned:
            updates["earned"] = F("earned") + earned
        if spent:
            updates["spent"] = F("spent") + spent
        for start in range(0, len(account_ids), 900):
            part = account_ids[start : start + 900]
            accounts = Account.objects.filter(pk__in=part)
            if balance < 0:
                accounts = accounts.filter(balance__gte=-balance)
            if accounts.update(**updates) != len(part):
                raise _insufficient(-balance)
