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

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState

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


def cache_related(obj: Model, field_name: str, value: Model | None) -> None:
    """Set a loaded foreign key, as ``select_related`` does, so reading it costs no query."""
    obj._meta.get_field(field_name).set_cached_value(obj, value)  # type: ignore[union-attr]
