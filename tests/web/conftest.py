from typing import Any

import pytest
from django.contrib.messages import constants, get_messages
from django.test import Client

from jifen.people.models import Person


@pytest.fixture
def as_person():
    """A browser session logged in as the given person."""

    def login(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


def message_levels(response: Any) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


def said_success(response: Any) -> bool:
    """The latest message (earlier ones may wait unread behind a redirect) is a success."""
    levels = message_levels(response)
    return bool(levels) and levels[-1] == constants.SUCCESS


def said_error(response: Any) -> bool:
    levels = message_levels(response)
    return bool(levels) and levels[-1] == constants.ERROR


def logged_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None
