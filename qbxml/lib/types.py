"""Plain data the qbXML builders take: what a mapper makes of a domain object, nothing more.

Text is Python text (the builders map and check it for QuickBooks), money is `Decimal`, dates are
`datetime.date`. An empty string or None means "leave the field out": in a Mod request QuickBooks then
keeps what it has, so these types never clear a field in QuickBooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

JobStatus = Literal["Awarded", "Closed", "InProgress", "None", "NotAwarded", "Pending"]


@dataclass(frozen=True)
class Address:
    addr1: str = ""
    addr2: str = ""
    addr3: str = ""
    addr4: str = ""
    addr5: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    note: str = ""

    def is_empty(self) -> bool:
        return not any(
            (
                self.addr1,
                self.addr2,
                self.addr3,
                self.addr4,
                self.addr5,
                self.city,
                self.state,
                self.postal_code,
                self.country,
                self.note,
            )
        )


@dataclass(frozen=True)
class VendorData:
    name: str
    company_name: str = ""
    address: Address | None = None
    phone: str = ""
    fax: str = ""
    email: str = ""
    contact: str = ""
    account_number: str = ""  # our account number with this vendor
    tax_ident: str = ""  # the vendor's tax id (1099s)
    is_active: bool | None = None


@dataclass(frozen=True)
class VendorModData:
    list_id: str
    edit_sequence: str
    vendor: VendorData


@dataclass(frozen=True)
class CustomerData:
    """A customer, or a job when `parent_full_name` names its customer (QuickBooks' "Customer:Job")."""

    name: str
    parent_full_name: str | None = None
    company_name: str = ""
    bill_address: Address | None = None
    ship_address: Address | None = None
    phone: str = ""
    email: str = ""
    contact: str = ""
    job_status: JobStatus | None = None
    job_start_date: date | None = None
    job_projected_end_date: date | None = None
    job_end_date: date | None = None
    job_desc: str = ""
    is_active: bool | None = None

    @property
    def full_name(self) -> str:
        return f"{self.parent_full_name}:{self.name}" if self.parent_full_name else self.name


@dataclass(frozen=True)
class CustomerModData:
    list_id: str
    edit_sequence: str
    customer: CustomerData


@dataclass(frozen=True)
class ServiceItemData:
    """A cost code as a service item.

    With both accounts the item is two-sided (SalesAndPurchase: purchases post to the expense account,
    sales to the income account); with one it is one-sided (SalesOrPurchase) on that account.
    """

    name: str
    parent_full_name: str | None = None  # the division's parent item, for a sub-item
    description: str = ""  # both the purchase and the sales description
    expense_account: str | None = None
    income_account: str | None = None
    is_active: bool | None = None

    @property
    def full_name(self) -> str:
        return f"{self.parent_full_name}:{self.name}" if self.parent_full_name else self.name


@dataclass(frozen=True)
class ServiceItemModData:
    list_id: str
    edit_sequence: str
    item: ServiceItemData


@dataclass(frozen=True)
class ClassData:
    name: str
    parent_full_name: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True)
class EstimateLine:
    item_full_name: str
    amount: Decimal
    class_name: str | None = None
    description: str = ""
    # EstimateMod only: the QuickBooks line this replaces; None adds a new line.
    txn_line_id: str | None = None


@dataclass(frozen=True)
class EstimateData:
    customer_full_name: str  # the job, "Customer:Job"
    lines: tuple[EstimateLine, ...]
    txn_date: date | None = None
    ref_number: str = ""
    memo: str = ""
    is_active: bool | None = None


@dataclass(frozen=True)
class EstimateModData:
    """A budget modification: the estimate's whole line list as it should now be.

    QuickBooks deletes every existing line a Mod does not name, so `estimate.lines` must carry each line
    to keep with its `txn_line_id` (and its amount, changed or not), plus the new lines without one.
    """

    txn_id: str
    edit_sequence: str
    estimate: EstimateData


@dataclass(frozen=True)
class EstimateLinesAddData:
    """A prime contract change order: new lines on the contract's estimate.

    `existing_line_ids` must list every line already on the estimate: QuickBooks deletes the lines an
    EstimateMod does not name, and naming a line by its TxnLineID alone keeps it unchanged.
    """

    txn_id: str
    edit_sequence: str
    existing_line_ids: tuple[str, ...]
    new_lines: tuple[EstimateLine, ...]


@dataclass(frozen=True)
class PurchaseOrderLine:
    item_full_name: str
    amount: Decimal
    class_name: str | None = None
    customer_full_name: str | None = None  # the job, for job costing
    description: str = ""


@dataclass(frozen=True)
class PurchaseOrderData:
    vendor_name: str
    ref_number: str  # the commitment number
    lines: tuple[PurchaseOrderLine, ...]
    txn_date: date | None = None
    expected_date: date | None = None
    memo: str = ""


