"""A company file where time entries can go: their project's job, employee and cost code linked to the
records QuickBooks holds, the cost type's class known; and accepted time entries on it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_integrations import services
from erp_integrations.models import AccountingRecord
from procore_sync import models as ps
from tests.factories import CompanyFactory, CostCodeFactory, DivisionFactory, EmployeeFactory, ProjectFactory

_ids = itertools.count(1)


def quickbooks_record(book: str, list_type: str, full_name: str) -> AccountingRecord:
    return AccountingRecord.objects.create(
        book=book,
        list_type=list_type,
        external_id=f"7{next(_ids):07d}-1700000000",
        full_name=full_name,
        edit_sequence="1700000001",
        details={"name": full_name.rsplit(":", 1)[-1]},
    )


@dataclass
class PayrollWorld:
    book: str
    project: ps.Project
    employee: ps.Employee
    cost_code: ps.CostCode


def linked_world(book: str, *, employee_name: str = "Jon Smith", quickbooks_employee: str = "") -> PayrollWorld:
    """A project, an employee and a cost code, each linked to QuickBooks' own (as Ready to Import does)."""
    owner = CompanyFactory(name="Harbor Health", vendor_type="owner")
    project = ProjectFactory(number="P-100", name="Clinic", owner=owner)
    employee = EmployeeFactory(name=employee_name)
    cost_code = CostCodeFactory(code="03-300", division=DivisionFactory(code="03", name="Concrete"))
    services.link_record(
        project,
        None,
        quickbooks_record(book, AccountingRecord.ListType.CUSTOMER, "Harbor Health:P-100 Clinic"),
        {"parent_customer": "Harbor Health"},
    )
    services.link_record(
        employee,
        None,
        quickbooks_record(book, AccountingRecord.ListType.EMPLOYEE, quickbooks_employee or employee_name),
    )
    services.link_record(cost_code, None, quickbooks_record(book, AccountingRecord.ListType.ITEM, "03:03-300"))
    for cost_type in ps.CostType.objects.all():
        quickbooks_record(book, AccountingRecord.ListType.CLASS, cost_type.name)
    return PayrollWorld(book, project, employee, cost_code)


def accepted_entry(world: PayrollWorld, sender: Any, approver: Any, **fields: Any) -> ps.TimeEntry:
    """A time entry of the world's project, sent and accepted."""
    from tests.factories import TimeEntryFactory

    entry = TimeEntryFactory(
        **{
            "employee": world.employee,
            "project": world.project,
            "cost_code": world.cost_code,
            "hours": Decimal("8.00"),
            **fields,
        }
    )
    services.item_send(entry, sender)
    services.item_accept(entry, approver)
    return entry
