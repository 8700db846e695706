"""The payroll requests: time tracking, employees and the look-ups of both, valid in 13.0 and 16.0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from qbxml.lib import build
from qbxml.lib.types import EmployeeData, TimeTrackingData
from qbxml.lib.values import FieldError

TIME = TimeTrackingData(
    txn_date=date(2026, 11, 30),
    employee_full_name="Jon Smith",
    hours=Decimal("7.25"),
    customer_full_name="Harbor Health:P-100 Clinic:Building A",
    item_service_full_name="03:03-300",
    class_full_name="Labor",
    payroll_item_wage="Hourly Rate",
    notes="Formwork\nlevel 2",
    billable_status="NotBillable",
    external_guid="{6F7C1D2E-2B1A-4F0E-9A57-0C3E5D9B8A41}",
)


@pytest.mark.parametrize(
    "request_element",
    [
        build.time_tracking_add("t1", TIME),
        build.time_tracking_add("t2", TimeTrackingData(date(2026, 12, 1), "Ana Ruiz", Decimal("24"))),
        build.time_tracking_query("t3", txn_id="1A2B-1700000000"),
        build.time_tracking_query("t4", txn_date=date(2026, 11, 30), employee_full_name="Jon Smith"),
        build.employee_add("e1", EmployeeData(name="Jon Smith", is_active=True)),
        build.list_query("e2", "Employee", full_name="Jon Smith"),
        build.list_import_query("e3", "Employee"),
        build.list_import_query("p1", "PayrollItemWage", active_status="ActiveOnly"),
    ],
    ids=lambda element: element.get("requestID"),
)
def test_each_payroll_request_is_valid_in_both_versions(assert_valid, request_element):
    assert_valid(build.build_message([request_element]))


def test_time_tracking_add_carries_every_field_in_the_schema_order():
    body = build.time_tracking_add("t1", TIME).find("TimeTrackingAdd")
    assert [child.tag for child in body] == [
        "TxnDate",
        "EntityRef",
        "CustomerRef",
        "ItemServiceRef",
        "Duration",
        "ClassRef",
        "PayrollItemWageRef",
        "Notes",
        "BillableStatus",
        "ExternalGUID",
    ]
    assert body.findtext("Duration") == "PT7H15M"
    assert body.findtext("TxnDate") == "2026-11-30"
    assert body.findtext("CustomerRef/FullName") == "Harbor Health:P-100 Clinic:Building A"
    assert body.findtext("PayrollItemWageRef/FullName") == "Hourly Rate"
    assert etree.tostring(body.find("Notes")) == b"<Notes>Formwork\nlevel 2</Notes>"


@pytest.mark.parametrize(("hours", "expected"), [("8", "PT8H0M"), ("0.05", "PT0H3M"), ("24", "PT24H0M")])
def test_durations_are_whole_hours_and_minutes(hours, expected):
    assert build.time_duration("Duration", Decimal(hours)) == expected


def test_hours_that_are_not_whole_minutes_are_refused():
    with pytest.raises(FieldError):
        build.time_tracking_add("t1", TimeTrackingData(date(2026, 11, 30), "Jon Smith", Decimal("7.33")))
