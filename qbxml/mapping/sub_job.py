"""A sub job → a QuickBooks sub-customer of the project's job, or of the sub job it is under: its full name is
the job's ("Customer:Job", as the sub job was accepted under it) and its path
("Customer:Job:Building A:Level 2")."""

from __future__ import annotations

from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ItemView, Mapping
from qbxml.mapping.vendor import address


def sub_job_full_name(job_full_name: str, path: str) -> str:
    """The QuickBooks full name of a sub job of the job `job_full_name`, or the job's own for no sub job."""
    return f"{job_full_name}:{path}" if path else job_full_name


def full_name(item: ItemView, ctx: Context) -> str:
    # The job as the sub job was accepted under it: answers are read without the names a message loads.
    return sub_job_full_name(item.accept_options["job_full_name"], item.payload["path"])


def _parent_full_name(item: ItemView, ctx: Context) -> str:
    """The job's full name, or that of the sub job it is under."""
    return sub_job_full_name(item.accept_options["job_full_name"], item.payload["path"].rpartition(":")[0])


def _data(item: ItemView, ctx: Context) -> qb.CustomerData:
    payload: dict[str, Any] = item.payload
    return qb.CustomerData(
        name=payload["name"],
        parent_full_name=_parent_full_name(item, ctx),
        bill_address=address(payload),
        job_desc=payload.get("description", ""),
        is_active=payload.get("is_active", True),
    )


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.customer_add(rid, _data(item, ctx))


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    # The parent goes with the Mod too: a sub job moved under another one moves in QuickBooks.
    return build.customer_mod(rid, qb.CustomerModData(item.qb_ref, item.edit_sequence, _data(item, ctx)))


MAPPING = Mapping(
    kind="sub_job",
    object_type="sub_job",
    # After the jobs (41) they go under, before the transactions whose lines name them.
    sequence=42,
    list_type="customer",
    add=_add,
    modify=_mod,
    lookup=lambda rid, item, ctx: build.list_query(rid, "Customer", full_name=full_name(item, ctx)),
    target=full_name,
    # A sub-customer of that name under this job is ours when its details agree (someone added it by hand).
    links_same_party=True,
)
