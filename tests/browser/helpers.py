"""Seeing a page as a person does: their device, their language, what fits on their screen."""

import re
from typing import Any

from django.contrib.sessions.models import Session
from django.utils import translation

from jifen.people.models import Person
from tests.conftest import PASSWORD

HAN = re.compile(r"[\u4e00-\u9fff]")
# The smallest text an elderly resident is expected to read on a phone (CSS px).
MIN_FONT_PX = 13

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
DESKTOP = {
    "viewport": {"width": 1366, "height": 900},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def zh(text: str) -> str:
    """What a zh-CN browser is shown for an English message id."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def zh_n(singular: str, plural: str, n: int) -> str:
    """``zh`` for a message with a plural form."""
    with translation.override("zh-hans"):
        return translation.ngettext(singular, plural, n)


def assert_chinese(text: str) -> None:
    assert HAN.search(text), f"not Chinese (is the zh_Hans catalogue compiled?): {text!r}"


def logged_in_ids() -> list[int]:
    """Who holds a session in the database right now."""
    return sorted(
        int(session.get_decoded()["_auth_user_id"])
        for session in Session.objects.all()
        if "_auth_user_id" in session.get_decoded()
    )


def person_with_phone(phone: str) -> Person:
    return Person.objects.select_related("community", "household", "registered_by").get(phone=phone)


def assert_fits(page: Any) -> None:
    """Readable and within the screen: no tiny text, no sideways scrolling, no control off-screen.

    Content inside a box that scrolls or clips by itself (a wide table) may be wider.
    """
    found = page.evaluate(
        """MIN_FONT_PX => {
          const width = document.documentElement.clientWidth;
          const clipped = el => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
              if (getComputedStyle(up).overflowX !== 'visible') return true;
            }
            return false;
          };
          const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (typeof el.className === 'string' && el.className
               ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
          const sticking = [...document.body.querySelectorAll('*')]
            .filter(el => el.getClientRects().length && !clipped(el))
            .map(el => [el, el.getBoundingClientRect()])
            // wholly off to the left is the skip link's "visually hidden until focused"
            .filter(([el, r]) => r.right > 0 && (r.left < -1 || r.right > width + 1))
            .map(([el, r]) => `${name(el)} ${Math.round(r.left)}..${Math.round(r.right)}`);
          // Text a person has to read: any element holding words of its own.
          const tiny = [...document.body.querySelectorAll('*')]
            .filter(el => el.getClientRects().length)
            .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(el => parseFloat(getComputedStyle(el).fontSize) < MIN_FONT_PX)
            .map(el => `${name(el)} ${getComputedStyle(el).fontSize}`);
          return {width, scrollWidth: document.documentElement.scrollWidth, sticking, tiny};
        }""",
        MIN_FONT_PX,
    )
    screen = page.viewport_size["width"]
    assert found["width"] <= screen, f"laid out {found['width']} px wide for a {screen} px screen"
    assert not found["tiny"], f"text smaller than {MIN_FONT_PX} px: {found['tiny']}"
    assert not found["sticking"], f"sticks out of the {found['width']} px screen: {found}"
    assert found["scrollWidth"] <= found["width"], f"the page scrolls sideways: {found}"


def log_in(page: Any, phone_number: str, password: str = PASSWORD) -> None:
    """Log in through the real login page, as a person types it."""
    page.goto("/login/")
    page.locator("#id_phone").fill(phone_number)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def open_menu(page: Any) -> None:
    """Unfold the header's menu, as a person on a phone taps 菜单 (nothing on a big screen,
    where the links are in the header already)."""
    button = page.locator("header button[aria-controls=site-menu]")
    if button.count() and button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
