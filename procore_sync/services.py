"""Every write of the project-side records.

Creating, editing and deleting go through one function (`save_record` / `delete_record`) so that the
permission gate, nested lines, the model invariants and the watchers of the apps above (which refuse an
edit of what accounting holds) are applied the same way to every type.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone

from access import permissions
from access.permissions import Action
from procore_sync import bulk_checks, hooks
from procore_sync import models as ps
from procore_sync.errors import DomainError
from procore_sync.money import CENTS, ZERO
from procore_sync.records import LineSpec, record_type_of

M = TypeVar("M", bound=Model)


def _value(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def save_record(
    actor: User,
    model: type[M],
    fields: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    *,
    instance: M | None = None,
    permitted_by: Action | None = None,
    in_bulk: bool = False,
) -> M:
    """Create `model` (or update `instance`) with `fields` and, for types with lines, its nested lines.

    Lines with an `id` are updated, lines without one are created, and lines left out are deleted.
    `permitted_by` is the action that allows the write instead of creating or editing in the record's tool
    (adding a company QuickBooks already holds to the directory is an ERP Integrations action).
    `in_bulk` writes the lines in a few statements whatever their number (an import of thousands): the same
    checks, made for all of them at once, and nothing is written when any line fails one.
    """
    record_type = record_type_of(model)
    if permitted_by is not None:
        permissions.require(actor, permitted_by)
    elif instance is None:
        permissions.require(
            actor, Action.CREATE, object_type=record_type.slug, project=record_type.project_of_new(fields)
        )
    else:
        permissions.require(actor, Action.EDIT, instance)
    with transaction.atomic():
        if instance is None:
            record = model(**fields)
            changed = set(fields)
        else:
            record = model._default_manager.select_for_update().get(pk=instance.pk)
            changed = {name for name, value in fields.items() if _value(getattr(record, name)) != _value(value)}
            lines_changed = lines is not None and _lines_differ(record, lines)
            hooks.before_change(record, changed, lines_changed=lines_changed)
            for name, value in fields.items():
                setattr(record, name, value)
        _before_save(record, changed)
        record.full_clean()
        try:
            record.save()
        except IntegrityError as exc:
            raise ValidationError(f"This would duplicate an existing record: {exc}") from exc
        if lines is not None and record_type.lines is not None:
            _save_lines(record, record_type.lines, lines, in_bulk=in_bulk)
        if hasattr(record, "check_invariants"):
            record.check_invariants()
        if instance is not None:
            hooks.changed(record)
    return record


@dataclass(frozen=True)
class EditLock:
    """What an edit of a record may not change now: some of its fields, its lines, and why (the state the
    refusal named). Empty for a record anyone with the permission may edit as they like."""

    fields: frozenset[str] = frozenset()
    lines: bool = False
    state: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields) or self.lines


def edit_lock(record: Model, field_names: Iterable[str], *, with_lines: bool = False) -> EditLock:
    """Which of `field_names` (and whether the lines) an edit of `record` would be refused to change now.

    The watchers `save_record` asks are asked the same question, as if every one of these fields and the lines
    changed, so a form shows read-only exactly what a save would refuse and the rule stays where it is kept.
    Nothing is written.
    """
    names = set(field_names)
    if record.pk is None or not (names or with_lines):
        return EditLock()
    try:
        with transaction.atomic():
            hooks.before_change(record, names, lines_changed=with_lines)
    except DomainError as exc:
        refused = set(exc.details.get("locked_fields") or ())
        return EditLock(
            frozenset(refused & names), with_lines and "lines" in refused, str(exc.details.get("current_state", ""))
        )
    return EditLock()


def retainage_held(percent: Decimal, completed_and_stored: Decimal) -> Decimal:
    """The retainage a commitment's percentage holds of a line's work completed and materials stored: two
    places, half up; none of a credit (retainage is never negative)."""
    if completed_and_stored <= ZERO:
        return ZERO
    return (completed_and_stored * percent / Decimal(100)).quantize(CENTS, rounding=ROUND_HALF_UP)


def _default_retainage(record: Model, line: Model, data: Mapping[str, Any]) -> None:
    """An invoice line that leaves its retainage empty holds the commitment's percentage of what it bills; a
    line already saved that does not mention it keeps the retainage it has."""
    if not isinstance(record, ps.SubcontractorInvoice) or not isinstance(line, ps.SubcontractorInvoiceLine):
        return
    if data.get("retainage_held") is not None or ("retainage_held" not in data and line.pk is not None):
        return
    line.retainage_held = retainage_held(
        record.commitment.default_retainage_percent,
        (line.work_completed_this_period or ZERO) + (line.materials_stored or ZERO),
    )


def _before_save(record: Model, changed: set[str]) -> None:
    if isinstance(record, ps.Budget) and "is_locked" in changed:
        record.locked_at = timezone.now() if record.is_locked else None


def _lines_differ(record: Model, lines: list[dict[str, Any]]) -> bool:
    spec = record_type_of(record).lines
    if spec is None:
        return False
    existing = {line.pk: line for line in spec.model._default_manager.filter(**{spec.parent_field: record})}
    if {data.get("id") for data in lines} != set(existing) or len(lines) != len(existing):
        return True
    # By the columns (a foreign key's id), so that comparing thousands of lines reads none of their relations.
    columns = {name: spec.model._meta.get_field(name).attname for name in spec.fields}  # type: ignore[union-attr]
    return any(
        getattr(existing[data["id"]], columns[name]) != _value(value)
        for data in lines
        for name, value in data.items()
        if name in spec.fields
    )


def _save_lines(record: Model, spec: LineSpec, lines: list[dict[str, Any]], *, in_bulk: bool = False) -> None:
    existing = {line.pk: line for line in spec.model._default_manager.filter(**{spec.parent_field: record})}
    # What the kept lines hold now, so that a bulk write updates only those that change.
    before = {pk: _columns(line, spec) for pk, line in existing.items()} if in_bulk else {}
    keep: set[int] = set()
    errors: list[str] = []
    checked: list[tuple[int, Model]] = []
    for index, data in enumerate(lines, start=1):
        line_id = data.get("id")
        if line_id:
            if line_id not in existing:
                errors.append(f"Line {index}: line {line_id} does not belong to this record.")
                continue
            line = existing[line_id]
            keep.add(line_id)
            for name in spec.fields:
                if name in data:
                    setattr(line, name, data[name])
        else:
            line = spec.model(
                **{spec.parent_field: record}, **{name: data[name] for name in spec.fields if name in data}
            )
        _default_retainage(record, line, data)
        if missing := _default_cost_type(line):
            errors.append(f"Line {index}: {missing}")
            continue
        if in_bulk:
            checked.append((index, line))
            continue
        try:
            line.full_clean()
        except ValidationError as exc:
            errors.extend(f"Line {index}: {message}" for message in exc.messages)
            continue
        line.save()
    gone = [line for line_id, line in existing.items() if line_id not in keep]
    if in_bulk:
        errors.extend(bulk_checks.problems(spec.model, spec.parent_field, checked))
        if not errors:
            _write_lines_in_bulk(spec, [line for _, line in checked], gone, before, errors)
    else:
        _delete_lines(gone, errors)
    if errors:
        raise ValidationError({"lines": errors})


def _write_lines_in_bulk(
    spec: LineSpec, lines: list[Model], gone: list[Model], before: dict[int, tuple[Any, ...]], errors: list[str]
) -> None:
    """Write checked lines in a few statements: delete those left out, update the kept ones that change (from
    `before`), insert the new ones. A line something holds is added to `errors`, and nothing is written."""
    # The lines left out go first: a line added in their place may hold what one of them held.
    _delete_lines(gone, errors, in_bulk=True)
    if errors:
        return
    changed = [line for line in lines if line.pk is not None and _columns(line, spec) != before[line.pk]]
    added = [line for line in lines if line.pk is None]
    columns = [field for field in spec.model._meta.concrete_fields if not field.primary_key and not field.generated]
    try:
        with transaction.atomic():
            spec.model._default_manager.bulk_update(changed, list(spec.fields), batch_size=LINE_BATCH)
            insert_rows(
                spec.model,
                [field.name for field in columns],
                [[field.pre_save(line, True) for field in columns] for line in added],
            )
    except IntegrityError as exc:
        raise ValidationError({"lines": [f"These lines would duplicate one another: {exc}"]}) from exc


# Lines a statement updates in a bulk save (SQLite's limit on parameters splits it further).
LINE_BATCH = 500


def _columns(line: Model, spec: LineSpec) -> tuple[Any, ...]:
    return tuple(getattr(line, line._meta.get_field(name).attname) for name in spec.fields)  # type: ignore[union-attr]


def _delete_lines(lines: list[Model], errors: list[str], *, in_bulk: bool = False) -> None:
    if in_bulk and lines:
        # What protects a line is found before anything is deleted: the refusal leaves the transaction usable.
        try:
            type(lines[0])._default_manager.filter(pk__in=[line.pk for line in lines]).delete()
            return
        except ProtectedError:
            pass  # Deleted one by one below, so that each line something holds is named.
    for line in lines:
        try:
            line.delete()
        except ProtectedError:
            errors.append(f"Line {line} is billed or changed elsewhere and cannot be removed.")


def _default_cost_type(line: Model) -> str:
    """A line that names a cost code and no cost type takes the code's default cost type; "" when it has a
    cost type now (or needs none: a change order line changing a line of the commitment), else what to pick."""
    if getattr(line, "cost_type_id", 0) is not None or getattr(line, "cost_code_id", None) is None:
        return ""
    if getattr(line, "commitment_line_id", None) is not None:
        return ""
    cost_code = line.cost_code  # type: ignore[attr-defined]
    if cost_code.default_cost_type_id is None:
        return f"pick a cost type (cost code {cost_code.code} has no default cost type)."
    line.cost_type_id = cost_code.default_cost_type_id  # type: ignore[attr-defined]
    return ""


def delete_record(actor: User, instance: Model) -> None:
    """Delete a record that nothing in accounting or QuickBooks holds."""
    permissions.require(actor, Action.DELETE, instance)
    with transaction.atomic():
        hooks.before_delete(instance)
        pk = instance.pk
        try:
            instance.delete()
        except ProtectedError as exc:
            names = sorted({str(obj) for obj in exc.protected_objects})[:5]
            raise ValidationError(f"Other records depend on this one: {', '.join(names)}.") from exc
        hooks.deleted(type(instance), pk)


def set_archived(company_ids: list[int], *, archived: bool) -> int:
    """Archive (or restore) directory companies because the accounting system made their vendor inactive
    (or active again): not a person's edit, so no permission is asked. Returns how many changed."""
    if not company_ids:
        return 0
    return (
        ps.Company.objects.filter(pk__in=company_ids)
        .exclude(is_archived=archived)
        .update(is_archived=archived, updated_at=timezone.now())
    )


