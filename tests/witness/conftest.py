"""Checkpoints' test set-up: 文昌's last month published (tests.publicity.conftest), the
months with transfers read from the ledger as at start-up (ops), a checkpoint file."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from jifen.ops.against import transfer_months
from jifen.witness import selectors
from tests.publicity.conftest import (  # noqa: F401 - fixtures shared with publicity
    Book,
    Month,
    Months,
    api,
    book,
    drafted,
    last_month,
    months,
    published,
)

PASSPHRASE = "a long passphrase 2026"


@pytest.fixture(autouse=True)
def _activity_and_fresh_cache() -> Iterator[None]:
    # What ops' start-up does (see the report): the gaps read the ledger's months.
    selectors.register_activity(transfer_months)
    cache.clear()
    yield
    cache.clear()


def checkpoint_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()
