"""Error pages; API paths get the contract's JSON shape instead of HTML."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jifen.api.errors import json_error
from jifen.lib.errors import DomainError
from jifen.people.models import Person

View = Callable[..., HttpResponse]


def domain_error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A service's refusal (not allowed, not found, a rule of the domain) as a page."""
    titles = {403: _("Not allowed"), 404: _("Not found")}
    return render(
        request,
        "web/error.html",
        {"title": titles.get(exc.status, _("This cannot be done")), "text": exc.render()},
        status=exc.status,
    )


def person_of(request: HttpRequest) -> Person:
    """The person logged in, in a view that ``resident_view`` or ``console_view`` guards."""
    return request.user  # type: ignore[return-value]


def resident_view(view: View) -> View:
    """Logged in; a refusal of a service (no such record, not yours) is an error page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return domain_error_page(request, exc)

    return wrapped


def _page(request: HttpRequest, status: int, code: str, title: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(status, code, text)
    return render(request, "web/error.html", {"title": title, "text": text}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        "not_found",
        _("Page not found"),
        _("Nothing was found there, or you may not see it."),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 403, "forbidden", _("Not allowed"), _("Your role does not allow this here.")
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE as a bad request (it is a
    # SuspiciousOperation); it is one too large: 413, in the API's shape on /api/.
    if isinstance(exception, RequestDataTooBig):
        return _page(
            request,
            413,
            "too_large",
            _("Too large"),
            _("What was sent is too large. Send less at a time, or a smaller file."),
        )
    return _page(
        request, 400, "invalid_input", _("Bad request"), _("The request could not be understood.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        "server_error",
        _("Something went wrong"),
        _("Something went wrong on our side. Please try again later."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "csrf_failed",
        _("Page expired"),
        _(
            "The page was open too long or cookies are blocked. "
            "Please go back, reload the page and try again."
        ),
    )
