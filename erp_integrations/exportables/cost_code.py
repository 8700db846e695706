"""A standard cost code, which QuickBooks keeps as a service item under its division's item."""

from __future__ import annotations

from typing import TypedDict

from erp_integrations.exportables.base import Exportable, Problem, text
from procore_sync import models as ps
from qbxml.lib import limits


class CostCodePayload(TypedDict):
    code: str
    description: str
    division: str
    division_name: str


def payload(cost_code: ps.CostCode) -> CostCodePayload:
    return CostCodePayload(
        code=cost_code.code,
        description=cost_code.description,
        division=cost_code.division.code,
        division_name=cost_code.division.name,
    )


def problems(cost_code: ps.CostCode) -> list[Problem]:
    found: list[Problem] = []
    text(found, "code", "The cost code", cost_code.code, limits.ITEM_NAME, list_name=True)
    text(found, "division", "The division code", cost_code.division.code, limits.ITEM_NAME, list_name=True)
    text(found, "description", "The description", cost_code.description, limits.SALES_OR_PURCHASE_DESC)
    return found


EXPORTABLE = Exportable[ps.CostCode](
    slug="cost_code",
    plural="Cost Codes",
    order=30,
    payload_type=CostCodePayload,
    payload=payload,
    problems=problems,
    describe=lambda cost_code: f"{cost_code.code} {cost_code.description}",
    locked_fields=("code", "description", "division"),
)
