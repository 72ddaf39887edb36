"""The shop list tells a logged-in resident, item by item, whether they can redeem it today:
a red 兑换 button only where redeeming can work; otherwise the button is disabled and the
card says why (not enough points, the limit used, the window closed, sold out, not offered
to their community). One selector decides for the whole page in a fixed number of queries.

``shop`` (tests/shop/conftest.py): 文昌's 大米 5kg (10 points, stock 5) and 花生油 (30, stock
20, 2 a month), the county's 毛巾 (5), 爱心理发店's 义剪一次 (20)."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from jifen.people.models import Person
from jifen.shop import selectors, services
from jifen.shop.models import Item
from tests.shop.fixtures import Shop, fund, set_policy, terms


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def client_of(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def card(text: str, item: Item) -> str:
    start = text.index(f'id="item-{item.pk}"')
    return text[start : text.index("</article>", start)]


def enabled(piece: str) -> bool:
    """A red 兑换 link to the item, not a disabled button."""
    return "button wide primary" in piece and "disabled" not in piece


def reason(piece: str) -> str:
    found = re.search(r'<p class="why-not"[^>]*>(.*?)</p>', piece, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def listing(person: Person, query: str = "") -> str:
    response = client_of(person).get(f"/shop/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_an_item_beyond_the_balance_is_disabled_and_says_how_many_points_are_missing(
    shop: Shop,
):
    fund(shop.world.resident, 12)
    text = listing(shop.world.resident)
    rice, oil = card(text, shop.rice), card(text, shop.oil)
    assert enabled(rice) and reason(rice) == ""
    assert not enabled(oil)
    assert re.search(r"<button[^>]*disabled", oil)
    assert reason(oil) == zh("Not enough points: %(n)s more needed.") % {"n": 18}
    assert f'aria-describedby="why-{shop.oil.pk}"' in oil


def test_a_used_limit_a_sold_out_item_and_a_closed_window_each_say_why(shop: Shop):
    resident = shop.world.resident
    fund(resident, 500)
    for _ in range(2):
        services.redeem(actor=resident, item=shop.oil.pk, quantity=1)
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    text = listing(resident)
    oil, rice = card(text, shop.oil), card(text, shop.rice)
    with translation.override("zh-hans"):
        period = str(shop.oil.get_limit_period_display())
    assert not enabled(oil)
    assert reason(oil) == zh("The limit of %(n)s per person (%(period)s) has been reached.") % {
        "n": 2,
        "period": period,
    }
    assert not enabled(rice)
    assert reason(rice) == zh("All redeemed. Please look again after the shelves are restocked.")
    assert enabled(card(text, shop.towel))
    # A window that is closed today shuts the community's shelves; a merchant sells daily.
    set_policy(shop.world.wenchang, redemption_months=str(timezone.localdate().month % 12 + 1))
    text = listing(resident)
    assert reason(card(text, shop.towel)) == zh("Redeeming is closed today.")
    assert enabled(card(text, shop.haircut))


def test_the_list_agrees_with_the_service(shop: Shop):
    """Where the list shows a red button the service takes the order; where it says why
    not, the service refuses with that very code."""
    resident = shop.world.resident
    fund(resident, 35)
    services.redeem(actor=resident, item=shop.oil.pk, quantity=1)  # 5 points left
    items = list(selectors.items_for(shop.world.wenchang))
    offers = selectors.offers_for(resident, items, balance=5)
    assert {item.name: offers[item.pk].blocker for item in items} == {
        "毛巾": "",
        "大米 5kg": "insufficient_points",
        "花生油": "insufficient_points",
        "义剪一次": "insufficient_points",
    }
    assert offers[shop.oil.pk].taken == 1
    assert offers[shop.towel.pk].most == 1


def test_another_communitys_list_says_its_own_items_are_not_offered_to_the_reader(shop: Shop):
    fund(shop.world.stranger, 100)
    text = listing(shop.world.stranger, f"?community={shop.world.wenchang.code}")
    assert reason(card(text, shop.rice)) == zh("Not offered to your community.")
    # The county's towel is offered to every community of the county.
    assert enabled(card(text, shop.towel))


def test_a_visitor_is_asked_to_log_in_and_sees_no_reasons(shop: Shop):
    text = Client().get(f"/shop/?community={shop.world.wenchang.code}").content.decode()
    assert 'class="why-not"' not in text
    assert zh("Log in to redeem") in text


@pytest.mark.parametrize("limited", [False, True])
def test_the_verdicts_cost_the_same_queries_however_many_items(shop: Shop, limited: bool):
    resident = shop.world.resident
    fund(resident, 100)
    client = client_of(resident)
    client.get("/shop/")  # the session and the language settle
    with CaptureQueriesContext(connection) as few:
        client.get("/shop/")
    for n in range(10):
        extra = {"per_person_limit": 3, "limit_period": "year"} if limited else {}
        item = services.create_item(
            actor=shop.world.staff, terms=terms(name=f"物品{n}", points=n + 1, **extra)
        )
        services.redeem(actor=resident, item=item.pk, quantity=1)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/shop/").status_code == 200
    assert len(many) == len(few)
