"""A partner shop's operator on their home page and at the counter (issue 13): 商户兑换台 is
said once — the heading — and the buttons say what they do."""

from django.test import Client
from django.utils import translation
from django.utils.html import escape

from tests.shop.fixtures import Shop, shop  # noqa: F401 - the fixture


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _body(client: Client, path: str) -> str:
    page = client.get(path).content.decode()
    return page[page.index("<body") :]  # what the page shows, not its <title>


def test_the_counter_is_named_once_on_the_operators_home(shop: Shop) -> None:  # noqa: F811
    client = Client()
    client.force_login(shop.operator)
    home = _body(client, "/")
    assert home.count(escape(_zh("Merchant counter"))) == 1
    assert f'href="/merchant/{shop.merchant.pk}/take/"' in home
    assert 'href="/merchant/"' in home
    assert _body(client, "/merchant/").count(escape(_zh("Merchant counter"))) == 1
