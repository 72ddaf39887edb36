"""Bodies that come as JSON or as a form with files (a phone's upload: a report with its
photos, a disclosure with its attachments), read into the operation's schema either way
and documented as both in the OpenAPI."""

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.functional import Promise
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from jifen.lib.errors import InvalidInput

S = TypeVar("S", bound=Schema)
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def form_or_json(
    request: HttpRequest,
    schema: type[S],
    *,
    files: str = "photos",
    json_fields: Mapping[str, str | Promise] | None = None,
) -> tuple[S, list[Any]]:
    """The body as ``schema``, from JSON or from a form, whose uploads under ``files``
    come along; in a form, the fields of ``json_fields`` hold JSON (a table, a list of
    ids), a bad one refused with its message. A bad body is 400 with the fields, like
    any other."""
    uploads: list[Any] = []
    if request.content_type in FORMS:
        data: Any = {key: request.POST.get(key) for key in request.POST if request.POST.get(key)}
        for key, message in (json_fields or {}).items():
            if key in data:
                try:
                    data[key] = json.loads(data[key])
                except ValueError:
                    raise InvalidInput(message, field=key) from None
        uploads = request.FILES.getlist(files)
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise NinjaValidationError(
                [{"loc": ("body",), "type": "json_invalid", "msg": "not JSON"}]
            ) from None
    try:
        return schema.model_validate(data), uploads
    except PydanticValidationError as exc:
        raise NinjaValidationError(
            [{"loc": err["loc"], "type": err["type"], "msg": err["msg"]} for err in exc.errors()]
        ) from None


def body_doc(schema: type[Schema], files: str = "photos") -> dict[str, Any]:
    """The OpenAPI request body of an operation taking JSON or a form with ``files``."""
    fields = schema.model_json_schema()
    form = {
        **fields,
        "properties": {
            **fields.get("properties", {}),
            files: {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": fields},
                "multipart/form-data": {"schema": form},
            },
        }
    }
