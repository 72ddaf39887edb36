"""What waits for someone: the shape every domain's to-do counts answer in."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Waiting:
    """How many things wait, and since when the oldest has (None when none does, or when
    the line is not a backlog)."""

    count: int
    oldest_at: datetime | None
