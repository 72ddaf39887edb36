"""Residents' pages of service requests (being built)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def mine(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def new_wish(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def detail(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def cancel(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def confirm(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def dispute(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def photo(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()
