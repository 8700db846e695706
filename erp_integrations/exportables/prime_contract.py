"""A prime contract, which QuickBooks keeps as an estimate on the job (the sales side): a line per line of
the schedule of values. A company that bills only (a setting) sends none: its owner invoices go alone."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import (
    Exportable,
    Money,
    Problem,
    amount_problems,
    iso,
    money,
    not_updatable,
    text,
)
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from erp_integrations.models import ErpSettings
from procore_sync import models as ps
from procore_sync.money import ZERO
from qbxml.lib import limits


class PrimeContractLinePayload(TypedDict):
    line_number: int
    cost_code: str
    cost_type: str
    sub_job: str  # its path below the job, "" for the job itself
    description: str
    amount: Money


class PrimeContractPayload(TypedDict):
    job_name: str
    number: str
    title: str
    owner: str
    contract_date: str | None
    lines: list[PrimeContractLinePayload]


def payload(contract: ps.PrimeContract) -> PrimeContractPayload:
    lines = contract.lines.select_related("cost_code", "cost_type", *SUB_JOB_PATH)
    return PrimeContractPayload(
        job_name=job_name(contract.project),
        number=contract.number,
        title=contract.title,
        owner=contract.owner.name,
        contract_date=iso(contract.contract_date),
        lines=[
            PrimeContractLinePayload(
                line_number=line.line_number,
                cost_code=line.cost_code.code,
                cost_type=line.cost_type.name,
                sub_job=path_of(line.sub_job),
                description=line.description or line.cost_code.description,
                amount=money(line.amount),
            )
            for line in lines
        ],
    )


SENDABLE_STATUSES = (ps.PrimeContract.Status.APPROVED, ps.PrimeContract.Status.COMPLETE)


def problems(contract: ps.PrimeContract) -> list[Problem]:
    found: list[Problem] = []
    if not ErpSettings.load().prime_contract_estimates:
        found.append(
            Problem(
                "status",
                "The company bills only: prime contracts do not go to QuickBooks, their owner invoices go alone.",
            )
        )
    text(
        found, "number", "The contract number (the estimate's number in QuickBooks)", contract.number, limits.REF_NUMBER
    )
    text(found, "title", "The title", contract.title, limits.MEMO)
    if contract.status not in SENDABLE_STATUSES:
        found.append(Problem("status", f"A {contract.get_status_display().lower()} prime contract cannot go yet."))
    not_updatable(
        found,
        contract,
        payload(contract),
        f"the estimate of prime contract {contract.number}",
        "Record the change as a prime contract change order, or unlink the contract after deleting its estimate "
        "in QuickBooks.",
    )
    lines = list(contract.lines.all())
    if not lines:
        found.append(Problem("lines", "The schedule of values has no lines."))
    for line in lines:
        text(found, "lines", f"Line {line.line_number}: the description", line.description, limits.ITEM_DESC)
        if line.amount < ZERO:
            found.append(Problem("lines", f"Line {line.line_number}: a scheduled value cannot be negative."))
        amount_problems(found, "lines", f"Line {line.line_number}: the amount", line.amount)
    return found


def dependencies(contract: ps.PrimeContract) -> list[Model]:
    codes = ps.CostCode.objects.filter(pk__in=contract.lines.values("cost_code_id"))
    return [contract.project, *codes, *sub_jobs_named(contract.lines.select_related(*SUB_JOB_PATH))]


EXPORTABLE = Exportable[ps.PrimeContract](
    slug="prime_contract",
    plural="Prime Contracts",
    order=90,
    payload_type=PrimeContractPayload,
    payload=payload,
    problems=problems,
    describe=lambda contract: f"Prime contract {contract.number} on {contract.project}",
    locked_fields=("project", "owner", "number", "title", "status", "contract_date"),
    dependencies=dependencies,
)
