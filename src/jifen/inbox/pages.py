"""The to-do as the home pages show it: each line a label, a count, how long the oldest
has waited (最早 3 天前) and a link."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.inbox import selectors
from jifen.people.models import Person


@dataclass(frozen=True)
class Line:
    kind: str
    label: str
    count: int
    waited: str
    url: str


def waited(item: selectors.Item, now: datetime) -> str:
    """How long the oldest has waited, in words; for tomorrow's activities, when the
    first starts."""
    if item.oldest_at is None:
        return ""
    if item.kind == "activities_tomorrow":
        return _("tomorrow from %(time)s") % {
            "time": timezone.localtime(item.oldest_at).strftime("%H:%M")
        }
    seconds = max((now - item.oldest_at).total_seconds(), 0)
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days:
        return ngettext("oldest %(n)s day ago", "oldest %(n)s days ago", days) % {"n": days}
    if hours:
        return ngettext("oldest %(n)s hour ago", "oldest %(n)s hours ago", hours) % {"n": hours}
    return _("oldest less than an hour ago")


def lines_for(person: Person, sides: tuple[str, ...]) -> list[Line]:
    now = timezone.now()
    return [
        Line(item.kind, item.label, item.count, waited(item, now), item.url)
        for item in selectors.todo_for(person, sides, now)
    ]
