"""每月一公示: a community's monthly announcement of every point change, its seal, and the
objections residents file against it.

A month is drafted (by ``jifen tick`` for the month just ended, or by staff), reviewed
and published by a reviewer or admin. Publication seals the month: the root of a
Merkle tree over every transfer of the community in that month (``seal.py``), chained
to the community's previous seal, printed on the announcement. A published month never
changes; a correction is an adjustment in a later month that names the original.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class Announcement(models.Model):
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    month = models.CharField(_("month"), max_length=7)  # YYYY-MM
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Figures of the month, worked out when drafted (and again when published):
    # {"issued", "redeemed", "net", "people", "entries"} and the top of the ranking.
    totals = models.JSONField(default=dict)
    ranking = models.JSONField(default=list)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    drafted_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    objections_until = models.DateTimeField(null=True, blank=True)
    # The seal (set once, at publication).
    leaf_count = models.PositiveIntegerField(null=True, blank=True)
    root = models.CharField(max_length=64, blank=True)
    previous_seal = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64, blank=True, db_index=True)
    # Transfer ids and leaf hashes at sealing (8 + 32 bytes each), so that `jifen verify`
    # can name the transfer that changed, appeared or vanished; the root is the proof.
    leaves = models.BinaryField(null=True, editable=False)
    # The leaf format the month was sealed under (seal.V1, seal.V2): a month is verified
    # under its own for good. Months published before v2 existed are v1 (migration 0004).
    version = models.PositiveSmallIntegerField(default=2)
    # v2: each transfer's salt of its private digest (8 + 16 bytes each), so the operator
    # can reopen the digest and a resident's proof can reveal their own; never public.
    salts = models.BinaryField(null=True, editable=False)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="announcement_once"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(published_at__isnull=False) & ~Q(seal="") & Q(leaf_count__isnull=False)),
                name="announcement_published_is_sealed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month} ({self.status})"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("waiting for an answer")
    ANSWERED = "answered", _("answered")


class Objection(models.Model):
    """异议: a resident questions an entry of a published month; staff must answer."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.PROTECT, related_name="objections"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey(
        "points.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("objection"), max_length=1000)
    status = models.CharField(
        max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("answer"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # A correction made for it: an adjustment in a later month naming the original.
    correction = models.ForeignKey(
        "points.Adjustment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        indexes = [models.Index(fields=["announcement", "status"])]

    def __str__(self) -> str:
        return f"objection {self.pk} to {self.announcement_id}"


# --- Rankings -----------------------------------------------------------------------------------


class MonthlyPoints(models.Model):
    """What a person earned in a community in an ended month, for the rankings (rankings.py):
    points from the community's issuer less what went back to it, the rule of the
    announcement's ranking, and the same from January to that month (``year_points``).
    Derived from the ledger, never edited: built once per community and month
    (``RolledUpMonth``), in month order within a year, by ``jifen tick`` or at
    publication. A row is kept for everyone with points in the month or in the year so
    far, so a county's year to date is one month's rows instead of every transfer."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.CharField(max_length=7)  # YYYY-MM
    points = models.BigIntegerField()  # signed: a month may give back more than it earned
    year_points = models.BigIntegerField()  # January to this month, signed likewise

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month", "person"], name="monthly_points_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month} @ {self.community_id}: {self.points}"


class RolledUpMonth(models.Model):
    """A community's month whose ``MonthlyPoints`` are built (written in the same
    transaction as its rows): the rankings read the rows of these, the ledger for the rest."""

    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.CharField(max_length=7)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="rolled_up_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month}"


# --- Certificates and the annual selection ---------------------------------------------------


class PublicityPolicy(models.Model):
    """A region's own settings of its documents (a missing row: the region above, then the
    defaults): the service hours of each star level (星级志愿者) and the name a certificate
    is issued in (the community's name when empty)."""

    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    # Hours of 1★ … 5★, ascending, comma-separated; empty means the national practice
    # (selection.DEFAULT_STAR_HOURS).
    star_hours = models.CharField(_("service hours of each star level"), max_length=60, blank=True)
    certificate_issuer = models.CharField(
        _("issuing organisation of certificates"), max_length=100, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"publicity policy of {self.region_id}"


class Certificate(models.Model):
    """志愿服务记录证明: what a volunteer's approved service in a period comes to, as issued.

    What it certifies is copied at issue (the person's name, masked ID number and volunteer
    number, the hours and services, the issuer and the people who sign) and never changes;
    ``content_hash`` covers all of it (certificates.content_of), so the public page that
    the printed QR code opens shows "valid" only while the stored record is as issued.
    A certificate is withdrawn by revoking it, with a reason; it is never deleted.
    """

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("volunteer"),
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    id_number_masked = models.CharField(max_length=18, blank=True)
    volunteer_no = models.CharField(_("volunteer number"), max_length=16, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    hours = models.DecimalField(_("service hours"), max_digits=8, decimal_places=1)
    # [{"item": name, "times": n, "hours": "12.5" or null for items counted by time}]
    services = models.JSONField(default=list)
    issuer = models.CharField(_("issuing organisation"), max_length=100)
    responsible = models.CharField(_("responsible person"), max_length=50)
    handler = models.CharField(_("handled by"), max_length=50)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    content_hash = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer service certificate")
        verbose_name_plural = _("volunteer service certificates")
        indexes = [models.Index(fields=["community", "-issued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="certificate_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
