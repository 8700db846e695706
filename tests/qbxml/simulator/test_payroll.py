"""Payroll in the simulated company file: employees added by name, wage payroll items, and time tracking
with its references checked and found again by day and employee (with the GUID it was sent with)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from qbxml.lib import build
from qbxml.lib.types import EmployeeData, TimeTrackingData
from tests.qbxml.simulator.conftest import JOB, one

GUID = "{6F7C1D2E-2B1A-4F0E-9A57-0C3E5D9B8A41}"


def _time(**changes: object) -> TimeTrackingData:
    fields: dict[str, object] = {
        "txn_date": date(2026, 11, 30),
        "employee_full_name": "Jon Smith",
        "hours": Decimal("7.25"),
        "customer_full_name": JOB,
        "item_service_full_name": "03:03-300",
        "class_full_name": "Subcontract",
        "payroll_item_wage": "Hourly Rate",
        "notes": "Formwork",
        "billable_status": "NotBillable",
        "external_guid": GUID,
        **changes,
    }
    return TimeTrackingData(**fields)  # type: ignore[arg-type]


def test_an_employee_is_added_by_name_and_its_name_is_taken_among_every_name(seeded, send):
    added = one(send(seeded, build.employee_add("e", EmployeeData(name="Jon Smith", is_active=True))))
    again = one(send(seeded, build.employee_add("e", EmployeeData(name="Acme Concrete"))))

    assert added.status_code == 0 and added.records[0]["name"] == "Jon Smith"
    assert again.status_code == 3100
    found = one(send(seeded, build.list_query("q", "Employee", full_name="Jon Smith")))
    assert found.records[0]["list_id"] == added.records[0]["list_id"]


def test_time_tracking_is_kept_with_its_references_and_found_by_day_and_employee(seeded, send):
    seeded.add_employee("Jon Smith")
    seeded.add_payroll_item_wage("Hourly Rate")

    added = one(send(seeded, build.time_tracking_add("t", _time())))
    found = one(
        send(seeded, build.time_tracking_query("q", txn_date=date(2026, 11, 30), employee_full_name="Jon Smith"))
    )
    other_day = one(
        send(seeded, build.time_tracking_query("q", txn_date=date(2026, 12, 1), employee_full_name="Jon Smith"))
    )

    assert added.status_code == 0
    record = added.records[0]
    assert record["duration"] == "PT7H15M"
    assert record["customer_full_name"] == JOB
    assert record["payroll_item_wage_full_name"] == "Hourly Rate"
    assert record["external_guid"] == GUID
    assert [r["txn_id"] for r in found.records] == [record["txn_id"]]
    assert other_day.found_nothing
    by_id = one(send(seeded, build.time_tracking_query("q", txn_id=record["txn_id"])))
    assert by_id.records[0]["txn_id"] == record["txn_id"]


def test_time_for_an_employee_or_payroll_item_quickbooks_does_not_hold_is_refused(seeded, send):
    seeded.add_employee("Jon Smith")

    unknown_employee = one(send(seeded, build.time_tracking_add("t", _time(employee_full_name="Ana Ruiz"))))
    unknown_item = one(send(seeded, build.time_tracking_add("t", _time())))

    assert unknown_employee.status_code == 3140
    assert unknown_item.status_code == 3140
    assert "Hourly Rate" in unknown_item.status_message


def test_wage_payroll_items_are_read_by_the_list_import_query(seeded, send):
    seeded.add_payroll_item_wage("Hourly Rate")
    seeded.add_payroll_item_wage("Overtime Rate")

    answer = one(send(seeded, build.list_import_query("p", "PayrollItemWage")))

    assert sorted(record["name"] for record in answer.records) == ["Hourly Rate", "Overtime Rate"]
    assert answer.records[0]["wage_type"] == "HourlyRegular"
