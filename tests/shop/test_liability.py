"""The liability dashboard (积分负债): can a community's supermarket honour the points in
residents' hands? One small community worked out by hand, to the point and the fen.

The history of earlier months is posted through the ledger with its dates (the ledger
is append-only: a transfer's time cannot be changed after it is posted).
"""

from datetime import date, datetime

import pytest
from django.utils import timezone

from jifen.lib.errors import NotFound
from jifen.people.models import Organization
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.shop import selectors, services
from tests.shop.fixtures import carded, fund, set_policy, terms

pytestmark = pytest.mark.usefixtures("verified")
K = AccountKind
T = TransferKind


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def mid_month(back: int) -> datetime:
    """Noon on the 15th, ``back`` months ago: far from any month boundary in any zone."""
    first = month_start(timezone.localdate(), back)
    return datetime(first.year, first.month, 15, 12, tzinfo=timezone.get_current_timezone())


class History:
    """Transfers of past months, through the real posting code."""

    def __init__(self, community) -> None:
        self.issuer = system_account(community, K.ISSUER)
        self.shop = system_account(community, K.SHOP)
        self.n = 0

    def _post(self, debit, credit, amount, kind, back, reverses=None) -> Transfer:
        self.n += 1
        return post(
            Posting(
                debit=debit,
                credit=credit,
                amount=amount,
                kind=kind,
                key=f"history:{self.n}",
                created_at=mid_month(back),
                reverses=reverses,
            )
        )

    def award(self, holder, amount: int, back: int) -> Transfer:
        return self._post(self.issuer, account_for(holder), amount, T.AWARD, back)

    def redeem(self, holder, amount: int, back: int) -> Transfer:
        return self._post(account_for(holder), self.shop, amount, T.REDEMPTION, back)

    def refund(self, redemption: Transfer, back: int) -> Transfer:
        return self._post(
            redemption.credit, redemption.debit, redemption.amount, T.REFUND, back, redemption
        )


def test_the_liability_of_a_small_community(shop):
    w = shop.world
    set_policy(w.wenchang, point_value_fen=50)  # a point is worth 0.50 元 here
    history = History(w.wenchang)
    school = Organization.objects.create(region=w.wenchang, name="文昌小学")
    history.award(w.resident, 1000, back=5)
    history.award(school, 100, back=5)
    fund(w.neighbour, 77)  # 金悦's ledger: not 文昌's liability
    # Redeemed, net of refunds: 4 months ago 300 (before the last three full months),
    # 2 months ago 60 (+30 refunded the same month), last month 90, 3 months ago nothing.
    history.redeem(w.resident, 300, back=4)
    history.redeem(w.resident, 60, back=2)
    history.refund(history.redeem(w.resident, 30, back=2), back=2)
    history.redeem(w.resident, 90, back=1)

    # This month, at the counter: a 20-point item of which 3 of 10 leave, and the merchant.
    soap = services.create_item(actor=w.staff, terms=terms(name="香皂", points=20, stock=10))
    services.redeem(actor=w.resident, item=soap, quantity=2)  # waiting: 40
    handed = services.redeem(actor=w.resident, item=soap, quantity=1)
    services.fulfil(actor=w.staff, order=handed)  # handed over: 20
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(w.resident))  # 20
    services.redeem(actor=w.resident, item=shop.haircut, quantity=1)  # waiting: 20
    # Not stock on hand: an item off sale, the county's towels, the merchant's offers.
    off = services.create_item(actor=w.staff, terms=terms(name="旧款毛巾", points=5, stock=4))
    services.set_item_active(actor=w.staff, item=off, active=False)

    report = selectors.liability(w.wenchang)
    # 王淑英: 1000 - 300 - 60 - 90 - 40 - 20 - 20 - 20 = 450; 文昌小学: 100.
    assert report.outstanding == 550
    assert report.reserved == 40 + 20
    # 香皂 7 × 20, 大米 5 × 10, 花生油 20 × 30.
    assert report.stock_points == 140 + 50 + 600 == 790
    assert report.point_value_fen == 50
    assert report.outstanding_yuan == 275.0
    assert report.stock_yuan == 395.0
    # The last three full months: (90 + 60 + 0) / 3.
    assert report.monthly_redemption == 50.0
    assert report.cover_months == 15.8
    assert report.covers_outstanding
    rows = {row.month: row for row in report.months}
    this = month_start(timezone.localdate())
    assert report.months[0].month == this
    assert rows[month_start(this, 2)].redeemed == 60
    assert rows[month_start(this, 4)].redeemed == 300
    assert rows[month_start(this, 5)].issued == 1100
    assert rows[this].redeemed == 40 + 20 + 20 + 20

    # Covered exactly when the stock is worth every point in hand, not a point less.
    fund(w.resident, 240)
    assert selectors.liability(w.wenchang).outstanding == 790
    assert selectors.liability(w.wenchang).covers_outstanding
    fund(w.resident, 1)
    assert not selectors.liability(w.wenchang).covers_outstanding


def test_a_community_that_never_redeemed_has_no_months_of_cover(shop):
    w = shop.world
    fund(w.neighbour, 77)
    report = selectors.liability(w.jinyue)
    assert (report.outstanding, report.reserved, report.stock_points) == (77, 0, 0)
    assert report.point_value_fen == 10  # the default: 0.10 元
    assert report.outstanding_yuan == 7.7
    assert report.monthly_redemption == 0
    assert report.cover_months is None
    assert not report.covers_outstanding


def test_only_a_community_has_a_liability(shop):
    with pytest.raises(NotFound):
        selectors.liability(shop.world.town)
