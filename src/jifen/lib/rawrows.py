"""Model instances from a hand-written SELECT.

For the few paths every request or a whole crowd passes through (the bearer token,
a check-in), building the query with the ORM costs several times what running it
does (docs/performance.md). There the SQL is written once, at import, from the
models' own columns, and the rows are turned into instances as the ORM would: every
concrete field loaded, Django's converters of the database and of each field applied
(so SQLite's dates, booleans and decimals come back as on PostgreSQL), the instance
made as ``Model.from_db`` makes it. Statements still go through Django's cursor, so
``assertNumQueries``, ``DEBUG`` and ``execute_wrapper`` see them.
"""

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState

try:  # psycopg 3's client-side binding cursor, which Django uses by default
    from psycopg import ClientCursor as _CLIENT_CURSOR
except ImportError:  # pragma: no cover - psycopg 3 is a dependency
    _CLIENT_CURSOR = None  # type: ignore[assignment,misc]

Converter = Callable[[Any, Any, Any], Any]
_M = TypeVar("_M", bound=Model)


def instance(model: type[_M], fields: dict[str, Any], db: str | None) -> _M:
    """An instance of these field values (by attribute name), as ``Model(**fields)``
    (``db`` None: unsaved) or ``Model.from_db`` (``db``: loaded from it) make it, but
    without ``Model.__init__``'s work per field, which on the hot paths cost more than
    building their statements (docs/performance.md). Fields left out are deferred, loaded
    on access, as ``from_db`` leaves them. Should anything listen to ``pre_init`` or
    ``post_init`` for the model, the constructor runs, so it hears them."""
    if (signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    ):
        made = model(**fields)
    else:
        made = model.__new__(model)
        made._state = ModelState()
        made.__dict__.update(fields)
    if db is not None:
        made._state.adding = False
        made._state.db = db
    return made


