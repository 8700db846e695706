"""An owner invoice (progress billing), which QuickBooks keeps as an invoice to the customer:job: a line per
billed line of the schedule of values, retention held as a negative line on the retention item and
released as a positive one."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import (
    Exportable,
    Money,
    Problem,
    invariant_problems,
    iso,
    money,
    not_updatable,
    text,
)
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of
from erp_integrations.models import ErpSettings
from procore_sync import models as ps
from procore_sync.money import ZERO
from procore_sync.selectors import owner_invoice_totals
from qbxml.lib import limits


class OwnerInvoiceLinePayload(TypedDict):
    line_number: int | None  # the schedule-of-values line billed; None for a change order's new line
    cost_code: str
    cost_type: str
    sub_job: str  # the billed line's sub job, "" for the job itself
    description: str
    work_completed: Money
    materials_stored: Money
    retention_held: Money
    retention_released: Money


class OwnerInvoicePayload(TypedDict):
    job_name: str
    number: str
    prime_contract: str
    owner: str
    invoice_date: str | None
    billing_period: list[str | None]
    retention_held: Money
    retention_released: Money
    amount_due: Money
    lines: list[OwnerInvoiceLinePayload]


_BILLED_SUB_JOBS = tuple(
    f"{target}__{path}"
    for target in ("contract_line", "change_order_line", "change_order_line__contract_line")
    for path in SUB_JOB_PATH
)


def _line(line: ps.OwnerInvoiceLine) -> OwnerInvoiceLinePayload:
    target = line.target
    if isinstance(target, ps.PrimeContractLine):
        line_number: int | None = target.line_number
        cost_code, cost_type = target.cost_code, target.cost_type
    else:
        line_number, cost_code, cost_type = None, target.effective_cost_code, target.effective_cost_type
    return OwnerInvoiceLinePayload(
        line_number=line_number,
        cost_code=cost_code.code,
        cost_type=cost_type.name,
        sub_job=path_of(line.sub_job),
        description=target.description or cost_code.description,
        work_completed=money(line.work_completed_this_period),
        materials_stored=money(line.materials_stored),
        retention_held=money(line.retention_held),
        retention_released=money(line.retention_released),
    )


def _lines(invoice: ps.OwnerInvoice) -> list[ps.OwnerInvoiceLine]:
    return list(
        invoice.lines.select_related(
            "contract_line__cost_code",
            "contract_line__cost_type",
            "change_order_line__cost_code",
            "change_order_line__cost_type",
            "change_order_line__contract_line__cost_code",
            "change_order_line__contract_line__cost_type",
            *_BILLED_SUB_JOBS,
        )
    )


def payload(invoice: ps.OwnerInvoice) -> OwnerInvoicePayload:
    lines = _lines(invoice)
    totals = owner_invoice_totals(lines)
    contract = invoice.prime_contract
    return OwnerInvoicePayload(
        job_name=job_name(contract.project),
        number=invoice.number,
        prime_contract=contract.number,
        owner=contract.owner.name,
        invoice_date=iso(invoice.invoice_date),
        billing_period=[iso(invoice.billing_period_start), iso(invoice.billing_period_end)],
        retention_held=money(totals["retention_held"]),
        retention_released=money(totals["retention_released"]),
        amount_due=money(totals["amount_due"]),
        lines=[_line(line) for line in lines],
    )


def problems(invoice: ps.OwnerInvoice) -> list[Problem]:
    found: list[Problem] = []
    text(found, "number", "The invoice number (its number in QuickBooks)", invoice.number, limits.REF_NUMBER)
    if invoice.status == ps.OwnerInvoice.Status.VOID:
        found.append(Problem("status", "A void invoice cannot go to QuickBooks."))
    if invoice.prime_contract.status == ps.PrimeContract.Status.DRAFT:
        found.append(Problem("prime_contract", "The prime contract is a draft: it must be approved before billing."))
    not_updatable(
        found,
        invoice,
        payload(invoice),
        f"invoice {invoice.number}",
        "Change it in QuickBooks, or unlink it after deleting it there and send it again.",
    )
    lines = _lines(invoice)
    if not lines:
        found.append(Problem("lines", "The invoice has no lines."))
    amount_due = owner_invoice_totals(lines)["amount_due"]
    if lines and amount_due <= ZERO:
        found.append(
            Problem(
                "lines",
                f"The amount due is {amount_due}: QuickBooks takes only invoices for more than zero "
                "(a credit to the owner is a credit memo).",
            )
        )
    invariant_problems(found, invoice)
    return found


def dependencies(invoice: ps.OwnerInvoice) -> list[Model]:
    contract = invoice.prime_contract
    # Billing only, the invoice needs the job; else the contract's estimate (which needs the job) first.
    first: Model = contract if ErpSettings.load().prime_contract_estimates else contract.project
    codes = {
        line.target.cost_code if isinstance(line.target, ps.PrimeContractLine) else line.target.effective_cost_code
        for line in _lines(invoice)
    }
    return [first, *sorted(codes, key=lambda code: code.pk)]


EXPORTABLE = Exportable[ps.OwnerInvoice](
    slug="owner_invoice",
    plural="Owner Invoices",
    order=100,
    payload_type=OwnerInvoicePayload,
    payload=payload,
    problems=problems,
    describe=lambda invoice: f"Owner invoice {invoice.number} on {invoice.prime_contract.number}",
    locked_fields=(
        "prime_contract",
        "number",
        "invoice_date",
        "billing_period_start",
        "billing_period_end",
        "status",
    ),
    dependencies=dependencies,
)