def set_sub_jobs_active(sub_job_ids: Iterable[int], *, active: bool) -> int:
    """Make sub jobs inactive (or active again) because the accounting system made their sub-customer so: not
    a person's edit, so no permission is asked. Returns how many changed."""
    ids = sorted(set(sub_job_ids))
    if not ids:
        return 0
    return (
        ps.SubJob.objects.filter(pk__in=ids)
        .exclude(is_active=active)
        .update(is_active=active, updated_at=timezone.now())
    )


def add_sub_job_from_accounting(project: ps.Project, parent: ps.SubJob | None, fields: Mapping[str, Any]) -> ps.SubJob:
    """Add a sub job that the accounting system already holds under the project's job (read from its lists):
    not a person's edit, so no permission is asked here (the import that adds it asks it of who runs it).
    Raises ValidationError as a person's edit would (a name in use, too deep)."""
    sub_job = ps.SubJob(project=project, parent=parent, **fields)
    sub_job.full_clean()
    with transaction.atomic():
        try:
            sub_job.save()
        except IntegrityError as exc:
            raise ValidationError(f"This would duplicate an existing sub job: {exc}") from exc
    return sub_job


# --- the standard cost code list ----------------------------------------------------------------------------


def assign_default_cost_type(actor: User, cost_code_ids: Iterable[int], cost_type: ps.CostType | None) -> int:
    """Give many standard cost codes one default cost type, or clear theirs (`cost_type` None): the cost type
    a new budget or commitment line of the code takes when it names none. Returns how many changed."""
    permissions.require(actor, Action.ASSIGN_DEFAULT_COST_TYPES)
    if cost_type is not None and not cost_type.is_active:
        raise ValidationError({"cost_type": f"{cost_type.name} is inactive: pick an active cost type."})
    ids = sorted(set(cost_code_ids))
    if not ids:
        return 0
    with transaction.atomic():
        return (
            ps.CostCode.objects.filter(pk__in=ids)
            .exclude(default_cost_type=cost_type)
            .update(default_cost_type=cost_type, updated_at=timezone.now())
        )


