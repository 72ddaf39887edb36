"""One incident's page, for everyone who may see it (``selectors.get_visible``; 404
otherwise): what, where, the due time, the timeline with photos, and the steps the
viewer may take. Buttons are a courtesy: the services refuse whatever is not allowed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jifen.incidents import selectors
from jifen.incidents.models import Incident
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import NotFound
from jifen.web.views.errors import person_of, resident_view


def visible(request: HttpRequest, pk: int) -> Incident:
    item = selectors.get_visible(person_of(request), pk) if 0 < pk <= MAX_ID else None
    if item is None:
        raise NotFound(_("There is no such incident, or you may not see it."))
    return item


@resident_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "incidents/detail.html", {"item": visible(request, pk)})
