"""``jifen verify``: every check of every domain, as one list.

A check is a function of the region to check (``None``: everywhere) that yields one
line per violation. Each runs guarded: one that cannot finish is a violation line
naming it, and the checks after it still run.
"""

from collections.abc import Callable, Iterable, Iterator

from jifen.disclosure.services import check_seals as check_disclosure_seals
from jifen.party.services import check_statements
from jifen.points.verify import check_ledger, guarded
from jifen.publicity.services import check_seals
from jifen.regions.models import Region

Check = Callable[[Region | None], Iterable[str]]


def _ledger(region: Region | None) -> Iterator[str]:
    # check_ledger guards each of its own checks (balances, flows, reversals).
    yield from check_ledger(region)


def _seals(region: Region | None) -> Iterator[str]:
    yield from guarded("seals", check_seals, region)


def _disclosures(region: Region | None) -> Iterator[str]:
    yield from guarded("disclosure seals", check_disclosure_seals, region)


def _statements(region: Region | None) -> Iterator[str]:
    yield from guarded("statements", check_statements, region)


CHECKS: tuple[tuple[str, Check], ...] = (
    ("ledger", _ledger),
    ("seals", _seals),
    ("disclosures", _disclosures),
    ("statements", _statements),
)


def violations(region: Region | None = None) -> Iterator[str]:
    """One line per violation of any check; nothing when everything holds."""
    for _name, check in CHECKS:
        yield from check(region)
