"""/verify/ in the page's language (issue 13): the proof file is chosen through a button
that says 选择核验文件 and names the chosen file, not the browser's own "Choose file / No file
chosen"; it works from the keyboard; the method is linked by name and opens."""

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import assert_fits, zh
from tests.conftest import World
from tests.publicity.public_data import published_month


def test_the_proof_file_is_chosen_with_a_chinese_button_and_named(
    world: World, phone, tmp_path: Path, screenshot
) -> None:
    month = published_month(world)
    phone.goto("/verify/")
    button = phone.locator("#upload label.file-button")
    expect(button).to_be_visible()
    expect(button).to_contain_text(zh("Choose the proof file"))
    name = phone.locator("#upload [data-file-name]")
    expect(name).to_have_text(zh("No file chosen"))
    # The browser's own control is out of sight but still the one that takes the file,
    # named by its label.
    field = phone.locator("#id_proof")
    box = field.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1), box
    assert field.evaluate("input => input.labels[0].textContent.trim()") == zh(
        "Choose the proof file"
    )
    assert_fits(phone)

    # From the keyboard: Tab reaches it, and the focus ring shows on the button.
    phone.locator("#upload h2").click()
    for _ in range(5):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.id") == "id_proof":
            break
    assert phone.evaluate("document.activeElement.id") == "id_proof"
    outline = button.evaluate("label => getComputedStyle(label).outlineStyle")
    assert outline == "solid"

    proof = tmp_path / "jifen-proof-2026-05.json"
    proof.write_bytes(b"\x89PNG\r\n\x1a\n")  # a photo named .json
    field.set_input_files(str(proof))
    expect(name).to_have_text("jifen-proof-2026-05.json")
    screenshot(phone, "verify-file-chosen-phone")
    phone.locator("#upload form button[type=submit]").first.click()
    expect(phone.locator("#upload .error").first).to_be_visible()  # not a proof: said so
    assert month.announcement.pk  # the page had a sealed month to check against


def test_the_method_is_linked_by_name_and_opens(world: World, phone) -> None:
    phone.goto("/verify/")
    link = phone.get_by_role("link", name=zh("The verification method explained"))
    expect(link).to_be_visible()
    expect(phone.locator("main")).not_to_contain_text("docs/verification.md")
    link.click()
    expect(phone.locator("main h1")).to_have_text(zh("How verification works"))
    expect(phone.locator("pre.doc")).to_contain_text("jifen-seal-v1")
    expect(phone.locator("main")).not_to_contain_text("docs/verification.md")
    assert_fits(phone)
