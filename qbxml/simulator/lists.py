"""Adding and changing list records: vendors, customers and jobs, items, classes, accounts, other names.

The book enforces what holds for every change (unique names, parents, EditSequence); this module reads the
request and adds what QuickBooks checks only for requests: no colon in a name, an item's posting account,
an account's type, class tracking turned on.
"""

from __future__ import annotations

from typing import Any

from qbxml.simulator.book import Book, invalid_value, not_found
from qbxml.simulator.faults import AddCounts, count_add
from qbxml.simulator.host import HostSettings
from qbxml.simulator.orders import ITEM_KINDS, LIST_ORDERS, LIST_WORDS, PARENT_KINDS
from qbxml.simulator.records import StatusError
from qbxml.simulator.request import (
    FEATURE_OFF_MESSAGE,
    Element,
    Handler,
    Outcome,
    body_of,
    flag,
    read_fields,
    resolve,
    stale,
    text,
)

# The lists a request may add to or change; payroll items are only seeded.
WRITABLE_KINDS = frozenset(
    {
        "Vendor",
        "Customer",
        "Employee",
        "OtherName",
        "ItemService",
        "ItemNonInventory",
        "ItemOtherCharge",
        "Class",
        "Account",
    }
)
# Tags of a list Add/Mod body handled apart from the stored fields.
_LIST_SKIP = frozenset(
    {"ListID", "EditSequence", "Name", "FullName", "IsActive", "ParentRef", "Sublevel", "Balance", "TotalBalance"}
)
_LIST_READ = {
    kind: frozenset(order) - _LIST_SKIP - {"TimeCreated", "TimeModified"} for kind, order in LIST_ORDERS.items()
}


def handlers(book: Book, host: HostSettings, counts: AddCounts) -> dict[str, Handler]:
    def add(kind: str) -> Handler:
        return lambda rq, macros: list_add(book, host, counts, rq, kind)

    def mod(kind: str) -> Handler:
        return lambda rq, macros: list_mod(book, host, rq, kind)

    table = {f"{kind}AddRq": add(kind) for kind in WRITABLE_KINDS}
    table.update({f"{kind}ModRq": mod(kind) for kind in WRITABLE_KINDS})
    return table


def list_add(book: Book, host: HostSettings, counts: AddCounts, rq: Element, kind: str) -> Outcome:
    body = body_of(rq, f"{kind}Add")
    word = LIST_WORDS[kind]
    name = text(body, "Name") or ""
    _check_name(name)
    parent_ref = body.find("ParentRef")
    parent = None
    if parent_ref is not None and kind in PARENT_KINDS:
        parent = resolve(book, parent_ref, "ParentRef", PARENT_KINDS[kind], word, word)
    fields = read_fields(book, body, _LIST_READ[kind], word)
    _check_list_fields(host, kind, name, fields)
    is_active = flag(body, "IsActive")
    record = book.create_list(
        kind, name, parent=parent, is_active=True if is_active is None else is_active, fields=fields
    )
    count_add(counts, kind, record.full_name)
    return Outcome([book.render_list(record)])


def _check_name(name: str) -> None:
    if ":" in name:
        raise invalid_value("Name", name, 'A name cannot contain a colon (":").')
    if not name.strip():
        raise invalid_value("Name", name, "A name cannot be empty.")


def _check_list_fields(host: HostSettings, kind: str, name: str, fields: dict[str, Any]) -> None:
    if kind in ITEM_KINDS:
        one = fields.get("SalesOrPurchase")
        both = fields.get("SalesAndPurchase")
        if one is None and both is None:
            raise invalid_value("SalesOrPurchase", name, "An item needs an account to post to.")
        if one is not None and not one.get("AccountRef"):
            raise invalid_value("SalesOrPurchase/AccountRef", "", "An item needs an account to post to.")
        if both is not None and not (both.get("IncomeAccountRef") and both.get("ExpenseAccountRef")):
            raise invalid_value(
                "SalesAndPurchase",
                name,
                "An item used in purchases and sales needs an income and an expense account.",
            )
    elif kind == "Class" and not host.is_using_class_tracking:
        raise StatusError(3250, FEATURE_OFF_MESSAGE)
    elif kind == "Account" and not fields.get("AccountType"):
        raise invalid_value("AccountType", "", "An account needs a type.")


def list_mod(book: Book, host: HostSettings, rq: Element, kind: str) -> Outcome:
    body = body_of(rq, f"{kind}Mod")
    word = LIST_WORDS[kind]
    list_id = text(body, "ListID") or ""
    record = book.find_list({kind}, list_id=list_id)
    if record is None:
        raise not_found(list_id)
    edit_sequence = text(body, "EditSequence") or ""
    if edit_sequence != record.edit_sequence:
        raise stale(edit_sequence)
    name = text(body, "Name")
    if name is not None:
        _check_name(name)
    parent_ref = body.find("ParentRef")
    parent = None
    if parent_ref is not None and kind in PARENT_KINDS:
        parent = resolve(book, parent_ref, "ParentRef", PARENT_KINDS[kind], word, word)
    changes = read_fields(book, body, _LIST_READ[kind], word)
    merged = {tag: (dict(value) if isinstance(value, dict) else value) for tag, value in record.fields.items()}
    for one, other in (("SalesOrPurchase", "SalesAndPurchase"), ("SalesAndPurchase", "SalesOrPurchase")):
        if one in changes and other in merged:
            # Switching between one-sided and two-sided: the other form goes.
            del merged[other]
            merged[one] = {}
    for tag, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(tag), dict):
            merged[tag].update(value)
        else:
            merged[tag] = value
    _check_list_fields(host, kind, name or record.name, merged)
    # modify_list refuses (a name in use, a parent loop) before it changes anything.
    book.modify_list(record, name=name, parent=parent, is_active=flag(body, "IsActive"))
    record.fields = {tag: value for tag, value in merged.items() if value != ""}
    return Outcome([book.render_list(record)])
