"""An owner invoice → a QuickBooks invoice to the customer:job: a line per billed line of the schedule of
values (work this period and materials stored) with its item and class, retention held as one negative
line on the retention item and retention released as one positive line on it.

Its lines are not linked to the estimate's (LinkToTxn): QuickBooks links invoice lines to an estimate only
through progress invoicing by quantity, which a billing by amounts per period does not use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.lib.parse import records_with_ref_number
from qbxml.mapping.base import Context, ExportSettings, ItemView, Mapping, as_date, classes_of_lines
from qbxml.mapping.prime_contract import described


def _data(ctx: Context, item: ItemView) -> qb.InvoiceData:
    payload = item.payload
    lines = []
    for line in payload["lines"]:
        amount = Decimal(line["work_completed"]) + Decimal(line["materials_stored"])
        if amount == 0:
            continue
        lines.append(
            qb.InvoiceLine(
                item_full_name=ctx.item_name(line["cost_code"]),
                amount=amount,
                class_name=line["cost_type"],
                description=described(line.get("sub_job", ""), line.get("description", "")),
            )
        )
    held, released = Decimal(payload["retention_held"]), Decimal(payload["retention_released"])
    if held:
        lines.append(qb.InvoiceLine(ctx.settings.retention_item, -held, description="Retention held"))
    if released:
        lines.append(qb.InvoiceLine(ctx.settings.retention_item, released, description="Retention released"))
    start, end = (payload.get("billing_period") or [None, None])[:2]
    period = f", {start} to {end}" if start and end else ""
    return qb.InvoiceData(
        customer_full_name=ctx.job_name(payload["job_name"]),
        ref_number=payload["number"],
        lines=tuple(lines),
        txn_date=as_date(payload.get("invoice_date")),
        po_number=payload.get("prime_contract", "")[:25],
        memo=f"Pay application {payload['number']} on prime contract {payload.get('prime_contract', '')}{period}",
    )


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {**classes_of_lines(payload), f"parent_item:{settings.retention_item}": "Retention receivable"}


def _match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    found = records_with_ref_number(
        records, item.payload["number"], entity_full_name=ctx.job_name(item.payload["job_name"])
    )
    return found[0] if found else None


MAPPING = Mapping(
    kind="invoice",
    object_type="owner_invoice",
    sequence=80,
    add=lambda rid, item, ctx: build.invoice_add(rid, _data(ctx, item)),
    lookup=lambda rid, item, ctx: build.txn_query(
        rid, "Invoice", ref_number=item.payload["number"], entity_full_name=ctx.job_name(item.payload["job_name"])
    ),
    match=_match,
    target=lambda item, ctx: f"invoice {item.payload['number']} to {item.payload['job_name']}",
    needs=_needs,
)
