"""Notifications: reminders and decisions reach people through a pluggable backend.

``JIFEN_NOTIFY_BACKEND`` picks it: ``console`` (default; one line per message on the
server's standard error, for a community without email), ``email`` (Django's mail
settings, to the person's email address when they have one), or the dotted path of a
class with ``send(messages) -> int``, which is how SMS or WeChat can be plugged in.
A backend is told the recipient; the console one writes only the volunteer number.

Domains do not call ``send`` themselves: ``jifen.notices.services.send`` keeps each
message as the person's in-app notice (站内消息) and hands it to the backend after the
transaction commits. A message may say what it is about: ``kind`` (e.g.
``claim_decided``) and ``url``, the page a person opens to see it (a path of the site).
Both default to empty, so a backend written for ``Message(person, subject, body)``
keeps working unchanged.
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Message:
    person: Any  # a people.Person
    subject: str
    body: str
    kind: str = ""
    url: str = ""


class Backend(Protocol):
    def send(self, messages: Sequence[Message]) -> int: ...


class ConsoleBackend:
    def send(self, messages: Sequence[Message]) -> int:
        for message in messages:
            number = message.person.volunteer_no or f"#{message.person.pk}"
            sys.stderr.write(f"[jifen notify] to {number}: {message.subject} — {message.body}\n")
        return len(messages)


class EmailBackend:
    """To people with an email address; the others are counted as not reached."""

    def send(self, messages: Sequence[Message]) -> int:
        mails = [(m.subject, m.body, None, [m.person.email]) for m in messages if m.person.email]
        return send_mass_mail(mails, fail_silently=False) if mails else 0


class MemoryBackend:
    """Keeps what was sent (tests)."""

    outbox: ClassVar[list[Message]] = []

    def send(self, messages: Sequence[Message]) -> int:
        self.outbox.extend(messages)
        return len(messages)


BACKENDS = {
    "console": ConsoleBackend,
    "email": EmailBackend,
    "memory": MemoryBackend,
}


def backend() -> Backend:
    name = settings.JIFEN_NOTIFY_BACKEND
    cls: Any = BACKENDS.get(name) or import_string(name)
    instance: Backend = cls()
    return instance


def send(messages: Sequence[Message]) -> int:
    """Send now; returns how many reached somebody."""
    return backend().send(messages) if messages else 0
