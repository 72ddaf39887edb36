"""``jifen tick`` expires orders not picked up in time: each refunded once, however often
tick runs."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from jifen.points.models import Transfer, TransferKind
from jifen.points.verify import check_ledger
from jifen.shop import services
from jifen.shop.models import Item, Redemption
from jifen.shop.models import Status as S
from tests.shop.conftest import FUNDS, balance, move


def tick() -> list[str]:
    out = StringIO()
    call_command("tick", stdout=out)
    return out.getvalue().splitlines()


def shop_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("shop:")]


def test_tick_refunds_an_overdue_order_once_even_when_run_twice(shop, volunteer, order, outbox):
    overdue = move(order(quantity=2), expires_at=timezone.now() - timedelta(minutes=1))
    waiting = order()
    handed = services.fulfil(actor=shop.world.staff, order=order())
    move(handed, expires_at=timezone.now() - timedelta(days=1))
    assert balance(volunteer) == FUNDS - 40
    assert Item.objects.get(pk=shop.rice.pk).stock == 1

    first = tick()
    assert shop_lines(first) == ["shop: 1 order(s) not picked up in time expired and refunded"]
    expired = Redemption.objects.get(pk=overdue.pk)
    assert expired.status == S.EXPIRED and expired.refund is not None
    assert expired.refund.kind == TransferKind.REFUND and expired.refund.amount == 20
    assert expired.refund.reverses_id == overdue.transfer_id
    assert balance(volunteer) == FUNDS - 20
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    # The order still waiting and the one handed over are left alone.
    assert Redemption.objects.get(pk=waiting.pk).status == S.RESERVED
    assert Redemption.objects.get(pk=handed.pk).status == S.FULFILLED

    refunds = Transfer.objects.filter(kind=TransferKind.REFUND).count()
    again = tick()
    assert shop_lines(again) == []
    assert Transfer.objects.filter(kind=TransferKind.REFUND).count() == refunds == 1
    assert balance(volunteer) == FUNDS - 20
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    assert list(check_ledger()) == []


def test_tick_says_nothing_of_the_shop_when_nothing_is_overdue(shop, volunteer, order):
    order()
    assert shop_lines(tick()) == []
    assert Redemption.objects.get().status == S.RESERVED
