"""Console pages of checkpoints (placeholder until the pages land)."""

from django.http import Http404, HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    raise Http404


def region_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404


def create_key(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404


def sign(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404
