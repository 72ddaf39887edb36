"""村务/居务公开: what a village, community, town or county publishes, and when it must.

A ``Disclosure`` is one published item of a region under one heading of 村民委员会组织法
§30 / GB/T 41374 (``Category``): a title, a body, an optional table (rows of cells; money
columns hold integer fen), attachments (PDF or pictures) and, for a 村级月报, its seven
sections. Nothing published is ever edited: a correction is a new row, the next
``version`` of the same ``series`` (the first version's id); the old row stays readable,
``is_current`` false, pointing to the one that replaced it. Items link into a thread (a
lease notice → its bids → the contract → the receipts): each names the series it
``follows``, and all share the ``thread`` of the first.

A ``Schedule`` is one line of the region's disclosure calendar: a category published
monthly, quarterly or yearly, due by a day of the month after the period. An item that
names a ``period`` (``2026-11``, ``2026Q4``, ``2026``) fulfils that period's obligation;
``selectors.missing`` lists the periods past due with no item.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    """The headings of 村民委员会组织法 §30 and GB/T 41374 村务管理事项分类."""

    FINANCE = "finance", pgettext_lazy("disclosure category", "Finance")
    ASSETS = "assets", pgettext_lazy("disclosure category", "Assets")
    CONTRACTS = "contracts", pgettext_lazy("disclosure category", "Contracts")
    LEASES = "leases", pgettext_lazy("disclosure category", "Leases and tenders")
    PROJECTS = "projects", pgettext_lazy("disclosure category", "Projects")
    WELFARE = "welfare", pgettext_lazy("disclosure category", "Welfare and relief lists")
    DECISIONS = "decisions", pgettext_lazy("disclosure category", "Decisions")
    OTHER = "other", pgettext_lazy("disclosure category", "Other")


class Kind(models.TextChoices):
    ITEM = "item", _("disclosure")
    MONTHLY_REPORT = "monthly_report", _("monthly finance report")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    YEARLY = "yearly", _("yearly")


class Disclosure(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="disclosures"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ITEM)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # {"columns": [{"name": str, "money": bool}], "rows": [[str | int]]}: money cells in fen.
    table = models.JSONField(default=dict, blank=True)
    # A 村级月报: {"month": "2026-11", "sections": {key: {"lines": [{"label", "amount"}],
    # "total": fen}}, "matters": str} (services.REPORT_SECTIONS).
    report = models.JSONField(default=dict, blank=True)
    # The period of the calendar this item fulfils: "2026-11", "2026Q4", "2026" or "".
    period = models.CharField(max_length=8, blank=True, db_index=True)
    # 重大事项即时公开: the day of the decision or change this item makes known.
    decided_on = models.DateField(null=True, blank=True)
    # Versions: every version of one item shares ``series`` (the first version's id).
    series = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    correction_note = models.CharField(max_length=500, blank=True)
    # The thread: the series this item follows, and the series of the thread's first item.
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Counted on the series' first version (a correction keeps the count).
    views = models.PositiveBigIntegerField(default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField()
    # The seal (seal.py) over the content, chained to the region's previous sealed
    # disclosure and witnessed above the region. Empty for items published before
    # disclosures were sealed: they stay as they were, marked as not sealed.
    content_root = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64, blank=True, db_index=True)
    previous_seal = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["region", "category", "-published_at"],
                name="disclosure_region_cat",
                condition=Q(is_current=True),
            ),
            models.Index(fields=["thread", "published_at"], name="disclosure_thread"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="disclosure_one_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="disclosure_version_pos"),
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="attachments")
    # A correction carries the files forward: the same stored file, a row per version.
    file = models.FileField(upload_to="disclosure/%Y/%m/", max_length=200)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # SHA-256 (hex) of the file's bytes, sealed with the disclosure.
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Schedule(models.Model):
    """One line of a region's disclosure calendar (公开目录): ``category`` published every
    ``frequency``, due by ``due_day`` of the month after the period ends, from the
    period holding ``starts_on`` on."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    due_day = models.PositiveSmallIntegerField(default=10)
    starts_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__path", "category"]
        constraints = [
            models.UniqueConstraint(fields=["region", "category"], name="disclosure_one_schedule"),
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28), name="disclosure_due_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.category} {self.frequency}"
