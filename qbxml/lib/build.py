"""qbXML request builders: plain data in, lxml elements out, in the schema's element order.

QuickBooks rejects a whole message (0x80040400) when one element is out of place, so each builder
appends children in exactly the order of qbxmlops130.xsd / qbxmlops160.xsd, and the tests validate every
builder against both schemas. The elements used here exist with the same order in 13.0 and 16.0, so the
builders do not depend on the version; only `build_message` writes it.

Text goes through `values.qb_text`: mapped to what QuickBooks stores, never truncated; anything that does
not fit raises `values.FieldError` (a ValueError) naming the field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from lxml import etree

from qbxml.lib import limits
from qbxml.lib.types import (
    Address,
    BillData,
    BillLine,
    BillModData,
    ClassData,
    CustomerData,
    CustomerModData,
    EmployeeData,
    EstimateData,
    EstimateLine,
    EstimateLinesAddData,
    EstimateModData,
    InvoiceData,
    PurchaseOrderData,
    PurchaseOrderLine,
    PurchaseOrderLinesAddData,
    PurchaseOrderModData,
    ServiceItemData,
    ServiceItemModData,
    TimeTrackingData,
    VendorData,
    VendorModData,
)
from qbxml.lib.values import (
    FieldError,
    format_amount,
    format_bool,
    format_date,
    qb_id,
    qb_text,
)

Element = etree._Element

SUPPORTED_VERSIONS = ("13.0", "16.0")
OnError = Literal["continueOnError", "stopOnError"]
# The schema also lists rollbackOnError; QuickBooks Desktop does not roll a message back, so we never
# promise it.
ON_ERROR_VALUES = ("continueOnError", "stopOnError")

ListKind = Literal["Vendor", "Customer", "ItemService", "Item", "Class", "Account", "Employee", "PayrollItemWage"]
TxnKind = Literal[
    "PurchaseOrder",
    "Bill",
    "Estimate",
    "ItemReceipt",
    "Check",
    "CreditCardCharge",
    "CreditCardCredit",
    "VendorCredit",
    "JournalEntry",
    "BillPaymentCheck",
    "BillPaymentCreditCard",
    "Invoice",
    "ReceivePayment",
]

# Longest FullName each list can hold; queries by name check against it.
_LIST_FULL_NAME_LIMITS: dict[str, int] = {
    "Vendor": limits.VENDOR_FULL_NAME,
    "Customer": limits.CUSTOMER_FULL_NAME,
    "ItemService": limits.ITEM_FULL_NAME,
    "Item": limits.ITEM_FULL_NAME,
    "Class": limits.CLASS_FULL_NAME,
    "Account": limits.ACCOUNT_FULL_NAME,
    "Employee": limits.EMPLOYEE_NAME,
    "PayrollItemWage": limits.PAYROLL_ITEM_NAME,
}


@dataclass(frozen=True)
class _TxnQueryShape:
    include_line_items: bool
    include_linked_txns: bool


# What each transaction query accepts after its filter, per the schemas (identical in 13.0 and 16.0).
TXN_QUERY_SHAPES: dict[str, _TxnQueryShape] = {
    "PurchaseOrder": _TxnQueryShape(True, True),
    "Bill": _TxnQueryShape(True, True),
    "Estimate": _TxnQueryShape(True, True),
    "ItemReceipt": _TxnQueryShape(True, True),
    "Check": _TxnQueryShape(True, True),
    "VendorCredit": _TxnQueryShape(True, True),
    "CreditCardCharge": _TxnQueryShape(True, False),
    "CreditCardCredit": _TxnQueryShape(True, False),
    "JournalEntry": _TxnQueryShape(True, False),
    "BillPaymentCheck": _TxnQueryShape(True, False),
    "BillPaymentCreditCard": _TxnQueryShape(True, False),
    "Invoice": _TxnQueryShape(True, True),
    "ReceivePayment": _TxnQueryShape(True, False),
}

REQUEST_ID_MAX_LENGTH = 64  # not a schema limit: ours, to keep ids printable and short


# --------------------------------------------------------------------------------------------------
# Small pieces


def _request(kind: str, request_id: str, **attributes: str) -> Element:
    if not isinstance(request_id, str) or not request_id:
        raise FieldError(f"{kind}Rq/@requestID", "is empty; every request needs one to map its answer back")
    qb_id(f"{kind}Rq/@requestID", request_id, max_length=REQUEST_ID_MAX_LENGTH)
    rq = etree.Element(f"{kind}Rq", requestID=request_id)
    for name, value in attributes.items():
        rq.set(name, value)
    return rq


def _sub(parent: Element, tag: str, text: str | None = None) -> Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _text(
    parent: Element,
    tag: str,
    field: str,
    value: str | None,
    max_length: int | None,
    *,
    multiline: bool = False,
) -> None:
    if value:
        _sub(parent, tag, qb_text(field, value, max_length, multiline=multiline))


def _name(parent: Element, field: str, value: str, max_length: int) -> str:
    """A list record's own Name: required, single line, no colon."""
    text = qb_text(field, value, max_length, required=True, list_name=True)
    _sub(parent, "Name", text)
    return text


def _ref(parent: Element, tag: str, field: str, full_name: str | None, max_length: int) -> None:
    if full_name is None:
        return
    ref = _sub(parent, tag)
    _sub(ref, "FullName", qb_text(f"{field}/FullName", full_name, max_length, required=True))


def _bool(parent: Element, tag: str, value: bool | None) -> None:
    if value is not None:
        _sub(parent, tag, format_bool(value))


def _date(parent: Element, tag: str, field: str, value: date | None) -> None:
    if value is not None:
        _sub(parent, tag, format_date(field, value))


def _amount(parent: Element, tag: str, field: str, value: Decimal) -> None:
    _sub(parent, tag, format_amount(field, value))


def _address(parent: Element, tag: str, field: str, address: Address | None) -> None:
    if address is None or address.is_empty():
        return
    node = _sub(parent, tag)
    where = f"{field}/{tag}"
    for sub_tag, value in (
        ("Addr1", address.addr1),
        ("Addr2", address.addr2),
        ("Addr3", address.addr3),
        ("Addr4", address.addr4),
        ("Addr5", address.addr5),
    ):
        _text(node, sub_tag, f"{where}/{sub_tag}", value, limits.ADDR_LINE)
    _text(node, "City", f"{where}/City", address.city, limits.CITY)
    _text(node, "State", f"{where}/State", address.state, limits.STATE)
    _text(node, "PostalCode", f"{where}/PostalCode", address.postal_code, limits.POSTAL_CODE)
    _text(node, "Country", f"{where}/Country", address.country, limits.COUNTRY)
    _text(node, "Note", f"{where}/Note", address.note, limits.ADDRESS_NOTE)


