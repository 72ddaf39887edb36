"""``Idempotency-Key`` for POSTs that create claims or redemptions or move points.

A repeat by the same caller with the same method, path and body gets the first
answer back and changes nothing; the same key with a different request is refused
(409 ``idempotency_conflict``). Keys are kept for at least 24 hours (pruned by
``jifen tick`` after 48). Failed requests are not kept: they changed nothing, so
the client may retry them with the same key.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Status
from pydantic import BaseModel

from jifen.api.models import IdempotencyRecord
from jifen.api.security import caller
from jifen.lib.errors import Conflict, InvalidInput

KEEP = timedelta(hours=48)


def _digest(request: HttpRequest) -> str:
    payload = b"\n".join([request.method.encode(), request.path.encode(), request.body])
    return hashlib.sha256(payload).hexdigest()


def _conflict() -> Conflict:
    return Conflict(
        _("This Idempotency-Key was already used for a different request."),
        code="idempotency_conflict",
    )


def _replay(record: IdempotencyRecord, digest: str) -> Status[Any]:
    if record.request_digest != digest:
        raise _conflict()
    if record.status_code is None:
        raise Conflict(
            _(
                "The first request with this Idempotency-Key is still being processed; "
                "try again in a moment."
            ),
            code="idempotency_conflict",
        )
    return Status(record.status_code, record.body)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            raise InvalidInput(
                _("An Idempotency-Key has at most 200 characters."), code="invalid_idempotency_key"
            )
        person, digest = caller(request), _digest(request)
        existing = IdempotencyRecord.objects.filter(person=person, key=key).first()
        if existing is not None:
            return _replay(existing, digest)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    person=person, key=key, request_digest=digest
                )
        except IntegrityError:  # the same key arrived twice at once
            return _replay(IdempotencyRecord.objects.get(person=person, key=key), digest)
        try:
            result = view(request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        status, body = (
            (result.status_code, result.value) if isinstance(result, Status) else (200, result)
        )
        record.status_code, record.body = status, _plain(body)
        record.save(update_fields=["status_code", "body"])
        return result

    return wrapper


def prune() -> int:
    deleted, _detail = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEEP
    ).delete()
    return deleted
