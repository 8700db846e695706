"""The checks `Model.full_clean` makes of one line of a record, made for all the record's lines at once.

`full_clean` asks the database, for every line, whether each row its foreign keys name exists and whether a unique
constraint already holds its values: four or five queries a line, which a file of thousands of lines turns into
minutes. Here each foreign key is one query for every line, and the unique constraints that hold within one record
are checked among the lines themselves (they are all of the record's lines once it is saved: those left out are
deleted). Everything else `full_clean` checks (each field, the model's `clean`, other constraints) it checks, the
same way, with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import Field, ForeignKey, Model, Q, UniqueConstraint

# Values an `__in` look-up carries at a time (SQLite's limit on parameters).
CHUNK = 900


def problems(model: type[Model], parent_field: str, lines: Sequence[tuple[int, Model]]) -> list[str]:
    """What `full_clean` would refuse of each of `lines` (each with its number), as "Line n: ..." messages.
    `parent_field` names the record they belong to: saved in this transaction, it is not looked up."""
    references = [
        field
        for field in model._meta.fields
        if isinstance(field, ForeignKey) and field.name != parent_field and not field.remote_field.parent_link
    ]
    existing = {field.name: _existing(field, (line for _, line in lines)) for field in references}
    skip = {parent_field, *existing}
    unique_checks = _has_unique_checks(model)
    others = [
        constraint for constraint in model._meta.constraints if not _within_record(model, constraint, parent_field)
    ]
    failed: dict[int, set[str]] = {}
    messages: dict[int, list[str]] = {}
    using = router.db_for_write(model)
    for index, line in lines:
        errors = _gathered({}, line.clean_fields, exclude=skip)
        for field in references:
            try:
                _clean_reference(line, field, existing[field.name])
            except ValidationError as exc:
                errors = ValidationError({field.name: exc.error_list}).update_error_dict(errors)
        errors = _gathered(errors, line.clean)
        # As `full_clean` does: the unique checks skip the fields that failed.
        excluded = {name for name in errors if name != NON_FIELD_ERRORS}
        if unique_checks:
            errors = _gathered(errors, line.validate_unique, exclude=excluded)
        for constraint in others:
            errors = _gathered(errors, constraint.validate, model, line, exclude=excluded, using=using)
        failed[index] = {name for name in errors if name != NON_FIELD_ERRORS}
        if errors:
            messages[index] = ValidationError(errors).messages
    for constraint in model._meta.constraints:
        if _within_record(model, constraint, parent_field):
            for index, message in _duplicates(model, constraint, lines, failed):  # type: ignore[arg-type]
                messages.setdefault(index, []).append(message)
    return [f"Line {index}: {message}" for index, _ in lines for message in messages.get(index, ())]


def _gathered(errors: dict[str, Any], check: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """`errors` with what `check` refuses added, by field, as `full_clean` gathers them."""
    try:
        check(*args, **kwargs)
    except ValidationError as exc:
        return exc.update_error_dict(errors)
    return errors


def _has_unique_checks(model: type[Model]) -> bool:
    """Whether `validate_unique` checks anything of a line beyond its primary key (which an edit keeps)."""
    meta = model._meta
    dated = ("unique_for_date", "unique_for_month", "unique_for_year")
    return bool(meta.unique_together) or any(
        (field.unique and not field.primary_key) or any(getattr(field, name, None) for name in dated)
        for field in meta.local_fields
    )


def _existing(field: ForeignKey, lines: Iterable[Model]) -> set[Any]:
    """Which of the values the lines give `field` name a row it may point at (one query a chunk of values)."""
    values = sorted({value for line in lines if (value := getattr(line, field.attname)) is not None}, key=str)
    target = str(field.remote_field.field_name)
    rows = field.remote_field.model._base_manager.using(router.db_for_read(field.remote_field.model))
    rows = rows.complex_filter(field.get_limit_choices_to())
    found: set[Any] = set()
    for start in range(0, len(values), CHUNK):
        found.update(rows.filter(**{f"{target}__in": values[start : start + CHUNK]}).values_list(target, flat=True))
    return found


def _clean_reference(line: Model, field: ForeignKey, existing: set[Any]) -> None:
    """`clean_fields` of one foreign key, its row's existence checked against `existing` instead of a query."""
    raw = getattr(line, field.attname)
    if field.blank and raw in field.empty_values:
        return
    value = field.to_python(raw)
    # The checks `ForeignKey.validate` makes before it asks the database (choices, null, blank).
    Field.validate(field, value, line)
    field.run_validators(value)
    if value is not None and value not in existing:
        raise ValidationError(
            field.error_messages["invalid"],
            code="invalid",
            params={
                "model": field.remote_field.model._meta.verbose_name,
                "pk": value,
                "field": field.remote_field.field_name,
                "value": value,
            },
        )
    if value != raw:
        setattr(line, field.attname, value)


