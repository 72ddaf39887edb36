"""Attachments of a disclosure: a PDF, or a picture (JPEG or PNG).

Judged by what the bytes are, never by the name or the type the browser claims: a PDF
starts with ``%PDF-`` and ends with ``%%EOF``; a picture is decoded and re-encoded from its
pixels, so no EXIF (a GPS position, a camera's serial) survives and what is stored is a
picture and nothing else. A PDF that names scripts, launch or submit actions or files
inside it (also in its compressed streams) is refused. Both within ``MAX_BYTES``. They
are served with their own type, ``nosniff`` and a sandboxing Content-Security-Policy
(views.public.attachment).
"""

import io
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jifen.lib import text
from jifen.lib.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10  # per item
MAX_PIXELS = 40_000_000
MAX_SIDE = 2400  # a scanned receipt stays legible
IMAGES = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "MPO": ("jpg", "image/jpeg")}


@dataclass(frozen=True)
class Clean:
    data: bytes
    content_type: str
    extension: str
    name: str
    width: int | None = None
    height: int | None = None


def _refuse() -> InvalidInput:
    return InvalidInput(
        _("An attachment is a PDF or a picture in JPEG or PNG format."),
        code="invalid_attachment",
        field="attachments",
    )


def _too_large() -> InvalidInput:
    return InvalidInput(
        _("An attachment is at most %(mb)s MB."),
        code="attachment_too_large",
        field="attachments",
        params={"mb": MAX_BYTES // (1024 * 1024)},
    )


# What a PDF on a notice board never needs: scripts, actions that open programs, forms
# that send data, files carried inside. (A plain link, /URI, is allowed.)
_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE)"
    rb"(?![A-Za-z0-9])"
)
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
MAX_INFLATED = 64 * 1024 * 1024


def _has_active(data: bytes) -> bool:
    """Whether a PDF's objects, or its compressed object streams, name active content
    (a name may be spelled with ``#xx`` escapes: ``/J#61vaScript``)."""

    def active(chunk: bytes) -> bool:
        return _ACTIVE.search(_HEX.sub(lambda m: bytes([int(m[1], 16)]), chunk)) is not None

    if active(data):
        return True
    budget = MAX_INFLATED
    for match in _STREAM.finditer(data):
        if budget <= 0:
            return True  # a bomb of compressed streams: not a notice-board document
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue  # not Flate (a JPEG image, say): nothing to read inside
        budget -= len(inflated)
        if active(inflated):
            return True
    return False


def _name(raw: object, extension: str) -> str:
    """The file's own name, without its folders or unprintable characters, at most 100."""
    name = PurePath(str(raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in text.normalize(name) if not text.unprintable(ch)).strip()
    stem = PurePath(name).stem[:100] or "attachment"
    return f"{stem}.{extension}"


def _image(data: bytes) -> tuple[bytes, str, int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in IMAGES or image.width * image.height > MAX_PIXELS:
                raise _refuse()
            image.load()
            image = ImageOps.exif_transpose(image)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refuse() from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt in ("JPEG", "MPO"):
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), fmt, image.width, image.height


def clean_upload(upload: Any) -> Clean:
    """The upload made safe to store and serve; ``invalid_attachment`` otherwise."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large()
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large()
    raw_name = getattr(upload, "name", "")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse()
        if _has_active(data):
            raise InvalidInput(
                _(
                    "This PDF holds scripts, links that open programs or files inside it. "
                    "Print it to a new PDF (or scan it) and attach that."
                ),
                code="invalid_attachment",
                field="attachments",
            )
        return Clean(data, "application/pdf", "pdf", _name(raw_name, "pdf"))
    pixels, fmt, width, height = _image(data)
    extension, content_type = IMAGES[fmt]
    return Clean(pixels, content_type, extension, _name(raw_name, extension), width, height)
