"""The project side's record types, declared once: what each is called, the tool whose levels guard it, where
its project is, its nested lines and what a list of it reads along.

The permission gate, the services, the selectors, the pages and the API all read this table instead of
keeping lists of their own; the apps above (the acceptance workflow) refer to a record type by its slug.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from access.permissions import RecordScope, register_record_type
from access.tools import Tool
from procore_sync import models as ps


@dataclass(frozen=True)
class LineSpec:
    """A record's nested lines: their model, the field that points at the record, the fields written."""

    model: type[Model]
    parent_field: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RecordType:
    slug: str
    model: type[Model]
    label: str
    # The tool whose levels guard the records (company lists are guarded company-wide).
    tool: Tool
    # The ORM path from a record to its project ("pk" for a project itself); "" for the company's lists.
    project_path: str = ""
    lines: LineSpec | None = None
    # What a list of these records reads along, so that showing a page costs no query per record.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def project_of(self, record: Any) -> ps.Project | None:
        """The project `record` belongs to (None for the company's lists)."""
        if not self.project_path:
            return None
        if self.project_path == "pk":
            return record
        return _follow(record, self.project_path.split("__"))

    def project_of_new(self, fields: dict[str, Any]) -> ps.Project | None:
        """The project a record about to be created with `fields` belongs to, from its parent."""
        if self.project_path in ("", "pk"):
            return None
        first, *rest = self.project_path.split("__")
        parent = fields.get(first)
        return None if parent is None else _follow(parent, rest)

    @property
    def scope(self) -> RecordScope:
        return RecordScope(slug=self.slug, model=self.model, tool=self.tool, project_of=self.project_of)


def _follow(value: Any, path: list[str]) -> Any:
    for name in path:
        value = getattr(value, name)
    return value


RECORD_TYPES: dict[str, RecordType] = {
    record_type.slug: record_type
    for record_type in [
        RecordType("company", ps.Company, "Company", Tool.DIRECTORY),
        RecordType("project", ps.Project, "Project", Tool.ADMIN, "pk", select_related=("owner",)),
        # A part of a project, kept with the project in the Admin tool; its parents are read along for its
        # path ("Building A:Level 2", at most SubJob.MAX_DEPTH levels).
        RecordType(
            "sub_job", ps.SubJob, "Sub job", Tool.ADMIN, "project", select_related=("project", "parent__parent")
        ),
        RecordType("cost_code", ps.CostCode, "Cost code", Tool.ADMIN, select_related=("division", "default_cost_type")),
        RecordType("cost_type", ps.CostType, "Cost type", Tool.ADMIN),
        RecordType(
            "budget",
            ps.Budget,
            "Budget",
            Tool.BUDGET,
            "project",
            LineSpec(
                ps.BudgetLineItem, "budget", ("cost_code", "cost_type", "sub_job", "description", "original_amount")
            ),
            select_related=("project",),
            prefetch_related=("lines__cost_code", "lines__cost_type"),
        ),
        RecordType(
            "budget_modification",
            ps.BudgetModification,
            "Budget modification",
            Tool.BUDGET,
            "budget__project",
            LineSpec(ps.BudgetModificationLine, "modification", ("budget_line", "amount")),
            select_related=("budget__project",),
            prefetch_related=("lines",),
        ),
        RecordType(
            "commitment",
            ps.Commitment,
            "Commitment",
            Tool.COMMITMENTS,
            "project",
            LineSpec(
                ps.CommitmentLine,
                "commitment",
                ("line_number", "cost_code", "cost_type", "sub_job", "description", "amount"),
            ),
            select_related=("project", "vendor"),
            prefetch_related=("lines",),
        ),
        RecordType(
            "change_order",
            ps.CommitmentChangeOrder,
            "Change order",
            Tool.CHANGE_ORDERS,
            "commitment__project",
            LineSpec(
                ps.CommitmentChangeOrderLine,
                "change_order",
                ("commitment_line", "cost_code", "cost_type", "sub_job", "description", "amount"),
            ),
            select_related=("commitment__project",),
            prefetch_related=("lines",),
        ),
        RecordType(
            "subcontractor_invoice",
            ps.SubcontractorInvoice,
            "Subcontractor invoice",
            Tool.INVOICING,
            "commitment__project",
            LineSpec(
                ps.SubcontractorInvoiceLine,
                "invoice",
                (
                    "commitment_line",
                    "change_order_line",
                    "work_completed_this_period",
                    "materials_stored",
                    "retainage_held",
                    "retainage_released",
                ),
            ),
            select_related=("commitment__project", "commitment__vendor"),
            # A line's sub job is the billed line's: read along, so a list of invoices costs no query a line.
            prefetch_related=(
                "lines__commitment_line__sub_job",
                "lines__change_order_line__sub_job",
                "lines__change_order_line__commitment_line__sub_job",
            ),
        ),
        # The owner side: the contract with the owner and its change orders live in the Prime Contract tool,
        # the owner's invoices in Invoicing (PRODUCT.md section 3).
        RecordType(
            "prime_contract",
            ps.PrimeContract,
            "Prime contract",
            Tool.PRIME_CONTRACT,
            "project",
            LineSpec(
                ps.PrimeContractLine,
                "prime_contract",
                ("line_number", "cost_code", "cost_type", "sub_job", "description", "amount", "retention_percent"),
            ),
            select_related=("project", "owner"),
            prefetch_related=("lines",),
        ),
        RecordType(
            "prime_change_order",
            ps.PrimeContractChangeOrder,
            "Prime contract change order",
            Tool.PRIME_CONTRACT,
            "prime_contract__project",
            LineSpec(
                ps.PrimeContractChangeOrderLine,
                "change_order",
                ("contract_line", "cost_code", "cost_type", "sub_job", "description", "amount"),
            ),
            select_related=("prime_contract__project",),
            prefetch_related=("lines",),
        ),
        RecordType(
            "owner_invoice",
            ps.OwnerInvoice,
            "Owner invoice",
            Tool.INVOICING,
            "prime_contract__project",
            LineSpec(
                ps.OwnerInvoiceLine,
                "invoice",
                (
                    "contract_line",
                    "change_order_line",
                    "work_completed_this_period",
                    "materials_stored",
                    "retention_held",
                    "retention_released",
                ),
            ),
            select_related=("prime_contract__project", "prime_contract__owner"),
            prefetch_related=(
                "lines__contract_line__sub_job",
                "lines__change_order_line__sub_job",
                "lines__change_order_line__contract_line__sub_job",
            ),
        ),
        # Payroll time: the employees whose hours go to QuickBooks (a company list, guarded company-wide by the
        # Timesheets levels) and their time entries, kept per project.
        RecordType("employee", ps.Employee, "Employee", Tool.TIMESHEETS),
        RecordType(
            "time_entry",
            ps.TimeEntry,
            "Time entry",
            Tool.TIMESHEETS,
            "project",
            select_related=("employee", "project", "cost_code", "cost_type", "sub_job__parent__parent"),
        ),
    ]
}


@functools.cache
def _by_model() -> dict[type[Model], RecordType]:
    return {record_type.model: record_type for record_type in RECORD_TYPES.values()}


def record_type_of(record_or_model: Model | type[Model]) -> RecordType:
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    try:
        return _by_model()[model]
    except KeyError:
        raise TypeError(f"{model.__name__} is not a project-side record type") from None


def all_record_types() -> Iterator[RecordType]:
    return iter(RECORD_TYPES.values())


def register_with_the_gate() -> None:
    """Tell the permission gate where each record type lives (at start-up)."""
    for record_type in RECORD_TYPES.values():
        register_record_type(record_type.scope)