def _within_record(model: type[Model], constraint: Any, parent_field: str) -> bool:
    """A unique constraint on fields (the record's among them) whose condition can be read from a line."""
    return (
        isinstance(constraint, UniqueConstraint)
        and bool(constraint.fields)
        and not constraint.expressions
        and parent_field in constraint.fields
        and (constraint.condition is None or _predicate(model, constraint.condition) is not None)
    )


Predicate = Callable[[Model], bool]


def _predicate(model: type[Model], condition: Q) -> Predicate | None:
    """`condition` as a test of a line's own fields (exact, isnull and in look-ups, joined by AND or OR), read
    once for every line; None for any other condition."""
    tests: list[Predicate] = []
    for child in condition.children:
        if isinstance(child, Q):
            test = _predicate(model, child)
        else:
            name, value = child  # type: ignore[misc]
            test = _lookup(model, name, value)
        if test is None:
            return None
        tests.append(test)
    if condition.connector not in (Q.AND, Q.OR):
        return None
    if len(tests) == 1 and not condition.negated:
        return tests[0]
    joined = all if condition.connector == Q.AND else any
    if condition.negated:
        return lambda line: not joined(test(line) for test in tests)
    return lambda line: joined(test(line) for test in tests)


def _lookup(model: type[Model], name: str, value: Any) -> Predicate | None:
    field_name, _, lookup = name.partition("__")
    try:
        column = model._meta.get_field(field_name).attname  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return None
    value = value.pk if isinstance(value, Model) else value
    if lookup == "isnull":
        return lambda line: (getattr(line, column) is None) == bool(value)
    if lookup == "in":
        values = {item.pk if isinstance(item, Model) else item for item in value}
        return lambda line: getattr(line, column) in values
    if lookup in ("", "exact"):
        return lambda line: getattr(line, column) == value
    return None


def _duplicates(
    model: type[Model], constraint: UniqueConstraint, lines: Sequence[tuple[int, Model]], failed: dict[int, set[str]]
) -> list[tuple[int, str]]:
    """The lines that hold what an earlier line holds under `constraint`, with `validate`'s message."""
    columns = [model._meta.get_field(name).attname for name in constraint.fields]  # type: ignore[union-attr]
    key_of = attrgetter(*columns) if len(columns) > 1 else lambda line: (getattr(line, columns[0]),)
    condition = None if constraint.condition is None else _predicate(model, constraint.condition)
    fields = set(constraint.fields)
    seen: set[tuple[Any, ...]] = set()
    found: list[tuple[int, str]] = []
    for index, line in lines:
        if failed.get(index) and failed[index] & fields:
            continue
        if condition is not None and not condition(line):
            continue
        key = key_of(line)
        # NULL equals nothing in SQL: such a line cannot break the constraint.
        if constraint.nulls_distinct is not False and None in key:
            continue
        if key in seen:
            if constraint.condition is None and constraint.violation_error_message in (
                None,
                constraint.default_violation_error_message,
            ):
                found.append((index, ValidationError(line.unique_error_message(model, constraint.fields)).messages[0]))
            else:
                found.append((index, str(constraint.get_violation_error_message())))
            continue
        seen.add(key)
    return found
