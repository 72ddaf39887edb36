"""Where a family proxy (代办) sees the people they act for, the relation is the proxy's own:
"杜荣军（我是其女儿）", never "杜荣军（女儿）", which reads as if 杜荣军 were the daughter.
(The console's list of a resident's proxies names the proxy, so "王女儿（女儿）" there is
right as it is.)"""

import html

import pytest
from django.test import Client
from django.utils import translation

from jifen.people.models import Person, Proxy
from tests.conftest import World, make_person


def zh_acting(name: str, relation: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext("%(name)s (I am their %(relation)s)") % {
            "name": name,
            "relation": relation,
        }


@pytest.fixture
def daughter(world: World) -> Person:
    agent = make_person(world.wenchang, "杜女儿")
    Proxy.objects.create(
        principal=world.resident,
        agent=agent,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    return agent


@pytest.mark.parametrize("url", ["/", "/claims/", "/claims/new/", "/shop/orders/"])
def test_the_people_i_act_for_read_with_my_relation_to_them(
    world: World, daughter: Person, url: str
):
    client = Client()
    client.force_login(daughter)
    response = client.get(url)
    assert response.status_code == 200, url
    text = html.unescape(response.content.decode())
    assert zh_acting(world.resident.name, "女儿") in text
    assert f"{world.resident.name}（女儿）" not in text


def test_the_wording_in_english_names_the_reader_as_the_relation(world: World):
    from jifen.web.templatetags.jifen_text import acting_for

    with translation.override("en"):
        assert acting_for("Du Rongjun", "daughter") == "Du Rongjun (I am their daughter)"
        assert acting_for("Du Rongjun", "") == "Du Rongjun"
