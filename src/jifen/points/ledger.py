"""Posting to the ledger: the only code that writes transfers and moves balances.

Every posting is one INSERT of a transfer and one guarded UPDATE per side, in a
fixed order (account rows by ascending id, then system slots), inside the
caller's transaction. Crediting never needs a lock beyond its own UPDATE;
debiting a row account is a compare-and-set (``balance >= amount``), so two
racing debits can never overdraw it, and the CHECK constraint stands behind it.

Those statements are the hottest writes of the system, so they are plain SQL
written once from the models' metadata (``_Sql``) instead of going through the
ORM's query compiler each time, which cost several times what the database did
(docs/performance.md). Transfers are inserted without model signals, as
``bulk_create`` always did; no code listens for them.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.lib.bounds import MAX_TRANSFER
from jifen.lib.errors import Conflict, InvalidInput
from jifen.lib.rawrows import instance
from jifen.people.models import Merchant, Organization, Person
from jifen.points.models import (
    BALANCE_CHECK,
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

try:  # psycopg 3's client-side binding cursor, which Django uses by default
    from psycopg import ClientCursor as _CLIENT_CURSOR
except ImportError:  # pragma: no cover - psycopg 3 is a dependency
    _CLIENT_CURSOR = None  # type: ignore[assignment,misc]

# Which way each kind of transfer may flow (debit kind, credit kind). Nothing here
# goes from one holder to another: points are not transferable (积分不可转让).
ALLOWED_FLOWS: dict[str, frozenset[tuple[str, str]]] = {
    T.AWARD: frozenset({(K.ISSUER, K.PERSON), (K.ISSUER, K.ORGANIZATION)}),
    T.BONUS: frozenset({(K.ISSUER, K.PERSON), (K.ISSUER, K.ORGANIZATION)}),
    T.IMPORTED: frozenset({(K.ISSUER, K.PERSON)}),
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
REVERSIBLE = (T.AWARD, T.BONUS, T.ADJUSTMENT, T.EXPIRY, T.IMPORTED)
ALLOWED_FLOWS[T.REVERSAL] = frozenset(
    (credit, debit) for kind in REVERSIBLE for debit, credit in ALLOWED_FLOWS[kind]
)
EARNING_KINDS = (T.AWARD, T.BONUS, T.ADJUSTMENT, T.IMPORTED)


def holder_to_holder_flows() -> list[tuple[str, str, str]]:
    """(kind, debit, credit) of every allowed flow from one holder to another: none may
    exist (invariant 5, 积分不可转让) — a unit's points never reach a person, nor a
    person's another person."""
    return [
        (kind, debit, credit)
        for kind, pairs in ALLOWED_FLOWS.items()
        for debit, credit in pairs
        if debit in HOLDER_KINDS and credit in HOLDER_KINDS
    ]


# Checked once at import, so that a flow added to the table later cannot open the way.
if holder_to_holder_flows():  # pragma: no cover - the table above has none
    raise ImproperlyConfigured(f"holder-to-holder flows in the ledger: {holder_to_holder_flows()}")


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


def home_accounts(person: Person, kind: str = K.ISSUER) -> tuple[Account, Account]:
    """A system account (the issuer, by default, or a sink) of the person's home community
    and the person's account, read in one query (made on first use, as ``system_account``
    and ``account_for`` do). Nothing is cached between calls: each posting reads the rows
    it posts to."""
    if person.community_id is None:
        raise InvalidInput(
            _("This person has no home community, so they cannot hold points."),
            code="no_community",
        )
    db = connections[DEFAULT_DB_ALIAS]
    sql = _sql(db)
    params: list[Any] = [person.pk, person.community_id, str(kind)]
    raw = _direct(db)
    if raw is not None:
        with db.wrap_database_errors:
            rows = raw.execute(sql.direct_home_accounts, params).fetchall()
    else:
        with db.cursor() as cursor:
            cursor.execute(sql.home_accounts, params)
            rows = cursor.fetchall()
    system = holder = None
    for row in rows:
        account = instance(Account, dict(zip(_ACCOUNT_READ, row, strict=True)), db.alias)
        if account.kind == kind and account.person_id is None:
            system = account
        elif account.person_id == person.pk:
            holder = account
    if system is None:
        assert person.community is not None  # noqa: S101 - its id was checked above
        system = system_account(person.community, kind)
    if holder is None:
        holder = account_for(person)
    return system, holder


