"""The pages: the public checkpoint (no login), its keys and its method; the console's
key and signing for administrators only, behind CSRF, the passphrase never echoed."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from jifen.witness import document, selectors, services
from jifen.witness.models import Signature, SigningKey
from tests.conftest import PASSWORD, World
from tests.witness.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def test_the_public_page_shows_the_short_hash_the_download_and_the_gaps(
    world: World, published, last_month
):
    page = Client().get(reverse("witness:public", args=[world.county.code]))
    assert page.status_code == 200
    html = page.content.decode()
    head = selectors.log_of(world.county).head  # type: ignore[union-attr]
    assert f"{head[:4]} {head[4:8]}" in html and head in html
    assert 'data-size="1"' in html and "data-download" in html
    assert reverse("api:public_checkpoint", args=[world.county.code]) in html
    assert "<svg" in html and "<script>" not in html  # no inline script (CSP)
    assert f'data-community="{world.wenchang.code}"' in html
    # 金悦 had transfers last month and published nothing: a gap, in red, once overdue.
    gaps = selectors.gaps(world.county) or []
    for gap in gaps:
        assert f'data-gap="{gap["community"]} {gap["month"]}"' in html
    if gaps:
        assert 'role="alert"' in html
    town = Client().get(reverse("witness:public", args=[world.town.code]))
    assert town.status_code == 200 and f'href="/public/checkpoints/{world.county.code}/"' in (
        town.content.decode()
    )


def test_an_empty_region_says_so_and_others_are_404(world: World):
    page = Client().get(reverse("witness:public", args=[world.other_town.code]))
    assert page.status_code == 200 and "data-empty" in page.content.decode()
    for code in (world.wenchang.code, "nope", "x" * 200):
        assert Client().get(f"/public/checkpoints/{code}/").status_code == 404
        assert Client().get(f"/public/checkpoints/{code}/key").status_code == 404


def test_the_key_page_lists_keys_and_gives_the_pem(world: World):
    empty = Client().get(reverse("witness:key", args=[world.county.code]))
    assert empty.status_code == 200 and 'data-keys="0"' in empty.content.decode()
    assert (
        Client().get(reverse("witness:key", args=[world.county.code]) + "?format=pem").status_code
        == 404
    )
    key = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    html = Client().get(reverse("witness:key", args=[world.county.code])).content.decode()
    assert key.fingerprint in html and "BEGIN PUBLIC KEY" in html
    pem = Client().get(reverse("witness:key", args=[world.county.code]) + "?format=pem")
    assert pem.content.decode() == key.public_pem
    api = Client().get(f"/api/v1/public/checkpoints/{world.county.code}/keys")
    assert api.json()["keys"][0]["fingerprint"] == key.fingerprint


def test_the_method_page_serves_the_document(db):
    page = Client().get(reverse("witness:method"))
    assert page.status_code == 200 and "jifen-checkpoint-v1" in page.content.decode()
    raw = Client().get(reverse("witness:method") + "?format=md")
    assert raw["Content-Type"].startswith("text/markdown")


def test_the_console_is_for_administrators_over_the_region(world: World):
    assert _client(world.county_admin).get(reverse("witness:console")).status_code == 200
    assert _client(world.staff).get(reverse("witness:console")).status_code == 403
    town = _client(world.town_admin)
    html = town.get(reverse("witness:console")).content.decode()
    assert f'data-region="{world.town.code}"' in html
    assert f'data-region="{world.county.code}"' not in html
    assert town.get(reverse("witness:console_region", args=[world.county.code])).status_code == 404
    assert Client().get(reverse("witness:console")).status_code == 302  # to the login


def test_create_a_key_then_sign_and_download(world: World, published):
    admin = _client(world.county_admin)
    url = reverse("witness:console_key", args=[world.county.code])
    short = admin.post(url, {"passphrase": "short", "confirm": "short"})
    assert short.status_code == 400 and not SigningKey.objects.exists()
    differ = admin.post(url, {"passphrase": PASSPHRASE, "confirm": PASSPHRASE + "!"})
    assert differ.status_code == 400 and not SigningKey.objects.exists()
    assert PASSPHRASE not in differ.content.decode()  # never echoed back
    made = admin.post(url, {"passphrase": PASSPHRASE, "confirm": PASSPHRASE})
    assert made.status_code == 302 and SigningKey.objects.count() == 1
    # Replacing needs the confirmation box.
    again = admin.post(url, {"passphrase": PASSPHRASE, "confirm": PASSPHRASE})
    assert again.status_code == 400 and SigningKey.objects.count() == 1
    sign = reverse("witness:console_sign", args=[world.county.code])
    wrong = admin.post(sign, {"passphrase": "not the right one"})
    assert wrong.status_code == 400 and not Signature.objects.exists()
    done = admin.post(sign, {"passphrase": PASSPHRASE})
    assert done.status_code == 200
    assert done["Content-Disposition"].startswith(
        f'attachment; filename="checkpoint-{world.county.code}-'
    )
    signed = json.loads(done.content)
    keys = {k["fingerprint"]: k["public_key"] for k in selectors.public_keys(world.county)}
    assert document.verify(signed, keys) and signed["size"] == 1
    page = admin.get(reverse("witness:console_region", args=[world.county.code])).content.decode()
    assert f'data-signature="{Signature.objects.get().pk}"' in page


def test_console_forms_need_the_csrf_token(world: World):
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(world.county_admin)
    url = reverse("witness:console_key", args=[world.county.code])
    assert admin.post(url, {"passphrase": PASSPHRASE, "confirm": PASSPHRASE}).status_code == 403
    assert not SigningKey.objects.exists()
    # A GET of a form's address just leads back to the page.
    assert admin.get(url).status_code == 302
