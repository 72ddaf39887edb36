"""Domain errors: what a service refuses, with a code clients rely on.

Services raise these; the API turns them into the contract's error shape
``{"error": {"code", "message"}}`` and the pages into form errors or messages.
Messages are lazy so they render in the language of the request that reads them.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid_input"
    default_message: str | Promise = _("The request is not valid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.field = field
        self.params = params or {}
        super().__init__(self.code)

    def render(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please log in first.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("Your role does not allow this here.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Nothing was found there, or you may not see it.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("The rules of the community do not allow this.")


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
    default_message = _("Too many failed attempts. Please wait %(minutes)s minutes and try again.")
