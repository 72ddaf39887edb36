"""驻区单位 and 红色积分联盟: unit accounts, the alliance, unit spending.

A unit (``people.Organization``) earns unit points through claims (its contact declares
its service, the review group reviews it, the approval posts to the unit's account). This
package keeps what is the units' own:

- the alliance (红色积分联盟) of a community: a unit's contact asks to join, staff accept
  or decline with a reason; a member leaves (or staff take it off) with a reason. The
  statuses and the steps between them are the table ``STEPS`` and nothing else; every
  step taken is a row of ``AllianceEvent``;
- what a community lets its units spend their points on (``SpendingUse``, e.g. 赞助积分
  超市: sponsoring the supermarket's stock) and each such spending (``Spending``): a
  ledger transfer from the unit's account to the community's supermarket account. Unit
  points never go to a person: the ledger has no such flow (points.ledger.ALLOWED_FLOWS).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NOTE_MAX = 200
USE_NAME_MAX = 40
USE_DESCRIPTION_MAX = 500
MEMO_MAX = 100
MAX_CONTACTS = 10


class AllianceStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("alliance status", "asked to join")
    MEMBER = "member", pgettext_lazy("alliance status", "in the alliance")
    DECLINED = "declined", pgettext_lazy("alliance status", "declined")
    LEFT = "left", pgettext_lazy("alliance status", "left")


@dataclass(frozen=True)
class Step:
    """One step of a membership: from which statuses to which, and who takes it —
    ``contact`` (a contact of the unit), ``staff`` (MANAGE_UNITS over the community) or
    either (``both``)."""

    name: str
    sources: frozenset[str]
    target: str
    by: str

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


A = AllianceStatus
# The workflow, whole. A unit's contact asks to join (first time, or again after a
# decline or after leaving); staff accept or decline, with a reason for a decline; the
# contact may withdraw the request before it is decided; a member leaves (its contact) or
# is taken off (staff), with a reason either way.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #    step         from                                 to           by
    Step("request",   frozenset({A.DECLINED, A.LEFT}),     A.REQUESTED, "contact"),
    Step("accept",    frozenset({A.REQUESTED}),            A.MEMBER,    "staff"),
    Step("decline",   frozenset({A.REQUESTED}),            A.DECLINED,  "staff"),
    Step("withdraw",  frozenset({A.REQUESTED}),            A.LEFT,      "contact"),
    Step("leave",     frozenset({A.MEMBER}),               A.LEFT,      "both"),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "request": pgettext_lazy("alliance step", "asked to join"),
    "accept": pgettext_lazy("alliance step", "accepted into the alliance"),
    "decline": pgettext_lazy("alliance step", "request declined"),
    "withdraw": pgettext_lazy("alliance step", "request withdrawn"),
    "leave": pgettext_lazy("alliance step", "left the alliance"),
}
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(step.target for step in STEPS.values() if status in step.sources)
    for status in AllianceStatus.values
}


def may_take(step: str, status: str) -> bool:
    return status in STEPS[step].sources


class AllianceMembership(models.Model):
    """A unit in (or asking to join) a community's 红色积分联盟: one row per unit and
    community, its status moved only by ``STEPS``."""

    organization = models.ForeignKey(
        "people.Organization", on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=AllianceStatus.choices, default=A.REQUESTED
    )
    # Why it was declined, or why it left: shown to the unit's contacts.
    reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    requested_at = models.DateTimeField()
    joined_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "community"], name="units_alliance_one_per_community"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AllianceStatus.values), name="units_alliance_status_known"
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.community_id}: {self.status}"


class AllianceEvent(models.Model):
    """One step taken: who, when, from what to what, with what note."""

    membership = models.ForeignKey(
        AllianceMembership, on_delete=models.CASCADE, related_name="events"
    )
    step = models.CharField(max_length=10)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} of membership {self.membership_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS.get(self.step, self.step)


class SpendingUse(models.Model):
    """What a community lets its units spend unit points on (staff keep the list); none
    means unit points are not spent there at all."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("use"), max_length=USE_NAME_MAX)
    description = models.CharField(_("description"), max_length=USE_DESCRIPTION_MAX, blank=True)
    is_active = models.BooleanField(_("allowed now"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="units_use_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Spending(models.Model):
    """A unit's points spent on an allowed use: the ledger transfer it made, and why."""

    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    use = models.ForeignKey(SpendingUse, on_delete=models.PROTECT, related_name="spendings")
    amount = models.BigIntegerField(_("points"))
    memo = models.CharField(_("memo"), max_length=MEMO_MAX, blank=True)
    transfer = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="units_spending_positive")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.amount}"
