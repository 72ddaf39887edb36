"""物业互评 as people live it: an owner on the panel scores the checklist on a 360 px phone
and records a problem with a photo; staff at a desktop publish it for the company to
rectify; the company's contact reports it rectified on their phone; staff verify the
fix; the public page (no login) shows the finding verified, naming no one."""

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from jifen.property_review.models import Finding, FindingStatus, Score
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.property_review.conftest import Estate, first_inspection, make_estate, plan_round


@pytest.fixture
def estate(world) -> Estate:
    return make_estate(world)


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "problem.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_finding_from_the_panels_phone_to_a_verified_fix_in_public(
    world, estate, browser, live_server, screenshot, tmp_path
):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    items = list(round_.items.all())

    # The owner on the panel, on their phone: score every item, then record a problem.
    owner = browser_page(browser, live_server, PHONE)
    log_in(owner, estate.owner.phone)
    owner.goto("/property-reviews/")
    owner.locator(f"[data-inspection='{inspection.pk}'] a.button").click()
    owner.wait_for_load_state()
    assert_fits(owner)
    for item in items:
        owner.locator(f"#score-{item.pk}").fill(str(item.max_score - 1))
    owner.locator("[data-save-scores]").click()
    owner.wait_for_load_state()
    expect(owner.locator("[data-scored]")).to_have_attribute("data-scored", str(len(items)))
    assert Score.objects.filter(member__person=estate.owner).count() == len(items)
    owner.locator("#id_finding-problem").fill("消防通道堆放杂物，堵住一半")
    owner.locator("#id_finding-location").fill("3栋东侧")
    owner.locator("#finding-photos").set_input_files(str(_photo(tmp_path)))
    owner.locator("[data-record-finding]").click()
    owner.wait_for_load_state()
    finding = Finding.objects.get()
    assert finding.status == FindingStatus.RECORDED and finding.photos.count() == 1
    expect(owner.locator(f"[data-finding='{finding.pk}']")).to_be_visible()
    assert_fits(owner)
    screenshot(owner, "property-review-phone-scoring")

    # Staff at a desktop sort it: the company's to rectify.
    staff = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto(f"/console/property-reviews/{round_.pk}/")
    staff.locator(f"[data-finding='{finding.pk}'] a").click()
    staff.wait_for_load_state()
    expect(staff.locator(".photos img")).to_have_count(1)
    staff.locator("#id_track-note").fill("请一周内清理")
    staff.locator("button[data-step='track']").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-finding-status]")).to_have_attribute("data-finding-status", "open")

    # The company's contact, on their phone: report it rectified.
    contact = browser_page(browser, live_server, PHONE)
    log_in(contact, estate.contacts[1].phone)
    contact.goto("/property-reviews/")
    contact.locator(f"[data-finding='{finding.pk}'] a").click()
    contact.wait_for_load_state()
    contact.locator("#id_fix-note").fill("杂物已全部清走，通道畅通")
    contact.locator("button[data-step='fix']").click()
    contact.wait_for_load_state()
    expect(contact.locator("[data-finding-status]")).to_have_attribute(
        "data-finding-status", "fixed"
    )
    assert_fits(contact)

    # Staff verify the fix.
    staff.reload()
    staff.locator("input[name='verify-ok'][value='yes']").check()
    staff.locator("button[data-step='verify']").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-finding-status]")).to_have_attribute(
        "data-finding-status", "verified"
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED

    # Anyone: the public page shows it verified, and no person's name.
    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/property-reviews/{round_.pk}/")
    expect(public.locator(f"[data-finding='{finding.pk}']")).to_have_attribute(
        "data-status", "verified"
    )
    text = public.locator("main").inner_text()
    for person in (estate.owner, estate.contacts[1], world.staff):
        assert person.name not in text
    expect(public.locator("main img")).to_have_count(0)
    assert_fits(public)
    screenshot(public, "property-review-public")
