"""The resident's to-do lines open lists that show what they counted: on a phone, the
answered objections of every month (not only the first), tomorrow's activities only; and
the 未同意公示 line of the staff says no age."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jifen.points.services import save_rule_item
from jifen.shop.models import Item
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World, make_person
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


def test_a_resident_opens_every_answered_objection_and_tomorrows_activities(
    world: World, make: Make, phone: Any, screenshot: Any
) -> None:
    january, february = make.announcement(month="2026-01"), make.announcement(month="2026-02")
    for announcement, answer in ((january, "一月已补记"), (february, "二月已核实")):
        objection = make.objection(announcement, answered=ago(days=1))
        type(objection).objects.filter(pk=objection.pk).update(answer=answer)
    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = timezone.make_aware(datetime.combine(tomorrow, time(9)))
    soon = make.activity(starts=nine)
    later = make.activity(starts=nine + timedelta(days=3))
    type(soon).objects.filter(pk=soon.pk).update(title="明天上午的义诊")
    type(later).objects.filter(pk=later.pk).update(title="下周的巡河")
    make.signup(soon)
    make.signup(later)

    log_in(phone, world.resident.phone)
    phone.goto("/")
    line = phone.locator("section.todo li.todo-objections_answered")
    expect(line).to_contain_text(f"{zh('Objections answered')} 2")
    line.locator("a").click()
    entries = phone.locator("li.objection")
    expect(entries).to_have_count(2)
    expect(phone.locator("main")).to_contain_text("一月已补记")
    expect(phone.locator("main")).to_contain_text("二月已核实")
    assert_fits(phone)
    screenshot(phone, "inbox-objections-answered-phone")
    entries.filter(has_text="2026-02").locator("a").first.click()
    expect(phone).to_have_url(
        f"{phone.url.split('/public/')[0]}/public/announcements/{february.pk}/object/"
    )

    phone.goto("/")
    line = phone.locator("section.todo li.todo-activities_tomorrow")
    expect(line).to_contain_text(f"{zh('Activities tomorrow')} 1")
    line.locator("a").click()
    main = phone.locator("main")
    expect(main).to_contain_text("明天上午的义诊")
    expect(main).not_to_contain_text("下周的巡河")
    assert_fits(phone)


def test_staff_see_how_many_have_not_consented_without_an_age(
    world: World, make: Make, desktop: Any
) -> None:
    person = make_person(world.wenchang, "周未同意", consent_at=None)
    type(person).objects.filter(pk=person.pk).update(created_at=ago(days=40))
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/")
    line = desktop.locator("section.todo li.todo-unconsented")
    expect(line).to_contain_text("1")
    expect(line.locator(".todo-waited")).to_have_count(0)
