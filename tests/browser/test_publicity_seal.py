"""The public 公示 checks itself on a 360 px phone: an amount changed behind Jifen's back
after sealing shows at once as a red warning (role=alert) naming the total that no longer
adds up; an untouched month says it was checked; the county's checkpoint sits by the seal."""

from playwright.sync_api import expect

from jifen.points.models import Transfer
from tests.browser.helpers import assert_fits
from tests.conftest import World
from tests.publicity.public_data import published_month
from tests.publicity.test_tamper import raw, triggers_dropped


def test_the_public_page_warns_in_red_when_its_lines_do_not_add_up(
    world: World, phone, screenshot
) -> None:
    month = published_month(world)
    announcement = month.announcement
    phone.goto(f"/public/announcements/{announcement.pk}/")
    expect(phone.locator("[data-self-check='ok']")).to_be_visible()
    expect(phone.locator("[role='alert']")).to_have_count(0)
    expect(phone.locator(".pub-seal .witness-badge")).to_be_visible()
    assert_fits(phone)

    sealed = (
        Transfer.objects.filter(region=announcement.community, debit__kind="issuer")
        .order_by("pk")
        .first()
    )
    assert sealed is not None
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = amount + 200 WHERE id = %s", [sealed.pk])
    phone.reload()
    alert = phone.locator("[role='alert'][data-self-check='failed']")
    expect(alert).to_be_visible()
    expect(alert.locator("[data-total='issued']")).to_be_visible()
    color = alert.evaluate("e => getComputedStyle(e).color")
    inside = color[color.index("(") + 1 : color.index(")")]
    red, green, blue = (int(x) for x in inside.split(",")[:3])
    assert red > 120 and red > green + 40 and red > blue + 40, color
    screenshot(phone, "public-announcement-warning-phone")
    assert_fits(phone)
