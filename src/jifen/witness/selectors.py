"""Reading the logs: whether a seal is witnessed, and a region's checkpoint document.

The checkpoint is one JSON document (``checkpoint``): the log's version, region, size,
head and every entry in order, with the chain hash after each. docs/checkpoints.md
specifies it for anyone who keeps a copy. The entries of a log only ever grow, so the
list of a given size is worked out once and cached by size and head.
"""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.months import label, month_bounds
from jifen.lib.workdays import add_working_days
from jifen.regions.models import Level, Region
from jifen.witness.document import VERSION
from jifen.witness.models import WITNESS_LEVELS, Entry, Kind, Log, Signature, SigningKey

ENTRY_FIELDS = ("index", "community", "kind", "period", "subject", "count", "root", "seal", "chain")
# A month with transfers after the last published one is overdue once this many working
# days of the month after it have passed (docs/checkpoints.md, "Gaps").
DUE_WORKING_DAYS = 10
CACHE_SECONDS = 60 * 60 * 24
GAPS_CACHE_SECONDS = 5 * 60

# Where the months with transfers of communities come from: ``register_activity`` is
# called once at start-up by a layer that may read the ledger (ops); the checkpoints know
# no domain. Without one, the document says its gaps were not worked out.
Activity = Callable[[list[int]], dict[int, set[str]]]
_activity: list[Activity] = []


def register_activity(source: Activity) -> None:
    """Name the function that gives, for community ids, the months (``YYYY-MM``) in which
    each had transfers."""
    if source not in _activity:
        _activity.clear()
        _activity.append(source)


def witnessed(
    community: Region, kind: str, period: str, subject: str = "", seal: str | None = None
) -> bool:
    """Is this seal (of ``community``, ``kind``, ``period``, ``subject``) in the logs above
    the community? With ``seal``, only when the witnessed seal is that one."""
    found = Entry.objects.filter(
        community=community, kind=kind, period=period, subject=str(subject)
    )
    if seal is not None:
        found = found.filter(seal=seal)
    return found.exists()


def witness_region(region: Region | None) -> Region | None:
    """The county above (or at) a region, else its town; None for a region above no log."""
    if region is None:
        return None
    if region.level in WITNESS_LEVELS:
        return region
    codes = [c for c in region.path.strip("/").split("/") if c]
    above = list(Region.objects.filter(code__in=codes, level__in=WITNESS_LEVELS))
    above.sort(key=lambda r: (r.level != Level.COUNTY, r.path))
    return above[0] if above else None


def log_of(region: Region | None) -> Log | None:
    if region is None:
        return None
    return Log.objects.filter(region=region).first()


def short_hash(head: str) -> str:
    """The first 8 hex digits of a head, in two groups of four, to read aloud."""
    return f"{head[:4]} {head[4:8]}" if head else ""


def _entries(log: Log) -> list[dict[str, Any]]:
    key = f"witness:entries:{log.pk}:{log.size}:{log.head}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    rows = (
        Entry.objects.filter(log=log, index__lt=log.size)
        .order_by("index")
        .values_list(
            "index",
            "community__code",
            "kind",
            "period",
            "subject",
            "count",
            "root",
            "seal",
            "chain",
        )
    )
    entries = [dict(zip(ENTRY_FIELDS, row, strict=True)) for row in rows.iterator(chunk_size=2000)]
    cache.set(key, entries, CACHE_SECONDS)
    return entries


def _month_after(month: str) -> date:
    _start, end = month_bounds(month)
    return timezone.localtime(end).date()


def overdue(month: str, today: date | None = None) -> bool:
    """Is a month's announcement overdue (past ``DUE_WORKING_DAYS`` of the month after)?"""
    today = today or timezone.localdate()
    return add_working_days(_month_after(month), DUE_WORKING_DAYS) < today


