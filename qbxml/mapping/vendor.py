"""A directory company → a QuickBooks vendor."""

from __future__ import annotations

from typing import Any

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Context, Element, ItemView, Mapping


def address(payload: dict[str, Any]) -> qb.Address | None:
    """The payload's address, as the builders take it (None when it has none)."""
    found = qb.Address(
        addr1=payload.get("address_line1", ""),
        addr2=payload.get("address_line2", ""),
        city=payload.get("city", ""),
        state=payload.get("state", ""),
        postal_code=payload.get("postal_code", ""),
        country=payload.get("country", ""),
    )
    return None if found.is_empty() else found


def _data(payload: dict[str, Any]) -> qb.VendorData:
    return qb.VendorData(
        name=payload["name"],
        company_name=payload["name"],
        address=address(payload),
        phone=payload.get("phone", ""),
        email=payload.get("email", ""),
        contact=payload.get("contact_name", ""),
        tax_ident=payload.get("tax_id", ""),
    )


def _add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.vendor_add(rid, _data(item.payload))


def _mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.vendor_mod(rid, qb.VendorModData(item.qb_ref, item.edit_sequence, _data(item.payload)))


MAPPING = Mapping(
    kind="vendor",
    object_type="company",
    sequence=30,
    list_type="vendor",
    add=_add,
    modify=_mod,
    lookup=lambda rid, item, ctx: build.list_query(rid, "Vendor", full_name=item.payload["name"]),
    target=lambda item, ctx: item.payload["name"],
    links_same_party=True,
)
