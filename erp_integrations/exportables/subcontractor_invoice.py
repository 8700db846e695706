"""A subcontractor invoice (pay application), which QuickBooks keeps as a bill for the vendor: lines per cost
code and job, retainage held as a negative line, linked to the purchase order where it can be."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import (
    Exportable,
    Money,
    Problem,
    invariant_problems,
    iso,
    item_in_quickbooks,
    money,
    text,
)
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from procore_sync import models as ps
from procore_sync.money import ZERO
from qbxml.lib import limits


class InvoiceLinePayload(TypedDict):
    line_number: int | None  # the schedule-of-values line billed; None for a change order's new line
    cost_code: str
    cost_type: str
    sub_job: str  # the billed line's sub job, "" for the job itself
    description: str
    work_completed: Money
    materials_stored: Money
    retainage_held: Money
    retainage_released: Money


class InvoicePayload(TypedDict):
    job_name: str
    number: str
    commitment: str
    vendor: str
    invoice_date: str | None
    billing_period: list[str | None]
    retainage_held: Money
    amount_due: Money
    lines: list[InvoiceLinePayload]


# The sub jobs of the lines billed, read along.
_BILLED_SUB_JOBS = tuple(
    f"{target}__{path}"
    for target in ("commitment_line", "change_order_line", "change_order_line__commitment_line")
    for path in SUB_JOB_PATH
)


def _line(line: ps.SubcontractorInvoiceLine) -> InvoiceLinePayload:
    target = line.target
    if isinstance(target, ps.CommitmentLine):
        line_number: int | None = target.line_number
        cost_code, cost_type = target.cost_code, target.cost_type
    else:
        line_number, cost_code, cost_type = None, target.effective_cost_code, target.effective_cost_type
    return InvoiceLinePayload(
        line_number=line_number,
        cost_code=cost_code.code,
        cost_type=cost_type.name,
        sub_job=path_of(line.sub_job),
        description=target.description,
        work_completed=money(line.work_completed_this_period),
        materials_stored=money(line.materials_stored),
        retainage_held=money(line.retainage_held),
        retainage_released=money(line.retainage_released),
    )


def payload(invoice: ps.SubcontractorInvoice) -> InvoicePayload:
    lines = invoice.lines.select_related(
        "commitment_line__cost_code",
        "commitment_line__cost_type",
        "change_order_line__cost_code",
        "change_order_line__cost_type",
        "change_order_line__commitment_line__cost_code",
        "change_order_line__commitment_line__cost_type",
        *_BILLED_SUB_JOBS,
    )
    totals = invoice.totals()
    return InvoicePayload(
        job_name=job_name(invoice.commitment.project),
        number=invoice.number,
        commitment=invoice.commitment.number,
        vendor=invoice.commitment.vendor.name,
        invoice_date=iso(invoice.invoice_date),
        billing_period=[iso(invoice.billing_period_start), iso(invoice.billing_period_end)],
        retainage_held=money(totals["retainage_held"]),
        amount_due=money(totals["amount_due"]),
        lines=[_line(line) for line in lines],
    )


def problems(invoice: ps.SubcontractorInvoice) -> list[Problem]:
    found: list[Problem] = []
    text(
        found,
        "number",
        "The invoice number (the bill's reference number in QuickBooks)",
        invoice.number,
        limits.BILL_REF_NUMBER,
    )
    vendor = invoice.commitment.vendor
    text(found, "vendor", "The vendor name", vendor.name, limits.VENDOR_NAME, list_name=True)
    if invoice.status == ps.SubcontractorInvoice.Status.VOID:
        found.append(Problem("status", "A void invoice cannot go to QuickBooks."))
    commitment = invoice.commitment
    if commitment.status in (ps.Commitment.Status.DRAFT, ps.Commitment.Status.VOID):
        found.append(
            Problem(
                "commitment",
                f"The commitment {commitment.number} is {commitment.get_status_display().lower()}: an invoice "
                "can go to QuickBooks only against a commitment that is out of draft.",
            )
        )
    if not invoice.lines.exists():
        found.append(Problem("lines", "The invoice has no lines."))
    amount_due = invoice.totals()["amount_due"]
    if amount_due <= ZERO:
        found.append(
            Problem(
                "lines",
                f"The amount due is {amount_due}: QuickBooks takes only invoices for more than zero "
                "(enter a credit as a change order instead).",
            )
        )
    if amount_due > ZERO and item_in_quickbooks(invoice) is not None:
        paid = sum(
            (payment.amount for payment in invoice.payments.filter(is_void=False)),
            ZERO,
        )
        if paid > amount_due:
            found.append(
                Problem(
                    "lines",
                    f"QuickBooks has paid {paid} of the bill: its amount due cannot go below that (it is "
                    f"{amount_due} now).",
                )
            )
    invariant_problems(found, invoice)
    return found


def dependencies(invoice: ps.SubcontractorInvoice) -> list[Model]:
    return [invoice.commitment, *sub_jobs_named(invoice.lines.select_related(*_BILLED_SUB_JOBS))]


EXPORTABLE = Exportable[ps.SubcontractorInvoice](
    slug="subcontractor_invoice",
    plural="Subcontractor Invoices",
    order=80,
    payload_type=InvoicePayload,
    payload=payload,
    problems=problems,
    describe=lambda invoice: f"Invoice {invoice.number} on {invoice.commitment.number}",
    locked_fields=("commitment", "number", "invoice_date", "billing_period_start", "billing_period_end", "status"),
    dependencies=dependencies,
)
