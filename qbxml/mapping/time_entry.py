"""A time entry → QuickBooks time tracking (`TimeTrackingAdd`) for the employee, on the job or sub job, the
cost code's service item, the cost type's class and the wage payroll item; or a row of the payroll IIF file
(`qbxml.payroll`), built from the same data, when the company exports time that way."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ExportSettings, ItemView, Mapping, as_date
from qbxml.mapping.sub_job import sub_job_full_name

# Whose time tracking record it is: a GUID per item, the same however often it is sent.
_GUIDS = uuid.UUID("6f7c1d2e-2b1a-4f0e-9a57-0c3e5d9b8a41")


def external_guid(item: ItemView) -> str:
    return "{" + str(uuid.uuid5(_GUIDS, f"time_entry:{item.id}")).upper() + "}"


def time_data(item: ItemView, ctx: Context) -> qb.TimeTrackingData:
    """The entry as QuickBooks will hold it, every name its QuickBooks full name."""
    payload = item.payload
    txn_date = as_date(payload["date"])
    assert txn_date is not None, "a time entry has its date"
    return qb.TimeTrackingData(
        txn_date=txn_date,
        employee_full_name=ctx.employee_name(payload["employee"]),
        hours=Decimal(payload["hours"]),
        customer_full_name=sub_job_full_name(ctx.job_name(payload["job_name"]), payload.get("sub_job", "")),
        item_service_full_name=ctx.item_name(payload["cost_code"]),
        class_full_name=payload.get("cost_type") or None,
        payroll_item_wage=payload.get("payroll_item") or None,
        notes=payload.get("notes", ""),
        billable_status="Billable" if payload.get("billable") else "NotBillable",
        external_guid=external_guid(item),
    )


def _lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    if item.qb_ref:
        return build.time_tracking_query(rid, txn_id=item.qb_ref)
    return build.time_tracking_query(
        rid, txn_date=as_date(item.payload["date"]), employee_full_name=ctx.employee_name(item.payload["employee"])
    )


def _match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    """Ours is the employee's entry of that day that carries the item's GUID: two entries of one day on one job
    and cost code are two entries, never one found twice."""
    guid = external_guid(item).casefold()
    return next((record for record in records if str(record.get("external_guid", "")).casefold() == guid), None)


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {f"class:{payload['cost_type']}": ""} if payload.get("cost_type") else {}


def _target(item: ItemView, ctx: Context) -> str:
    payload = item.payload
    return f"{payload['hours']} hours of {payload['employee']} on {payload['date']}"


MAPPING = Mapping(
    kind="time_tracking",
    object_type="time_entry",
    sequence=110,
    add=lambda rid, item, ctx: build.time_tracking_add(rid, time_data(item, ctx)),
    lookup=_lookup,
    match=_match,
    target=_target,
    needs=_needs,
    # The company that imports time from an IIF file sends none through the Web Connector.
    held_back=lambda settings: settings.time_by_iif,
)
