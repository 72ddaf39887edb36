"""Volunteers' pages of service requests (being built)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def open_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def taken(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def accept(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def done(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def hand_back(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()


def assign_member(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponseNotFound()
