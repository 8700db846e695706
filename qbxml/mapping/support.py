"""The list records the items need in QuickBooks before they can go, made on the way: a class per cost type,
a parent item per division (and the retainage item), a parent customer per job. They are no workflow
items: a request of the queue stands for each, keyed "kind:name".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.mapping.base import Element, ExportSettings


@dataclass(frozen=True)
class SupportKind:
    kind: str
    sequence: int
    list_type: str  # the QbListRecord type QuickBooks keeps it as
    query: str  # the list query that finds it
    word: str  # what a person calls it
    add: Callable[[str, str, str, ExportSettings], Element]  # (requestID, name, description, settings)


def _class(rid: str, name: str, description: str, settings: ExportSettings) -> Element:
    return build.class_add(rid, qb.ClassData(name=name))


def _parent_item(rid: str, name: str, description: str, settings: ExportSettings) -> Element:
    return build.item_service_add(
        rid,
        qb.ServiceItemData(
            name=name,
            description=description,
            expense_account=settings.expense_account,
            income_account=settings.income_account,
        ),
    )


def _customer(rid: str, name: str, description: str, settings: ExportSettings) -> Element:
    return build.customer_add(rid, qb.CustomerData(name=name))


SUPPORT_KINDS: dict[str, SupportKind] = {
    kind.kind: kind
    for kind in [
        SupportKind("class", 10, "class", "Class", "class", _class),
        SupportKind("parent_item", 20, "item", "Item", "item", _parent_item),
        SupportKind("customer", 40, "customer", "Customer", "customer", _customer),
    ]
}


def support_kind(key: str) -> SupportKind:
    return SUPPORT_KINDS[key.partition(":")[0]]


def support_name(key: str) -> str:
    return key.partition(":")[2]


def support_request(rid: str, key: str, description: str, settings: ExportSettings) -> Element:
    return support_kind(key).add(rid, support_name(key), description, settings)


def support_lookup(rid: str, key: str) -> Element:
    """A query for the support record `key`, to tell whether QuickBooks holds it (or only its name)."""
    return build.list_query(rid, support_kind(key).query, full_name=support_name(key))  # type: ignore[arg-type]


def support_key(list_type: str, full_name: str) -> str | None:
    """The support key of a list record QuickBooks holds, if records of its type are support records."""
    for kind in SUPPORT_KINDS.values():
        if kind.list_type == list_type:
            return f"{kind.kind}:{full_name}"
    return None
