"""Adding and changing transactions: estimates, purchase orders, bills and the rest of TXN_KINDS.

Lines linked to a purchase order take what the order line holds and bill what is left of it; a bill
payment pays no more than a bill's open balance. Seeding shares `payment_entry`, so a payment entered
in QuickBooks obeys the same rule as one a request adds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbxml.simulator.book import (
    ZERO,
    Book,
    LineMod,
    amount_text,
    compute_amount,
    invalid_reference,
    invalid_value,
    line_amount,
    normalize,
    not_found,
    to_decimal,
)
from qbxml.simulator.faults import AddCounts, count_add
from qbxml.simulator.host import HostSettings
from qbxml.simulator.orders import (
    ENTITY_TAGS,
    GROUP_LINE_TAGS,
    HEADER_ACCOUNTS,
    LINE_ADD_TAGS,
    LINE_MOD_TAGS,
    LINE_ORDERS,
    PAYMENT_KINDS,
    PAYMENT_PARTY_TAGS,
    REF_WORDS,
    TXN_COMPUTED,
    TXN_CORE,
    TXN_KINDS,
    TXN_ORDERS,
)
from qbxml.simulator.records import StatusError, TxnLine, TxnRecord
from qbxml.simulator.request import (
    FEATURE_OFF_MESSAGE,
    Element,
    Handler,
    Outcome,
    body_of,
    element_id,
    flag,
    read_fields,
    stale,
    text,
)

# Payments are only ever added here: their Mods, which QuickBooks has, are answered 3250 (not handled).
MODIFIABLE_KINDS = TXN_KINDS - set(PAYMENT_KINDS)
_TXN_READ = {
    kind: frozenset(order) - TXN_COMPUTED - frozenset(TXN_CORE) - frozenset(LINE_ORDERS)
    for kind, order in TXN_ORDERS.items()
}
_LINE_READ = {tag: frozenset(order) - {"TxnLineID", "IsBilled"} for tag, order in LINE_ORDERS.items()}


def handlers(book: Book, host: HostSettings, counts: AddCounts) -> dict[str, Handler]:
    def add(kind: str) -> Handler:
        return lambda rq, macros: txn_add(book, host, counts, rq, kind, macros)

    def mod(kind: str) -> Handler:
        return lambda rq, macros: txn_mod(book, host, rq, kind, macros)

    table = {f"{kind}AddRq": add(kind) for kind in TXN_KINDS}
    table.update({f"{kind}ModRq": mod(kind) for kind in MODIFIABLE_KINDS})
    return table


def txn_add(
    book: Book, host: HostSettings, counts: AddCounts, rq: Element, kind: str, macros: dict[str, str]
) -> Outcome:
    body = body_of(rq, f"{kind}Add")
    if kind == "Estimate" and not host.is_using_estimates:
        raise StatusError(3250, FEATURE_OFF_MESSAGE)
    fields = read_fields(book, body, _TXN_READ[kind], kind)
    _check_header(book, kind, fields)
    lines: list[TxnLine] = []
    for po_id in body.findall("LinkToTxnID"):
        lines.extend(_lines_from_purchase_order(book, element_id(po_id, macros), fields))
    applied: list[dict[str, str]] = []
    pending: dict[str, Decimal] = {}
    line_macros: list[tuple[str, TxnLine]] = []
    for child in body:
        tag = child.tag
        if tag in LINE_ADD_TAGS:
            line = _line(book, child, LINE_ADD_TAGS[str(tag)], kind, fields, macros)
            lines.append(line)
            if child.get("defMacro"):
                line_macros.append((child.get("defMacro") or "", line))
        elif tag in GROUP_LINE_TAGS:
            raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The QuickBooks simulator does not handle {tag}.)")
        elif tag == "AppliedToTxnAdd":
            amount_given = text(child, "PaymentAmount")
            bill_id = element_id(child.find("TxnID"), macros)
            amount = normalize("Amount", amount_given) if amount_given else None
            party = fields.get(PAYMENT_PARTY_TAGS.get(kind, "PayeeEntityRef"))
            applied.append(payment_entry(book, party, bill_id, amount, pending, PAYMENT_KINDS.get(kind, "Bill")))
    record = book.create_txn(kind, fields, lines, applied=applied)
    macro = body.get("defMacro")
    if macro:
        macros[macro] = record.txn_id
    for macro, line in line_macros:
        macros[macro] = line.txn_line_id
    count_add(counts, kind, record.fields.get("RefNumber"))
    return Outcome([book.render_txn(record)])


def _check_header(book: Book, kind: str, fields: dict[str, Any]) -> None:
    entity_tag = ENTITY_TAGS[kind]
    if entity_tag and entity_tag not in fields and kind not in ("Check", "CreditCardCharge", "CreditCardCredit"):
        word = REF_WORDS.get(entity_tag, "Entity")
        raise invalid_reference(word, "", kind)
    if kind in HEADER_ACCOUNTS:
        tag, default = HEADER_ACCOUNTS[kind]
        if tag not in fields:
            account = book.find_list({"Account"}, full_name=default)
            if account is None:
                raise invalid_reference("Account", default, kind)
            fields[tag] = account.list_id


def _line(book: Book, element: Element, tag: str, kind: str, header: dict[str, Any], macros: dict[str, str]) -> TxnLine:
    where = f"{kind} line"
    fields = read_fields(book, element, _LINE_READ[tag], where)
    link = None
    link_element = element.find("LinkToTxn")
    if link_element is not None:
        txn_id = element_id(link_element.find("TxnID"), macros)
        line_id = element_id(link_element.find("TxnLineID"), macros)
        link = _link_to_purchase_order_line(book, txn_id, line_id, header, fields)
    _default_line(tag, fields)
    return book.new_line(tag, fields, link)


def _default_line(tag: str, fields: dict[str, Any]) -> None:
    if tag in ("ItemLineRet", "ExpenseLineRet") and fields.get("CustomerRef"):
        fields.setdefault("BillableStatus", "Billable")
    compute_amount(fields)


def _purchase_order_for(book: Book, txn_id: str, header: dict[str, Any]) -> TxnRecord:
    order = book.find_txn({"PurchaseOrder"}, txn_id)
    if order is None:
        raise not_found(txn_id)
    if header.get("VendorRef") and order.fields.get("VendorRef") != header["VendorRef"]:
        raise invalid_value("LinkToTxn/TxnID", txn_id, "The purchase order is for another vendor.")
    return order


def _link_to_purchase_order_line(
    book: Book, txn_id: str, line_id: str, header: dict[str, Any], fields: dict[str, Any]
) -> tuple[str, str]:
    order = _purchase_order_for(book, txn_id, header)
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
        remaining = line_amount(order_line) - book.billed(order).get(line_id, ZERO)
        fields["Amount"] = amount_text(max(remaining, ZERO))
    return (order.txn_id, line_id)


def _lines_from_purchase_order(book: Book, txn_id: str, header: dict[str, Any]) -> list[TxnLine]:
    """LinkToTxnID on a bill: every open line of the purchase order comes in at what is left of it."""
    order = _purchase_order_for(book, txn_id, header)
    billed = book.billed(order)
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
        _default_line("ItemLineRet", fields)
        lines.append(book.new_line("ItemLineRet", fields, (order.txn_id, order_line.txn_line_id)))
    return lines


def payment_entry(
    book: Book,
    payee: str | None,
    bill_id: str,
    amount: str | None,
    pending: dict[str, Decimal] | None = None,
    paid_kind: str = "Bill",
) -> dict[str, str]:
    """One bill (or, received from a customer, invoice) a payment pays; `pending` holds what earlier entries
    of the same payment already pay."""
    bill = book.find_txn({paid_kind}, bill_id)
    if bill is None:
        raise not_found(bill_id)
    party_tag = ENTITY_TAGS[paid_kind]
    if payee and bill.fields.get(party_tag) != payee:
        party = "vendor" if paid_kind == "Bill" else "customer"
        raise invalid_value("AppliedToTxnAdd/TxnID", bill_id, f"The {paid_kind.lower()} is for another {party}.")
    pending = {} if pending is None else pending
    open_amount = book.open_amount(bill) - pending.get(bill.txn_id, ZERO)
    value = to_decimal(amount) if amount is not None else open_amount
    pending[bill.txn_id] = pending.get(bill.txn_id, ZERO) + value
    if value > open_amount:
        raise invalid_value(
            "PaymentAmount",
            amount_text(value),
            f"The {paid_kind.lower()}'s open balance is {amount_text(open_amount)}.",
        )
    return {"TxnID": bill.txn_id, "Amount": amount_text(value)}


def txn_mod(book: Book, host: HostSettings, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
    body = body_of(rq, f"{kind}Mod")
    if kind == "Estimate" and not host.is_using_estimates:
        raise StatusError(3250, FEATURE_OFF_MESSAGE)
    txn_id = element_id(body.find("TxnID"), macros)
    record = book.find_txn({kind}, txn_id)
    if record is None:
        raise not_found(txn_id)
    edit_sequence = text(body, "EditSequence") or ""
    if edit_sequence != record.edit_sequence:
        raise stale(edit_sequence)
    fields = read_fields(book, body, _TXN_READ[kind], kind)
    groups: dict[str, list[LineMod]] = {}
    if flag(body, "ClearItemLines"):
        groups["ItemLineRet"] = []
    if flag(body, "ClearExpenseLines"):
        groups["ExpenseLineRet"] = []
    existing = {line.txn_line_id: line for line in record.lines}
    for child in body:
        group = LINE_MOD_TAGS.get(str(child.tag))
        if group is None:
            if child.tag in GROUP_LINE_TAGS:
                raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The simulator does not handle {child.tag}.)")
            continue
        line_id = element_id(child.find("TxnLineID"), macros)
        tag = group
        if group == "JournalLine":
            line_type = text(child, "JournalLineType")
            if line_type:
                tag = "JournalDebitLine" if line_type == "Debit" else "JournalCreditLine"
            elif line_id in existing:
                tag = existing[line_id].tag
            else:
                tag = "JournalDebitLine"
        line_fields = read_fields(book, child, _LINE_READ[tag], f"{kind} line")
        if line_id == "-1":
            _default_line(tag, line_fields)
        groups.setdefault(group, []).append((line_id, tag, line_fields, None))
    if kind == "PurchaseOrder" and "PurchaseOrderLineRet" in groups:
        _check_billed_lines(book, record, groups["PurchaseOrderLineRet"])
    book.modify_txn(record, fields, groups)
    return Outcome([book.render_txn(record)])


# What a purchase order line that is billed or received holds for the bills and receipts linked to it.
_BILLED_LINE_TAGS = ("ItemRef", "ClassRef", "CustomerRef", "Quantity", "Rate", "Amount")


def _check_billed_lines(book: Book, record: TxnRecord, mods: list[LineMod]) -> None:
    """A purchase order line that a bill or an item receipt is linked to can be neither deleted (left out of
    a Mod that names lines) nor changed in what the linked lines took from it; its description may change."""
    billed = {line_id: amount for line_id, amount in book.billed(record).items() if amount}
    if not billed:
        return
    named = {line_id: line_fields for line_id, _, line_fields, _ in mods if line_id != "-1"}
    for line in record.lines:
        if line.txn_line_id not in billed:
            continue
        changes = named.get(line.txn_line_id)
        if changes is None:
            raise invalid_value(
                "TxnLineID",
                line.txn_line_id,
                "The purchase order line has been billed or received against and cannot be deleted.",
            )
        for tag in _BILLED_LINE_TAGS:
            if tag in changes and changes[tag] != line.fields.get(tag):
                raise invalid_value(
                    tag,
                    str(changes[tag]),
                    "The purchase order line has been billed or received against and cannot be changed.",
                )