def award_accounts(person: Person) -> tuple[Account, Account]:
    """The issuer of the person's home community and the person's account."""
    return home_accounts(person, K.ISSUER)


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
    region_id: int | None = field(default=None, repr=False)

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
        if (
            isinstance(self.amount, bool)
            or not isinstance(self.amount, int)
            or not 0 < self.amount <= MAX_TRANSFER
        ):
            raise InvalidInput(
                _("A transfer is a whole number of points from 1 to %(max)s."),
                code="invalid_amount",
                field="amount",
                params={"max": f"{MAX_TRANSFER:,}"},
            )
        if self.debit.kind in HOLDER_KINDS and self.credit.kind in HOLDER_KINDS:
            # 积分不可转让: whatever the kind, no holder's points go to another holder —
            # a unit's points are never moved to a person.
            raise InvalidInput(
                _("Points are not transferable from one holder to another."),
                code="invalid_flow",
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
        self.region_id = self._ledger_side().region_id

    def _ledger_side(self) -> Account:
        return self.credit if self.debit.kind in HOLDER_KINDS else self.debit

    def values(self, now: datetime | None = None) -> dict[str, Any]:
        """The transfer's stored fields by attribute name (after ``check()``); ``now``: the
        time of a transfer not dated by the caller (default: this instant)."""
        assert self.region_id is not None  # noqa: S101 - set by check()
        return {
            "region_id": self.region_id,
            "debit_id": self.debit.pk,
            "credit_id": self.credit.pk,
            "amount": self.amount,
            "kind": str(self.kind),
            "rule_version_id": self.rule_version.pk if self.rule_version else None,
            "source_type": str(self.source_type),
            "source_id": self.source_id,
            "period": str(self.period),
            "service_date": self.service_date,
            "reverses_id": self.reverses.pk if self.reverses else None,
            "memo": str(self.memo)[:200],
            "created_by_id": self.actor.pk if self.actor else None,
            "created_at": self.created_at or now or timezone.now(),
            "idempotency_key": str(self.key),
            "request_digest": self.digest(),
        }

    def to_transfer(self, values: dict[str, Any] | None = None) -> Transfer:
        """The unsaved transfer (of ``values``, when given), holding the objects the
        caller passed: reading ``transfer.debit`` and the like costs no query."""
        return self._transfer({**(values or self.values()), "id": None}, None)

    def _transfer(self, fields: dict[str, Any], db: str | None) -> Transfer:
        """The transfer of these fields (all of them, its id included; ``db``: the
        database it was saved to, None for an unsaved one), with the related objects."""
        transfer = instance(Transfer, fields, db)
        side = self._ledger_side()
        related = {
            "debit": self.debit,
            "credit": self.credit,
            "rule_version": self.rule_version,
            "reverses": self.reverses,
            "created_by": self.actor,
            "region": _REGION.get_cached_value(side, None),
        }
        for name, value in related.items():
            if value is not None:
                _TRANSFER_RELATIONS[name].set_cached_value(transfer, value)
        return transfer


_ROW_KINDS = frozenset((*HOLDER_KINDS, K.MERCHANT))  # accounts whose balance is their row


def _row_changes(posting: Posting) -> dict[int, list[int]]:
    """Per row account: [balance, earned, spent] changes."""
    changes: dict[int, list[int]] = {}
    amount = posting.amount
    if posting.debit.kind in _ROW_KINDS:
        spent = amount if posting.kind == T.REDEMPTION else 0
        changes[posting.debit.pk] = [-amount, 0, spent]
    if posting.credit.kind in _ROW_KINDS:
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


# --- The statements ------------------------------------------------------------------------


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


_REGION = _field(Account, "region")
_TRANSFER_RELATIONS = {
    name: _field(Transfer, name)
    for name in ("debit", "credit", "rule_version", "reverses", "created_by", "region")
}


def _column_kind(field_: Any) -> str:
    if isinstance(field_, models.DateTimeField):
        return "datetime"
    if isinstance(field_, models.DateField):
        return "date"
    return ""


# What the award path reads of an account: every field but created_at (a timestamp
# would need the backend's converters; the ledger never reads it there).
_ACCOUNT_READ = [f.attname for f in Account._meta.concrete_fields if f.attname != "created_at"]

# (attribute name, adaptation) of every stored field of a transfer but its id, in order.
_TRANSFER_COLUMNS = tuple(
    (f.attname, _column_kind(f)) for f in Transfer._meta.concrete_fields if not f.primary_key
)
_TRANSFER_VALUES = itemgetter(*(attname for attname, _kind in _TRANSFER_COLUMNS))
_TRANSFER_DATES = [(i, kind) for i, (_name, kind) in enumerate(_TRANSFER_COLUMNS) if kind]


class _Sql:
    """The posting statements for one database vendor, from the models' metadata.

    Only table and column names (quoted) are formatted into them; every value is a
    parameter.
    """

    def __init__(self, vendor: str, quote: Any, returning: bool) -> None:
        def table(model: type[models.Model]) -> str:
            return str(quote(model._meta.db_table))

        def column(model: type[models.Model], name: str) -> str:
            return str(quote(_field(model, name).column))

        self.postgres = vendor == "postgresql"
        columns = ", ".join(
            quote(_field(Transfer, attname).column) for attname, _k in _TRANSFER_COLUMNS
        )
        self.row_placeholder = "(" + ", ".join(["%s"] * len(_TRANSFER_COLUMNS)) + ")"
        self.insert = f"INSERT INTO {table(Transfer)} ({columns}) VALUES "  # noqa: S608
        self.copy = f"COPY {table(Transfer)} ({columns}) FROM STDIN"
        key = column(Transfer, "idempotency_key")
        self.keys_posted = f"SELECT {key} FROM {table(Transfer)} WHERE {key} = ANY(%s)"  # noqa: S608
        self.returning = f" RETURNING {column(Transfer, 'id')}"
        self.insert_one = self.insert + self.row_placeholder + (self.returning if returning else "")
        self.account = table(Account)
        self.id = column(Account, "id")
        read = ", ".join(quote(_field(Account, name).column) for name in _ACCOUNT_READ)
        self.home_accounts = (
            f"SELECT {read} FROM {self.account} WHERE {column(Account, 'person')} = %s "  # noqa: S608
            f"OR ({column(Account, 'region')} = %s AND {column(Account, 'kind')} = %s)"
        )
        self.balance = column(Account, "balance")
        self.earned = column(Account, "earned")
        self.spent = column(Account, "spent")
        slots, slot_balance = table(SystemSlot), column(SystemSlot, "balance")
        slot_account, slot = column(SystemSlot, "account"), column(SystemSlot, "slot")
        self.slot_update = (
            f"UPDATE {slots} SET {slot_balance} = {slot_balance} + %s "  # noqa: S608
            f"WHERE {slot_account} = %s AND {slot} = %s"
        )
        self.slots_update = (  # every changed slot of one account in one statement
            f"UPDATE {slots} SET {slot_balance} = {slot_balance} + CASE {slot} {{cases}} "  # noqa: S608
            f"ELSE 0 END WHERE {slot_account} = %s AND {slot} IN ({{slots}})"
        )
        self.lock = (
            f"SELECT {self.id} FROM {self.account} WHERE {self.id} = ANY(%s) "  # noqa: S608
            f"ORDER BY {self.id} FOR UPDATE"
        )
        # SQLite, straight to the driver (``_direct``): qmark placeholders, written once
        # instead of Django's regular expression on every statement; the id from the
        # cursor's lastrowid (SQLite's own, exact for one row), not from RETURNING.
        self.direct_insert = _qmark(self.insert + self.row_placeholder)
        self.direct_home_accounts = _qmark(self.home_accounts)
        self.direct_slot_update = _qmark(self.slot_update)
        self._one_account: dict[tuple[bool, bool, bool, bool, bool], str] = {}

    def one_account_update(
        self, balance: int, earned: int, spent: int, guarded: bool, direct: bool
    ) -> str:
        """``account_update`` of one row (``direct``: in qmark style), written once."""
        key = (balance < 0, bool(earned), bool(spent), guarded, direct)
        text = self._one_account.get(key)
        if text is None:
            text = self.account_update(balance, earned, spent, "= %s", guarded)
            text = self._one_account[key] = _qmark(text) if direct else text
        return text

    def account_update(
        self, balance: int, earned: int, spent: int, ids: str, guarded: bool = True
    ) -> str:
        """UPDATE of balances by a change; a debit only where the balance can pay it
        (unguarded: the CHECK constraint refuses an overdraft with an error instead)."""
        sets = [f"{self.balance} = {self.balance} + %s"]
        if earned:
            sets.append(f"{self.earned} = {self.earned} + %s")
        if spent:
            sets.append(f"{self.spent} = {self.spent} + %s")
        guard = f" AND {self.balance} >= %s" if balance < 0 and guarded else ""
        return f"UPDATE {self.account} SET {', '.join(sets)} WHERE {self.id} {ids}{guard}"  # noqa: S608


def _qmark(text: str) -> str:
    """A statement of ours (no literal '%') in the qmark style of Python's sqlite3."""
    return text.replace("%s", "?")


_STATEMENTS: dict[str, _Sql] = {}


def _sql(db: Any = connection) -> _Sql:
    statements = _STATEMENTS.get(db.vendor)
    if statements is None:
        statements = _STATEMENTS[db.vendor] = _Sql(
            db.vendor, db.ops.quote_name, db.features.can_return_columns_from_insert
        )
    return statements


def _params(
    values: dict[str, Any], adapted: dict[Any, Any] | None = None, db: Any = connection
) -> list[Any]:
    """A transfer's fields as the database driver takes them (dates adapted as Django does;
    PostgreSQL's driver takes them as they are). ``adapted``: a memo of adapted dates, for
    a batch whose transfers share their time."""
    params = list(_TRANSFER_VALUES(values))
    if db.vendor != "postgresql":
        ops = db.ops
        memo = {} if adapted is None else adapted
        for index, kind in _TRANSFER_DATES:
            value = params[index]
            if (kind, value) not in memo:
                adapt = (
                    ops.adapt_datetimefield_value
                    if kind == "datetime"
                    else ops.adapt_datefield_value
                )
                memo[(kind, value)] = adapt(value)
            params[index] = memo[(kind, value)]
    return params


def account_rows(rows: Iterable[tuple[int, str, int]]) -> Iterator[Account]:
    """Accounts as a bulk job reads them, from (id, kind, region_id) rows: those three
    loaded, the rest deferred (as ``.only()`` gives, and loaded on access likewise),
    without Model.__init__'s cost, which is most of a job's time over tens of thousands."""
    db = connection.alias
    for pk, kind, region_id in rows:
        yield instance(Account, {"id": pk, "kind": kind, "region_id": region_id}, db)


def _statements(
    posting: Posting,
    values: dict[str, Any],
    guarded: bool = True,
    *,
    db: Any = connection,
    direct: bool = False,
) -> tuple[list[tuple[str, list[Any]]], list[int]]:
    """A posting's statements in lock order (its INSERT, then the account rows by id, then
    the system slots), and what each account row's UPDATE debits (0 for a credit).
    ``direct``: for ``_run_direct`` (qmark style, the INSERT without RETURNING)."""
    sql = _sql(db)
    insert = sql.direct_insert if direct else sql.insert_one
    statements = [(insert, _params(values, db=db))]
    debits = []
    for account_id, (balance, earned, spent) in sorted(_row_changes(posting).items()):
        # Compare-and-set: a debited row is only touched when it can pay.
        params = [*_changes_params(balance, earned, spent), account_id]
        if balance < 0 and guarded:
            params.append(-balance)
        statement = sql.one_account_update(balance, earned, spent, guarded, direct)
        statements.append((statement, params))
        debits.append(-balance if balance < 0 else 0)
    slot_update = sql.direct_slot_update if direct else sql.slot_update
    for (account_id, slot), delta in sorted(_slot_changes(posting).items()):
        statements.append((slot_update, [delta, account_id, slot]))
    return statements, debits


def _in_one_message(cursor: Any) -> bool:
    """PostgreSQL through psycopg's client-side binding cursor (Django's default): it
    sends statements joined by ';' as one message of the simple query protocol."""
    return _CLIENT_CURSOR is not None and isinstance(cursor.cursor, _CLIENT_CURSOR)


def _on_its_own(cursor: Any) -> bool:
    """Outside any transaction, where one message is a transaction of its own."""
    return (
        _in_one_message(cursor) and not connection.in_atomic_block and connection.get_autocommit()
    )


def _run_alone(cursor: Any, posting: Posting, values: dict[str, Any]) -> int:
    """Post outside any transaction in one message, which PostgreSQL runs as one implicit
    transaction: committed at its end, or rolled back whole if any statement fails. One
    round trip for the whole posting (no BEGIN, no COMMIT). A debit here is not guarded
    by its WHERE clause, whose row count would only be known after the commit: the
    balance CHECK constraint refuses the overdraft, so the message fails and nothing
    of it stays (``post`` turns that into ``insufficient_points``)."""
    statements, _debits = _statements(posting, values, guarded=False)
    cursor.execute(
        "; ".join(text for text, _params in statements),
        [value for _text, params in statements for value in params],
    )
    return int(cursor.fetchone()[0])


def _direct(db: Any) -> Any:
    """SQLite's own connection under Django's, for a posting's statements to go straight
    to it, or None. Django's cursor wrapper costs more per statement than SQLite's
    work on an award (a regular expression rewriting ``%s`` on every statement, several
    layers of calls); the statements here are few and written once, in SQLite's style.
    Only while Django neither logs queries (DEBUG, ``assertNumQueries``) nor wraps their
    execution (``execute_wrapper``), so whatever watches the statements sees them all;
    with the checks Django's ``cursor()`` makes (not in async code, not from another
    thread, not in a transaction that must roll back), and the connection opened if
    need be. Errors still reach the caller as Django's (``wrap_database_errors``)."""
    if db.vendor != "sqlite" or db.queries_logged or db.execute_wrappers:
        return None
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    return db.connection


def _run_direct(cursor: Any, statements: list[tuple[str, list[Any]]], debits: list[int]) -> int:
    """``_run`` on SQLite's own cursor: the statements in order; the new transfer's id, or
    ``insufficient_points`` for a row that could not pay (whoever holds the transaction
    rolls the rest back)."""
    (text, params), *rest = statements
    cursor.execute(text, params)
    pk = int(cursor.lastrowid)
    for index, (text, params) in enumerate(rest):
        cursor.execute(text, params)
        if index < len(debits) and cursor.rowcount != 1:
            raise _insufficient(debits[index])
    return pk


def _post_direct(
    db: Any, raw: Any, posting: Posting, values: dict[str, Any], *, savepoint: bool = True
) -> int:
    """A posting through SQLite's own connection (``_direct``), in one transaction.

    On its own (autocommit, no atomic block) the transaction is the one Django's
    ``atomic()`` would open, without its bookkeeping: ``BEGIN`` in the database's
    transaction mode (IMMEDIATE: the write lock first), the statements, COMMIT; any
    error rolls it all back. Inside the caller's transaction, a savepoint
    (``atomic()``), so a refusal undoes this posting only, as before."""
    statements, debits = _statements(posting, values, db=db, direct=True)
    cursor = raw.cursor()
    if db.in_atomic_block or not db.get_autocommit():
        with transaction.atomic(using=db.alias, savepoint=savepoint), db.wrap_database_errors:
            return _run_direct(cursor, statements, debits)
    with db.wrap_database_errors:
        cursor.execute(f"BEGIN {db.transaction_mode}" if db.transaction_mode else "BEGIN")
        try:
            pk = _run_direct(cursor, statements, debits)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
    return pk


def _overdrawn(exc: IntegrityError) -> bool:
    """The database refused a balance below zero (the CHECK constraint of Account)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == BALANCE_CHECK


def _run(cursor: Any, statements: list[tuple[str, list[Any]]], debits: list[int]) -> int:
    """Run a posting's statements in order inside the caller's transaction; return the
    new transfer's id, or raise ``insufficient_points`` for a debit that could not pay
    (its row untouched; the caller's transaction rolls the rest back).

    On PostgreSQL they go to the server as one message, run one after the other as
    written (an error stops the rest and is raised): one round trip instead of three or
    four, which on a virtual machine cost more than the statements themselves."""
    counts: list[int] = []
    if _in_one_message(cursor):
        cursor.execute(
            "; ".join(text for text, _params in statements),
            [value for _text, params in statements for value in params],
        )
        pk = int(cursor.fetchone()[0])
        for _debit in debits:
            cursor.nextset()
            counts.append(cursor.rowcount)
    else:
        (text, params), *rest = statements
        cursor.execute(text, params)
        if connection.features.can_return_columns_from_insert:
            pk = int(cursor.fetchone()[0])
        else:
            pk = int(cursor.lastrowid)
        for text, params in rest:
            cursor.execute(text, params)
            counts.append(cursor.rowcount)
    for count, debit in zip(counts, debits, strict=False):
        if count != 1:
            raise _insufficient(debit)
    return pk


def _insert_many(rows: list[list[Any]]) -> None:
    sql = _sql()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if sql.postgres and hasattr(raw, "copy"):
            # COPY (psycopg 3): the fastest way in, and no statement text with thousands
            # of placeholders for the driver to build and parse on every chunk.
            with connection.wrap_database_errors, raw.copy(sql.copy) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(sql.insert + sql.row_placeholder, rows)


def _keys_posted(keys: list[str]) -> set[str]:
    """Which of these idempotency keys the ledger already holds."""
    sql = _sql()
    if not sql.postgres:
        return set(
            Transfer.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(sql.keys_posted, [keys])  # one array, not a placeholder per key
        return {row[0] for row in cursor.fetchall()}


def _changes_params(balance: int, earned: int, spent: int) -> list[int]:
    params = [balance]
    if earned:
        params.append(earned)
    if spent:
        params.append(spent)
    return params


def _apply_slots_in_bulk(changes: dict[tuple[int, int], int]) -> None:
    """Every changed slot of a system account in one UPDATE, accounts in ascending id."""
    by_account: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (account_id, slot), delta in sorted(changes.items()):
        if delta:
            by_account[account_id].append((slot, delta))
    sql = _sql()
    with connection.cursor() as cursor:
        for account_id, deltas in by_account.items():
            statement = sql.slots_update.format(
                cases=" ".join(["WHEN %s THEN %s"] * len(deltas)),
                slots=", ".join(["%s"] * len(deltas)),
            )
            params = [value for pair in deltas for value in pair]
            cursor.execute(statement, [*params, account_id, *(slot for slot, _d in deltas)])


def _replay(posting: Posting) -> Transfer:
    existing = Transfer.objects.get(idempotency_key=posting.key)
    if existing.request_digest != posting.digest():
        raise Conflict(
            _("This request key was already used for a different request."),
            code="idempotency_conflict",
        )
    return existing


def post(posting: Posting, *, savepoint: bool = True) -> Transfer:
    """Post one transfer, or return the one already posted under its key.

    Inside a transaction the posting takes a savepoint, so that a refusal undoes it alone
    and a key already posted is answered with its transfer. ``savepoint=False`` is for a
    caller whose transaction rolls back whole on any error raised here and whose key is
    new in it (a redemption's, named after the order it has just written): two
    statements less; such a key found posted all the same is an error, not a replay."""
    posting.check()
    values = posting.values()
    db = connections[DEFAULT_DB_ALIAS]
    try:
        raw = _direct(db)
        if raw is not None:
            pk = _post_direct(db, raw, posting, values, savepoint=savepoint)
        else:
            with db.cursor() as cursor:
                if _on_its_own(cursor):
                    pk = _run_alone(cursor, posting, values)
                else:
                    with transaction.atomic(using=db.alias, savepoint=savepoint):
                        pk = _run(cursor, *_statements(posting, values, db=db))
        values["id"] = pk
        return posting._transfer(values, db.alias)
    except IntegrityError as exc:
        if _overdrawn(exc):
            raise _insufficient(posting.amount) from None
        if not savepoint:  # the caller's transaction can read nothing more: it rolls back
            raise
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


@transaction.atomic(savepoint=False)
def post_many(postings: Iterable[Posting], *, chunk_size: int = 2000) -> int:
    """Post a stream of transfers, all or nothing, in constant memory.

    Outside a transaction it runs in its own; inside the caller's it takes no savepoint
    (two statements per call, hundreds per settlement): when it fails, the caller's
    transaction can only roll back, which is all or nothing too.

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
        done = _keys_posted([str(p.key) for p in chunk])
        fresh: dict[str, Posting] = {}
        for posting in chunk:
            if posting.key in done or posting.key in fresh:
                continue
            posting.check()
            fresh[posting.key] = posting
        if not fresh:
            continue
        # The transfers of a chunk not dated by their callers share its instant.
        now = timezone.now()
        adapted: dict[Any, Any] = {}
        _insert_many([_params(p.values(now), adapted) for p in fresh.values()])
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
    _apply_slots_in_bulk(slots)
    return posted


def _apply_rows_in_bulk(rows: dict[int, list[int]]) -> None:
    ids = sorted(rows)
    sql = _sql()
    with connection.cursor() as cursor:
        if sql.postgres:
            # Lock in a fixed order so two bulk posts over the same people cannot deadlock.
            # (SQLite's write lock already covers the whole database.)
            cursor.execute(sql.lock, [ids])
        by_change: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for account_id in ids:
            balance, earned, spent = rows[account_id]
            by_change[(balance, earned, spent)].append(account_id)
        for (balance, earned, spent), account_ids in sorted(by_change.items()):
            changes = _changes_params(balance, earned, spent)
            guard = [-balance] if balance < 0 else []
            step = 100_000 if sql.postgres else 900
            for start in range(0, len(account_ids), step):
                part = account_ids[start : start + step]
                ids_params: list[Any]
                if sql.postgres:
                    where, ids_params = "= ANY(%s)", [part]
                else:
                    where, ids_params = "IN (" + ", ".join(["%s"] * len(part)) + ")", part
                cursor.execute(
                    sql.account_update(balance, earned, spent, where),
                    [*changes, *ids_params, *guard],
                )
                if cursor.rowcount != len(part):
                    raise _insufficient(-balance)
