"""Paper history brought in from Excel (电子化、纸质化"双轨制").

A history import is a Batch of Entries: each entry is one row of the file (who, when,
which item, how much, how many points), checked against the rule item's version in
force on that date. Entries wait for approval (the review group, or an administrator
as the second person: CommunityPolicy.import_approval); approval posts each one to the
ledger as a transfer of kind ``imported`` dated by its original service date.

An entry's ``key`` is made from the row's content, so the same file imported twice
finds its rows already there and creates nothing. A people import creates people at
once (staff register residents every day without a second person); its batch only
records what came in.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PEOPLE = "people", _("People")
    HISTORY = "history", _("Service history")


class BatchStatus(models.TextChoices):
    DONE = "done", _("Imported")
    PENDING = "pending", _("Waiting for approval")
    POSTED = "posted", _("Approved and posted")
    REJECTED = "rejected", _("Rejected")


class Batch(models.Model):
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    points = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=BatchStatus.choices)
    # How the community approves history (CommunityPolicy.import_approval), fixed at import.
    approval = models.CharField(max_length=8, blank=True)
    approvals_needed = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["community", "status", "created_at"])]

    def __str__(self) -> str:
        return f"import {self.kind} #{self.pk}"


class Entry(models.Model):
    """One row of a history file: service a person did before the community used Jifen."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="entries")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rule_version = models.ForeignKey(
        "points.RuleVersion", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(max_digits=6, decimal_places=1)
    points = models.PositiveIntegerField()
    service_date = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    # sha256 of the row's content (and of its occurrence among identical rows of the file).
    key = models.CharField(max_length=64)
    # A rejected batch frees its keys, so the corrected file can come in again.
    rejected = models.BooleanField(default=False)
    transfer = models.OneToOneField(
        "points.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "key"],
                condition=Q(rejected=False),
                name="import_entry_once",
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="import_entry_points_positive"),
        ]

    def __str__(self) -> str:
        return f"row {self.row} of {self.batch_id}"


class Approval(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approve = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "approver"], name="import_approval_once")
        ]

    def __str__(self) -> str:
        return f"{'approve' if self.approve else 'reject'} {self.batch_id}"


class Upload(models.Model):
    """A file a staff member checked on the console, kept until they confirm the import
    (a browser cannot send the same file twice without choosing it again)."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=200, blank=True)
    data = models.BinaryField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"upload #{self.pk}"


class PersonTag(models.Model):
    """A tag from a roster (党员、网格员、楼栋长 …), as the people import brought it."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_tags"
    )
    name = models.CharField(max_length=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "name"], name="person_tag_unique")]

    def __str__(self) -> str:
        return self.name
