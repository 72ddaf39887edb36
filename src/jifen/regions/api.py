from django.http import HttpRequest
from ninja import Router, Schema

from jifen.regions.models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


@router.get("", auth=None, response=list[RegionOut])
def list_regions(request: HttpRequest, level: str = "") -> list[dict[str, object]]:
    """The public tree of regions (names and codes only), e.g. to choose a community."""
    regions = Region.objects.select_related("parent").order_by("path")
    if level:
        regions = regions.filter(level=level)
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent": r.parent.code if r.parent else None,
        }
        for r in regions
    ]
