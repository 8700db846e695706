"""The company file itself: records, indexes, the clock, identifiers, and the rules every change obeys.

The request handlers (lists.py, transactions.py, deletions.py) and seeding (company.py) change the book
only through the methods here, so a seeded vendor and one added by a VendorAdd follow the same rules
(unique names, ids, EditSequence).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qbxml.lib.fieldtypes import AMOUNT_FIELDS, BOOL_FIELDS, DATE_FIELDS
from qbxml.simulator.orders import (
    AGGREGATES,
    AUTO_NUMBERED,
    ENTITY_TAGS,
    LINE_ORDERS,
    LINE_TYPES,
    LIST_KINDS,
    LIST_ORDERS,
    NAMESPACES,
    PARENT_KINDS,
    PAYMENT_KINDS,
    TOTAL_TAGS,
    TXN_KINDS,
    TXN_ORDERS,
)
from qbxml.simulator.records import LineView, ListRecord, ListView, StatusError, TxnLine, TxnRecord, TxnView

# One line of a Mod: (TxnLineID or "-1", the line's Ret tag, its fields, its link to a PO line).
LineMod = tuple[str, str, dict[str, Any], tuple[str, str] | None]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_LIST_NUMBER = 0x80000001
FIRST_TXN_NUMBER = 0x1A
STATE_FORMAT = 1


def escape(text: str) -> str:
    """Text as XML character data."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def amount_text(value: Decimal) -> str:
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents == 0:
        cents = ZERO
    return f"{cents:f}"


