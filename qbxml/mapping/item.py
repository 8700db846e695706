"""A standard cost code → a QuickBooks service item, under its division's parent item."""

from __future__ import annotations

from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ExportSettings, ItemView, Mapping


def full_name(division: str, code: str) -> str:
    return f"{division}:{code}"


def _data(payload: dict[str, Any], settings: ExportSettings) -> qb.ServiceItemData:
    return qb.ServiceItemData(
        name=payload["code"],
        parent_full_name=payload["division"],
        description=payload.get("description", ""),
        expense_account=settings.expense_account,
        income_account=settings.income_account,
    )


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.item_service_add(rid, _data(item.payload, ctx.settings))


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.item_service_mod(
        rid, qb.ServiceItemModData(item.qb_ref, item.edit_sequence, _data(item.payload, ctx.settings))
    )


def _target(item: ItemView, ctx: Context) -> str:
    return full_name(item.payload["division"], item.payload["code"])


def _needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {f"parent_item:{payload['division']}": payload.get("division_name", "")}


MAPPING = Mapping(
    kind="item",
    object_type="cost_code",
    sequence=21,
    list_type="item",
    add=_add,
    modify=_mod,
    lookup=lambda rid, item, ctx: build.list_query(rid, "ItemService", full_name=_target(item, ctx)),
    target=_target,
    needs=_needs,
)
