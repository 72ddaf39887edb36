"""``jifen verify --against FILE``: hold an earlier checkpoint against the server today.

A checkpoint file (``GET /public/checkpoints/{code}``, docs/checkpoints.md) is what a
town's or county's office, or anyone, kept. Against it this checks:

1. the file itself: a checkpoint whose entries chain to its head, and, when it carries a
   signature, that the signature verifies against one of the region's published keys;
2. consistency: today's log of that region holds the file's entries unchanged at the
   same places (the same chain at the file's size), and its own chain still adds up;
3. every seal the file covered: the month, disclosure or statement still has that seal,
   and the seal still recomputes from today's data (a month's transfers through
   publicity's leaf code, a disclosure's fields and files, a statement's lines).

An insider who rewrites a sealed month thoroughly — its transfers, the balances, the
announcement's root, seal and leaves, and the log's entries with their chain — still
cannot make today's log extend a checkpoint someone kept from before: step 2 names the
community and month. Exit codes: 0 all holds (one summary line), 1 something changed
(one line each), 2 the file cannot be used (unreadable, not a checkpoint, forged).
"""

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jifen.disclosure import services as disclosures
from jifen.disclosure.models import Disclosure
from jifen.points.models import Transfer
from jifen.publicity import seal as month_seal
from jifen.publicity import services as publicity
from jifen.publicity.models import Announcement, Status
from jifen.witness import document
from jifen.witness.models import Entry, Kind, Log, SigningKey
from jifen.witness.selectors import checkpoint_region, short_hash

MAX_FILE_BYTES = 256 * 1024 * 1024
OK, CHANGED, UNUSABLE = 0, 1, 2


@dataclass
class Outcome:
    code: int
    lines: list[str] = field(default_factory=list)
    summary: str = ""


# --- The months with transfers (the gaps of a checkpoint) --------------------------------------


def transfer_months(community_ids: list[int]) -> dict[int, set[str]]:
    """For communities (ids), the months (``YYYY-MM``, local time) with transfers in them:
    registered with the checkpoints at start-up, which read the gaps from it."""
    found: dict[int, set[str]] = {}
    if not community_ids:
        return found
    rows = (
        Transfer.objects.filter(region_id__in=community_ids)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("region_id", "month")
        .distinct()
    )
    for region_id, month in rows:
        if month is not None:
            found.setdefault(region_id, set()).add(month.strftime("%Y-%m"))
    return found


# --- Reading the file --------------------------------------------------------------------------


def read(path: str | Path) -> bytes:
    """The file's bytes, or ``document.Unreadable`` naming why not."""
    target = Path(path)
    try:
        if not target.is_file():
            raise document.Unreadable(f"{path} is not a file")
        if target.stat().st_size > MAX_FILE_BYTES:
            raise document.Unreadable(f"{path} is larger than any checkpoint ({MAX_FILE_BYTES})")
        return target.read_bytes()
    except OSError as exc:
        raise document.Unreadable(f"{path} cannot be read: {exc.strerror or exc}") from None


def against(path: str | Path) -> Outcome:
    try:
        raw = read(path)
    except document.Unreadable as exc:
        return Outcome(UNUSABLE, summary=f"the checkpoint file cannot be used: {exc}")
    return check(raw)


def check(raw: bytes) -> Outcome:
    """Hold the checkpoint file's bytes against the server (see the module's doc)."""
    try:
        held = document.parse(raw)
    except document.Unreadable as exc:
        return Outcome(UNUSABLE, summary=f"the checkpoint file cannot be used: {exc}")
    region = checkpoint_region(held["region"])
    if region is None:
        return Outcome(
            UNUSABLE,
            summary=f"the checkpoint file names {held['region'][:40]!r}, "
            "which is no county or town of this server",
        )
    signed = ""
    if "signature" in held or "key" in held:
        keys = dict(
            SigningKey.objects.filter(region=region).values_list("fingerprint", "public_pem")
        )
        try:
            signed = document.verify(held, keys)
        except document.Unreadable as exc:
            return Outcome(UNUSABLE, summary=f"the checkpoint file's signature fails: {exc}")
    lines = list(_log_lines(region, held))
    counts: Counter[str] = Counter()
    notes: list[str] = []
    for entry in held["entries"]:
        counts[str(entry["kind"])] += 1
        lines.extend(_seal_lines(entry, notes))
    if lines:
        return Outcome(CHANGED, lines=lines, summary=f"{len(lines)} change(s) since the checkpoint")
    log = Log.objects.filter(region=region).first()
    size = log.size if log else 0
    covered = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no seals"
    summary = (
        f"checkpoint {region.code} of size {held['size']} (head {short_hash(held['head'])}) holds: "
        f"today's log extends it to size {size}; its seals ({covered}) are unchanged and "
        "recompute from today's data"
    )
    if signed:
        summary += f"; its signature verifies (key {signed[:16]})"
    if notes:
        summary += "; " + "; ".join(notes)
    return Outcome(OK, summary=summary)


# --- 2. Today's log against the file's ---------------------------------------------------------


def _where(entry: dict[str, Any]) -> str:
    kind, period, subject = entry.get("kind"), entry.get("period"), entry.get("subject")
    if kind == Kind.MONTH:
        return f"community {entry.get('community')} month {period}"
    return f"community {entry.get('community')} {kind} {subject} ({period})"


