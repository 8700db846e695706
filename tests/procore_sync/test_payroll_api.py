"""The REST API of payroll time: employees and time entries with their filters and workflow steps, and the
payroll IIF files (POST writes the next, GET lists them, GET one is its file)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from qbxml import services as qb_services
from tests.factories import (
    CostCodeFactory,
    EmployeeFactory,
    ProjectFactory,
    SubJobFactory,
    TimeEntryFactory,
    UserFactory,
    cost_type,
    grant,
)
from tests.payroll import accepted_entry, linked_world

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _new_entry(project: ps.Project, employee: ps.Employee, **fields: object) -> dict[str, object]:
    return {
        "employee": employee.pk,
        "date": "2026-11-30",
        "project": project.pk,
        "cost_code": CostCodeFactory().pk,
        "cost_type": cost_type("Labor").pk,
        "hours": "7.50",
        **fields,
    }


def test_a_time_entry_is_created_with_the_employees_payroll_item(pm):
    project = ProjectFactory()
    employee = EmployeeFactory(default_payroll_item="Hourly Rate")

    response = api_for(pm).post("/api/v1/time-entries/", _new_entry(project, employee, notes="Formwork"), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["hours"], body["payroll_item"], body["erp_status"]) == ("7.50", "Hourly Rate", "draft")
    assert body["payroll_export"] is None


@pytest.mark.parametrize(
    ("hours", "message"), [("25.00", "at most 24"), ("7.33", "steps of 0.05"), ("0.00", "more than 0")]
)
def test_hours_outside_a_day_or_not_whole_minutes_are_refused(pm, hours, message):
    response = api_for(pm).post(
        "/api/v1/time-entries/", _new_entry(ProjectFactory(), EmployeeFactory(), hours=hours), format="json"
    )

    assert response.status_code == 400
    assert message in str(response.json()["errors"]["hours"])


def test_a_sub_job_of_another_project_is_refused(pm):
    response = api_for(pm).post(
        "/api/v1/time-entries/",
        _new_entry(ProjectFactory(), EmployeeFactory(), sub_job=SubJobFactory().pk),
        format="json",
    )

    assert response.status_code == 400
    assert "sub_job" in response.json()["errors"]


def test_the_list_filters_by_project_employee_and_dates(pm):
    project = ProjectFactory()
    jon, ana = EmployeeFactory(name="Jon"), EmployeeFactory(name="Ana")
    keep = TimeEntryFactory(project=project, employee=jon, date=date(2026, 12, 1))
    TimeEntryFactory(project=project, employee=ana, date=date(2026, 12, 1))
    TimeEntryFactory(project=project, employee=jon, date=date(2026, 11, 20))
    TimeEntryFactory(employee=jon, date=date(2026, 12, 1))

    query = f"project={project.pk}&employee={jon.pk}&date_from=2026-11-30&date_to=2026-12-06&exported=false"
    body = api_for(pm).get(f"/api/v1/time-entries/?{query}").json()

    assert [row["id"] for row in body["results"]] == [keep.pk]


def test_a_time_entry_takes_the_workflow_steps_as_every_record(pm, approver):
    entry = TimeEntryFactory()

    sent = api_for(pm).post(f"/api/v1/time-entries/{entry.pk}/send/")
    assert sent.status_code == 200 and sent.json()["erp_status"] == "pending"
    refused = api_for(approver).post(f"/api/v1/time-entries/{entry.pk}/accept/")
    # Its employee, job and cost code are not in QuickBooks: accepting waits for them, and says so.
    assert refused.status_code == 409
    assert entry.employee.name in refused.json()["detail"]


def test_a_foreman_enters_hours_but_does_not_send_them():
    project = ProjectFactory()
    foreman = grant(UserFactory(username="foreman"), Tool.TIMESHEETS, Level.STANDARD, project)
    client = api_for(foreman)

    created = client.post("/api/v1/time-entries/", _new_entry(project, EmployeeFactory()), format="json")
    assert created.status_code == 201
    sent = client.post(f"/api/v1/time-entries/{created.json()['id']}/send/")
    assert sent.status_code == 403
    assert "Admin on Timesheets" in sent.json()["detail"]


def test_employees_are_a_resource_with_the_workflow(pm):
    response = api_for(pm).post("/api/v1/employees/", {"name": "Smith: Jon"}, format="json")
    assert response.status_code == 400
    assert "colon" in str(response.json()["errors"]["name"])

    created = api_for(pm).post("/api/v1/employees/", {"name": "Jon Smith"}, format="json").json()
    assert created["erp_status"] == "draft"


# --- the payroll IIF files ----------------------------------------------------------------------------------


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    book = qb_services.connection_create(None, name="Main company", username="qbuser", password="pw-123456").book
    return linked_world(book)


def test_posting_writes_the_next_file_and_a_second_post_says_nothing_is_new(world, pm, approver, erp_admin):
    entry = accepted_entry(world, pm, approver)
    client = api_for(erp_admin)

    first = client.post("/api/v1/time-entries/iif/")
    second = client.post("/api/v1/time-entries/iif/")

    assert first.status_code == 201
    assert first.json()["file"]["entry_count"] == 1
    assert first.json()["file"]["total_hours"] == "8.00"
    assert second.status_code == 200
    assert second.json()["file"] is None
    assert "in a file already" in second.json()["message"]
    assert ErpItem.objects.get(object_type="time_entry", object_id=entry.pk).state == ErpState.SYNCED


def test_the_files_are_listed_and_each_downloads_as_written(world, pm, approver, erp_admin):
    accepted_entry(world, pm, approver, date=date(2026, 11, 30))
    client = api_for(erp_admin)
    written = client.post("/api/v1/time-entries/iif/").json()["file"]

    listed = client.get("/api/v1/time-entries/iif/").json()
    download = client.get(f"/api/v1/time-entries/iif/{written['id']}/")
    again = client.get(f"/api/v1/time-entries/iif/{written['id']}/")

    assert [row["id"] for row in listed] == [written["id"]]
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{written["filename"]}"'
    assert download.content.startswith(b"!TIMERHDR\t")
    assert b"\tJon Smith\t03:03-300\tHourly Rate\t8:00\tLabor\t" in download.content
    assert again.content == download.content
    assert client.get("/api/v1/time-entries/iif/999/").status_code == 404


def test_entries_that_wait_are_listed_with_why(world, pm, approver, erp_admin):
    from erp_integrations import services as erp

    newcomer = EmployeeFactory(name="Ana Ruiz")
    erp.item_send(newcomer, pm)
    erp.item_accept(newcomer, approver)
    accepted_entry(world, pm, approver, employee=newcomer, hours=Decimal("4.00"))

    body = api_for(erp_admin).post("/api/v1/time-entries/iif/").json()

    assert body["file"] is None
    assert "Ana Ruiz is not linked" in body["waiting"][0]["reason"]


def test_the_files_need_admin_on_erp_integrations(approver):
    response = api_for(approver).get("/api/v1/time-entries/iif/")

    assert response.status_code == 403
    assert response.json()["missing_permission"] == "Admin on ERP Integrations"


def test_the_payroll_files_page_writes_and_lists_files(client, world, pm, approver, erp_admin):
    accepted_entry(world, pm, approver)
    client.force_login(erp_admin)

    written = client.post("/erp/payroll/", follow=True)

    assert written.status_code == 200
    assert "Payroll time file" in written.content.decode()
    (export,) = written.context["files"]
    download = client.get(f"/erp/payroll/{export.pk}.iif")
    assert download.content == bytes(ps.PayrollExport.objects.get(pk=export.pk).content)
