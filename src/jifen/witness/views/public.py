"""Public pages of checkpoints (placeholder until the page lands)."""

from django.http import Http404, HttpRequest, HttpResponse


def checkpoint_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404


def key_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404
