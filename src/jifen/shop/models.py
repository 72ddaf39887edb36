"""积分超市 and 商居联盟: what points buy, and every order from reservation to hand-over.

An item is offered by a community (or county- or town-wide, for every community
below), or by a partner merchant (爱心商户) as its own offer. Redeeming takes the
points at once (a redemption transfer to the community's shop account, or to the
merchant's account) and reserves the stock; the order carries a pickup code (核销码)
that staff or the merchant scan or type at hand-over. Cancelling before hand-over,
or an order left unclaimed past the community's expiry, refunds the points with a
refund transfer and returns the stock. Stock never goes below zero (a CHECK), and
nothing here moves points but the ledger.
"""

import hashlib
import json
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.lib.bounds import MAX_POINTS

# Pickup codes: easy to read aloud and type on a phone keypad, no 0/O or 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


# What an offer is and what it costs: a merchant changing any of these needs staff's
# approval again (stock, dates, limits and the sponsor do not change the deal).
DEAL_TERMS = ("name", "kind", "description", "points")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Kind(models.TextChoices):
    GOODS = "goods", _("goods")  # 米、面、油、洗衣液
    SERVICE = "service", _("service")  # 义剪、体检
    HONOUR = "honour", _("honour")  # 荣誉表彰资格
    VOUCHER = "voucher", _("voucher")  # 物品券、服务券、消费券


class LimitPeriod(models.TextChoices):
    MONTH = "month", _("per calendar month")
    QUARTER = "quarter", _("per quarter")
    YEAR = "year", _("per year")


class Item(models.Model):
    # The community that offers it, or a town or county for every community below it;
    # a merchant's offer carries the merchant's region.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    merchant = models.ForeignKey(
        "people.Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("merchant"),
        help_text=_("Set for a merchant's own offer: the points go to the merchant."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.GOODS)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("stock"))
    per_person_limit = models.PositiveIntegerField(
        _("limit per person"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    limit_period = models.CharField(
        _("limit period"), max_length=8, choices=LimitPeriod.choices, default=LimitPeriod.MONTH
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    sponsor = models.CharField(
        _("donor or sponsor"),
        max_length=100,
        blank=True,
        help_text=_("爱心商户, 驻区单位 … shown with the item."),
    )
    image = models.BinaryField(null=True, blank=True, editable=False)
    image_type = models.CharField(max_length=16, blank=True, editable=False)
    is_active = models.BooleanField(_("on sale"), default=True)
    # A merchant's offer is on the list only once staff of its region approve its terms
    # (what it is and what it costs); a change of them by the merchant needs approval
    # again. Staff's own items are approved by whoever creates them.
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="shop_item_points_positive"),
            # Whatever writes the row: a price beyond the contract's bound would let one
            # order overflow a month's totals.
            models.CheckConstraint(
                condition=Q(points__lte=MAX_POINTS), name="shop_item_points_bounded"
            ),
            # Stock never below zero, whatever the code does (no oversell).
            models.CheckConstraint(condition=Q(stock__gte=0), name="shop_item_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(per_person_limit__isnull=True) | Q(per_person_limit__gt=0),
                name="shop_item_limit_positive",
            ),
        ]
        indexes = [models.Index(fields=["region", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def terms(self) -> str:
        """A fingerprint of the deal (``DEAL_TERMS``) as it stands: staff approving an offer
        send back the one they saw, so a change made meanwhile is not approved unseen."""
        deal = json.dumps([getattr(self, name) for name in DEAL_TERMS], ensure_ascii=False)
        return hashlib.sha256(deal.encode()).hexdigest()[:16]


class Status(models.TextChoices):
    RESERVED = "reserved", _("waiting for pickup")
    FULFILLED = "fulfilled", _("handed over")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")


class Redemption(models.Model):
    """An order (兑换单): the points left at once; the goods wait under the pickup code."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="redemptions")
    # The holder's home community: whose shop (or which merchant) and whose staff.
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(
        "people.Merchant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RESERVED
    )
    code = models.CharField(_("pickup code"), max_length=16, unique=True, default=new_code)
    # Who placed it when not the holder: staff at the counter, a family proxy, a
    # merchant scanning the holder's card.
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_proxy = models.BooleanField(_("placed by a family proxy"), default=False)
    transfer = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, related_name="+", null=True
    )
    refund = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(points__gt=0), name="redemption_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="fulfilled", fulfilled_at__isnull=False)
                | ~Q(status="fulfilled"),
                name="redemption_fulfilled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["cancelled", "expired"], refund__isnull=False)
                | ~Q(status__in=["cancelled", "expired"]),
                name="redemption_refunded_when_undone",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "item", "created_at"]),
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["merchant", "fulfilled_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.item_id}×{self.quantity}"


class MerchantSettlement(models.Model):
    """A merchant's month settled in money by the community (商户结算): the points it took
    for orders handed over that month leave its account for the settlement sink."""

    merchant = models.ForeignKey("people.Merchant", on_delete=models.PROTECT, related_name="+")
    month = models.CharField(_("month"), max_length=7)  # YYYY-MM
    orders = models.PositiveIntegerField(_("orders"))
    points = models.PositiveIntegerField(_("points"))
    transfer = models.OneToOneField("points.Transfer", on_delete=models.PROTECT, related_name="+")
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    settled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="merchant_settled_once")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.month}"


class PayCode(models.Model):
    """A one-time pay code (付款码) a resident shows on their phone: whoever types or scans
    it at a merchant's or the community's counter may take the resident's points once,
    within two minutes. Only a keyed hash of the code is kept."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["person"]), models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_by__isnull=False),
                name="shop_paycode_used_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.expires_at:%H:%M:%S}"


class PresenceFailure(models.Model):
    """A card or pay code that named nobody, typed or sent by a counter: counted per
    operator so that guessing codes is held back (pruned by ``jifen tick``)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.at:%Y-%m-%d %H:%M:%S}"
