"""核验我的积分: a resident's own entries of their sealed months, checked on the server
against the published seals.

The check is the one a downloaded proof goes through on ``/verify/`` or offline
(docs/verification.md): ``selectors.proof_for`` builds the proof document of the person's
entries as the ledger holds them now, and ``selectors.verdict`` checks it — each entry's
leaf climbs to the root, the root and the month give the seal, the seal is the one
published. So what the page says is exactly what anyone checking the downloaded file
would find. On top, it counts the person's point changes dated in a sealed month that the
seal does not hold (written after sealing: a proof cannot show them, ``jifen verify``
names them to the operator)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.lib.months import month_bounds
from jifen.people.models import Person
from jifen.points.models import Transfer
from jifen.publicity import seal, selectors
from jifen.publicity.models import Announcement
from jifen.witness import selectors as witness
from jifen.witness.models import Kind as WitnessKind

# The sealed months checked at once, newest first: a year of a community's 公示, as many as
# the verify page lists. Each month rebuilds its tree from the leaves stored at sealing.
MONTHS_CHECKED = 12


@dataclass(frozen=True)
class MonthCheck:
    """One sealed month: how many of the person's entries its proof holds, and what failed."""

    announcement: Announcement
    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class MyCheck:
    """Every sealed month checked for a person, newest first."""

    months: list[MonthCheck]

    @property
    def entries(self) -> int:
        return sum(month.entries for month in self.months)

    @property
    def seals(self) -> int:
        """The published seals compared with: one per sealed month."""
        return len(self.months)

    @property
    def failed(self) -> list[MonthCheck]:
        return [month for month in self.months if not month.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


def _theirs_in_month(person: Person, announcement: Announcement) -> int:
    start, end = month_bounds(announcement.month)
    return (
        Transfer.objects.filter(
            region=announcement.community, created_at__gte=start, created_at__lt=end
        )
        .filter(Q(debit__person=person) | Q(credit__person=person))
        .count()
    )


def check_month(person: Person, announcement: Announcement) -> MonthCheck:
    """The person's entries of one sealed month against its published seal."""
    document = selectors.proof_for(person, announcement)
    verdict = selectors.verdict(document)
    problems = list(verdict.problems)
    unsealed = _theirs_in_month(person, announcement) - len(document["entries"])
    if unsealed > 0:
        problems.append(
            ngettext(
                "%(count)d of your point changes dated in this month is not in its seal: "
                "it was written after the month was sealed.",
                "%(count)d of your point changes dated in this month are not in its seal: "
                "they were written after the month was sealed.",
                unsealed,
            )
            % {"count": unsealed}
        )
    return MonthCheck(
        announcement=announcement, entries=len(document["entries"]), problems=problems
    )


def sealed_months(person: Person) -> list[Announcement]:
    """The published months of the person's community, newest first (``MONTHS_CHECKED``)."""
    if person.community is None:
        return []
    return list(selectors.published(person.community)[:MONTHS_CHECKED])


def check_mine(person: Person) -> MyCheck:
    """Every sealed month of the person's community: their entries against its seal."""
    months = []
    for found in sealed_months(person):
        try:
            months.append(check_month(person, found))
        except ValueError:  # the leaves stored at sealing are not whole: a failure, shown
            months.append(unreadable_month(found))
    return MyCheck(months=months)


def unreadable_month(announcement: Announcement) -> MonthCheck:
    """A month whose stored seal data cannot be read is a failure to show, never a crash."""
    return MonthCheck(
        announcement=announcement,
        entries=0,
        problems=[_("This month's seal could not be read on the server. Tell the community.")],
    )


@dataclass(frozen=True)
class SealFacts:
    """What anyone can check of a published month from what is printed on its 公示."""

    announcement: Announcement
    seal_ok: bool  # the seal follows from community, month, count, root and previous seal
    previous: Announcement | None  # the community's latest earlier published month
    chain_ok: bool  # the printed previous seal is that month's seal (empty for the first)
    # v2: the seal's last line (the sealed totals as printed), "" for v1 or when unreadable
    totals_line: str = ""
    # The county's checkpoint: True holds this seal, False holds another seal for this
    # month (rewritten after publication), None holds nothing of it (sealed before
    # checkpoints were kept).
    witnessed: bool | None = None


def witnessed_month(announcement: Announcement) -> bool | None:
    """Whether the logs above the community hold this month's seal (see ``SealFacts``)."""
    community, month = announcement.community, announcement.month
    if witness.witnessed(community, WitnessKind.MONTH, month, seal=announcement.seal):
        return True
    if witness.witnessed(community, WitnessKind.MONTH, month):
        return False
    return None


def seal_facts(announcement: Announcement) -> SealFacts:
    try:
        expected = seal.seal_of(
            announcement.version,
            announcement.community.code,
            announcement.month,
            int(announcement.leaf_count or 0),
            announcement.root,
            announcement.previous_seal,
            selectors.sealed_totals(announcement) if announcement.version == seal.V2 else None,
        )
    except ValueError:  # stored totals that are no integers, an unknown version: not ok
        expected = ""
    previous = (
        selectors.published()
        .filter(community=announcement.community, month__lt=announcement.month)
        .order_by("-month")
        .first()
    )
    chain_ok = announcement.previous_seal == (previous.seal if previous else "")
    line = ""
    if announcement.version == seal.V2:
        try:
            line = seal.totals_line(selectors.sealed_totals(announcement))
        except (ValueError, TypeError, KeyError):
            line = ""
    return SealFacts(
        announcement=announcement,
        seal_ok=expected == announcement.seal,
        previous=previous,
        chain_ok=chain_ok,
        totals_line=line,
        witnessed=witnessed_month(announcement),
    )