def _check_full_name(field: str, parent_full_name: str | None, name: str, max_length: int) -> None:
    """A sub-record's full name (parent:name) has its own, longer limit that the parts alone do not show."""
    if not parent_full_name:
        return
    full_name = f"{qb_text(field, parent_full_name, None)}:{qb_text(field, name, None)}"
    if len(full_name) > max_length:
        raise FieldError(
            field,
            f'the full name "{full_name}" is {len(full_name)} characters long; QuickBooks allows at most {max_length}',
            limit=max_length,
        )


def _list_core_mod(body: Element, kind: str, list_id: str, edit_sequence: str) -> None:
    _sub(body, "ListID", qb_id(f"{kind}/ListID", list_id))
    _sub(body, "EditSequence", qb_id(f"{kind}/EditSequence", edit_sequence, limits.EDIT_SEQUENCE))


def _txn_core_mod(body: Element, kind: str, txn_id: str, edit_sequence: str) -> None:
    _sub(body, "TxnID", qb_id(f"{kind}/TxnID", txn_id))
    _sub(body, "EditSequence", qb_id(f"{kind}/EditSequence", edit_sequence, limits.EDIT_SEQUENCE))


# --------------------------------------------------------------------------------------------------
# Lists


def _customer_body(body: Element, kind: str, data: CustomerData) -> None:
    # Order: Name, IsActive, ClassRef, ParentRef, CompanyName, (PersonName), JobTitle, BillAddress,
    # ShipAddress, ShipToAddress, PrintAs, (CommInfo: Phone..Email..Contact), ..., JobStatus,
    # JobStartDate, JobProjectedEndDate, JobEndDate, JobDesc, ...
    _name(body, f"{kind}/Name", data.name, limits.CUSTOMER_NAME)
    _check_full_name(f"{kind}/Name", data.parent_full_name, data.name, limits.CUSTOMER_FULL_NAME)
    _bool(body, "IsActive", data.is_active)
    _ref(body, "ParentRef", f"{kind}/ParentRef", data.parent_full_name, limits.CUSTOMER_FULL_NAME)
    _text(body, "CompanyName", f"{kind}/CompanyName", data.company_name, limits.COMPANY_NAME)
    _address(body, "BillAddress", kind, data.bill_address)
    _address(body, "ShipAddress", kind, data.ship_address)
    _text(body, "Phone", f"{kind}/Phone", data.phone, limits.PHONE)
    _text(body, "Email", f"{kind}/Email", data.email, limits.EMAIL)
    _text(body, "Contact", f"{kind}/Contact", data.contact, limits.CONTACT_NAME)
    if data.job_status is not None:
        if data.job_status not in ("Awarded", "Closed", "InProgress", "None", "NotAwarded", "Pending"):
            raise FieldError(f"{kind}/JobStatus", f"{data.job_status!r} is not a QuickBooks job status")
        _sub(body, "JobStatus", data.job_status)
    _date(body, "JobStartDate", f"{kind}/JobStartDate", data.job_start_date)
    _date(body, "JobProjectedEndDate", f"{kind}/JobProjectedEndDate", data.job_projected_end_date)
    _date(body, "JobEndDate", f"{kind}/JobEndDate", data.job_end_date)
    _text(body, "JobDesc", f"{kind}/JobDesc", data.job_desc, limits.JOB_DESC)


def customer_add(request_id: str, data: CustomerData) -> Element:
    """CustomerAdd; a job when `data.parent_full_name` names its customer."""
    rq = _request("CustomerAdd", request_id)
    _customer_body(_sub(rq, "CustomerAdd"), "CustomerAdd", data)
    return rq


def customer_mod(request_id: str, data: CustomerModData) -> Element:
    rq = _request("CustomerMod", request_id)
    body = _sub(rq, "CustomerMod")
    _list_core_mod(body, "CustomerMod", data.list_id, data.edit_sequence)
    _customer_body(body, "CustomerMod", data.customer)
    return rq


def _vendor_body(body: Element, kind: str, data: VendorData) -> None:
    # Order: Name, IsActive, ClassRef, CompanyName, (PersonName), JobTitle, VendorAddress, ShipAddress,
    # (CommInfo: Phone, Mobile, Pager, AltPhone, Fax, Email, Cc, Contact, AltContact), ...,
    # NameOnCheck, AccountNumber, Notes, AdditionalNotes, VendorTypeRef, TermsRef, CreditLimit, VendorTaxIdent...
    _name(body, f"{kind}/Name", data.name, limits.VENDOR_NAME)
    _bool(body, "IsActive", data.is_active)
    _text(body, "CompanyName", f"{kind}/CompanyName", data.company_name, limits.COMPANY_NAME)
    _address(body, "VendorAddress", kind, data.address)
    _text(body, "Phone", f"{kind}/Phone", data.phone, limits.PHONE)
    _text(body, "Fax", f"{kind}/Fax", data.fax, limits.FAX)
    _text(body, "Email", f"{kind}/Email", data.email, limits.EMAIL)
    _text(body, "Contact", f"{kind}/Contact", data.contact, limits.CONTACT_NAME)
    _text(body, "AccountNumber", f"{kind}/AccountNumber", data.account_number, limits.ACCOUNT_NUMBER)
    # (Notes, AdditionalNotes, VendorTypeRef, TermsRef, CreditLimit are not sent.)
    _text(body, "VendorTaxIdent", f"{kind}/VendorTaxIdent", data.tax_ident, limits.VENDOR_TAX_IDENT)


def vendor_add(request_id: str, data: VendorData) -> Element:
    rq = _request("VendorAdd", request_id)
    _vendor_body(_sub(rq, "VendorAdd"), "VendorAdd", data)
    return rq


def vendor_mod(request_id: str, data: VendorModData) -> Element:
    rq = _request("VendorMod", request_id)
    body = _sub(rq, "VendorMod")
    _list_core_mod(body, "VendorMod", data.list_id, data.edit_sequence)
    _vendor_body(body, "VendorMod", data.vendor)
    return rq


