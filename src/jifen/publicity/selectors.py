"""What a monthly announcement shows: its lines, totals and ranking, worked out from the
ledger in the database (a month of a large community is tens of thousands of rows),
and a resident's proof that their entries are inside the published seal."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.errors import NotFound
from jifen.lib.masking import mask_name
from jifen.lib.months import month_bounds
from jifen.people.models import Person
from jifen.points.models import HOLDER_KINDS, AccountKind, Transfer, TransferKind
from jifen.publicity.models import Announcement, Status
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
    (docs/verification.md)."""
    from jifen.publicity import seal
    from jifen.publicity.services import month_leaves

    if announcement.status != Status.PUBLISHED:
        raise NotFound(_("There is no such announcement."))
    ids, leaves = month_leaves(announcement.community, announcement.month)
    index = {pk: i for i, pk in enumerate(ids)}
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
                "path": [[side, sibling.hex()] for side, sibling in seal.proof(leaves, position)],
            }
        )
    return {
        "version": seal.VERSION,
        "community": announcement.community.code,
        "month": announcement.month,
        "count": announcement.leaf_count,
        "root": announcement.root,
        "previous_seal": announcement.previous_seal,
        "seal": announcement.seal,
        "entries": entries,
    }


def check_proof(document: dict[str, Any]) -> list[str]:
    """Check a proof document; the list of problems, empty when every entry leads to the
    root and the root to the seal. (The public verify page; it trusts nothing stored.)"""
    from jifen.publicity import seal

    problems = []
    try:
        expected = seal.seal(
            str(document["community"]),
            str(document["month"]),
            int(document["count"]),
            str(document["root"]),
            str(document.get("previous_seal") or ""),
        )
        if expected != document["seal"]:
            problems.append(_("The seal does not match the root and the month."))
        for item in document["entries"]:
            leaf = seal.leaf_hash(str(item["entry"]).encode())
            path = [(str(side), bytes.fromhex(str(h))) for side, h in item["path"]]
            if seal.climb(leaf, path).hex() != document["root"]:
                problems.append(
                    _("Entry %(transfer)s does not lead to the root.")
                    % {"transfer": item.get("transfer")}
                )
    except (KeyError, TypeError, ValueError):
        problems.append(_("This is not a proof of ours."))
    return problems
