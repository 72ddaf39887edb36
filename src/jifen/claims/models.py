"""积分申报 and its review: no point enters the ledger before people checked it.

A claim says who served, in what (a rule item, priced by the version in force on
the service date), how much and when, and where it came from: a volunteer's own
declaration, an organisation's unit points, a closed activity's attendance, a
completed service request. Reviews, the appeal and the posting hang off it; its
history is the audit log of all of them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """What created the claim. Sources other than a declaration name their record
    (``source_id``: an attendance, a request, an incident's step) and make at most one
    claim a day from it (an attendance of several days, one per day)."""

    DECLARED = "declared", _("self-declared")
    STAFF = "staff", _("entered by staff")
    ORGANIZATION = "organization", _("organisation points")
    ACTIVITY = "activity", _("activity attendance")
    REQUEST = "request", _("service request")
    INCIDENT = "incident", _("grid incident")
    PROJECT = "project", _("micro-project")


class Provenance(models.TextChoices):
    ON_SITE = "on_site", _("verified on site")
    DECLARED = "declared", _("self-declared")
    # A service request's claim: the resident it was done for confirmed it (or, unanswered,
    # jifen tick did); nobody verified it on site.
    CONFIRMED = "confirmed", _("confirmed by the resident")


class Status(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    REVOKED = "revoked", _("revoked")


class Claim(models.Model):
    # Who served. For organisation points the organisation holds the points and
    # ``person`` is the member who declared them.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name=_("volunteer"),
    )
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("organisation"),
    )
    # The community whose review group checks it and whose ledger it reaches.
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    rule_version = models.ForeignKey(
        "points.RuleVersion",
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name=_("service item"),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=1)
    occurred_on = models.DateField(_("service date"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    points = models.PositiveIntegerField(_("points"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField(null=True, blank=True)
    provenance = models.CharField(_("provenance"), max_length=16, choices=Provenance.choices)
    approvals_needed = models.PositiveSmallIntegerField(default=1)
    sampled = models.BooleanField(
        default=False, help_text="sent to cross-check by the community's random share"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    transfer = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [
            models.Index(fields=["status", "community", "created_at"]),
            models.Index(fields=["person", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "occurred_on"],
                condition=Q(source_id__isnull=False),
                name="claim_once_per_source_and_day",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="claim_quantity_positive"),
            models.CheckConstraint(
                condition=Q(approvals_needed__in=[1, 2]), name="claim_approvals_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule_version.name} × {self.quantity}"

    @property
    def holder(self) -> models.Model:
        return self.organization or self.person


class Photo(models.Model):
    """Evidence, re-encoded on upload: no EXIF (location, device) survives."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="claims/%Y/%m/")
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of claim {self.claim_id}"


class Decision(models.TextChoices):
    APPROVE = "approve", _("approved")
    REJECT = "reject", _("rejected")


class Review(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # A reviewer counts once: the second click of a double click cannot
            # become the second approval of a cross-check.
            models.UniqueConstraint(fields=["claim", "reviewer"], name="review_once_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.decision} of claim {self.claim_id} by {self.reviewer_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("waiting for a decision")
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


class Appeal(models.Model):
    """申诉: the volunteer contests a rejection or the points; another reviewer decides."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="appeal")
    reason = models.CharField(_("reason"), max_length=500)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("decision"), max_length=500, blank=True)
    # Upheld on approved points: the quantity found right, and the points it added.
    quantity = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    points_added = models.PositiveIntegerField(default=0)
    transfer = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"appeal of claim {self.claim_id} ({self.status})"


class Reminder(models.Model):
    """One review reminder per reviewer and week (一周一审核), however often tick runs."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)  # ISO week, e.g. 2026-W47
    pending = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "week"], name="reminder_once_a_week")
        ]

    def __str__(self) -> str:
        return f"reminder {self.week} to {self.person_id}"
