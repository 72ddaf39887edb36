"""Writing a seal into the logs above its community.

``witness`` is called by every domain that seals, inside the transaction that publishes
the seal: the seal and its witnesses commit together or not at all.
"""

import hashlib

from django.utils import timezone

from jifen.regions.models import Level, Region
from jifen.witness.models import Entry, Kind, Log

VERSION = "jifen-checkpoint-v1"
WITNESS_LEVELS = (Level.COUNTY, Level.TOWN)


def line(
    *, community_code: str, kind: str, period: str, subject: str, count: int, root: str, seal: str
) -> str:
    """The entry's line as it enters the chain: its fields joined by tabs."""
    return "\t".join([community_code, kind, period, subject, str(count), root, seal])


def chain(previous: str, entry_line: str) -> str:
    """The chain hash after an entry: SHA-256 of the version, the previous chain hash
    (empty for the first entry) and the entry's line, joined by newlines."""
    return hashlib.sha256("\n".join([VERSION, previous, entry_line]).encode()).hexdigest()


def witnesses_of(community: Region) -> list[Region]:
    """The county and town above (or at) a community, top first."""
    codes = [c for c in community.path.strip("/").split("/")]
    return list(Region.objects.filter(code__in=codes, level__in=WITNESS_LEVELS).order_by("path"))


def witness(
    *,
    community: Region,
    kind: str,
    period: str,
    seal: str,
    root: str,
    count: int,
    subject: str = "",
) -> list[Entry]:
    """Append a published seal to the log of every county and town above ``community``.
    Call inside the publishing transaction."""
    Kind(kind)  # a kind the logs know, or ValueError
    now = timezone.now()
    text = line(
        community_code=community.code,
        kind=kind,
        period=period,
        subject=subject,
        count=count,
        root=root,
        seal=seal,
    )
    written = []
    for region in witnesses_of(community):
        Log.objects.get_or_create(region=region)
        log = Log.objects.select_for_update().get(region=region)
        head = chain(log.head, text)
        written.append(
            Entry.objects.create(
                log=log,
                index=log.size,
                community=community,
                kind=kind,
                period=period,
                subject=subject,
                count=count,
                root=root,
                seal=seal,
                chain=head,
                witnessed_at=now,
            )
        )
        log.size += 1
        log.head = head
        log.save(update_fields=["size", "head", "updated_at"])
    return written
