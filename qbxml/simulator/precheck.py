"""What makes QuickBooks refuse a whole request document, checked when no schema is loaded.

With Intuit's XSDs the schema finds these; without them (the demo, the fast test run) a missing body, a
missing ListID/TxnID or EditSequence, or a Name or RefNumber over the schema's length would otherwise be
answered request by request, which QuickBooks never does.
"""

from __future__ import annotations

from qbxml.simulator.orders import LIST_KINDS, TXN_KINDS
from qbxml.simulator.request import Element

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
    "Invoice": 11,
    "ReceivePayment": 20,
}


def precheck(rq: Element) -> str | None:
    """Why QuickBooks would refuse the document holding `rq` (structure and lengths), or None."""
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
