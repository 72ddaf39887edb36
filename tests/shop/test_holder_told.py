"""The holder hears of what others did with their points: an order placed for them (with
its pickup code), points a merchant took at the counter — and nothing of their own."""

from django.utils import translation

from jifen.notices.models import Notice
from jifen.shop import services
from tests.shop.fixtures import carded, fund


def kinds(person) -> list[str]:
    return list(Notice.objects.filter(person=person).values_list("kind", flat=True))


def test_an_order_placed_by_a_proxy_tells_the_holder_its_code(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=shop.relative, person=w.resident, item=shop.rice, quantity=1)
    [notice] = Notice.objects.filter(person=w.resident, kind="order_ready")
    assert order.code in notice.body and shop.relative.name in notice.body
    with translation.override("en"):
        assert notice.shown_title.startswith("An order was placed for you")


def test_an_order_of_ones_own_tells_nobody(shop):
    w = shop.world
    fund(w.resident, 100)
    services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    assert kinds(w.resident) == []


def test_points_taken_at_a_merchant_are_told_once_not_as_an_order_ready(shop):
    w = shop.world
    fund(w.resident, 100)
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(w.resident))
    assert kinds(w.resident) == ["points_taken"]
