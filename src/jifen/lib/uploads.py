"""Files people upload beside their words — a disclosure's attachments, a contest entry's
documents: a PDF, or a picture (JPEG or PNG).

Judged by what the bytes are, never by the name or the type the browser claims: a PDF
starts with ``%PDF-`` and ends with ``%%EOF`` and names no script, launch or submit action
nor files inside it (its compressed streams included); a picture is decoded and re-encoded
from its pixels, so no EXIF (a GPS position, a camera's serial) survives and what is stored
is a picture and nothing else. Both within ``MAX_BYTES``. The domains serve them with their
own type, ``nosniff`` and a sandboxing Content-Security-Policy.
"""

import io
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils.functional import Promise
from PIL import Image, ImageOps, UnidentifiedImageError

from jifen.lib import text
from jifen.lib.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
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


@dataclass(frozen=True)
class Words:
    """How a domain names its files in its refusals: the form field, the codes, and the
    sentences (each with ``%(mb)s`` where it says the limit)."""

    field: str
    invalid_code: str
    too_large_code: str
    not_a_file: str | Promise  # neither a PDF nor a picture
    too_large: str | Promise
    active_pdf: str | Promise  # a PDF with scripts, actions or files inside
    stem: str  # the name of a file whose own name is empty


def _refuse(words: Words) -> InvalidInput:
    return InvalidInput(words.not_a_file, code=words.invalid_code, field=words.field)


def _too_large(words: Words) -> InvalidInput:
    return InvalidInput(
        words.too_large,
        code=words.too_large_code,
        field=words.field,
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
            return True  # a bomb of compressed streams: no document of ours
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue  # not Flate (a JPEG image, say): nothing to read inside
        budget -= len(inflated)
        if active(inflated):
            return True
    return False


def _name(raw: object, extension: str, default: str) -> str:
    """The file's own name, without its folders or unprintable characters, at most 100."""
    name = PurePath(str(raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in text.normalize(name) if not text.unprintable(ch)).strip()
    stem = PurePath(name).stem[:100] or default
    return f"{stem}.{extension}"


def _image(data: bytes, words: Words) -> tuple[bytes, str, int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in IMAGES or image.width * image.height > MAX_PIXELS:
                raise _refuse(words)
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
        raise _refuse(words) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt in ("JPEG", "MPO"):
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), fmt, image.width, image.height


def clean_upload(upload: Any, words: Words) -> Clean:
    """The upload made safe to store and serve; refused in the domain's ``words``."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large(words)
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large(words)
    raw_name = getattr(upload, "name", "")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse(words)
        if _has_active(data):
            raise InvalidInput(words.active_pdf, code=words.invalid_code, field=words.field)
        return Clean(data, "application/pdf", "pdf", _name(raw_name, "pdf", words.stem))
    pixels, fmt, width, height = _image(data, words)
    extension, content_type = IMAGES[fmt]
    return Clean(
        pixels, content_type, extension, _name(raw_name, extension, words.stem), width, height
    )
