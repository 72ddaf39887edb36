"""A published month of 文昌 for the public pages' tests (views, kiosk, browser)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from django.utils import timezone

from jifen.lib.months import label, month_bounds, previous_month, this_month
from jifen.people.models import Person
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, TransferKind
from jifen.publicity import services
from jifen.publicity.models import Announcement
from tests.conftest import World, make_person

_keys = count()


def last_month() -> str:
    return label(previous_month(this_month()))


def at_in(month: str, minutes: int) -> datetime:
    return month_bounds(month)[0] + timedelta(days=2, minutes=minutes)


def award(person: Person, amount: int, when: datetime) -> None:
    post(
        Posting(
            debit=system_account(person.community, AccountKind.ISSUER),
            credit=account_for(person),
            amount=amount,
            kind=TransferKind.AWARD,
            key=f"public-test:{next(_keys)}",
            created_at=when,
        )
    )


def redeem(person: Person, amount: int, when: datetime) -> None:
    post(
        Posting(
            debit=account_for(person),
            credit=system_account(person.community, AccountKind.SHOP),
            amount=amount,
            kind=TransferKind.REDEMPTION,
            key=f"public-test:{next(_keys)}",
            created_at=when,
        )
    )


@dataclass
class Month:
    month: str
    announcement: Announcement  # 文昌's, published
    draft: Announcement  # 金悦's, drafted and not published
    shy: Person  # registered by staff, has not agreed to publication
    people: list[Person] = field(default_factory=list)  # everyone with points in the month


def published_month(world: World, extra_lines: int = 0) -> Month:
    """文昌's last month: 王淑英 and others earn, 赵小明 (no consent) earns most, someone
    spends; published by the review group. 金悦's month is only drafted."""
    month = last_month()
    shy = make_person(world.wenchang, "赵小明")
    shy.consent_at = None
    shy.save()
    others = [make_person(world.wenchang, name) for name in ("欧阳淑梅", "李娜", "陈建国")]
    award(shy, 90, at_in(month, 1))
    award(world.resident, 60, at_in(month, 2))
    for n, person in enumerate(others):
        award(person, 30 - n * 10, at_in(month, 3 + n))
    redeem(world.resident, 15, at_in(month, 10))
    for n in range(extra_lines):
        award(others[n % len(others)], 1, at_in(month, 20 + n))
    award(world.neighbour, 40, at_in(month, 5))
    announcement = services.draft(actor=world.staff, community=world.wenchang, month=month)
    announcement = services.publish(actor=world.reviewer, announcement=announcement)
    draft = services.draft(actor=None, community=world.jinyue, month=month)
    # And this month, so far.
    award(world.resident, 25, timezone.now() - timedelta(seconds=5))
    return Month(
        month=month,
        announcement=announcement,
        draft=draft,
        shy=shy,
        people=[shy, world.resident, *others, world.neighbour],
    )
