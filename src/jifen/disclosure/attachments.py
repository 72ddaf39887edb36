"""Attachments of a disclosure: a PDF, or a picture (JPEG or PNG).

Judged by what the bytes are, never by the name or the type the browser claims: a PDF
starts with ``%PDF-`` and ends with ``%%EOF``; a picture is decoded and re-encoded from its
pixels, so no EXIF (a GPS position, a camera's serial) survives and what is stored is a
picture and nothing else. Both within ``MAX_BYTES``. They are served with their own type,
``nosniff`` and a sandboxing Content-Security-Policy (views.public.attachment).
"""

import io
import warnings
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
        return Clean(data, "application/pdf", "pdf", _name(raw_name, "pdf"))
    pixels, fmt, width, height = _image(data)
    extension, content_type = IMAGES[fmt]
    return Clean(pixels, content_type, extension, _name(raw_name, extension), width, height)
