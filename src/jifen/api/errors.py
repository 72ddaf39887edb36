"""Every API error in one shape: ``{"error": {"code", "message"}}`` (CONTRACT.md)."""

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jifen.lib.errors import DomainError

logger = logging.getLogger("jifen.api")

STATUS_CODES = {
    400: "invalid_input",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_attempts",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def json_error(status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(error_body(code, message, **extra), ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _describe(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    fields = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "payload")]
        field = ".".join(loc[1:] if loc and loc[0] in {"query", "path"} else loc) or "body"
        kind = str(err.get("type", ""))
        if kind == "missing":
            text = _("this field is required")
        elif kind in {"json_invalid", "model_attributes_type"} or field == "body":
            text = _("the body must be a JSON object")
        elif "type" in kind or "parsing" in kind:
            text = _("has the wrong type")
        else:
            text = _("is not valid")
        fields.append({"field": field, "message": text})
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return _("Please check the input: %(summary)s.") % {"summary": summary}, fields


def too_large() -> HttpResponse:
    """A body over the size limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``): 413, nothing read."""
    return json_error(
        413,
        "too_large",
        _("What was sent is too large. Send less at a time, or a smaller file."),
    )


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        return json_error(exc.status, exc.code, exc.render(), **extra)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        message, fields = _describe(list(exc.errors))
        return json_error(400, "invalid_input", message, fields=fields)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return json_error(401, "not_authenticated", _("Please log in first."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        return json_error(exc.status_code, code, str(exc.message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return json_error(404, "not_found", _("Nothing was found there, or you may not see it."))

    @api.exception_handler(RequestDataTooBig)
    def request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return too_large()

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The traceback goes to the log; the request body (personal data) does not.
        logger.exception("API error on %s %s", request.method, request.path)
        return json_error(
            500, "server_error", _("Something went wrong on our side. Please try again later.")
        )