@dataclass(frozen=True)
class NewCostCode:
    code: str
    description: str
    division: str  # its division's code
    is_active: bool = True


def add_cost_codes(
    actor: User, divisions: Mapping[str, str], cost_codes: Sequence[NewCostCode]
) -> tuple[dict[str, ps.Division], dict[str, ps.CostCode]]:
    """Add divisions (code → name) and cost codes the accounting system's items hold to the standard list, in
    a few statements whatever their number; those that exist meanwhile are left as they are. Returns the
    divisions and cost codes of these codes, as stored. A refresh from the accounting system's list is
    what adds them, so that is the permission asked."""
    permissions.require(actor, Action.REFRESH_COST_CODES)
    division_codes = {*divisions, *(row.division for row in cost_codes)}
    with transaction.atomic():
        if divisions:
            ps.Division.objects.bulk_create(
                [ps.Division(code=code, name=name) for code, name in divisions.items()], ignore_conflicts=True
            )
        stored_divisions = {d.code: d for d in ps.Division.objects.filter(code__in=division_codes)}
        if cost_codes:
            now = timezone.now()
            ps.CostCode.objects.bulk_create(
                [
                    ps.CostCode(
                        code=row.code,
                        description=row.description,
                        division=stored_divisions[row.division],
                        is_active=row.is_active,
                        created_at=now,
                        updated_at=now,
                    )
                    for row in cost_codes
                ],
                ignore_conflicts=True,
            )
        stored_codes = {
            code.code: code
            for code in ps.CostCode.objects.filter(code__in=[row.code for row in cost_codes]).select_related("division")
        }
    return stored_divisions, stored_codes


