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


# --- The error answers in the OpenAPI ----------------------------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, for clients: not_found, ..."},
                "message": {"type": "string", "description": "for people, in their language"},
                "field": {"type": "string", "description": "the input it is about"},
                "fields": {
                    "type": "array",
                    "description": "400 invalid_input: each input that was refused",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}

ERROR_RESPONSES = {
    400: "invalid_input (and the service's own codes): the input was refused",
    401: "not_authenticated: no valid bearer token",
    403: "forbidden (or a more precise code): the caller's role does not allow it here",
    404: "not_found: nothing there, or nothing the caller may see",
    409: "a rule of the domain or the current state refuses it (already_reviewed, ...)",
    413: "too_large: the body is over the size limit",
    429: "too_many_attempts: held back after too many tries",
}


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error answers an operation can give, read from its shape: input can be refused
    (400), a token or credentials missing, wrong or short of the role (401, 403), what is
    named not found (404),
    a write refused by the state of things (409), a body too large (413), a write
    throttled (429: logins, registrations, codes)."""
    has_input = bool(operation.get("parameters") or operation.get("requestBody"))
    secured = bool(operation.get("security"))
    writes = method in {"post", "put", "patch", "delete"}
    statuses = [400] if has_input or writes else []
    if secured or writes:  # an anonymous write checks credentials or an optional token
        statuses += [401, 403]
    if has_input or secured:
        statuses.append(404)
    if writes:
        statuses += [409, 413, 429]
    return statuses


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of every operation in the OpenAPI, in the one error shape."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in schema["paths"].values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                responses.setdefault(
                    status, {"description": ERROR_RESPONSES[status], "content": content}
                )
    return schema


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
        # django-ninja's own refusals carry English words: said in the reader's language.
        code = STATUS_CODES.get(exc.status_code, "error")
        message = str(exc.message)
        if message.startswith("Cannot parse request body"):
            return json_error(400, code, _("The request body is not valid JSON."))
        if message.startswith("CSRF check"):
            return json_error(403, code, _("The form's security token is missing or stale."))
        return json_error(exc.status_code, code, message)

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
