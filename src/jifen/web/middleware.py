from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class ConsentMiddleware:
    """People registered by staff are asked, once per session, to agree to publication.

    Declining is allowed: consent never blocks earning or spending points, it only
    decides whether public pages show the masked name or just the volunteer number.
    """

    # The public pages and the big screen too: a screen logged in with the kiosk role
    # fetches its panels every minute and nobody is there to answer.
    EXEMPT_PREFIXES = (
        "/api/",
        "/static/",
        "/consent/",
        "/logout/",
        "/i18n/",
        "/public/",
        "/kiosk/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.consent_at is None
            and request.method == "GET"
            and not request.session.get("consent_asked")
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            # Encoded, so a query string of its own ("?q=..&page=2") comes back whole.
            return redirect(
                f"{reverse('web:consent')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
