"""What a monthly announcement shows: its lines, totals and ranking, worked out from the
ledger in the database (a month of a large community is tens of thousands of rows),
and a resident's proof that their entries are inside the published seal."""

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.errors import NotFound
from jifen.lib.masking import mask_name
from jifen.lib.months import month_bounds
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import HOLDER_KINDS, AccountKind, Transfer, TransferKind
from jifen.publicity import seal
from jifen.publicity.models import Announcement, Status
from jifen.publicity.seal import unpack_leaves
from jifen.regions.models import Region

RANKING_SIZE = 20


def public_name(name: str, consented: bool, volunteer_no: str | None) -> str:
    """CONTRACT.md: masked (王*梅); until the person agrees to publication, only
    志愿者 and their volunteer number."""
    if not consented:
        return _("Volunteer %(number)s") % {"number": volunteer_no or ""}
    return mask_name(name)


def _month(community: Region, month: str) -> QuerySet[Transfer]:
    start, end = month_bounds(month)
    return Transfer.objects.filter(region=community, created_at__gte=start, created_at__lt=end)


def _holder_side() -> Q:
    return Q(debit__kind__in=HOLDER_KINDS) | Q(credit__kind__in=HOLDER_KINDS)


@dataclass(frozen=True)
class Summary:
    totals: dict[str, int]
    ranking: list[dict[str, Any]]


def month_summary(community: Region, month: str) -> Summary:
    transfers = _month(community, month)
    issued = transfers.aggregate(
        out=Sum("amount", filter=Q(debit__kind=AccountKind.ISSUER)),
        back=Sum("amount", filter=Q(credit__kind=AccountKind.ISSUER)),
        redeemed=Sum("amount", filter=Q(kind=TransferKind.REDEMPTION)),
        refunded=Sum("amount", filter=Q(kind=TransferKind.REFUND)),
        expired=Sum("amount", filter=Q(kind=TransferKind.EXPIRY)),
        entries=Count("pk", filter=_holder_side()),
        transfers=Count("pk"),
    )
    people = (
        transfers.filter(_holder_side())
        .annotate(
            holder=Case(
                When(credit__kind__in=HOLDER_KINDS, then=F("credit_id")),
                default=F("debit_id"),
            )
        )
        .values("holder")
        .distinct()
        .count()
    )
    totals = {
        "issued": (issued["out"] or 0) - (issued["back"] or 0),
        "redeemed": (issued["redeemed"] or 0) - (issued["refunded"] or 0),
        "expired": issued["expired"] or 0,
        "entries": issued["entries"] or 0,
        "transfers": issued["transfers"] or 0,
        "people": people,
    }
    return Summary(totals=totals, ranking=month_ranking(community, month))


def month_ranking(community: Region, month: str, size: int = RANKING_SIZE) -> list[dict[str, Any]]:
    """The residents who earned most in the month (points from the issuer, less what
    went back to it), public names only."""
    transfers = _month(community, month)
    earned = (
        transfers.filter(credit__kind=AccountKind.PERSON, debit__kind=AccountKind.ISSUER)
        .values("credit__person")
        .annotate(points=Sum("amount"))
    )
    back = dict(
        transfers.filter(debit__kind=AccountKind.PERSON, credit__kind=AccountKind.ISSUER)
        .values("debit__person")
        .annotate(points=Sum("amount"))
        .values_list("debit__person", "points")
    )
    scores = {
        row["credit__person"]: row["points"] - back.get(row["credit__person"], 0) for row in earned
    }
    top = sorted(((p, s) for p, s in scores.items() if s > 0), key=lambda x: (-x[1], x[0]))[:size]
    people = Person.objects.in_bulk([p for p, _s in top])
    ranking = []
    for place, (person_id, points) in enumerate(top, start=1):
        person = people[person_id]
        ranking.append(
            {
                "place": place,
                "name": public_name(person.name, person.has_consented, person.volunteer_no),
                "volunteer_no": person.volunteer_no or "",
                "points": points,
            }
        )
    return ranking


@dataclass(frozen=True)
class Line:
    transfer_id: int
    day: date
    name: str
    volunteer_no: str
    what: str
    points: int  # signed for the holder


def lines(community: Region, month: str) -> QuerySet[Transfer]:
    """Every point change of a holder in the month, oldest first (page it; render each
    with ``line``)."""
    return (
        _month(community, month)
        .filter(_holder_side())
        .select_related(
            "debit__person", "credit__person", "debit__organization", "credit__organization"
        )
        .select_related("rule_version")
        .order_by("created_at", "pk")
    )


def line(transfer: Transfer) -> Line:
    holder = transfer.credit if transfer.credit.kind in HOLDER_KINDS else transfer.debit
    if holder.person is not None:
        person = holder.person
        name = public_name(person.name, person.has_consented, person.volunteer_no)
        number = person.volunteer_no or ""
    else:
        assert holder.organization is not None  # noqa: S101 - a holder is one or the other
        name, number = holder.organization.name, ""
    what = transfer.rule_version.name if transfer.rule_version else transfer.get_kind_display()
    signed = transfer.amount if transfer.credit.kind in HOLDER_KINDS else -transfer.amount
    return Line(
        transfer_id=transfer.pk,
        day=timezone.localtime(transfer.created_at).date(),
        name=name,
        volunteer_no=number,
        what=str(what),
        points=signed,
    )