def gaps(region: Region, today: date | None = None) -> list[dict[str, str]] | None:
    """Per community under ``region``, months with transfers and no witnessed month:
    between its first and latest witnessed months ("skipped": a break in its chain, which
    publication refuses, so only a change behind Jifen's back leaves one); before its
    first ("unsealed": from before the community began sealing, which publication
    allows); after its latest, once the announcement is overdue ("overdue"). None when no
    source of activity is known."""
    if not _activity:
        return None
    today = today or timezone.localdate()
    key = f"witness:gaps:{region.pk}:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    communities = dict(
        Region.objects.filter(path__startswith=region.path, level=Level.COMMUNITY).values_list(
            "pk", "code"
        )
    )
    active = _activity[0](list(communities))
    sealed: dict[int, set[str]] = {}
    for community_id, period in (
        Entry.objects.filter(community_id__in=list(communities), kind=Kind.MONTH)
        .values_list("community_id", "period")
        .distinct()
    ):
        sealed.setdefault(community_id, set()).add(period)
    current = label(today.replace(day=1))
    found: list[dict[str, str]] = []
    for community_id, months in active.items():
        done = sealed.get(community_id, set())
        first, latest = min(done, default=""), max(done, default="")
        for month in sorted(months - done):
            if month >= current:
                continue
            if month < first:
                reason = "unsealed"
            elif month < latest:
                reason = "skipped"
            elif overdue(month, today):
                reason = "overdue"
            else:
                continue
            found.append({"community": communities[community_id], "month": month, "reason": reason})
    found.sort(key=lambda g: (g["community"], g["month"]))
    cache.set(key, found, GAPS_CACHE_SECONDS)
    return found


def checkpoint(region: Region, *, with_gaps: bool = True) -> dict[str, Any]:
    """The checkpoint document of a county's or town's log (docs/checkpoints.md)."""
    log = log_of(region)
    size, head = (log.size, log.head) if log else (0, "")
    document: dict[str, Any] = {
        "version": VERSION,
        "region": region.code,
        "level": region.level,
        "size": size,
        "head": head,
        "generated_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entries": _entries(log) if log else [],
    }
    if with_gaps:
        document["gaps"] = gaps(region)
    return document


def coverage(region: Region) -> list[dict[str, Any]]:
    """Per community under a region: the last month witnessed, how many seals of each
    kind (what the checkpoint covers)."""
    rows: dict[int, dict[str, Any]] = {}
    for pk, code, name in Region.objects.filter(
        path__startswith=region.path, level=Level.COMMUNITY
    ).values_list("pk", "code", "name"):
        rows[pk] = {"code": code, "name": name, "last_month": "", "months": 0, "others": 0}
    log = log_of(region)
    if log:
        for community_id, kind, period in Entry.objects.filter(log=log).values_list(
            "community_id", "kind", "period"
        ):
            row = rows.get(community_id)
            if row is None:
                continue
            if kind == Kind.MONTH:
                row["months"] += 1
                row["last_month"] = max(row["last_month"], period)
            else:
                row["others"] += 1
    return sorted(rows.values(), key=lambda r: r["code"])


def page_path(region: Region) -> str:
    return reverse("witness:public", args=[region.code])


def checkpoint_line(community: Region | None, base_url: str = "") -> tuple[str, str] | None:
    """For the paper 公示: a line naming the county's checkpoint (code, size, short hash,
    date) and the URL of its public page (``base_url`` + path). None without a log."""
    region = witness_region(community)
    log = log_of(region)
    if region is None or log is None or not log.size:
        return None
    when = timezone.localtime(log.updated_at).date().isoformat()
    text = _("Checkpoint %(code)s: %(size)s seals, %(hash)s, %(date)s") % {
        "code": region.code,
        "size": log.size,
        "hash": short_hash(log.head),
        "date": when,
    }
    return text, base_url.rstrip("/") + page_path(region)


def logs_under(region: Region) -> Iterable[Log]:
    return Log.objects.filter(region__path__startswith=region.path).select_related("region")


MAX_CODE = 32


def checkpoint_region(code: str) -> Region | None:
    """The county or town of that code, or None (any other code, or an absurd one)."""
    if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE:
        return None
    return Region.objects.filter(code=code, level__in=WITNESS_LEVELS).first()


def public_keys(region: Region) -> list[dict[str, Any]]:
    """Every signing key the region has had, current first, for checking signatures."""
    return [
        {
            "fingerprint": key.fingerprint,
            "algorithm": "ed25519",
            "public_key": key.public_pem,
            "created_at": key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "superseded_at": key.superseded_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if key.superseded_at
            else None,
        }
        for key in SigningKey.objects.filter(region=region).order_by("-created_at", "-id")
    ]


def signatures(region: Region, limit: int = 24) -> list[Signature]:
    return list(
        Signature.objects.filter(region=region)
        .select_related("key", "signed_by")
        .order_by("-signed_at", "-id")[:limit]
    )