def _log_lines(region: Any, held: dict[str, Any]) -> Iterator[str]:
    log = Log.objects.filter(region=region).first()
    rows = (
        Entry.objects.filter(log=log)
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
        if log
        else []
    )
    names = ("index", "community", "kind", "period", "subject", "count", "root", "seal", "chain")
    today = [dict(zip(names, row, strict=True)) for row in rows]
    size = int(held["size"])
    if len(today) < size:
        yield (
            f"log {region.code}: today it holds {len(today)} entries, fewer than the "
            f"{size} of the checkpoint; the last ones are gone"
        )
        for entry in held["entries"][len(today) :]:
            yield f"{_where(entry)}: its witnessed seal is no longer in the log"
    for then, now in zip(held["entries"], today, strict=False):
        fields = [f for f in document.LINE_FIELDS if str(then[f]) != str(now[f])]
        if fields:
            if "seal" in fields:
                detail = (
                    f"witnessed with seal {then['seal'][:16]} in the checkpoint, "
                    f"the log now says {str(now['seal'])[:16]}"
                )
            else:
                detail = f"its entry #{then['index']} was rewritten ({', '.join(fields)})"
            yield f"{_where(then)}: {detail}"
    # Today's log on its own: its chain still adds up, and it extends the file's head.
    previous = ""
    broken = False
    for now in today:
        expected = document.chain(previous, document.line(now))
        if now["chain"] != expected and not broken:
            broken = True
            yield f"log {region.code}: its chain does not add up from entry #{now['index']} on"
        previous = expected
        if now["index"] == size - 1 and expected != held["head"]:
            yield (
                f"log {region.code}: it no longer extends the checkpoint: at size {size} its "
                f"head is {short_hash(expected)}, the checkpoint's is {short_hash(held['head'])}"
            )
    if log is not None and today and previous != log.head:
        yield f"log {region.code}: its stored head is not the chain of its entries"


# --- 3. Every seal the file covered, against today's data --------------------------------------


def _seal_lines(entry: dict[str, Any], notes: list[str]) -> Iterator[str]:
    where = _where(entry)
    checks: dict[str, Callable[[dict[str, Any], list[str]], Iterator[str]]] = {
        Kind.MONTH: _month,
        Kind.DISCLOSURE: _disclosure,
        Kind.STATEMENT: _statement,
    }
    run = checks.get(entry["kind"])
    if run is None:
        yield f"{where}: the checkpoint holds a kind of seal this server does not know"
        return
    try:
        for problem in run(entry, notes):
            yield f"{where}: {problem}"
    except Exception as exc:  # noqa: BLE001 - a check that cannot run is a line, never a crash
        yield f"{where}: could not be recomputed: {type(exc).__name__}: {exc}"


def _compare(entry: dict[str, Any], stored: str, now: tuple[int, str, str]) -> Iterator[str]:
    count, root, seal = now
    if stored != entry["seal"]:
        yield (
            f"sealed {entry['seal'][:16]} in the checkpoint, the server now shows "
            f"{stored[:16] or 'no seal'}"
        )
    if (count, root, seal) != (int(entry["count"]), entry["root"], entry["seal"]):
        yield (
            f"today's data give root {root[:16]} over {count} entries and seal {seal[:16]}, "
            f"the checkpoint holds root {str(entry['root'])[:16]} over {entry['count']} "
            f"and seal {str(entry['seal'])[:16]}"
        )


def month_seal_now(announcement: Announcement) -> tuple[int, str, str]:
    """(count, root, seal) of a published month recomputed from today's transfers with
    publicity's leaf code, under the month's own leaf format (v1 or v2)."""
    version = int(getattr(announcement, "version", month_seal.V1) or month_seal.V1)
    if version == month_seal.V1:
        ids, leaves = publicity.month_leaves(announcement.community, announcement.month)
        totals = None
    else:
        salts = month_seal.unpack_salts(announcement.salts)
        month = publicity.month_leaves_v2(announcement.community, announcement.month, salts)
        leaves, totals = month.leaves, month.totals
    root = month_seal.root(leaves).hex()
    seal = month_seal.seal_of(
        version,
        announcement.community.code,
        announcement.month,
        len(leaves),
        root,
        announcement.previous_seal,
        totals,
    )
    return len(leaves), root, seal


def _month(entry: dict[str, Any], notes: list[str]) -> Iterator[str]:
    announcement = (
        Announcement.objects.filter(
            community__code=entry["community"], month=entry["period"], status=Status.PUBLISHED
        )
        .select_related("community")
        .first()
    )
    if announcement is None:
        yield "its published announcement is gone"
        return
    yield from _compare(entry, announcement.seal, month_seal_now(announcement))


def _disclosure(entry: dict[str, Any], notes: list[str]) -> Iterator[str]:
    subject = str(entry["subject"])
    item = (
        Disclosure.objects.filter(pk=int(subject), region__code=entry["community"])
        .select_related("region")
        .first()
        if subject.isdigit() and len(subject) <= 18
        else None
    )
    if item is None:
        yield "the disclosure is gone"
        return
    yield from _compare(entry, item.seal, disclosures.seal_now(item))


def _statement(entry: dict[str, Any], notes: list[str]) -> Iterator[str]:
    subject = str(entry["subject"])
    try:
        model = apps.get_model("party", "Statement")
        seal_now = importlib.import_module("jifen.party.services").statement_seal_now
    except (LookupError, ImportError, AttributeError):
        note = "statements not recomputed: this server has no statement_seal_now"
        if note not in notes:
            notes.append(note)
        return
    statement = (
        model.objects.filter(organization_id=int(subject), quarter=entry["period"]).first()
        if subject.isdigit() and len(subject) <= 18
        else None
    )
    if statement is None:
        yield "the statement is gone"
        return
    yield from _compare(entry, statement.seal, seal_now(statement))
