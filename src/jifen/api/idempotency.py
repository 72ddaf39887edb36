"""``Idempotency-Key`` for POSTs that create claims or redemptions or move points.

A repeat by the same caller with the same method, path and body gets the first
answer back and changes nothing; the same key with a different request is refused
(409 ``idempotency_conflict``). Keys are kept for at least 24 hours (pruned by
``jifen tick`` after 48). Failed requests are not kept: they changed nothing, so
the client may retry them with the same key.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Status
from pydantic import BaseModel

from jifen.api.models import IdempotencyRecord
from jifen.api.security import caller
from jifen.lib.errors import Conflict, InvalidInput
from jifen.lib.rawrows import in_one_message

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
        raise _in_progress()
    return Status(record.status_code, record.body)


def _in_progress() -> Conflict:
    return Conflict(
        _(
            "The first request with this Idempotency-Key is still being processed; "
            "try again in a moment."
        ),
        code="idempotency_conflict",
    )


class _Exact(DjangoJSONEncoder):
    """Django's encoder, but times keep every microsecond. A replay is validated and
    rendered again from what is kept; Django's encoder cuts times to milliseconds, and a
    time within the first millisecond of its second came back as a whole second,
    rendered as ``…:13Z`` where the first answer said ``…:13.000Z``."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return json.loads(json.dumps(value, cls=_Exact))


# Every create, redemption and movement of points passes here, most of them with a key:
# the record is claimed, answered or given up with three fixed statements written once,
# not built by the ORM each time (building them cost more than running them). Claiming
# is one INSERT that does nothing when the key is already there, so a new key costs one
# statement, not a look-up and an insert; outside a transaction (as every API request
# runs) it commits on its own, before the view runs, so a repeat arriving meanwhile sees
# "still being processed".
@functools.cache
def _sql(vendor: str) -> tuple[str, str, str]:
    """The claim, the answer and the giving up, for ``vendor``."""
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    claim = (
        f"INSERT INTO {table} "  # noqa: S608 - names from the model; values are parameters
        f"({quote('person_id')}, {quote('key')}, {quote('request_digest')}, "
        f"{quote('created_at')}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({quote('person_id')}, {quote('key')}) DO NOTHING "
        f"RETURNING {quote('id')}"
    )
    answer = (
        f"UPDATE {table} SET {quote('status_code')} = %s, {quote('body')} = %s "  # noqa: S608
        f"WHERE {quote('id')} = %s"
    )
    give_up = f"DELETE FROM {table} WHERE {quote('id')} = %s"  # noqa: S608
    return claim, answer, give_up


# The claim and the giving up commit on their own without waiting for the disk
# (PostgreSQL's synchronous_commit off, for that one transaction): a refused redemption of
# a crowd is these two commits and nothing else, and each wait for the disk cost the
# worker more than the statement. Nothing is lost that matters: the log is written in
# order, so once an order or an answer after a claim is on disk (their commits still
# wait), the claim is too; a claim lost in a crash leaves nothing behind, the order it
# was for never committed either; a giving up lost in a crash leaves the key "still being
# processed", as a worker killed in the middle of a request already does, until it is
# pruned. The answer keeps waiting: it is what a repeat of a created order gets back.
_UNWAITED = "; SET LOCAL synchronous_commit TO OFF"


def _unwaited(cursor: Any, sql: str) -> str:
    """``sql`` committing without the disk's wait when it is a transaction of its own (no
    transaction open; PostgreSQL through psycopg's client-side cursor, which sends the two
    statements as one message, one implicit transaction). Its result comes first."""
    alone = (
        in_one_message(cursor) and not connection.in_atomic_block and connection.get_autocommit()
    )
    return sql + _UNWAITED if alone else sql


def _claim(person_id: int, key: str, digest: str) -> int | None:
    """The new record's id, or ``None`` when this caller already used the key."""
    with connection.cursor() as cursor:
        cursor.execute(
            _unwaited(cursor, _sql(connection.vendor)[0]),
            [person_id, key, digest, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _answer(record_id: int, status: int, body: Any) -> None:
    field = IdempotencyRecord._meta.get_field("body")
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(connection.vendor)[1],
            [status, field.get_db_prep_save(body, connection), record_id],
        )


def _give_up(record_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_unwaited(cursor, _sql(connection.vendor)[2]), [record_id])


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
        record_id = _claim(person.pk, key, digest)
        if record_id is None:  # a repeat, or the same key arriving twice at once
            existing = IdempotencyRecord.objects.filter(person=person, key=key).first()
            if existing is not None:
                return _replay(existing, digest)
            # The first was refused and gave its key up in between: this one goes ahead.
            record_id = _claim(person.pk, key, digest)
            if record_id is None:
                raise _in_progress()
        try:
            result = view(request, *args, **kwargs)
        except BaseException:
            _give_up(record_id)  # it changed nothing: the client may retry with the key
            raise
        status, body = (
            (result.status_code, result.value) if isinstance(result, Status) else (200, result)
        )
        _answer(record_id, status, _plain(body))
        return result

    return wrapper


def prune() -> int:
    deleted, _detail = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEEP
    ).delete()
    return deleted
