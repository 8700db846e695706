"""A commitment change order, which reaches QuickBooks as new lines on the commitment's purchase order."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Money, Problem, amount_problems, iso, money, text
from erp_integrations.exportables.sub_job import SUB_JOB_PATH, path_of, sub_jobs_named
from procore_sync import models as ps
from qbxml.lib import limits


class ChangeOrderLinePayload(TypedDict):
    changes_line: int | None  # the schedule-of-values line it changes; None for a new line
    cost_code: str
    cost_type: str
    sub_job: str  # its path below the job (a changed line's), "" for the job itself
    description: str
    amount: Money


class ChangeOrderPayload(TypedDict):
    number: str
    title: str
    commitment: str
    date: str | None
    lines: list[ChangeOrderLinePayload]


def payload(change_order: ps.CommitmentChangeOrder) -> ChangeOrderPayload:
    lines = change_order.lines.select_related(
        "commitment_line__cost_code",
        "commitment_line__cost_type",
        "cost_code",
        "cost_type",
        *SUB_JOB_PATH,
        *(f"commitment_line__{path}" for path in SUB_JOB_PATH),
    )
    return ChangeOrderPayload(
        number=change_order.number,
        title=change_order.title,
        commitment=change_order.commitment.number,
        date=iso(change_order.date),
        lines=[
            ChangeOrderLinePayload(
                changes_line=line.commitment_line.line_number if line.commitment_line else None,
                cost_code=line.effective_cost_code.code,
                cost_type=line.effective_cost_type.name,
                sub_job=path_of(line.effective_sub_job),
                description=line.description,
                amount=money(line.amount),
            )
            for line in lines
        ],
    )


def problems(change_order: ps.CommitmentChangeOrder) -> list[Problem]:
    found: list[Problem] = []
    text(found, "title", "The title", change_order.title, limits.MEMO)
    if change_order.status != ps.CommitmentChangeOrder.Status.APPROVED:
        found.append(Problem("status", "Only an approved change order can go to QuickBooks."))
    lines = list(change_order.lines.all())
    if not lines:
        found.append(Problem("lines", "The change order has no lines."))
    for index, line in enumerate(lines, start=1):
        text(found, "lines", f"Line {index}: the description", line.description, limits.ITEM_DESC)
        amount_problems(found, "lines", f"Line {index}: the amount", line.amount)
    return found


def dependencies(change_order: ps.CommitmentChangeOrder) -> list[Model]:
    codes = ps.CostCode.objects.filter(pk__in=change_order.lines.values("cost_code_id"))
    # A changed line's sub job is its commitment's dependency already; a new line's is the change order's.
    sub_jobs = sub_jobs_named(change_order.lines.filter(commitment_line__isnull=True).select_related(*SUB_JOB_PATH))
    return [change_order.commitment, *codes, *sub_jobs]


EXPORTABLE = Exportable[ps.CommitmentChangeOrder](
    slug="change_order",
    plural="Change Orders",
    order=70,
    payload_type=ChangeOrderPayload,
    payload=payload,
    problems=problems,
    describe=lambda change_order: f"CCO {change_order.number} on {change_order.commitment.number}",
    locked_fields=("commitment", "number", "title", "date", "status"),
    dependencies=dependencies,
)
