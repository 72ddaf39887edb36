"""PDFs with Chinese text: ReportLab's built-in fonts have no CJK glyphs.

Every PDF prints in Noto Sans SC, which ships inside the package (``jifen/fonts/``, made by
``tools/subset_font.py``; SIL Open Font License, ``OFL.txt`` beside it), so no machine needs
a font package to print a card or a 公示. ReportLab embeds in each document a subset of the
glyphs it uses: the PDF shows the same on any reader.

``JIFEN_PDF_FONT`` may name another font file instead (a fuller one, or an office's house
font). It must have TrueType outlines (.ttf, or a .ttc whose first face is used): ReportLab
cannot embed OpenType/CFF fonts such as Debian's Noto Sans CJK. A setting that names no
usable file is refused with a message naming it, never silently replaced.
"""

import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BUNDLED = Path(__file__).resolve().parents[1] / "fonts" / "NotoSansSC-Regular.ttf"
# The name ReportLab knows the font by. The PDF itself names the file's own PostScript
# name (its /BaseFont, e.g. ABCDEF+NotoSansSC-Regular).
FONT_NAME = "JifenChinese"
SETTING = "JIFEN_PDF_FONT"

_registered: dict[Path, str] = {}
_lock = threading.Lock()


def find_cjk_font() -> Path:
    """The font file PDFs print in: the one ``JIFEN_PDF_FONT`` names, else the bundled one."""
    configured = str(getattr(settings, SETTING, "") or "")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ImproperlyConfigured(
                f"{SETTING} names {configured}, which is not a file. Point it at a TrueType "
                "font (.ttf or .ttc), or unset it to print PDFs in the font bundled with Jifen."
            )
        return path
    if not BUNDLED.is_file():
        raise ImproperlyConfigured(
            f"The Chinese font bundled for PDFs is missing: {BUNDLED}. Reinstall Jifen "
            f"(the font ships with the package), or set {SETTING} to a TrueType font file."
        )
    return BUNDLED


def cjk_font() -> str:
    """The name of a registered font that draws Chinese; registers it on first use."""
    path = find_cjk_font()
    name = _registered.get(path)
    if name is None:
        with _lock:
            name = _registered.get(path) or _register(path)
    return name


def _register(path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    # One ReportLab name for each file, so a changed setting (or a test's) takes effect.
    name = FONT_NAME if path == BUNDLED else f"{FONT_NAME}{len(_registered) + 1}"
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except (TTFError, OSError) as exc:
        where = SETTING if path != BUNDLED else "The bundled PDF font"
        raise ImproperlyConfigured(
            f"{where} ({path}) cannot be embedded in PDFs: {exc}. It must be a TrueType font "
            "(.ttf or .ttc with glyf outlines); OpenType/CFF (.otf) fonts are not supported."
        ) from exc
    pdfmetrics.registerFont(font)
    _registered[path] = name
    return name


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
