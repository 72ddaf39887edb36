from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import PermissionDenied


def client_address(request: HttpRequest) -> str | None:
    """The caller's address; behind a trusted reverse proxy, the one it saw."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def require_posted_community(request: HttpRequest, community_code: str) -> None:
    """Refuse a form posted for another community than the one it is being applied to.

    A console page falls back to the caller's own community when the one asked for is
    not theirs — right for showing a page, wrong for a form: a rules form posted with
    another community's code would change the caller's own rules instead. So a view
    that writes calls this with the community it resolved, before it writes.
    """
    named = request.POST.get("community", "")
    if named and named != community_code:
        raise PermissionDenied(
            _("You do not cover community %(code)s: nothing was changed."),
            code="community_not_covered",
            field="community",
            params={"code": named[:32]},
        )