def to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def normalize(tag: str, text: str) -> str:
    """A request's text as QuickBooks stores and returns it."""
    if tag in AMOUNT_FIELDS:
        try:
            amount = Decimal(text.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise StatusError(3020, f'There was an error when converting the amount "{text}" in the field "{tag}".')
        return amount_text(amount)
    if tag in BOOL_FIELDS:
        value = text.strip().lower()
        if value in ("true", "1"):
            return "true"
        if value in ("false", "0"):
            return "false"
        raise StatusError(3210, f'The "{tag}" field has an invalid value "{text}".')
    if tag in DATE_FIELDS:
        try:
            year, month, day = (int(part) for part in text.strip().split("-"))
            return date(year, month, day).isoformat()
        except ValueError:
            raise StatusError(3210, f'The "{tag}" field has an invalid value "{text}".') from None
    return text


def name_in_use(name: str) -> StatusError:
    return StatusError(3100, f'The name "{name}" of the list element is already in use.')


def not_found(identifier: str) -> StatusError:
    return StatusError(
        3120,
        f'Object "{identifier}" specified in the request cannot be found.  '
        "QuickBooks error message: Invalid argument.  The specified record does not exist in the list.",
    )


def invalid_reference(word: str, name: str, where: str) -> StatusError:
    return StatusError(
        3140,
        f'There is an invalid reference to QuickBooks {word} "{name}" in the {where}.  '
        "QuickBooks error message: Invalid argument.  The specified record does not exist in the list.",
    )


def invalid_value(field: str, value: str, why: str) -> StatusError:
    return StatusError(3210, f'The "{field}" field has an invalid value "{value}".  QuickBooks error message: {why}')


def _sort_key(full_name: str) -> tuple[str, ...]:
    """QuickBooks lists a customer's jobs right after it: compare full names part by part."""
    return tuple(part.lower() for part in full_name.split(":"))


class Book:
    """Every record of one company file, with its indexes. Not thread-safe: callers serialize access."""

    def __init__(self, *, start_time: int, utc_offset_minutes: int, wall_clock: bool) -> None:
        self.clock = start_time
        self.tz = timezone(timedelta(minutes=utc_offset_minutes))
        self.utc_offset_minutes = utc_offset_minutes
        self.wall_clock = wall_clock
        self.next_list_number = FIRST_LIST_NUMBER
        self.next_txn_number = FIRST_TXN_NUMBER
        self.next_txn_sequence = 1  # TxnNumber
        self.ref_counters: dict[str, int] = {}
        self.lists: dict[str, ListRecord] = {}
        self.by_kind: dict[str, dict[str, ListRecord]] = {kind: {} for kind in LIST_KINDS}
        self.names: dict[str, dict[str, ListRecord]] = {ns: {} for ns in set(NAMESPACES.values())}
        self.txns: dict[str, TxnRecord] = {}
        self.txns_by_kind: dict[str, dict[str, TxnRecord]] = {kind: {} for kind in TXN_KINDS}
        self.links: dict[str, set[str]] = {}
        self.entity_txns: dict[str, set[str]] = {}
        self.by_ref: dict[tuple[str, str], set[str]] = {}
        self.deleted_lists: list[dict[str, str]] = []
        self.deleted_txns: list[dict[str, str]] = []

    # ----------------------------------------------------------------------------------------------
    # Time and identifiers

    def tick(self) -> int:
        """The time of a change: the simulated clock moves on a second per change."""
        if self.wall_clock:
            self.clock = max(self.clock, int(time.time()))
        else:
            self.clock += 1
        return self.clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock, self.tz)

    def today(self) -> str:
        return self.now().date().isoformat()

    def iso(self, seconds: int) -> str:
        return datetime.fromtimestamp(seconds, self.tz).isoformat()

    def as_datetime(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, self.tz)

    def _list_id(self, created: int) -> str:
        number = self.next_list_number
        self.next_list_number += 1
        return f"{number:08X}-{created}"

    def _txn_id(self, created: int) -> str:
        number = self.next_txn_number
        self.next_txn_number += 1
        return f"{number:X}-{created}"

    @staticmethod
    def _next_edit_sequence(old: str, now: int) -> str:
        try:
            return str(max(now, int(old) + 1))
        except ValueError:
            return str(now)

    # ----------------------------------------------------------------------------------------------
    # Lists

    def find_list(self, kinds: Iterable[str], *, list_id: str | None = None, full_name: str | None = None):
        """The record of one of `kinds` with this ListID or full name (case-insensitive), or None."""
        kinds = frozenset(kinds)
        if list_id is not None:
            record = self.lists.get(list_id)
        elif full_name is not None:
            namespaces = {NAMESPACES[kind] for kind in kinds}
            record = None
            for namespace in namespaces:
                record = self.names[namespace].get(full_name.lower())
                if record is not None:
                    break
        else:
            return None
        if record is None or record.kind not in kinds:
            return None
        return record

    def list_records(self, kinds: Iterable[str]) -> list[ListRecord]:
        records: list[ListRecord] = []
        for kind in kinds:
            records.extend(self.by_kind[kind].values())
        records.sort(key=lambda record: _sort_key(record.full_name))
        return records

    def children(self, record: ListRecord) -> list[ListRecord]:
        family = PARENT_KINDS.get(record.kind, frozenset())
        return [child for kind in family for child in self.by_kind[kind].values() if child.parent_id == record.list_id]

    def descendants(self, record: ListRecord) -> Iterator[ListRecord]:
        for child in self.children(record):
            yield child
            yield from self.descendants(child)

    def create_list(
        self,
        kind: str,
        name: str,
        *,
        parent: ListRecord | None = None,
        is_active: bool = True,
        fields: dict[str, Any] | None = None,
    ) -> ListRecord:
        full_name = f"{parent.full_name}:{name}" if parent else name
        namespace = self.names[NAMESPACES[kind]]
        if full_name.lower() in namespace:
            raise name_in_use(name)
        now = self.tick()
        record = ListRecord(
            kind=kind,
            list_id=self._list_id(now),
            name=name,
            full_name=full_name,
            parent_id=parent.list_id if parent else None,
            sublevel=parent.sublevel + 1 if parent else 0,
            is_active=is_active,
            time_created=now,
            time_modified=now,
            edit_sequence=str(now),
            fields=dict(fields or {}),
        )
        self._index_list(record)
        return record

    def _index_list(self, record: ListRecord) -> None:
        self.lists[record.list_id] = record
        self.by_kind[record.kind][record.list_id] = record
        self.names[NAMESPACES[record.kind]][record.full_name.lower()] = record

    def modify_list(
        self,
        record: ListRecord,
        *,
        name: str | None = None,
        parent: ListRecord | None = None,
        clear_parent: bool = False,
        is_active: bool | None = None,
        fields: dict[str, Any] | None = None,
    ) -> ListRecord:
        """Apply a Mod: only what is given changes. Renaming or moving a record renames its sub-records."""
        new_name = record.name if name is None else name
        if clear_parent:
            new_parent: ListRecord | None = None
        elif parent is not None:
            new_parent = parent
            ancestor: ListRecord | None = parent
            while ancestor is not None:
                if ancestor.list_id == record.list_id:
                    raise invalid_value("ParentRef", parent.full_name, "A record cannot be its own parent.")
                ancestor = self.lists.get(ancestor.parent_id) if ancestor.parent_id else None
        else:
            new_parent = self.lists.get(record.parent_id) if record.parent_id else None
        new_full_name = f"{new_parent.full_name}:{new_name}" if new_parent else new_name
        if new_full_name != record.full_name:
            namespace = self.names[NAMESPACES[record.kind]]
            other = namespace.get(new_full_name.lower())
            if other is not None and other is not record:
                raise name_in_use(new_name)
            del namespace[record.full_name.lower()]
            record.name = new_name
            record.parent_id = new_parent.list_id if new_parent else None
            self._rename(record, new_parent)
        if is_active is not None:
            record.is_active = is_active
        if fields:
            _merge(record.fields, fields)
        self.touch_list(record)
        return record

    def _rename(self, record: ListRecord, parent: ListRecord | None) -> None:
        namespace = self.names[NAMESPACES[record.kind]]
        namespace.pop(record.full_name.lower(), None)
        record.full_name = f"{parent.full_name}:{record.name}" if parent else record.name
        record.sublevel = parent.sublevel + 1 if parent else 0
        namespace[record.full_name.lower()] = record
        for child in self.children(record):
            self._rename(child, record)

    def touch_list(self, record: ListRecord) -> None:
        now = self.tick()
        record.time_modified = now
        record.edit_sequence = self._next_edit_sequence(record.edit_sequence, now)

    def list_in_use(self, record: ListRecord) -> bool:
        if self.children(record):
            return True
        for txn in self.txns.values():
            if _refers_to(txn.fields, record.list_id) or any(
                _refers_to(line.fields, record.list_id) for line in txn.lines
            ):
                return True
        return any(_refers_to(other.fields, record.list_id) for other in self.lists.values())

    def delete_list(self, record: ListRecord) -> dict[str, str]:
        now = self.tick()
        del self.lists[record.list_id]
        del self.by_kind[record.kind][record.list_id]
        self.names[NAMESPACES[record.kind]].pop(record.full_name.lower(), None)
        entry = {
            "ListDelType": record.kind,
            "ListID": record.list_id,
            "TimeCreated": str(record.time_created),
            "TimeDeleted": str(now),
            "FullName": record.full_name,
        }
        self.deleted_lists.append(entry)
        return entry

    # ----------------------------------------------------------------------------------------------
    # Transactions

    def find_txn(self, kinds: Iterable[str], txn_id: str) -> TxnRecord | None:
        record = self.txns.get(txn_id)
        if record is None or record.kind not in frozenset(kinds):
            return None
        return record

    def txn_records(self, kinds: Iterable[str]) -> list[TxnRecord]:
        records: list[TxnRecord] = []
        for kind in kinds:
            records.extend(self.txns_by_kind[kind].values())
        records.sort(key=lambda txn: (txn.fields.get("TxnDate", ""), txn.txn_number))
        return records

    def new_line(self, tag: str, fields: dict[str, Any], link: tuple[str, str] | None = None) -> TxnLine:
        """A line for `create_txn`, which numbers it after its transaction, as QuickBooks does."""
        return TxnLine(txn_line_id="", tag=tag, fields=fields, link=link)

    def create_txn(
        self,
        kind: str,
        fields: dict[str, Any],
        lines: list[TxnLine],
        *,
        applied: list[dict[str, str]] | None = None,
    ) -> TxnRecord:
        """Record a new transaction; `lines` come from `new_line` and are checked and linked here."""
        fields = dict(fields)
        fields.setdefault("TxnDate", self.today())
        if kind == "Estimate":
            fields.setdefault("IsActive", "true")
        if kind in AUTO_NUMBERED and not fields.get("RefNumber"):
            fields["RefNumber"] = str(self.ref_counters.get(kind, 0) + 1)
        self._check_totals(kind, lines)
        now = self.tick()
        record = TxnRecord(
            kind=kind,
            txn_id=self._txn_id(now),
            txn_number=self.next_txn_sequence,
            time_created=now,
            time_modified=now,
            edit_sequence=str(now),
            fields=fields,
            lines=list(lines),
            applied=list(applied or []),
        )
        for line in record.lines:
            line.txn_line_id = line.txn_line_id or self._txn_id(now)
        self.next_txn_sequence += 1
        self._count_ref(kind, fields.get("RefNumber"))
        self.txns[record.txn_id] = record
        self.txns_by_kind[kind][record.txn_id] = record
        self._index_entity(record)
        self._relink(record, set(), touch=self._targets(record))
        return record

    def _count_ref(self, kind: str, ref_number: object) -> None:
        if isinstance(ref_number, str) and ref_number.isdigit():
            self.ref_counters[kind] = max(self.ref_counters.get(kind, 0), int(ref_number))

    def _check_totals(self, kind: str, lines: list[TxnLine]) -> None:
        if kind == "JournalEntry":
            debit = sum((_line_amount(line) for line in lines if line.tag == "JournalDebitLine"), ZERO)
            credit = sum((_line_amount(line) for line in lines if line.tag == "JournalCreditLine"), ZERO)
            if debit != credit:
                raise StatusError(
                    3210,
                    f"The journal entry is not in balance: debits {amount_text(debit)}, credits "
                    f"{amount_text(credit)}.  QuickBooks error message: Transaction not in balance.",
                )
            return
        if kind in ("Bill", "Check", "CreditCardCharge", "CreditCardCredit", "VendorCredit", "ItemReceipt", "Invoice"):
            total = sum((_line_amount(line) for line in lines), ZERO)
            if total < 0:
                raise StatusError(
                    3210,
                    f'The "{TOTAL_TAGS[kind]}" field has an invalid value "{amount_text(total)}".  '
                    "QuickBooks error message: The transaction total cannot be negative.",
                )

    def _index_entity(self, record: TxnRecord) -> None:
        """Index a transaction by its party and its RefNumber, so look-ups never scan every transaction."""
        tag = ENTITY_TAGS.get(record.kind)
        entity = record.fields.get(tag) if tag else None
        if entity:
            self.entity_txns.setdefault(entity, set()).add(record.txn_id)
        ref_number = record.fields.get("RefNumber")
        if ref_number:
            self.by_ref.setdefault((record.kind, str(ref_number).lower()), set()).add(record.txn_id)

    def _unindex_entity(self, record: TxnRecord) -> None:
        tag = ENTITY_TAGS.get(record.kind)
        entity = record.fields.get(tag) if tag else None
        if entity and entity in self.entity_txns:
            self.entity_txns[entity].discard(record.txn_id)
        ref_number = record.fields.get("RefNumber")
        if ref_number:
            self.by_ref.get((record.kind, str(ref_number).lower()), set()).discard(record.txn_id)

    def txns_with_ref(self, kind: str, ref_number: str) -> list[TxnRecord]:
        ids = self.by_ref.get((kind, ref_number.lower()), ())
        return sorted((self.txns[i] for i in ids), key=lambda txn: (txn.fields.get("TxnDate", ""), txn.txn_number))

    def txns_of_entities(self, kind: str, entity_ids: Iterable[str]) -> list[TxnRecord]:
        found = {txn_id for entity in entity_ids for txn_id in self.entity_txns.get(entity, ())}
        records = [txn for txn in (self.txns[i] for i in found) if txn.kind == kind]
        return sorted(records, key=lambda txn: (txn.fields.get("TxnDate", ""), txn.txn_number))

    def _targets(self, record: TxnRecord) -> set[str]:
        targets = {line.link[0] for line in record.lines if line.link}
        targets.update(entry["TxnID"] for entry in record.applied)
        return targets

    def _relink(self, record: TxnRecord, previous: set[str], *, touch: Iterable[str] = ()) -> None:
        """Bring the link index in line with what `record` now links to (it linked to `previous`), and
        save again the transactions in `touch`: a PO a bill now bills, a bill a payment no longer pays."""
        current = self._targets(record)
        for txn_id in previous - current:
            self.links.get(record.txn_id, set()).discard(txn_id)
            self.links.get(txn_id, set()).discard(record.txn_id)
        for txn_id in current:
            self.links.setdefault(record.txn_id, set()).add(txn_id)
            self.links.setdefault(txn_id, set()).add(record.txn_id)
        for txn_id in touch:
            other = self.txns.get(txn_id)
            if other is not None:
                self.touch_txn(other)

    def touch_txn(self, record: TxnRecord) -> None:
        now = self.tick()
        record.time_modified = now
        record.edit_sequence = self._next_edit_sequence(record.edit_sequence, now)

    def modify_txn(
        self,
        record: TxnRecord,
        fields: dict[str, Any],
        line_groups: dict[str, list[LineMod]],
    ) -> TxnRecord:
        """Apply a Mod. For each line group in `line_groups` (a line tag, or "JournalLine" for both kinds
        of journal line), the lines named there (by TxnLineID, or "-1" for a new one) become that group's
        lines, in that order; the group's lines not named are deleted. Other groups stay as they are."""
        previous_targets = self._targets(record)
        lines = record.lines
        if line_groups:
            by_id = {line.txn_line_id: line for line in lines}
            seen: set[str] = set()
            replaced: dict[str, list[TxnLine]] = {}
            for tag, mods in line_groups.items():
                new_lines: list[TxnLine] = []
                for line_id, line_tag, line_fields, link in mods:
                    if line_id == "-1":
                        new_lines.append(TxnLine(self._txn_id(self.clock), line_tag, line_fields, link))
                        continue
                    if line_id in seen:
                        raise invalid_value(
                            "TxnLineID", line_id, "A transaction line cannot be modified twice in one request."
                        )
                    seen.add(line_id)
                    existing = by_id.get(line_id)
                    if existing is None or not _same_group(existing.tag, tag):
                        raise not_found(line_id)
                    new_tag = line_tag if tag == "JournalLine" else existing.tag  # a debit may become a credit
                    changed = TxnLine(existing.txn_line_id, new_tag, dict(existing.fields), existing.link)
                    _merge(changed.fields, line_fields)
                    if "Amount" not in line_fields and {"Quantity", "Rate", "Cost"} & set(line_fields):
                        changed.fields.pop("Amount", None)
                        _compute_amount(changed.fields)
                    if link is not None:
                        changed.link = link
                    new_lines.append(changed)
                replaced[tag] = new_lines
            kept = [line for line in lines if not any(_same_group(line.tag, tag) for tag in replaced)]
            lines = kept + [line for group in replaced.values() for line in group]
        self._check_totals(record.kind, lines)
        if record.kind in ("Bill", "Invoice") and line_groups:
            total = sum((_line_amount(line) for line in lines), ZERO)
            paid = self.paid(record)
            if total < paid:
                raise invalid_value(
                    TOTAL_TAGS[record.kind],
                    amount_text(total),
                    f"Payments of {amount_text(paid)} are applied to it: its total cannot be less.",
                )
        self._unindex_entity(record)
        _merge(record.fields, fields)
        self._count_ref(record.kind, record.fields.get("RefNumber"))
        record.lines = lines
        self._index_entity(record)
        self.touch_txn(record)
        # What it links to now, and what it no longer links to, changes too (billed amounts, open balances);
        # a change of the header alone leaves them be.
        current = self._targets(record)
        self._relink(record, previous_targets, touch=(current ^ previous_targets) | (current if line_groups else set()))
        return record

    def reapply_payment(self, record: TxnRecord, applied: list[dict[str, str]], fields: dict[str, Any]) -> None:
        """A bill payment edited: it pays `applied` now (entries of `payment_entry`), with `fields` changed;
        the bills it paid before and those it pays now are saved again (their open balances moved)."""
        previous = self._targets(record)
        record.applied = list(applied)
        self._unindex_entity(record)
        _merge(record.fields, fields)
        self._count_ref(record.kind, record.fields.get("RefNumber"))
        self._index_entity(record)
        self.touch_txn(record)
        self._relink(record, previous, touch=previous | self._targets(record))

    def void_txn(self, record: TxnRecord) -> None:
        """What QuickBooks' Void does: amounts become zero, the memo says VOID, payments let go of bills."""
        previous = self._targets(record)
        for line in record.lines:
            if "Amount" in line.fields:
                line.fields["Amount"] = "0.00"
        record.applied = []
        memo = record.fields.get("Memo", "")
        record.fields["Memo"] = f"VOID: {memo}" if memo else "VOID:"
        record.voided = True
        self.touch_txn(record)
        self._relink(record, previous, touch=previous)

    def delete_txn(self, record: TxnRecord) -> dict[str, str]:
        previous = self._targets(record) | self.links.get(record.txn_id, set())
        for txn_id in previous:
            self.links.get(txn_id, set()).discard(record.txn_id)
            other = self.txns.get(txn_id)
            if other is not None:
                # A bill paid by this payment, or billed against this PO, lets go of it.
                other.applied = [entry for entry in other.applied if entry["TxnID"] != record.txn_id]
                for line in other.lines:
                    if line.link and line.link[0] == record.txn_id:
                        line.link = None
                self.touch_txn(other)
        self.links.pop(record.txn_id, None)
        self._unindex_entity(record)
        del self.txns[record.txn_id]
        del self.txns_by_kind[record.kind][record.txn_id]
        now = self.tick()
        entry = {
            "TxnDelType": record.kind,
            "TxnID": record.txn_id,
            "TimeCreated": str(record.time_created),
            "TimeDeleted": str(now),
            "RefNumber": str(record.fields.get("RefNumber", "")),
        }
        self.deleted_txns.append(entry)
        return entry

    # ----------------------------------------------------------------------------------------------
    # Amounts

    def total(self, record: TxnRecord) -> Decimal:
        if record.kind in PAYMENT_KINDS:
            return sum((to_decimal(entry["Amount"]) for entry in record.applied), ZERO)
        if record.kind == "JournalEntry":
            return sum((_line_amount(line) for line in record.lines if line.tag == "JournalDebitLine"), ZERO)
        return sum((_line_amount(line) for line in record.lines), ZERO)

    def paid(self, bill: TxnRecord) -> Decimal:
        paid = ZERO
        for txn_id in self.links.get(bill.txn_id, ()):
            payment = self.txns.get(txn_id)
            if payment is None:
                continue
            for entry in payment.applied:
                if entry["TxnID"] == bill.txn_id:
                    paid += to_decimal(entry["Amount"])
        return paid

    def open_amount(self, record: TxnRecord) -> Decimal:
        if record.kind in ("Bill", "Invoice"):
            return self.total(record) - self.paid(record)
        return self.total(record)

    def billed(self, purchase_order: TxnRecord) -> dict[str, Decimal]:
        """How much of each line of a purchase order linked bill lines have billed."""
        billed: dict[str, Decimal] = {}
        for txn_id in self.links.get(purchase_order.txn_id, ()):
            bill = self.txns.get(txn_id)
            if bill is None:
                continue
            for line in bill.lines:
                if line.link and line.link[0] == purchase_order.txn_id:
                    billed[line.link[1]] = billed.get(line.link[1], ZERO) + _line_amount(line)
        return billed

    def vendor_balance(self, vendor_id: str) -> Decimal:
        balance = ZERO
        for txn_id in self.entity_txns.get(vendor_id, ()):
            txn = self.txns.get(txn_id)
            if txn is None:
                continue
            if txn.kind == "Bill":
                balance += self.open_amount(txn)
            elif txn.kind == "VendorCredit":
                balance -= self.total(txn)
        return balance

    # ----------------------------------------------------------------------------------------------
    # Rendering: records as *Ret elements, in schema order, written straight to text (an answer of a few
    # hundred records is built several times faster this way than through lxml elements)

    def _emit(self, out: list[str], tag: str, value: Any) -> None:
        if type(value) is str:  # the common case first: this runs for every element of every answer
            if not value:
                return
            if tag[-3:] == "Ref":
                target = self.lists.get(value)
                if target is not None:
                    out.append(
                        f"<{tag}><ListID>{target.list_id}</ListID><FullName>{escape(target.full_name)}</FullName></{tag}>"
                    )
            else:
                out.append(f"<{tag}>{escape(value)}</{tag}>")
            return
        if value is None:
            return
        if isinstance(value, list):
            for entry in value:
                self._emit(out, tag, entry)
            return
        if isinstance(value, dict):
            out.append(f"<{tag}>")
            for child in AGGREGATES[tag]:
                entry = value.get(child)
                if entry is not None:
                    self._emit(out, child, entry)
            out.append(f"</{tag}>")
            return
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")

    def render_list(self, record: ListRecord, only: frozenset[str] | None = None) -> str:
        values: dict[str, Any] = dict(record.fields)
        values.update(
            ListID=record.list_id,
            TimeCreated=self.iso(record.time_created),
            TimeModified=self.iso(record.time_modified),
            EditSequence=record.edit_sequence,
            Name=record.name,
            FullName=record.full_name,
            IsActive="true" if record.is_active else "false",
            ParentRef=record.parent_id,
            Sublevel=str(record.sublevel),
        )
        if record.kind == "Vendor":
            values["Balance"] = amount_text(self.vendor_balance(record.list_id))
        elif record.kind in ("Customer", "Account"):
            values["Balance"] = values["TotalBalance"] = "0.00"
            if record.kind == "Customer":
                values.setdefault("JobStatus", "None")
        ret_tag = f"{record.kind}Ret"
        out = [f"<{ret_tag}>"]
        emit = self._emit
        for tag in LIST_ORDERS[record.kind]:
            value = values.get(tag)
            if value is not None and (only is None or tag in only):
                emit(out, tag, value)
        out.append(f"</{ret_tag}>")
        return "".join(out)

    def render_txn(
        self,
        record: TxnRecord,
        *,
        include_lines: bool = True,
        include_linked: bool = True,
        only: frozenset[str] | None = None,
    ) -> str:
        values: dict[str, Any] = dict(record.fields)
        values.update(
            TxnID=record.txn_id,
            TimeCreated=self.iso(record.time_created),
            TimeModified=self.iso(record.time_modified),
            EditSequence=record.edit_sequence,
            TxnNumber=str(record.txn_number),
        )
        total = self.total(record)
        total_tag = TOTAL_TAGS[record.kind]
        if total_tag:
            values[total_tag] = amount_text(total)
        kind = record.kind
        if kind == "Estimate":
            values["Subtotal"] = amount_text(total)
        elif kind == "Bill":
            open_amount = total - self.paid(record)
            values["OpenAmount"] = amount_text(open_amount)
            values["IsPaid"] = "true" if open_amount <= 0 else "false"
        elif kind == "Invoice":
            paid = self.paid(record)
            values["AppliedAmount"] = amount_text(-paid)
            values["BalanceRemaining"] = amount_text(total - paid)
            values["IsPaid"] = "true" if total - paid <= 0 else "false"
        elif kind == "ReceivePayment":
            values["UnusedPayment"] = values["UnusedCredits"] = "0.00"
        elif kind == "VendorCredit":
            values["OpenAmount"] = amount_text(total)
        elif kind == "PurchaseOrder":
            billed = self.billed(record)
            values.setdefault("IsManuallyClosed", "false")
            values["IsFullyReceived"] = (
                "true"
                if record.lines
                and all(billed.get(line.txn_line_id, ZERO) >= _line_amount(line) for line in record.lines)
                else "false"
            )
        if include_linked:
            values["LinkedTxn"] = self._linked(record)
        lines: dict[str, list[str]] = {}
        if include_lines:
            if kind in PAYMENT_KINDS:
                values["AppliedToTxnRet"] = self._applied(record)
            billed = self.billed(record) if kind == "PurchaseOrder" else {}
            for line in record.lines:
                lines.setdefault(line.tag, []).append(self._line_text(line, billed))
        ret_tag = f"{kind}Ret"
        out = [f"<{ret_tag}>"]
        emit = self._emit
        for tag in TXN_ORDERS[kind]:
            if only is not None and tag not in only:
                continue
            if tag in lines:
                out.extend(lines[tag])
            else:
                value = values.get(tag)
                if value is not None:
                    emit(out, tag, value)
        out.append(f"</{ret_tag}>")
        return "".join(out)

    def _line_text(self, line: TxnLine, billed: dict[str, Decimal]) -> str:
        values = dict(line.fields)
        values["TxnLineID"] = line.txn_line_id
        if line.tag == "PurchaseOrderLineRet":
            values["IsBilled"] = "true" if billed.get(line.txn_line_id, ZERO) >= _line_amount(line) else "false"
            values.setdefault("IsManuallyClosed", "false")
        out = [f"<{line.tag}>"]
        emit = self._emit
        for tag in LINE_ORDERS[line.tag]:
            value = values.get(tag)
            if value is not None:
                emit(out, tag, value)
        out.append(f"</{line.tag}>")
        return "".join(out)

    def emit(self, out: list[str], tag: str, value: Any) -> None:
        """Write one element (text, a reference by ListID, an aggregate or a list of them) to `out`."""
        self._emit(out, tag, value)

    def _linked(self, record: TxnRecord) -> list[dict[str, str]]:
        linked: list[dict[str, str]] = []
        for txn_id in sorted(self.links.get(record.txn_id, ()), key=lambda i: self.txns[i].txn_number):
            other = self.txns[txn_id]
            if other.kind in PAYMENT_KINDS:
                amount = -sum(
                    (to_decimal(e["Amount"]) for e in other.applied if e["TxnID"] == record.txn_id),
                    ZERO,
                )
                link_type = "AMTTYPE"
            elif record.kind in PAYMENT_KINDS:
                continue  # a payment lists what it pays as AppliedToTxnRet
            else:
                bill, order = (record, other) if other.kind == "PurchaseOrder" else (other, record)
                amount = sum(
                    (_line_amount(line) for line in bill.lines if line.link and line.link[0] == order.txn_id), ZERO
                )
                link_type = "QUANTYPE"
            entry = {
                "TxnID": other.txn_id,
                "TxnType": other.kind,
                "TxnDate": other.fields.get("TxnDate", ""),
                "RefNumber": other.fields.get("RefNumber", ""),
                "LinkType": link_type,
                "Amount": amount_text(amount),
            }
            linked.append(entry)
        return linked

    def _applied(self, payment: TxnRecord) -> list[dict[str, str]]:
        applied: list[dict[str, str]] = []
        for entry in payment.applied:
            bill = self.txns.get(entry["TxnID"])
            if bill is None:
                continue
            applied.append(
                {
                    "TxnID": bill.txn_id,
                    "TxnType": bill.kind,
                    "TxnDate": bill.fields.get("TxnDate", ""),
                    "RefNumber": bill.fields.get("RefNumber", ""),
                    "BalanceRemaining": amount_text(self.open_amount(bill)),
                    "Amount": entry["Amount"],
                }
            )
        return applied

    # ----------------------------------------------------------------------------------------------
    # Views for callers

    def _readable(self, fields: dict[str, Any]) -> dict[str, Any]:
        readable: dict[str, Any] = {}
        for tag, value in fields.items():
            if tag.endswith("Ref") and isinstance(value, str):
                target = self.lists.get(value)
                readable[tag] = target.full_name if target else None
            elif isinstance(value, dict):
                readable[tag] = self._readable(value)
            else:
                readable[tag] = value
        return readable

    def full_name_of(self, list_id: object) -> str | None:
        target = self.lists.get(list_id) if isinstance(list_id, str) else None
        return target.full_name if target else None

    def list_view(self, record: ListRecord) -> ListView:
        parent = self.lists.get(record.parent_id) if record.parent_id else None
        return ListView(
            kind=record.kind,
            list_id=record.list_id,
            name=record.name,
            full_name=record.full_name,
            parent_full_name=parent.full_name if parent else None,
            sublevel=record.sublevel,
            is_active=record.is_active,
            edit_sequence=record.edit_sequence,
            time_created=self.as_datetime(record.time_created),
            time_modified=self.as_datetime(record.time_modified),
            fields=self._readable(record.fields),
        )

    def txn_view(self, record: TxnRecord) -> TxnView:
        entity_tag = ENTITY_TAGS.get(record.kind)
        lines = tuple(
            LineView(
                txn_line_id=line.txn_line_id,
                line_type=LINE_TYPES[line.tag],
                amount=_line_amount(line),
                item=self.full_name_of(line.fields.get("ItemRef")),
                account=self.full_name_of(line.fields.get("AccountRef")),
                customer=self.full_name_of(line.fields.get("CustomerRef") or line.fields.get("EntityRef")),
                class_name=self.full_name_of(line.fields.get("ClassRef")),
                description=line.fields.get("Desc") or line.fields.get("Memo") or "",
                linked_to=line.link,
                fields=self._readable(line.fields),
            )
            for line in record.lines
        )
        txn_date = record.fields.get("TxnDate")
        return TxnView(
            kind=record.kind,
            txn_id=record.txn_id,
            txn_number=record.txn_number,
            ref_number=record.fields.get("RefNumber") or None,
            txn_date=date.fromisoformat(txn_date) if txn_date else None,
            entity=self.full_name_of(record.fields.get(entity_tag)) if entity_tag else None,
            total=self.total(record),
            open_amount=self.open_amount(record) if record.kind in ("Bill", "VendorCredit", "Invoice") else None,
            edit_sequence=record.edit_sequence,
            time_created=self.as_datetime(record.time_created),
            time_modified=self.as_datetime(record.time_modified),
            memo=record.fields.get("Memo", ""),
            voided=record.voided,
            lines=lines,
            linked_txn_ids=tuple(sorted(self.links.get(record.txn_id, ()))),
            applied=tuple((entry["TxnID"], to_decimal(entry["Amount"])) for entry in record.applied),
            fields=self._readable(record.fields),
        )

    # ----------------------------------------------------------------------------------------------
    # Saving and loading

    def to_state(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "clock": self.clock,
            "utc_offset_minutes": self.utc_offset_minutes,
            "wall_clock": self.wall_clock,
            "next_list_number": self.next_list_number,
            "next_txn_number": self.next_txn_number,
            "next_txn_sequence": self.next_txn_sequence,
            "ref_counters": dict(self.ref_counters),
            "lists": [asdict(record) for record in self.lists.values()],
            "txns": [asdict(record) for record in self.txns.values()],
            "deleted_lists": list(self.deleted_lists),
            "deleted_txns": list(self.deleted_txns),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Book:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown simulator state format {state.get('format')!r}")
        book = cls(
            start_time=int(state["clock"]),
            utc_offset_minutes=int(state["utc_offset_minutes"]),
            wall_clock=bool(state["wall_clock"]),
        )
        book.next_list_number = int(state["next_list_number"])
        book.next_txn_number = int(state["next_txn_number"])
        book.next_txn_sequence = int(state["next_txn_sequence"])
        book.ref_counters = {str(k): int(v) for k, v in state["ref_counters"].items()}
        for data in state["lists"]:
            book._index_list(ListRecord(**data))
        for data in state["txns"]:
            lines = [
                TxnLine(
                    txn_line_id=line["txn_line_id"],
                    tag=line["tag"],
                    fields=line["fields"],
                    link=tuple(line["link"]) if line["link"] else None,  # type: ignore[arg-type]
                )
                for line in data.pop("lines")
            ]
            record = TxnRecord(**data, lines=lines)
            book.txns[record.txn_id] = record
            book.txns_by_kind[record.kind][record.txn_id] = record
            book._index_entity(record)
        for record in book.txns.values():
            book._relink(record, set())
        book.deleted_lists = list(state["deleted_lists"])
        book.deleted_txns = list(state["deleted_txns"])
        return book

    def parse_time(self, text: str, *, end: bool) -> int:
        """A DATETIMETYPE bound in seconds. A date alone covers the whole day; no offset means local time."""
        text = text.strip()
        date_part, _, time_part = text.partition("T")
        year, month, day = (int(part) for part in date_part.split("-"))
        if not time_part:
            hour, minute, second = (23, 59, 59) if end else (0, 0, 0)
            tz: timezone = self.tz
        else:
            offset = ""
            for sign in ("+", "-", "Z"):
                if sign in time_part:
                    time_part, _, rest = time_part.partition(sign)
                    offset = "" if sign == "Z" else sign + rest
                    tz = UTC if sign == "Z" else tz_from_offset(offset)
                    break
            else:
                tz = self.tz
            parts = [int(part) for part in time_part.split(":") if part]
            while len(parts) < 3:
                parts.append(59 if end else 0)
            hour, minute, second = parts[:3]
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        return int(moment.astimezone(UTC).timestamp())


def tz_from_offset(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset[1:].partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def _refers_to(fields: dict[str, Any], list_id: str) -> bool:
    for tag, value in fields.items():
        if tag.endswith("Ref") and value == list_id:
            return True
        if isinstance(value, dict) and _refers_to(value, list_id):
            return True
    return False


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """A Mod's values over the stored ones: aggregates merge, an empty text clears, the rest replaces."""
    for tag, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(tag), dict):
            _merge(target[tag], value)
        elif value == "":
            target.pop(tag, None)
        else:
            target[tag] = value


def _same_group(line_tag: str, group: str) -> bool:
    if group == "JournalLine":
        return line_tag in ("JournalDebitLine", "JournalCreditLine")
    return line_tag == group


def _line_amount(line: TxnLine) -> Decimal:
    value = line.fields.get("Amount")
    return to_decimal(value) if value else ZERO


def _compute_amount(fields: dict[str, Any]) -> None:
    """A line without an Amount: Quantity times Rate (or Cost), as QuickBooks computes it."""
    if fields.get("Amount"):
        return
    quantity = fields.get("Quantity")
    rate = fields.get("Rate") or fields.get("Cost")
    if quantity and rate:
        try:
            fields["Amount"] = amount_text(Decimal(quantity) * Decimal(rate))
        except InvalidOperation:
            raise StatusError(3020, f'There was an error when converting the quantity "{quantity}".') from None


compute_amount = _compute_amount
line_amount = _line_amount
