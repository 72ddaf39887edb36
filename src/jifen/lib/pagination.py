from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from jifen.lib.bounds import MAX_LIMIT, MAX_OFFSET


def paginate(request: HttpRequest, items: Any, per_page: int = 25) -> Page[Any]:
    """The page asked for in ``?page=``; a bad or too large number gives the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class Paging(LimitOffsetPagination):
    """``?limit=&offset=`` of every list of the API, bounded (CONTRACT): beyond the bounds
    is a 400, never a number the database cannot take (2^63 answered 500)."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"at most {MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"at most {MAX_OFFSET:,}")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
