"""The timesheet page: a project's week as a grid of hours (a row per employee, cost code, cost type, sub job
and payroll item; a column per day), each cell one time entry, with its errors beside it; below, the week's
entries with their accounting state and steps. Thin: `procore_sync.payroll` reads and writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access import permissions
from access.permissions import Action, signed_in
from procore_sync import models as ps
from procore_sync import payroll, selectors, services
from procore_sync.money import ZERO

# Blank rows the grid offers for new lines of work, beyond the week's own.
NEW_ROWS = 3
_EMPLOYEE_FIELDS = ("employee", "cost_code", "cost_type", "sub_job", "billable", "payroll_item")


@dataclass
class GridCell:
    name: str
    day: datetime.date
    value: str = ""
    error: str = ""
    # Accounting holds the entry (pending, queued or synced): its hours are read-only here.
    locked: bool = False
    several: bool = False


@dataclass
class GridRow:
    index: int
    values: dict[str, Any]
    shown: str
    cells: list[GridCell] = field(default_factory=list)
    error: str = ""

    @property
    def total(self) -> Decimal:
        total = ZERO
        for cell in self.cells:
            try:
                total += Decimal(cell.value or "0")
            except ArithmeticError:
                continue
        return total

    @property
    def is_new(self) -> bool:
        return not self.shown


def _encode(key: payroll.RowKey) -> str:
    # The payroll item goes last: it is free text and may hold dots.
    ids = f"{key.employee_id}.{key.cost_code_id}.{key.cost_type_id}.{key.sub_job_id or ''}"
    return f"{ids}.{int(key.billable)}.{key.payroll_item}"


def _decode(text: str) -> payroll.RowKey | None:
    parts = text.split(".", 5)
    if len(parts) != 6 or not all(part.isdigit() for part in parts[:3]):
        return None
    employee, cost_code, cost_type, sub_job, billable, item = parts
    return payroll.RowKey(
        int(employee), int(cost_code), int(cost_type), int(sub_job) if sub_job else None, item, billable == "1"
    )


def _week(request: HttpRequest) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return payroll.week_start(day)


def _project_or_404(user: Any, pk: int) -> ps.Project:
    try:
        return selectors.records_for(user, ps.Project).get(pk=pk)
    except ps.Project.DoesNotExist:
        raise Http404("No such project, or you cannot see it.") from None


def _rows_of(sheet: payroll.Timesheet) -> list[GridRow]:
    rows = []
    for index, row in enumerate(sheet.rows):
        grid = GridRow(
            index,
            {
                "employee": row.key.employee_id,
                "cost_code": row.key.cost_code_id,
                "cost_type": row.key.cost_type_id,
                "sub_job": row.key.sub_job_id or "",
                "billable": row.key.billable,
                "payroll_item": row.key.payroll_item,
            },
            _encode(row.key),
        )
        for day_index, cell in enumerate(row.cells):
            entry = cell.entry
            grid.cells.append(
                GridCell(
                    f"hours-{index}-{day_index}",
                    cell.day,
                    f"{cell.hours.normalize():f}" if cell.hours is not None else "",
                    locked=entry is not None and bool(services.edit_lock(entry, {"hours"})),
                    several=len(cell.entries) > 1,
                )
            )
        rows.append(grid)
    return rows


def _blank_rows(start: int, days: list[datetime.date]) -> list[GridRow]:
    return [
        GridRow(
            index,
            {"employee": "", "cost_code": "", "cost_type": "", "sub_job": "", "billable": False, "payroll_item": ""},
            "",
            [GridCell(f"hours-{index}-{day_index}", day) for day_index, day in enumerate(days)],
        )
        for index in range(start, start + NEW_ROWS)
    ]


def _posted_rows(request: HttpRequest, days: list[datetime.date]) -> tuple[list[GridRow], list[payroll.RowInput]]:
    """The grid as posted (to show again with its errors) and what of it is to be saved."""
    grid: list[GridRow] = []
    inputs: list[payroll.RowInput] = []
    count = min(int(request.POST.get("rows") or 0), 200) if (request.POST.get("rows") or "0").isdigit() else 0
    for index in range(count):
        posted = {name: request.POST.get(f"{name}-{index}", "").strip() for name in _EMPLOYEE_FIELDS}
        hours = [request.POST.get(f"hours-{index}-{day_index}", "") for day_index in range(len(days))]
        shown = request.POST.get(f"shown-{index}", "")
        row = GridRow(
            index,
            {**posted, "billable": bool(posted["billable"])},
            shown,
            [GridCell(f"hours-{index}-{i}", day, hours[i].strip()) for i, day in enumerate(days)],
        )
        grid.append(row)
        if not shown and not any(text.strip() for text in hours):
            continue  # a blank row left blank
        ids = [posted[name] for name in ("employee", "cost_code", "cost_type")]
        if not all(value.isdigit() for value in ids):
            row.error = "Choose the employee, the cost code and the cost type of the row."
            continue
        employee = ps.Employee.objects.filter(pk=int(ids[0])).first()
        item = posted["payroll_item"] or (employee.default_payroll_item if employee else "")
        key = payroll.RowKey(
            int(ids[0]),
            int(ids[1]),
            int(ids[2]),
            int(posted["sub_job"]) if posted["sub_job"].isdigit() else None,
            item,
            bool(posted["billable"]),
        )
        inputs.append(payroll.RowInput(key, hours, _decode(shown)))
        row.values["payroll_item"] = item
        row.input_index = len(inputs) - 1  # type: ignore[attr-defined]
    return grid, inputs


def _choices(project: ps.Project) -> dict[str, Any]:
    return {
        "employees": list(ps.Employee.objects.filter(is_active=True).order_by("name")),
        "cost_codes": list(ps.CostCode.objects.filter(is_active=True).order_by("code")),
        "cost_types": list(ps.CostType.objects.filter(is_active=True)),
        "sub_jobs": list(ps.SubJob.objects.filter(project=project, is_active=True).select_related("parent__parent")),
        "payroll_items": sorted(
            {
                *ps.Employee.objects.exclude(default_payroll_item="").values_list("default_payroll_item", flat=True),
                *ps.TimeEntry.objects.values_list("payroll_item", flat=True).distinct()[:50],
            }
        ),
    }


@login_required
@require_GET
def timesheets(request: HttpRequest) -> HttpResponse:
    """`/projects/timesheets/`: the projects whose timesheets the user may read, this week's hours of each."""
    start = payroll.week_start(timezone.localdate())
    projects = list(payroll.timesheet_projects(request.user, start))
    return render(request, "payroll/timesheets.html", {"projects": projects, "start": start})


