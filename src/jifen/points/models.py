"""The points ledger and the rules catalogue (积分台账, 积分项目及分值标准).

Invariants (ARCHITECTURE.md) and where each is held:
1. integer points: every amount and balance is a BigIntegerField;
2. double entry: a Transfer moves ``amount > 0`` from one account to another (CHECKs);
3. append-only: database triggers refuse UPDATE and DELETE of transfers
   (migration 0002), corrections are new transfers that reference the original;
4. holders never below 0: CHECK on Account.balance;
5. no holder-to-holder transfer: services.ALLOWED_FLOWS, re-checked by ``jifen verify``;
6. cause, actor, time and idempotency key on every transfer;
7. stored balances equal their transfers: ``jifen verify``.

A community's system accounts (issuer and sinks) take part in every award of the
community. Their balance is kept in a few SystemSlot rows instead of the account
row, so concurrent awards update different rows and do not queue on one lock.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib.bounds import MAX_POINTS, MAX_TRANSFER


class AccountKind(models.TextChoices):
    PERSON = "person", _("Resident")
    ORGANIZATION = "organization", _("Organisation")
    MERCHANT = "merchant", _("Merchant")
    ISSUER = "issuer", _("Issuer")
    SHOP = "shop", _("Points supermarket")
    SETTLEMENT = "settlement", _("Merchant settlement")
    EXPIRY = "expiry", _("Expired points")


# Holders own points and may spend them; no transfer ever goes from one holder to another.
HOLDER_KINDS = (AccountKind.PERSON, AccountKind.ORGANIZATION)
# Accounts whose balance is stored on the row, never below 0 (a merchant is a sink
# with its own account: the points it takes wait there until the community settles).
ROW_KINDS = (*HOLDER_KINDS, AccountKind.MERCHANT)
# A community's system accounts: the issuer (where points come into being) and sinks.
SYSTEM_KINDS = (AccountKind.ISSUER, AccountKind.SHOP, AccountKind.SETTLEMENT, AccountKind.EXPIRY)
SLOTS = 8
# The database's own guard against a balance below zero (invariant 4); the ledger reads
# its name in the error when it refuses an overdraft.
BALANCE_CHECK = "account_balance_nonnegative"


class Account(models.Model):
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    # The community whose ledger the account belongs to (a holder's home community).
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    organization = models.OneToOneField(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
    )
    merchant = models.OneToOneField(
        "people.Merchant", on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    # Row kinds only; system accounts keep theirs in SystemSlot rows.
    balance = models.BigIntegerField(default=0)
    # Lifetime points received from the issuer (awards, bonuses, adjustments): never
    # reduced by spending or expiry; the basis of honours and rankings.
    earned = models.BigIntegerField(default=0)
    # Redemptions less refunds.
    spent = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name=BALANCE_CHECK),
            models.CheckConstraint(
                condition=Q(kind__in=ROW_KINDS) | Q(balance=0, earned=0, spent=0),
                name="account_system_balance_in_slots",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=AccountKind.PERSON,
                        person__isnull=False,
                        organization__isnull=True,
                        merchant__isnull=True,
                    )
                    | Q(
                        kind=AccountKind.ORGANIZATION,
                        person__isnull=True,
                        organization__isnull=False,
                        merchant__isnull=True,
                    )
                    | Q(
                        kind=AccountKind.MERCHANT,
                        person__isnull=True,
                        organization__isnull=True,
                        merchant__isnull=False,
                    )
                    | Q(
                        kind__in=SYSTEM_KINDS,
                        person__isnull=True,
                        organization__isnull=True,
                        merchant__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["region", "kind"],
                condition=Q(kind__in=SYSTEM_KINDS),
                name="account_one_system_account_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_holder(self) -> bool:
        return self.kind in HOLDER_KINDS

    @property
    def has_slots(self) -> bool:
        return self.kind in SYSTEM_KINDS


class SystemSlot(models.Model):
    """One share of a system account's balance; the account's balance is their sum."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="slots")
    slot = models.PositiveSmallIntegerField()
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "slot"], name="system_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account} slot {self.slot}"


class TransferKind(models.TextChoices):
    AWARD = "award", _("Service points")
    BONUS = "bonus", _("Bonus")
    REDEMPTION = "redemption", _("Redemption")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")
    EXPIRY = "expiry", _("Expiry")
    SETTLEMENT = "settlement", _("Merchant settlement")
    # Service done before the community used Jifen, imported from paper or Excel
    # (jifen.imports): dated by its original service date, posted once approved.
    IMPORTED = "imported", _("Imported history")


