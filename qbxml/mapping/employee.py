"""An employee → a QuickBooks employee, added by name when QuickBooks does not hold it yet (most are linked to
the employee QuickBooks' payroll already has, from Ready to Import)."""

from __future__ import annotations

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ItemView, Mapping


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.employee_add(rid, qb.EmployeeData(name=item.payload["name"], is_active=item.payload.get("is_active")))


MAPPING = Mapping(
    kind="employee",
    object_type="employee",
    # A name, like a vendor: before the time that refers to it.
    sequence=32,
    list_type="employee",
    add=_add,
    lookup=lambda rid, item, ctx: build.list_query(rid, "Employee", full_name=item.payload["name"]),
    target=lambda item, ctx: item.payload["name"],
    links_same_party=True,
)
