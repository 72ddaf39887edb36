"""The public wishes wall (being built)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def wall(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()
