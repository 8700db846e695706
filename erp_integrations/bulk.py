"""Updating many rows with different values, fast.

Django's `bulk_update` builds one CASE WHEN per field and row, which costs milliseconds per row; a
prepared UPDATE run with `executemany` costs microseconds. Same semantics for what we use it for: the
given fields of each object are written, by primary key, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router, transaction
from django.db.models import Model


def update_rows(objects: Iterable[Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object (all of one model) by primary key. Returns the number of objects."""
    objects = list(objects)
    if not objects:
        return 0
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in model_fields)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in model_fields]  # type: ignore[union-attr]
        + [obj.pk]
        for obj in objects
    ]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(objects)


def insert_rows(objects: Iterable[Model]) -> int:
    """Insert new objects (all of one model) with one prepared INSERT run by `executemany`.

    Unlike `bulk_create`, the objects do not get their primary keys back: for rows nobody reads again in
    the same call (history rows, queued requests).
    """
    objects = list(objects)
    if not objects:
        return 0
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    rows = [[field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields] for obj in objects]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(objects)
