"""每月一统计、每月一公示: drafting, publishing and sealing a community's month, and the
objections residents file against it.

Drafting works out the month's figures; publication (by the review group) works them
out again from the ledger, seals the month (``seal.py``) and opens the objection
window. Transfers are append-only and dated when posted, so a sealed month's rows never
change; ``check_seals`` (run by ``jifen verify``) proves it and names any that did.
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib import notify
from jifen.lib.errors import Conflict, InvalidInput, NotFound
from jifen.lib.months import label, month_bounds, parse_month, previous_month, this_month
from jifen.notices import services as notices
from jifen.notices import texts
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import Adjustment, AdjustmentStatus, Transfer
from jifen.points.services import policy_for
from jifen.publicity import rankings, seal
from jifen.publicity import selectors as figures
from jifen.publicity.models import Announcement, Objection, ObjectionStatus, Status
from jifen.publicity.seal import pack_leaves, unpack_leaves
from jifen.regions.models import Level, Region
from jifen.witness.models import Kind
from jifen.witness.services import witness


def month_transfers(community: Region, month: str) -> Any:
    start, end = month_bounds(month)
    return Transfer.objects.filter(region=community, created_at__gte=start, created_at__lt=end)


def month_leaves(community: Region, month: str) -> tuple[list[int], list[bytes]]:
    """Transfer ids and v1 leaf hashes of the community's month, in id order."""
    ids: list[int] = []
    leaves: list[bytes] = []
    rows = month_transfers(community, month).order_by("pk").values_list(*seal.FIELDS)
    for row in rows.iterator(chunk_size=5000):
        ids.append(row[0])
        leaves.append(seal.leaf_hash(seal.entry(row)))
    return ids, leaves


@dataclass
class MonthLeaves:
    """A month's leaves under v2: transfer ids and leaf hashes in id order, the salts
    they were made with, and the totals worked out from the same public lines."""

    ids: list[int]
    leaves: list[bytes]
    salts: dict[int, bytes]
    totals: dict[str, int]


def month_leaves_v2(
    community: Region, month: str, salts: dict[int, bytes] | None = None
) -> MonthLeaves:
    """The month's v2 leaves: with the salts stored at sealing (``jifen verify``; a
    transfer without one, written after sealing, gets an empty salt), or fresh random
    salts (``salts`` None: publication)."""
    fresh = salts is None
    known: dict[int, bytes] = {} if salts is None else salts
    ids: list[int] = []
    leaves: list[bytes] = []
    used: dict[int, bytes] = {}
    lines: list[list[Any]] = []
    for row in figures.v2_rows(community, month).iterator(chunk_size=5000):
        salt = secrets.token_bytes(seal.SALT_BYTES) if fresh else known.get(row[0], b"")
        public, _private = figures.v2_line(row, salt)
        ids.append(row[0])
        leaves.append(seal.leaf_hash(seal.entry_v2(public)))
        used[row[0]] = salt
        lines.append(public)
    return MonthLeaves(ids=ids, leaves=leaves, salts=used, totals=seal.totals_of(lines))


def _require_community(community: Region) -> None:
    if community.level != Level.COMMUNITY:
        raise InvalidInput(
            _("Only a community or village publishes a monthly announcement."), field="community"
        )


def _require_ended(month: str) -> str:
    first = parse_month(month)
    if first >= this_month():
        raise Conflict(
            _("%(month)s has not ended yet: a month is announced once it is over."),
            code="month_not_ended",
            params={"month": label(first)},
        )
    return label(first)


def _refresh(announcement: Announcement) -> None:
    # The ranking is stored with the announcement and read by everyone: its words (志愿者
    # and a number, for someone who has not agreed to publication) are in the deployment's
    # language, not in that of whoever drafted or published it.
    with translation.override(settings.LANGUAGE_CODE):
        summary = figures.month_summary(announcement.community, announcement.month)
    announcement.totals = summary.totals
    announcement.ranking = summary.ranking


