from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from jifen.people.models import ConsentSource


class PasswordChangeMiddleware:
    """A person whose password someone else set (a reset, a first password given at the
    desk) changes it before anything else: every page leads to the password change, a form
    posted elsewhere does nothing. Until then, whoever chose the password could be them.

    The API answers 403 ``password_change_required`` instead (``api.security.TokenAuth``).
    """

    EXEMPT_PREFIXES = ("/api/", "/static/", "/password/", "/logout/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: the API and static files never load the session's user here.
        if request.path.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            # Back to the page asked for; a form posted elsewhere is not sent again.
            next_path = request.get_full_path() if request.method == "GET" else reverse("web:home")
            target = f"{reverse('web:password')}?{urlencode({'next': next_path})}"
            if getattr(request, "htmx", False):
                # A redirect would be followed and swapped into the page's fragment.
                return HttpResponseClientRedirect(target)
            return redirect(target)
        return self.get_response(request)


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
        if request.method != "GET" or request.path.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.consent_at is None
            # Asked once: whoever said no (at registration, or by withdrawing) is not
            # asked again; they give consent from their points page when they wish.
            and user.consent_source != ConsentSource.DECLINED
            # The password someone else chose is changed first (PasswordChangeMiddleware).
            and not user.must_change_password
            and not request.session.get("consent_asked")
        ):
            # Encoded, so a query string of its own ("?q=..&page=2") comes back whole.
            return redirect(
                f"{reverse('web:consent')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)


# What a page may load and run: only what the site itself serves (there is no CDN), no
# inline script or style — the templates have none (tests/web/test_content_security_
# policy.py) — so an injected <script> or style="" does nothing even if escaping ever
# failed. The API docs (django-ninja's own copy of Swagger UI, served locally) work
# under it too; img-src allows data: for the icons Swagger UI's stylesheet embeds.
# Frames and plugins nowhere. One constant header needs no nonce and no dependency
# (django-csp would bring settings for what we do not use); Django 6.0 brings its own
# CSP middleware to move to.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy on every response, static files included (it
    stands before WhiteNoise in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
