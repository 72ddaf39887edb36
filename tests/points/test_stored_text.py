"""Labels the code stores in the deployment's language — ledger memos ("兑换 洗洁精 × 1",
"清洁家园 × 2（16 号申报）"), public names ("志愿者 12") — are read in the reader's language
at display time; what is stored, and sealed, never changes."""

import html
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

import jifen
from jifen.lib.stored_text import TEMPLATES, in_reader_language
from jifen.points.ledger import ledger_text
from jifen.points.models import Transfer
from jifen.shop import services as shop
from jifen.shop.models import Redemption
from tests.conftest import World
from tests.shop.fixtures import fund

SOURCE = Path(jifen.__file__).parent


def zh(message: str, **params: object) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


@pytest.fixture
def soap_order(world: World) -> Transfer:
    fund(world.resident, 100)
    item = shop.create_item(
        actor=world.staff, terms=shop.ItemTerms(name="洗洁精", points=30, stock=5)
    )
    order = shop.redeem(actor=world.resident, item=item.pk, quantity=1)
    assert order.transfer is not None
    return order.transfer


def test_every_message_the_code_stores_through_ledger_text_is_known():
    """A new ledger memo must be listed in jifen.lib.stored_text.TEMPLATES, or English
    readers would see it in Chinese."""
    call = re.compile(r'ledger_text\(\s*_\(\s*"((?:[^"\\]|\\.)*)"', re.S)
    found = {
        message
        for path in SOURCE.rglob("*.py")
        if path.name != "stored_text.py"  # its docstring shows the call
        for message in call.findall(path.read_text(encoding="utf-8"))
    }
    assert len(found) >= 10
    assert found <= set(TEMPLATES), found - set(TEMPLATES)


def test_a_redemption_memo_is_stored_in_chinese_and_read_in_english(soap_order: Transfer):
    stored = Transfer.objects.get(pk=soap_order.pk).memo
    assert stored == zh("Redeemed %(item)s × %(n)s", item="洗洁精", n=1)
    with translation.override("en"):
        assert in_reader_language(stored) == "Redeemed 洗洁精 × 1"
    with translation.override("zh-hans"):
        assert in_reader_language(stored) == stored


def test_a_claim_memo_a_nested_reason_and_a_public_name_follow_the_reader():
    claim = ledger_text(
        "%(item)s × %(quantity)s (claim %(id)s)", item="清洁家园", quantity=2, id=16
    )
    cancel = ledger_text(
        "Order %(code)s cancelled: %(why)s", code="AB12", why=ledger_text("cancelled by staff")
    )
    typed = ledger_text("Order %(code)s cancelled: %(why)s", code="AB12", why="买错了")
    name = ledger_text("Volunteer %(number)s", number="0012")
    with translation.override("en"):
        assert in_reader_language(claim) == "清洁家园 × 2 (claim 16)"
        assert in_reader_language(cancel) == "Order AB12 cancelled: cancelled by staff"
        assert in_reader_language(typed) == "Order AB12 cancelled: 买错了"
        assert in_reader_language(name) == "Volunteer 0012"
        # What a person typed, an item's own name: exactly as stored.
        assert in_reader_language("楼道清扫，王阿姨帮忙") == "楼道清扫，王阿姨帮忙"
        assert in_reader_language("") == ""


def test_english_text_stored_earlier_reads_in_chinese_for_a_chinese_reader():
    with translation.override("zh-hans"):
        assert in_reader_language("Volunteer 0012") == zh("Volunteer %(number)s", number="0012")


def test_the_statement_page_shows_the_memo_in_english_and_leaves_the_ledger_as_it_was(
    world: World, soap_order: Transfer
):
    stored = Transfer.objects.get(pk=soap_order.pk).memo
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.staff)
    page = html.unescape(
        client.get(f"/console/people/{world.resident.pk}/statement/").content.decode()
    )
    assert "Redeemed 洗洁精 × 1" in page
    assert stored not in page
    mine = Client(HTTP_ACCEPT_LANGUAGE="en")
    mine.force_login(world.resident)
    assert "Redeemed 洗洁精 × 1" in html.unescape(mine.get("/points/").content.decode())
    chinese = Client()
    chinese.force_login(world.resident)
    assert stored in html.unescape(chinese.get("/points/").content.decode())
    assert Transfer.objects.get(pk=soap_order.pk).memo == stored


def test_an_order_cancelled_by_staff_gives_its_reason_in_the_readers_language(
    world: World, soap_order: Transfer
):
    order = Redemption.objects.get(transfer=soap_order)
    shop.cancel(actor=world.staff, order=order)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.resident)
    page = html.unescape(client.get(f"/shop/orders/{order.pk}/").content.decode())
    assert f"Order {order.code} cancelled: cancelled by staff" in page
