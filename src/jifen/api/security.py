import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja.security import HttpBearer

from jifen.people import authz
from jifen.people.auth import person_for_token
from jifen.people.models import Person


@functools.cache
def _open_before_the_password_change() -> frozenset[tuple[str, str]]:
    """What a person whose password someone else set may call: read /me, change the
    password, log out (docs/people.md)."""
    token = reverse("api:create_token")
    return frozenset(
        {
            ("GET", reverse("api:me")),
            ("POST", reverse("api:change_password")),
            ("DELETE", token),
        }
    )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the person becomes ``request.auth``."""

    def authenticate(self, request: HttpRequest, token: str) -> Person:
        person, api_token = person_for_token(token)
        if (
            person.must_change_password
            and (request.method, request.path) not in _open_before_the_password_change()
        ):
            authz.require_own_password(person)
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = person
        return person


def optional_person(request: HttpRequest) -> Person | None:
    """The caller behind a bearer token when one is sent; ``None`` for anonymous calls."""
    header: Any = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return TokenAuth().authenticate(request, token.strip())


def caller(request: HttpRequest) -> Person:
    person: Person = request.auth  # type: ignore[attr-defined]
    return person
