"""The layout check the page tests rely on catches what it claims to catch."""

import pytest

from tests.browser.helpers import PHONE, assert_fits

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
FINE = VIEWPORT + '<main style="padding:16px"><h1>积分</h1><button>登录</button></main>'


@pytest.fixture
def bare_phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_it_passes_a_page_that_fits(bare_phone) -> None:
    bare_phone.set_content(FINE)
    assert_fits(bare_phone)


@pytest.mark.parametrize(
    ("html", "complaint"),
    [
        ('<div style="width:420px">很长的一行</div>', "sticks out"),
        ('<button style="margin-left:330px">提交</button>', "sticks out"),
        ('<p style="font-size:11px">小字</p>', "smaller than"),
    ],
)
def test_it_catches_overflow_and_tiny_text(bare_phone, html: str, complaint: str) -> None:
    bare_phone.set_content(FINE + html)
    with pytest.raises(AssertionError, match=complaint):
        assert_fits(bare_phone)


def test_it_catches_a_page_laid_out_for_a_desktop_screen(bare_phone) -> None:
    bare_phone.set_content(FINE.replace(VIEWPORT, ""))
    with pytest.raises(AssertionError, match="laid out 980 px wide"):
        assert_fits(bare_phone)


def test_a_wide_table_may_scroll_inside_its_own_box(bare_phone) -> None:
    bare_phone.set_content(
        FINE + '<div style="overflow-x:auto"><table style="width:900px"><tr><td>文昌社区</td>'
        "</tr></table></div>"
    )
    assert_fits(bare_phone)
