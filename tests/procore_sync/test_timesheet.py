"""The timesheet page: a project's week as a grid of hours, saved cell by cell, each refusal beside its cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from access.tools import Level, Tool
from erp_integrations import services as erp
from procore_sync import models as ps
from tests.factories import (
    CostCodeFactory,
    EmployeeFactory,
    ProjectFactory,
    TimeEntryFactory,
    UserFactory,
    cost_type,
    grant,
)

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 30)  # a Monday


@pytest.fixture
def project():  # type: ignore[no-untyped-def]
    return ProjectFactory(number="P-100", name="Clinic")


@pytest.fixture
def foreman(project):  # type: ignore[no-untyped-def]
    """Standard on Timesheets on the project: enters hours, sends nothing."""
    return grant(UserFactory(username="foreman"), Tool.TIMESHEETS, Level.STANDARD, project)


def _url(project: ps.Project) -> str:
    return f"/projects/{project.pk}/timesheet/?week={WEEK.isoformat()}"


def _row(index: int, employee: ps.Employee, code: ps.CostCode, hours: list[str], **extra: str) -> dict[str, str]:
    return {
        f"employee-{index}": str(employee.pk),
        f"cost_code-{index}": str(code.pk),
        f"cost_type-{index}": str(cost_type("Labor").pk),
        **{f"hours-{index}-{day}": value for day, value in enumerate(hours)},
        **{f"{name}-{index}": value for name, value in extra.items()},
    }


def test_the_grid_shows_the_weeks_hours_a_row_per_line_of_work(client, project, foreman):
    employee = EmployeeFactory(name="Jon Smith")
    code = CostCodeFactory(code="03-300")
    TimeEntryFactory(employee=employee, project=project, cost_code=code, date=WEEK, hours=Decimal("8.00"))
    TimeEntryFactory(employee=employee, project=project, cost_code=code, date=date(2026, 12, 2), hours=Decimal("7.50"))
    TimeEntryFactory(employee=employee, project=ProjectFactory(), cost_code=code, date=WEEK)
    client.force_login(foreman)

    response = client.get(_url(project))

    assert response.status_code == 200
    grid = response.context["grid"]
    assert [cell.value for cell in grid[0].cells] == ["8", "", "7.5", "", "", "", ""]
    assert grid[0].total == Decimal("15.5")
    assert response.context["sheet"].total == Decimal("15.50")
    assert b"data-timesheet" in response.content


def test_saving_the_grid_writes_a_time_entry_per_cell(client, project, foreman):
    employee = EmployeeFactory(name="Jon Smith", default_payroll_item="Hourly Rate")
    code = CostCodeFactory()
    client.force_login(foreman)

    response = client.post(_url(project), {"rows": "1", **_row(0, employee, code, ["8", "7:30", "", "", "", "", ""])})

    assert response.status_code == 302
    entries = list(ps.TimeEntry.objects.order_by("date").values_list("date", "hours", "payroll_item", "project"))
    assert entries == [
        (WEEK, Decimal("8.00"), "Hourly Rate", project.pk),
        (date(2026, 12, 1), Decimal("7.50"), "Hourly Rate", project.pk),
    ]


def test_a_refused_cell_shows_why_beside_it_and_the_others_are_saved(client, project, foreman):
    employee = EmployeeFactory()
    code = CostCodeFactory()
    client.force_login(foreman)

    response = client.post(
        _url(project), {"rows": "1", **_row(0, employee, code, ["8", "25", "7.33", "abc", "", "", ""])}
    )

    assert response.status_code == 400
    cells = response.context["grid"][0].cells
    assert cells[0].error == ""
    assert "at most 24" in cells[1].error
    assert "steps of 0.05" in cells[2].error
    assert "is not hours" in cells[3].error
    assert [cell.value for cell in cells[:4]] == ["8", "25", "7.33", "abc"], "what was typed stays to be fixed"
    assert list(ps.TimeEntry.objects.values_list("hours", flat=True)) == [Decimal("8.00")]
    assert b'aria-invalid="true"' in response.content


def test_emptying_a_cell_removes_its_entry(client, project, pm):
    entry = TimeEntryFactory(project=project, date=WEEK)
    client.force_login(pm)
    page = client.get(_url(project)).context["grid"][0]
    posted = _row(0, entry.employee, entry.cost_code, [""] * 7, shown=page.shown, payroll_item="Hourly Rate")

    response = client.post(_url(project), {"rows": "1", **posted})

    assert response.status_code == 302
    assert not ps.TimeEntry.objects.exists()


def test_hours_accounting_holds_are_read_only_and_cannot_be_changed(client, project, pm):
    entry = TimeEntryFactory(project=project, date=WEEK)
    erp.item_send(entry, pm)
    client.force_login(pm)
    page = client.get(_url(project)).context["grid"][0]
    assert page.cells[0].locked

    posted = _row(0, entry.employee, entry.cost_code, ["6"] + [""] * 6, shown=page.shown, payroll_item="Hourly Rate")
    response = client.post(_url(project), {"rows": "1", **posted})

    assert response.status_code == 400
    assert "pending" in response.context["grid"][0].cells[0].error.lower()
    entry.refresh_from_db()
    assert entry.hours == Decimal("8.00")


def test_a_row_without_employee_or_cost_code_is_refused_as_a_row(client, project, foreman):
    client.force_login(foreman)

    response = client.post(_url(project), {"rows": "1", "hours-0-0": "8"})

    assert response.status_code == 400
    assert "Choose the employee" in response.context["grid"][0].error


def test_a_reader_sees_the_grid_without_saving_it(client, project):
    reader = grant(UserFactory(username="reader"), Tool.TIMESHEETS, Level.READ_ONLY, project)
    client.force_login(reader)

    response = client.get(_url(project))

    assert response.status_code == 200
    assert b"Save timesheet" not in response.content
    assert client.post(_url(project), {"rows": "0"}).status_code == 403


def test_a_user_without_timesheets_on_the_project_is_not_shown_it(client, project):
    stranger = grant(UserFactory(username="stranger"), Tool.BUDGET, Level.ADMIN, project)
    client.force_login(stranger)

    assert client.get(_url(project)).status_code == 404


def test_a_day_holds_24_hours_over_every_project(client, project, foreman):
    employee = EmployeeFactory()
    TimeEntryFactory(employee=employee, project=ProjectFactory(), date=WEEK, hours=Decimal("20.00"))
    client.force_login(foreman)

    response = client.post(_url(project), {"rows": "1", **_row(0, employee, CostCodeFactory(), ["5"] + [""] * 6)})

    assert "a day holds 24" in response.context["grid"][0].cells[0].error


def test_the_timesheets_index_lists_the_projects_with_their_weeks_hours(client, project, foreman):
    client.force_login(foreman)

    response = client.get("/projects/timesheets/")

    assert response.status_code == 200
    assert [p.pk for p in response.context["projects"]] == [project.pk]


def test_employees_have_their_directory_pages(client, pm):
    client.force_login(pm)

    created = client.post(
        "/directory/employees/new/", {"name": "Jon Smith", "default_payroll_item": "Hourly Rate", "is_active": "on"}
    )
    refused = client.post("/directory/employees/new/", {"name": "Smith: Jon", "is_active": "on"})

    assert created.status_code == 302
    employee = ps.Employee.objects.get(name="Jon Smith")
    assert client.get(f"/directory/employees/{employee.pk}/").status_code == 200
    assert "colon" in refused.content.decode()
    listed = client.get("/directory/employees/")
    assert "Jon Smith" in listed.content.decode()
