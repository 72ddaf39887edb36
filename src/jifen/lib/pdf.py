"""PDFs with Chinese text: ReportLab's built-in fonts have no CJK glyphs.

The font is looked for in the package (``jifen/fonts/``, for an installation that
bundles one) and then where Debian's ``fonts-wqy-zenhei`` puts it. WenQuanYi Zen Hei
is TrueType, which ReportLab embeds (a subset of the glyphs used); the Noto CJK fonts
Debian also ships are OpenType/CFF, which ReportLab cannot embed.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FONT_NAME = "WenQuanYiZenHei"
CANDIDATES = (
    Path(__file__).resolve().parents[1] / "fonts" / "wqy-zenhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),  # Fedora, Arch
)


def find_cjk_font() -> Path:
    for path in CANDIDATES:
        if path.is_file():
            return path
    raise ImproperlyConfigured(
        "No Chinese (CJK) font for PDFs: install Debian's fonts-wqy-zenhei "
        "(apt-get install fonts-wqy-zenhei) or put wqy-zenhei.ttc in src/jifen/fonts/. "
        "Looked in: " + ", ".join(str(p) for p in CANDIDATES)
    )


def cjk_font() -> str:
    """The name of a registered font that draws Chinese; registers it on first use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(find_cjk_font()), subfontIndex=0))
    return FONT_NAME
