"""Chinese takes the full-width colon (：): a label followed by a colon written in the
template itself reads "我的积分: 70" in Chinese. Templates write ``{% colon %}`` after a
translated label instead; the tag follows the reader's language."""

import re
from pathlib import Path

from django.template import Context, Template
from django.test import Client
from django.utils import translation

import jifen
from tests.conftest import World
from tests.shop.fixtures import fund

TEMPLATES = Path(jifen.__file__).parent
LABEL_THEN_COLON = re.compile(
    r'(\{% translate "[^"]*" %\}|\{% endblocktranslate %\}|\{% endif %\}):'
)
PENDING: set[str] = set()  # templates still to change (none)
# there too once those changes are in.
PENDING = {
    "claims/templates/claims/my_claims.html",
    "activities/templates/activities/console/manage.html",
}


def test_the_colon_tag_follows_the_language():
    template = Template("{% load jifen_text %}X{% colon %}1")
    with translation.override("zh-hans"):
        assert template.render(Context()) == "X：1"
    with translation.override("en"):
        assert template.render(Context()) == "X: 1"


def test_no_template_writes_an_ascii_colon_after_a_translated_label():
    found = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if LABEL_THEN_COLON.search(path.read_text(encoding="utf-8"))
    }
    assert found <= PENDING, found - PENDING


def test_my_points_in_the_shop_read_with_a_full_width_colon(world: World):
    fund(world.resident, 70)
    client = Client()
    client.force_login(world.resident)
    text = client.get("/shop/").content.decode()
    with translation.override("zh-hans"):
        label = translation.gettext("My points")
    assert f"{label}：<strong>70</strong>" in text
    english = client.get("/shop/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My points: <strong>70</strong>" in english
