"""The QuickBooks full names that payloads refer to, read from what was accepted (the items' snapshots),
never from the project side's tables: a bill names its cost codes by code, QuickBooks by "division:code",
and its job as "Customer:Job".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from erp_integrations.models import ErpItem, ErpState
from qbxml.mapping.base import Context
from qbxml.mapping.item import full_name as item_full_name


def names_used(payloads: Iterable[dict[str, Any]]) -> tuple[set[str], set[str], set[str]]:
    """The cost codes, job names and vendors these payloads refer to."""
    codes: set[str] = set()
    jobs: set[str] = set()
    vendors: set[str] = set()
    for payload in payloads:
        if payload.get("job_name"):
            jobs.add(payload["job_name"])
        if isinstance(payload.get("vendor"), str) and payload["vendor"]:
            vendors.add(payload["vendor"])
        # A record of one line (a time entry) names its cost code itself.
        if isinstance(payload.get("cost_code"), str) and payload["cost_code"]:
            codes.add(payload["cost_code"])
        codes.update(line["cost_code"] for line in payload.get("lines") or () if line.get("cost_code"))
    return codes, jobs, vendors


def load_employee_names(ctx: Context, payloads: Iterable[dict[str, Any]]) -> None:
    """Add to `ctx` the QuickBooks names of the employees these payloads name, where linked under another."""
    names = {payload["employee"] for payload in payloads if payload.get("employee")} - ctx.employee_names.keys()
    if not names:
        return
    for name, linked in (
        ErpItem.objects.exclude(state=ErpState.DRAFT)
        .filter(object_type="employee", sent_payload__name__in=names, synced_payload__isnull=True)
        .values_list("sent_payload__name", "qb_details__full_name")
    ):
        if linked:
            ctx.employee_names[name] = linked


def load_names(ctx: Context, payloads: Iterable[dict[str, Any]]) -> None:
    """Add to `ctx` the QuickBooks names of the cost codes, jobs, vendors and employees these payloads name,
    not known yet."""
    payloads = list(payloads)
    load_employee_names(ctx, payloads)
    codes, jobs, vendors = names_used(payloads)
    codes -= ctx.item_names.keys()
    jobs -= ctx.job_names.keys()
    vendors -= ctx.vendor_names.keys()
    accepted = ErpItem.objects.exclude(state=ErpState.DRAFT)
    # A record linked to QuickBooks' own and not exported since (nothing received: no synced payload) is
    # known there by the full name it was linked to.
    if codes:
        # The name QuickBooks holds is the one it last received; an item not synced yet goes as sent.
        for code, division, synced_division, linked, synced in accepted.filter(
            object_type="cost_code", sent_payload__code__in=codes
        ).values_list(
            "sent_payload__code",
            "sent_payload__division",
            "synced_payload__division",
            "qb_details__full_name",
            "synced_payload",
        ):
            ctx.item_names[code] = (
                linked if linked and synced is None else item_full_name(synced_division or division, code)
            )
    if jobs:
        # The job's full name is its project's parent customer and its name, as the project was accepted.
        for job, parent, linked, synced in accepted.filter(
            object_type="project", sent_payload__job_name__in=jobs
        ).values_list(
            "sent_payload__job_name", "accept_options__parent_customer", "qb_details__full_name", "synced_payload"
        ):
            if linked and synced is None:
                ctx.job_names[job] = linked
            elif job and parent:
                ctx.job_names[job] = f"{parent}:{job}"
    if vendors:
        for name, linked in accepted.filter(
            object_type="company", sent_payload__name__in=vendors, synced_payload__isnull=True
        ).values_list("sent_payload__name", "qb_details__full_name"):
            if linked:
                ctx.vendor_names[name] = linked
