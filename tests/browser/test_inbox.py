"""待办 as people use it: a reviewer at a desk sees what waits on the console home and opens
the filtered list in one click; a resident on a phone sees that an order is ready for
pickup and opens it; with nothing waiting, the homes say so."""

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.claims.models import Status as ClaimStatus
from jifen.points.services import save_rule_item
from jifen.shop.models import Item
from tests.browser.helpers import assert_fits, log_in, zh, zh_n
from tests.conftest import World
from tests.inbox.conftest import Make, ago


@pytest.fixture
def make(world: World) -> Make:
    version = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="邻里互助",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    )
    item = Item.objects.create(
        region=world.wenchang, name="洗洁精", points=10, stock=50, approved_at=timezone.now()
    )
    return Make(world=world, version=version, item=item)


def test_a_reviewer_opens_the_claims_waiting_from_the_console_home(
    world: World, make: Make, desktop: Any, screenshot: Any
) -> None:
    make.claim(created=ago(days=3))
    make.claim(world.neighbour, community=world.wenchang, created=ago(days=1))
    make.claim(world.reviewer)  # their own: not theirs to review
    appealed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=2))
    make.appeal(appealed, filed=ago(days=1))

    log_in(desktop, world.reviewer.phone)
    desktop.goto("/console/")
    todo = desktop.locator("section.todo")
    expect(todo.locator("h2")).to_have_text(zh("To-do"))
    line = todo.locator("li", has_text=zh("Claims to review"))
    expect(line).to_contain_text(f"{zh('Claims to review')} 2")
    expect(line).to_contain_text(
        zh_n("oldest %(n)s day ago", "oldest %(n)s days ago", 3) % {"n": 3}
    )
    # Oldest first: the claims (3 days) before the appeal (1 day).
    kinds = todo.locator("li").evaluate_all("items => items.map(i => i.className)")
    assert kinds == ["todo-line todo-claims_to_review", "todo-line todo-appeals"]
    screenshot(desktop, "inbox-console-reviewer")

    line.locator("a").click()
    expect(desktop).to_have_url(f"{desktop.url.split('/console/')[0]}/console/claims/?stage=first")
    expect(desktop.locator("table.queue tbody tr")).to_have_count(2)
    expect(desktop.locator("#id_stage")).to_have_value("first")

    # The appeals: their own filter, the 申诉中 badge.
    desktop.goto("/console/")
    desktop.locator("section.todo li", has_text=zh("Appeals to decide")).locator("a").click()
    rows = desktop.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(zh("Under appeal"))
    expect(rows.first.locator(f"a[href='/console/claims/{appealed.pk}/']").first).to_be_visible()


def test_a_resident_on_a_phone_sees_an_order_ready_for_pickup(
    world: World, make: Make, phone: Any, screenshot: Any
) -> None:
    order = make.order(created=ago(hours=26))
    log_in(phone, world.resident.phone)
    phone.goto("/")
    line = phone.locator("section.todo li", has_text=zh("Orders ready for pickup"))
    expect(line).to_contain_text(f"{zh('Orders ready for pickup')} 1")
    expect(line).to_contain_text(
        zh_n("oldest %(n)s day ago", "oldest %(n)s days ago", 1) % {"n": 1}
    )
    assert_fits(phone)
    screenshot(phone, "inbox-resident-phone")
    line.locator("a").click()
    expect(phone.locator(f"main a[href='/shop/orders/{order.pk}/']").first).to_be_visible()
    phone.locator(f"main a[href='/shop/orders/{order.pk}/']").first.click()
    expect(phone.locator("main")).to_contain_text(order.code)


def test_with_nothing_waiting_the_homes_say_so(world: World, make: Make, phone: Any) -> None:
    log_in(phone, world.resident.phone)
    phone.goto("/")
    expect(phone.locator("section.todo")).to_contain_text(zh("Nothing to do"))
    assert_fits(phone)
