"""志愿服务活动: filing (备案), recruitment, attendance, and the hours that become claims.

An activity is filed by staff, approved by a reviewer (which publishes it) or sent
back to staff with the reviewer's comments (then fixed and submitted again),
recruits volunteers up to its capacity (then a waitlist), records who came and
when (by the activity's rotating QR code, by the volunteer's card, or from a paper
sheet), and on closing turns each attendance into a pending claim verified on site.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for filing")
    RETURNED = "returned", _("sent back for changes")
    PUBLISHED = "published", _("published")
    CLOSED = "closed", _("closed")
    SETTLED = "settled", _("settled")
    CANCELLED = "cancelled", _("cancelled")


# The steps an activity may take, and the only place that says so: the services look
# each step up here and refuse any other with 409 ``wrong_status`` naming the status.
STEPS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset(
        {
            Status.SUBMITTED,  # staff submit it for filing (备案)
            Status.PUBLISHED,  # a reviewer may approve a draft directly (wave 1)
            Status.CANCELLED,
        }
    ),
    Status.SUBMITTED: frozenset(
        {
            Status.PUBLISHED,  # the reviewer approves the filing
            Status.RETURNED,  # or sends it back with comments (issue 13)
            Status.CANCELLED,
        }
    ),
    # Staff fix what the reviewer asked for and submit it again; a reviewer does not
    # approve it before staff have answered the comments.
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.PUBLISHED: frozenset({Status.CLOSED, Status.CANCELLED}),
    Status.CLOSED: frozenset({Status.SETTLED}),  # jifen tick, once its claims are decided
    Status.SETTLED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Statuses whose activity staff may still edit: before publication freely, once
# published with an audited change and a notice to those signed up.
EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED)


def may_step(status: str, to: str) -> bool:
    return to in STEPS.get(status, frozenset())


def _new_secret() -> str:
    return secrets.token_hex(16)


class Activity(models.Model):
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    # A community's activity, or a town-wide one (then residents of every community
    # below it see it).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    place = models.CharField(_("place"), max_length=200)
    rule_item = models.ForeignKey(
        "points.RuleItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service item"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organiser"),
    )
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organising team"),
    )
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organising organisation"),
    )
    tags = models.CharField(_("requirements"), max_length=200, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    risk_notes = models.CharField(_("risks and precautions"), max_length=500, blank=True)
    needs_insurance = models.BooleanField(_("insurance needed"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The reviewer's comments when the filing was last sent back; kept after the
    # resubmission so the reviewer sees what was asked (every step is in the audit log).
    review_comment = models.CharField(_("reviewer's comments"), max_length=500, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    # The key of the rotating QR code; never leaves the server.
    qr_secret = models.CharField(max_length=32, default=_new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="activity_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("on the waiting list")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Signup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SignupStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=~Q(status="withdrawn"),
                name="signup_once_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.activity_id} ({self.status})"


class Method(models.TextChoices):
    QR = "qr", _("scanned the activity's QR code")
    CARD = "card", _("card scanned by the organiser")
    STAFF = "staff", _("checked in by staff")
    PAPER = "paper", _("recorded from a paper sheet")


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checkin_at = models.DateTimeField(_("check-in"))
    checkout_at = models.DateTimeField(_("check-out"), null=True, blank=True)
    method = models.CharField(_("recorded by"), max_length=8, choices=Method.choices)
    checkout_method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    auto_checkout = models.BooleanField(_("checked out automatically"), default=False)
    # Who recorded it (the organiser scanning a card, staff typing a paper sheet) and
    # from which device: the signals a reviewer's flags are computed from.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checkin_at", "id"]
        constraints = [
            # A second check-in finds this row: idempotent, never a duplicate.
            models.UniqueConstraint(fields=["activity", "person"], name="attendance_once"),
            # One open attendance per person, whatever the activity.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(checkout_at__isnull=True),
                name="attendance_one_open",
            ),
            models.CheckConstraint(
                condition=Q(checkout_at__isnull=True) | Q(checkout_at__gt=models.F("checkin_at")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["person", "checkin_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.activity_id}"
