"""A subcontractor invoice → a QuickBooks bill for the vendor: lines per cost code and job, retainage held
as a negative line on the retainage item and released as a positive one, linked to the purchase order's
lines where it can be; a synced invoice changed and resent → a `BillMod` of that bill."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from erp_integrations.models import ErpItem
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
)
from qbxml.mapping.purchase_order import ids_by_key
from qbxml.mapping.sub_job import sub_job_full_name


def _line_key(line: dict[str, Any]) -> str:
    if line.get("line_number"):
        return f"line:{line['line_number']}"
    return f"change:{line['cost_code']}|{line['cost_type']}|{line.get('sub_job', '')}|{line.get('description', '')}"


def _keys(payload: dict[str, Any]) -> list[str]:
    """The keys of the bill's lines, in the order they are sent and QuickBooks holds them: each work line by
    the schedule-of-values line (or the change order's line) it bills, then retainage released and held by
    sub job. A later Mod finds each line again by its key."""
    keys = []
    seen: Counter[str] = Counter()
    released: dict[str, Decimal] = {}
    held: dict[str, Decimal] = {}
    for line in payload["lines"]:
        sub_job = line.get("sub_job", "")
        released[sub_job] = released.get(sub_job, Decimal("0")) + Decimal(line["retainage_released"])
        held[sub_job] = held.get(sub_job, Decimal("0")) + Decimal(line["retainage_held"])
        if Decimal(line["work_completed"]) + Decimal(line["materials_stored"]) == 0:
            continue
        target = _line_key(line)
        seen[target] += 1
        keys.append(f"{target}#{seen[target]}")
    keys.extend(f"released:{sub_job}" for sub_job, amount in released.items() if amount)
    keys.extend(f"held:{sub_job}" for sub_job, amount in held.items() if amount)
    return keys


def _lines(ctx: Context, item: ItemView) -> tuple[list[qb.BillLine], dict[str, Decimal]]:
    """The bill's work and released retainage lines, and the retainage held by customer:job."""
    payload = item.payload
    commitment = ctx.dependency(item, "commitment")
    job = ctx.job_name(payload["job_name"])
    po_line_ids: dict[str, str] = (commitment.details.get("line_ids") if commitment else None) or {}
    lines = []
    # Retainage is held and released per customer:job, so that each sub job's costs are its own.
    released: dict[str, Decimal] = {}
    held: dict[str, Decimal] = {}
    for line in payload["lines"]:
        customer = sub_job_full_name(job, line.get("sub_job", ""))
        amount = Decimal(line["work_completed"]) + Decimal(line["materials_stored"])
        held[customer] = held.get(customer, Decimal("0")) + Decimal(line["retainage_held"])
        released[customer] = released.get(customer, Decimal("0")) + Decimal(line["retainage_released"])
        if amount == 0:
            continue
        po_line = po_line_ids.get(str(line.get("line_number"))) if line.get("line_number") else None
        lines.append(
            qb.BillLine(
                item_full_name=ctx.item_name(line["cost_code"]),
                amount=amount,
                class_name=line["cost_type"],
                customer_full_name=customer,
                description=line.get("description", ""),
                purchase_order_txn_line_id=po_line,
            )
        )
    lines.extend(
        qb.BillLine(
            item_full_name=ctx.settings.retainage_item,
            amount=amount,
            customer_full_name=customer,
            description="Retainage released",
        )
        for customer, amount in released.items()
        if amount
    )
    return lines, {customer: amount for customer, amount in held.items() if amount}


def _held_lines(ctx: Context, held: dict[str, Decimal]) -> list[qb.BillLine]:
    return [
        qb.BillLine(
            item_full_name=ctx.settings.retainage_item,
            amount=-amount,
            customer_full_name=customer,
            description="Retainage held",
        )
        for customer, amount in held.items()
    ]


def _memo(payload: dict[str, Any]) -> str:
    return f"Pay application {payload['number']} on {payload['commitment']}"


def _data(ctx: Context, item: ItemView) -> qb.BillData:
    payload = item.payload
    commitment = ctx.dependency(item, "commitment")
    lines, held = _lines(ctx, item)
    retainage = None
    if len(held) == 1:
        ((customer, amount),) = held.items()
        retainage = qb.Retainage(amount=amount, item_full_name=ctx.settings.retainage_item, customer_full_name=customer)
    else:
        # Held on several jobs: a negative line on the retainage item for each.
        lines.extend(_held_lines(ctx, held))
    linked = any(line.purchase_order_txn_line_id for line in lines)
    return qb.BillData(
        vendor_name=ctx.vendor_name(payload["vendor"]),
        ref_number=payload["number"],
        lines=tuple(lines),
        txn_date=as_date(payload.get("invoice_date")),
        memo=_memo(payload),
        retainage=retainage,
        purchase_order_txn_id=commitment.qb_ref if (commitment and linked) else None,
    )


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    """The invoice changed after it was synced: the bill's whole line list by the TxnLineIDs kept when it was
    added or last modified. A line it still has goes with its id (a linked one keeps its link), a new one as
    -1, unlinked (a Mod cannot link a line to a purchase order); a line it no longer has is left out, which
    QuickBooks reads as "delete it"."""
    payload = item.payload
    known: dict[str, str] = dict(item.details.get("bill_line_ids") or {})
    if not known:
        # A bill synced before its lines' ids were kept: a Mod cannot name them, and one that names none of
        # them would delete them all.
        raise ExportError(
            "QuickBooks holds the bill, but not which of its lines is which: change it in QuickBooks, or unlink it "
            "after deleting it there and send it again."
        )
    lines, held = _lines(ctx, item)
    changes = []
    for key, line in zip(_keys(payload), [*lines, *_held_lines(ctx, held)], strict=True):
        txn_line_id = known.get(key)
        if txn_line_id is None and line.purchase_order_txn_line_id is not None:
            line = qb.BillLine(
                item_full_name=line.item_full_name,
                amount=line.amount,
                class_name=line.class_name,
                customer_full_name=line.customer_full_name,
                description=line.description,
            )
        changes.append(qb.BillLineChange(txn_line_id, line))
    return build.bill_mod(
        rid,
        qb.BillModData(
            txn_id=item.qb_ref,
            edit_sequence=item.edit_sequence,
            lines=tuple(changes),
            vendor_name=ctx.vendor_name(payload["vendor"]),
            ref_number=payload["number"],
            txn_date=as_date(payload.get("invoice_date")),
            memo=_memo(payload),
        ),
    )


def _lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    if item.qb_ref:
        return build.txn_query(rid, "Bill", txn_id=item.qb_ref, include_line_items=True)
    # With its lines: a bill found after its answer was lost keeps their ids, which a later Mod names.
    return build.txn_query(
        rid,
        "Bill",
        ref_number=item.payload["number"],
        entity_full_name=ctx.vendor_name(item.payload["vendor"]),
        include_line_items=True,
    )


def _line_ids(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    """The bill's line ids by key, which a later Mod names them by."""
    known: dict[str, str] = dict(item.details.get("bill_line_ids") or {}) if item.qb_ref else {}
    previous = {*known.values(), *(item.details.get("all_line_ids") or ())} if item.qb_ref else set()
    keys = _keys(item.payload)
    return {"bill_line_ids": ids_by_key(record, keys, known, previous), "all_line_ids": line_ids(record)}, {}


def _line_ids_unknown(item: ItemView) -> bool:
    return "bill_line_ids" not in item.details


def _line_ids_from_record(item: ItemView, record: dict[str, Any]) -> dict[str, Any]:
    """A bill synced before its lines' ids were kept here: they are read from the bill QuickBooks holds, in
    the order the lines were sent (what QuickBooks received is the item's synced payload). If the bill no
    longer has as many lines as were sent, someone changed it in QuickBooks and no id is taken: the Mod then
    refuses to guess. Ids kept already are never replaced here: a refreshed bill may hold lines sent since."""
    if not _line_ids_unknown(item):
        return {}
    synced = ErpItem.objects.filter(pk=item.id).values_list("synced_payload", flat=True).first()
    ids = line_ids(record)
    keys = _keys(synced) if synced else []
    found = dict(zip(keys, ids, strict=True)) if keys and len(keys) == len(ids) else {}
    return {"bill_line_ids": found, "all_line_ids": ids}


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {**classes_of_lines(payload), f"parent_item:{settings.retainage_item}": "Retainage held"}


MAPPING = Mapping(
    kind="bill",
    object_type="subcontractor_invoice",
    sequence=70,
    add=lambda rid, item, ctx: build.bill_add(rid, _data(ctx, item)),
    modify=_mod,
    lookup=_lookup,
    match=match_ref_number,
    target=lambda item, ctx: f"bill {item.payload['number']} from {item.payload['vendor']}",
    needs=_needs,
    waits_for_answers=True,
    reads=frozenset({"commitment"}),
    reads_item_on_success=True,
    outcome=_line_ids,
    reads_record_first=_line_ids_unknown,
    refresh_details=_line_ids_from_record,
)
