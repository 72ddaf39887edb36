"""Photo evidence: re-encoded without metadata, upright, and refused when it is not a
JPEG or PNG picture of a sane size; at most three per claim."""

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from jifen.claims import services
from jifen.claims.models import Claim, Photo, Status
from jifen.claims.photos import MAX_BYTES
from jifen.lib.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db

RED, BLUE = (255, 0, 0), (0, 0, 255)
ORIENTATION, GPS_INFO, MAKE = 0x0112, 0x8825, 0x010F


def two_colours(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def camera_exif(orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "HUAWEI"
    exif[GPS_INFO] = {1: "N", 2: (24.0, 54.0, 36.0), 3: "E", 4: (118.0, 11.0, 6.0)}
    return exif.tobytes()


def jpeg_bytes(image: Image.Image | None = None, **save: Any) -> bytes:
    out = io.BytesIO()
    (image or two_colours()).save(out, "JPEG", quality=95, **save)
    return out.getvalue()


def jpeg_upload(name: str = "photo.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), "image/jpeg")


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_claiming(width: int, height: int) -> bytes:
    """A small file whose header claims a huge picture (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored(photo: Photo) -> bytes:
    with photo.image.open("rb") as fh:
        return fh.read()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel[:3], colour, strict=True))


@pytest.fixture
def claim(declare) -> Claim:
    return declare()


def add(world, claim: Claim, upload: Any) -> Photo:
    services.add_photo(actor=world.resident, claim=claim, upload=upload)
    return claim.photos.order_by("-id").first()


# --- What is stored ---------------------------------------------------------------------------


def test_a_jpeg_loses_its_exif_and_is_turned_upright(world, claim, media):
    original = jpeg_bytes(exif=camera_exif(orientation=6))
    assert dict(Image.open(io.BytesIO(original)).getexif())[GPS_INFO]  # the camera's GPS
    photo = add(world, claim, jpeg_upload(data=original))

    data = stored(photo)
    assert photo.content_type == "image/jpeg" and photo.image.name.endswith(".jpg")
    assert b"Exif" not in data and b"HUAWEI" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    # Orientation 6: the camera held the phone turned; upright the 40×20 picture is 20×40
    # with what was its left half on top.
    assert image.size == (20, 40) == (photo.width, photo.height)
    rgb = image.convert("RGB")
    assert near(rgb.getpixel((10, 5)), RED)
    assert near(rgb.getpixel((10, 35)), BLUE)
    assert str(media) in photo.image.path


def test_a_png_loses_its_text_chunks(world, claim, media):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Wang Shuying 13700000000")  # latin-1: a tEXt chunk
    info.add_itxt("Location", "江滨花园 24.91N 118.18E")
    info.add_text("Comment", "zipped", zip=True)
    out = io.BytesIO()
    two_colours().save(out, "PNG", pnginfo=info, exif=camera_exif(orientation=1))
    for marker in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert marker in out.getvalue()

    photo = add(world, claim, SimpleUploadedFile("map.png", out.getvalue(), "image/png"))
    data = stored(photo)
    assert photo.content_type == "image/png" and photo.image.name.endswith(".png")
    for marker in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"Shuying", "江滨".encode()):
        assert marker not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (40, 20)
    assert image.text == {} and dict(image.getexif()) == {}


def test_a_large_photo_is_scaled_down(world, claim, media):
    photo = add(world, claim, jpeg_upload(data=jpeg_bytes(two_colours((3200, 1000)))))
    assert (photo.width, photo.height) == (1600, 500)


def test_a_phones_multi_picture_jpeg_is_taken_as_a_jpeg(world, claim, media):
    """Many phones write MPO (a JPEG with a second picture after it); Pillow calls the
    format MPO. It is a JPEG: the first picture is kept, without its metadata."""
    out = io.BytesIO()
    two_colours().save(
        out,
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (40, 20), "green")],
        exif=camera_exif(orientation=1),
    )
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    photo = add(world, claim, jpeg_upload(data=out.getvalue()))
    image = Image.open(io.BytesIO(stored(photo)))
    assert image.format == "JPEG" and photo.content_type == "image/jpeg"
    assert dict(image.getexif()) == {}
    assert image.size == (40, 20)


# --- What is refused --------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    noise = Image.effect_noise((300, 300), 80).convert("RGB")
    data = jpeg_bytes(noise)
    return data[: len(data) // 2]


def gif() -> bytes:
    out = io.BytesIO()
    two_colours().save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.txt", "我在楼道里打扫了两个小时".encode(), "invalid_photo"),
        ("empty.jpg", b"", "invalid_photo"),
        ("anim.gif", gif(), "invalid_photo"),
        ("cut.jpg", truncated_jpeg(), "invalid_photo"),
        ("bomb.png", png_header_claiming(50_000, 50_000), "invalid_photo"),
        ("big.png", png_header_claiming(7_000, 7_000), "invalid_photo"),
        ("huge.jpg", jpeg_bytes() + b"\0" * MAX_BYTES, "photo_too_large"),
    ],
)
def test_what_is_not_a_sane_photo_is_refused(world, claim, media, name, data, code):
    with pytest.raises(InvalidInput) as caught:
        services.add_photo(
            actor=world.resident, claim=claim, upload=SimpleUploadedFile(name, data, "image/jpeg")
        )
    assert (caught.value.code, caught.value.field) == (code, "photo")
    assert not Photo.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_an_upload_over_8_mb_is_refused_even_without_a_size(world, claim, media):
    upload = io.BytesIO(jpeg_bytes() + b"\0" * MAX_BYTES)  # no .size: read up to the limit
    with pytest.raises(InvalidInput, match="^photo_too_large$"):
        services.add_photo(actor=world.resident, claim=claim, upload=upload)
    assert not Photo.objects.exists()


def test_a_bad_photo_in_a_declaration_leaves_no_claim(world, declare, media):
    with pytest.raises(InvalidInput, match="^invalid_photo$"):
        declare(photos=[jpeg_upload(), SimpleUploadedFile("x.txt", b"hello", "text/plain")])
    assert not Claim.objects.exists()
    assert not Photo.objects.exists()


# --- How many, by whom, when ------------------------------------------------------------------


def test_at_most_three_photos_per_claim(world, declare, media):
    with pytest.raises(InvalidInput) as caught:
        declare(photos=[jpeg_upload() for _ in range(4)])
    assert caught.value.field == "photos"
    assert not Claim.objects.exists() and not Photo.objects.exists()

    claim = declare(photos=[jpeg_upload() for _ in range(2)])
    assert claim.photos.count() == 2
    add(world, claim, jpeg_upload())
    with pytest.raises(InvalidInput) as caught:
        add(world, claim, jpeg_upload())
    assert caught.value.field == "photo"
    assert claim.photos.count() == 3


def test_evidence_is_added_by_the_claimant_while_the_claim_waits(world, claim, media):
    from jifen.lib.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.add_photo(actor=world.neighbour, claim=claim, upload=jpeg_upload())
    services.approve_claim(claim=claim, reviewer=world.reviewer)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED
    with pytest.raises(Conflict):
        services.add_photo(actor=world.resident, claim=claim, upload=jpeg_upload())
    assert not Photo.objects.exists()
