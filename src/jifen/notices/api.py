"""站内消息 over HTTP: the caller's own notices, newest first, and marking them read.

Only ever the caller's: another person's notice answers 404 ``not_found``, exactly as
one that does not exist, so an id tells nothing.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import Id
from jifen.api.security import caller
from jifen.lib.pagination import Paging
from jifen.notices import selectors, services
from jifen.notices.models import Notice

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str = Field(description="what it is about, e.g. claim_decided, order_cancelled")
    title: str = Field(description="in the caller's language (Accept-Language)")
    body: str
    url: str = Field(description="the page of the site it is about (a path); may be empty")
    created_at: datetime
    read_at: datetime | None

    # The words in the caller's active language (notices kept before they were said so
    # read as stored).
    @staticmethod
    def resolve_title(notice: Notice) -> str:
        return notice.shown_title

    @staticmethod
    def resolve_body(notice: Notice) -> str:
        return notice.shown_body


class NoticeFilters(Schema):
    unread: bool = Field(False, description="only the notices not read yet")


class ReadAllOut(Schema):
    read: int = Field(description="how many notices were marked read")


@router.get("/me/notices", response=list[NoticeOut])
@paginate(Paging)
def my_notices(request: HttpRequest, filters: Query[NoticeFilters]) -> QuerySet[Notice]:
    """The caller's notices, newest first; ``unread=true`` for those not read yet."""
    return selectors.notices_of(caller(request), unread=filters.unread)


# Registered before /me/notices/{notice_id}/read so "read-all" is never taken for an id.
@router.post("/me/notices/read-all", response=ReadAllOut)
def read_all(request: HttpRequest) -> dict[str, int]:
    """Mark every unread notice of the caller read."""
    return {"read": services.mark_all_read(person=caller(request))}


@router.post("/me/notices/{notice_id}/read", response=NoticeOut)
def read(request: HttpRequest, notice_id: Id) -> Notice:
    """Mark one of the caller's notices read; reading it again keeps the first time."""
    return services.mark_read(person=caller(request), notice=notice_id)
