"""Being written this session: every view below is replaced by the real one."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def item(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def redeem(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def orders(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def order(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def order_qr(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def cancel(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404

