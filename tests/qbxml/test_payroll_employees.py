"""QuickBooks' employees and wage payroll items read back like the vendors: the employees wait in Ready to
Import, each with the employees here of the same name, to be linked or added; time then goes by the name
QuickBooks holds."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from erp_integrations import payroll as erp_payroll
from erp_integrations import selectors
from erp_integrations.errors import LinkRefused
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from procore_sync import models as ps
from qbxml import imports
from qbxml.simulator import QuickBooksCompany
from tests.factories import EmployeeFactory
from tests.qbxml.helpers import ManualSession, connector_for, play_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def company() -> QuickBooksCompany:
    company = QuickBooksCompany("Bayside Builders")
    company.add_employee("Jon Smith")
    company.add_employee("Smith, Ana")
    company.add_employee("Former Hand", is_active=False)
    company.add_payroll_item_wage("Hourly Rate")
    company.add_payroll_item_wage("Overtime Rate", wage_type="HourlyOvertime")
    return company


@pytest.fixture
def imported(company, connection, client):  # type: ignore[no-untyped-def]
    imports.refresh(None, connection, ["employees", "payroll_items"])
    play_session(ManualSession(connector_for(company, client=client)), company)
    return connection


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_employees_and_wage_items_are_read_into_the_company_files_lists(imported):
    employees = AccountingRecord.objects.filter(list_type=AccountingRecord.ListType.EMPLOYEE)
    items = AccountingRecord.objects.filter(list_type=AccountingRecord.ListType.PAYROLL_ITEM)

    assert sorted(employees.values_list("full_name", "is_active")) == [
        ("Former Hand", False),
        ("Jon Smith", True),
        ("Smith, Ana", True),
    ]
    assert {record.full_name: record.details["wage_type"] for record in items} == {
        "Hourly Rate": "HourlyRegular",
        "Overtime Rate": "HourlyOvertime",
    }
    assert [record.full_name for record in selectors.ready_to_import("employee")] == ["Jon Smith", "Smith, Ana"]


def test_the_api_lists_them_with_the_employees_of_the_same_name(imported, erp_admin):
    ana = EmployeeFactory(name="Ana Smith")
    EmployeeFactory(name="Someone Else")

    body = api_for(erp_admin).get("/api/v1/erp/quickbooks-employees/").json()

    rows = {row["full_name"]: row["suggestions"] for row in body["results"]}
    assert rows == {"Jon Smith": [], "Smith, Ana": [{"id": ana.pk, "name": "Ana Smith"}]}


def test_linking_ties_the_employee_to_quickbooks_and_takes_it_out_of_ready_to_import(imported, erp_admin):
    ana = EmployeeFactory(name="Ana Smith")
    record = AccountingRecord.objects.get(full_name="Smith, Ana")

    response = api_for(erp_admin).post(
        f"/api/v1/erp/quickbooks-employees/{record.pk}/link/", {"record": ana.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    item = ErpItem.objects.get(object_type="employee", object_id=ana.pk)
    assert (item.state, item.qb_ref, item.qb_details["full_name"]) == (
        ErpState.SYNCED,
        record.external_id,
        "Smith, Ana",
    )
    assert [r.full_name for r in selectors.ready_to_import("employee")] == ["Jon Smith"]


def test_adding_makes_a_linked_employee_once(imported, erp_admin):
    record = AccountingRecord.objects.get(full_name="Jon Smith")
    client = api_for(erp_admin)

    added = client.post(f"/api/v1/erp/quickbooks-employees/{record.pk}/add/")
    again = client.post(f"/api/v1/erp/quickbooks-employees/{record.pk}/add/")

    assert added.status_code == 201
    employee = ps.Employee.objects.get(pk=added.json()["id"])
    assert ErpItem.objects.get(object_type="employee", object_id=employee.pk).qb_ref == record.external_id
    assert again.status_code == 409
    assert ps.Employee.objects.count() == 1


def test_adding_refuses_a_name_taken_here(imported, erp_admin):
    EmployeeFactory(name="jon smith")
    with pytest.raises(LinkRefused, match="link the QuickBooks employee"):
        erp_payroll.add_employee_from_accounting(erp_admin, AccountingRecord.objects.get(full_name="Jon Smith"))


def test_linking_needs_admin_on_erp_integrations(imported, approver):
    record = AccountingRecord.objects.get(full_name="Jon Smith")
    response = api_for(approver).post(
        f"/api/v1/erp/quickbooks-employees/{record.pk}/link/", {"record": EmployeeFactory().pk}, format="json"
    )
    assert response.status_code == 403


def test_the_ready_to_import_page_links_and_adds(imported, client, erp_admin):
    ana = EmployeeFactory(name="Ana Smith")
    client.force_login(erp_admin)
    page = client.get("/erp/payroll/employees/")
    assert [record.full_name for record, _ in page.context["rows"]] == ["Jon Smith", "Smith, Ana"]

    smith = AccountingRecord.objects.get(full_name="Smith, Ana")
    client.post("/erp/payroll/employees/", {"record": smith.pk, "employee": ana.pk, "action": "link"})
    jon = AccountingRecord.objects.get(full_name="Jon Smith")
    response = client.post("/erp/payroll/employees/", {"record": jon.pk, "action": "add"}, follow=True)

    assert "Jon Smith added as an employee" in response.content.decode()
    assert response.context["rows"] == []
    assert ErpItem.objects.filter(object_type="employee", state=ErpState.SYNCED).count() == 2
