"""Reads of the ledger: balances, entries, statements (一人一档), community totals."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import (
    HOLDER_KINDS,
    Account,
    AccountKind,
    RuleItem,
    RuleVersion,
    SystemSlot,
    Transfer,
    TransferKind,
)
from jifen.regions.models import Region

T = TransferKind


@dataclass(frozen=True)
class Balance:
    balance: int
    earned: int
    spent: int


def account_of(person: Person) -> Account | None:
    return Account.objects.filter(person=person).first()


def balance_of(person: Person) -> Balance:
    """One row read, however long the history (the balance is stored)."""
    row = Account.objects.filter(person=person).values_list("balance", "earned", "spent").first()
    return Balance(*row) if row else Balance(0, 0, 0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def balance_as_of(account: Account, day: date) -> int:
    """The balance at the end of ``day`` (in the deployment's time zone)."""
    end = day_start(day + timedelta(days=1))
    totals = Transfer.objects.filter(created_at__lt=end).aggregate(
        credits=Sum("amount", filter=Q(credit=account)),
        debits=Sum("amount", filter=Q(debit=account)),
    )
    return (totals["credits"] or 0) - (totals["debits"] or 0)


def entries(account: Account) -> QuerySet[Transfer]:
    """The account's transfers, newest first, each with ``signed`` (+ in, − out)."""
    return (
        Transfer.objects.filter(Q(debit=account) | Q(credit=account))
        .annotate(
            signed=Case(
                When(credit=account, then=F("amount")),
                default=-F("amount"),
                output_field=IntegerField(),
            )
        )
        .select_related("rule_version", "rule_version__item", "created_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class StatementLine:
    transfer: Transfer
    signed: int
    running: int


@dataclass
class Statement:
    """一人一档: opening balance, every entry with its running balance, closing balance."""

    account: Account
    start: date
    end: date
    opening: int
    lines: list[StatementLine]

    @property
    def closing(self) -> int:
        return self.lines[-1].running if self.lines else self.opening

    @property
    def received(self) -> int:
        return sum(line.signed for line in self.lines if line.signed > 0)

    @property
    def paid(self) -> int:
        return -sum(line.signed for line in self.lines if line.signed < 0)


def statement(account: Account, start: date, end: date) -> Statement:
    opening = balance_as_of(account, start - timedelta(days=1))
    rows = (
        entries(account)
        .filter(created_at__gte=day_start(start), created_at__lt=day_start(end + timedelta(days=1)))
        .order_by("created_at", "id")
    )
    lines, running = [], opening
    for transfer in rows:
        running += transfer.signed  # type: ignore[attr-defined]
        lines.append(StatementLine(transfer, transfer.signed, running))  # type: ignore[attr-defined]
    return Statement(account, start, end, opening, lines)


@dataclass(frozen=True)
class CommunityTotals:
    issued: int  # awards, bonuses and adjustments in, less their reversals
    redeemed: int  # redemptions less refunds
    expired: int
    outstanding: int  # points in holders' hands: the community's liability

    @property
    def balanced(self) -> bool:
        return self.issued - self.redeemed - self.expired == self.outstanding


def _issuer_net(transfers: QuerySet[Transfer]) -> int:
    totals = transfers.aggregate(
        out=Sum("amount", filter=Q(debit__kind=AccountKind.ISSUER)),
        back=Sum("amount", filter=Q(credit__kind=AccountKind.ISSUER)),
    )
    return (totals["out"] or 0) - (totals["back"] or 0)


def community_totals(community: Region, until: date | None = None) -> CommunityTotals:
    """What the community issued, what came back through the shop, merchants and expiry,
    and what is still in residents' hands (its points liability)."""
    transfers = Transfer.objects.filter(region=community)
    if until is not None:
        transfers = transfers.filter(created_at__lt=day_start(until + timedelta(days=1)))
    by_kind = dict(
        transfers.values("kind").annotate(total=Sum("amount")).values_list("kind", "total")
    )
    issued = _issuer_net(transfers)
    redeemed = by_kind.get(T.REDEMPTION, 0) - by_kind.get(T.REFUND, 0)
    expired = by_kind.get(T.EXPIRY, 0) - _reversed_total(transfers, T.EXPIRY)
    if until is None:
        holders = Account.objects.filter(region=community, kind__in=HOLDER_KINDS)
        outstanding = holders.aggregate(s=Sum("balance"))["s"] or 0
    else:
        outstanding = issued - redeemed - expired
    return CommunityTotals(
        issued=issued, redeemed=redeemed, expired=expired, outstanding=outstanding
    )


def _reversed_total(transfers: QuerySet[Transfer], kind: str) -> int:
    return (
        transfers.filter(kind=T.REVERSAL, reverses__kind=kind).aggregate(s=Sum("amount"))["s"] or 0
    )


@dataclass(frozen=True)
class MonthRow:
    month: date
    issued: int
    redeemed: int
    expired: int


def monthly_totals(community: Region) -> list[MonthRow]:
    rows = (
        Transfer.objects.filter(region=community)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            issued=Sum("amount", filter=Q(debit__kind=AccountKind.ISSUER)),
            returned=Sum("amount", filter=Q(credit__kind=AccountKind.ISSUER)),
            redeemed=Sum("amount", filter=Q(kind=T.REDEMPTION)),
            refunded=Sum("amount", filter=Q(kind=T.REFUND)),
            expired=Sum("amount", filter=Q(kind=T.EXPIRY)),
        )
        .order_by("-month")
    )
    return [
        MonthRow(
            month=timezone.localtime(row["month"]).date()
            if isinstance(row["month"], datetime)
            else row["month"],
            issued=(row["issued"] or 0) - (row["returned"] or 0),
            redeemed=(row["redeemed"] or 0) - (row["refunded"] or 0),
            expired=row["expired"] or 0,
        )
        for row in rows
    ]


def system_balance(account: Account) -> int:
    return SystemSlot.objects.filter(account=account).aggregate(s=Sum("balance"))["s"] or 0


# --- Rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    item: RuleItem
    current: RuleVersion
    overrides: bool  # a community item that replaces a county or town item of the same code


def catalogue(region: Region, on: date | None = None) -> list[CatalogueEntry]:
    """The items in force for ``region``: its own, and those of the regions above it
    unless overridden by an item of the same code lower down."""
    on = on or timezone.localdate()
    codes = region.ancestor_codes()
    items = (
        RuleItem.objects.filter(region__code__in=codes, is_active=True)
        .select_related("region")
        .prefetch_related("versions")
    )
    chosen: dict[str, RuleItem] = {}
    shadowed: set[str] = set()
    for item in sorted(items, key=lambda i: i.region.path.count("/")):
        if item.code in chosen:
            shadowed.add(item.code)
        chosen[item.code] = item
    entries_: list[CatalogueEntry] = []
    for code, item in sorted(chosen.items()):
        versions = sorted(item.versions.all(), key=lambda v: (v.effective_from, v.version))
        current = next((v for v in reversed(versions) if v.effective_from <= on), versions[0])
        entries_.append(CatalogueEntry(item, current, code in shadowed))
    return entries_


def find_rule_item(region: Region, code_or_id: str | int) -> RuleItem | None:
    """An item that serves ``region``, by id or by code (the lowest region's item wins)."""
    items = RuleItem.objects.filter(region__code__in=region.ancestor_codes())
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        return items.filter(pk=int(code_or_id)).first()
    candidates = sorted(
        items.filter(code=code_or_id).select_related("region"),
        key=lambda i: -i.region.path.count("/"),
    )
    return candidates[0] if candidates else None


def rule_history(region: Region, year: int | None = None) -> QuerySet[RuleVersion]:
    """Versions of the items that serve ``region``, newest first (the adjustment history)."""
    versions = RuleVersion.objects.filter(item__region__code__in=region.ancestor_codes())
    if year is not None:
        versions = versions.filter(created_at__year=year)
    return versions.select_related("item", "item__region", "created_by").order_by(
        "-created_at", "-id"
    )


def items_adjusted(region: Region, year: int) -> int:
    """今年来调整优化积分项目N项: items that got a new version this year (not first versions)."""
    return rule_history(region, year).filter(version__gt=1).values("item").distinct().count()


def visible_communities(
    viewer: Person, action: authz.Action = authz.VIEW_LEDGER
) -> QuerySet[Region]:
    return Region.objects.filter(authz.regions_q(viewer, action), level="community").order_by(
        "path"
    )
