"""站内消息's reads: a person's own notices only."""

from django.db.models import QuerySet

from jifen.notices.models import Notice
from jifen.people.models import Person


def notices_of(person: Person, *, unread: bool = False) -> QuerySet[Notice]:
    """The person's notices, newest first; only the unread ones with ``unread``."""
    notices = Notice.objects.filter(person=person)
    if unread:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def unread_count(person: Person) -> int:
    """What the bell shows: one COUNT on the partial index of unread notices."""
    return Notice.objects.filter(person=person, read_at__isnull=True).count()
