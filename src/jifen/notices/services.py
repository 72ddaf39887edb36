"""站内消息's writes: every notice the site sends is kept for its person, read, and pruned.

``send`` is what every domain calls instead of ``lib.notify.send``: it stores one notice
per message in the caller's transaction, then hands the same messages to the configured
backend (console, email, an SMS or WeChat class) once the transaction commits, as the
domains did before. A rolled-back change leaves neither a notice nor a message.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from jifen.lib import notify
from jifen.lib.errors import NotFound
from jifen.notices import texts
from jifen.notices.models import BODY_LENGTH, KIND_LENGTH, TITLE_LENGTH, URL_LENGTH, Notice, clip
from jifen.people.models import Person

# Kept for a year (issue 13), then ``prune`` (from ``jifen tick``) deletes them.
KEEP = timedelta(days=365)
PRUNE_BATCH = 5000


def _local_url(url: str) -> str:
    """A path of this site, or nothing: the list links to it and the open view redirects
    to it, so it must never lead a person elsewhere."""
    url = (url or "").strip()
    if not url.startswith("/") or len(url) > URL_LENGTH:
        return ""
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


def _notice(message: notify.Message, now: datetime) -> Notice:
    person = message.person
    title, body = texts.split(str(message.subject), str(message.body))
    return Notice(
        person_id=person.pk,
        region_id=getattr(person, "community_id", None),
        kind=str(message.kind)[:KIND_LENGTH],
        title=clip(title, TITLE_LENGTH),
        body=clip(body, BODY_LENGTH),
        url=_local_url(message.url),
        # Said with notices.texts: rendered again in each reader's language.
        texts=texts.as_texts(message.subject, message.body),
        created_at=now,
    )


def send(messages: Sequence[notify.Message], *, after_commit: bool = True) -> int:
    """Keep each message as its person's notice now, in the caller's transaction, and
    give the messages to the notify backend after it commits. Returns how many notices
    were kept.

    With ``after_commit=False`` (a scheduled job that runs outside any transaction, such
    as the reviewers' weekly reminder) the backend is called at once and its count (how
    many it reached) is returned, as ``notify.send`` did.
    """
    messages = [m for m in messages if m.person is not None and m.person.pk is not None]
    if not messages:
        return 0
    now = timezone.now()
    Notice.objects.bulk_create([_notice(m, now) for m in messages])
    if not after_commit:
        return notify.send(messages)
    # Robust: a mail server that is down after the change committed must not turn the
    # person's request into an error page; the notice is kept in the app all the same.
    transaction.on_commit(lambda: notify.send(messages), robust=True)
    return len(messages)


def mark_read(*, person: Person, notice: int) -> Notice:
    """The person's own notice, marked read (once: the first reading's time stays).
    Another person's notice, or none, is ``not_found``: it never says it exists."""
    found = Notice.objects.filter(pk=notice, person=person).first()
    if found is None:
        raise NotFound(_("There is no such notice."))
    if found.read_at is None:
        now = timezone.now()
        # Compare-and-set: two tabs opening it at once keep the first time.
        if Notice.objects.filter(pk=found.pk, read_at__isnull=True).update(read_at=now):
            found.read_at = now
        else:
            found.refresh_from_db(fields=["read_at"])
    return found


def mark_all_read(*, person: Person) -> int:
    """Every unread notice of the person, read now; returns how many."""
    return Notice.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())


def prune(now: datetime | None = None) -> int:
    """(For ``jifen tick``.) Delete notices older than a year, read or not; returns how
    many. In batches, so a large county's first run holds no long lock; safe to run
    twice or on two nodes at once."""
    cutoff = (now or timezone.now()) - KEEP
    old = Notice.objects.filter(created_at__lt=cutoff)
    deleted = 0
    while True:
        batch = list(old.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return deleted
        count, _per_model = Notice.objects.filter(pk__in=batch).delete()
        deleted += count