@transaction.atomic
def draft(*, actor: Person | None, community: Region, month: str) -> Announcement:
    """Draft (or, while a draft, work out again) the 公示 of an ended month. ``actor``
    None: ``jifen tick``."""
    _require_community(community)
    if actor is not None:
        authz.require(actor, authz.DRAFT_ANNOUNCEMENTS, community)
    month = _require_ended(month)
    announcement = (
        Announcement.objects.select_for_update().filter(community=community, month=month).first()
    )
    if announcement is not None and announcement.status == Status.PUBLISHED:
        raise Conflict(
            _("%(month)s is published and sealed; it does not change."),
            code="already_published",
            params={"month": month},
        )
    if _published_after(community, month):
        raise Conflict(
            _("A later month is already published; months are sealed in order."),
            code="out_of_order",
        )
    if announcement is None:
        announcement = Announcement(community=community, month=month, drafted_by=actor)
    _refresh(announcement)
    try:
        with transaction.atomic():
            announcement.save()
    except IntegrityError:  # drafted at the same moment by another request or tick
        announcement = Announcement.objects.get(community=community, month=month)
        return announcement
    record(
        actor=actor,
        action="publicity.draft",
        target=announcement,
        region=community,
        after={"month": month, **announcement.totals},
    )
    return announcement


def _published_after(community: Region, month: str) -> bool:
    return Announcement.objects.filter(
        community=community, status=Status.PUBLISHED, month__gt=month
    ).exists()


