"""Payroll time on the project side: the timesheet of a project's week (its reads and its one write, cell by
cell through `save_record`, so the permission gate, the model's rules and the lock of what accounting holds
apply to each entry as to any record), and the record of what went into a payroll IIF file.

What reaches QuickBooks, and when, is the acceptance workflow's business: it calls `record_export` in the
transaction that writes a file, and nothing else marks an entry exported.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from access.permissions import Person
from access.tools import Tool
from procore_sync import models as ps
from procore_sync import selectors, services
from procore_sync.errors import DomainError
from procore_sync.money import ZERO

DAYS_A_WEEK = 7
# What a person enters of a time entry: all of it reaches QuickBooks payroll.
ENTERED_FIELDS = (
    "employee",
    "date",
    "project",
    "sub_job",
    "cost_code",
    "cost_type",
    "hours",
    "payroll_item",
    "billable",
    "notes",
)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week: payroll weeks here run Monday to Sunday."""
    return day - datetime.timedelta(days=day.weekday())


def week_days(start: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=offset) for offset in range(DAYS_A_WEEK)]


@dataclass(frozen=True)
class RowKey:
    """What a timesheet row stands for: one employee's hours on one cost code, cost type, sub job and payroll
    item, billable or not. Each day of it is one time entry."""

    employee_id: int
    cost_code_id: int
    cost_type_id: int
    sub_job_id: int | None
    payroll_item: str
    billable: bool = False

    @classmethod
    def of(cls, entry: ps.TimeEntry) -> RowKey:
        return cls(
            entry.employee_id,
            entry.cost_code_id,
            entry.cost_type_id,
            entry.sub_job_id,
            entry.payroll_item,
            entry.billable,
        )

    def fields(self) -> dict[str, object]:
        return {
            "employee_id": self.employee_id,
            "cost_code_id": self.cost_code_id,
            "cost_type_id": self.cost_type_id,
            "sub_job_id": self.sub_job_id,
            "payroll_item": self.payroll_item,
            "billable": self.billable,
        }


@dataclass
class Cell:
    day: datetime.date
    entries: list[ps.TimeEntry] = field(default_factory=list)

    @property
    def hours(self) -> Decimal | None:
        return sum((entry.hours for entry in self.entries), ZERO) if self.entries else None

    @property
    def entry(self) -> ps.TimeEntry | None:
        """The entry the cell edits: one a day; a cell of several (entered one by one, through the API) shows
        their sum and is edited entry by entry."""
        return self.entries[0] if len(self.entries) == 1 else None


@dataclass
class Row:
    key: RowKey
    employee: ps.Employee
    cost_code: ps.CostCode
    cost_type: ps.CostType
    sub_job: ps.SubJob | None
    cells: list[Cell]

    @property
    def total(self) -> Decimal:
        return sum((cell.hours or ZERO for cell in self.cells), ZERO)


@dataclass
class Timesheet:
    project: ps.Project
    start: datetime.date
    days: list[datetime.date]
    rows: list[Row]
    entries: list[ps.TimeEntry]

    @property
    def day_totals(self) -> list[Decimal]:
        return [sum((row.cells[index].hours or ZERO for row in self.rows), ZERO) for index in range(len(self.days))]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, ZERO)


def entries_of_week(user: Person, project: ps.Project, start: datetime.date) -> QuerySet[ps.TimeEntry]:
    """The project's time entries of the week starting `start` that `user` may read."""
    days = week_days(start)
    return selectors.records_for(user, ps.TimeEntry, project=project.pk).filter(date__range=(days[0], days[-1]))


def timesheet_projects(user: Person, start: datetime.date) -> QuerySet[ps.Project]:
    """The active projects whose timesheets `user` may read, each with its hours of the week starting `start`."""
    days = week_days(start)
    return (
        selectors.readable_projects(user, Tool.TIMESHEETS)
        .filter(status=ps.Project.Status.ACTIVE)
        .annotate(week_hours=Sum("time_entries__hours", filter=Q(time_entries__date__range=(days[0], days[-1]))))
        .order_by("number")
    )


def timesheet(user: Person, project: ps.Project, start: datetime.date) -> Timesheet:
    """The project's week as a grid: a row per employee, cost code, cost type, sub job and payroll item."""
    days = week_days(start)
    entries = list(entries_of_week(user, project, start))
    rows: dict[RowKey, Row] = {}
    for entry in entries:
        key = RowKey.of(entry)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(
                key, entry.employee, entry.cost_code, entry.cost_type, entry.sub_job, [Cell(day) for day in days]
            )
        row.cells[(entry.date - start).days].entries.append(entry)
    ordered = sorted(
        rows.values(), key=lambda row: (row.employee.name.casefold(), row.cost_code.code, row.cost_type.name)
    )
    return Timesheet(project, start, days, ordered, entries)


@dataclass(frozen=True)
class RowInput:
    """A row of the grid as posted: its key and the hours typed for each day ("" for none)."""

    key: RowKey
    hours: Sequence[str]
    # The row's key as the page showed it, when it stood for existing entries: changing the employee, the cost
    # code... of a row changes its entries.
    shown_as: RowKey | None = None


@dataclass
class SaveResult:
    saved: int = 0
    deleted: int = 0
    # "row index-day index" → what stopped the cell, in words.
    errors: dict[str, str] = field(default_factory=dict)
    # A problem of the whole row (an employee of another list, ...).
    row_errors: dict[int, str] = field(default_factory=dict)


def _hours(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    if ":" in text:
        # 7:30 as people write it on a paper timesheet.
        whole, _, minutes = text.partition(":")
        if not (whole.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(minutes) < 60):
            raise ValidationError(f"{text} is not hours: write 7.5 or 7:30.")
        return Decimal(whole) + Decimal(minutes) / 60
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{text} is not hours: write 7.5 or 7:30.") from None


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, DomainError):
        return exc.message
    return str(exc)


def save_timesheet(
    actor: User, project: ps.Project, start: datetime.date, rows: Iterable[RowInput], *, notes: str = ""
) -> SaveResult:
    """Write the grid: each cell's hours become its day's entry (created, changed, or deleted when emptied).

    Each cell is saved on its own, so one refused cell (locked because accounting holds it, 25 hours, no
    permission) leaves the others saved and is reported by its place in the grid.
    """
    result = SaveResult()
    days = week_days(start)
    existing: dict[RowKey, dict[datetime.date, list[ps.TimeEntry]]] = {}
    for found in entries_of_week(actor, project, start):
        existing.setdefault(RowKey.of(found), {}).setdefault(found.date, []).append(found)
    for row_index, row in enumerate(rows):
        shown = existing.get(row.shown_as or row.key, {})
        for day_index, (day, text) in enumerate(zip(days, row.hours, strict=False)):
            place = f"{row_index}-{day_index}"
            entries = shown.get(day, [])
            try:
                hours = _hours(text)
                if len(entries) > 1:
                    if hours != sum((entry.hours for entry in entries), ZERO) or row.shown_as not in (None, row.key):
                        raise ValidationError("The day has several entries: change them one by one below.")
                    continue
                entry: ps.TimeEntry | None = entries[0] if entries else None
                with transaction.atomic():
                    if hours is None:
                        if entry is not None:
                            services.delete_record(actor, entry)
                            result.deleted += 1
                        continue
                    fields = {
                        **row.key.fields(),
                        "project": project,
                        "date": day,
                        "hours": hours,
                    }
                    if entry is None:
                        services.save_record(actor, ps.TimeEntry, {**fields, "notes": notes})
                        result.saved += 1
                    elif entry.hours != hours or RowKey.of(entry) != row.key:
                        services.save_record(actor, ps.TimeEntry, fields, instance=entry)
                        result.saved += 1
            except (ValidationError, DomainError, PermissionDenied) as exc:
                result.errors[place] = _message(exc)
    return result


# --- the record of what went to QuickBooks payroll ---------------------------------------------------------


class AlreadyExported(DomainError):
    pass


def record_export(
    actor: User | None, content: bytes, entry_ids: Sequence[int], total_hours: Decimal
) -> ps.PayrollExport:
    """Keep an IIF file and mark its entries as in it, in the caller's transaction: an entry another export
    took meanwhile refuses the whole file, so no entry is ever in two."""
    export = ps.PayrollExport.objects.create(
        created_by=actor, content=content, entry_count=len(entry_ids), total_hours=total_hours
    )
    marked = ps.TimeEntry.objects.filter(pk__in=list(entry_ids), payroll_export__isnull=True).update(
        payroll_export=export, exported_to_iif_at=timezone.now()
    )
    if marked != len(set(entry_ids)):
        raise AlreadyExported("Some of these time entries are in another payroll file already: export again.")
    return export


def exports() -> QuerySet[ps.PayrollExport]:
    """The payroll files written, newest first, without their contents (read only to download one)."""
    return ps.PayrollExport.objects.defer("content").select_related("created_by")
