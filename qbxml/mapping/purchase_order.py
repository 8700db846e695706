"""A commitment → a QuickBooks purchase order, one line per schedule-of-values line, each with its item
(cost code), class (cost type) and customer:job; a change order → new lines on that purchase order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
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
    match_ref_number,
    record_changed,
    record_with_marked_line,
    summed_change_lines,
)
from qbxml.mapping.sub_job import sub_job_full_name


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return classes_of_lines(payload)


# --- the commitment's purchase order -------------------------------------------------------------------------


def _line(ctx: Context, line: dict[str, Any], job: str) -> qb.PurchaseOrderLine:
    return qb.PurchaseOrderLine(
        item_full_name=ctx.item_name(line["cost_code"]),
        amount=Decimal(line["amount"]),
        class_name=line["cost_type"],
        customer_full_name=sub_job_full_name(job, line.get("sub_job", "")),
        description=line.get("description", ""),
    )


def _lines(ctx: Context, payload: dict[str, Any], job: str) -> tuple[qb.PurchaseOrderLine, ...]:
    return tuple(_line(ctx, line, job) for line in payload["lines"])


def line_values(line: dict[str, Any]) -> list[str]:
    """What QuickBooks holds of a schedule-of-values line: a Mod sends a line again only when this changed."""
    return [
        line["cost_code"],
        line["cost_type"],
        line.get("sub_job", ""),
        line.get("description", ""),
        str(Decimal(line["amount"]).quantize(Decimal("0.01"))),
    ]


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    payload = item.payload
    job = ctx.job_name(payload["job_name"])
    return build.purchase_order_add(
        rid,
        qb.PurchaseOrderData(
            vendor_name=ctx.vendor_name(payload["vendor"]),
            ref_number=payload["number"],
            lines=_lines(ctx, payload, job),
            txn_date=as_date(payload.get("date")),
            memo=payload.get("title", "")[:4095],
        ),
    )


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    """The commitment changed after it was synced: its purchase order's lines by the TxnLineIDs kept when it
    was added or last modified. A line that did not change goes by its id alone, a changed one with its
    values, a new one as -1; a line taken off the schedule of values is left out, which QuickBooks reads as
    "delete it" (lines that are billed or received are refused at send, before this). The lines QuickBooks
    holds that are not the schedule of values' own (a change order's) are kept as they are. When no line
    changed, no line is named and only the header changes."""
    payload = item.payload
    job = ctx.job_name(payload["job_name"])
    known: dict[str, str] = dict(item.details.get("line_ids") or {})
    if not known:
        raise ExportError(
            "QuickBooks holds the purchase order, but not which of its lines is which: change it in QuickBooks, "
            "or unlink it after deleting it there and send it again."
        )
    synced_values: dict[str, list[str]] = item.details.get("line_values") or {}
    own = set(known.values())
    numbers = {str(line["line_number"]) for line in payload["lines"]}
    changes: list[qb.PurchaseOrderLineChange] = []
    changed = any(number not in numbers for number in known)  # a line was removed
    for line in payload["lines"]:
        number = str(line["line_number"])
        txn_line_id = known.get(number)
        if txn_line_id is not None and synced_values.get(number) == line_values(line):
            changes.append(qb.PurchaseOrderLineChange(txn_line_id))
            continue
        changed = True
        changes.append(qb.PurchaseOrderLineChange(txn_line_id, _line(ctx, line, job)))
    others = [line_id for line_id in item.details.get("all_line_ids") or () if line_id not in own]
    changes.extend(qb.PurchaseOrderLineChange(line_id) for line_id in others)
    return build.purchase_order_mod(
        rid,
        qb.PurchaseOrderModData(
            txn_id=item.qb_ref,
            edit_sequence=item.edit_sequence,
            lines=tuple(changes) if changed else (),
            vendor_name=ctx.vendor_name(payload["vendor"]),
            ref_number=payload["number"],
            txn_date=as_date(payload.get("date")),
            memo=payload.get("title", "")[:4095],
        ),
    )


def _lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    if item.qb_ref:
        return build.txn_query(rid, "PurchaseOrder", txn_id=item.qb_ref, include_line_items=True)
    return build.txn_query(
        rid,
        "PurchaseOrder",
        ref_number=item.payload["number"],
        entity_full_name=ctx.vendor_name(item.payload["vendor"]),
        include_line_items=True,
    )


def ids_by_key(record: dict[str, Any], keys: list[str], known: dict[str, str], previous: set[str]) -> dict[str, str]:
    """The TxnLineID of each of an item's lines (`keys`, in the order they were sent), from the record
    QuickBooks made or changed: a line it had (`known`) keeps its id while QuickBooks still holds it; the
    others, sent as new, take in order the ids QuickBooks gave that were not there before (`previous`)."""
    ids = line_ids(record)
    present = set(ids)
    fresh = iter([line_id for line_id in ids if line_id not in previous])
    found: dict[str, str] = {}
    for key in keys:
        line_id = known.get(key)
        if line_id is None or line_id not in present:
            line_id = next(fresh, None)
        if line_id is not None:
            found[key] = line_id
    return found


def _line_ids_by_number(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    """The purchase order's line ids by schedule-of-values line number (bills link their lines to them, a Mod
    names them), with what each line was sent as, and every line id it has (a change order's too)."""
    lines = item.payload["lines"]
    known: dict[str, str] = dict(item.details.get("line_ids") or {}) if item.qb_ref else {}
    previous = {*known.values(), *(item.details.get("all_line_ids") or ())} if item.qb_ref else set()
    numbers = [str(line["line_number"]) for line in lines]
    return {
        "line_ids": ids_by_key(record, numbers, known, previous),
        "line_values": {str(line["line_number"]): line_values(line) for line in lines},
        "all_line_ids": line_ids(record),
    }, {}


PURCHASE_ORDER = Mapping(
    kind="purchase_order",
    object_type="commitment",
    sequence=60,
    add=_add,
    modify=_mod,
    lookup=_lookup,
    match=match_ref_number,
    target=lambda item, ctx: f"purchase order {item.payload['number']}",
    needs=_needs,
    reads_item_on_success=True,
    outcome=_line_ids_by_number,
)


# --- a change order's lines on it --------------------------------------------------------------------------


def change_order_marker(number: str) -> str:
    """How a change order's lines are recognised on the purchase order (descriptions start with it)."""
    return f"CCO {number}:"


def _change_lines(ctx: Context, payload: dict[str, Any], job: str) -> tuple[qb.PurchaseOrderLine, ...]:
    marker = change_order_marker(payload["number"])
    return tuple(
        qb.PurchaseOrderLine(
            item_full_name=ctx.item_name(line.cost_code),
            amount=line.amount,
            class_name=line.cost_type,
            customer_full_name=sub_job_full_name(job, line.sub_job),
            description=f"{marker} {line.description}".strip(),
        )
        for line in summed_change_lines(payload)
    )


def _commitment(item: ItemView, ctx: Context) -> ItemView:
    commitment = ctx.dependency(item, "commitment")
    if commitment is None or not commitment.qb_ref:
        raise ExportError("The commitment is not in QuickBooks yet.")
    return commitment


def _add_lines(rid: str, item: ItemView, ctx: Context) -> Element:
    commitment = _commitment(item, ctx)
    existing = tuple(
        commitment.details.get("all_line_ids") or list((commitment.details.get("line_ids") or {}).values())
    )
    if not existing:
        raise ExportError("The purchase order's lines are not known: refresh it from QuickBooks.")
    job = ctx.job_name(commitment.payload["job_name"])
    return build.purchase_order_add_lines(
        rid,
        qb.PurchaseOrderLinesAddData(
            txn_id=commitment.qb_ref,
            edit_sequence=commitment.edit_sequence,
            existing_line_ids=existing,
            new_lines=_change_lines(ctx, item.payload, job),
        ),
    )


def _change_lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.txn_query(rid, "PurchaseOrder", txn_id=_commitment(item, ctx).qb_ref, include_line_items=True)


def _change_match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    return record_with_marked_line(records, change_order_marker(item.payload["number"]))


def _changed_purchase_order(
    record: dict[str, Any], item: ItemView, ctx: Context
) -> tuple[dict[str, Any], dict[int, Any]]:
    # The purchase order now has more lines and a new EditSequence: the next change order needs both.
    touched = record_changed(ctx.dependency(item, "commitment"), record, {"all_line_ids": line_ids(record)})
    return {"purchase_order_txn_id": record.get("txn_id")}, touched


CHANGE_ORDER = Mapping(
    kind="purchase_order_change",
    object_type="change_order",
    sequence=61,
    add=_add_lines,
    modify=_add_lines,
    lookup=_change_lookup,
    match=_change_match,
    target=lambda item, ctx: f"purchase order lines of CCO {item.payload['number']}",
    needs=_needs,
    changes_record_of="commitment",
    adds_to_record=True,
    waits_for_answers=True,
    reads=frozenset({"commitment"}),
    reads_item_on_success=True,
    outcome=_changed_purchase_order,
)

MAPPINGS = (PURCHASE_ORDER, CHANGE_ORDER)