def set_cost_codes_active(cost_code_ids: Iterable[int], *, active: bool) -> int:
    """Make standard cost codes inactive (or active again) because the accounting system made their item so:
    not a person's edit, so no permission is asked. Returns how many changed."""
    ids = sorted(set(cost_code_ids))
    if not ids:
        return 0
    return (
        ps.CostCode.objects.filter(pk__in=ids)
        .exclude(is_active=active)
        .update(is_active=active, updated_at=timezone.now())
    )


# --- what the accounting system paid --------------------------------------------------------------------------


def replace_bill_payments(payment_ids: Iterable[str], rows: Sequence[ps.BillPayment]) -> None:
    """The accounting system's payments `payment_ids` were read: their rows become `rows` (one per payment and
    bill it paid; a bill a payment no longer pays loses its row). Not a person's edit, so no permission is
    asked. Bulk: a delete and an insert, whatever the number of payments."""
    ids = sorted(set(payment_ids))
    with transaction.atomic():
        if ids:
            ps.BillPayment.objects.filter(qb_txn_id__in=ids).delete()
        if rows:
            ps.BillPayment.objects.bulk_create(rows, batch_size=500)


def delete_bill_payments(payment_ids: Iterable[str]) -> int:
    """The accounting system deleted these payments: their rows go. No permission asked (not a person's edit).
    Returns how many rows went."""
    ids = sorted(set(payment_ids))
    if not ids:
        return 0
    deleted, _ = ps.BillPayment.objects.filter(qb_txn_id__in=ids).delete()
    return deleted


# --- job costs: the lines of QuickBooks' transactions that cost a project --------------------------------------


class JobCostLine(NamedTuple):
    """One line of a QuickBooks transaction as a job cost row (`ps.JobCostTransaction`'s columns)."""

    qb_txn_id: str
    qb_txn_line_id: str
    txn_type: str
    txn_date: datetime.date
    ref_number: str
    project_id: int | None
    sub_job_id: int | None
    cost_code_id: int | None
    cost_type_id: int | None
    vendor_name: str
    customer_full_name: str
    item_full_name: str
    account_full_name: str
    amount: Decimal
    memo: str
    from_synced_invoice: bool
    unplaced_reason: str


# What QuickBooks names is kept as long as the column holds it.
_JOB_COST_LENGTHS = [
    (index, length)
    for index, name in enumerate(JobCostLine._fields)
    if (length := getattr(ps.JobCostTransaction._meta.get_field(name), "max_length", None))
]


