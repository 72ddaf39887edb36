import pytest

from jifen.lib.notify import MemoryBackend
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared

# Claims to review, for the rows that prove a proxy never reviews (the claims fixtures).
from tests.claims.conftest import declare, items, second_reviewer, yesterday  # noqa: F401


@pytest.fixture
def outbox() -> list:
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox
