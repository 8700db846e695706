"""A time entry: hours an employee worked on a job (or sub job) and cost code, which QuickBooks payroll takes
either from an IIF file the accountant imports (TIMEACT) or as time tracking through the Web Connector
(`TimeTrackingAdd`), as the company's settings choose."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Problem, iso, not_updatable, text
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import path_of
from erp_integrations.models import ErpSettings
from procore_sync import models as ps
from procore_sync import payroll
from qbxml.lib import iif as iif_file
from qbxml.lib import limits

# The longest activity QuickBooks' timer import takes: 23:59.
IIF_MAX_HOURS = Decimal("23.95")


class TimeEntryPayload(TypedDict):
    date: str | None
    employee: str
    job_name: str
    sub_job: str  # its path below the job, "" for the job itself
    cost_code: str
    cost_type: str
    hours: str
    payroll_item: str
    billable: bool
    notes: str


def payload(entry: ps.TimeEntry) -> TimeEntryPayload:
    return TimeEntryPayload(
        date=iso(entry.date),
        employee=entry.employee.name,
        job_name=job_name(entry.project),
        sub_job=path_of(entry.sub_job),
        cost_code=entry.cost_code.code,
        cost_type=entry.cost_type.name,
        hours=f"{entry.hours:.2f}",
        payroll_item=entry.payroll_item,
        billable=entry.billable,
        notes=entry.notes,
    )


def by_iif() -> bool:
    return ErpSettings.load().time_export == ErpSettings.TimeExport.IIF


def problems(entry: ps.TimeEntry) -> list[Problem]:
    found: list[Problem] = []
    iif = by_iif()
    if entry.payroll_export_id is not None:
        found.append(
            Problem(
                "status",
                f"The entry is in payroll time file {entry.payroll_export_id}, which QuickBooks imports: its hours "
                "are QuickBooks' now. Change them there, or enter a correcting entry here.",
            )
        )
    if not entry.employee.is_active:
        found.append(Problem("employee", f"{entry.employee.name} is inactive: make the employee active first."))
    text(found, "employee", "The employee name", entry.employee.name, limits.EMPLOYEE_NAME, list_name=True)
    if not entry.payroll_item.strip():
        found.append(Problem("payroll_item", "Choose the payroll item the hours are paid on."))
    text(found, "payroll_item", "The payroll item", entry.payroll_item, limits.PAYROLL_ITEM_NAME, list_name=True)
    # The timer import keeps a note on one line of at most 1000 characters; time tracking keeps a memo.
    text(found, "notes", "The notes", entry.notes, iif_file.NOTE_MAX_LENGTH if iif else limits.TIME_NOTES)
    if iif and entry.hours > IIF_MAX_HOURS:
        found.append(
            Problem("hours", f"QuickBooks' payroll file takes at most 23:59 an entry: split the {entry.hours} hours.")
        )
    not_updatable(
        found,
        entry,
        payload(entry),
        "these hours",
        "Change them in QuickBooks, or enter a correcting entry here.",
    )
    return found


def dependencies(entry: ps.TimeEntry) -> list[Model]:
    return [
        entry.project,
        *([entry.sub_job] if entry.sub_job is not None else []),
        entry.employee,
        entry.cost_code,
    ]


def describe(entry: ps.TimeEntry) -> str:
    return f"{entry.employee.name} {entry.date:%m/%d/%Y} {entry.hours} h {entry.cost_code.code}"


EXPORTABLE = Exportable[ps.TimeEntry](
    slug="time_entry",
    plural="Time Entries",
    order=110,
    payload_type=TimeEntryPayload,
    payload=payload,
    problems=problems,
    describe=describe,
    locked_fields=payroll.ENTERED_FIELDS,
    dependencies=dependencies,
)
