"""Transparency a resident can find, on a 360 px phone: 公示 from the header of any page,
核验我的积分 from 我的积分 in one tap, consent withdrawn after a confirmation, and a proof
file checked by upload on /verify/ by someone who is not logged in."""

import json
from pathlib import Path

from playwright.sync_api import expect

from jifen.people.models import Person
from tests.browser.helpers import assert_fits, log_in, open_menu, zh
from tests.conftest import World
from tests.publicity.public_data import published_month

HEADER_LINKS = ("public", "rankings", "verify")


def _header_links_fit(page) -> None:
    for name in HEADER_LINKS:
        link = page.locator(f"header .transparency-links a[data-link={name}]")
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
        assert box["height"] >= 30, (name, box)  # big enough to tap


def test_a_resident_finds_the_notices_and_verifies_their_points_on_a_phone(
    world: World, phone, screenshot
) -> None:
    month = published_month(world)
    phone.goto("/login/")
    _header_links_fit(phone)  # logged out, too
    assert_fits(phone)
    log_in(phone, world.resident.phone)
    _header_links_fit(phone)
    assert_fits(phone)

    phone.locator("header a[data-link=public]").click()
    expect(phone.locator("main h1")).to_have_text(zh("Public notices"))

    open_menu(phone)
    phone.locator("header a[href='/points/']").click()
    expect(phone.locator("main h1").first).to_have_text(zh("My points"))
    expect(phone.locator("#transparency [data-consent=given]")).to_be_visible()
    screenshot(phone, "my-points-verify-button-phone")
    assert_fits(phone)

    phone.locator("a[data-action=verify-mine]").click()
    expect(phone.locator("[data-verdict=ok]")).to_be_visible()
    expect(phone.locator("[data-verdict=ok]")).to_contain_text(zh("All correct."))
    expect(phone.locator("dd[data-count=months]")).to_have_text("1")
    expect(phone.locator("dd[data-count=entries]")).to_have_text("2")  # 60 earned, 15 spent
    expect(phone.locator("dd[data-count=seals]")).to_have_text("1")
    row = phone.locator(f"li[data-month='{month.month}']")
    expect(row).to_contain_text(month.announcement.seal)
    screenshot(phone, "verify-my-points-phone")
    assert_fits(phone)


def test_a_resident_withdraws_consent_after_a_confirmation(world: World, phone, screenshot) -> None:
    log_in(phone, world.resident.phone)
    phone.goto("/points/")
    phone.locator("#transparency a[href='/consent/']").click()
    expect(phone.locator("[data-consent=given]")).to_be_visible()
    phone.locator("main a[href='/consent/?withdraw=1']").click()

    expect(phone.locator("main h1")).to_have_text(zh("Withdraw your consent?"))
    expect(phone.locator("[data-note=sealed]")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(world.resident.volunteer_no or "")
    screenshot(phone, "consent-withdraw-confirm-phone")
    assert_fits(phone)
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None  # not yet

    phone.locator("main button[value=withdraw]").click()
    expect(phone.locator("[data-consent=none]")).to_be_visible()
    expect(phone.locator(".messages")).to_be_visible()
    assert Person.objects.get(pk=world.resident.pk).consent_at is None
    # Giving it again is one tap away.
    phone.locator("main button[value=agree]").click()
    phone.wait_for_load_state()
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None


def test_a_proof_downloaded_by_a_resident_is_checked_by_upload(
    world: World, phone, desktop, tmp_path: Path, screenshot
) -> None:
    month = published_month(world)
    log_in(desktop, world.resident.phone)
    desktop.goto("/verify/mine/")
    with desktop.expect_download() as info:
        desktop.locator(f"li[data-month='{month.month}'] a[download]").click()
    good = tmp_path / "jifen-proof.json"
    info.value.save_as(good)
    document = json.loads(good.read_text(encoding="utf-8"))
    assert document["seal"] == month.announcement.seal

    # Someone else, not logged in, on a phone (or from the QR printed on the paper 公示).
    phone.goto(f"/verify/announcements/{month.announcement.pk}/")
    expect(phone.locator("[data-check=seal] .check-ok")).to_be_visible()
    assert_fits(phone)
    phone.locator("header a[data-link=verify]").click()
    expect(phone.locator("main h1")).to_have_text(zh("Verify your points"))
    expect(phone.locator("textarea")).to_be_hidden()  # no JSON to paste unless asked for
    phone.locator("#id_proof").set_input_files(str(good))
    phone.locator("#upload form button[type=submit]").first.click()
    expect(phone.locator("[data-verdict=ok]")).to_be_visible()
    expect(phone.locator(".entries .check-ok")).to_have_count(len(document["entries"]))
    screenshot(phone, "verify-upload-ok-phone")
    assert_fits(phone)

    document["entries"][0]["entry"] = document["entries"][0]["entry"].replace(",60,", ",600,")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    phone.locator("#id_proof").set_input_files(str(tampered))
    phone.locator("#upload form button[type=submit]").first.click()
    expect(phone.locator("[data-verdict=failed]")).to_be_visible()
    expect(phone.locator(".entries .check-bad")).to_have_count(1)

    garbage = tmp_path / "photo.json"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n")
    phone.locator("#id_proof").set_input_files(str(garbage))
    phone.locator("#upload form button[type=submit]").first.click()
    expect(phone.locator("#upload .error").first).to_be_visible()
    screenshot(phone, "verify-upload-garbage-phone")
    assert_fits(phone)


def test_the_registration_consent_choice_reads_at_full_width_on_a_phone(
    world: World, phone
) -> None:
    phone.goto("/register/")
    help_text = phone.locator("#id_agree_help")
    expect(help_text).to_be_visible()
    box = help_text.bounding_box()
    assert box and box["width"] > 250, box  # not squeezed into a column beside the box
    # An error under a checkbox (as field.html writes it) takes the full width too.
    width = phone.evaluate(
        """() => {
          const error = document.createElement('p');
          error.className = 'error';
          error.textContent = '请勾选此项后再提交。';
          document.querySelector('#id_agree').closest('.field').appendChild(error);
          return error.getBoundingClientRect().width;
        }"""
    )
    assert width > 250, width
    assert_fits(phone)
