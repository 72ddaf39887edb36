from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import NotFound
from jifen.regions.models import Level, Region


def get_region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound(
            _("No region has the code %(code)s."),
            code="unknown_region",
            field="region",
            params={"code": code},
        ) from None


def subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def ancestors(region: Region) -> QuerySet[Region]:
    """The region and every region above it."""
    return Region.objects.filter(code__in=region.ancestor_codes())


def communities_under(region: Region) -> QuerySet[Region]:
    return subtree(region).filter(level=Level.COMMUNITY)
