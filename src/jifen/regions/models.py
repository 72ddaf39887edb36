"""The tenancy tree: county → town → community → compound → grid → building.

Every piece of community data carries a region key. A role held over a region
reaches everything below it; ``path`` makes "everything below" one indexed
prefix query on SQLite and PostgreSQL alike.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    TOWN = "town", _("Town / street")
    COMMUNITY = "community", _("Community / village")
    COMPOUND = "compound", _("Compound")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")


# Depth order of the levels: a child is always strictly deeper than its parent.
LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


class Region(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # "/<root code>/<child code>/.../<own code>/": the subtree of R is path__startswith=R.path.
    path = models.CharField(max_length=400, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def is_within(self, other: "Region") -> bool:
        """True when this region is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this region, this one included."""
        return [code for code in self.path.split("/") if code]