def _item_service_body(body: Element, kind: str, data: ServiceItemData, *, mod: bool) -> None:
    # Order: Name, BarCode, IsActive, ClassRef, ParentRef, UnitOfMeasureSetRef, [ForceUOMChange],
    # IsTaxIncluded, SalesTaxCodeRef, SalesOrPurchase | SalesAndPurchase (…Mod in a Mod).
    _name(body, f"{kind}/Name", data.name, limits.ITEM_NAME)
    _check_full_name(f"{kind}/Name", data.parent_full_name, data.name, limits.ITEM_FULL_NAME)
    _bool(body, "IsActive", data.is_active)
    _ref(body, "ParentRef", f"{kind}/ParentRef", data.parent_full_name, limits.ITEM_FULL_NAME)
    suffix = "Mod" if mod else ""
    desc_limit = limits.SALES_OR_PURCHASE_DESC
    if data.expense_account and data.income_account:
        where = f"{kind}/SalesAndPurchase{suffix}"
        both = _sub(body, f"SalesAndPurchase{suffix}")
        _text(both, "SalesDesc", f"{where}/SalesDesc", data.description, desc_limit, multiline=True)
        _ref(both, "IncomeAccountRef", f"{where}/IncomeAccountRef", data.income_account, limits.ACCOUNT_FULL_NAME)
        _text(both, "PurchaseDesc", f"{where}/PurchaseDesc", data.description, desc_limit, multiline=True)
        _ref(both, "ExpenseAccountRef", f"{where}/ExpenseAccountRef", data.expense_account, limits.ACCOUNT_FULL_NAME)
        return
    account = data.expense_account or data.income_account
    if not account and not mod:
        # The schema lets AccountRef out, QuickBooks does not: an item must post somewhere.
        raise FieldError(f"{kind}/SalesOrPurchase/AccountRef", "a service item needs an expense or income account")
    if account or data.description:
        where = f"{kind}/SalesOrPurchase{suffix}"
        one = _sub(body, f"SalesOrPurchase{suffix}")
        _text(one, "Desc", f"{where}/Desc", data.description, desc_limit, multiline=True)
        _ref(one, "AccountRef", f"{where}/AccountRef", account, limits.ACCOUNT_FULL_NAME)


def item_service_add(request_id: str, data: ServiceItemData) -> Element:
    rq = _request("ItemServiceAdd", request_id)
    _item_service_body(_sub(rq, "ItemServiceAdd"), "ItemServiceAdd", data, mod=False)
    return rq


def item_service_mod(request_id: str, data: ServiceItemModData) -> Element:
    """ItemServiceMod. Changing an item's accounts here leaves existing transactions on the old ones."""
    rq = _request("ItemServiceMod", request_id)
    body = _sub(rq, "ItemServiceMod")
    _list_core_mod(body, "ItemServiceMod", data.list_id, data.edit_sequence)
    _item_service_body(body, "ItemServiceMod", data.item, mod=True)
    return rq


def class_add(request_id: str, data: ClassData) -> Element:
    rq = _request("ClassAdd", request_id)
    body = _sub(rq, "ClassAdd")
    # Order: Name, IsActive, ParentRef.
    _name(body, "ClassAdd/Name", data.name, limits.CLASS_NAME)
    _check_full_name("ClassAdd/Name", data.parent_full_name, data.name, limits.CLASS_FULL_NAME)
    _bool(body, "IsActive", data.is_active)
    _ref(body, "ParentRef", "ClassAdd/ParentRef", data.parent_full_name, limits.CLASS_FULL_NAME)
    return rq


def employee_add(request_id: str, data: EmployeeData) -> Element:
    rq = _request("EmployeeAdd", request_id)
    body = _sub(rq, "EmployeeAdd")
    # Order: Name, IsActive, (PersonName), JobTitle, ...
    _name(body, "EmployeeAdd/Name", data.name, limits.EMPLOYEE_NAME)
    _bool(body, "IsActive", data.is_active)
    return rq


# --------------------------------------------------------------------------------------------------
# Transactions


def _require_lines(field: str, lines: Sequence[object]) -> None:
    if not lines:
        raise FieldError(field, "a transaction needs at least one line")


def _estimate_line(parent: Element, tag: str, field: str, line: EstimateLine, *, mod: bool) -> None:
    # TxnLineCoreAdd/Mod order: [TxnLineID], ItemRef, Desc, Quantity, UnitOfMeasure, [OverrideUOMSetRef],
    # Rate | RatePercent, ClassRef, Amount, ...
    node = _sub(parent, tag)
    if mod:
        _sub(node, "TxnLineID", qb_id(f"{field}/TxnLineID", line.txn_line_id) if line.txn_line_id else "-1")
    elif line.txn_line_id is not None:
        raise FieldError(f"{field}/TxnLineID", "a new estimate has no QuickBooks lines to refer to")
    _ref(node, "ItemRef", f"{field}/ItemRef", line.item_full_name, limits.ITEM_FULL_NAME)
    _text(node, "Desc", f"{field}/Desc", line.description, limits.ITEM_DESC, multiline=True)
    _ref(node, "ClassRef", f"{field}/ClassRef", line.class_name, limits.CLASS_FULL_NAME)
    _amount(node, "Amount", f"{field}/Amount", line.amount)


def _estimate_header(body: Element, kind: str, data: EstimateData) -> None:
    # Order: CustomerRef, ClassRef, TemplateRef, TxnDate, RefNumber, BillAddress, ShipAddress, IsActive,
    # [CreateChangeOrder], PONumber, TermsRef, DueDate, SalesRepRef, FOB, ItemSalesTaxRef, Memo, ...
    _ref(body, "CustomerRef", f"{kind}/CustomerRef", data.customer_full_name, limits.CUSTOMER_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _text(body, "RefNumber", f"{kind}/RefNumber", data.ref_number, limits.REF_NUMBER)
    _bool(body, "IsActive", data.is_active)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)


def estimate_add(request_id: str, data: EstimateData) -> Element:
    rq = _request("EstimateAdd", request_id)
    body = _sub(rq, "EstimateAdd")
    _require_lines("EstimateAdd/EstimateLineAdd", data.lines)
    _estimate_header(body, "EstimateAdd", data)
    for number, line in enumerate(data.lines, start=1):
        _estimate_line(body, "EstimateLineAdd", f"EstimateAdd/EstimateLineAdd[{number}]", line, mod=False)
    return rq


def estimate_mod(request_id: str, data: EstimateModData) -> Element:
    """EstimateMod with the estimate's full line list (lines it does not name are deleted by QuickBooks).

    With no lines at all, only the header changes and every line stays as it is.
    """
    rq = _request("EstimateMod", request_id)
    body = _sub(rq, "EstimateMod")
    _txn_core_mod(body, "EstimateMod", data.txn_id, data.edit_sequence)
    _estimate_header(body, "EstimateMod", data.estimate)
    seen: set[str] = set()
    for number, line in enumerate(data.estimate.lines, start=1):
        if line.txn_line_id:
            # QuickBooks refuses a modification that changes one line twice.
            if line.txn_line_id in seen:
                raise FieldError(
                    f"EstimateMod/EstimateLineMod[{number}]/TxnLineID",
                    f"line {line.txn_line_id} appears twice; sum the changes to one line first",
                )
            seen.add(line.txn_line_id)
        _estimate_line(body, "EstimateLineMod", f"EstimateMod/EstimateLineMod[{number}]", line, mod=True)
    return rq


def _keep_lines(body: Element, kind: str, line_tag: str, line_ids: Sequence[str]) -> None:
    """Name each existing line of a transaction by its TxnLineID alone, which QuickBooks reads as "keep it
    unchanged": a Mod deletes every line it does not name."""
    if not line_ids:
        raise FieldError(
            f"{kind}/{line_tag}/TxnLineID",
            "the transaction's existing lines are missing: QuickBooks would delete every line not named",
        )
    if len(set(line_ids)) != len(line_ids):
        raise FieldError(f"{kind}/{line_tag}/TxnLineID", "an existing line is named twice")
    for number, line_id in enumerate(line_ids, start=1):
        keep = _sub(body, line_tag)
        _sub(keep, "TxnLineID", qb_id(f"{kind}/{line_tag}[{number}]/TxnLineID", line_id))


