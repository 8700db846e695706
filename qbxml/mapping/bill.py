"""A subcontractor invoice → a QuickBooks bill for the vendor: lines per cost code and job, retainage held
as a negative line on the retainage item and released as a positive one, linked to the purchase order's
lines where it can be."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import (
    Context,
    ExportSettings,
    ItemView,
    Mapping,
    as_date,
    classes_of_lines,
    match_ref_number,
)


def _data(ctx: Context, item: ItemView) -> qb.BillData:
    payload = item.payload
    commitment = ctx.dependency(item, "commitment")
    job = ctx.job_name(payload["job_name"])
    po_line_ids: dict[str, str] = (commitment.details.get("line_ids") if commitment else None) or {}
    lines = []
    released = Decimal("0")
    held = Decimal("0")
    for line in payload["lines"]:
        amount = Decimal(line["work_completed"]) + Decimal(line["materials_stored"])
        held += Decimal(line["retainage_held"])
        released += Decimal(line["retainage_released"])
        if amount == 0:
            continue
        po_line = po_line_ids.get(str(line.get("line_number"))) if line.get("line_number") else None
        lines.append(
            qb.BillLine(
                item_full_name=ctx.item_name(line["cost_code"]),
                amount=amount,
                class_name=line["cost_type"],
                customer_full_name=job,
                description=line.get("description", ""),
                purchase_order_txn_line_id=po_line,
            )
        )
    if released:
        lines.append(
            qb.BillLine(
                item_full_name=ctx.settings.retainage_item,
                amount=released,
                customer_full_name=job,
                description="Retainage released",
            )
        )
    linked = any(line.purchase_order_txn_line_id for line in lines)
    return qb.BillData(
        vendor_name=payload["vendor"],
        ref_number=payload["number"],
        lines=tuple(lines),
        txn_date=as_date(payload.get("invoice_date")),
        memo=f"Pay application {payload['number']} on {payload['commitment']}",
        retainage=qb.Retainage(amount=held, item_full_name=ctx.settings.retainage_item, customer_full_name=job)
        if held
        else None,
        purchase_order_txn_id=commitment.qb_ref if (commitment and linked) else None,
    )


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {**classes_of_lines(payload), f"parent_item:{settings.retainage_item}": "Retainage held"}


MAPPING = Mapping(
    kind="bill",
    object_type="subcontractor_invoice",
    sequence=70,
    add=lambda rid, item, ctx: build.bill_add(rid, _data(ctx, item)),
    lookup=lambda rid, item, ctx: build.txn_query(
        rid, "Bill", ref_number=item.payload["number"], entity_full_name=item.payload["vendor"]
    ),
    match=match_ref_number,
    target=lambda item, ctx: f"bill {item.payload['number']} from {item.payload['vendor']}",
    needs=_needs,
    waits_for_answers=True,
    reads=frozenset({"commitment"}),
)