@dataclass(frozen=True)
class PurchaseOrderLinesAddData:
    """A commitment change order: new lines on an existing purchase order.

    `existing_line_ids` must list every line already on the purchase order: QuickBooks deletes the lines
    a PurchaseOrderMod does not name, and naming a line by its TxnLineID alone keeps it unchanged.
    """

    txn_id: str
    edit_sequence: str
    existing_line_ids: tuple[str, ...]
    new_lines: tuple[PurchaseOrderLine, ...]
    memo: str = ""


@dataclass(frozen=True)
class PurchaseOrderLineChange:
    """A line of a PurchaseOrderMod: an existing line (`txn_line_id`) kept as it is (`line` None) or changed
    to `line`, or a new line (`txn_line_id` None, sent as -1)."""

    txn_line_id: str | None
    line: PurchaseOrderLine | None = None


@dataclass(frozen=True)
class PurchaseOrderModData:
    """A commitment changed after it was synced: the purchase order's header and its whole line list.

    QuickBooks deletes every existing line a Mod that names lines does not name, so `lines` must list every
    line to keep (by its TxnLineID alone when it does not change). With no lines, only the header changes.
    """

    txn_id: str
    edit_sequence: str
    lines: tuple[PurchaseOrderLineChange, ...] = ()
    vendor_name: str = ""
    ref_number: str = ""
    txn_date: date | None = None
    expected_date: date | None = None
    memo: str = ""


@dataclass(frozen=True)
class BillLine:
    item_full_name: str
    amount: Decimal
    class_name: str | None = None
    customer_full_name: str | None = None
    description: str = ""
    billable: bool | None = None  # None leaves QuickBooks' default (Billable when a job is set)
    # The purchase order line this bills against (TxnLineID from the PurchaseOrderRet). QuickBooks then
    # takes the item from the PO line, so no ItemRef is sent on a linked line.
    purchase_order_txn_line_id: str | None = None


@dataclass(frozen=True)
class Retainage:
    """Money held back from a pay application, booked as a negative line on a service item."""

    amount: Decimal  # positive: the amount withheld
    item_full_name: str = "Retainage"
    customer_full_name: str | None = None
    class_name: str | None = None
    description: str = "Retainage held"


@dataclass(frozen=True)
class BillData:
    vendor_name: str
    ref_number: str  # the vendor's invoice number
    lines: tuple[BillLine, ...]
    txn_date: date | None = None
    due_date: date | None = None
    memo: str = ""
    retainage: Retainage | None = None
    purchase_order_txn_id: str | None = None  # the PO that lines with a purchase_order_txn_line_id bill against

    def total(self) -> Decimal:
        held = self.retainage.amount if self.retainage else Decimal(0)
        return sum((line.amount for line in self.lines), Decimal(0)) - held


@dataclass(frozen=True)
class BillLineChange:
    """A line of a BillMod: an existing line (`txn_line_id`) set to `line`, or a new line (`txn_line_id` None,
    sent as -1). A new line cannot be linked to a purchase order line: ItemLineMod has no LinkToTxn."""

    txn_line_id: str | None
    line: BillLine


@dataclass(frozen=True)
class BillModData:
    """A pay application changed after it was synced: the bill's header and its whole line list (QuickBooks
    deletes the lines a Mod that names lines does not name)."""

    txn_id: str
    edit_sequence: str
    lines: tuple[BillLineChange, ...]
    vendor_name: str = ""
    ref_number: str = ""
    txn_date: date | None = None
    due_date: date | None = None
    memo: str = ""

    def total(self) -> Decimal:
        return sum((change.line.amount for change in self.lines), Decimal(0))


@dataclass(frozen=True)
class InvoiceLine:
    """A line of an invoice to the owner: the billed part of a schedule-of-values line, or retention (held
    as a negative amount on the retention item, released as a positive one)."""

    item_full_name: str
    amount: Decimal
    class_name: str | None = None
    description: str = ""


@dataclass(frozen=True)
class InvoiceData:
    """An owner invoice (progress billing) to the customer:job."""

    customer_full_name: str
    ref_number: str
    lines: tuple[InvoiceLine, ...]
    txn_date: date | None = None
    due_date: date | None = None
    po_number: str = ""  # the owner's contract number, printed on the invoice
    memo: str = ""

    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class EmployeeData:
    name: str
    is_active: bool | None = None


BillableStatus = Literal["Billable", "NotBillable", "HasBeenBilled"]


@dataclass(frozen=True)
class TimeTrackingData:
    """Hours one employee worked: on a customer:job (or sub job), a service item (the cost code), a class (the
    cost type) and the wage payroll item they are paid on. `external_guid` says whose entry it is, so that
    an entry whose answer was lost is found again rather than added twice."""

    txn_date: date
    employee_full_name: str
    hours: Decimal
    customer_full_name: str | None = None
    item_service_full_name: str | None = None
    class_full_name: str | None = None
    payroll_item_wage: str | None = None
    notes: str = ""
    billable_status: BillableStatus | None = None
    external_guid: str | None = None
