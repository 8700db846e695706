"""What tests inject into the company file and count in it: locked records, refused operations, adds.

QuickBooks answers a record another user holds with 3170-3180 and an operation the user may not do with
3260; the connector must retry or fail cleanly on both, so tests need to cause them on demand. The add
counts let a test prove that nothing reached QuickBooks twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qbxml.simulator.book import Book
from qbxml.simulator.orders import LIST_WORDS
from qbxml.simulator.records import StatusError
from qbxml.simulator.request import Element, text

# (kind, lower-case full name or RefNumber) -> how many requests added it.
AddCounts = dict[tuple[str, str], int]

_LOCK_TAGS = frozenset({"Name", "FullName", "ListID", "TxnID", "RefNumber"})
_LOCK_MESSAGES = {
    3170: "There was an error when modifying {what}. QuickBooks error message: This record is in use by another user.",
    3175: "There was an error when saving {what}. QuickBooks error message: Cannot lock the record: "
    "it is being edited by another user.",
    3176: "There was an error when saving {what}. QuickBooks error message: The record is locked by another user.",
    3180: "There was an error when saving {what}. QuickBooks error message: This object is in use.",
}


@dataclass
class Lock:
    label: str
    keys: set[str]
    remaining: int
    code: int
    message: str | None


@dataclass
class Faults:
    locks: list[Lock] = field(default_factory=list)
    denied: dict[str, int] = field(default_factory=dict)  # operation ("VendorAdd") -> status code

    def lock(self, book: Book, name_or_id: str, times: int, code: int, message: str | None) -> None:
        # The record's other names are locked too: a request may name it by ListID where the test named it.
        keys = {name_or_id.lower()}
        for record in book.lists.values():
            if name_or_id.lower() in (record.list_id.lower(), record.full_name.lower()):
                keys.update({record.list_id.lower(), record.full_name.lower()})
        for txn in book.txns.values():
            if name_or_id.lower() in (txn.txn_id.lower(), str(txn.fields.get("RefNumber", "")).lower()):
                keys.add(txn.txn_id.lower())
        self.locks.append(Lock(name_or_id, keys, times, code, message))

    def check_denied(self, operation: str) -> None:
        if operation in self.denied:
            raise StatusError(self.denied[operation], "Insufficient permission level to perform this action.")

    def check_locks(self, rq: Element, operation: str) -> None:
        """A write touching a locked record, as the record itself or as a reference, is refused."""
        if not self.locks:
            return
        touched = {(element.text or "").lower() for element in rq.iter(*_LOCK_TAGS)}
        body = rq[0] if len(rq) else None
        if body is not None:
            parent = body.find("ParentRef/FullName")
            name = text(body, "Name")
            if parent is not None and name:
                touched.add(f"{parent.text or ''}:{name}".lower())
        for lock in self.locks:
            if lock.keys & touched:
                lock.remaining -= 1
                if lock.remaining <= 0:
                    self.locks.remove(lock)
                kind = operation[:-3] if operation[-3:] in ("Add", "Mod", "Del") else operation
                what = f'a {LIST_WORDS.get(kind, kind)} record, element "{lock.label}"'
                template = _LOCK_MESSAGES.get(lock.code, _LOCK_MESSAGES[3175])
                raise StatusError(lock.code, lock.message or template.format(what=what))


def count_add(counts: AddCounts, kind: str, name: str | None) -> None:
    if name:
        key = (kind, name.lower())
        counts[key] = counts.get(key, 0) + 1
