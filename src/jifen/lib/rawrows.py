"""Model instances from a hand-written SELECT.

For the few paths every request or a whole crowd passes through (the bearer token,
a check-in), building the query with the ORM costs several times what running it
does (docs/performance.md). There the SQL is written once, at import, from the
models' own columns, and the rows are turned into instances as the ORM would: every
concrete field loaded, Django's converters of the database and of each field applied
(so SQLite's dates, booleans and decimals come back as on PostgreSQL), the instance
made by ``Model.from_db``. Statements still go through Django's cursor, so
``assertNumQueries``, ``DEBUG`` and ``execute_wrapper`` see them.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


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
        self._converters: dict[str, list[list[tuple[Converter, Any]]]] = {}

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

    def converters(self) -> list[list[tuple[Converter, Any]]]:
        """Per column, the (converter, expression) pairs the compiler would apply."""
        vendor = connection.vendor
        if vendor not in self._converters:
            per_column = []
            for field in self.fields:
                column = field.get_col(self.alias)
                per_column.append(
                    [
                        (converter, column)
                        for converter in connection.ops.get_db_converters(column)
                        + field.get_db_converters(connection)
                    ]
                )
            self._converters[vendor] = per_column
        return self._converters[vendor]

    def load(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance held by ``row[start:start + len(self)]``; ``None`` when its primary
        key is NULL (the far side of a LEFT JOIN that found nothing)."""
        values = list(row[start : start + len(self.fields)])
        pk_index = next(i for i, field in enumerate(self.fields) if field.primary_key)
        if values[pk_index] is None:
            return None
        for index, pairs in enumerate(self.converters()):
            value = values[index]
            for converter, column in pairs:
                value = converter(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


def cache_related(instance: Model, field_name: str, value: Model | None) -> None:
    """Set a loaded foreign key, as ``select_related`` does, so reading it costs no query."""
    instance._meta.get_field(field_name).set_cached_value(instance, value)  # type: ignore[union-attr]
