"""Updating many rows with different values, fast.

Django's `bulk_update` builds one CASE WHEN per field and row, which costs milliseconds per row; a
prepared UPDATE run with `executemany` costs microseconds. Same semantics for what we use it for: the
given fields of each object are written, by primary key, in one transaction.

The objects may be model instances or any objects with the fields as attributes (the connector's queue
rows are read without building model instances).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError


def _as_text(value: Any) -> str:
    # Choices enums are str subclasses; drivers may adapt an Enum by its name, so plain str it is.
    return value if type(value) is str else str(value)


def _converter(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """None when the value goes to the driver as it is; else its conversion (Django's own, but for text)."""
    if isinstance(field, models.CharField | models.TextField):
        return _as_text
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.IntegerField | models.BooleanField):  # the auto fields are IntegerFields
        return None
    return _last_value_kept(lambda value: field.get_db_prep_save(value, connection))


def _last_value_kept(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, remembering its last value: the rows of one write share their timestamp object, and
    Django's conversion of a datetime costs more than the rest of the row."""
    last: list[Any] = [_NOTHING, None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


_NOTHING = object()


def _converters(fields: Sequence[Any], connection: Any) -> list[Callable[[Any], Any] | None]:
    return [_converter(field, connection) for field in fields]


def _convert(row: Sequence[Any], converters: list[Callable[[Any], Any] | None]) -> list[Any]:
    return [
        value if convert is None or value is None else convert(value)
        for value, convert in zip(row, converters, strict=True)  # a stray value must not become the key
    ]


def _columns(model: type[Model], fields: Sequence[str]) -> tuple[str, Any, list[Any]]:
    """The database alias and connection that write `model`, and its fields of these names."""
    alias = router.db_for_write(model)
    return alias, connections[alias], [model._meta.get_field(name) for name in fields]


def _execute_many(alias: str, connection: Any, sql: str, rows: list[Sequence[Any]], converters: list[Any]) -> int:
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.executemany(sql, [_convert(row, converters) for row in rows])
    return len(rows)


def update_values(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, copy: Mapping[str, str] | None = None
) -> int:
    """Write `fields` of many rows of `model`, each row given as its values in `fields` order followed by
    its primary key. `copy` sets more fields of the same rows from others ({"to": "from"}), in the
    database. Returns the number of rows."""
    rows = list(rows)
    if not rows:
        return 0
    alias, connection, model_fields = _columns(model, fields)
    meta, quote = model._meta, connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))
    converters = [*_converters(model_fields, connection), None]
    copies = [
        (quote(meta.get_field(target).column), quote(meta.get_field(source).column))  # type: ignore[union-attr]
        for target, source in (copy or {}).items()
    ]
    if connection.vendor == "postgresql":
        # One statement, the rows bound as one JSON document: PostgreSQL runs executemany as a round trip
        # per row, and binding thousands of values one by one costs more in the driver than the rows' work.
        values = _json_values([*model_fields, meta.pk], connection)
        assignments = [f"{quote(field.column)} = {value}" for field, value in zip(model_fields, values, strict=False)]
        assignments += [f"{target} = {table}.{source}" for target, source in copies]
        sql = (
            f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608
            f"FROM jsonb_array_elements(%s::jsonb) AS row WHERE {table}.{pk} = {values[-1]}"
        )
        return _execute_json(alias, connection, sql, rows, [*model_fields, meta.pk])
    assignments = [f"{quote(field.column)} = %s" for field in model_fields]
    assignments += [f"{target} = {source}" for target, source in copies]
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} = %s"  # noqa: S608
    return _execute_many(alias, connection, sql, rows, converters)


def _json_values(fields: Sequence[Any], connection: Any) -> list[str]:
    """How each field's value is read from `row`, one element of the JSON array of rows (see `_execute_json`)."""
    values = []
    for index, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            # Python's None is SQL NULL in a JSON column, as the ORM stores it.
            values.append(f"NULLIF(row->{index}, 'null'::jsonb)")
        else:
            target = field.target_field if isinstance(field, models.ForeignKey) else field
            values.append(f"(row->>{index})::{target.db_type(connection)}")
    return values


def _execute_json(alias: str, connection: Any, sql: str, rows: list[Sequence[Any]], fields: Sequence[Any]) -> int:
    """Run `sql` once, with all the rows as one JSON array of arrays. A JSON field's value is encoded as the
    ORM stores it (DjangoJSONEncoder); a datetime column's as ISO text to the microsecond."""

    last: list[Any] = [_NOTHING, None]  # the rows of one write share their timestamp object

    def cell(value: Any, field: Any) -> Any:
        if not isinstance(value, datetime.datetime) or isinstance(field, models.JSONField):
            return value
        if value is not last[0]:
            last[0], last[1] = value, value.isoformat()
        return last[1]

    # strict: a stray value must not become the key
    document = json.dumps(
        [[cell(value, field) for value, field in zip(row, fields, strict=True)] for row in rows],
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, [document])
    return len(rows)


