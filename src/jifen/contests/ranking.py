"""The contest's arithmetic, in whole hundredths, with no database: a judge's total, a
phase's mean, the final score and the ranking with its ties explained.

Every figure is rounded half up to hundredths once, where it is made, and the ranking
compares the rounded figures: what is published is what was ranked, so two projects shown
with the same total are tied, and the tie is broken — and said to be — by the roadshow
score, then the live answers, then the written review; equal on every one, they share
the place.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def half_up(numerator: int, denominator: int) -> int:
    """``round(numerator / denominator)`` with halves up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def sheet_total(values: Mapping[int, int], criteria: Iterable[tuple[int, int, int]]) -> int:
    """A judge's sheet in hundredths out of 100: Σ mark × weight / out-of, where
    ``criteria`` holds (id, weight %, out of). The marks are checked by the caller."""
    # Over a common denominator, so the only rounding is the last one.
    rows = list(criteria)
    denominator = 1
    for _id, _weight, out_of in rows:
        denominator *= out_of
    numerator = sum(
        values[cid] * weight * 100 * (denominator // out_of) for cid, weight, out_of in rows
    )
    return half_up(numerator, denominator)


def mean(totals: Sequence[int]) -> int | None:
    """The mean of the judges' totals, or None when nobody scored."""
    if not totals:
        return None
    return half_up(sum(totals), len(totals))


def final_score(
    roadshow: int | None, live: int | None, roadshow_weight: int, live_weight: int
) -> int:
    """(roadshow × its weight + live × its weight) / 100; a phase nobody scored counts 0."""
    return half_up((roadshow or 0) * roadshow_weight + (live or 0) * live_weight, 100)


@dataclass(frozen=True)
class Scored:
    entry: int
    code: str
    total: int
    roadshow: int
    live: int
    review: int


@dataclass(frozen=True)
class Placed:
    entry: int
    rank: int
    tie_break: str  # "", "roadshow", "live", "review", "shared"


def rank(rows: Sequence[Scored]) -> list[Placed]:
    """Places by total; a tie on the total is broken by roadshow, then live, then review,
    and names what broke it; entries equal on all four share the place (competition
    ranking: 1, 2, 2, 4). The order among those sharing a place is by their code."""
    keyed = sorted(rows, key=lambda r: (-r.total, -r.roadshow, -r.live, -r.review, r.code))
    placed: list[Placed] = []
    for index, row in enumerate(keyed):
        tied = [other for other in rows if other.total == row.total and other is not row]
        if not tied:
            placed.append(Placed(row.entry, index + 1, ""))
            continue
        same = [
            o
            for o in tied
            if (o.roadshow, o.live, o.review) == (row.roadshow, row.live, row.review)
        ]
        if index > 0:
            previous = keyed[index - 1]
            if (previous.total, previous.roadshow, previous.live, previous.review) == (
                row.total,
                row.roadshow,
                row.live,
                row.review,
            ):
                placed.append(Placed(row.entry, placed[-1].rank, "shared"))
                continue
        if same:
            placed.append(Placed(row.entry, index + 1, "shared"))
            continue
        placed.append(Placed(row.entry, index + 1, _decided_by(row, tied)))
    return placed


def _decided_by(row: Scored, tied: Iterable[Scored]) -> str:
    """What first tells ``row`` apart from every entry it is tied with on the total."""
    order = (("roadshow", "roadshow"), ("live", "live"), ("review", "review"))
    deepest = 0
    for other in tied:
        for depth, (field, _name) in enumerate(order):
            if getattr(other, field) != getattr(row, field):
                deepest = max(deepest, depth)
                break
    return order[deepest][1]
