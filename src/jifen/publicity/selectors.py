"""What a monthly announcement shows: its lines, totals and ranking, worked out from the
ledger in the database (a month of a large community is tens of thousands of rows),
and a resident's proof that their entries are inside the published seal."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
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
from jifen.witness.models import Kind
from jifen.witness.selectors import witnessed

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


def month_summary(community: Region, month: str, with_ranking: bool = True) -> Summary:
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
    return Summary(totals=totals, ranking=month_ranking(community, month) if with_ranking else [])


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
    (docs/verification.md). Under v2 each entry also reveals the person's own salt and
    private fields, so they can check the digest in their leaf.

    The paths run through the leaves stored at sealing, not through the month as it is
    now: a resident's proof checks out exactly when their own entries are unchanged,
    whatever happened to anyone else's (``jifen verify`` reports those)."""
    if announcement.status != Status.PUBLISHED:
        raise NotFound(_("There is no such announcement."))
    stored = Announcement.objects.filter(pk=announcement.pk).values_list("leaves", "salts").get()
    sealed = unpack_leaves(stored[0])  # in transfer id order, as sealed
    index = {pk: i for i, pk in enumerate(sealed)}
    levels = seal.tree(list(sealed.values()))
    mine = (
        _month(announcement.community, announcement.month)
        .filter(Q(debit__person=person) | Q(credit__person=person))
        .order_by("pk")
    )
    v2 = announcement.version == seal.V2
    salts = seal.unpack_salts(stored[1]) if v2 else {}
    rows = mine.values_list(*(V2_COLUMNS if v2 else seal.FIELDS))
    entries = []
    for row in rows:
        position = index.get(row[0])
        if position is None:  # inserted after sealing: not in the seal, and verify says so
            continue
        item: dict[str, Any] = {"transfer": row[0], "index": position}
        if v2:
            salt = salts.get(row[0], b"")
            public, private = v2_line(row, salt)
            item["entry"] = seal.entry_v2(public).decode()
            item["salt"] = salt.hex()
            item["private"] = private.decode()
        else:
            item["entry"] = seal.entry(row).decode()
        item["path"] = [[side, sibling.hex()] for side, sibling in seal.path(levels, position)]
        entries.append(item)
    assert announcement.published_at is not None  # noqa: S101 - set when published
    document: dict[str, Any] = {
        "version": seal.VERSIONS.get(announcement.version, ""),
        "announcement": announcement.pk,
        "community": announcement.community.code,
        "month": announcement.month,
        "published_at": published_at(announcement),
        "count": announcement.leaf_count,
        "root": announcement.root,
        "previous_seal": announcement.previous_seal,
        "seal": announcement.seal,
    }
    if v2:
        document["totals"] = sealed_totals(announcement)
    document["entries"] = entries
    return document


