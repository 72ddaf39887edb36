"""The demo's points supermarket shows a picture on every item: drawn by the seed itself
with Pillow (nothing downloaded), stored through the same service a staff upload uses."""

import io
from io import StringIO

from django.core.management import call_command
from django.test import Client
from PIL import Image

from jifen.demo.seed_shop import PICTURE_PX, picture
from jifen.shop.models import Item


def test_a_demo_picture_is_a_small_square_png():
    image = Image.open(picture("大米 5kg", "goods"))
    assert image.format == "PNG" and image.size == (PICTURE_PX, PICTURE_PX)
    # Not a blank square: the kind's colour and the item's characters are drawn.
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 3


def test_every_demo_item_has_a_picture_the_list_shows(db):
    call_command("seed", "demo", stdout=StringIO())
    items = Item.objects.all()
    assert items.count() >= 18
    assert set(items.values_list("image_type", flat=True)) == {"image/png"}
    shown = Client().get("/shop/?community=350524100001").content.decode()
    item = items.filter(region__code="350524100001").first()
    assert f"/shop/items/{item.pk}/image/" in shown
    response = Client().get(f"/shop/items/{item.pk}/image/")
    assert Image.open(io.BytesIO(response.content)).size == (PICTURE_PX, PICTURE_PX)
    # The merchant's offer is still on sale: its picture was approved with it.
    assert not items.filter(merchant__isnull=False, approved_at__isnull=True).exists()
