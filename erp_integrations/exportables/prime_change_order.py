"""A prime contract change order (PCCO), which reaches QuickBooks as new lines on the contract's estimate
(the change of an existing line as a line of its own, as commitment change orders reach their purchase
orders): the estimate then always sums to the revised contract."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Money, Problem, amount_problems, iso, money, text
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from erp_integrations.models import ErpSettings
from procore_sync import models as ps
from qbxml.lib import limits


class PrimeChangeOrderLinePayload(TypedDict):
    changes_line: int | None  # the schedule-of-values line it changes; None for a new line
    cost_code: str
    cost_type: str
    sub_job: str
    description: str
    amount: Money


class PrimeChangeOrderPayload(TypedDict):
    number: str
    title: str
    prime_contract: str
    date: str | None
    lines: list[PrimeChangeOrderLinePayload]


def payload(change_order: ps.PrimeContractChangeOrder) -> PrimeChangeOrderPayload:
    lines = change_order.lines.select_related(
        "contract_line__cost_code",
        "contract_line__cost_type",
        "cost_code",
        "cost_type",
        *SUB_JOB_PATH,
        *(f"contract_line__{path}" for path in SUB_JOB_PATH),
    )
    return PrimeChangeOrderPayload(
        number=change_order.number,
        title=change_order.title,
        prime_contract=change_order.prime_contract.number,
        date=iso(change_order.date),
        lines=[
            PrimeChangeOrderLinePayload(
                changes_line=line.contract_line.line_number if line.contract_line else None,
                cost_code=line.effective_cost_code.code,
                cost_type=line.effective_cost_type.name,
                sub_job=path_of(line.effective_sub_job),
                description=line.description,
                amount=money(line.amount),
            )
            for line in lines
        ],
    )


def problems(change_order: ps.PrimeContractChangeOrder) -> list[Problem]:
    found: list[Problem] = []
    if not ErpSettings.load().prime_contract_estimates:
        found.append(Problem("status", "The company bills only: prime contract change orders do not go to QuickBooks."))
    text(found, "title", "The title", change_order.title, limits.MEMO)
    if change_order.status != ps.PrimeContractChangeOrder.Status.APPROVED:
        found.append(Problem("status", "Only an approved change order can go to QuickBooks."))
    lines = list(change_order.lines.all())
    if not lines:
        found.append(Problem("lines", "The change order has no lines."))
    for index, line in enumerate(lines, start=1):
        text(found, "lines", f"Line {index}: the description", line.description, limits.ITEM_DESC)
        amount_problems(found, "lines", f"Line {index}: the amount", line.amount)
    return found


def dependencies(change_order: ps.PrimeContractChangeOrder) -> list[Model]:
    codes = ps.CostCode.objects.filter(pk__in=change_order.lines.values("cost_code_id"))
    sub_jobs = sub_jobs_named(change_order.lines.filter(contract_line__isnull=True).select_related(*SUB_JOB_PATH))
    return [change_order.prime_contract, *codes, *sub_jobs]


EXPORTABLE = Exportable[ps.PrimeContractChangeOrder](
    slug="prime_change_order",
    plural="Prime Contract Change Orders",
    order=95,
    payload_type=PrimeChangeOrderPayload,
    payload=payload,
    problems=problems,
    describe=lambda change_order: f"PCCO {change_order.number} on {change_order.prime_contract.number}",
    locked_fields=("prime_contract", "number", "title", "date", "status"),
    dependencies=dependencies,
)
