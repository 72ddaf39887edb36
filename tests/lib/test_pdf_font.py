"""The Chinese font PDFs print in: bundled in the package, another one only if configured.

A font package on the machine is never needed; a configured font that cannot be used is
refused with a message naming JIFEN_PDF_FONT, not replaced behind the operator's back.
"""

import gettext
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.pdfgen.canvas import Canvas

from jifen.lib import pdf

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src" / "jifen" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
# Characters of residents' names that smaller fonts lack.
RARE = "堃喆犇燚淼赟玥珺彧弢昇琍"


@pytest.fixture(scope="module")
def bundled() -> TTFontFile:
    return TTFontFile(str(pdf.BUNDLED))


def test_the_bundled_font_is_truetype_with_its_licence_beside_it(bundled) -> None:
    assert pdf.BUNDLED.is_file() and pdf.BUNDLED.suffix == ".ttf"
    assert bundled.name == b"NotoSansSC-Regular"  # glyf outlines: ReportLab refuses CFF
    licence = (pdf.BUNDLED.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    # The wheel ships it: setuptools' package data names the folder.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "fonts/*" in project["tool"]["setuptools"]["package-data"]["*"]


def test_the_bundled_font_draws_every_common_ideograph_and_every_translated_message(
    bundled,
) -> None:
    drawn = bundled.charToGlyph
    # CJK Unified Ideographs, all but the 16 added last (the font has none of them).
    missing = [hex(c) for c in range(0x4E00, 0x9FF0) if c not in drawn]
    assert not missing, missing[:20]
    assert all(ord(c) in drawn for c in RARE)
    # Whatever the Chinese catalogue says may be printed in a PDF: every character of it.
    catalogue = gettext.GNUTranslations(CATALOGUE.open("rb"))
    text = {c for message in catalogue._catalog.values() for c in message}  # type: ignore[attr-defined]
    lacking = sorted(c for c in text if c.isprintable() and c != " " and ord(c) not in drawn)
    assert not lacking, lacking


def test_pdfs_use_the_bundled_font_by_default() -> None:
    with override_settings(JIFEN_PDF_FONT=""):
        name = pdf.cjk_font()
    assert pdfmetrics.getFont(name).face.filename == str(pdf.BUNDLED)


def test_a_configured_truetype_font_is_used_instead(tmp_path) -> None:
    # Another font: the bundled one renamed (ReportLab keeps one font per PostScript name).
    other = tmp_path / "house-font.ttf"
    renamed = "NotoSansSC-Regular".encode("utf-16-be"), "HouseFontSC-Normal".encode("utf-16-be")
    other.write_bytes(pdf.BUNDLED.read_bytes().replace(*renamed))
    with override_settings(JIFEN_PDF_FONT=str(other)):
        name = pdf.cjk_font()
        buffer = BytesIO()
        canvas = Canvas(buffer)
        canvas.setFont(name, 12)
        canvas.drawString(10, 10, "王堃喆")
        canvas.save()
    assert pdfmetrics.getFont(name).face.filename == str(other)
    assert b"+HouseFontSC-Normal" in buffer.getvalue()
    assert name != pdf.cjk_font()  # back to the bundled one once the setting is gone


def test_a_configured_font_that_is_not_there_is_refused_naming_the_setting(tmp_path) -> None:
    with (
        override_settings(JIFEN_PDF_FONT=str(tmp_path / "gone.ttf")),
        pytest.raises(ImproperlyConfigured, match="JIFEN_PDF_FONT") as refused,
    ):
        pdf.cjk_font()
    assert "gone.ttf" in str(refused.value)


def test_a_configured_file_that_is_no_truetype_font_is_refused_naming_the_setting(
    tmp_path,
) -> None:
    cff = tmp_path / "NotoSansCJK-Regular.otf"
    cff.write_bytes(b"OTTO" + bytes(200))  # an OpenType/CFF header: ReportLab cannot embed it
    with (
        override_settings(JIFEN_PDF_FONT=str(cff)),
        pytest.raises(ImproperlyConfigured, match="JIFEN_PDF_FONT") as refused,
    ):
        pdf.cjk_font()
    assert "TrueType" in str(refused.value)
