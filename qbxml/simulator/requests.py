"""Answering one qbXML request: the `*Rq` element in, the `*Rs` element out, as QuickBooks answers it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

from qbxml.simulator.book import (
    ZERO,
    Book,
    LineMod,
    amount_text,
    compute_amount,
    escape_attribute,
    invalid_reference,
    invalid_value,
    line_amount,
    normalize,
    not_found,
    to_decimal,
)
from qbxml.simulator.orders import (
    AGGREGATES,
    ENTITY_KINDS,
    ENTITY_TAGS,
    GROUP_LINE_TAGS,
    HEADER_ACCOUNTS,
    ITEM_KINDS,
    LINE_ADD_TAGS,
    LINE_MOD_TAGS,
    LINE_ORDERS,
    LIST_KINDS,
    LIST_ORDERS,
    LIST_WORDS,
    MOD_AGGREGATES,
    PARENT_KINDS,
    QUERY_KINDS,
    REF_KINDS,
    REF_WORDS,
    TXN_COMPUTED,
    TXN_CORE,
    TXN_KINDS,
    TXN_ORDERS,
    VOIDABLE_TXN_KINDS,
)
from qbxml.simulator.records import ListRecord, StatusError, TxnLine, TxnRecord

Element = etree._Element

OK_MESSAGE = "Status OK"
NO_MATCH_MESSAGE = "A query request did not find a matching object in QuickBooks"
FEATURE_OFF_MESSAGE = "This feature is not enabled or not available in this version of QuickBooks."

LIST_ADD_KINDS = frozenset(
    {"Vendor", "Customer", "OtherName", "ItemService", "ItemNonInventory", "ItemOtherCharge", "Class", "Account"}
)
LIST_MOD_KINDS = LIST_ADD_KINDS
TXN_ADD_KINDS = TXN_KINDS
TXN_MOD_KINDS = TXN_KINDS - {"BillPaymentCheck", "BillPaymentCreditCard"}
NAME_LIMITS = {
    "Vendor": 41,
    "Customer": 41,
    "OtherName": 41,
    "ItemService": 31,
    "ItemNonInventory": 31,
    "ItemOtherCharge": 31,
    "Class": 31,
    "Account": 31,
}
REF_NUMBER_LIMITS = {
    "Estimate": 11,
    "PurchaseOrder": 11,
    "Bill": 20,
    "Check": 11,
    "CreditCardCharge": 11,
    "CreditCardCredit": 11,
    "VendorCredit": 20,
    "ItemReceipt": 20,
    "JournalEntry": 11,
    "BillPaymentCheck": 11,
    "BillPaymentCreditCard": 11,
}
# Tags of a list Add/Mod body handled apart from the stored fields.
_LIST_SKIP = frozenset(
    {"ListID", "EditSequence", "Name", "FullName", "IsActive", "ParentRef", "Sublevel", "Balance", "TotalBalance"}
)
_LIST_READ = {
    kind: frozenset(order) - _LIST_SKIP - {"TimeCreated", "TimeModified"} for kind, order in LIST_ORDERS.items()
}
_TXN_READ = {
    kind: frozenset(order) - TXN_COMPUTED - frozenset(TXN_CORE) - frozenset(LINE_ORDERS)
    for kind, order in TXN_ORDERS.items()
}
_LINE_READ = {tag: frozenset(order) - {"TxnLineID", "IsBilled"} for tag, order in LINE_ORDERS.items()}
_AGGREGATE_READ = {tag: frozenset(children) for tag, children in AGGREGATES.items()}
_LOCK_TAGS = frozenset({"Name", "FullName", "ListID", "TxnID", "RefNumber"})
_LOCK_MESSAGES = {
    3170: "There was an error when modifying {what}. QuickBooks error message: This record is in use by another user.",
    3175: "There was an error when saving {what}. QuickBooks error message: Cannot lock the record: "
    "it is being edited by another user.",
    3176: "There was an error when saving {what}. QuickBooks error message: The record is locked by another user.",
    3180: "There was an error when saving {what}. QuickBooks error message: This object is in use.",
}


@dataclass
class Outcome:
    children: list[str] = field(default_factory=list)  # the *Ret elements (or other content), as XML
    code: int = 0
    severity: str = "Info"
    message: str = OK_MESSAGE
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Lock:
    label: str
    keys: set[str]
    remaining: int
    code: int
    message: str | None


@dataclass
class QueryIterator:
    request_tag: str
    ids: list[str]
    position: int = 0


@dataclass
class HostSettings:
    company_name: str
    country: str
    product_name: str
    major_version: str
    minor_version: str
    supported_versions: tuple[str, ...]
    file_mode: str = "MultiUser"
    is_automatic_login: bool = False
    legal_company_name: str = ""
    is_using_class_tracking: bool = True
    is_using_estimates: bool = True
    is_using_progress_invoicing: bool = True
    is_using_inventory: bool = False
    is_using_account_numbers: bool = False
    closing_date: str | None = None


def _xml(element: Element) -> str:
    return etree.tostring(element, encoding="unicode")


def _text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None:
        return None
    return child.text or ""


def _texts(parent: Element, tag: str) -> list[str]:
    return [(child.text or "") for child in parent.findall(tag)]


def _bool(parent: Element, tag: str) -> bool | None:
    text = _text(parent, tag)
    return None if text is None else normalize("IsActive", text) == "true"


def _int(parent: Element, tag: str) -> int | None:
    text = _text(parent, tag)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid_value(tag, text, "Not a whole number.") from None


def _stale(edit_sequence: str) -> StatusError:
    return StatusError(3200, f'The provided edit sequence "{edit_sequence}" is out-of-date. ')


def _missing(identifier: str) -> str:
    return (
        "The query request has not been fully completed. There was a required element "
        f'("{identifier}") that could not be found in QuickBooks.'
    )


def _ref_number_key(value: str) -> tuple[int, Any]:
    return (0, int(value)) if value.isdigit() else (1, value.lower())


class Engine:
    """The request handlers, with what lives only as long as a session: iterators, injected faults."""

    def __init__(self, book: Book, host: HostSettings) -> None:
        self.book = book
        self.host = host
        self.iterators: dict[str, QueryIterator] = {}
        self.locks: list[Lock] = []
        self.denied: dict[str, int] = {}
        self.add_counts: dict[tuple[str, str], int] = {}
        self._handlers: dict[str, Callable[[Element, dict[str, str]], Outcome]] = {}
        for kind in LIST_ADD_KINDS:
            self._handlers[f"{kind}AddRq"] = self._for(self.list_add, kind)
        for kind in LIST_MOD_KINDS:
            self._handlers[f"{kind}ModRq"] = self._for(self.list_mod, kind)
        for kind in QUERY_KINDS:
            self._handlers[f"{kind}QueryRq"] = self._for(self.list_query, kind)
        for kind in TXN_ADD_KINDS:
            self._handlers[f"{kind}AddRq"] = self._for(self.txn_add, kind)
        for kind in TXN_MOD_KINDS:
            self._handlers[f"{kind}ModRq"] = self._for(self.txn_mod, kind)
        for kind in TXN_KINDS:
            self._handlers[f"{kind}QueryRq"] = self._for(self.txn_query, kind)
        self._handlers.update(
            {
                "TransactionQueryRq": self.transaction_query,
                "TxnDeletedQueryRq": self.txn_deleted_query,
                "ListDeletedQueryRq": self.list_deleted_query,
                "ListDelRq": self.list_del,
                "TxnDelRq": self.txn_del,
                "TxnVoidRq": self.txn_void,
                "HostQueryRq": self.host_query,
                "CompanyQueryRq": self.company_query,
                "PreferencesQueryRq": self.preferences_query,
            }
        )

    @staticmethod
    def _for(
        handler: Callable[[Element, str, dict[str, str]], Outcome], kind: str
    ) -> Callable[[Element, dict[str, str]], Outcome]:
        return lambda rq, macros: handler(rq, kind, macros)

    # ----------------------------------------------------------------------------------------------
    # One request

    def handle(self, rq: Element, macros: dict[str, str]) -> tuple[str, int, str]:
        """The *Rs answering `rq`, as XML text, with its status code and severity."""
        tag = str(rq.tag)
        try:
            outcome = self._outcome(rq, tag, macros)
        except StatusError as error:
            outcome = Outcome(code=error.code, severity=error.severity, message=error.message)
        rs_tag = tag[:-2] + "Rs"
        request_id = rq.get("requestID")
        attributes = [f'requestID="{escape_attribute(request_id)}" '] if request_id is not None else []
        attributes.append(
            f'statusCode="{outcome.code}" statusSeverity="{outcome.severity}" '
            f'statusMessage="{escape_attribute(outcome.message)}"'
        )
        attributes.extend(f' {name}="{escape_attribute(value)}"' for name, value in outcome.attributes.items())
        head = f"<{rs_tag} {''.join(attributes)}"
        if not outcome.children:
            return f"{head} />", outcome.code, outcome.severity
        return f"{head}>{''.join(outcome.children)}</{rs_tag}>", outcome.code, outcome.severity

    def _outcome(self, rq: Element, tag: str, macros: dict[str, str]) -> Outcome:
        operation = tag[:-2]
        if operation in self.denied:
            raise StatusError(self.denied[operation], "Insufficient permission level to perform this action.")
        handler = self._handlers.get(tag)
        if handler is None:
            raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The QuickBooks simulator does not handle {tag}.)")
        if not operation.endswith("Query"):
            self._check_locks(rq, operation)
        return handler(rq, macros)

    def precheck(self, rq: Element) -> str | None:
        """What makes QuickBooks refuse the whole document, for a schema-less run: structure and lengths."""
        tag = rq.tag
        if not isinstance(tag, str) or not tag.endswith("Rq"):
            return f"{tag!r} is not a request"
        operation = tag[:-2]
        for suffix in ("Add", "Mod"):
            if not operation.endswith(suffix):
                continue
            kind = operation[: -len(suffix)]
            if kind not in LIST_KINDS and kind not in TXN_KINDS:
                return None
            body = rq.find(operation)
            if body is None:
                return f"{tag} has no {operation}"
            if suffix == "Mod":
                core = ("ListID", "EditSequence") if kind in LIST_KINDS else ("TxnID", "EditSequence")
                for required in core:
                    element = body.find(required)
                    if element is None or not ((element.text or "").strip() or element.get("useMacro")):
                        return f"{operation} has no {required}"
            name = ref_number = None
            for child in body:  # one pass: this runs for every request of a schema-less run
                if child.tag == "Name":
                    name = child.text or ""
                elif child.tag == "RefNumber":
                    ref_number = child.text or ""
            if kind in NAME_LIMITS:
                if suffix == "Add" and not name:
                    return f"{operation} has no Name"
                if name is not None and len(name) > NAME_LIMITS[kind]:
                    return f"{operation}/Name is longer than {NAME_LIMITS[kind]} characters"
            if ref_number is not None and kind in REF_NUMBER_LIMITS and len(ref_number) > REF_NUMBER_LIMITS[kind]:
                return f"{operation}/RefNumber is longer than {REF_NUMBER_LIMITS[kind]} characters"
        return None

    # ----------------------------------------------------------------------------------------------
    # Injected faults and counters

    def lock(self, name_or_id: str, times: int, code: int, message: str | None) -> None:
        keys = {name_or_id.lower()}
        for record in self.book.lists.values():
            if name_or_id.lower() in (record.list_id.lower(), record.full_name.lower()):
                keys.update({record.list_id.lower(), record.full_name.lower()})
        for txn in self.book.txns.values():
            if name_or_id.lower() in (txn.txn_id.lower(), str(txn.fields.get("RefNumber", "")).lower()):
                keys.add(txn.txn_id.lower())
        self.locks.append(Lock(name_or_id, keys, times, code, message))

    def _check_locks(self, rq: Element, operation: str) -> None:
        if not self.locks:
            return
        touched = {(element.text or "").lower() for element in rq.iter(*_LOCK_TAGS)}
        body = rq[0] if len(rq) else None
        if body is not None:
            parent = body.find("ParentRef/FullName")
            name = _text(body, "Name")
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

    def _count_add(self, kind: str, name: str | None) -> None:
        if name:
            key = (kind, name.lower())
            self.add_counts[key] = self.add_counts.get(key, 0) + 1

    def end_session(self) -> None:
        self.iterators.clear()

    # ----------------------------------------------------------------------------------------------
    # Reading request bodies

    def resolve(self, ref: Element, tag: str, kinds: frozenset[str], where: str, word: str | None = None) -> ListRecord:
        list_id = full_name = None
        for part in ref:  # one pass instead of two find() calls: every reference of every request comes here
            if part.tag == "ListID":
                list_id = part.text or ""
            elif part.tag == "FullName":
                full_name = part.text or ""
        if list_id:
            record = self.book.find_list(kinds, list_id=list_id)
        elif full_name:
            record = self.book.find_list(kinds, full_name=full_name)
        else:
            record = None
        if record is None:
            word = word or REF_WORDS.get(tag) or ("Account" if "Account" in tag else "Entity")
            raise invalid_reference(word, full_name or list_id or "", where)
        return record

    def read_fields(self, body: Element, allowed: frozenset[str], where: str) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for child in body:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            target = MOD_AGGREGATES.get(tag, tag)
            if target not in allowed:
                continue
            if tag.endswith("Ref"):
                kinds = REF_KINDS.get(tag)
                if kinds is not None and len(child):
                    fields[tag] = self.resolve(child, tag, kinds, where).list_id
            elif len(child):
                fields[target] = self.read_fields(child, _AGGREGATE_READ[target], where)
            else:
                fields[tag] = normalize(tag, child.text or "")
        return fields

    @staticmethod
    def _body(rq: Element, tag: str) -> Element:
        body = rq.find(tag)
        if body is None:
            raise StatusError(3000, f"The request has no {tag}.")
        return body

    @staticmethod
    def _id(element: Element | None, macros: dict[str, str]) -> str:
        if element is None:
            return ""
        macro = element.get("useMacro")
        if macro:
            if macro not in macros:
                raise StatusError(3120, f'The macro "{macro}" is not defined earlier in this message.')
            return macros[macro]
        return (element.text or "").strip()

    # ----------------------------------------------------------------------------------------------
    # Lists

    def list_add(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        body = self._body(rq, f"{kind}Add")
        word = LIST_WORDS[kind]
        name = _text(body, "Name") or ""
        self._check_name(name)
        parent_ref = body.find("ParentRef")
        parent = None
        if parent_ref is not None and kind in PARENT_KINDS:
            parent = self.resolve(parent_ref, "ParentRef", PARENT_KINDS[kind], word, word)
        fields = self.read_fields(body, _LIST_READ[kind], word)
        self._check_list_fields(kind, name, fields)
        is_active = _bool(body, "IsActive")
        record = self.book.create_list(
            kind, name, parent=parent, is_active=True if is_active is None else is_active, fields=fields
        )
        self._count_add(kind, record.full_name)
        return Outcome([self.book.render_list(record)])

    @staticmethod
    def _check_name(name: str) -> None:
        if ":" in name:
            raise invalid_value("Name", name, 'A name cannot contain a colon (":").')
        if not name.strip():
            raise invalid_value("Name", name, "A name cannot be empty.")

    def _check_list_fields(self, kind: str, name: str, fields: dict[str, Any]) -> None:
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
        elif kind == "Class" and not self.host.is_using_class_tracking:
            raise StatusError(3250, FEATURE_OFF_MESSAGE)
        elif kind == "Account" and not fields.get("AccountType"):
            raise invalid_value("AccountType", "", "An account needs a type.")

    def list_mod(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        body = self._body(rq, f"{kind}Mod")
        word = LIST_WORDS[kind]
        list_id = _text(body, "ListID") or ""
        record = self.book.find_list({kind}, list_id=list_id)
        if record is None:
            raise not_found(list_id)
        edit_sequence = _text(body, "EditSequence") or ""
        if edit_sequence != record.edit_sequence:
            raise _stale(edit_sequence)
        name = _text(body, "Name")
        if name is not None:
            self._check_name(name)
        parent_ref = body.find("ParentRef")
        parent = None
        if parent_ref is not None and kind in PARENT_KINDS:
            parent = self.resolve(parent_ref, "ParentRef", PARENT_KINDS[kind], word, word)
        changes = self.read_fields(body, _LIST_READ[kind], word)
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
        self._check_list_fields(kind, name or record.name, merged)
        # modify_list refuses (a name in use, a parent loop) before it changes anything.
        self.book.modify_list(record, name=name, parent=parent, is_active=_bool(body, "IsActive"))
        record.fields = {tag: value for tag, value in merged.items() if value != ""}
        return Outcome([self.book.render_list(record)])

    def list_query(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        kinds = QUERY_KINDS[kind]
        list_ids = _texts(rq, "ListID")
        full_names = _texts(rq, "FullName")
        missing: str | None = None
        if list_ids or full_names:
            records: list[ListRecord] = []
            for list_id in list_ids:
                record = self.book.find_list(kinds, list_id=list_id)
                if record is None:
                    missing = missing or list_id
                else:
                    records.append(record)
            for full_name in full_names:
                record = self.book.find_list(kinds, full_name=full_name)
                if record is None:
                    missing = missing or full_name
                else:
                    records.append(record)
        else:
            records = self._filter_lists(rq, kinds)
        return self._answer(
            rq,
            [record.list_id for record in records],
            lambda list_id: self.book.lists.get(list_id),
            lambda record, only: self.book.render_list(record, only),
            missing,
        )

    def _filter_lists(self, rq: Element, kinds: frozenset[str]) -> list[ListRecord]:
        book = self.book
        active = _text(rq, "ActiveStatus") or "ActiveOnly"
        start = _text(rq, "FromModifiedDate")
        end = _text(rq, "ToModifiedDate")
        start_at = self._time(start, end=False) if start else None
        end_at = self._time(end, end=True) if end else None
        name_filter = rq.find("NameFilter")
        criterion = _text(name_filter, "MatchCriterion") if name_filter is not None else None
        wanted = (_text(name_filter, "Name") or "") if name_filter is not None else ""
        name_range = rq.find("NameRangeFilter")
        low = ((_text(name_range, "FromName") or "").lower() or None) if name_range is not None else None
        high = ((_text(name_range, "ToName") or "").lower() or None) if name_range is not None else None
        account_types = set(_texts(rq, "AccountType"))
        matched: list[ListRecord] = []
        for record in book.list_records(kinds):
            if active == "ActiveOnly" and not record.is_active or active == "InactiveOnly" and record.is_active:
                continue
            if start_at is not None and record.time_modified < start_at:
                continue
            if end_at is not None and record.time_modified > end_at:
                continue
            if name_filter is not None and not _matches(criterion, wanted, record.full_name):
                continue
            if name_range is not None and not _in_range(record.full_name.lower(), low, high):
                continue
            if account_types and record.fields.get("AccountType") not in account_types:
                continue
            matched.append(record)
        return matched

    def _time(self, text: str, *, end: bool) -> int:
        try:
            return self.book.parse_time(text, end=end)
        except (ValueError, IndexError):
            raise invalid_value("ModifiedDate", text, "Not a date and time.") from None

    def _answer(
        self,
        rq: Element,
        ids: list[str],
        fetch: Callable[[str], Any],
        render: Callable[[Any, frozenset[str] | None], str],
        missing: str | None = None,
    ) -> Outcome:
        """The common tail of every query: MaxReturned, iterators, metaData, IncludeRetElement, status."""
        max_returned = _int(rq, "MaxReturned")
        only = frozenset(_texts(rq, "IncludeRetElement")) or None
        attributes: dict[str, str] = {}
        iterator = rq.get("iterator")
        if iterator == "Start":
            iterator_id = "{" + str(uuid.uuid4()) + "}"
            cursor = QueryIterator(str(rq.tag), ids)
            self.iterators[iterator_id] = cursor
            page_ids = self._page(cursor, max_returned)
            attributes["iteratorRemainingCount"] = str(len(ids) - cursor.position)
            attributes["iteratorID"] = iterator_id
            if cursor.position >= len(ids):
                del self.iterators[iterator_id]
        elif iterator in ("Continue", "Stop"):
            iterator_id = rq.get("iteratorID") or ""
            found_cursor = self.iterators.get(iterator_id)
            if found_cursor is None or found_cursor.request_tag != rq.tag:
                raise StatusError(3391, f'The iteratorID "{iterator_id}" is not valid.')
            if iterator == "Stop":
                del self.iterators[iterator_id]
                return Outcome(attributes={"iteratorRemainingCount": "0", "iteratorID": iterator_id})
            page_ids = self._page(found_cursor, max_returned)
            attributes["iteratorRemainingCount"] = str(len(found_cursor.ids) - found_cursor.position)
            attributes["iteratorID"] = iterator_id
            if found_cursor.position >= len(found_cursor.ids):
                del self.iterators[iterator_id]
        else:
            page_ids = ids if max_returned is None else ids[: max(max_returned, 0)]
        records = [record for record in (fetch(i) for i in page_ids) if record is not None]
        meta = rq.get("metaData", "NoMetaData")
        if meta != "NoMetaData":
            attributes = {"retCount": str(len(records)), **attributes}
        children = [] if meta == "MetaDataOnly" else [render(record, only) for record in records]
        if missing is not None:
            return Outcome(children, 500, "Warn", _missing(missing), attributes)
        if not records:
            return Outcome([], 1, "Info", NO_MATCH_MESSAGE, attributes)
        return Outcome(children, attributes=attributes)

    @staticmethod
    def _page(cursor: QueryIterator, max_returned: int | None) -> list[str]:
        size = len(cursor.ids) - cursor.position if max_returned is None else max(max_returned, 0)
        page = cursor.ids[cursor.position : cursor.position + size]
        cursor.position += len(page)
        return page

    # ----------------------------------------------------------------------------------------------
    # Transactions

    def txn_add(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        body = self._body(rq, f"{kind}Add")
        if kind == "Estimate" and not self.host.is_using_estimates:
            raise StatusError(3250, FEATURE_OFF_MESSAGE)
        fields = self.read_fields(body, _TXN_READ[kind], kind)
        self._check_header(kind, fields)
        lines: list[TxnLine] = []
        for po_id in body.findall("LinkToTxnID"):
            lines.extend(self._lines_from_purchase_order(self._id(po_id, macros), kind, fields))
        applied: list[dict[str, str]] = []
        pending: dict[str, Decimal] = {}
        line_macros: list[tuple[str, TxnLine]] = []
        for child in body:
            tag = child.tag
            if tag in LINE_ADD_TAGS:
                line = self._line(child, LINE_ADD_TAGS[str(tag)], kind, fields, macros)
                lines.append(line)
                if child.get("defMacro"):
                    line_macros.append((child.get("defMacro") or "", line))
            elif tag in GROUP_LINE_TAGS:
                raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The QuickBooks simulator does not handle {tag}.)")
            elif tag == "AppliedToTxnAdd":
                amount_text_ = _text(child, "PaymentAmount")
                bill_id = self._id(child.find("TxnID"), macros)
                amount = normalize("Amount", amount_text_) if amount_text_ else None
                applied.append(self.payment_entry(fields.get("PayeeEntityRef"), bill_id, amount, pending))
        record = self.book.create_txn(kind, fields, lines, applied=applied)
        macro = body.get("defMacro")
        if macro:
            macros[macro] = record.txn_id
        for macro, line in line_macros:
            macros[macro] = line.txn_line_id
        self._count_add(kind, record.fields.get("RefNumber"))
        return Outcome([self.book.render_txn(record)])

    def _check_header(self, kind: str, fields: dict[str, Any]) -> None:
        entity_tag = ENTITY_TAGS[kind]
        if entity_tag and entity_tag not in fields and kind not in ("Check", "CreditCardCharge", "CreditCardCredit"):
            word = REF_WORDS.get(entity_tag, "Entity")
            raise invalid_reference(word, "", kind)
        if kind in HEADER_ACCOUNTS:
            tag, default = HEADER_ACCOUNTS[kind]
            if tag not in fields:
                account = self.book.find_list({"Account"}, full_name=default)
                if account is None:
                    raise invalid_reference("Account", default, kind)
                fields[tag] = account.list_id

    def _line(self, element: Element, tag: str, kind: str, header: dict[str, Any], macros: dict[str, str]) -> TxnLine:
        where = f"{kind} line"
        fields = self.read_fields(element, _LINE_READ[tag], where)
        link = None
        link_element = element.find("LinkToTxn")
        if link_element is not None:
            txn_id = self._id(link_element.find("TxnID"), macros)
            line_id = self._id(link_element.find("TxnLineID"), macros)
            link = self._link_to_purchase_order_line(txn_id, line_id, header, fields)
        self._default_line(tag, fields)
        return self.book.new_line(tag, fields, link)

    @staticmethod
    def _default_line(tag: str, fields: dict[str, Any]) -> None:
        if tag in ("ItemLineRet", "ExpenseLineRet") and fields.get("CustomerRef"):
            fields.setdefault("BillableStatus", "Billable")
        compute_amount(fields)

    def _purchase_order_for(self, txn_id: str, header: dict[str, Any]) -> TxnRecord:
        order = self.book.find_txn({"PurchaseOrder"}, txn_id)
        if order is None:
            raise not_found(txn_id)
        if header.get("VendorRef") and order.fields.get("VendorRef") != header["VendorRef"]:
            raise invalid_value("LinkToTxn/TxnID", txn_id, "The purchase order is for another vendor.")
        return order

    def _link_to_purchase_order_line(
        self, txn_id: str, line_id: str, header: dict[str, Any], fields: dict[str, Any]
    ) -> tuple[str, str]:
        order = self._purchase_order_for(txn_id, header)
        order_line = next((line for line in order.lines if line.txn_line_id == line_id), None)
        if order_line is None:
            raise not_found(line_id)
        item = order_line.fields.get("ItemRef")
        if fields.get("ItemRef") and fields["ItemRef"] != item:
            raise invalid_value("ItemRef", fields["ItemRef"], "The item differs from the linked purchase order line.")
        for tag in ("ItemRef", "Desc", "ClassRef", "CustomerRef"):
            if tag in order_line.fields:
                fields.setdefault(tag, order_line.fields[tag])
        if not fields.get("Amount") and not (fields.get("Quantity") and fields.get("Cost")):
            remaining = line_amount(order_line) - self.book.billed(order).get(line_id, ZERO)
            fields["Amount"] = amount_text(max(remaining, ZERO))
        return (order.txn_id, line_id)

    def _lines_from_purchase_order(self, txn_id: str, kind: str, header: dict[str, Any]) -> list[TxnLine]:
        """LinkToTxnID on a bill: every open line of the purchase order comes in at what is left of it."""
        order = self._purchase_order_for(txn_id, header)
        billed = self.book.billed(order)
        lines = []
        for order_line in order.lines:
            remaining = line_amount(order_line) - billed.get(order_line.txn_line_id, ZERO)
            if remaining <= 0:
                continue
            fields: dict[str, Any] = {
                tag: order_line.fields[tag]
                for tag in ("ItemRef", "Desc", "ClassRef", "CustomerRef")
                if tag in order_line.fields
            }
            fields["Amount"] = amount_text(remaining)
            self._default_line("ItemLineRet", fields)
            lines.append(self.book.new_line("ItemLineRet", fields, (order.txn_id, order_line.txn_line_id)))
        return lines

    def payment_entry(
        self, payee: str | None, bill_id: str, amount: str | None, pending: dict[str, Decimal] | None = None
    ) -> dict[str, str]:
        """One bill a payment pays; `pending` holds what earlier entries of the same payment already pay."""
        bill = self.book.find_txn({"Bill"}, bill_id)
        if bill is None:
            raise not_found(bill_id)
        if payee and bill.fields.get("VendorRef") != payee:
            raise invalid_value("AppliedToTxnAdd/TxnID", bill_id, "The bill is for another vendor.")
        pending = {} if pending is None else pending
        open_amount = self.book.open_amount(bill) - pending.get(bill.txn_id, ZERO)
        value = to_decimal(amount) if amount is not None else open_amount
        pending[bill.txn_id] = pending.get(bill.txn_id, ZERO) + value
        if value > open_amount:
            raise invalid_value(
                "PaymentAmount", amount_text(value), f"The bill's open balance is {amount_text(open_amount)}."
            )
        return {"TxnID": bill.txn_id, "Amount": amount_text(value)}

    def txn_mod(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        body = self._body(rq, f"{kind}Mod")
        if kind == "Estimate" and not self.host.is_using_estimates:
            raise StatusError(3250, FEATURE_OFF_MESSAGE)
        txn_id = self._id(body.find("TxnID"), macros)
        record = self.book.find_txn({kind}, txn_id)
        if record is None:
            raise not_found(txn_id)
        edit_sequence = _text(body, "EditSequence") or ""
        if edit_sequence != record.edit_sequence:
            raise _stale(edit_sequence)
        fields = self.read_fields(body, _TXN_READ[kind], kind)
        groups: dict[str, list[LineMod]] = {}
        if _bool(body, "ClearItemLines"):
            groups["ItemLineRet"] = []
        if _bool(body, "ClearExpenseLines"):
            groups["ExpenseLineRet"] = []
        existing = {line.txn_line_id: line for line in record.lines}
        for child in body:
            group = LINE_MOD_TAGS.get(str(child.tag))
            if group is None:
                if child.tag in GROUP_LINE_TAGS:
                    raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The simulator does not handle {child.tag}.)")
                continue
            line_id = self._id(child.find("TxnLineID"), macros)
            tag = group
            if group == "JournalLine":
                line_type = _text(child, "JournalLineType")
                if line_type:
                    tag = "JournalDebitLine" if line_type == "Debit" else "JournalCreditLine"
                elif line_id in existing:
                    tag = existing[line_id].tag
                else:
                    tag = "JournalDebitLine"
            line_fields = self.read_fields(child, _LINE_READ[tag], f"{kind} line")
            if line_id == "-1":
                self._default_line(tag, line_fields)
            groups.setdefault(group, []).append((line_id, tag, line_fields, None))
        self.book.modify_txn(record, fields, groups)
        return Outcome([self.book.render_txn(record)])

    def txn_query(self, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
        include_lines = bool(_bool(rq, "IncludeLineItems"))
        include_linked = bool(_bool(rq, "IncludeLinkedTxns"))
        txn_ids = [self._id(element, macros) for element in rq.findall("TxnID")]
        missing: str | None = None
        if txn_ids:
            records: list[TxnRecord] = []
            for txn_id in txn_ids:
                record = self.book.find_txn({kind}, txn_id)
                if record is None:
                    missing = missing or txn_id
                else:
                    records.append(record)
        else:
            records, missing = self._filter_txns(rq, kind)
        return self._answer(
            rq,
            [record.txn_id for record in records],
            lambda txn_id: self.book.txns.get(txn_id),
            lambda record, only: self.book.render_txn(
                record, include_lines=include_lines, include_linked=include_linked, only=only
            ),
            missing,
        )

    def _filter_txns(self, rq: Element, kind: str) -> tuple[list[TxnRecord], str | None]:
        exact = _texts(rq, "RefNumber")
        exact_cs = _texts(rq, "RefNumberCaseSensitive")
        if exact or exact_cs:
            found: dict[str, TxnRecord] = {}
            for value in exact:
                found.update((txn.txn_id, txn) for txn in self.book.txns_with_ref(kind, value))
            for value in exact_cs:
                found.update(
                    (t.txn_id, t) for t in self.book.txns_with_ref(kind, value) if t.fields["RefNumber"] == value
                )
            return sorted(found.values(), key=lambda txn: (txn.fields.get("TxnDate", ""), txn.txn_number)), None
        candidates: list[TxnRecord] | None = None
        tests: list[Callable[[TxnRecord], bool]] = []
        modified = rq.find("ModifiedDateRangeFilter")
        if modified is not None:
            tests.append(self._modified_test(modified))
        dates = rq.find("TxnDateRangeFilter")
        if dates is not None:
            tests.append(_date_test(dates))
        entity = rq.find("EntityFilter")
        if entity is not None:
            ids, missing = self._filter_ids(entity, ENTITY_KINDS)
            if missing is not None:
                return [], missing
            if kind != "JournalEntry":  # a journal entry's parties are on its lines, which are not indexed
                candidates = self.book.txns_of_entities(kind, ids)
            tests.append(lambda txn: bool(ids & _entities(txn)))
        account = rq.find("AccountFilter")
        if account is not None:
            ids, missing = self._filter_ids(account, frozenset({"Account"}))
            if missing is not None:
                return [], missing
            tests.append(lambda txn: bool(ids & _accounts(txn)))
        ref_filter = rq.find("RefNumberFilter")
        if ref_filter is not None:
            criterion = _text(ref_filter, "MatchCriterion")
            value = _text(ref_filter, "RefNumber") or ""
            tests.append(lambda txn: _matches(criterion, value, str(txn.fields.get("RefNumber", ""))))
        ref_range = rq.find("RefNumberRangeFilter")
        if ref_range is not None:
            low = _text(ref_range, "FromRefNumber")
            high = _text(ref_range, "ToRefNumber")
            tests.append(lambda txn: _ref_in_range(str(txn.fields.get("RefNumber", "")), low, high))
        paid = _text(rq, "PaidStatus")
        if paid in ("PaidOnly", "NotPaidOnly"):
            want_paid = paid == "PaidOnly"
            tests.append(lambda txn: (self.book.open_amount(txn) <= 0) == want_paid)
        if candidates is None:
            candidates = self.book.txn_records({kind})
        return [txn for txn in candidates if all(test(txn) for test in tests)], None

    def _modified_test(self, element: Element) -> Callable[[TxnRecord], bool]:
        start = _text(element, "FromModifiedDate")
        end = _text(element, "ToModifiedDate")
        start_at = self._time(start, end=False) if start else None
        end_at = self._time(end, end=True) if end else None
        return lambda txn: (
            (start_at is None or txn.time_modified >= start_at) and (end_at is None or txn.time_modified <= end_at)
        )

    def _filter_ids(self, element: Element, kinds: frozenset[str]) -> tuple[set[str], str | None]:
        """The ListIDs an EntityFilter/AccountFilter names (with sub-records for ...WithChildren)."""
        ids: set[str] = set()
        for tag, by_id, children in (
            ("ListID", True, False),
            ("FullName", False, False),
            ("ListIDWithChildren", True, True),
            ("FullNameWithChildren", False, True),
        ):
            for value in _texts(element, tag):
                record = (
                    self.book.find_list(kinds, list_id=value) if by_id else self.book.find_list(kinds, full_name=value)
                )
                if record is None:
                    return set(), value
                ids.add(record.list_id)
                if children:
                    ids.update(child.list_id for child in self.book.descendants(record))
        return ids, None

    def transaction_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        """TransactionQuery: one TransactionRet per transaction (SummaryOnly, the default) or per line."""
        book = self.book
        txn_ids = [self._id(element, macros) for element in rq.findall("TxnID")]
        missing: str | None = None
        kinds: Iterable[str] = TXN_KINDS
        types = rq.find("TransactionTypeFilter")
        if types is not None:
            named = set(_texts(types, "TxnTypeFilter"))
            if "All" not in named:
                kinds = TXN_KINDS & named
        candidates = book.txn_records(kinds)
        if txn_ids:
            wanted = set(txn_ids)
            candidates = [txn for txn in candidates if txn.txn_id in wanted]
            missing = next((txn_id for txn_id in txn_ids if txn_id not in book.txns), None)
        tests: list[Callable[[TxnRecord], bool]] = []
        exact = {value.lower() for value in _texts(rq, "RefNumber")}
        if exact:
            tests.append(lambda txn: str(txn.fields.get("RefNumber", "")).lower() in exact)
        modified = rq.find("TransactionModifiedDateRangeFilter")
        if modified is not None:
            tests.append(self._modified_test(modified))
        dates = rq.find("TransactionDateRangeFilter")
        if dates is not None:
            tests.append(_date_test(dates))
        line_tests: list[Callable[[TxnRecord, TxnLine | None], bool]] = []
        for tag, list_kinds, line_values in (
            ("TransactionEntityFilter", ENTITY_KINDS, _line_entities),
            ("TransactionAccountFilter", frozenset({"Account"}), _line_accounts),
            ("TransactionItemFilter", ITEM_KINDS, _line_items),
            ("TransactionClassFilter", frozenset({"Class"}), _line_classes),
        ):
            element = rq.find(tag)
            if element is None:
                continue
            ids, absent = self._filter_ids(element, list_kinds)
            if absent is not None:
                return Outcome([], 500, "Warn", _missing(absent))
            if ids:
                line_tests.append(_line_test(ids, line_values))
        detail = _text(rq, "TransactionDetailLevelFilter") or "SummaryOnly"
        rows: list[str] = []
        for txn in candidates:
            if not all(test(txn) for test in tests):
                continue
            if detail in ("SummaryOnly", "All") and all(test(txn, None) for test in line_tests):
                rows.append(txn.txn_id)
            if detail in ("All", "AllExceptSummary"):
                rows.extend(
                    f"{txn.txn_id}/{line.txn_line_id}"
                    for line in txn.lines
                    if all(test(txn, line) for test in line_tests)
                )
        return self._answer(rq, rows, self._transaction_row, lambda row, only: self._render_row(row, only), missing)

    def _transaction_row(self, row: str) -> tuple[TxnRecord, TxnLine | None] | None:
        txn_id, _, line_id = row.partition("/")
        txn = self.book.txns.get(txn_id)
        if txn is None:
            return None
        if not line_id:
            return (txn, None)
        line = next((line for line in txn.lines if line.txn_line_id == line_id), None)
        return None if line is None else (txn, line)

    def _render_row(self, row: tuple[TxnRecord, TxnLine | None], only: frozenset[str] | None) -> str:
        txn, line = row
        book = self.book
        out = ["<TransactionRet>"]
        entity_tag = ENTITY_TAGS.get(txn.kind)
        account_tag = HEADER_ACCOUNTS.get(txn.kind, ("", ""))[0]
        if line is None:
            entity = txn.fields.get(entity_tag) if entity_tag else None
            account = txn.fields.get(account_tag) if account_tag else None
            amount = book.total(txn)
            memo = txn.fields.get("Memo")
        else:
            entity = line.fields.get("CustomerRef") or line.fields.get("EntityRef")
            account = line.fields.get("AccountRef")
            amount = line_amount(line)
            memo = line.fields.get("Memo") or line.fields.get("Desc")
        values: dict[str, Any] = {
            "TxnType": txn.kind,
            "TxnID": txn.txn_id,
            "TxnLineID": line.txn_line_id if line else None,
            "TimeCreated": book.iso(txn.time_created),
            "TimeModified": book.iso(txn.time_modified),
            "EntityRef": entity,
            "AccountRef": account,
            "TxnDate": txn.fields.get("TxnDate"),
            "RefNumber": txn.fields.get("RefNumber"),
            "Amount": amount_text(amount),
            "Memo": memo,
        }
        for tag, value in values.items():
            if only is None or tag in only:
                book.emit(out, tag, value)
        out.append("</TransactionRet>")
        return "".join(out)

    def txn_deleted_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        return self._deleted(rq, "TxnDelType", self.book.deleted_txns, "TxnDeletedRet", "RefNumber")

    def list_deleted_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        return self._deleted(rq, "ListDelType", self.book.deleted_lists, "ListDeletedRet", "FullName")

    def _deleted(self, rq: Element, type_tag: str, log: list[dict[str, str]], ret_tag: str, name_tag: str) -> Outcome:
        kinds = set(_texts(rq, type_tag))
        span = rq.find("DeletedDateRangeFilter")
        start = _text(span, "FromDeletedDate") if span is not None else None
        end = _text(span, "ToDeletedDate") if span is not None else None
        start_at = self._time(start, end=False) if start else None
        end_at = self._time(end, end=True) if end else None
        children = []
        for entry in log:
            deleted = int(entry["TimeDeleted"])
            if entry[type_tag] not in kinds:
                continue
            if start_at is not None and deleted < start_at or end_at is not None and deleted > end_at:
                continue
            ret = etree.Element(ret_tag)
            id_tag = "TxnID" if type_tag == "TxnDelType" else "ListID"
            etree.SubElement(ret, type_tag).text = entry[type_tag]
            etree.SubElement(ret, id_tag).text = entry[id_tag]
            etree.SubElement(ret, "TimeCreated").text = self.book.iso(int(entry["TimeCreated"]))
            etree.SubElement(ret, "TimeDeleted").text = self.book.iso(deleted)
            if entry.get(name_tag):
                etree.SubElement(ret, name_tag).text = entry[name_tag]
            children.append(_xml(ret))
        if not children:
            return Outcome([], 1, "Info", NO_MATCH_MESSAGE)
        return Outcome(children)

    # ----------------------------------------------------------------------------------------------
    # Deleting and voiding

    def list_del(self, rq: Element, macros: dict[str, str]) -> Outcome:
        kind = _text(rq, "ListDelType") or ""
        list_id = _text(rq, "ListID") or ""
        if kind not in LIST_KINDS:
            raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The simulator does not keep {kind} lists.)")
        record = self.book.find_list({kind}, list_id=list_id)
        if record is None:
            raise not_found(list_id)
        if self.book.list_in_use(record):
            raise StatusError(
                3170,
                f'There was an error when deleting a {LIST_WORDS[kind]} list, element "{record.full_name}". '
                "QuickBooks error message: This list element is in use and cannot be deleted.",
            )
        entry = self.book.delete_list(record)
        return Outcome(self._del_children(("ListDelType", "ListID", "TimeDeleted", "FullName"), entry))

    def txn_del(self, rq: Element, macros: dict[str, str]) -> Outcome:
        kind = _text(rq, "TxnDelType") or ""
        txn_id = self._id(rq.find("TxnID"), macros)
        record = self.book.find_txn({kind}, txn_id) if kind in TXN_KINDS else None
        if record is None:
            raise not_found(txn_id)
        entry = self.book.delete_txn(record)
        return Outcome(self._del_children(("TxnDelType", "TxnID", "TimeDeleted", "RefNumber"), entry))

    def _del_children(self, tags: tuple[str, ...], entry: dict[str, str]) -> list[str]:
        children = []
        for tag in tags:
            value = entry.get(tag)
            if not value:
                continue
            element = etree.Element(tag)
            element.text = self.book.iso(int(value)) if tag == "TimeDeleted" else value
            children.append(_xml(element))
        return children

    def txn_void(self, rq: Element, macros: dict[str, str]) -> Outcome:
        kind = _text(rq, "TxnVoidType") or ""
        txn_id = self._id(rq.find("TxnID"), macros)
        record = self.book.find_txn({kind}, txn_id) if kind in TXN_KINDS else None
        if record is None:
            raise not_found(txn_id)
        if kind not in VOIDABLE_TXN_KINDS:
            raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (A {kind} cannot be voided.)")
        self.book.void_txn(record)
        children = []
        for tag, value in (
            ("TxnVoidType", kind),
            ("TxnID", record.txn_id),
            ("TimeCreated", self.book.iso(record.time_created)),
            ("TimeModified", self.book.iso(record.time_modified)),
            ("RefNumber", record.fields.get("RefNumber")),
        ):
            if value:
                element = etree.Element(tag)
                element.text = value
                children.append(_xml(element))
        return Outcome(children)

    # ----------------------------------------------------------------------------------------------
    # Host, company, preferences

    def host_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        host = self.host
        ret = etree.Element("HostRet")
        for tag, value in (
            ("ProductName", host.product_name),
            ("MajorVersion", host.major_version),
            ("MinorVersion", host.minor_version),
            ("Country", host.country),
        ):
            etree.SubElement(ret, tag).text = value
        for version in host.supported_versions:
            etree.SubElement(ret, "SupportedQBXMLVersion").text = version
        etree.SubElement(ret, "IsAutomaticLogin").text = "true" if host.is_automatic_login else "false"
        etree.SubElement(ret, "QBFileMode").text = host.file_mode
        return Outcome([_xml(ret)])

    def company_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        host = self.host
        ret = etree.Element("CompanyRet")
        etree.SubElement(ret, "IsSampleCompany").text = "false"
        etree.SubElement(ret, "CompanyName").text = host.company_name
        etree.SubElement(ret, "LegalCompanyName").text = host.legal_company_name or host.company_name
        address = etree.SubElement(ret, "Address")
        etree.SubElement(address, "Country").text = host.country
        etree.SubElement(ret, "FirstMonthFiscalYear").text = "January"
        etree.SubElement(ret, "FirstMonthIncomeTaxYear").text = "January"
        return Outcome([_xml(ret)])

    def preferences_query(self, rq: Element, macros: dict[str, str]) -> Outcome:
        host = self.host

        def flag(value: bool) -> str:
            return "true" if value else "false"

        ret = etree.Element("PreferencesRet")
        sections: list[tuple[str, list[tuple[str, str | None]]]] = [
            (
                "AccountingPreferences",
                [
                    ("IsUsingAccountNumbers", flag(host.is_using_account_numbers)),
                    ("IsRequiringAccounts", "true"),
                    ("IsUsingClassTracking", flag(host.is_using_class_tracking)),
                    ("AssignClassesTo", "Items" if host.is_using_class_tracking else None),
                    ("IsUsingAuditTrail", "true"),
                    ("IsAssigningJournalEntryNumbers", "true"),
                    ("ClosingDate", host.closing_date),
                ],
            ),
            (
                "JobsAndEstimatesPreferences",
                [
                    ("IsUsingEstimates", flag(host.is_using_estimates)),
                    ("IsUsingProgressInvoicing", flag(host.is_using_progress_invoicing)),
                    ("IsPrintingItemsWithZeroAmounts", "false"),
                ],
            ),
            ("MultiCurrencyPreferences", [("IsMultiCurrencyOn", "false")]),
            (
                "PurchasesAndVendorsPreferences",
                [
                    ("IsUsingInventory", flag(host.is_using_inventory)),
                    ("DaysBillsAreDue", "30"),
                    ("IsAutomaticallyUsingDiscounts", "false"),
                ],
            ),
            ("ReportsPreferences", [("AgingReportBasis", "AgeFromDueDate"), ("SummaryReportBasis", "Accrual")]),
            (
                "SalesAndCustomersPreferences",
                [("IsTrackingReimbursedExpensesAsIncome", "false"), ("IsAutoApplyingPayments", "true")],
            ),
            ("TimeTrackingPreferences", [("FirstDayOfWeek", "Monday")]),
            (
                "CurrentAppAccessRights",
                [("IsAutomaticLoginAllowed", flag(host.is_automatic_login)), ("IsPersonalDataAccessAllowed", "false")],
            ),
        ]
        for section, entries in sections:
            node = etree.SubElement(ret, section)
            for tag, value in entries:
                if value is not None:
                    etree.SubElement(node, tag).text = value
        return Outcome([_xml(ret)])


# --------------------------------------------------------------------------------------------------
# Filter helpers


def _matches(criterion: str | None, value: str, candidate: str) -> bool:
    value = value.lower()
    candidate = candidate.lower()
    if criterion == "StartsWith":
        return candidate.startswith(value)
    if criterion == "EndsWith":
        return candidate.endswith(value)
    return value in candidate


def _in_range(value: str, low: str | None, high: str | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _ref_in_range(value: str, low: str | None, high: str | None) -> bool:
    """QuickBooks compares reference numbers as numbers when they are numbers, else as text."""
    if not value:
        return False
    key = _ref_number_key(value)
    if low and key < _ref_number_key(low):
        return False
    return not (high and key > _ref_number_key(high))


def _date_test(element: Element) -> Callable[[TxnRecord], bool]:
    start = _text(element, "FromTxnDate")
    end = _text(element, "ToTxnDate")
    start = normalize("TxnDate", start) if start else None
    end = normalize("TxnDate", end) if end else None

    def test(txn: TxnRecord) -> bool:
        txn_date = txn.fields.get("TxnDate", "")
        return (start is None or txn_date >= start) and (end is None or txn_date <= end)

    return test


def _entities(txn: TxnRecord) -> set[str]:
    tag = ENTITY_TAGS.get(txn.kind)
    found = {txn.fields[tag]} if tag and txn.fields.get(tag) else set()
    if txn.kind == "JournalEntry":
        found.update(line.fields["EntityRef"] for line in txn.lines if line.fields.get("EntityRef"))
    return found


def _accounts(txn: TxnRecord) -> set[str]:
    found = {value for tag, value in txn.fields.items() if tag.endswith("AccountRef") and isinstance(value, str)}
    found.update(line.fields["AccountRef"] for line in txn.lines if line.fields.get("AccountRef"))
    return found


def _line_entities(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    if line is None:
        found = _entities(txn)
        found.update(line.fields["CustomerRef"] for line in txn.lines if line.fields.get("CustomerRef"))
        return found
    found = {line.fields[tag] for tag in ("CustomerRef", "EntityRef") if line.fields.get(tag)}
    tag = ENTITY_TAGS.get(txn.kind)
    if tag and txn.fields.get(tag):
        found.add(txn.fields[tag])
    return found


def _line_accounts(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    if line is None:
        return _accounts(txn)
    return {line.fields["AccountRef"]} if line.fields.get("AccountRef") else set()


def _line_items(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    lines = txn.lines if line is None else [line]
    return {entry.fields["ItemRef"] for entry in lines if entry.fields.get("ItemRef")}


def _line_classes(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    lines = txn.lines if line is None else [line]
    return {entry.fields["ClassRef"] for entry in lines if entry.fields.get("ClassRef")}


def _line_test(
    ids: set[str], values: Callable[[TxnRecord, TxnLine | None], set[str]]
) -> Callable[[TxnRecord, TxnLine | None], bool]:
    return lambda txn, line: bool(ids & values(txn, line))
