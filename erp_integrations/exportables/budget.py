"""A project's budget, which QuickBooks keeps as an estimate for the job, one line per cost code."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Money, Problem, amount_problems, money
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from procore_sync import models as ps
from procore_sync.money import ZERO


class BudgetLinePayload(TypedDict):
    cost_code: str
    cost_type: str
    sub_job: str  # its path below the job, "" for the job itself
    description: str
    amount: Money


class BudgetPayload(TypedDict):
    job_name: str
    lines: list[BudgetLinePayload]


def payload(budget: ps.Budget) -> BudgetPayload:
    return BudgetPayload(
        job_name=job_name(budget.project),
        lines=[
            BudgetLinePayload(
                cost_code=line.cost_code.code,
                cost_type=line.cost_type.name,
                sub_job=path_of(line.sub_job),
                description=line.description or line.cost_code.description,
                amount=money(line.original_amount),
            )
            for line in budget.lines.select_related("cost_code", "cost_type", *SUB_JOB_PATH)
        ],
    )


def problems(budget: ps.Budget) -> list[Problem]:
    found: list[Problem] = []
    if not budget.is_locked:
        found.append(Problem("is_locked", "Lock the budget before sending it: QuickBooks gets a locked budget."))
    lines = list(budget.lines.all())
    if not lines:
        found.append(Problem("lines", "The budget has no line items."))
    for line in lines:
        if line.original_amount < ZERO:
            found.append(Problem("lines", f"Line {line}: the amount cannot be negative."))
        amount_problems(found, "lines", f"Line {line}: the amount", line.original_amount)
    return found


def dependencies(budget: ps.Budget) -> list[Model]:
    codes = ps.CostCode.objects.filter(pk__in=budget.lines.values("cost_code_id"))
    return [budget.project, *codes, *sub_jobs_named(budget.lines.select_related(*SUB_JOB_PATH))]


EXPORTABLE = Exportable[ps.Budget](
    slug="budget",
    plural="Budgets",
    order=40,
    payload_type=BudgetPayload,
    payload=payload,
    problems=problems,
    describe=lambda budget: f"Budget of {budget.project}",
    locked_fields=("project", "is_locked"),
    dependencies=dependencies,
)
