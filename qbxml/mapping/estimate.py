"""A budget → a QuickBooks estimate for the job, one line per cost code and cost type; a budget
modification → that estimate revised (an `EstimateMod` with the whole revised budget)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erp_integrations.models import ErpItem, ErpState
from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import (
    Context,
    Element,
    ExportError,
    ExportSettings,
    ItemView,
    Mapping,
    classes_of_lines,
    record_changed,
)

SYNCED_MODIFICATIONS = "synced_budget_modifications"


def _estimate_lines(ctx: Context, lines: list[dict[str, Any]]) -> tuple[qb.EstimateLine, ...]:
    # One estimate line per cost code, cost type and sub job: QuickBooks shows the budget the way the project
    # does. An estimate line has no CustomerRef in the qbXML schema (the estimate is the job's), so a sub job's
    # lines stay apart and say their sub job first in their description.
    totals: dict[tuple[str, str, str], Decimal] = {}
    descriptions: dict[tuple[str, str, str], str] = {}
    for line in lines:
        key = (line["cost_code"], line["cost_type"], line.get("sub_job", ""))
        totals[key] = totals.get(key, Decimal("0")) + Decimal(line["amount"])
        descriptions.setdefault(key, line.get("description", ""))
    return tuple(
        qb.EstimateLine(
            item_full_name=ctx.item_name(code),
            amount=amount,
            class_name=cost_type,
            description=_described(sub_job, descriptions[(code, cost_type, sub_job)]),
        )
        for (code, cost_type, sub_job), amount in totals.items()
    )


def _described(sub_job: str, description: str) -> str:
    return f"{sub_job} - {description}".strip(" -") if sub_job else description


def _estimate_data(ctx: Context, job_name: str, lines: list[dict[str, Any]]) -> qb.EstimateData:
    return qb.EstimateData(customer_full_name=ctx.job_name(job_name), lines=_estimate_lines(ctx, lines), memo="Budget")


def _revised_lines(ctx: Context, budget: ItemView, modification: ItemView | None) -> list[dict[str, Any]]:
    """The budget's lines and, as more lines, every synced modification's and this one's."""
    lines = [dict(line) for line in budget.payload["lines"]]
    changes = list(ctx.extras.get(SYNCED_MODIFICATIONS, {}).get(budget.id, []))
    if modification is not None:
        changes.append(modification.payload)
    for change in changes:
        lines.extend(
            {
                "cost_code": line["cost_code"],
                "cost_type": line["cost_type"],
                "sub_job": line.get("sub_job", ""),
                "description": "",
                "amount": line["amount"],
            }
            for line in change["lines"]
        )
    return lines


def _budget_of(item: ItemView, ctx: Context) -> ItemView | None:
    return item if item.object_type == "budget" else ctx.dependency(item, "budget")


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.estimate_add(rid, _estimate_data(ctx, item.payload["job_name"], _revised_lines(ctx, item, None)))


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    # The whole revised budget as new lines: a Mod deletes the lines it does not name, so this replaces
    # the estimate's lines with the budget as it now stands, however many changes came before.
    budget = _budget_of(item, ctx)
    modification = None if item is budget else item
    if budget is None or not budget.qb_ref:
        raise ExportError("The budget is not in QuickBooks yet.")
    edit_sequence = item.edit_sequence if modification is not None and item.edit_sequence else budget.edit_sequence
    data = _estimate_data(ctx, budget.payload["job_name"], _revised_lines(ctx, budget, modification))
    return build.estimate_mod(rid, qb.EstimateModData(budget.qb_ref, edit_sequence, data))


def _lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    budget = _budget_of(item, ctx)
    if budget is None:
        raise ExportError("The budget is not known.")
    if budget.qb_ref:
        return build.txn_query(rid, "Estimate", txn_id=budget.qb_ref)
    return build.txn_query(rid, "Estimate", entity_full_name=ctx.job_name(budget.payload["job_name"]))


def _target(item: ItemView, ctx: Context) -> str:
    return f"estimate for {item.payload['job_name']}"


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return classes_of_lines(payload)


def _synced_modifications(ctx: Context) -> list[dict[str, Any]]:
    """The payloads of the synced budget modifications, by budget: a revised estimate includes them all."""
    by_budget: dict[int, list[dict[str, Any]]] = {}
    for payload, depends_on in ErpItem.objects.filter(
        object_type="budget_modification", state=ErpState.SYNCED
    ).values_list("sent_payload", "depends_on"):
        for budget_id in depends_on or []:
            by_budget.setdefault(budget_id, []).append(payload or {})
    ctx.extras[SYNCED_MODIFICATIONS] = by_budget
    return [payload for payloads in by_budget.values() for payload in payloads]


def _changed_budget(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    return {"estimate_txn_id": record.get("txn_id")}, record_changed(ctx.dependency(item, "budget"), record)


BUDGET = Mapping(
    kind="estimate",
    object_type="budget",
    sequence=50,
    add=_add,
    modify=_mod,
    lookup=_lookup,
    target=_target,
    needs=_needs,
    prepare=_synced_modifications,
)

MODIFICATION = Mapping(
    kind="estimate_change",
    object_type="budget_modification",
    sequence=51,
    add=_mod,
    modify=_mod,
    lookup=_lookup,
    target=_target,
    needs=_needs,
    changes_record_of="budget",
    waits_for_answers=True,
    reads=frozenset({"budget"}),
    reads_item_on_success=True,
    outcome=_changed_budget,
    prepare=_synced_modifications,
)

MAPPINGS = (BUDGET, MODIFICATION)
