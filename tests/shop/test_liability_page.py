"""The liability page never says 暂无兑换 (no redemptions yet) beside redemptions: the
months-of-cover rate counts full months only, so a community that began redeeming this
month has no rate yet — the page says what was redeemed this month instead."""

import html

from django.test import Client
from django.utils import translation

from jifen.shop import services
from tests.shop.fixtures import Shop, fund


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def liability_page(shop: Shop) -> str:
    client = Client()
    client.force_login(shop.world.staff)
    response = client.get(f"/console/shop/liability/?community={shop.world.wenchang.code}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def cover(text: str) -> str:
    start = text.index('data-figure="cover"')
    return text[start : text.index("</div>", start)]


def test_redemptions_this_month_are_not_called_none(shop: Shop):
    fund(shop.world.resident, 200)
    for _ in range(2):
        services.redeem(actor=shop.world.resident, item=shop.oil.pk, quantity=1)
    figure = cover(liability_page(shop))
    assert zh("no redemptions yet") not in figure
    assert (
        zh("%(n)s points redeemed this month; the rate counts full months only") % {"n": 60}
        in figure
    )


def test_a_community_that_never_redeemed_says_so(shop: Shop):
    figure = cover(liability_page(shop))
    assert zh("no redemptions yet") in figure
