"""A commitment (subcontract or purchase order), which QuickBooks keeps as a purchase order: one line per
line of the schedule of values, each with its item (cost code), class (cost type) and job."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, Sum

from erp_integrations.exportables.base import (
    Exportable,
    Money,
    Problem,
    amount_problems,
    iso,
    item_in_quickbooks,
    money,
    text,
)
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from procore_sync.money import ZERO
from qbxml.lib import limits


class CommitmentLinePayload(TypedDict):
    line_number: int
    cost_code: str
    cost_type: str
    sub_job: str  # its path below the job, "" for the job itself
    description: str
    amount: Money


class CommitmentPayload(TypedDict):
    job_name: str
    number: str
    title: str
    kind: str
    vendor: str
    date: str | None
    retainage_percent: str
    lines: list[CommitmentLinePayload]


def payload(commitment: ps.Commitment) -> CommitmentPayload:
    return CommitmentPayload(
        job_name=job_name(commitment.project),
        number=commitment.number,
        title=commitment.title,
        kind=commitment.kind,
        vendor=commitment.vendor.name,
        date=iso(commitment.contract_date),
        retainage_percent=str(commitment.default_retainage_percent),
        lines=[
            CommitmentLinePayload(
                line_number=line.line_number,
                cost_code=line.cost_code.code,
                cost_type=line.cost_type.name,
                sub_job=path_of(line.sub_job),
                description=line.description,
                amount=money(line.amount),
            )
            for line in commitment.lines.select_related("cost_code", "cost_type", *SUB_JOB_PATH)
        ],
    )


def problems(commitment: ps.Commitment) -> list[Problem]:
    found: list[Problem] = []
    text(
        found,
        "number",
        "The commitment number (the purchase order number in QuickBooks)",
        commitment.number,
        limits.REF_NUMBER,
    )
    text(found, "title", "The title", commitment.title, limits.MEMO)
    if commitment.status == ps.Commitment.Status.VOID:
        found.append(Problem("status", "A void commitment cannot go to QuickBooks."))
    text(found, "vendor", "The vendor name", commitment.vendor.name, limits.VENDOR_NAME, list_name=True)
    if commitment.vendor.is_archived:
        found.append(Problem("vendor", f"The vendor {commitment.vendor.name} is archived."))
    lines = list(commitment.lines.all())
    if not lines:
        found.append(Problem("lines", "The schedule of values has no lines."))
    for line in lines:
        text(found, "lines", f"Line {line.line_number}: the description", line.description, limits.ITEM_DESC)
        amount_problems(found, "lines", f"Line {line.line_number}: the amount", line.amount)
        if line.amount < ZERO:
            found.append(
                Problem(
                    "lines",
                    f"Line {line.line_number}: the amount {line.amount} is negative; a purchase order line in "
                    "QuickBooks cannot be (record a reduction as a change order).",
                )
            )
    if lines and sum((line.amount for line in lines), ZERO) <= ZERO:
        found.append(Problem("lines", "The commitment's value must be more than zero."))
    found.extend(_billed_line_problems(commitment))
    return found


# The states of an invoice whose bill QuickBooks holds, or is about to: its lines bill the purchase order's.
_BILLED_STATES = (ErpState.SYNCED, ErpState.QUEUED)


def _billed(commitment: ps.Commitment) -> dict[int, tuple[Decimal, list[str]]]:
    """What the invoices in QuickBooks bill of each schedule-of-values line: the amount and their numbers."""
    in_quickbooks = ErpItem.objects.filter(
        content_type=ContentType.objects.get_for_model(ps.SubcontractorInvoice), state__in=_BILLED_STATES
    ).values("object_id")
    rows = (
        ps.SubcontractorInvoiceLine.objects.filter(
            invoice__commitment=commitment, invoice_id__in=in_quickbooks, commitment_line__isnull=False
        )
        .exclude(invoice__status=ps.SubcontractorInvoice.Status.VOID)
        .values("commitment_line__line_number", "invoice__number")
        .annotate(amount=Sum(F("work_completed_this_period") + F("materials_stored")))
        .order_by("invoice__number")
    )
    billed: dict[int, tuple[Decimal, list[str]]] = {}
    for row in rows:
        if not row["amount"]:
            continue
        number = row["commitment_line__line_number"]
        amount, invoices = billed.get(number, (ZERO, []))
        billed[number] = (amount + row["amount"], [*invoices, row["invoice__number"]])
    return billed


def _same_line(synced: dict[str, Any], current: CommitmentLinePayload) -> bool:
    return all(synced.get(key) == current.get(key) for key in ("cost_code", "cost_type", "sub_job", "amount"))


def _billed_line_problems(commitment: ps.Commitment) -> list[Problem]:
    """A synced commitment sent again is a change of its purchase order in QuickBooks, which cannot change a
    line that is billed (or received) there, nor remove it, nor give the order another vendor: each such
    change is refused here, naming the line, rather than by QuickBooks after the approver accepted it."""
    item = item_in_quickbooks(commitment)
    if item is None or not item.synced_payload:
        return []
    billed = _billed(commitment)
    if not billed:
        return []
    current = payload(commitment)
    found: list[Problem] = []
    if item.synced_payload.get("vendor") not in (None, current["vendor"]):
        every = ", ".join(sorted({number for _, numbers in billed.values() for number in numbers}))
        found.append(
            Problem(
                "vendor",
                f"The purchase order is billed in QuickBooks (invoice {every}): its vendor cannot change from "
                f"{item.synced_payload['vendor']}.",
            )
        )
    lines = {line["line_number"]: line for line in current["lines"]}
    for synced in item.synced_payload.get("lines") or []:
        number = synced.get("line_number")
        if number not in billed:
            continue
        amount, invoices = billed[number]
        name = (
            f"Line {number} ({synced.get('cost_code')} {synced.get('description') or synced.get('cost_type')})".strip()
        )
        where = f"billed {amount:.2f} in QuickBooks (invoice {', '.join(invoices)})"
        line = lines.get(number)
        if line is None:
            found.append(Problem("lines", f"{name} is {where}: it cannot be removed from the purchase order."))
        elif not _same_line(synced, line):
            found.append(
                Problem(
                    "lines",
                    f"{name} is {where}: QuickBooks cannot change its cost code, cost type, sub job or amount. "
                    "Record the change as a change order instead.",
                )
            )
    return found


def dependencies(commitment: ps.Commitment) -> list[Model]:
    codes = ps.CostCode.objects.filter(pk__in=commitment.lines.values("cost_code_id"))
    sub_jobs = sub_jobs_named(commitment.lines.select_related(*SUB_JOB_PATH))
    return [commitment.project, commitment.vendor, *codes, *sub_jobs]


EXPORTABLE = Exportable[ps.Commitment](
    slug="commitment",
    plural="Commitments",
    order=60,
    payload_type=CommitmentPayload,
    payload=payload,
    problems=problems,
    describe=lambda commitment: f"{commitment.number} {commitment.title}",
    locked_fields=("project", "kind", "number", "title", "vendor", "default_retainage_percent", "contract_date"),
    dependencies=dependencies,
)
