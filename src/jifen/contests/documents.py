"""An entry's documents: its plan as a PDF, or pictures (JPEG or PNG).

Judged by what the bytes are, never by the name or the type the browser claims (as the
disclosure's attachments are): a PDF starts with ``%PDF-`` and ends with ``%%EOF`` and
names no script, launch or submit action nor files inside it (compressed streams
included); a picture is decoded and re-encoded from its pixels, so no EXIF (a position, a
camera's serial) survives. At most ``MAX_BYTES`` each. They are served with their own
type, ``nosniff`` and a sandboxing Content-Security-Policy, to the judges, the staff and
the team only.
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
MAX_PIXELS = 40_000_000
MAX_SIDE = 2400
IMAGES = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "MPO": ("jpg", "image/jpeg")}
_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE)"
    rb"(?![A-Za-z0-9])"
)
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
MAX_INFLATED = 64 * 1024 * 1024


@dataclass(frozen=True)
class Clean:
    data: bytes
    content_type: str
    name: str


def _refuse() -> InvalidInput:
    return InvalidInput(
        _("A document is a PDF or a picture in JPEG or PNG format."),
        code="invalid_document",
        field="documents",
    )


def _too_large() -> InvalidInput:
    return InvalidInput(
        _("A document is at most %(mb)s MB."),
        code="document_too_large",
        field="documents",
        params={"mb": MAX_BYTES // (1024 * 1024)},
    )


def _has_active(data: bytes) -> bool:
    def active(chunk: bytes) -> bool:
        return _ACTIVE.search(_HEX.sub(lambda m: bytes([int(m[1], 16)]), chunk)) is not None

    if active(data):
        return True
    budget = MAX_INFLATED
    for match in _STREAM.finditer(data):
        if budget <= 0:
            return True  # a bomb of compressed streams is no project plan
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        if active(inflated):
            return True
    return False


def _name(raw: object, extension: str) -> str:
    name = PurePath(str(raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in text.normalize(name) if not text.unprintable(ch)).strip()
    stem = PurePath(name).stem[:100] or "document"
    return f"{stem}.{extension}"


def _image(data: bytes) -> tuple[bytes, str]:
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
    return out.getvalue(), fmt


def clean_upload(upload: Any) -> Clean:
    """The upload made safe to store and serve; ``invalid_document`` otherwise."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large()
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large()
    raw_name = getattr(upload, "name", "")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:] or _has_active(data):
            raise InvalidInput(
                _(
                    "This PDF is damaged, or holds scripts or files inside it. "
                    "Print it to a new PDF (or scan it) and upload that."
                ),
                code="invalid_document",
                field="documents",
            )
        return Clean(data, "application/pdf", _name(raw_name, "pdf"))
    pixels, fmt = _image(data)
    extension, content_type = IMAGES[fmt]
    return Clean(pixels, content_type, _name(raw_name, extension))
