"""Writes of the points domain: awards, reversals, staff adjustments, the rules catalogue."""

import functools
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.bounds import check_points
from jifen.lib.errors import Conflict, InvalidInput, NotFound
from jifen.lib.rawrows import Columns, cache_related
from jifen.lib.text import clean_text
from jifen.people import authz
from jifen.people.models import Person
from jifen.points import ledger
from jifen.points.ledger import Posting, account_for, ledger_text, system_account
from jifen.points.models import (
    AccountKind,
    Adjustment,
    AdjustmentStatus,
    CommunityPolicy,
    RuleItem,
    RuleVersion,
    Transfer,
    TransferKind,
    Unit,
)
from jifen.regions.models import Level, Region

T = TransferKind


def home_community(person: Person) -> Region:
    """The community whose ledger holds the person's points; refused when there is none."""
    if person.community is None:
        raise InvalidInput(
            _("This person has no home community, so they cannot hold points."),
            code="no_community",
        )
    return person.community


# --- Awards and bonuses ---------------------------------------------------------------------


def award_points(
    *,
    person: Person,
    amount: int,
    key: str,
    actor: Person | None,
    rule_version: RuleVersion | None = None,
    service_date: date | None = None,
    memo: str = "",
    source_type: str = "",
    source_id: int | None = None,
    kind: str = T.AWARD,
    period: str = "",
) -> Transfer:
    """Points come into being at the home community's issuer and reach the person.

    Called by the services that decide a point is due (an approved claim, a bonus);
    they hold the permission checks, this holds the ledger rules.
    """
    if person.community_id is None:
        home_community(person)  # refuses: no home community
    # Both accounts in one read (not the community row: the posting needs only its id).
    issuer, holder = ledger.award_accounts(person)
    return ledger.post(
        Posting(
            debit=issuer,
            credit=holder,
            amount=amount,
            kind=kind,
            key=key,
            actor=actor,
            memo=memo,
            rule_version=rule_version,
            service_date=service_date,
            source_type=source_type,
            source_id=source_id,
            period=period,
        )
    )


_POLICY = Columns(CommunityPolicy, "c")


@functools.cache
def _policy_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {_POLICY.select} FROM {_POLICY.source} "  # noqa: S608 - names from the model
        f"WHERE c.{quote('region_id')} = %s"
    )


def policy_for(community: Region) -> CommunityPolicy:
    """The community's settings; defaults (CONTRACT.md) until staff change them.

    Read on every redemption and award: one SELECT written once (``lib.rawrows``)."""
    with connection.cursor() as cursor:
        cursor.execute(_policy_sql(connection.vendor), [community.pk])
        row = cursor.fetchone()
    return policy_as_read(community, None if row is None else _POLICY.load(row))


def policy_as_read(community: Region, policy: CommunityPolicy | None) -> CommunityPolicy:
    """The community's settings from a row read with something else (``None``: the
    community has none, so the defaults), as ``policy_for`` gives them."""
    if policy is None:
        policy = CommunityPolicy(region=community)
    cache_related(policy, "region", community)
    return policy


def referral_bonus(*, referee: Person, actor: Person | None) -> Transfer | None:
    """When a newcomer's first claim is approved, their referrer receives points, once."""
    key = f"bonus:referral:{referee.pk}"
    # Once means once: asked again after staff changed the bonus, the first one stands
    # (a replay with the new amount would be refused as a different request).
    posted = Transfer.objects.filter(idempotency_key=key).first()
    if posted is not None:
        return posted
    referrer = referee.referrer
    if referrer is None or not referrer.is_active or referrer.community is None:
        return None
    policy = policy_for(referrer.community)
    if not policy.referral_enabled:
        return None
    return award_points(
        person=referrer,
        amount=policy.referral_points,
        key=key,
        actor=actor,
        kind=T.BONUS,
        memo=ledger_text(_("Referral of volunteer %(number)s"), number=referee.volunteer_no),
        source_type="referral",
        source_id=referee.pk,
    )


# --- Reversal ------------------------------------------------------------------------------


