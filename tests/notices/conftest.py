"""Set-up of the notices' tests: a notice for anyone, the outbox of the memory backend,
and the claims', shop's and publicity's own fixtures for the callers that send them."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.lib.notify import MemoryBackend, Message
from jifen.notices import services
from jifen.notices.models import Notice
from jifen.people.models import Person
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.claims.conftest import (  # noqa: F401 - fixtures of the claims, shared
    declare,
    items,
    second_reviewer,
    third_reviewer,
    yesterday,
)
from tests.publicity.conftest import (  # noqa: F401 - fixtures of the 公示, shared
    book,
    drafted,
    last_month,
    months,
    published,
)
from tests.shop.fixtures import shop  # noqa: F401 - the shop's items and merchant


@pytest.fixture
def outbox() -> list[Message]:
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


@pytest.fixture
def notice() -> Callable[..., Notice]:
    """A notice for ``person`` through the service, ``days`` old (0: now)."""

    def make(person: Person, title: str = "您的申报已通过", days: float = 0, **kw: str) -> Notice:
        services.send(
            [
                Message(
                    person,
                    title,
                    kw.pop("body", "20 积分"),
                    kind=kw.pop("kind", "claim_approved"),
                    url=kw.pop("url", "/claims/1/"),
                )
            ]
        )
        made = Notice.objects.filter(person=person).latest("id")
        if days:
            Notice.objects.filter(pk=made.pk).update(
                created_at=timezone.now() - timedelta(days=days)
            )
            made.refresh_from_db()
        return made

    return make