def moment(value: datetime | None) -> str | None:
    """A time as every answer about announcements gives it: ISO 8601 in the deployment's
    time zone, to the second, with its offset (2025-06-03T09:00:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def published_at(announcement: Announcement) -> str:
    """When a month was published and sealed (``moment``)."""
    assert announcement.published_at is not None  # noqa: S101 - set when published
    return moment(announcement.published_at) or ""


def sealed_totals(announcement: Announcement) -> dict[str, int]:
    """The announcement's stored totals that its v2 seal covers, in ``seal.TOTALS`` order
    (a stored value that is not an integer raises ValueError)."""
    stored = announcement.totals
    if not isinstance(stored, dict):
        raise ValueError("the stored totals are not an object")
    totals = {}
    for key in seal.TOTALS:
        value = stored.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"the stored total {key} is not an integer")
        totals[key] = value
    return totals


# --- v2 lines: what anyone rebuilds the root from ----------------------------------------------

# The columns a v2 line is made of, read in one query: the public fields (accounts named
# by kind and volunteer number or row id, the item by its code) and the private ones.
V2_COLUMNS = (
    "id",
    "created_at",
    "debit_id",
    "debit__kind",
    "debit__person__volunteer_no",
    "credit_id",
    "credit__kind",
    "credit__person__volunteer_no",
    "amount",
    "kind",
    "rule_version__item__code",
    "service_date",
    "reverses_id",
    *seal.PRIVATE_FIELDS,
)
_PRIVATE_AT = 13


def v2_line(row: Sequence[Any], salt: bytes) -> tuple[list[Any], bytes]:
    """A transfer's v2 public values (``seal.PUBLIC_FIELDS``, the digest last) and its
    encoded private entry, from its ``V2_COLUMNS`` values and salt."""
    private = seal.private_entry(row[_PRIVATE_AT:])
    public = [
        row[0],
        timezone.localtime(row[1]).date().isoformat(),
        seal.account_label(row[3], row[2], row[4]),
        seal.account_label(row[6], row[5], row[7]),
        row[8],
        row[9],
        row[10] or "",
        row[11].isoformat() if row[11] is not None else None,
        row[12],
        seal.private_digest(salt, private),
    ]
    return public, private


def v2_rows(community: Region, month: str) -> QuerySet[Transfer, tuple[Any, ...]]:
    """Every transfer of the month in id order, as ``V2_COLUMNS`` values."""
    return _month(community, month).order_by("pk").values_list(*V2_COLUMNS)


ENTRIES_PAGE = 5000  # lines per page of GET /public/announcements/{id}/entries


def public_entries(announcement: Announcement, page: int) -> dict[str, Any]:
    """One page of a published month's v2 lines (``ENTRIES_PAGE`` of them, in transfer
    id order, ``page`` from 1), each the leaf's public fields with its private digest: with
    every page, anyone rebuilds the root and the seal. A v1 month answers its format and
    no lines: its leaves hold private fields, so its root cannot be rebuilt in public."""
    if announcement.status != Status.PUBLISHED:
        raise NotFound(_("There is no such announcement."))
    v2 = announcement.version == seal.V2
    rows = v2_rows(announcement.community, announcement.month)
    total = rows.count() if v2 else 0
    lines: list[dict[str, Any]] = []
    if v2:
        salts_blob = (
            Announcement.objects.filter(pk=announcement.pk).values_list("salts", flat=True).get()
        )
        salts = seal.unpack_salts(salts_blob)
        start = (page - 1) * ENTRIES_PAGE
        for row in rows[start : start + ENTRIES_PAGE]:
            public, _private = v2_line(row, salts.get(row[0], b""))
            lines.append(dict(zip(seal.PUBLIC_FIELDS, public, strict=True)))
    return {
        "announcement": announcement.pk,
        "community": announcement.community.code,
        "month": announcement.month,
        "version": seal.VERSIONS.get(announcement.version, ""),
        "rebuildable": v2,
        "fields": list(seal.PUBLIC_FIELDS) if v2 else [],
        "published_at": published_at(announcement),
        "count": announcement.leaf_count or 0,
        "root": announcement.root,
        "previous_seal": announcement.previous_seal,
        "seal": announcement.seal,
        "totals": sealed_totals(announcement) if v2 else None,
        "lines_count": total,
        "page": page,
        "page_size": ENTRIES_PAGE,
        "pages": (total + ENTRIES_PAGE - 1) // ENTRIES_PAGE,
        "lines": lines,
    }


# --- The public page checks itself ------------------------------------------------------------


def month_totals(community: Region, month: str) -> dict[str, int]:
    """The month's totals worked out from its lines now (in the database, as a draft's)."""
    return month_summary(community, month, with_ranking=False).totals


@dataclass(frozen=True)
class SelfCheck:
    """A published month's stored totals against those of its lines now and its seal."""

    lines: dict[str, int]  # worked out from the month's lines now
    sealed: dict[str, int]  # stored with the announcement
    seal_ok: bool  # the stored totals, root and count still give the stored seal
    differ: list[str]  # the totals that disagree

    @property
    def ok(self) -> bool:
        return self.seal_ok and not self.differ


def self_check(announcement: Announcement) -> SelfCheck | None:
    """What the public page warns about: totals of the lines that differ from the sealed
    ones, or sealed figures that no longer give the seal (None for a v1 month, whose seal
    does not cover its totals)."""
    if announcement.version != seal.V2 or announcement.status != Status.PUBLISHED:
        return None
    lines = month_totals(announcement.community, announcement.month)
    try:
        sealed = sealed_totals(announcement)
        expected = seal.seal_v2(
            announcement.community.code,
            announcement.month,
            int(announcement.leaf_count or 0),
            announcement.root,
            announcement.previous_seal,
            sealed,
        )
        seal_ok = expected == announcement.seal
    except ValueError:
        sealed, seal_ok = {}, False
    differ = [key for key in seal.TOTALS if lines.get(key) != sealed.get(key)]
    return SelfCheck(lines=lines, sealed=sealed, seal_ok=seal_ok, differ=differ)


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


