"""Reading the PDFs Jifen prints, for the tests.

Two ways: from the bytes alone, with nothing installed (which fonts are embedded, as
what, and which characters each embedded subset draws), and through poppler-utils
(``pdftoppm``, ``pdftotext``…) where it is installed. Without poppler those tests are
skipped and say why; in CI (``CI`` set, as ``.ci/run`` runs) they fail instead, like the
translation test without xgettext.
"""

import base64
import os
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jifen.lib.pdf import BUNDLED

# The PostScript name of the font bundled in jifen/fonts/: the PDF's /BaseFont is it,
# behind a subset tag (ABCDEF+NotoSansSC-Regular).
BUNDLED_FONT = "NotoSansSC-Regular"

_OBJECT = re.compile(rb"(\d+) 0 obj\b")
_REF = rb"/%s (\d+) 0 R"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def poppler(tool: str) -> str:
    """The path of a poppler-utils tool; skips the test (fails it in CI) when missing."""
    found = shutil.which(tool)
    if found is None:
        reason = f"{tool} (poppler-utils) is not installed, so the PDF is not rendered or read"
        if in_ci():
            pytest.fail(f"{reason}; CI must have it: apt-get install poppler-utils", pytrace=False)
        pytest.skip(f"{reason}: apt-get install poppler-utils")
    return found


@dataclass
class EmbeddedFont:
    base_font: str  # e.g. AAAAAA+NotoSansSC-Regular
    subtype: str  # TrueType for the Chinese font
    program: bytes  # the embedded font file (/FontFile2), b"" when not embedded
    chars: set[str] = field(default_factory=set)  # what its /ToUnicode says it draws

    @property
    def tables(self) -> dict[str, int]:
        """The sfnt tables of the embedded program and their lengths."""
        data = self.program
        if len(data) < 12:
            return {}
        count = int.from_bytes(data[4:6], "big")
        out = {}
        for i in range(count):
            entry = data[12 + 16 * i : 28 + 16 * i]
            out[entry[:4].decode("latin-1")] = int.from_bytes(entry[12:16], "big")
        return out


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and, if it has one, its stream (still encoded).

    Streams are stepped over by their /Length, so nothing inside one is read as PDF."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    pos = 0
    while match := _OBJECT.search(data, pos):
        end = data.index(b"endobj", match.end())
        head = data[match.end() : end]
        stream = None
        if (at := head.find(b"stream")) >= 0:
            head = head[:at]
            length = re.search(rb"/Length (\d+)", head)
            assert length, head
            start = match.end() + at + len(b"stream")
            start += 2 if data[start : start + 2] == b"\r\n" else 1
            stream = data[start : start + int(length[1])]
            end = data.index(b"endobj", start + len(stream))
        objects[int(match[1])] = (head, stream)
        pos = end
    return objects


def _decoded(head: bytes, stream: bytes) -> bytes:
    filters = re.search(rb"/Filter\s*\[?([^\]>]*)", head)
    names = re.findall(rb"/(\w+)", filters[1]) if filters else []
    for name in names:
        if name == b"ASCII85Decode":
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        elif name == b"FlateDecode":
            stream = zlib.decompress(stream)
        else:
            raise AssertionError(f"unexpected PDF filter {name!r}")
    return stream


def _to_unicode(cmap: bytes) -> set[str]:
    chars: set[str] = set()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for _code, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            chars.add(bytes.fromhex(dst.decode()).decode("utf-16-be"))
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(dst, 16)
            for n in range(int(hi, 16) - int(lo, 16) + 1):
                chars.add(chr(first + n))
    return chars


def embedded_fonts(data: bytes) -> list[EmbeddedFont]:
    """Every font a PDF uses, read from its bytes: no poppler, no PDF library."""
    assert data.startswith(b"%PDF"), data[:20]
    objects = _objects(data)
    fonts = []
    for head, _stream in objects.values():
        if not re.search(rb"/Type\s*/Font\b", head):
            continue
        base = re.search(rb"/BaseFont\s*/([^\s/>\]]+)", head)
        subtype = re.search(rb"/Subtype\s*/(\w+)", head)
        font = EmbeddedFont(
            base_font=base[1].decode() if base else "",
            subtype=subtype[1].decode() if subtype else "",
            program=b"",
        )
        if unicode := re.search(_REF % b"ToUnicode", head):
            cmap_head, cmap = objects[int(unicode[1])]
            font.chars = _to_unicode(_decoded(cmap_head, cmap or b""))
        if descriptor := re.search(_REF % b"FontDescriptor", head):
            if program := re.search(_REF % b"FontFile2", objects[int(descriptor[1])][0]):
                file_head, file_data = objects[int(program[1])]
                font.program = _decoded(file_head, file_data or b"")
        fonts.append(font)
    return fonts


def chinese_drawn(data: bytes) -> set[str]:
    """The Chinese characters the bundled font draws in a PDF, each subset checked to be
    embedded as TrueType outlines."""
    chars: set[str] = set()
    for font in embedded_fonts(data):
        if font.base_font.split("+")[-1] != BUNDLED_FONT:
            continue
        assert font.subtype == "TrueType", font
        assert font.program, f"{font.base_font} is not embedded"
        tables = font.tables
        assert tables.get("glyf", 0) > 0 and "loca" in tables, (font.base_font, tables)
        chars |= {c for c in font.chars if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"}
    return chars


def render_gray(data: bytes, tmp_path: Path, dpi: int = 50) -> list[bytes]:
    """The first page as rows of 8-bit grey pixels (0 black, 255 white), by ``pdftoppm``."""
    source = tmp_path / "render.pdf"
    source.write_bytes(data)
    out = tmp_path / "render"
    subprocess.run(  # noqa: S603 - a fixed tool on a file we wrote
        [poppler("pdftoppm"), "-gray", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile"]
        + [str(source), str(out)],
        check=True,
        capture_output=True,
    )
    pgm = (tmp_path / "render.pgm").read_bytes()
    # Binary PGM: "P5", width, height, maxval, each after whitespace, then the pixels.
    magic, width, height, maxval, pixels = re.match(
        rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", pgm, re.S
    ).groups()  # type: ignore[union-attr]
    assert magic == b"P5" and maxval == b"255"
    w, h = int(width), int(height)
    return [pixels[r * w : (r + 1) * w] for r in range(h)]


def dark_pixels(rows: list[bytes], top: float, bottom: float, left: float, right: float) -> int:
    """How many pixels are dark in a box given as fractions of the page (0 top/left)."""
    h, w = len(rows), len(rows[0])
    box = rows[int(top * h) : int(bottom * h)]
    return sum(1 for row in box for v in row[int(left * w) : int(right * w)] if v < 100)


__all__ = [
    "BUNDLED",
    "BUNDLED_FONT",
    "EmbeddedFont",
    "chinese_drawn",
    "dark_pixels",
    "embedded_fonts",
    "in_ci",
    "poppler",
    "render_gray",
]
