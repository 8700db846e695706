"""An employee, which QuickBooks keeps on its employee list: linked to the one it holds (imported from
QuickBooks, like vendors), or added there by name."""

from __future__ import annotations

from typing import TypedDict

from erp_integrations.exportables.base import Exportable, Problem, text
from procore_sync import models as ps
from qbxml.lib import limits


class EmployeePayload(TypedDict):
    name: str
    is_active: bool


def payload(employee: ps.Employee) -> EmployeePayload:
    return EmployeePayload(name=employee.name, is_active=employee.is_active)


def problems(employee: ps.Employee) -> list[Problem]:
    found: list[Problem] = []
    text(found, "name", "The employee name", employee.name, limits.EMPLOYEE_NAME, list_name=True)
    return found


EXPORTABLE = Exportable[ps.Employee](
    slug="employee",
    plural="Employees",
    order=25,
    payload_type=EmployeePayload,
    payload=payload,
    problems=problems,
    describe=lambda employee: employee.name,
    locked_fields=("name", "is_active"),
)
