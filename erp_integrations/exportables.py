"""What the workflow needs to know of each exportable type, declared once per type.

The workflow itself is generic: it asks this registry for a record's project, the tool whose Admins may
send it, the fields QuickBooks will receive (locked while the item is in the approvers' hands), the
problems that stop it from being sent, the records it depends on, and the payload QuickBooks will get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from procore_sync import models as ps
from procore_sync.money import ZERO
from procore_sync.tools import Tool
from qbxml.lib import limits
from qbxml.lib.text import text_problems


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class ExportableType:
    slug: str
    label: str
    plural: str
    model: type[models.Model]
    tool: Tool
    locked_fields: tuple[str, ...]
    project_of: Callable[[Any], ps.Project | None]
    describe: Callable[[Any], str]
    problems: Callable[[Any], list[Problem]]
    dependencies: Callable[[Any], Iterable[models.Model]]
    payload: Callable[[Any], dict[str, Any]]
    # Types whose lines are part of what QuickBooks receives: any line change counts as an edit.
    has_lines: bool = False
    company_level: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _text(problems: list[Problem], field_name: str, label: str, value: str, max_length: int, **kw: Any) -> None:
    problems.extend(Problem(field_name, message) for message in text_problems(label, value or "", max_length, **kw))


def _address(problems: list[Problem], record: Any) -> None:
    for field_name, label, max_length in [
        ("address_line1", "Address line 1", limits.ADDR_LINE),
        ("address_line2", "Address line 2", limits.ADDR_LINE),
        ("city", "City", limits.CITY),
        ("state", "State", limits.STATE),
        ("postal_code", "Postal code", limits.POSTAL_CODE),
        ("country", "Country", limits.COUNTRY),
    ]:
        _text(problems, field_name, label, getattr(record, field_name), max_length)


def _address_payload(record: Any) -> dict[str, str]:
    return {
        "address_line1": record.address_line1,
        "address_line2": record.address_line2,
        "city": record.city,
        "state": record.state,
        "postal_code": record.postal_code,
        "country": record.country,
    }


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _amount_problems(problems: list[Problem], field_name: str, label: str, value: Decimal) -> None:
    integer_digits = len(str(abs(int(value))))
    if integer_digits > limits.AMOUNT_MAX_INTEGER_DIGITS:
        problems.append(Problem(field_name, f"{label} {value} is too large for QuickBooks."))


# --- companies → vendors ---------------------------------------------------------------------------


def _company_problems(company: ps.Company) -> list[Problem]:
    problems: list[Problem] = []
    _text(problems, "name", "The company name", company.name, limits.VENDOR_NAME, list_name=True)
    _address(problems, company)
    _text(problems, "contact_name", "The contact name", company.contact_name, limits.CONTACT_NAME)
    _text(problems, "phone", "The phone number", company.phone, limits.PHONE)
    if company.is_archived:
        problems.append(Problem("is_archived", "The company is archived: restore it before sending it."))
    if company.vendor_type == ps.Company.VendorType.OWNER:
        problems.append(
            Problem(
                "vendor_type",
                "An owner is a customer in QuickBooks, not a vendor: it reaches QuickBooks as the parent customer "
                "of its projects' jobs. Send the project instead.",
            )
        )
    return problems


def _company_payload(company: ps.Company) -> dict[str, Any]:
    return {
        "name": company.name,
        **_address_payload(company),
        "contact_name": company.contact_name,
        "phone": company.phone,
        "email": company.email,
    }


# --- projects → customer jobs ----------------------------------------------------------------------


def job_name(project: ps.Project) -> str:
    """The QuickBooks job name of a project: its number and name, as accountants look jobs up."""
    return f"{project.number} {project.name}".strip()


def _project_problems(project: ps.Project) -> list[Problem]:
    problems: list[Problem] = []
    _text(
        problems,
        "name",
        "The QuickBooks job name (project number and name)",
        job_name(project),
        limits.CUSTOMER_NAME,
        list_name=True,
    )
    _address(problems, project)
    return problems


def _project_payload(project: ps.Project) -> dict[str, Any]:
    return {
        "job_name": job_name(project),
        "number": project.number,
        "name": project.name,
        "owner": project.owner.name if project.owner_id else "",
        **_address_payload(project),
    }


# --- cost codes → service items --------------------------------------------------------------------


def _cost_code_problems(cost_code: ps.CostCode) -> list[Problem]:
    problems: list[Problem] = []
    _text(problems, "code", "The cost code", cost_code.code, limits.ITEM_NAME, list_name=True)
    _text(problems, "division", "The division code", cost_code.division.code, limits.ITEM_NAME, list_name=True)
    _text(problems, "description", "The description", cost_code.description, limits.SALES_OR_PURCHASE_DESC)
    return problems


def _cost_code_payload(cost_code: ps.CostCode) -> dict[str, Any]:
    return {
        "code": cost_code.code,
        "description": cost_code.description,
        "division": cost_code.division.code,
        "division_name": cost_code.division.name,
    }


# --- budgets and modifications → estimates -----------------------------------------------------------


def _budget_problems(budget: ps.Budget) -> list[Problem]:
    problems: list[Problem] = []
    if not budget.is_locked:
        problems.append(Problem("is_locked", "Lock the budget before sending it: QuickBooks gets a locked budget."))
    lines = list(budget.lines.all())
    if not lines:
        problems.append(Problem("lines", "The budget has no line items."))
    for line in lines:
        if line.original_amount < ZERO:
            problems.append(Problem("lines", f"Line {line}: the amount cannot be negative."))
        _amount_problems(problems, "lines", f"Line {line}: the amount", line.original_amount)
    return problems


def _budget_payload(budget: ps.Budget) -> dict[str, Any]:
    lines = budget.lines.select_related("cost_code", "cost_type")
    return {
        "job_name": job_name(budget.project),
        "lines": [
            {
                "cost_code": line.cost_code.code,
                "cost_type": line.cost_type.name,
                "description": line.description or line.cost_code.description,
                "amount": _amount(line.original_amount),
            }
            for line in lines
        ],
    }


def _budget_dependencies(budget: ps.Budget) -> list[models.Model]:
    codes = ps.CostCode.objects.filter(pk__in=budget.lines.values("cost_code_id"))
    return [budget.project, *codes]


def _budget_modification_problems(modification: ps.BudgetModification) -> list[Problem]:
    problems: list[Problem] = []
    from django.core.exceptions import ValidationError

    try:
        modification.check_invariants()
    except ValidationError as exc:
        problems.extend(Problem(name, message) for name, messages in exc.message_dict.items() for message in messages)
    if not modification.budget.is_locked:
        problems.append(Problem("budget", "The budget is not locked."))
    _text(problems, "reason", "The reason", modification.reason, limits.MEMO)
    return problems


def _budget_modification_payload(modification: ps.BudgetModification) -> dict[str, Any]:
    lines = modification.lines.select_related("budget_line__cost_code", "budget_line__cost_type")
    return {
        "job_name": job_name(modification.budget.project),
        "number": modification.number,
        "reason": modification.reason,
        "date": modification.date,
        "lines": [
            {
                "cost_code": line.budget_line.cost_code.code,
                "cost_type": line.budget_line.cost_type.name,
                "amount": _amount(line.amount),
            }
            for line in lines
        ],
    }


# --- commitments → purchase orders -------------------------------------------------------------------


def _commitment_problems(commitment: ps.Commitment) -> list[Problem]:
    problems: list[Problem] = []
    _text(
        problems,
        "number",
        "The commitment number (the purchase order number in QuickBooks)",
        commitment.number,
        limits.REF_NUMBER,
    )
    _text(problems, "title", "The title", commitment.title, limits.MEMO)
    if commitment.status == ps.Commitment.Status.VOID:
        problems.append(Problem("status", "A void commitment cannot go to QuickBooks."))
    _text(problems, "vendor", "The vendor name", commitment.vendor.name, limits.VENDOR_NAME, list_name=True)
    if commitment.vendor.is_archived:
        problems.append(Problem("vendor", f"The vendor {commitment.vendor.name} is archived."))
    lines = list(commitment.lines.all())
    if not lines:
        problems.append(Problem("lines", "The schedule of values has no lines."))
    for line in lines:
        _text(problems, "lines", f"Line {line.line_number}: the description", line.description, limits.ITEM_DESC)
        _amount_problems(problems, "lines", f"Line {line.line_number}: the amount", line.amount)
    if lines and sum((line.amount for line in lines), ZERO) <= ZERO:
        problems.append(Problem("lines", "The commitment's value must be more than zero."))
    return problems


def _commitment_payload(commitment: ps.Commitment) -> dict[str, Any]:
    lines = commitment.lines.select_related("cost_code", "cost_type")
    return {
        "number": commitment.number,
        "title": commitment.title,
        "kind": commitment.kind,
        "vendor": commitment.vendor.name,
        "job_name": job_name(commitment.project),
        "date": commitment.contract_date,
        "retainage_percent": str(commitment.default_retainage_percent),
        "lines": [
            {
                "line_number": line.line_number,
                "cost_code": line.cost_code.code,
                "cost_type": line.cost_type.name,
                "description": line.description,
                "amount": _amount(line.amount),
            }
            for line in lines
        ],
    }


def _commitment_dependencies(commitment: ps.Commitment) -> list[models.Model]:
    codes = ps.CostCode.objects.filter(pk__in=commitment.lines.values("cost_code_id"))
    return [commitment.project, commitment.vendor, *codes]


# --- commitment change orders → new purchase order lines ---------------------------------------------


def _change_order_problems(change_order: ps.CommitmentChangeOrder) -> list[Problem]:
    problems: list[Problem] = []
    _text(problems, "title", "The title", change_order.title, limits.MEMO)
    if change_order.status != ps.CommitmentChangeOrder.Status.APPROVED:
        problems.append(Problem("status", "Only an approved change order can go to QuickBooks."))
    lines = list(change_order.lines.all())
    if not lines:
        problems.append(Problem("lines", "The change order has no lines."))
    for index, line in enumerate(lines, start=1):
        _text(problems, "lines", f"Line {index}: the description", line.description, limits.ITEM_DESC)
        _amount_problems(problems, "lines", f"Line {index}: the amount", line.amount)
    return problems


def _change_order_payload(change_order: ps.CommitmentChangeOrder) -> dict[str, Any]:
    lines = change_order.lines.select_related(
        "commitment_line__cost_code", "commitment_line__cost_type", "cost_code", "cost_type"
    )
    return {
        "number": change_order.number,
        "title": change_order.title,
        "date": change_order.date,
        "commitment": change_order.commitment.number,
        "lines": [
            {
                "changes_line": line.commitment_line.line_number if line.commitment_line else None,
                "cost_code": line.effective_cost_code.code,
                "cost_type": line.effective_cost_type.name,
                "description": line.description,
                "amount": _amount(line.amount),
            }
            for line in lines
        ],
    }


def _change_order_dependencies(change_order: ps.CommitmentChangeOrder) -> list[models.Model]:
    codes = ps.CostCode.objects.filter(pk__in=change_order.lines.values("cost_code_id"))
    return [change_order.commitment, *codes]


# --- subcontractor invoices → bills ------------------------------------------------------------------


def _invoice_problems(invoice: ps.SubcontractorInvoice) -> list[Problem]:
    problems: list[Problem] = []
    _text(
        problems,
        "number",
        "The invoice number (the bill's reference number in QuickBooks)",
        invoice.number,
        limits.BILL_REF_NUMBER,
    )
    vendor = invoice.commitment.vendor
    _text(problems, "vendor", "The vendor name", vendor.name, limits.VENDOR_NAME, list_name=True)
    if invoice.status == ps.SubcontractorInvoice.Status.VOID:
        problems.append(Problem("status", "A void invoice cannot go to QuickBooks."))
    if not invoice.lines.exists():
        problems.append(Problem("lines", "The invoice has no lines."))
    totals = invoice.totals()
    if totals["amount_due"] <= ZERO:
        problems.append(
            Problem(
                "lines",
                f"The amount due is {totals['amount_due']}: QuickBooks takes only invoices for more than zero "
                "(enter a credit as a change order instead).",
            )
        )
    from django.core.exceptions import ValidationError

    try:
        invoice.check_invariants()
    except ValidationError as exc:
        problems.extend(Problem(name, message) for name, messages in exc.message_dict.items() for message in messages)
    return problems


def _invoice_payload(invoice: ps.SubcontractorInvoice) -> dict[str, Any]:
    lines = invoice.lines.select_related(
        "commitment_line__cost_code",
        "commitment_line__cost_type",
        "change_order_line__cost_code",
        "change_order_line__cost_type",
        "change_order_line__commitment_line__cost_code",
        "change_order_line__commitment_line__cost_type",
    )
    payload_lines = []
    for line in lines:
        target = line.target
        if isinstance(target, ps.CommitmentLine):
            cost_code, cost_type = target.cost_code, target.cost_type
        else:
            cost_code, cost_type = target.effective_cost_code, target.effective_cost_type
        payload_lines.append(
            {
                "line_number": target.line_number if isinstance(target, ps.CommitmentLine) else None,
                "cost_code": cost_code.code,
                "cost_type": cost_type.name,
                "description": target.description,
                "work_completed": _amount(line.work_completed_this_period),
                "materials_stored": _amount(line.materials_stored),
                "retainage_held": _amount(line.retainage_held),
                "retainage_released": _amount(line.retainage_released),
            }
        )
    totals = invoice.totals()
    return {
        "number": invoice.number,
        "vendor": invoice.commitment.vendor.name,
        "commitment": invoice.commitment.number,
        "job_name": job_name(invoice.commitment.project),
        "invoice_date": invoice.invoice_date,
        "billing_period": [invoice.billing_period_start, invoice.billing_period_end],
        "lines": payload_lines,
        "amount_due": _amount(totals["amount_due"]),
        "retainage_held": _amount(totals["retainage_held"]),
    }


_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code", "country")

EXPORTABLE_TYPES: dict[str, ExportableType] = {
    t.slug: t
    for t in [
        ExportableType(
            slug="project",
            label="Project",
            plural="Projects/Jobs",
            model=ps.Project,
            tool=Tool.ADMIN,
            locked_fields=("name", "number", "owner", *_ADDRESS_FIELDS),
            project_of=lambda project: project,
            describe=job_name,
            problems=_project_problems,
            dependencies=lambda project: [],
            payload=_project_payload,
        ),
        ExportableType(
            slug="company",
            label="Company",
            plural="Companies/Vendors",
            model=ps.Company,
            tool=Tool.DIRECTORY,
            locked_fields=("name", "contact_name", "phone", "email", *_ADDRESS_FIELDS),
            project_of=lambda company: None,
            describe=lambda company: company.name,
            problems=_company_problems,
            dependencies=lambda company: [],
            payload=_company_payload,
            company_level=True,
        ),
        ExportableType(
            slug="cost_code",
            label="Cost code",
            plural="Cost Codes",
            model=ps.CostCode,
            tool=Tool.ADMIN,
            locked_fields=("code", "description", "division"),
            project_of=lambda cost_code: None,
            describe=lambda cost_code: f"{cost_code.code} {cost_code.description}",
            problems=_cost_code_problems,
            dependencies=lambda cost_code: [],
            payload=_cost_code_payload,
            company_level=True,
        ),
        ExportableType(
            slug="budget",
            label="Budget",
            plural="Budgets",
            model=ps.Budget,
            tool=Tool.BUDGET,
            locked_fields=("project", "is_locked"),
            project_of=lambda budget: budget.project,
            describe=lambda budget: f"Budget of {budget.project}",
            problems=_budget_problems,
            dependencies=_budget_dependencies,
            payload=_budget_payload,
            has_lines=True,
        ),
        ExportableType(
            slug="budget_modification",
            label="Budget modification",
            plural="Budget Modifications",
            model=ps.BudgetModification,
            tool=Tool.BUDGET,
            locked_fields=("budget", "number", "reason", "date"),
            project_of=lambda modification: modification.budget.project,
            describe=lambda modification: (
                f"Budget modification #{modification.number} of {modification.budget.project}"
            ),
            problems=_budget_modification_problems,
            dependencies=lambda modification: [modification.budget],
            payload=_budget_modification_payload,
            has_lines=True,
        ),
        ExportableType(
            slug="commitment",
            label="Commitment",
            plural="Commitments",
            model=ps.Commitment,
            tool=Tool.COMMITMENTS,
            locked_fields=(
                "project",
                "kind",
                "number",
                "title",
                "vendor",
                "default_retainage_percent",
                "contract_date",
            ),
            project_of=lambda commitment: commitment.project,
            describe=lambda commitment: f"{commitment.number} {commitment.title}",
            problems=_commitment_problems,
            dependencies=_commitment_dependencies,
            payload=_commitment_payload,
            has_lines=True,
        ),
        ExportableType(
            slug="change_order",
            label="Change order",
            plural="Change Orders",
            model=ps.CommitmentChangeOrder,
            tool=Tool.CHANGE_ORDERS,
            locked_fields=("commitment", "number", "title", "date", "status"),
            project_of=lambda change_order: change_order.commitment.project,
            describe=lambda change_order: f"CCO {change_order.number} on {change_order.commitment.number}",
            problems=_change_order_problems,
            dependencies=_change_order_dependencies,
            payload=_change_order_payload,
            has_lines=True,
        ),
        ExportableType(
            slug="subcontractor_invoice",
            label="Subcontractor invoice",
            plural="Subcontractor Invoices",
            model=ps.SubcontractorInvoice,
            tool=Tool.INVOICING,
            locked_fields=(
                "commitment",
                "number",
                "invoice_date",
                "billing_period_start",
                "billing_period_end",
                "status",
            ),
            project_of=lambda invoice: invoice.commitment.project,
            describe=lambda invoice: f"Invoice {invoice.number} on {invoice.commitment.number}",
            problems=_invoice_problems,
            dependencies=lambda invoice: [invoice.commitment],
            payload=_invoice_payload,
            has_lines=True,
        ),
    ]
}

_BY_MODEL: dict[type[models.Model], ExportableType] = {t.model: t for t in EXPORTABLE_TYPES.values()}


def exportable_type_of(record: models.Model) -> ExportableType:
    try:
        return _BY_MODEL[type(record)]
    except KeyError:
        raise TypeError(f"{type(record).__name__} does not go to QuickBooks") from None


def is_exportable(record: object) -> bool:
    return type(record) in _BY_MODEL


def is_exportable_model(model: type[models.Model]) -> bool:
    return model in _BY_MODEL
