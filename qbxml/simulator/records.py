"""What the simulated company file holds, the errors it raises, and the read-only views it hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

PARSE_ERROR_HRESULT = "0x80040400"
PARSE_ERROR_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."


class QbxmlParseFailure(Exception):
    """QuickBooks refused the whole request document: the Web Connector reports `hresult` and `message`.

    `detail` says what was wrong (the schema's complaint, say); QuickBooks itself never tells.
    """

    def __init__(self, hresult: str = PARSE_ERROR_HRESULT, message: str = PARSE_ERROR_MESSAGE, detail: str = ""):
        super().__init__(f"{hresult}: {message}" + (f" ({detail})" if detail else ""))
        self.hresult = hresult
        self.message = message
        self.detail = detail


class StatusError(Exception):
    """A request QuickBooks answers with a non-zero status code (raised inside the simulator)."""

    def __init__(self, code: int, message: str, severity: str = "Error"):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.severity = severity


# --------------------------------------------------------------------------------------------------
# Stored records. `fields` maps qbXML element names to their values: text (amounts "12.50", booleans
# "true"), a dict for an aggregate (an address), or, for a tag ending in "Ref", the ListID it names.


@dataclass
class ListRecord:
    kind: str  # "Vendor", "Customer", "ItemService", "Class", "Account", ...
    list_id: str
    name: str
    full_name: str
    parent_id: str | None
    sublevel: int
    is_active: bool
    time_created: int  # seconds since the epoch
    time_modified: int
    edit_sequence: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class TxnLine:
    txn_line_id: str
    tag: str  # the Ret element: "ItemLineRet", "ExpenseLineRet", "PurchaseOrderLineRet", ...
    fields: dict[str, Any] = field(default_factory=dict)
    link: tuple[str, str] | None = None  # (TxnID, TxnLineID) of the purchase order line this bills


@dataclass
class TxnRecord:
    kind: str  # "Bill", "PurchaseOrder", ...
    txn_id: str
    txn_number: int
    time_created: int
    time_modified: int
    edit_sequence: str
    fields: dict[str, Any] = field(default_factory=dict)
    lines: list[TxnLine] = field(default_factory=list)
    # Bill payments: the bills they pay, as {"TxnID": ..., "Amount": "..."}.
    applied: list[dict[str, str]] = field(default_factory=list)
    voided: bool = False


# --------------------------------------------------------------------------------------------------
# Views handed to callers: copies, with references as full names.


@dataclass(frozen=True)
class ListView:
    kind: str
    list_id: str
    name: str
    full_name: str
    parent_full_name: str | None
    sublevel: int
    is_active: bool
    edit_sequence: str
    time_created: datetime
    time_modified: datetime
    fields: dict[str, Any]


@dataclass(frozen=True)
class LineView:
    txn_line_id: str
    line_type: str  # "Item", "Expense", "Estimate", "PurchaseOrder", "JournalDebit", "JournalCredit"
    amount: Decimal
    item: str | None
    account: str | None
    customer: str | None  # the job, or the entity of a journal line
    class_name: str | None
    description: str
    linked_to: tuple[str, str] | None  # (TxnID, TxnLineID) of the purchase order line
    fields: dict[str, Any]


@dataclass(frozen=True)
class TxnView:
    kind: str
    txn_id: str
    txn_number: int
    ref_number: str | None
    txn_date: date | None
    entity: str | None  # vendor, customer or payee full name
    total: Decimal
    open_amount: Decimal | None  # bills and vendor credits
    edit_sequence: str
    time_created: datetime
    time_modified: datetime
    memo: str
    voided: bool
    lines: tuple[LineView, ...]
    linked_txn_ids: tuple[str, ...]
    applied: tuple[tuple[str, Decimal], ...]  # bill payments: (bill TxnID, amount)
    fields: dict[str, Any]


@dataclass(frozen=True)
class SeedLine:
    """A line of a seeded transaction: an item line when `item` is set, else an expense line on `account`.

    On a journal entry every line is a debit on `account` (a negative amount makes it a credit), and
    `customer` is the line's entity.
    """

    amount: Decimal | int | str
    item: str | None = None
    account: str | None = None
    customer: str | None = None  # "Customer:Job"
    class_name: str | None = None
    description: str = ""
    billable: bool | None = None
    purchase_order_line: tuple[str, str] | None = None  # a bill line: (TxnID, TxnLineID) of the PO line it bills