# --- Public reads ------------------------------------------------------------------------------


def published(community: Region | None = None) -> QuerySet[Announcement]:
    found = Announcement.objects.filter(status=Status.PUBLISHED).select_related("community")
    if community is not None:
        found = found.filter(community__path__startswith=community.path)
    return found.defer("leaves").order_by("-month", "community__code")


def get_published(announcement_id: int) -> Announcement:
    found = published().filter(pk=announcement_id).first()
    if found is None:
        raise NotFound(_("There is no such announcement."))
    return found


# --- Proofs --------------------------------------------------------------------------------------


def proof_for(person: Person, announcement: Announcement) -> dict[str, Any]:
    """The person's entries in a sealed month, each with its canonical entry and the path to
    the root: everything needed to check it offline against the printed root
    (docs/verification.md).

    The paths run through the leaves stored at sealing, not through the month as it is
    now: a resident's proof checks out exactly when their own entries are unchanged,
    whatever happened to anyone else's (``jifen verify`` reports those)."""
    if announcement.status != Status.PUBLISHED:
        raise NotFound(_("There is no such announcement."))
    sealed = unpack_leaves(announcement.leaves)  # in transfer id order, as sealed
    index = {pk: i for i, pk in enumerate(sealed)}
    levels = seal.tree(list(sealed.values()))
    mine = (
        _month(announcement.community, announcement.month)
        .filter(Q(debit__person=person) | Q(credit__person=person))
        .order_by("pk")
        .values_list(*seal.FIELDS)
    )
    entries = []
    for row in mine:
        position = index.get(row[0])
        if position is None:  # inserted after sealing: not in the seal, and verify says so
            continue
        entries.append(
            {
                "transfer": row[0],
                "index": position,
                "entry": seal.entry(row).decode(),
                "path": [[side, sibling.hex()] for side, sibling in seal.path(levels, position)],
            }
        )
    assert announcement.published_at is not None  # noqa: S101 - set when published
    return {
        "version": seal.VERSION,
        "announcement": announcement.pk,
        "community": announcement.community.code,
        "month": announcement.month,
        "published_at": timezone.localtime(announcement.published_at).isoformat(),
        "count": announcement.leaf_count,
        "root": announcement.root,
        "previous_seal": announcement.previous_seal,
        "seal": announcement.seal,
        "entries": entries,
    }


# A proof document is one person's entries of one month; anything far larger is not ours.
MAX_PROOF_ENTRIES = 5000
MAX_PATH_STEPS = 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class EntryCheck:
    transfer: Any  # the transfer id inside the entry (what is hashed), or as labelled
    ok: bool
    fields: dict[str, Any]  # the entry's fields by name, read from the hashed text


@dataclass(frozen=True)
class ProofCheck:
    readable: bool
    seal_ok: bool
    entries: list[EntryCheck]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _hex64(value: Any) -> str:
    text = str(value).lower()
    if not _HEX64.fullmatch(text):
        raise ValueError(value)
    return text


def _steps(raw: Any) -> list[tuple[str, bytes]]:
    if not isinstance(raw, list) or len(raw) > MAX_PATH_STEPS:
        raise ValueError(raw)
    steps = []
    for step in raw:
        side, sibling = step  # a pair, or ValueError/TypeError
        if side not in ("L", "R"):
            raise ValueError(side)
        steps.append((side, bytes.fromhex(_hex64(sibling))))
    return steps


def _fields(text: str) -> dict[str, Any]:
    try:
        values = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(values, list) or len(values) != len(seal.FIELDS):
        return {}
    return dict(zip(seal.FIELDS, values, strict=True))


