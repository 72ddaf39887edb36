"""Being written this session: every view below is replaced by the real one."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def home(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def take(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def offers(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def offer_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def offer_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def orders(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def month_xlsx(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404