def replace_job_costs(txn_ids: Collection[str], lines: Sequence[JobCostLine]) -> int:
    """The job cost rows of these QuickBooks transactions become `lines`: a transaction read again replaces
    every row it had, one deleted in QuickBooks (or whose lines no longer cost a project) keeps none. Not a
    person's edit (the accounting system's transactions are read back), so no permission is asked. One
    DELETE and one INSERT, whatever the number of lines. Returns how many rows were written."""
    ids = sorted(set(txn_ids) | {line.qb_txn_id for line in lines})
    if not ids:
        return 0
    with transaction.atomic():
        # Nothing refers to a job cost row: the delete is one statement.
        ps.JobCostTransaction.objects.filter(qb_txn_id__in=ids).delete()
        return _insert_job_costs(lines)


def _fitted(line: JobCostLine) -> list[Any]:
    values: list[Any] = list(line)
    for index, length in _JOB_COST_LENGTHS:
        if values[index] is not None and len(values[index]) > length:
            values[index] = values[index][:length]
    return values


def _insert_job_costs(lines: Sequence[JobCostLine]) -> int:
    return insert_rows(
        ps.JobCostTransaction,
        JobCostLine._fields,
        [_fitted(line) for line in lines],
        same={"imported_at": timezone.now()},
    )


def insert_rows(
    model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], *, same: Mapping[str, Any] | None = None
) -> int:
    """Insert `rows` (each the values of the fields `names`, in order: numbers, text, decimals, dates, None) into
    `model`'s table, with the fields of `same` holding one value in every row. Returns how many went in.

    A bulk_create's model instances and per-value conversions cost more than the rows' work: on PostgreSQL this
    is one statement, the rows bound as one JSON document; elsewhere one prepared statement run for every row
    (SQLite's 999 parameters would split a bulk_create into a statement per 50 rows of a wide table)."""
    if not rows:
        return 0
    same = dict(same or {})
    db_connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in [*names, *same]]
    quote = db_connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - our own table and columns
        f"({', '.join(quote(str(field.column)) for field in fields)})"  # type: ignore[union-attr]
    )
    if db_connection.vendor == "postgresql":
        casts = ", ".join(f"(row->>{index})::{field.db_type(db_connection)}" for index, field in enumerate(fields))
        constants = list(same.values())
        document = json.dumps([[*row, *constants] for row in rows], cls=DjangoJSONEncoder, separators=(",", ":"))
        with db_connection.cursor() as cursor:
            sql = f"{insert} SELECT {casts} FROM jsonb_array_elements(%s::jsonb) AS row"  # noqa: S608 - ours
            cursor.execute(sql, [document])
        return len(rows)
    prepared = [
        field.get_db_prep_save(value, db_connection)  # type: ignore[union-attr]
        for field, value in zip(fields[len(names) :], same.values(), strict=True)
    ]
    with db_connection.cursor() as cursor:
        cursor.executemany(f"{insert} VALUES ({', '.join(['%s'] * len(fields))})", [[*row, *prepared] for row in rows])
    return len(rows)


def forget_job_costs(project_id: int, *, before: datetime.date | None = None) -> int:
    """Drop a project's job cost rows (those dated before `before`, if given): the project no longer brings its
    job costs back, or brings them back from a later date. Not a person's edit. Returns how many went."""
    rows = ps.JobCostTransaction.objects.filter(project_id=project_id)
    if before is not None:
        rows = rows.filter(txn_date__lt=before)
    deleted, _ = rows.delete()
    return deleted


# --- the owner's payments read back from the accounting system ---------------------------------------------------


def replace_owner_payments(payment_ids: Iterable[str], rows: Sequence[ps.OwnerPayment]) -> None:
    """The accounting system's received payments `payment_ids` were read: their rows become `rows` (one per
    payment and invoice it paid). Not a person's edit, so no permission is asked."""
    ids = sorted(set(payment_ids))
    with transaction.atomic():
        if ids:
            ps.OwnerPayment.objects.filter(qb_txn_id__in=ids).delete()
        if rows:
            ps.OwnerPayment.objects.bulk_create(rows, batch_size=500)


def delete_owner_payments(payment_ids: Iterable[str]) -> int:
    """The accounting system deleted these received payments: their rows go."""
    ids = sorted(set(payment_ids))
    if not ids:
        return 0
    deleted, _ = ps.OwnerPayment.objects.filter(qb_txn_id__in=ids).delete()
    return deleted
