"""A project → a QuickBooks job: a sub-customer of the parent customer the approver chose."""

from __future__ import annotations

from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ExportSettings, ItemView, Mapping
from qbxml.mapping.vendor import address


def _data(payload: dict[str, Any], options: dict[str, Any]) -> qb.CustomerData:
    return qb.CustomerData(
        name=payload["job_name"],
        parent_full_name=options["parent_customer"],
        bill_address=address(payload),
        job_desc=payload.get("name", "")[:99],
    )


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.customer_add(rid, _data(item.payload, item.accept_options))


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.customer_mod(
        rid, qb.CustomerModData(item.qb_ref, item.edit_sequence, _data(item.payload, item.accept_options))
    )


def full_name(item: ItemView, ctx: Context) -> str:
    return f"{item.accept_options['parent_customer']}:{item.payload['job_name']}"


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {f"customer:{options['parent_customer']}": ""}


MAPPING = Mapping(
    kind="job",
    object_type="project",
    sequence=41,
    list_type="customer",
    add=_add,
    modify=_mod,
    lookup=lambda rid, item, ctx: build.list_query(rid, "Customer", full_name=full_name(item, ctx)),
    target=full_name,
    needs=_needs,
    links_same_party=True,
)
