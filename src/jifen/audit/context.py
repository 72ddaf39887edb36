"""Where the current write comes from (page, API, command line), for the audit log."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_channel: ContextVar[str] = ContextVar("jifen_channel", default="system")


def current_channel() -> str:
    return _channel.get()


@contextmanager
def channel(name: str) -> Iterator[None]:
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)