class Transfer(models.Model):
    """One movement of points; never changed, never deleted."""

    # No single-column index on these three: the (region|debit|credit, created_at)
    # indexes below serve every lookup by them, and each index is one more write per
    # transfer (migration 0003).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    debit = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="debits", db_index=False
    )
    credit = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credits", db_index=False
    )
    amount = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=TransferKind.choices)
    # What caused it: the priced rule version, the claim/redemption/adjustment, the period.
    rule_version = models.ForeignKey(
        "points.RuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    period = models.CharField(max_length=7, blank=True)  # "YYYY-MM" for monthly jobs
    service_date = models.DateField(null=True, blank=True)  # when the service was done
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    memo = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    # Digest of what was asked, so a replay with other inputs is refused, not accepted.
    request_digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            # Far below a SUM's overflow however many transfers a total adds (lib/bounds.py).
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_TRANSFER), name="transfer_amount_bounded"
            ),
            models.CheckConstraint(
                condition=~Q(debit=models.F("credit")), name="transfer_between_two_accounts"
            ),
        ]
        indexes = [
            models.Index(fields=["debit", "created_at"]),
            models.Index(fields=["credit", "created_at"]),
            models.Index(fields=["region", "created_at"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["region", "kind", "service_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} #{self.pk}"


class Unit(models.TextChoices):
    HOUR = "hour", _("per hour")
    TIME = "time", _("per time")


class RuleItem(models.Model):
    """An item of the points catalogue; its terms live in versions."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=32)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="rule_item_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class RuleVersion(models.Model):
    """The terms of a rule item from ``effective_from`` on; never edited once made."""

    item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=50)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    points = models.PositiveIntegerField(_("points per unit"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="rule_version_unique"),
            models.CheckConstraint(condition=Q(points__gt=0), name="rule_points_positive"),
            models.CheckConstraint(condition=Q(points__lte=MAX_POINTS), name="rule_points_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


def validate_month_list(value: str) -> None:
    """Month numbers 1–12 separated by commas (the shop's redemption months)."""
    for part in value.replace("，", ",").split(","):
        part = part.strip()
        if part and not (part.isdigit() and 1 <= int(part) <= 12):
            raise ValidationError(
                _("Give month numbers from 1 to 12 separated by commas, e.g. 1,4,7,10.")
            )


class ImportApproval(models.TextChoices):
    """Who lets imported history (jifen.imports) into the ledger."""

    REVIEW = "review", _("The review group, as for claims")
    ADMINS = "admins", _("An administrator, as the second person")


class CommunityPolicy(models.Model):
    """Per-community settings of the default rules (CONTRACT.md); a missing row means defaults."""

    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    referral_enabled = models.BooleanField(_("referral bonus"), default=True)
    referral_points = models.PositiveIntegerField(
        _("referral bonus points"), default=10, validators=[MaxValueValidator(MAX_POINTS)]
    )
    team_leader_enabled = models.BooleanField(_("team leader bonus"), default=True)
    team_leader_points = models.PositiveIntegerField(
        _("team leader bonus points"), default=10, validators=[MaxValueValidator(MAX_POINTS)]
    )
    team_min_size = models.PositiveIntegerField(_("team size for the bonus"), default=10)
    long_term_enabled = models.BooleanField(_("long-term volunteer bonus"), default=True)
    long_term_points = models.PositiveIntegerField(
        _("long-term bonus points"), default=10, validators=[MaxValueValidator(MAX_POINTS)]
    )
    long_term_months = models.PositiveIntegerField(_("months of service in a row"), default=3)
    expiry_years = models.PositiveIntegerField(
        _("points expire after (years)"),
        null=True,
        blank=True,
        help_text=_("Empty: points never expire."),
    )
    # Review of claims (集体审核、交叉复核).
    cross_check_points = models.PositiveIntegerField(
        _("claims worth this many points need two reviewers"), default=50
    )
    cross_check_share = models.PositiveSmallIntegerField(
        _("share of smaller claims sent to cross-check (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    claim_max_age_days = models.PositiveIntegerField(
        _("service can be declared up to this many days later"), default=90
    )
    appeal_days = models.PositiveIntegerField(_("days to appeal a review decision"), default=30)
    # Activities: attendance must cover this share of the activity to earn (0: off).
    attendance_min_share = models.PositiveSmallIntegerField(
        _("attendance must cover this share of an activity (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    # The points supermarket. Redemption windows (一季一兑换): the months and the days of
    # the month when redeeming is open; empty means always.
    redemption_months = models.CharField(
        _("months when redeeming is open"),
        max_length=40,
        blank=True,
        validators=[validate_month_list],
        help_text=_("Month numbers separated by commas, e.g. 1,4,7,10. Empty: every month."),
    )
    redemption_first_day = models.PositiveSmallIntegerField(
        _("redeeming opens on day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    redemption_last_day = models.PositiveSmallIntegerField(
        _("redeeming closes after day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    order_expiry_days = models.PositiveIntegerField(
        _("orders not picked up expire after (days)"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    # 公示: residents may object to a published month for this many days.
    objection_days = models.PositiveIntegerField(
        _("days to object to a published announcement"),
        default=7,
        validators=[MinValueValidator(1)],
    )
    # Imported history (电子化、纸质化"双轨制"): reviewed like claims, or posted once an
    # administrator other than the importer approves it.
    import_approval = models.CharField(
        _("imported history is approved by"),
        max_length=8,
        choices=ImportApproval.choices,
        default=ImportApproval.REVIEW,
    )
    # 点单: a request reported done and left unanswered by the requester is confirmed
    # automatically (jifen tick) after this many days.
    request_confirm_days = models.PositiveIntegerField(
        _("requests are confirmed automatically after (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # The reference value of a point for the liability dashboard, in fen (分): 10 = 0.10 元.
    point_value_fen = models.PositiveIntegerField(
        _("reference value of one point (fen)"), default=10
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"policy of {self.region}"


class SettlementRun(models.Model):
    """One scheduled job for one community and period; done once, however often tick runs."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    job = models.CharField(max_length=32)
    period = models.CharField(max_length=7)
    posted = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "job", "period"], name="settlement_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period} @ {self.region_id}"


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second staff member")
    POSTED = "posted", _("Posted")
    REJECTED = "rejected", _("Rejected")


class Adjustment(models.Model):
    """A staff correction of a holder's points; it posts once a second staff member approves."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("points (+ adds, − takes away)"))
    reason = models.CharField(_("reason"), max_length=200)
    corrects = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustment"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__gte=-MAX_POINTS, amount__lte=MAX_POINTS),
                name="adjustment_amount_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"adjustment {self.amount:+d} #{self.pk}"