def insert_values(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert many rows of `model`, each given as its values in `fields` order (the other columns must have
    database defaults or be nullable: pass every field that has a Python default). Returns the number."""
    rows = list(rows)
    if not rows:
        return 0
    alias, connection, model_fields = _columns(model, fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model_fields)
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({columns})"  # noqa: S608
    converters = _converters(model_fields, connection)
    if connection.vendor == "postgresql":
        values = ", ".join(_json_values(model_fields, connection))
        sql = f"{insert} SELECT {values} FROM jsonb_array_elements(%s::jsonb) AS row"  # noqa: S608
        return _execute_json(alias, connection, sql, rows, model_fields)
    return _execute_many(
        alias, connection, f"{insert} VALUES ({', '.join(['%s'] * len(model_fields))})", rows, converters
    )


def update_rows(objects: Iterable[Any], fields: Sequence[str], *, model: type[Model] | None = None) -> int:
    """Write `fields` of every object (all of one model) by primary key. Returns the number of objects."""
    objects = list(objects)
    if not objects:
        return 0
    model = model or type(objects[0])
    attnames = [model._meta.get_field(name).attname for name in fields]  # type: ignore[union-attr]
    return update_values(model, fields, ([*(getattr(obj, name) for name in attnames), obj.pk] for obj in objects))


# Values bound per query at most: under SQLite's and PostgreSQL's limits on parameters.
MAX_PARAMETERS = 5000


def select_in(
    model: type[Model], fields: Sequence[str], where_in: Mapping[str, Iterable[Any]], *, for_update: bool = False
) -> list[tuple[Any, ...]]:
    """The `fields` of the rows of `model` whose every `where_in` field has one of its values ("pk" names
    the primary key, in both), JSON fields decoded. Other values come as the database driver returns
    them: read datetimes with the ORM, since drivers differ on their time zone.

    Django builds and checks every parameter of an `__in` lookup, which costs milliseconds for a few
    hundred ids even when no row matches; the driver binds them in microseconds. Long lists are read in
    several queries.
    """
    alias = router.db_for_write(model) if for_update else router.db_for_read(model)
    connection = connections[alias]
    if for_update and connection.get_autocommit():
        raise TransactionManagementError("select_in(for_update=True) locks rows only inside a transaction")
    meta = model._meta

    def field_of(name: str) -> Any:
        return meta.pk if name == "pk" else meta.get_field(name)

    quote = connection.ops.quote_name
    model_fields = [field_of(name) for name in fields]
    columns = ", ".join(quote(str(field.column)) for field in model_fields)
    conditions: list[tuple[str, list[Any]]] = []
    condition_types: list[str] = []
    for name, given in where_in.items():
        field = field_of(name)
        condition_types.append(str(field.db_type(connection)))
        convert = _converter(field, connection)
        values = [value if convert is None or value is None else convert(value) for value in given]
        if not values:
            return []
        conditions.append((quote(str(field.column)), values))
    decode = [isinstance(field, models.JSONField) for field in model_fields]
    # The longest list is split so that no query binds more than MAX_PARAMETERS values.
    longest = -1
    chunks: list[list[Any]] = [[]]
    if conditions:
        longest = max(range(len(conditions)), key=lambda index: len(conditions[index][1]))
        fixed = sum(len(values) for index, (_, values) in enumerate(conditions) if index != longest)
        step = (
            max(1, MAX_PARAMETERS - fixed) if connection.vendor != "postgresql" else max(1, len(conditions[longest][1]))
        )
        split = conditions[longest][1]
        chunks = [split[start : start + step] for start in range(0, len(split), step)]
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in chunks:
            parts, params = [], []
            for index, (column, values) in enumerate(conditions):
                values = chunk if index == longest else values
                if connection.vendor == "postgresql":  # one array, not a placeholder per value
                    parts.append(f"{column} = ANY(%s::{condition_types[index]}[])")
                    params.append(values)
                else:
                    parts.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                    params.extend(values)
            sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {' AND '.join(parts) or '1 = 1'}"  # noqa: S608
            if for_update and connection.features.has_select_for_update:
                sql += " FOR UPDATE"
            cursor.execute(sql, params)
            rows.extend(cursor.fetchall())
    return _decoded(rows, [index for index, wanted in enumerate(decode) if wanted])


def values_of(queryset: QuerySet[Any], fields: Sequence[str]) -> list[tuple[Any, ...]]:
    """`queryset.values_list(*fields)`, filters, order, slice and locks included, with the rows as the
    driver returns them but for JSON fields, decoded: none of Django's per-value conversions, which
    cost more than the query for a few hundred rows. Read datetimes with the ORM."""
    rows_query = queryset.values_list(*fields)
    sql, params = rows_query.query.get_compiler(using=rows_query.db).as_sql()
    meta = queryset.model._meta
    json_columns = [index for index, name in enumerate(fields) if isinstance(meta.get_field(name), models.JSONField)]
    with connections[rows_query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _decoded(rows, json_columns)


def _decoded(rows: list[tuple[Any, ...]], json_columns: list[int]) -> list[tuple[Any, ...]]:
    if not json_columns:
        return rows
    decoded = []
    for row in rows:
        values = list(row)
        for index in json_columns:
            if isinstance(values[index], str | bytes):
                values[index] = _json_value(values[index])
        decoded.append(tuple(values))
    return decoded


def _json_value(text: str | bytes) -> Any:
    # Empty lists and objects are most of the small JSON columns: no parser for them.
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return json.loads(text)
