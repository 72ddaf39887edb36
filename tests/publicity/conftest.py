"""A community's month in the past, with point changes dated into it.

Transfers are posted through the real posting code (``jifen.points.ledger.post``), dated
with ``Posting(created_at=...)`` into last month or the month before, as the ledger tests
do. Other test folders may import these fixtures:

    from tests.publicity.conftest import Book, last_month, months  # noqa: F401
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from jifen.lib.months import label, previous_month, this_month
from jifen.people.models import Person, Role, RoleGrant
from jifen.points.ledger import Posting, account_for, award_accounts, post, system_account
from jifen.points.models import AccountKind, RuleVersion, Transfer, TransferKind
from jifen.points.services import save_rule_item
from jifen.publicity import services
from jifen.publicity.models import Announcement
from jifen.regions.models import Region
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import World, make_person


@dataclass(frozen=True)
class Months:
    """Month labels (YYYY-MM) relative to today, in the deployment's time zone."""

    this: str
    last: str  # the month just ended
    before: str  # the month before that

    @classmethod
    def now(cls) -> "Months":
        first = this_month()
        last = previous_month(first)
        return cls(this=label(first), last=label(last), before=label(previous_month(last)))


def at(month: str, day: int, hour: int = 10, minute: int = 0, micro: int = 0) -> datetime:
    """A moment of ``month`` (YYYY-MM) in the deployment's time zone."""
    year, number = (int(part) for part in month.split("-"))
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, number, day, hour, minute, 0, micro, tzinfo=zone)


class Book:
    """Posting dated transfers through the real posting code; each gets its own key."""

    def __init__(self) -> None:
        self.n = 0

    def key(self, prefix: str) -> str:
        self.n += 1
        return f"publicity-test:{prefix}:{self.n}"

    def award(
        self,
        person: Person,
        amount: int,
        when: datetime,
        rule_version: RuleVersion | None = None,
        memo: str = "",
        kind: str = TransferKind.AWARD,
    ) -> Transfer:
        issuer, holder = award_accounts(person)
        return post(
            Posting(
                debit=issuer,
                credit=holder,
                amount=amount,
                kind=kind,
                key=self.key("award"),
                memo=memo,
                rule_version=rule_version,
                service_date=when.date(),
                created_at=when,
            )
        )

    def redeem(self, person: Person, amount: int, when: datetime, memo: str = "") -> Transfer:
        assert person.community is not None
        return post(
            Posting(
                debit=account_for(person),
                credit=system_account(person.community, AccountKind.SHOP),
                amount=amount,
                kind=TransferKind.REDEMPTION,
                key=self.key("redeem"),
                memo=memo,
                created_at=when,
            )
        )


@pytest.fixture
def months() -> Months:
    return Months.now()


@pytest.fixture
def book() -> Book:
    return Book()


@dataclass
class Month:
    """文昌社区's last month: four residents, six transfers (one a redemption), and one
    award in 金悦社区 the same month, which is not 文昌's."""

    world: World
    community: Region
    month: str
    item: RuleVersion
    li: Person  # 李明: two characters, 李*
    ouyang: Person  # 欧阳淑梅: four characters, 欧**梅
    shy: Person  # 赵默默, who has not agreed to publication: 志愿者 + number
    transfers: list[Transfer] = field(default_factory=list)  # 文昌's, in id order
    elsewhere: list[Transfer] = field(default_factory=list)  # 金悦's, same month

    @property
    def resident(self) -> Person:
        return self.world.resident


@pytest.fixture
def last_month(world: World, months: Months, book: Book) -> Month:
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="clean",
        name="楼道清扫",
        category="环境卫生",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    )
    li = make_person(world.wenchang, "李明")
    ouyang = make_person(world.wenchang, "欧阳淑梅")
    shy = make_person(world.wenchang, "赵默默", consent_at=None, consent_source="")
    m = months.last
    transfers = [
        book.award(world.resident, 20, at(m, 3, 9, 30), item, "江滨花园3栋楼道清扫 2 小时"),
        book.award(li, 10, at(m, 5, 15), item, "楼道清扫 1 小时"),
        book.award(ouyang, 30, at(m, 8, 8, 15), item, "楼道清扫 3 小时"),
        book.redeem(world.resident, 15, at(m, 12, 16, 40), "兑换 洗衣液 1 瓶"),
        book.award(shy, 10, at(m, 15, 19), item, "楼道清扫 1 小时"),
        book.award(li, 5, at(m, 20, 11), None, "表彰", kind=TransferKind.BONUS),
    ]
    elsewhere = [book.award(world.neighbour, 5, at(m, 4, 10), item, "金悦 楼道清扫")]
    return Month(
        world=world,
        community=world.wenchang,
        month=m,
        item=item,
        li=li,
        ouyang=ouyang,
        shy=shy,
        transfers=transfers,
        elsewhere=elsewhere,
    )


@pytest.fixture
def jinyue_reviewer(world: World) -> Person:
    """A reviewer of 金悦社区, next door to 文昌 in the same town."""
    person = make_person(world.jinyue, "钱金审")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.jinyue)
    return person


@pytest.fixture
def drafted(last_month: Month) -> Announcement:
    """文昌's last month, drafted by its staff."""
    return services.draft(
        actor=last_month.world.staff, community=last_month.community, month=last_month.month
    )


@pytest.fixture
def published(last_month: Month, drafted: Announcement) -> Announcement:
    """文昌's last month, drafted by its staff and published by its reviewer."""
    return services.publish(actor=last_month.world.reviewer, announcement=drafted)