class Columns:
    """The columns of ``model`` under the table alias ``alias``, and their loading."""

    def __init__(self, model: type[Model], alias: str, *, defer: tuple[str, ...] = ()) -> None:
        """``defer``: fields left unread (a picture), loaded on first access as with
        ``QuerySet.defer``."""
        self.model = model
        self.alias = alias
        self.fields = [field for field in model._meta.concrete_fields if field.name not in defer]
        self.attnames = [field.attname for field in self.fields]
        self.table = model._meta.db_table
        self.pk_index = next(i for i, field in enumerate(self.fields) if field.primary_key)
        self._converters: dict[str, list[tuple[int, list[tuple[Converter, Any]]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def select(self) -> str:
        """``"a"."col", …`` for a SELECT list."""
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(field.column))}" for field in self.fields)

    @property
    def source(self) -> str:
        """``"table" a`` for a FROM or JOIN."""
        return f"{connection.ops.quote_name(self.table)} {self.alias}"

    def converters(self, db: Any) -> list[tuple[int, list[tuple[Converter, Any]]]]:
        """The columns that need converting on ``db``, each as its index and the
        (converter, expression) pairs the compiler would apply."""
        vendor = db.vendor
        if vendor not in self._converters:
            per_column = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                pairs = [
                    (converter, column)
                    for converter in db.ops.get_db_converters(column) + field.get_db_converters(db)
                ]
                if pairs:
                    per_column.append((index, pairs))
            self._converters[vendor] = per_column
        return self._converters[vendor]

    def load(self, row: Sequence[Any], start: int = 0, *, using: str = DEFAULT_DB_ALIAS) -> Any:
        """The instance held by ``row[start:start + len(self)]``; ``None`` when its primary
        key is NULL (the far side of a LEFT JOIN that found nothing).

        Made as ``Model.from_db`` makes it (``instance``), from database ``using``."""
        values = list(row[start : start + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        db = connections[using]
        for index, pairs in self.converters(db):
            value = values[index]
            for converter, column in pairs:
                value = converter(value, column, db)
            values[index] = value
        return instance(self.model, dict(zip(self.attnames, values, strict=True)), using)


def in_one_message(cursor: Any) -> bool:
    """Whether statements joined by ``;`` go to the server as one message, one round trip:
    PostgreSQL through psycopg's client-side binding cursor (Django's default), which
    sends them by the simple query protocol. Outside a transaction the message is one
    implicit transaction of its own. The cursor stands on the first statement's result
    (``nextset`` for the next)."""
    return _CLIENT_CURSOR is not None and isinstance(cursor.cursor, _CLIENT_CURSOR)


@dataclass
class _Planned:
    """What one PostgreSQL session holds: the statements it has prepared, and whether a
    failed first use left it unsure (the PREPARE may or may not have run)."""

    names: set[str] = field(default_factory=set)
    unsure: bool = False


# By psycopg connection: a new connection (a restart, CONN_MAX_AGE) starts with none.
_PLANNED: "weakref.WeakKeyDictionary[Any, _Planned]" = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> str:
    """``%s`` placeholders as PostgreSQL's ``$1, $2 …`` (``%%`` left for the driver)."""
    count = 0

    def number(found: re.Match[str]) -> str:
        nonlocal count
        if found.group() == "%%":
            return "%%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def execute_planned(cursor: Any, name: str, sql: str, params: Sequence[Any]) -> None:
    """Run a fixed statement that a crowd runs (the bearer token, a racer's read): on
    PostgreSQL planned once per connection — ``PREPARE`` with its first use, in the same
    message, then ``EXECUTE`` — so the server stops planning it on every request.
    Planning cost the database several times the running of these statements
    (docs/performance.md, "The accept race"). Elsewhere, and for the cursor's reader,
    it is ``cursor.execute(sql, params)``: one statement, its rows on the cursor.

    ``name`` must be unique to ``sql`` in the process. A prepared statement outlives a
    rolled-back transaction; after a failed first use, the session's statements are
    deallocated before the next PREPARE, so none is ever prepared twice."""
    if cursor.db.vendor != "postgresql" or not in_one_message(cursor):
        cursor.execute(sql, params)
        return
    planned = _PLANNED.setdefault(cursor.db.connection, _Planned())
    run = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    if name in planned.names:
        cursor.execute(run, params)
        return
    steps = ["DEALLOCATE ALL"] if planned.unsure else []
    steps += [f"PREPARE {name} AS {_numbered(sql)}", run]
    try:
        cursor.execute("; ".join(steps), params)
    except Exception:
        planned.names.clear()
        planned.unsure = True
        raise
    for _step in steps[:-1]:
        cursor.nextset()
    if planned.unsure:
        planned.names.clear()
        planned.unsure = False
    planned.names.add(name)


def cache_related(obj: Model, field_name: str, value: Model | None) -> None:
    """Set a loaded foreign key, as ``select_related`` does, so reading it costs no query."""
    obj._meta.get_field(field_name).set_cached_value(obj, value)  # type: ignore[union-attr]


class Insert:
    """``model``'s INSERT of one row, written once: every concrete field but an automatic
    primary key, its parameters prepared as ``Model.save`` prepares them (``pre_save``:
    ``auto_now_add`` set on the instance; ``get_db_prep_save``), the new id returned. No
    ``pre_save``/``post_save`` signal is sent: only for models nothing listens to."""

    def __init__(self, model: type[Model], *, skip_on_conflict: str = "") -> None:
        """``skip_on_conflict``: a unique column; a row clashing on it is not inserted and
        no id comes back (``ON CONFLICT … DO NOTHING``), for the caller to try again."""
        self.model = model
        pk = model._meta.pk
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and field is pk and getattr(field, "db_returning", False))
        ]
        self.skip_on_conflict = skip_on_conflict
        self._sql: dict[str, str] = {}

    def sql(self, db: Any) -> str:
        if db.vendor not in self._sql:
            quote = db.ops.quote_name
            pk = self.model._meta.pk
            assert pk is not None  # noqa: S101 - every model has one
            text = (
                f"INSERT INTO {quote(self.model._meta.db_table)} "  # noqa: S608 - names from the model
                f"({', '.join(quote(str(field.column)) for field in self.fields)}) "
                f"VALUES ({', '.join(['%s'] * len(self.fields))})"
            )
            if self.skip_on_conflict:
                text += f" ON CONFLICT ({quote(self.skip_on_conflict)}) DO NOTHING"
            if db.features.can_return_columns_from_insert:
                text += f" RETURNING {quote(str(pk.column))}"
            self._sql[db.vendor] = text
        return self._sql[db.vendor]

    def params(self, obj: Model, db: Any) -> list[Any]:
        return [field.get_db_prep_save(field.pre_save(obj, True), db) for field in self.fields]

    def saved(self, obj: _M, pk: Any, db: Any) -> _M:
        """``obj`` as ``save`` leaves it once its row is in with id ``pk``."""
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias
        return obj

    def new_id(self, cursor: Any, db: Any) -> Any:
        """The id of the row the statement inserted (after ``sql``), or ``None`` when it
        skipped a clash."""
        if db.features.can_return_columns_from_insert:
            row = cursor.fetchone()
            return None if row is None else row[0]
        return cursor.lastrowid if cursor.rowcount == 1 else None
