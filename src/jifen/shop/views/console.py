"""Being written this session: every view below is replaced by the real one."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def counter(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def lookup(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def orders(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def fulfil(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def cancel(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def redeem_for(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def items(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def item_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def item_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def restock(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def item_active(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def item_image(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def liability(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def window(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def merchants(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def settlement_xlsx(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def settle(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404