def estimate_add_lines(request_id: str, data: EstimateLinesAddData) -> Element:
    """EstimateMod adding a prime contract change order's lines (TxnLineID -1), every existing line kept."""
    kind = "EstimateMod"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    _require_lines(f"{kind}/EstimateLineMod", data.new_lines)
    _txn_core_mod(body, kind, data.txn_id, data.edit_sequence)
    _keep_lines(body, kind, "EstimateLineMod", data.existing_line_ids)
    offset = len(data.existing_line_ids)
    for number, line in enumerate(data.new_lines, start=offset + 1):
        if line.txn_line_id is not None:
            raise FieldError(f"{kind}/EstimateLineMod[{number}]/TxnLineID", "a new line has no QuickBooks id yet")
        _estimate_line(body, "EstimateLineMod", f"{kind}/EstimateLineMod[{number}]", line, mod=True)
    return rq


def _purchase_order_line(
    parent: Element, tag: str, field: str, line: PurchaseOrderLine, *, mod: bool, txn_line_id: str | None = None
) -> None:
    # Order: [TxnLineID], ItemRef, ManufacturerPartNumber, Desc, Quantity, UnitOfMeasure,
    # [OverrideUOMSetRef], Rate, ClassRef, Amount, [TaxAmount], InventorySiteLocationRef, CustomerRef, ...
    node = _sub(parent, tag)
    if mod:
        _sub(node, "TxnLineID", qb_id(f"{field}/TxnLineID", txn_line_id) if txn_line_id else "-1")
    _ref(node, "ItemRef", f"{field}/ItemRef", line.item_full_name, limits.ITEM_FULL_NAME)
    if txn_line_id and not line.description:
        # An existing line whose description was taken away: an empty element clears it in QuickBooks
        # (left out, QuickBooks would keep the old one).
        _sub(node, "Desc", "")
    _text(node, "Desc", f"{field}/Desc", line.description, limits.ITEM_DESC, multiline=True)
    _ref(node, "ClassRef", f"{field}/ClassRef", line.class_name, limits.CLASS_FULL_NAME)
    _amount(node, "Amount", f"{field}/Amount", line.amount)
    _ref(node, "CustomerRef", f"{field}/CustomerRef", line.customer_full_name, limits.CUSTOMER_FULL_NAME)


