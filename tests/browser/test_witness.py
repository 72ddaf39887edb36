"""Checkpoints as people use them: anyone opens the county's checkpoint on a 360 px
phone (the short hash to read aloud, the QR, what it covers, the download); the county
administrator, on a desktop, creates the signing key and signs this month's copy,
which downloads as checkpoint-<code>-<date>.json and verifies with the published key."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jifen.witness import document, selectors
from jifen.witness.models import Signature, SigningKey
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.publicity.conftest import (  # noqa: F401 - fixtures shared with publicity
    Month,
    book,
    drafted,
    last_month,
    months,
    published,
)

PASSPHRASE = "县档案室 2026 年度口令"


@pytest.mark.usefixtures("published")
def test_anyone_reads_the_checkpoint_on_a_phone(world, browser, live_server, screenshot):
    page = browser_page(browser, live_server, PHONE)
    page.goto(f"/public/checkpoints/{world.county.code}/")
    head = selectors.log_of(world.county).head  # type: ignore[union-attr]
    expect(page.locator("[data-short]")).to_have_text(f"{head[:4]} {head[4:8]}")
    expect(page.locator(".witness-qr svg")).to_be_visible()
    expect(page.locator(f"[data-community='{world.wenchang.code}']")).to_be_visible()
    expect(page.locator("[data-download]")).to_be_visible()
    assert_fits(page)
    screenshot(page, "witness-phone-checkpoint")
    with page.expect_download() as caught:
        page.locator("[data-download]").click()
    kept = json.loads(Path(caught.value.path()).read_bytes())
    document.check_chain(kept["entries"], kept["size"], kept["head"])
    assert kept["head"] == head


@pytest.mark.usefixtures("published")
def test_the_county_admin_creates_the_key_and_signs_the_months_copy(
    world, browser, live_server, screenshot
):
    page = browser_page(browser, live_server, DESKTOP)
    log_in(page, world.county_admin.phone)
    page.goto("/console/checkpoints/")
    page.locator(f"[data-region='{world.county.code}'] a").click()
    page.wait_for_load_state()
    page.locator("[data-key-form] #id_passphrase").fill(PASSPHRASE)
    page.locator("[data-key-form] #id_confirm").fill(PASSPHRASE)
    page.locator("[data-key-form] button[type=submit]").click()
    page.wait_for_load_state()
    key = SigningKey.objects.get(region=world.county)
    expect(page.locator(f"[data-fingerprint='{key.fingerprint}']")).to_be_visible()
    page.locator("[data-sign-form] #id_passphrase").fill(PASSPHRASE)
    with page.expect_download() as caught:
        page.locator("[data-sign-form] button[type=submit]").click()
    download = caught.value
    assert download.suggested_filename.startswith(f"checkpoint-{world.county.code}-")
    signed = json.loads(Path(download.path()).read_bytes())
    keys = {k["fingerprint"]: k["public_key"] for k in selectors.public_keys(world.county)}
    assert document.verify(signed, keys) == key.fingerprint
    assert Signature.objects.filter(region=world.county).count() == 1
    page.goto(f"/console/checkpoints/{world.county.code}/")
    expect(page.locator("[data-signature]")).to_have_count(1)
    assert_fits(page)
    screenshot(page, "witness-desktop-signing")
    # The public key page lists it for anyone.
    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/checkpoints/{world.county.code}/key")
    expect(public.locator(f"[data-fingerprint='{key.fingerprint}']")).to_be_visible()
    assert_fits(public)
