"""``GET /me/todo``: what waits for the caller (CONTRACT, "Wave 2: daily work")."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from jifen.api.security import caller
from jifen.inbox import selectors

router = Router(tags=["inbox"])


class TodoItemOut(Schema):
    kind: str = Field(description=", ".join(selectors.KINDS))
    count: int = Field(description="how many wait; a kind with none is left out")
    oldest_at: datetime | None = Field(
        description="since when the oldest waits (for activities_tomorrow: the earliest "
        "start; null for take_points and unconsented, which are not a backlog)"
    )
    url: str = Field(description="the page with the filtered list")
    label: str = Field(description="the line's label in the caller's language")


class TodoOut(Schema):
    items: list[TodoItemOut]


@router.get("/me/todo", response=TodoOut)
def todo(request: HttpRequest) -> dict[str, list[dict[str, object]]]:
    """What waits for the caller in every role they hold, only in their regions; oldest
    first (收积分 first for a partner merchant's operator). See docs/inbox.md."""
    return {
        "items": [
            {
                "kind": item.kind,
                "count": item.count,
                "oldest_at": item.oldest_at,
                "url": item.url,
                "label": item.label,
            }
            for item in selectors.todo_for(caller(request))
        ]
    }