@login_required
@require_http_methods(["GET", "POST"])
def timesheet(request: HttpRequest, pk: int) -> HttpResponse:
    """`/projects/<pk>/timesheet/?week=2026-11-30`: the project's week of hours, to read and to enter."""
    project = _project_or_404(request.user, pk)
    start = _week(request)
    days = payroll.week_days(start)
    if not permissions.check(request.user, Action.VIEW, object_type="time_entry", project=project):
        raise Http404("No such project, or you cannot see it.")
    can_enter = bool(permissions.check(request.user, Action.CREATE, object_type="time_entry", project=project))
    grid: list[GridRow] | None = None
    if request.method == "POST":
        if not can_enter:
            permissions.require(request.user, Action.CREATE, object_type="time_entry", project=project)
        grid, inputs = _posted_rows(request, days)
        result = payroll.save_timesheet(signed_in(request.user), project, start, inputs)
        for row in grid:
            position = getattr(row, "input_index", None)
            for day_index, cell in enumerate(row.cells):
                if position is not None:
                    cell.error = result.errors.get(f"{position}-{day_index}", "")
        if not result.errors and not any(row.error for row in grid):
            written = f"{result.saved} entr{'y' if result.saved == 1 else 'ies'}"
            messages.success(request, f"Timesheet saved: {written} written, {result.deleted} removed.")
            return redirect(f"{reverse('payroll:timesheet', args=[project.pk])}?week={start.isoformat()}")
        messages.error(request, "Some hours were not saved: see the cells marked below. The others were.")
    sheet = payroll.timesheet(request.user, project, start)
    if grid is None:
        grid = _rows_of(sheet)
        grid += _blank_rows(len(grid), days)
    context = {
        "project": project,
        "start": start,
        "days": days,
        "previous_week": (start - datetime.timedelta(days=7)).isoformat(),
        "next_week": (start + datetime.timedelta(days=7)).isoformat(),
        "grid": grid,
        "sheet": sheet,
        "entries": sheet.entries,
        "can_enter": can_enter,
        **_choices(project),
    }
    return render(request, "payroll/timesheet.html", context, status=400 if request.method == "POST" else 200)
