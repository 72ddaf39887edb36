"""PDFs with Chinese text: ReportLab's built-in fonts have no CJK glyphs.

The font is looked for in the package (``jifen/fonts/``, for an installation that
bundles one) and then where Debian's ``fonts-wqy-zenhei`` puts it. WenQuanYi Zen Hei
is TrueType, which ReportLab embeds (a subset of the glyphs used); the Noto CJK fonts
Debian also ships are OpenType/CFF, which ReportLab cannot embed.
"""

from pathlib import Path
from typing import Any

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


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a QR code in a ``size`` square with its lower left corner at x, y,
    as vector squares: it prints sharp at any size."""
    import segno
    from reportlab.lib.colors import black, white

    code = segno.make(data, error="m")
    matrix = [list(row) for row in code.matrix]
    border = 2
    module = size / (len(matrix) + 2 * border)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # One rectangle per run of dark modules: smaller file, no hairline gaps.
                canvas.rect(
                    x + (start + border) * module,
                    y + size - (r + border + 1) * module,
                    (c - start) * module,
                    module,
                    stroke=0,
                    fill=1,
                )
            else:
                c += 1
    canvas.restoreState()
