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
from qbxml.mapping.sub_job import sub_job_full_name


def _data(ctx: Context, item: ItemView) -> qb.BillData:
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
    held = {customer: amount for customer, amount in held.items() if amount}
    retainage = None
    if len(held) == 1:
        ((customer, amount),) = held.items()
        retainage = qb.Retainage(amount=amount, item_full_name=ctx.settings.retainage_item, customer_full_name=customer)
    else:
        # Held on several jobs: a negative line on the retainage item for each.
        lines.extend(
            qb.BillLine(
                item_full_name=ctx.settings.retainage_item,
                amount=-amount,
                customer_full_name=customer,
                description="Retainage held",
            )
            for customer, amount in held.items()
        )
    linked = any(line.purchase_order_txn_line_id for line in lines)
    return qb.BillData(
        vendor_name=ctx.vendor_name(payload["vendor"]),
        ref_number=payload["number"],
        lines=tuple(lines),
        txn_date=as_date(payload.get("invoice_date")),
        memo=f"Pay application {payload['number']} on {payload['commitment']}",
        retainage=retainage,
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
        rid, "Bill", ref_number=item.payload["number"], entity_full_name=ctx.vendor_name(item.payload["vendor"])
    ),
    match=match_ref_number,
    target=lambda item, ctx: f"bill {item.payload['number']} from {item.payload['vendor']}",
    needs=_needs,
    waits_for_answers=True,
    reads=frozenset({"commitment"}),
)