def reverse_transfer(*, transfer: Transfer, actor: Person | None, reason: str) -> Transfer:
    """Undo a transfer with a new one that references it; a transfer is reversed at most once.

    Reversing points the holder has already spent fails with ``insufficient_points``:
    that case goes to a staff adjustment, never below zero.
    """
    if transfer.kind == T.REDEMPTION:
        kind = T.REFUND
    elif transfer.kind in ledger.REVERSIBLE:
        kind = T.REVERSAL
    else:
        raise Conflict(
            _("A %(kind)s cannot be reversed."),
            code="not_reversible",
            params={"kind": transfer.get_kind_display()},
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Please give the reason for the reversal."), field="reason")
    if Transfer.objects.filter(reverses=transfer).exists():
        raise Conflict(_("This entry has already been reversed."), code="already_reversed")
    return ledger.post(
        Posting(
            debit=transfer.credit,
            credit=transfer.debit,
            amount=transfer.amount,
            kind=kind,
            key=f"reverse:{transfer.pk}",
            actor=actor,
            memo=reason,
            rule_version=transfer.rule_version,
            source_type=transfer.source_type,
            source_id=transfer.source_id,
            service_date=transfer.service_date,
            reverses=transfer,
        )
    )


# --- Staff adjustments (two people) -----------------------------------------------------------


@transaction.atomic
def request_adjustment(
    *, actor: Person, person: Person, amount: int, reason: str, corrects: Transfer | None = None
) -> Adjustment:
    """A staff member proposes a correction; it posts only when another staff member approves."""
    authz.require_over_person(actor, authz.ADJUST_POINTS, person)
    check_points(amount, "amount", allow_negative=True)
    reason = clean_text(reason, "reason", lines=True)
    if not reason:
        raise InvalidInput(_("Please give the reason for the adjustment."), field="reason")
    community = home_community(person)
    adjustment = Adjustment.objects.create(
        region=community,
        account=account_for(person),
        amount=amount,
        reason=reason[:200],
        corrects=corrects,
        requested_by=actor,
    )
    record(
        actor=actor,
        action="points.adjustment.request",
        target=adjustment,
        region=community,
        after={"person": person.volunteer_no, "amount": amount, "reason": reason},
    )
    return adjustment


@transaction.atomic
def approve_adjustment(*, actor: Person, adjustment: Adjustment) -> Adjustment:
    adjustment = (
        Adjustment.objects.select_for_update().select_related("account").get(pk=adjustment.pk)
    )
    authz.require(actor, authz.ADJUST_POINTS, adjustment.region)
    if adjustment.status != AdjustmentStatus.PENDING:
        raise Conflict(_("This adjustment has already been decided."), code="already_reviewed")
    if adjustment.requested_by_id == actor.pk:
        raise Conflict(
            _("A second staff member must approve an adjustment you asked for."), code="self_review"
        )
    issuer = system_account(adjustment.region, AccountKind.ISSUER)
    giving = adjustment.amount > 0
    transfer = ledger.post(
        Posting(
            debit=issuer if giving else adjustment.account,
            credit=adjustment.account if giving else issuer,
            amount=abs(adjustment.amount),
            kind=T.ADJUSTMENT,
            key=f"adjustment:{adjustment.pk}",
            actor=actor,
            memo=adjustment.reason,
            source_type="adjustment",
            source_id=adjustment.pk,
        )
    )
    adjustment.status = AdjustmentStatus.POSTED
    adjustment.decided_by = actor
    adjustment.decided_at = timezone.now()
    adjustment.transfer = transfer
    adjustment.save()
    record(
        actor=actor,
        action="points.adjustment.approve",
        target=adjustment,
        region=adjustment.region,
        after={"transfer": transfer.pk},
    )
    return adjustment


@transaction.atomic
def reject_adjustment(*, actor: Person, adjustment: Adjustment, note: str) -> Adjustment:
    adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    authz.require(actor, authz.ADJUST_POINTS, adjustment.region)
    if adjustment.status != AdjustmentStatus.PENDING:
        raise Conflict(_("This adjustment has already been decided."), code="already_reviewed")
    adjustment.status = AdjustmentStatus.REJECTED
    adjustment.decided_by = actor
    adjustment.decided_at = timezone.now()
    adjustment.decision_note = note.strip()[:200]
    adjustment.save()
    record(
        actor=actor,
        action="points.adjustment.reject",
        target=adjustment,
        region=adjustment.region,
        after={"note": adjustment.decision_note},
    )
    return adjustment


# --- Rules catalogue ---------------------------------------------------------------------------

# 积分项目 describe real service. Attending meetings, dinners, likes and reposts earn nothing.
NOT_SERVICE = re.compile(r"会议|开会|参会|聚餐|宴请|吃饭|点赞|转发|刷票|投票|签到打卡|红包")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
RULE_POINTS = 1000


def _clean_terms(*, name: str, category: str, unit: str, points: int) -> tuple[str, str]:
    name, category = clean_text(name, "name"), clean_text(category, "category")
    if not name or len(name) > 100:
        raise InvalidInput(_("Please give the item a name of 1 to 100 characters."), field="name")
    if not category or len(category) > 50:
        raise InvalidInput(_("Please give a category of 1 to 50 characters."), field="category")
    if NOT_SERVICE.search(name) or NOT_SERVICE.search(category):
        raise InvalidInput(
            _(
                "Points are for real service to people. Meetings, meals, likes and reposts "
                "cannot be point items."
            ),
            code="not_service",
            field="name",
        )
    if unit not in Unit.values:
        raise InvalidInput(_("The unit is 'hour' or 'time'."), code="invalid_unit", field="unit")
    # A rule's points per unit stay far below the bound of any amount (MAX_POINTS): an
    # hour of service is worth a handful of points, never a fortune.
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= RULE_POINTS:
        raise InvalidInput(_("Points per unit are a whole number from 1 to 1000."), field="points")
    return name, category


@transaction.atomic
def save_rule_item(
    *,
    actor: Person | None,
    region: Region,
    code: str,
    name: str,
    category: str,
    unit: str,
    points: int,
    effective_from: date | None = None,
    note: str = "",
) -> RuleVersion:
    """Create an item, or give an existing one (same code, same region) a new version.

    A county-level item serves every community below; a community item with the same
    code overrides it there. Old versions stay: each transfer keeps the one that priced it.
    """
    if actor is not None:
        authz.require(actor, authz.MANAGE_RULES, region)
    if region.level not in (Level.COUNTY, Level.TOWN, Level.COMMUNITY):
        raise InvalidInput(_("Point items belong to a county, town or community."), field="region")
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("An item code has 1 to 32 letters, digits, '-' or '_'."),
            code="invalid_code",
            field="code",
        )
    name, category = _clean_terms(name=name, category=category, unit=unit, points=points)
    today = timezone.localdate()
    effective_from = effective_from or today
    item, created = RuleItem.objects.select_for_update().get_or_create(region=region, code=code)
    last = item.versions.order_by("-version").first()
    if last is not None:
        if effective_from < last.effective_from:
            raise InvalidInput(
                _("A new version cannot start before the current one (%(date)s)."),
                field="effective_from",
                params={"date": last.effective_from.isoformat()},
            )
        if (last.name, last.category, last.unit, last.points) == (name, category, unit, points):
            return last
    number = (item.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    try:
        version = RuleVersion.objects.create(
            item=item,
            version=number,
            name=name,
            category=category,
            unit=unit,
            points=points,
            effective_from=effective_from,
            note=note.strip()[:200],
            created_by=actor,
        )
    except IntegrityError:
        raise Conflict(
            _("Someone changed this item at the same moment; please try again."), code="conflict"
        ) from None
    record(
        actor=actor,
        action="rules.item.create" if created else "rules.item.change",
        target=version,
        region=region,
        after={
            "code": code,
            "version": number,
            "name": name,
            "category": category,
            "unit": unit,
            "points": points,
            "effective_from": effective_from.isoformat(),
        },
    )
    return version


@transaction.atomic
def set_rule_item_active(*, actor: Person, item: RuleItem, active: bool) -> RuleItem:
    authz.require(actor, authz.MANAGE_RULES, item.region)
    if item.is_active != active:
        item.is_active = active
        item.save(update_fields=["is_active"])
        record(
            actor=actor,
            action="rules.item.activate" if active else "rules.item.retire",
            target=item,
            region=item.region,
        )
    return item


def price(item: RuleItem, on: date) -> RuleVersion:
    """The version in force on a service date; the first version also prices earlier dates."""
    version = (
        item.versions.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()
    )
    if version is None:
        version = item.versions.order_by("version").first()
    if version is None:
        raise NotFound(_("This item has no terms yet."), code="unknown_rule_item")
    return version


@transaction.atomic
def update_policy(*, actor: Person, community: Region, **changes: object) -> CommunityPolicy:
    authz.require(actor, authz.MANAGE_RULES, community)
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("Bonus and expiry rules are set per community."), field="region")
    policy, _created = CommunityPolicy.objects.get_or_create(region=community)
    before = {f: getattr(policy, f) for f in changes}
    for field_name, value in changes.items():
        setattr(policy, field_name, value)
    try:
        policy.full_clean(exclude=["region"])
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise InvalidInput(" ".join(problems), field=field) from None
    policy.save()
    record(
        actor=actor,
        action="rules.policy.change",
        target=policy,
        region=community,
        before=before,
        after={f: getattr(policy, f) for f in changes},
    )
    return policy
