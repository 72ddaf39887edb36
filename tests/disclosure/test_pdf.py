"""The PDF of an item and of a 村级月报 print their Chinese in the bundled font, with the
amounts in yuan, and show on the rendered page where the title is."""

import shutil
import time

import pytest
from django.test import Client

from jifen.disclosure import pdf, services
from tests.disclosure.conftest import sections
from tests.pdfcheck import BUNDLED_FONT, chinese_drawn, dark_pixels, embedded_fonts, render_gray

pytestmark = pytest.mark.django_db
TITLE_BOX = (0.05, 0.11, 0.15, 0.85)  # top, bottom, left, right of page 1


def _pdf(item) -> bytes:
    response = Client().get(f"/disclosures/{item.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_an_item_prints_in_the_bundled_font(world, notice):
    data = _pdf(notice)
    fonts = embedded_fonts(data)
    assert any(f.base_font.endswith("+" + BUNDLED_FONT) for f in fonts)
    assert set("东山片土地租赁公告文昌社区") <= chinese_drawn(data)


def test_a_report_prints_its_seven_headings(world):
    item = services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
    )
    data = _pdf(item)
    assert set("经营收入管理费用") <= chinese_drawn(data)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler is not installed")
def test_the_title_is_drawn_at_the_top(world, notice, tmp_path):
    rows = render_gray(_pdf(notice), tmp_path)
    assert dark_pixels(rows, *TITLE_BOX) > 30
    assert dark_pixels(rows, 0.5, 0.6, 0.15, 0.85) < 30  # the short item leaves the page blank


@pytest.mark.parametrize(
    ("columns", "rows", "cell"),
    [(20, 1, "村" * 200), (20, 500, "村" * 200), (1, 500, "x" * 200), (8, 40, "东" * 200)],
)
def test_a_wide_or_long_table_prints_within_pages_and_seconds(world, columns, rows, cell):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="other",
        title="大表",
        table={"columns": [f"列{i}" for i in range(columns)], "rows": [[cell] * columns] * rows},
    )
    started = time.monotonic()
    data = _pdf(item)
    assert time.monotonic() - started < 20
    assert set("大表列村") <= chinese_drawn(data)


def test_a_table_that_cannot_be_laid_out_is_left_out_not_a_500(world, monkeypatch):
    monkeypatch.setattr(pdf, "WIDE", 100)  # a 20-column table of long cells as one table
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="other",
        title="大表",
        table={"columns": [f"列{i}" for i in range(20)], "rows": [["村" * 200] * 20]},
    )
    data = _pdf(item)
    assert set("大表") <= chinese_drawn(data) and "列" not in chinese_drawn(data)
