"""Staff registering a resident whose mobile number is already registered are told to find
that person, not "请直接登录" (log in instead), which is meant for a resident registering
themself; and nothing is written."""

from django.test import Client
from django.utils import translation

from jifen.people.models import Person
from tests.conftest import World


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


SELF_WORDS = "This mobile number is already registered. Log in instead, or use another number."
STAFF_WORDS = (
    "Someone is already registered with this mobile number. Search the people list for "
    "it before registering again: the person may be on the list already, or registered in "
    "another community."
)


def test_staff_are_told_to_find_the_person_not_to_log_in(world: World):
    client = Client()
    client.force_login(world.staff)
    before = Person.objects.count()
    response = client.post(
        "/console/people/new/",
        {"name": "孙奶奶", "phone": world.stranger.phone, "community": world.wenchang.code},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["phone"]
    assert errors == [zh(STAFF_WORDS)]
    assert zh(SELF_WORDS) not in response.content.decode()
    assert Person.objects.count() == before


def test_a_resident_registering_themself_is_still_told_to_log_in(world: World):
    response = Client().post(
        "/register/",
        {
            "name": "孙奶奶",
            "phone": world.resident.phone,
            "community": world.wenchang.code,
            "password": "a-long-password-42",
        },
    )
    assert response.status_code in (200, 409)
    assert response.context["form"].errors["phone"] == [zh(SELF_WORDS)]
