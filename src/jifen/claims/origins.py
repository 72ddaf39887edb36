"""Where a claim came from, as its pages tell it.

Claims sit below the domains that make claims from their own records (a service request,
a grid incident), so this package reads none of them. A domain that wants its claims to
say where they came from registers a describer here (from its ``AppConfig.ready``); a
claim of a source nobody describes shows its source's name alone.
"""

from collections.abc import Callable
from dataclasses import dataclass

from jifen.claims.models import Claim


@dataclass(frozen=True)
class Origin:
    """The record a claim was made from."""

    text: str  # e.g. 来自居民点单 #12
    console_url: str  # the record on the staff console (staff and the review group)
    url: str  # the record's own page (its people: the helper, the resident)
    rating: int | None = None  # 1–5 stars the resident gave, when they rated it
    # Who vouched for the service in the record (the resident who confirmed it, who asked
    # for them): none of them reviews the claim, as nobody reviews what they entered.
    parties: frozenset[int] = frozenset()


Describer = Callable[[Claim], Origin | None]
_describers: dict[str, Describer] = {}


def register(source: str, describer: Describer) -> None:
    _describers[source] = describer


def origin_of(claim: Claim) -> Origin | None:
    describe = _describers.get(claim.source)
    if describe is None or claim.source_id is None:
        return None
    return describe(claim)
