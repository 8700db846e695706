"""A commitment (subcontract or purchase order), which QuickBooks keeps as a purchase order: one line per
line of the schedule of values, each with its item (cost code), class (cost type) and job."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Money, Problem, amount_problems, iso, money, text
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
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
    if lines and sum((line.amount for line in lines), ZERO) <= ZERO:
        found.append(Problem("lines", "The commitment's value must be more than zero."))
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
