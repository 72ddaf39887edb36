"""Every Excel export, downloaded through its page by the role that may, with names,
offers, memos, households and employers that begin the way a formula does: no cell of
any of them is a formula, and every text reads back as it was typed (OWASP "CSV
injection"; the hardening rules: "written as text, never as a formula").

People are named through the database, past the name checks of registration: whatever
reaches a workbook, however it got into the database, must stay text.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jifen.lib.masking import mask_name
from jifen.people.models import Household, Person
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, RuleVersion, TransferKind
from jifen.shop import services as shop_services
from jifen.shop.models import Item, Redemption
from tests.conftest import World, make_person
from tests.lib.test_xlsx import DANGEROUS, as_read_back
from tests.publicity.document_data import award, local, make_items, served
from tests.shop.fixtures import Shop, fund, shop  # noqa: F401 - the shop fixture

YEAR = timezone.localdate().year - 1


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def texts_of(response, url: str) -> list[str]:
    """The workbook's text cells, after asserting it has no formula at all."""
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), url
    book = load_workbook(BytesIO(response.content))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    if cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")):
                        assert cell.quotePrefix, (url, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def assert_intact(texts: Iterable[str], typed: Iterable[str], url: str) -> None:
    found = set(texts)
    for text in typed:
        assert as_read_back(text) in found, (url, text)


def rename(person: Person, name: str) -> Person:
    Person.objects.filter(pk=person.pk).update(name=name)
    person.refresh_from_db()
    return person


def test_the_statement_keeps_a_formula_like_name_item_and_memo_as_text(world: World) -> None:
    items = make_items(world)
    RuleVersion.objects.filter(item=items.visit).update(name="=1+1")
    version = RuleVersion.objects.get(item=items.visit)
    person = rename(world.resident, DANGEROUS[0])
    for memo in DANGEROUS:
        award(person, 10, memo=memo)
    post(
        Posting(
            debit=system_account(world.wenchang, AccountKind.ISSUER),
            credit=account_for(person),
            amount=5,
            kind=TransferKind.AWARD,
            key="safe-exports:rule",
            rule_version=version,
        )
    )
    url = f"/console/people/{person.pk}/statement/?format=xlsx"
    texts = texts_of(client_for(world.staff).get(url), url)
    assert_intact(texts, [*DANGEROUS, "=1+1"], url)


def test_the_annual_selection_lists_keep_formula_like_text_as_text(world: World) -> None:
    items = make_items(world)
    people = []
    for n, name in enumerate(DANGEROUS):
        household = Household.objects.create(region=world.wenchang, label=f"{name}#{n}")
        person = make_person(
            world.wenchang,
            f"志愿者{n}",
            is_reporting_party_member=True,
            employer=name,
            household=household,
        )
        people.append(rename(person, name))
        for day in range(5):  # 120 h: a star
            served(person, items.basic, 24, date(YEAR, 3, 1) + timedelta(days=day))
        award(person, 100 + n, local(date(YEAR, 3, 2)))
    client = client_for(world.staff)
    households = [f"{name}#{n}" for n, name in enumerate(DANGEROUS)]
    for kind, typed in (
        ("ranking", [*DANGEROUS, *households]),
        ("stars", [*DANGEROUS, *households]),
        ("households", households),
        ("party", DANGEROUS),
    ):
        url = f"/console/selection/{kind}.xlsx?community=350524100001&year={YEAR}"
        assert_intact(texts_of(client.get(url), url), typed, url)
    query = urlencode({"community": "350524100001", "year": YEAR, "employer": DANGEROUS[2]})
    url = f"/console/selection/party.xlsx?{query}"
    assert_intact(texts_of(client.get(url), url), [DANGEROUS[2]], url)


@pytest.fixture
def handed_over(shop: Shop) -> tuple[Shop, str]:  # noqa: F811 - the fixture above
    """An order for each formula-like offer name, by a resident with a formula-like name,
    handed over at the merchant this month."""
    world = shop.world
    buyers = []
    for n, name in enumerate(DANGEROUS):
        buyer = rename(make_person(world.wenchang, f"顾客{n}"), f"{name}{n}")
        fund(buyer, 100)
        buyers.append(buyer)
    for n, name in enumerate(DANGEROUS):
        offer = Item.objects.get(pk=shop.haircut.pk)
        offer.pk = None  # a copy of the merchant's live offer, under the formula-like name
        offer.name = name
        offer.save()
        order = shop_services.redeem(actor=buyers[n], item=offer, quantity=1)
        shop_services.fulfil(actor=shop.operator, order=order, code=order.code)
    assert Redemption.objects.filter(merchant=shop.merchant).count() == len(DANGEROUS)
    return shop, f"{timezone.localdate():%Y-%m}"


def test_the_merchants_month_and_the_settlement_keep_formula_like_text_as_text(
    handed_over: tuple[Shop, str],
) -> None:
    shop_, month = handed_over
    masked = [mask_name(f"{name}{n}") for n, name in enumerate(DANGEROUS)]
    for client, url in (
        (client_for(shop_.operator), f"/merchant/{shop_.merchant.pk}/{month}.xlsx"),
        (
            client_for(shop_.world.staff),
            f"/console/shop/merchants/{shop_.merchant.pk}/{month}.xlsx",
        ),
    ):
        texts = texts_of(client.get(url), url)
        assert_intact(texts, [*DANGEROUS, *masked], url)