def check_document(document: Any) -> ProofCheck:
    """Check a proof document on its own: every entry must lead to the root and the root
    to the seal. (The public verify page; it trusts nothing stored. Whether the seal is
    the one printed on the announcement, the reader compares, or ``published_seal``.)"""
    unreadable = ProofCheck(False, False, [], [_("This is not a proof of ours.")])
    try:
        if not isinstance(document, dict) or not isinstance(document["entries"], list):
            return unreadable
        if len(document["entries"]) > MAX_PROOF_ENTRIES:
            return unreadable
        count = document["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return unreadable
        root_hex = _hex64(document["root"])
        previous = str(document.get("previous_seal") or "")
        if previous:
            previous = _hex64(previous)
        expected = seal.seal(
            str(document["community"]), str(document["month"]), count, root_hex, previous
        )
        seal_ok = expected == _hex64(document["seal"])
        items = []
        for item in document["entries"]:
            text = item["entry"]
            if not isinstance(text, str):
                return unreadable
            items.append((item.get("transfer"), text, _steps(item["path"])))
    except (KeyError, TypeError, ValueError, AttributeError):
        return unreadable
    problems = [] if seal_ok else [_("The seal does not match the root and the month.")]
    entries = []
    for labelled, text, steps in items:
        fields = _fields(text)
        transfer = fields.get("id", labelled)
        ok = seal.climb(seal.leaf_hash(text.encode()), steps).hex() == root_hex
        if not ok:
            problems.append(
                _("Entry %(transfer)s does not lead to the root.") % {"transfer": transfer}
            )
        entries.append(EntryCheck(transfer=transfer, ok=ok, fields=fields))
    return ProofCheck(readable=True, seal_ok=seal_ok, entries=entries, problems=problems)


def check_proof(document: dict[str, Any]) -> list[str]:
    """Check a proof document; the list of problems, empty when every entry leads to the
    root and the root to the seal."""
    return check_document(document).problems


def published_seal(community_code: str, month: str) -> Announcement | None:
    """The published announcement of that community and month, to compare a proof's seal
    with (None when there is none)."""
    return (
        published().filter(community__code=str(community_code)[:32], month=str(month)[:7]).first()
    )


@dataclass(frozen=True)
class Verdict:
    """A proof document checked on its own and against the seal published here."""

    check: ProofCheck
    announcement: Announcement | None  # the published announcement of its community and month
    matches: bool  # the document's seal is the one published
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verdict(document: Any) -> Verdict:
    """``check_document``, and whether its seal is the one published for that community
    and month: a forged document can be consistent with itself, never with the seal."""
    check = check_document(document)
    problems = list(check.problems)
    announcement, matches = None, False
    if check.readable:
        announcement = published_seal(document["community"], document["month"])
        if announcement is None:
            problems.append(
                _("No announcement of %(community)s for %(month)s is published here.")
                % {"community": str(document["community"]), "month": str(document["month"])}
            )
        else:
            matches = announcement.seal == str(document["seal"]).lower()
            if not matches:
                problems.append(
                    _("The seal published for %(community)s %(month)s is %(seal)s, not this one.")
                    % {
                        "community": announcement.community.name,
                        "month": announcement.month,
                        "seal": announcement.seal,
                    }
                )
    return Verdict(check=check, announcement=announcement, matches=matches, problems=problems)


# --- Staff reads ----------------------------------------------------------------------------------


def staff_announcements(person: Person) -> QuerySet[Announcement]:
    """The announcements (drafts too) of the communities where the person may draft or
    publish, newest month first, each with its count of objections waiting for an answer."""
    reach = authz.regions_q(person, authz.DRAFT_ANNOUNCEMENTS, "community") | authz.regions_q(
        person, authz.PUBLISH_ANNOUNCEMENTS, "community"
    )
    return (
        Announcement.objects.filter(reach)
        .select_related("community", "drafted_by", "published_by")
        .defer("leaves")
        .annotate(open_objections=Count("objections", filter=Q(objections__status="open")))
        .order_by("-month", "community__path")
    )


def get_for_staff(person: Person, announcement_id: int) -> Announcement:
    found = staff_announcements(person).filter(pk=announcement_id).first()
    if found is None:
        raise NotFound(_("There is no such announcement."))
    return found


# --- To-do (待办, read by jifen.inbox) ---------------------------------------------------------


@dataclass(frozen=True)
class ObjectionCount:
    """Objections counted for a to-do line: how many, since when the oldest waits, the
    first announcement (by id) they belong to, and whether they belong to several."""

    count: int
    oldest_at: Any
    announcement: int | None
    several: bool


def _objection_count(objections: "QuerySet[Any]", since: str) -> ObjectionCount:
    from django.db.models import Max, Min

    row = objections.aggregate(
        n=Count("pk"),
        at=Min(since),
        first=Min("announcement_id"),
        last=Max("announcement_id"),
    )
    return ObjectionCount(row["n"], row["at"], row["first"], row["first"] != row["last"])


def objections_to_answer(person: Person) -> ObjectionCount | None:
    """Objections waiting for an answer in the communities where the person answers them
    (staff), in one query; None when they answer none anywhere."""
    from jifen.publicity.models import Objection, ObjectionStatus

    if not authz.can(person, authz.DRAFT_ANNOUNCEMENTS):
        return None
    return _objection_count(
        Objection.objects.filter(
            authz.regions_q(person, authz.DRAFT_ANNOUNCEMENTS, "announcement__community"),
            status=ObjectionStatus.OPEN,
        ),
        "created_at",
    )


def objections_answered(person: Person, days: int, now: Any = None) -> ObjectionCount:
    """The person's own objections answered in the last ``days`` days, in one query."""
    from datetime import timedelta

    from jifen.publicity.models import Objection, ObjectionStatus

    since = (now or timezone.now()) - timedelta(days=days)
    return _objection_count(
        Objection.objects.filter(
            person_id=person.pk, status=ObjectionStatus.ANSWERED, answered_at__gte=since
        ),
        "answered_at",
    )
