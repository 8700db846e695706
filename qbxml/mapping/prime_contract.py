"""A prime contract → a QuickBooks estimate on the job (the sales side), a line per line of the schedule of
values, each with its item (cost code) and class (cost type); a prime contract change order → new lines on
that estimate (`EstimateMod`, every existing line kept), so the estimate always sums to the revised contract.

The budget is an estimate on the job too: the contract's is told apart by its number (RefNumber)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.lib.parse import records_with_ref_number
from qbxml.mapping.base import (
    Context,
    Element,
    ExportError,
    ExportSettings,
    ItemView,
    Mapping,
    as_date,
    classes_of_lines,
    line_ids,
    record_changed,
    record_with_marked_line,
    summed_change_lines,
)


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return classes_of_lines(payload)


def described(sub_job: str, description: str) -> str:
    # An estimate line has no CustomerRef in the qbXML schema (the estimate is the job's): a sub job's line
    # says its sub job first.
    return f"{sub_job} - {description}".strip(" -") if sub_job else description


# --- the contract's estimate -----------------------------------------------------------------------------------


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    payload = item.payload
    lines = tuple(
        qb.EstimateLine(
            item_full_name=ctx.item_name(line["cost_code"]),
            amount=Decimal(line["amount"]),
            class_name=line["cost_type"],
            description=described(line.get("sub_job", ""), line.get("description", "")),
        )
        for line in payload["lines"]
    )
    return build.estimate_add(
        rid,
        qb.EstimateData(
            customer_full_name=ctx.job_name(payload["job_name"]),
            lines=lines,
            txn_date=as_date(payload.get("contract_date")),
            ref_number=payload["number"],
            memo=f"Prime contract {payload['number']} {payload.get('title', '')}".strip()[:4095],
        ),
    )


def _lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    contract = _contract_of(item, ctx)
    if contract.qb_ref:
        return build.txn_query(rid, "Estimate", txn_id=contract.qb_ref, include_line_items=True)
    return build.txn_query(
        rid,
        "Estimate",
        ref_number=contract.payload["number"],
        entity_full_name=ctx.job_name(contract.payload["job_name"]),
        include_line_items=True,
    )


def _match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    contract = _contract_of(item, ctx)
    found = records_with_ref_number(
        records, contract.payload["number"], entity_full_name=ctx.job_name(contract.payload["job_name"])
    )
    return found[0] if found else None


def _line_ids(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    """The estimate's line ids: a change order names each of them to keep it."""
    return {"all_line_ids": line_ids(record)}, {}


CONTRACT_ESTIMATE = Mapping(
    kind="contract_estimate",
    object_type="prime_contract",
    sequence=52,
    add=_add,
    lookup=_lookup,
    match=_match,
    target=lambda item, ctx: f"estimate {item.payload['number']} for {item.payload['job_name']}",
    needs=_needs,
    reads_item_on_success=True,
    outcome=_line_ids,
)


# --- a change order's lines on it ------------------------------------------------------------------------------


def change_order_marker(number: str) -> str:
    """How a change order's lines are recognised on the estimate (descriptions start with it)."""
    return f"PCCO {number}:"


def _contract_of(item: ItemView, ctx: Context) -> ItemView:
    if item.object_type == "prime_contract":
        return item
    contract = ctx.dependency(item, "prime_contract")
    if contract is None:
        raise ExportError("The prime contract is not known.")
    return contract


def _contract_in_quickbooks(item: ItemView, ctx: Context) -> ItemView:
    contract = _contract_of(item, ctx)
    if not contract.qb_ref:
        raise ExportError("The prime contract is not in QuickBooks yet.")
    return contract


def _change_lines(ctx: Context, payload: dict[str, Any]) -> tuple[qb.EstimateLine, ...]:
    marker = change_order_marker(payload["number"])
    return tuple(
        qb.EstimateLine(
            item_full_name=ctx.item_name(line.cost_code),
            amount=line.amount,
            class_name=line.cost_type,
            description=f"{marker} {described(line.sub_job, line.description)}".strip(),
        )
        for line in summed_change_lines(payload)
    )


def _add_lines(rid: str, item: ItemView, ctx: Context) -> Element:
    contract = _contract_in_quickbooks(item, ctx)
    existing = tuple(contract.details.get("all_line_ids") or ())
    if not existing:
        raise ExportError("The estimate's lines are not known: refresh it from QuickBooks.")
    return build.estimate_add_lines(
        rid,
        qb.EstimateLinesAddData(
            txn_id=contract.qb_ref,
            edit_sequence=contract.edit_sequence,
            existing_line_ids=existing,
            new_lines=_change_lines(ctx, item.payload),
        ),
    )


def _change_lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.txn_query(rid, "Estimate", txn_id=_contract_in_quickbooks(item, ctx).qb_ref, include_line_items=True)


def _change_match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    return record_with_marked_line(records, change_order_marker(item.payload["number"]))


def _changed_estimate(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    # The estimate now has more lines and a new EditSequence: the next change order needs both.
    touched = record_changed(ctx.dependency(item, "prime_contract"), record, {"all_line_ids": line_ids(record)})
    return {"estimate_txn_id": record.get("txn_id")}, touched


CONTRACT_CHANGE = Mapping(
    kind="contract_estimate_change",
    object_type="prime_change_order",
    sequence=53,
    add=_add_lines,
    modify=_add_lines,
    lookup=_change_lookup,
    match=_change_match,
    target=lambda item, ctx: f"estimate lines of PCCO {item.payload['number']}",
    needs=_needs,
    changes_record_of="prime_contract",
    adds_to_record=True,
    waits_for_answers=True,
    reads=frozenset({"prime_contract"}),
    reads_item_on_success=True,
    outcome=_changed_estimate,
)

MAPPINGS = (CONTRACT_ESTIMATE, CONTRACT_CHANGE)
