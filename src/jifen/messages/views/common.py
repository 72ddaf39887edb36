"""What the message pages share: a refused step shown on its form, the photo view."""

from typing import Any

from django import forms as django_forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, NotFound
from jifen.messages import selectors
from jifen.messages.models import Message, Photo
from jifen.people.models import Person
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view


def refuse(form: django_forms.Form, exc: DomainError) -> int:
    """The service's refusal on the form; the status of the page shown again (a 404 is
    raised as it would be for the page itself)."""
    if exc.status == 404:
        raise exc
    add_domain_error(form, exc)
    return exc.status


def get_visible(viewer: Person, pk: int) -> Message:
    found = selectors.get_visible(viewer, pk) if 1 <= pk <= MAX_ID else None
    if found is None:
        raise NotFound()
    return found


def _said(event: Any, message: Message, previous: str) -> str:
    """The note of a step the system worded, said again in the reader's language (the
    stored note is in the language of whoever took the step, the tick's is the
    deployment's); a note someone typed stays as typed."""
    if event.step == "escalate" and event.actor_id is None and previous:
        return _("Unanswered past the deadline at %(region)s.") % {"region": previous}
    if event.step == "to_incident" and message.incident_id:
        return _("Grid incident %(id)s") % {"id": message.incident_id}
    if event.step == "to_request" and message.service_request_id:
        return _("Service request %(id)s") % {"id": message.service_request_id}
    return str(event.note)


DEADLINE_STEPS = frozenset({"write", "not_resolved", "escalate"})


def timeline(message: Message, full: bool) -> list[dict[str, Any]]:
    """The history as the viewer reads it: names for staff, inspectors and the author;
    the system's steps (jifen tick) as the system."""
    lines = []
    previous = ""
    for event in selectors.history(message):
        note = _said(event, message, previous)
        previous = event.region.name if event.region else previous
        who = ""
        if event.actor is not None:
            who = event.actor.name if full or event.actor_id == message.author_id else ""
        lines.append(
            {
                "step": event.step,
                "label": event.label,
                "at": event.created_at,
                "who": who,
                "system": event.actor is None,
                "actor_id": event.actor_id,
                "region": event.region.name if event.region else "",
                "note": note,
                "due_at": event.due_at,
                # Only the steps that set a deadline say it: an answer, a link or a
                # rating under "answer due by" reads as if still waiting.
                "sets_due": event.step in DEADLINE_STEPS,
            }
        )
    return lines


@resident_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A message's photo, for whoever reads the message in full (never public)."""
    found = Photo.objects.filter(pk=photo_id).first() if 1 <= photo_id <= MAX_ID else None
    if found is None or selectors.get_visible(person_of(request), found.message_id) is None:
        raise NotFound()
    try:
        handle = found.image.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    response = FileResponse(handle, content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response  # type: ignore[return-value] # a streamed file, as the claims' photos