def purchase_order_add(request_id: str, data: PurchaseOrderData) -> Element:
    rq = _request("PurchaseOrderAdd", request_id)
    body = _sub(rq, "PurchaseOrderAdd")
    kind = "PurchaseOrderAdd"
    _require_lines(f"{kind}/PurchaseOrderLineAdd", data.lines)
    # Order: VendorRef, ClassRef, InventorySiteRef | ShipToEntityRef, TemplateRef, TxnDate, RefNumber,
    # VendorAddress, ShipAddress, TermsRef, DueDate, ExpectedDate, ShipMethodRef, FOB, Memo, ...
    _ref(body, "VendorRef", f"{kind}/VendorRef", data.vendor_name, limits.VENDOR_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _sub(body, "RefNumber", qb_text(f"{kind}/RefNumber", data.ref_number, limits.REF_NUMBER, required=True))
    _date(body, "ExpectedDate", f"{kind}/ExpectedDate", data.expected_date)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    for number, line in enumerate(data.lines, start=1):
        field = f"{kind}/PurchaseOrderLineAdd[{number}]"
        _purchase_order_line(body, "PurchaseOrderLineAdd", field, line, mod=False)
    return rq


def purchase_order_add_lines(request_id: str, data: PurchaseOrderLinesAddData) -> Element:
    """PurchaseOrderMod adding a change order's lines (TxnLineID -1) and keeping every existing line.

    Each existing line goes first as a PurchaseOrderLineMod with only its TxnLineID, which QuickBooks
    reads as "keep unchanged"; without it QuickBooks would delete the line.
    """
    kind = "PurchaseOrderMod"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    if not data.existing_line_ids:
        raise FieldError(
            f"{kind}/PurchaseOrderLineMod/TxnLineID",
            "the purchase order's existing lines are missing: QuickBooks would delete every line not named",
        )
    _require_lines(f"{kind}/PurchaseOrderLineMod", data.new_lines)
    # Order: TxnID, EditSequence, VendorRef, ..., FOB, IsManuallyClosed, Memo, ..., PurchaseOrderLineMod*
    _txn_core_mod(body, kind, data.txn_id, data.edit_sequence)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    _keep_lines(body, kind, "PurchaseOrderLineMod", data.existing_line_ids)
    offset = len(data.existing_line_ids)
    for number, line in enumerate(data.new_lines, start=offset + 1):
        field = f"{kind}/PurchaseOrderLineMod[{number}]"
        _purchase_order_line(body, "PurchaseOrderLineMod", field, line, mod=True)
    return rq


def _named_once(seen: set[str], field: str, txn_line_id: str | None) -> None:
    """QuickBooks refuses a modification that names one line twice."""
    if txn_line_id is None:
        return
    if txn_line_id in seen:
        raise FieldError(f"{field}/TxnLineID", f"line {txn_line_id} is named twice")
    seen.add(txn_line_id)


def purchase_order_mod(request_id: str, data: PurchaseOrderModData) -> Element:
    """PurchaseOrderMod of a commitment changed after it was synced: its header, and its line list.

    A Mod that names lines is the purchase order's whole line list: QuickBooks deletes every existing line
    it does not name (Intuit: "any line item not specifically identified in a modify request will be
    deleted"). So each line to keep goes with its TxnLineID (alone when it does not change), a changed line
    with its TxnLineID and its new values, a new line with TxnLineID -1, and a removed line is left out.
    With no lines at all only the header changes and every line stays as it is.
    """
    kind = "PurchaseOrderMod"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    # Order: TxnID, EditSequence, VendorRef, ClassRef, InventorySiteRef | ShipToEntityRef, TemplateRef,
    # TxnDate, RefNumber, VendorAddress, ShipAddress, TermsRef, DueDate, ExpectedDate, ShipMethodRef, FOB,
    # IsManuallyClosed, Memo, ..., PurchaseOrderLineMod | PurchaseOrderLineGroupMod* (13.0 and 16.0 alike)
    _txn_core_mod(body, kind, data.txn_id, data.edit_sequence)
    if data.vendor_name:
        _ref(body, "VendorRef", f"{kind}/VendorRef", data.vendor_name, limits.VENDOR_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _text(body, "RefNumber", f"{kind}/RefNumber", data.ref_number, limits.REF_NUMBER)
    _date(body, "ExpectedDate", f"{kind}/ExpectedDate", data.expected_date)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    seen: set[str] = set()
    for number, change in enumerate(data.lines, start=1):
        field = f"{kind}/PurchaseOrderLineMod[{number}]"
        _named_once(seen, field, change.txn_line_id)
        if change.line is None:
            if change.txn_line_id is None:
                raise FieldError(f"{field}/TxnLineID", "a new line needs its item and amount")
            keep = _sub(body, "PurchaseOrderLineMod")
            _sub(keep, "TxnLineID", qb_id(f"{field}/TxnLineID", change.txn_line_id))
            continue
        _purchase_order_line(body, "PurchaseOrderLineMod", field, change.line, mod=True, txn_line_id=change.txn_line_id)
    return rq


def bill_mod(request_id: str, data: BillModData) -> Element:
    """BillMod of a pay application changed after it was synced: its header and its whole line list.

    As in any Mod that names lines, QuickBooks deletes the existing lines it does not name: each line to keep
    goes with its TxnLineID and its values, a new one with TxnLineID -1, a removed one is left out. A line
    linked to a purchase order line keeps its link (and takes its item from it, so no ItemRef is sent); a
    new line cannot be linked, ItemLineMod having no LinkToTxn in 13.0 or 16.0.
    """
    kind = "BillMod"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    _require_lines(f"{kind}/ItemLineMod", data.lines)
    # Order: TxnID, EditSequence, VendorRef, VendorAddress, APAccountRef, TxnDate, DueDate, RefNumber,
    # TermsRef, [ClassRef in 16.0 only], Memo, IsTaxIncluded, SalesTaxCodeRef, ExchangeRate,
    # ClearExpenseLines, ExpenseLineMod*, ClearItemLines, ItemLineMod | ItemGroupLineMod*
    _txn_core_mod(body, kind, data.txn_id, data.edit_sequence)
    if data.vendor_name:
        _ref(body, "VendorRef", f"{kind}/VendorRef", data.vendor_name, limits.VENDOR_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _date(body, "DueDate", f"{kind}/DueDate", data.due_date)
    _text(body, "RefNumber", f"{kind}/RefNumber", data.ref_number, limits.BILL_REF_NUMBER)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    seen: set[str] = set()
    for number, change in enumerate(data.lines, start=1):
        field = f"{kind}/ItemLineMod[{number}]"
        _named_once(seen, field, change.txn_line_id)
        _bill_line(body, field, change.line, None, mod=True, txn_line_id=change.txn_line_id)
    total = data.total()
    if total < 0:
        raise FieldError(
            kind, f"the bill total is {total}: QuickBooks cannot record a negative bill (use a vendor credit)"
        )
    return rq


def _bill_line(
    body: Element,
    field: str,
    line: BillLine,
    purchase_order_txn_id: str | None,
    *,
    mod: bool = False,
    txn_line_id: str | None = None,
) -> None:
    # ItemLineAdd order: ItemRef, InventorySiteRef, InventorySiteLocationRef, SerialNumber | LotNumber,
    # Desc, Quantity, UnitOfMeasure, Cost, Amount, [TaxAmount], CustomerRef, ClassRef, SalesTaxCodeRef,
    # BillableStatus, OverrideItemAccountRef, LinkToTxn, ...
    # ItemLineMod: TxnLineID first, then the same elements up to OverrideItemAccountRef, and no LinkToTxn (a
    # line a Mod adds cannot be linked; an existing one keeps its link).
    node = _sub(body, "ItemLineMod" if mod else "ItemLineAdd")
    if mod:
        if txn_line_id is None and line.purchase_order_txn_line_id is not None:
            raise FieldError(
                f"{field}/LinkToTxn", "a line added by a modification cannot be linked to a purchase order line"
            )
        _sub(node, "TxnLineID", qb_id(f"{field}/TxnLineID", txn_line_id) if txn_line_id else "-1")
    if line.purchase_order_txn_line_id is None:
        _ref(node, "ItemRef", f"{field}/ItemRef", line.item_full_name, limits.ITEM_FULL_NAME)
    else:
        # A linked line takes its item from the PO line: Intuit documents an ItemRef beside a line's
        # LinkToTxn as a runtime error. The name is still checked so a bad item fails here, not there.
        qb_text(f"{field}/ItemRef/FullName", line.item_full_name, limits.ITEM_FULL_NAME, required=True)
    if txn_line_id and not line.description:
        _sub(node, "Desc", "")  # taken away: an empty element clears it, a missing one would keep it
    _text(node, "Desc", f"{field}/Desc", line.description, limits.ITEM_DESC, multiline=True)
    _amount(node, "Amount", f"{field}/Amount", line.amount)
    _ref(node, "CustomerRef", f"{field}/CustomerRef", line.customer_full_name, limits.CUSTOMER_FULL_NAME)
    _ref(node, "ClassRef", f"{field}/ClassRef", line.class_name, limits.CLASS_FULL_NAME)
    if line.billable is not None:
        _sub(node, "BillableStatus", "Billable" if line.billable else "NotBillable")
    if line.purchase_order_txn_line_id is not None and not mod:
        if not purchase_order_txn_id:
            raise FieldError(f"{field}/LinkToTxn/TxnID", "the line names a PO line but the bill names no PO")
        link = _sub(node, "LinkToTxn")
        _sub(link, "TxnID", qb_id(f"{field}/LinkToTxn/TxnID", purchase_order_txn_id))
        _sub(link, "TxnLineID", qb_id(f"{field}/LinkToTxn/TxnLineID", line.purchase_order_txn_line_id))


def bill_add(request_id: str, data: BillData) -> Element:
    """BillAdd for a pay application, with retainage as a negative line and links to the PO's lines.

    The link is per line (ItemLineAdd/LinkToTxn), never the header's LinkToTxnID: that one pulls every
    open line of the purchase order into the bill, which on a partial pay application would bill lines
    (and amounts) the subcontractor has not invoiced.
    """
    kind = "BillAdd"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    _require_lines(f"{kind}/ItemLineAdd", data.lines)
    # Order: VendorRef, VendorAddress, APAccountRef, TxnDate, DueDate, RefNumber, TermsRef, [ClassRef in
    # 16.0 only], Memo, IsTaxIncluded, SalesTaxCodeRef, ExchangeRate, ExternalGUID, LinkToTxnID*,
    # ExpenseLineAdd*, ItemLineAdd | ItemGroupLineAdd*
    _ref(body, "VendorRef", f"{kind}/VendorRef", data.vendor_name, limits.VENDOR_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _date(body, "DueDate", f"{kind}/DueDate", data.due_date)
    _sub(body, "RefNumber", qb_text(f"{kind}/RefNumber", data.ref_number, limits.BILL_REF_NUMBER, required=True))
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    for number, line in enumerate(data.lines, start=1):
        _bill_line(body, f"{kind}/ItemLineAdd[{number}]", line, data.purchase_order_txn_id)
    retainage = data.retainage
    if retainage is not None:
        # Checked before any comparison: a NaN or a float must fail as a field error, not a TypeError.
        format_amount(f"{kind}/Retainage/Amount", retainage.amount)
        if retainage.amount < 0:
            raise FieldError(f"{kind}/Retainage/Amount", f"retainage held cannot be negative ({retainage.amount})")
        if retainage.amount > 0:
            field = f"{kind}/ItemLineAdd[{len(data.lines) + 1}]"
            node = _sub(body, "ItemLineAdd")
            _ref(node, "ItemRef", f"{field}/ItemRef", retainage.item_full_name, limits.ITEM_FULL_NAME)
            _text(node, "Desc", f"{field}/Desc", retainage.description, limits.ITEM_DESC, multiline=True)
            _amount(node, "Amount", f"{field}/Amount", -retainage.amount)
            _ref(node, "CustomerRef", f"{field}/CustomerRef", retainage.customer_full_name, limits.CUSTOMER_FULL_NAME)
            _ref(node, "ClassRef", f"{field}/ClassRef", retainage.class_name, limits.CLASS_FULL_NAME)
    # Every amount is checked by now, so the sum is of valid Decimals.
    total = data.total()
    if total < 0:
        raise FieldError(
            kind, f"the bill total is {total}: QuickBooks cannot record a negative bill (use a vendor credit)"
        )
    return rq


def invoice_add(request_id: str, data: InvoiceData) -> Element:
    """InvoiceAdd for an owner's progress billing: a line per billed schedule-of-values line, retention held
    as a negative line and released as a positive one on the retention item. A negative invoice is refused:
    QuickBooks records what the contractor owes the owner as a credit memo, not an invoice."""
    kind = "InvoiceAdd"
    rq = _request(kind, request_id)
    body = _sub(rq, kind)
    _require_lines(f"{kind}/InvoiceLineAdd", data.lines)
    # Order: CustomerRef, ClassRef, ARAccountRef, TemplateRef, TxnDate, RefNumber, BillAddress, ShipAddress,
    # IsPending, IsFinanceCharge, PONumber, TermsRef, DueDate, SalesRepRef, FOB, ShipDate, ShipMethodRef,
    # ItemSalesTaxRef, Memo, ..., InvoiceLineAdd | InvoiceLineGroupAdd*
    _ref(body, "CustomerRef", f"{kind}/CustomerRef", data.customer_full_name, limits.CUSTOMER_FULL_NAME)
    _date(body, "TxnDate", f"{kind}/TxnDate", data.txn_date)
    _sub(body, "RefNumber", qb_text(f"{kind}/RefNumber", data.ref_number, limits.REF_NUMBER, required=True))
    _text(body, "PONumber", f"{kind}/PONumber", data.po_number, limits.INVOICE_PO_NUMBER)
    _date(body, "DueDate", f"{kind}/DueDate", data.due_date)
    _text(body, "Memo", f"{kind}/Memo", data.memo, limits.MEMO, multiline=True)
    for number, line in enumerate(data.lines, start=1):
        # TxnLineCorePriceLevelAdd order: ItemRef, Desc, Quantity, UnitOfMeasure, Rate | RatePercent |
        # PriceLevelRef, ClassRef, Amount, ...
        field = f"{kind}/InvoiceLineAdd[{number}]"
        node = _sub(body, "InvoiceLineAdd")
        _ref(node, "ItemRef", f"{field}/ItemRef", line.item_full_name, limits.ITEM_FULL_NAME)
        _text(node, "Desc", f"{field}/Desc", line.description, limits.ITEM_DESC, multiline=True)
        _ref(node, "ClassRef", f"{field}/ClassRef", line.class_name, limits.CLASS_FULL_NAME)
        _amount(node, "Amount", f"{field}/Amount", line.amount)
    # Every amount is checked by now, so the sum is of valid Decimals.
    total = data.total()
    if total < 0:
        raise FieldError(kind, f"the invoice total is {total}: QuickBooks cannot record a negative invoice")
    return rq


# --------------------------------------------------------------------------------------------------
# Queries


def _check_list_kind(kind: str) -> None:
    if kind not in _LIST_FULL_NAME_LIMITS:
        raise ValueError(f"unknown list kind {kind!r}; expected one of {sorted(_LIST_FULL_NAME_LIMITS)}")


ActiveStatus = Literal["ActiveOnly", "InactiveOnly", "All"]

# ClassQuery and AccountQuery have no iterator attributes in either schema: those lists are small and
# come back whole.
ITERABLE_LIST_KINDS = frozenset({"Vendor", "Customer", "ItemService", "Item"})

DEFAULT_MAX_RETURNED = 200
MAX_RETURNED_LIMIT = 1000  # bigger pages make responses the Web Connector struggles to carry


def format_datetime(field: str, value: datetime) -> str:
    """A DATETIMETYPE bound for a modified-date filter.

    A naive datetime is sent as is and QuickBooks reads it in the local time of its machine; an aware
    one carries its offset. Microseconds are dropped (QuickBooks keeps seconds), which only widens an
    inclusive From bound.
    """
    if not isinstance(value, datetime):
        raise FieldError(field, f"expected a datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        raise FieldError(field, "QuickBooks cannot take a time zone offset with seconds")
    return value.replace(microsecond=0).isoformat()


def _iterator_attributes(kind: str, iterator_id: str | None) -> dict[str, str]:
    if iterator_id is None:
        return {"iterator": "Start"}
    return {"iterator": "Continue", "iteratorID": qb_id(f"{kind}Rq/@iteratorID", iterator_id, 64)}


def _max_returned(field: str, value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RETURNED_LIMIT:
        raise FieldError(field, f"must be a whole number from 1 to {MAX_RETURNED_LIMIT}, got {value!r}")
    return str(value)


def list_import_query(
    request_id: str,
    kind: ListKind,
    *,
    max_returned: int = DEFAULT_MAX_RETURNED,
    iterator_id: str | None = None,
    modified_from: datetime | None = None,
    modified_to: datetime | None = None,
    active_status: ActiveStatus = "All",
) -> Element:
    """A page of an import: records of `kind` modified in [modified_from, modified_to] (both inclusive).

    Vendor, Customer, ItemService and Item iterate: pass the iteratorID of the previous answer to
    continue (with the same filter). Class and Account lists cannot iterate and come back whole.
    ActiveStatus defaults to All because QuickBooks' own default (ActiveOnly) hides deactivations.
    """
    _check_list_kind(kind)
    query = f"{kind}Query"
    if active_status not in ("ActiveOnly", "InactiveOnly", "All"):
        raise ValueError(f"{query}: unknown ActiveStatus {active_status!r}")
    iterable = kind in ITERABLE_LIST_KINDS
    if not iterable and iterator_id is not None:
        raise ValueError(f"{query} has no iterator in the qbXML schema")
    attributes = _iterator_attributes(query, iterator_id) if iterable else {}
    rq = _request(query, request_id, **attributes)
    # ListFilter order: MaxReturned, ActiveStatus, FromModifiedDate, ToModifiedDate, NameFilter | ...
    if iterable:
        _sub(rq, "MaxReturned", _max_returned(f"{query}/MaxReturned", max_returned))
    _sub(rq, "ActiveStatus", active_status)
    if modified_from is not None:
        _sub(rq, "FromModifiedDate", format_datetime(f"{query}/FromModifiedDate", modified_from))
    if modified_to is not None:
        _sub(rq, "ToModifiedDate", format_datetime(f"{query}/ToModifiedDate", modified_to))
    return rq


# Transaction types TxnDeletedQuery reports on that matter to job costs and payments.
TXN_DELETED_KINDS = frozenset(
    {
        "Bill",
        "BillPaymentCheck",
        "BillPaymentCreditCard",
        "Check",
        "CreditCardCharge",
        "CreditCardCredit",
        "Estimate",
        "Invoice",
        "ItemReceipt",
        "JournalEntry",
        "PurchaseOrder",
        "ReceivePayment",
        "VendorCredit",
    }
)


def txn_import_query(
    request_id: str,
    kind: TxnKind,
    *,
    max_returned: int = DEFAULT_MAX_RETURNED,
    iterator_id: str | None = None,
    modified_from: datetime | None = None,
    modified_to: datetime | None = None,
    entity_full_name: str | None = None,
    include_line_items: bool = True,
    include_linked_txns: bool = False,
) -> Element:
    """A page of an import of `kind` transactions modified in [modified_from, modified_to] (inclusive).

    The bounds are read in the QuickBooks machine's local time unless they carry an offset; the caller
    moves its saved bound on by a second so the last record of a run is not fetched again.
    """
    shape = _check_txn_kind(kind)
    query = f"{kind}Query"
    rq = _request(query, request_id, **_iterator_attributes(query, iterator_id))
    _sub(rq, "MaxReturned", _max_returned(f"{query}/MaxReturned", max_returned))
    if modified_from is not None or modified_to is not None:
        dates = _sub(rq, "ModifiedDateRangeFilter")
        if modified_from is not None:
            where = f"{query}/ModifiedDateRangeFilter/FromModifiedDate"
            _sub(dates, "FromModifiedDate", format_datetime(where, modified_from))
        if modified_to is not None:
            where = f"{query}/ModifiedDateRangeFilter/ToModifiedDate"
            _sub(dates, "ToModifiedDate", format_datetime(where, modified_to))
    if entity_full_name is not None:
        entity = _sub(rq, "EntityFilter")
        name = qb_text(f"{query}/EntityFilter/FullName", entity_full_name, limits.CUSTOMER_FULL_NAME, required=True)
        _sub(entity, "FullName", name)
    _txn_query_tail(rq, query, shape, include_line_items, include_linked_txns)
    return rq


def txn_deleted_query(
    request_id: str,
    kinds: Iterable[str],
    *,
    deleted_from: datetime | None = None,
    deleted_to: datetime | None = None,
) -> Element:
    """TxnDeletedQuery: transactions deleted in QuickBooks, which a modified-date import never sees."""
    rq = _request("TxnDeletedQuery", request_id)
    chosen = list(dict.fromkeys(kinds))
    if not chosen:
        raise ValueError("TxnDeletedQuery: name at least one transaction type")
    for kind in chosen:
        if kind not in TXN_DELETED_KINDS:
            raise ValueError(f"TxnDeletedQuery: unsupported transaction type {kind!r}")
        _sub(rq, "TxnDelType", kind)
    if deleted_from is not None or deleted_to is not None:
        dates = _sub(rq, "DeletedDateRangeFilter")
        if deleted_from is not None:
            where = "TxnDeletedQuery/DeletedDateRangeFilter/FromDeletedDate"
            _sub(dates, "FromDeletedDate", format_datetime(where, deleted_from))
        if deleted_to is not None:
            where = "TxnDeletedQuery/DeletedDateRangeFilter/ToDeletedDate"
            _sub(dates, "ToDeletedDate", format_datetime(where, deleted_to))
    return rq


def list_query(
    request_id: str,
    kind: ListKind,
    *,
    full_name: str | None = None,
    list_id: str | None = None,
) -> Element:
    """<kind>Query for one record by FullName or ListID (to find it, or to read its EditSequence).

    Lookups by name or id return inactive records too; status 1 in the answer means "no such record".
    """
    _check_list_kind(kind)
    query = f"{kind}Query"
    if (full_name is None) == (list_id is None):
        raise ValueError(f"{query}: give exactly one of full_name or list_id")
    rq = _request(query, request_id)
    if list_id is not None:
        _sub(rq, "ListID", qb_id(f"{query}/ListID", list_id))
    else:
        assert full_name is not None
        limit = _LIST_FULL_NAME_LIMITS[kind]
        _sub(rq, "FullName", qb_text(f"{query}/FullName", full_name, limit, required=True))
    return rq


def _check_txn_kind(kind: str) -> _TxnQueryShape:
    try:
        return TXN_QUERY_SHAPES[kind]
    except KeyError:
        raise ValueError(f"unknown transaction kind {kind!r}; expected one of {sorted(TXN_QUERY_SHAPES)}") from None


def _txn_query_tail(
    rq: Element, query: str, shape: _TxnQueryShape, include_line_items: bool, include_linked_txns: bool
) -> None:
    if include_line_items:
        _sub(rq, "IncludeLineItems", "true")
    if include_linked_txns:
        if not shape.include_linked_txns:
            raise ValueError(f"{query} has no IncludeLinkedTxns in the qbXML schema")
        _sub(rq, "IncludeLinkedTxns", "true")


def txn_query(
    request_id: str,
    kind: TxnKind,
    *,
    txn_id: str | None = None,
    ref_number: str | None = None,
    entity_full_name: str | None = None,
    include_line_items: bool = False,
    include_linked_txns: bool = False,
) -> Element:
    """<kind>Query by TxnID, by RefNumber, by RefNumber for one vendor/customer, or for one entity.

    The schema cannot combine an exact RefNumber with an entity: with both, the query uses the filter
    form (EntityFilter and a RefNumberRangeFilter from and to `ref_number`), and QuickBooks compares
    reference numbers its own way, so the caller must still compare `ref_number` exactly in the answer.
    """
    shape = _check_txn_kind(kind)
    query = f"{kind}Query"
    rq = _request(query, request_id)
    if txn_id is not None:
        if ref_number is not None or entity_full_name is not None:
            raise ValueError(f"{query}: a TxnID query takes no other filter")
        _sub(rq, "TxnID", qb_id(f"{query}/TxnID", txn_id))
    elif ref_number is not None and entity_full_name is None:
        _sub(rq, "RefNumber", qb_text(f"{query}/RefNumber", ref_number, limits.BILL_REF_NUMBER, required=True))
    elif entity_full_name is not None:
        # TxnFilter order: MaxReturned, date filter, EntityFilter, AccountFilter, RefNumber filter, ...
        entity = _sub(rq, "EntityFilter")
        name = qb_text(f"{query}/EntityFilter/FullName", entity_full_name, limits.CUSTOMER_FULL_NAME, required=True)
        _sub(entity, "FullName", name)
        if ref_number is not None:
            ref = qb_text(f"{query}/RefNumberRangeFilter", ref_number, limits.BILL_REF_NUMBER, required=True)
            ranged = _sub(rq, "RefNumberRangeFilter")
            _sub(ranged, "FromRefNumber", ref)
            _sub(ranged, "ToRefNumber", ref)
    else:
        raise ValueError(f"{query}: give txn_id, ref_number or entity_full_name")
    _txn_query_tail(rq, query, shape, include_line_items, include_linked_txns)
    return rq


def time_duration(field: str, hours: Decimal) -> str:
    """Hours as a qbXML duration: 7.25 is PT7H15M. Whole minutes only, as QuickBooks keeps them."""
    minutes = hours * 60
    if minutes != minutes.to_integral_value() or minutes <= 0:
        raise FieldError(field, f"{hours} hours is not a positive whole number of minutes")
    whole = int(minutes)
    return f"PT{whole // 60}H{whole % 60}M"


def time_tracking_add(request_id: str, data: TimeTrackingData) -> Element:
    rq = _request("TimeTrackingAdd", request_id)
    body = _sub(rq, "TimeTrackingAdd")
    # Order: TxnDate, EntityRef, CustomerRef, ItemServiceRef, Rate, Duration, ClassRef, PayrollItemWageRef,
    # Notes, BillableStatus, ExternalGUID.
    _date(body, "TxnDate", "TimeTrackingAdd/TxnDate", data.txn_date)
    _ref(body, "EntityRef", "TimeTrackingAdd/EntityRef", data.employee_full_name, limits.EMPLOYEE_NAME)
    _ref(body, "CustomerRef", "TimeTrackingAdd/CustomerRef", data.customer_full_name, limits.CUSTOMER_FULL_NAME)
    _ref(body, "ItemServiceRef", "TimeTrackingAdd/ItemServiceRef", data.item_service_full_name, limits.ITEM_FULL_NAME)
    _sub(body, "Duration", time_duration("TimeTrackingAdd/Duration", data.hours))
    _ref(body, "ClassRef", "TimeTrackingAdd/ClassRef", data.class_full_name, limits.CLASS_FULL_NAME)
    _ref(
        body,
        "PayrollItemWageRef",
        "TimeTrackingAdd/PayrollItemWageRef",
        data.payroll_item_wage,
        limits.PAYROLL_ITEM_NAME,
    )
    _text(body, "Notes", "TimeTrackingAdd/Notes", data.notes, limits.TIME_NOTES, multiline=True)
    if data.billable_status is not None:
        _sub(body, "BillableStatus", data.billable_status)
    if data.external_guid is not None:
        _sub(body, "ExternalGUID", data.external_guid)
    return rq


def time_tracking_query(
    request_id: str, *, txn_id: str | None = None, txn_date: date | None = None, employee_full_name: str | None = None
) -> Element:
    """TimeTrackingQuery by TxnID, or for one employee's entries of one day (how a lost answer is looked up)."""
    rq = _request("TimeTrackingQuery", request_id)
    if txn_id is not None:
        _sub(rq, "TxnID", qb_id("TimeTrackingQuery/TxnID", txn_id))
        return rq
    if txn_date is None or employee_full_name is None:
        raise ValueError("TimeTrackingQuery: give txn_id, or txn_date and employee_full_name")
    # TimeTrackingTxnFilter order: MaxReturned, TxnDateRangeFilter, TimeTrackingEntityFilter.
    dates = _sub(rq, "TxnDateRangeFilter")
    _date(dates, "FromTxnDate", "TimeTrackingQuery/FromTxnDate", txn_date)
    _date(dates, "ToTxnDate", "TimeTrackingQuery/ToTxnDate", txn_date)
    entity = _sub(rq, "TimeTrackingEntityFilter")
    _sub(
        entity,
        "FullName",
        qb_text("TimeTrackingQuery/FullName", employee_full_name, limits.EMPLOYEE_NAME, required=True),
    )
    return rq


def host_query(request_id: str) -> Element:
    return _request("HostQuery", request_id)


def company_query(request_id: str) -> Element:
    return _request("CompanyQuery", request_id)


def preferences_query(request_id: str) -> Element:
    return _request("PreferencesQuery", request_id)


def host_company_preferences_requests() -> list[Element]:
    """The three queries whose answers the Web Connector sends as strHCPResponse (for the simulator)."""
    return [host_query("hcp-host"), company_query("hcp-company"), preferences_query("hcp-preferences")]


# --------------------------------------------------------------------------------------------------
# The message


def build_message(
    requests: Sequence[Element],
    version: str = "13.0",
    on_error: OnError = "continueOnError",
) -> bytes:
    """The whole qbXML request document, UTF-8, with the <?qbxml version?> QuickBooks requires.

    The request elements are copied, so building twice from the same elements is safe. requestIDs must
    be unique: they are the only way to map each answer back to its item.
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"qbXML version {version!r} is not supported; use one of {SUPPORTED_VERSIONS}")
    if on_error not in ON_ERROR_VALUES:
        raise ValueError(f"onError {on_error!r} is not supported; use one of {ON_ERROR_VALUES}")
    if not requests:
        raise ValueError("a qbXML message needs at least one request (answer 'none' to the Web Connector instead)")
    root = etree.Element("QBXML")
    messages = etree.SubElement(root, "QBXMLMsgsRq", onError=on_error)
    seen: set[str] = set()
    for request in requests:
        tag = request.tag
        if not isinstance(tag, str) or not tag.endswith("Rq"):
            raise ValueError(f"{tag!r} is not a qbXML request element")
        request_id = request.get("requestID")
        if not request_id:
            raise ValueError(f"{tag} has no requestID")
        if request_id in seen:
            raise ValueError(f"requestID {request_id!r} is used twice in one message")
        seen.add(request_id)
        messages.append(copy.deepcopy(request))
    header = f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'.encode("ascii")
    body = etree.tostring(root, encoding="utf-8", xml_declaration=False)
    return header + _TEXT_SEGMENT.sub(_escape_quotes, body)


# Character data between tags that holds a quote. lxml escapes & < > there but leaves " as is (XML allows
# it); the product spec asks for & < > " escaped, so the quote is escaped too. Attribute values never
# contain a raw ">" (lxml writes &gt;), so this pattern only ever sees text, and only text with a quote.
_TEXT_SEGMENT = re.compile(rb'>([^<"]*"[^<]*)<')


def _escape_quotes(match: re.Match[bytes]) -> bytes:
    return b">" + match.group(1).replace(b'"', b"&quot;") + b"<"