def _fields(text: str, names: Sequence[str] = seal.FIELDS) -> dict[str, Any]:
    try:
        values = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(values, list) or len(values) != len(names):
        return {}
    return dict(zip(names, values, strict=True))


def _totals_of(document: dict[str, Any]) -> dict[str, int]:
    raw = document["totals"]
    if not isinstance(raw, dict):
        raise ValueError(raw)
    totals = {}
    for key in seal.TOTALS:
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(value)
        totals[key] = value
    return totals


def _salt(raw: Any) -> bytes:
    text = str(raw).lower()
    if len(text) > 2 * seal.SALT_BYTES:
        raise ValueError(raw)
    return bytes.fromhex(text)


def check_document(document: Any) -> ProofCheck:
    """Check a proof document on its own: every entry must lead to the root and the root
    to the seal; under v2 the seal covers the totals too, and each entry's revealed salt
    and private fields must give the digest in its leaf. (The public verify page; it
    trusts nothing stored. Whether the seal is the one printed on the announcement, the
    reader compares, or ``published_seal``.)"""
    unreadable = ProofCheck(False, False, [], [_("This is not a proof of ours.")])
    try:
        if not isinstance(document, dict) or not isinstance(document["entries"], list):
            return unreadable
        if len(document["entries"]) > MAX_PROOF_ENTRIES:
            return unreadable
        version = document.get("version", seal.VERSION)
        if version not in (seal.VERSION, seal.VERSION_V2):
            return unreadable
        v2 = version == seal.VERSION_V2
        count = document["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return unreadable
        root_hex = _hex64(document["root"])
        previous = str(document.get("previous_seal") or "")
        if previous:
            previous = _hex64(previous)
        expected = seal.seal_of(
            seal.V2 if v2 else seal.V1,
            str(document["community"]),
            str(document["month"]),
            count,
            root_hex,
            previous,
            _totals_of(document) if v2 else None,
        )
        seal_ok = expected == _hex64(document["seal"])
        items = []
        for item in document["entries"]:
            text = item["entry"]
            if not isinstance(text, str):
                return unreadable
            private = None
            if v2:
                private = (_salt(item["salt"]), str(item["private"]))
            steps = _steps(item["path"])
            index = item["index"]
            if isinstance(index, bool) or not isinstance(index, int):
                return unreadable
            placed = 0 <= index < count and [side for side, _s in steps] == seal.sides(index, count)
            items.append((item.get("transfer"), text, steps, private, placed))
    except (KeyError, TypeError, ValueError, AttributeError):
        return unreadable
    problems = [] if seal_ok else [_("The seal does not match the root and the month.")]
    entries = []
    for labelled, text, steps, private, placed in items:
        if private is None:
            fields = _fields(text)
            transfer = fields.get("id", labelled)
        else:
            fields = _fields(text, seal.PUBLIC_FIELDS)
            transfer = fields.get("transfer", labelled)
        ok = seal.climb(seal.leaf_hash(text.encode()), steps).hex() == root_hex
        if not ok:
            problems.append(
                _("Entry %(transfer)s does not lead to the root.") % {"transfer": transfer}
            )
        elif not placed:
            ok = False
            problems.append(
                _("The path of entry %(transfer)s does not fit its place among the entries.")
                % {"transfer": transfer}
            )
        elif private is not None:
            salt, private_text = private
            if seal.private_digest(salt, private_text.encode()) != fields.get("private"):
                ok = False
                problems.append(
                    _("The private fields of entry %(transfer)s do not give its digest.")
                    % {"transfer": transfer}
                )
            else:
                fields = {**fields, **_fields(private_text, seal.PRIVATE_FIELDS)}
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
    # The document's seal is in the checkpoint of the county above the community (None:
    # no announcement to look it up for).
    witnessed: bool | None = None

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
    witnessed = None
    if announcement is not None:
        witnessed = is_witnessed(announcement, str(document["seal"]).lower())
        if not witnessed and announcement.version == seal.V2:
            problems.append(
                _(
                    "This seal is not in the checkpoint of the county: the month may have "
                    "been rewritten after it was published."
                )
            )
    return Verdict(
        check=check,
        announcement=announcement,
        matches=matches,
        problems=problems,
        witnessed=witnessed,
    )


def is_witnessed(announcement: Announcement, seal_hex: str) -> bool:
    """Whether that seal of the announcement's month is in the logs above its community
    (the county's checkpoint), as it was written when the month was published."""
    return witnessed(announcement.community, Kind.MONTH, announcement.month, seal=seal_hex)


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
