"""Photo evidence: JPEG or PNG, size-limited, re-encoded so that no EXIF survives.

Re-encoding from the decoded pixels (after turning the picture upright by its EXIF
orientation) drops every metadata block, GPS position and camera serial included,
and means what is stored is a picture and nothing else. Large photos are scaled down
to ``MAX_SIDE``: evidence needs to be legible, not print quality.
"""

import io
import uuid
import warnings
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jifen.claims.models import Claim, Photo
from jifen.lib.errors import InvalidInput

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 1600
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
# Many phones write MPO, a JPEG with more pictures after the first (Pillow names the
# format MPO): it is a JPEG, and the first picture is the photo.
ALIASES = {"MPO": "JPEG"}


def _invalid() -> InvalidInput:
    return InvalidInput(
        _("Please choose a photo in JPEG or PNG format."), code="invalid_photo", field="photo"
    )


def _too_large() -> InvalidInput:
    return InvalidInput(
        _("The photo is larger than %(mb)s MB; please choose a smaller one."),
        code="photo_too_large",
        field="photo",
        params={"mb": MAX_BYTES // (1024 * 1024)},
    )


def clean_image(data: bytes) -> tuple[bytes, str, int, int]:
    """The picture re-encoded without metadata: (bytes, format, width, height)."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            fmt = ALIASES.get(image.format or "", image.format)
            if fmt not in FORMATS:
                raise _invalid()
            if image.width * image.height > MAX_PIXELS:
                raise _invalid()
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
        raise _invalid() from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), fmt, image.width, image.height


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, refusing more than the limit without reading it all."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large()
    data: bytes = upload.read(MAX_BYTES + 1)
    return data


def store_photo(*, claim: Claim, upload: Any, actor: Any) -> Photo:
    data, fmt, width, height = clean_image(read_upload(upload))
    extension, content_type = FORMATS[fmt]
    photo = Photo(
        claim=claim, content_type=content_type, width=width, height=height, uploaded_by=actor
    )
    photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    photo.save()
    return photo