def _unpublished_before(announcement: Announcement) -> str:
    """The first earlier month that must be published before this one ("" when none): a
    draft still waiting, or, after the community's last seal, a month with point changes
    that nobody drafted. Publishing past it would leave it unsealed for good, since a month
    is never published after a later one."""
    community, month = announcement.community, announcement.month
    draft_before = (
        Announcement.objects.filter(community=community, status=Status.DRAFT, month__lt=month)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    last = (
        Announcement.objects.filter(community=community, status=Status.PUBLISHED, month__lt=month)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    skipped = ""
    if last is not None:
        start = month_bounds(last)[1]
        end = month_bounds(month)[0]
        first = (
            Transfer.objects.filter(region=community, created_at__gte=start, created_at__lt=end)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if first is not None:
            skipped = label(timezone.localtime(first).date().replace(day=1))
    return min((m for m in (draft_before, skipped) if m), default="")


def _previous_seal(announcement: Announcement) -> str:
    earlier = (
        Announcement.objects.filter(
            community=announcement.community, status=Status.PUBLISHED, month__lt=announcement.month
        )
        .order_by("-month")
        .values_list("seal", flat=True)
        .first()
    )
    return earlier or ""


@transaction.atomic
def publish(*, actor: Person, announcement: Announcement | int) -> Announcement:
    """Publish a draft and seal its month: the root over every transfer of the month,
    chained to the community's previous seal; objections open for the community's
    window (default 7 days). Months are published in order."""
    pk = announcement.pk if isinstance(announcement, Announcement) else announcement
    found = Announcement.objects.filter(pk=pk).values_list("community_id", flat=True).first()
    if found is None:
        raise NotFound(_("There is no such announcement."))
    # Every month of the community, locked in month order: two months published at the
    # same moment would otherwise both chain to the same previous seal.
    list(
        Announcement.objects.select_for_update()
        .filter(community_id=found)
        .order_by("month")
        .values_list("pk", flat=True)
    )
    locked = Announcement.objects.select_related("community").get(pk=pk)
    authz.require(actor, authz.PUBLISH_ANNOUNCEMENTS, locked.community)
    if locked.status == Status.PUBLISHED:
        raise Conflict(_("This announcement is already published."), code="already_published")
    if _published_after(locked.community, locked.month):
        raise Conflict(
            _("A later month is already published; months are sealed in order."),
            code="out_of_order",
        )
    waiting = _unpublished_before(locked)
    if waiting:
        raise Conflict(
            _("%(month)s comes first: publish the months before this one in order."),
            code="out_of_order",
            params={"month": waiting},
        )
    _refresh(locked)
    try:
        month = month_leaves_v2(locked.community, locked.month)
    except ValueError:  # a number a verifier in JavaScript could not hold (docs §2)
        raise Conflict(
            _("This month holds a value that cannot be sealed; tell the operator."),
            code="unsealable",
        ) from None
    leaves = month.leaves
    root_hex = seal.root(leaves).hex()
    previous = _previous_seal(locked)
    now = timezone.now()
    locked.status = Status.PUBLISHED
    locked.published_by = actor
    locked.published_at = now
    locked.objections_until = now + timedelta(days=policy_for(locked.community).objection_days)
    # The totals sealed and shown are those of the very lines sealed (the same as the
    # database's sums, read in the same transaction).
    locked.totals = {**locked.totals, **month.totals}
    locked.version = seal.V2
    locked.leaf_count = len(leaves)
    locked.root = root_hex
    locked.previous_seal = previous
    locked.seal = seal.seal_v2(
        locked.community.code, locked.month, len(leaves), root_hex, previous, month.totals
    )
    locked.leaves = pack_leaves(month.ids, leaves)
    locked.salts = seal.pack_salts(month.salts)
    locked.save()
    # Witnessed above the community, in the same transaction (witness).
    witness(
        community=locked.community,
        kind=Kind.MONTH,
        period=locked.month,
        seal=locked.seal,
        root=root_hex,
        count=len(leaves),
    )
    # The month's rankings from now on read its roll-up (``jifen tick`` builds the other
    # communities'); nothing is built when tick already has.
    rankings.roll_up(locked.month, [locked.community_id])
    record(
        actor=actor,
        action="publicity.publish",
        target=locked,
        region=locked.community,
        after={
            "month": locked.month,
            "entries": len(leaves),
            "root": root_hex,
            "seal": locked.seal,
            "version": locked.version,
        },
    )
    return locked


def draft_due(as_of: Any = None) -> int:
    """(From ``jifen tick``.) Draft the month just ended for every community that had
    transfers in it and has no announcement for it yet."""
    first = previous_month((as_of or timezone.localdate()).replace(day=1))
    if first >= this_month():  # --as-of a day to come: that month is not over yet
        return 0
    month = label(first)
    start, end = month_bounds(month)
    done = Announcement.objects.filter(
        Q(month=month) | Q(month__gt=month, status=Status.PUBLISHED)
    ).values("community")
    communities = (
        Transfer.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(region__in=done)
        .values_list("region", flat=True)
        .distinct()
    )
    drafted = 0
    for community in Region.objects.filter(pk__in=list(communities), level=Level.COMMUNITY):
        draft(actor=None, community=community, month=month)
        drafted += 1
    return drafted


# --- Objections ------------------------------------------------------------------------------


@transaction.atomic
def object_to(
    *, actor: Person, announcement: Announcement, text: str, transfer_id: int | None = None
) -> Objection:
    """A resident files an objection (异议) within the window; staff must answer it."""
    if announcement.status != Status.PUBLISHED:
        raise NotFound(_("There is no such announcement."))
    assert announcement.objections_until is not None  # noqa: S101 - set when published
    if timezone.now() > announcement.objections_until:
        raise Conflict(
            _("Objections to this month closed on %(date)s."),
            code="objection_window_closed",
            params={"date": timezone.localtime(announcement.objections_until).date().isoformat()},
        )
    text = str(text or "").strip()
    if not text:
        raise InvalidInput(_("Please say what is wrong."), field="text")
    if len(text) > 1000:
        raise InvalidInput(_("Please keep it under 1,000 characters."), field="text")
    transfer = None
    if transfer_id is not None:
        transfer = (
            month_transfers(announcement.community, announcement.month)
            .filter(pk=transfer_id)
            .first()
        )
        if transfer is None:
            raise InvalidInput(_("That entry is not in this announcement."), field="transfer")
    objection = Objection.objects.create(
        announcement=announcement, person=actor, transfer=transfer, text=text
    )
    record(
        actor=actor,
        action="publicity.object",
        target=objection,
        region=announcement.community,
        after={"month": announcement.month, "transfer": transfer_id},
    )
    return objection


@transaction.atomic
def answer(
    *, actor: Person, objection: Objection | int, text: str, correction_id: int | None = None
) -> Objection:
    """Staff answer an objection; a correction is an adjustment (of a later month) that
    names the original entry, filed on the statement page as every adjustment is."""
    pk = objection.pk if isinstance(objection, Objection) else objection
    locked = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("announcement__community")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("There is no such objection."))
    authz.require(actor, authz.DRAFT_ANNOUNCEMENTS, locked.announcement.community)
    if locked.status == ObjectionStatus.ANSWERED:
        raise Conflict(_("This objection is already answered."), code="already_answered")
    text = str(text or "").strip()
    if not text:
        raise InvalidInput(_("Please write the answer."), field="answer")
    if len(text) > 1000:
        raise InvalidInput(_("Please keep it under 1,000 characters."), field="answer")
    if correction_id is not None:
        correction = Adjustment.objects.filter(
            Q(pk=correction_id),
            Q(region=locked.announcement.community),
            ~Q(status=AdjustmentStatus.REJECTED),
        ).first()
        if correction is None:
            raise InvalidInput(_("There is no such adjustment here."), field="correction")
        # The correction of a disputed entry names that entry (a published month never
        # changes; its correction is a later adjustment that references the original).
        if locked.transfer_id is not None and correction.corrects_id != locked.transfer_id:
            raise InvalidInput(
                _("The adjustment must name the disputed entry as the one it corrects."),
                field="correction",
            )
        locked.correction = correction
    locked.status = ObjectionStatus.ANSWERED
    locked.answer = text
    locked.answered_by = actor
    locked.answered_at = timezone.now()
    locked.save()
    record(
        actor=actor,
        action="publicity.answer",
        target=locked,
        region=locked.announcement.community,
        after={"answer": text, "correction": correction_id},
    )
    # The objector hears the answer (站内消息 and the notify backend), on their objection's page.
    # Said with message ids (notices.texts): each reader reads it in their language.
    body = texts.words(text)
    if locked.correction_id is not None:
        body = texts.lines(body, _("A correction was made in a later month."))
    subject = texts.say(
        _("Your objection to the %(month)s announcement of %(community)s is answered"),
        month=locked.announcement.month,
        community=locked.announcement.community.name,
    )
    message = notify.Message(
        locked.person,
        subject,
        body,
        kind="objection_answered",
        url=reverse("publicity:object", args=[locked.announcement_id]),
    )
    notices.send([message])
    return locked


# --- Checking every seal ---------------------------------------------------------------------


def check_seals(region: Region | None = None) -> Any:
    """Yield one line per sealed month that no longer matches its seal, naming each
    transfer changed, inserted or deleted since, and any broken chain. A month that
    cannot be checked (a stored blob or figure that cannot be read) is a line naming the
    community, the month and what could not be read; the other months are still checked."""
    published = (
        Announcement.objects.filter(status=Status.PUBLISHED)
        .select_related("community")
        .defer("leaves", "salts", "totals", "ranking")
    )
    if region is not None:
        published = published.filter(community__path__startswith=region.path)
    for announcement in published.order_by("community__code", "month").iterator(chunk_size=50):
        where = f"sealed month {announcement.community.code} {announcement.month}"
        lines: list[str] = []
        try:
            # In a savepoint: on PostgreSQL a failed read would spoil the transaction
            # of the months after it.
            with transaction.atomic():
                for line in _check_month(announcement, where):
                    lines.append(line)
        except Exception as exc:  # noqa: BLE001 - reported as a violation, never raised
            lines.append(f"{where}: could not be checked: {type(exc).__name__}: {exc}")
        yield from lines


def _stored(announcement: Announcement, field: str) -> Any:
    """One stored column of the announcement, read on its own so that a value the
    database cannot hand back (``Could not decode to UTF-8 column 'leaves'``) names itself."""
    rows = Announcement.objects.filter(pk=announcement.pk).values_list(field, flat=True)
    try:
        with transaction.atomic():
            return rows.get()
    except Exception as exc:  # noqa: BLE001 - turned into the month's violation line
        problem = f"{type(exc).__name__}: {exc}"
        raise _Unreadable(f"its stored {field} could not be read: {problem}") from exc


def _skipped_before(announcement: Announcement) -> str:
    """The first month between the community's previous published month and this one
    that has transfers ("" when none): publication refuses to skip one, so only a
    change behind Jifen's back leaves one."""
    last = (
        Announcement.objects.filter(
            community=announcement.community, status=Status.PUBLISHED, month__lt=announcement.month
        )
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if last is None:
        return ""
    first = (
        Transfer.objects.filter(
            region=announcement.community,
            created_at__gte=month_bounds(last)[1],
            created_at__lt=month_bounds(announcement.month)[0],
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return "" if first is None else label(timezone.localtime(first).date().replace(day=1))


class _Unreadable(Exception):
    pass


def _check_month(announcement: Announcement, where: str) -> Iterator[str]:
    try:
        then = unpack_leaves(_stored(announcement, "leaves"))
        v2 = announcement.version == seal.V2
        if announcement.version not in seal.VERSIONS:
            raise _Unreadable(f"its seal version {announcement.version} is unknown")
        salts = seal.unpack_salts(_stored(announcement, "salts")) if v2 else {}
        totals = _stored(announcement, "totals") if v2 else None
        if v2:
            announcement.totals = totals
            totals = figures.sealed_totals(announcement)
    except (_Unreadable, ValueError) as exc:
        yield f"{where}: could not be checked: {exc}"
        return
    if v2:
        month = month_leaves_v2(announcement.community, announcement.month, salts)
        ids, leaves = month.ids, month.leaves
    else:
        ids, leaves = month_leaves(announcement.community, announcement.month)
    now = dict(zip(ids, leaves, strict=True))
    for pk in sorted(then.keys() - now.keys()):
        yield f"{where}: transfer {pk} was deleted after sealing"
    for pk in sorted(now.keys() - then.keys()):
        yield f"{where}: transfer {pk} was inserted after sealing"
    for pk in sorted(now.keys() & then.keys()):
        if now[pk] != then[pk]:
            yield f"{where}: transfer {pk} was changed after sealing"
    root_hex = seal.root(leaves).hex()
    if root_hex != announcement.root or len(leaves) != announcement.leaf_count:
        yield (
            f"{where}: its transfers give root {root_hex} over {len(leaves)} entries, "
            f"the seal says {announcement.root} over {announcement.leaf_count}"
        )
    if v2 and totals is not None and month.totals != totals:
        yield (
            f"{where}: its transfers give totals {seal.totals_line(month.totals)}, "
            f"the seal says {seal.totals_line(totals)}"
        )
    skipped = _skipped_before(announcement)
    if skipped:
        yield (
            f"{where}: {skipped} has point changes but was never published: "
            "a gap in the community's chain"
        )
    expected = seal.seal_of(
        announcement.version,
        announcement.community.code,
        announcement.month,
        int(announcement.leaf_count or 0),
        announcement.root,
        announcement.previous_seal,
        totals,
    )
    if expected != announcement.seal or announcement.previous_seal != _previous_seal(announcement):
        yield f"{where}: the seal does not match its record or the previous month's seal"
