"""A budget modification: a transfer between budget lines, which revises the job's estimate in QuickBooks."""

from __future__ import annotations

from typing import TypedDict

from erp_integrations.exportables.base import Exportable, Money, Problem, invariant_problems, iso, money, text
from erp_integrations.exportables.project import job_name
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of
from procore_sync import models as ps
from qbxml.lib import limits


class BudgetModificationLinePayload(TypedDict):
    cost_code: str
    cost_type: str
    sub_job: str  # the budget line's sub job, "" for the job itself
    amount: Money


class BudgetModificationPayload(TypedDict):
    job_name: str
    number: int
    date: str | None
    reason: str
    lines: list[BudgetModificationLinePayload]


def payload(modification: ps.BudgetModification) -> BudgetModificationPayload:
    return BudgetModificationPayload(
        job_name=job_name(modification.budget.project),
        number=modification.number,
        date=iso(modification.date),
        reason=modification.reason,
        lines=[
            BudgetModificationLinePayload(
                cost_code=line.budget_line.cost_code.code,
                cost_type=line.budget_line.cost_type.name,
                sub_job=path_of(line.budget_line.sub_job),
                amount=money(line.amount),
            )
            for line in modification.lines.select_related(
                "budget_line__cost_code", "budget_line__cost_type", *(f"budget_line__{path}" for path in SUB_JOB_PATH)
            )
        ],
    )


def problems(modification: ps.BudgetModification) -> list[Problem]:
    found: list[Problem] = []
    invariant_problems(found, modification)
    if not modification.budget.is_locked:
        found.append(Problem("budget", "The budget is not locked."))
    text(found, "reason", "The reason", modification.reason, limits.MEMO)
    return found


EXPORTABLE = Exportable[ps.BudgetModification](
    slug="budget_modification",
    plural="Budget Modifications",
    order=50,
    payload_type=BudgetModificationPayload,
    payload=payload,
    problems=problems,
    describe=lambda modification: f"Budget modification #{modification.number} of {modification.budget.project}",
    locked_fields=("budget", "number", "reason", "date"),
    dependencies=lambda modification: [modification.budget],
)
