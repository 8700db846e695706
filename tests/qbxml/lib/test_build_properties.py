"""Whatever text and amounts come in, a builder either writes a schema-valid request or says why not.

"Why not" must name the field and the character or the length, so the person fixing the data can; and
a valid request must carry the text exactly as QuickBooks will store it (never cut short).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from qbxml.lib import build
from qbxml.lib.text import to_qb_text
from qbxml.lib.types import (
    Address,
    BillData,
    BillLine,
    CustomerData,
    EstimateData,
    EstimateLine,
    EstimateLinesAddData,
    InvoiceData,
    InvoiceLine,
    PurchaseOrderData,
    PurchaseOrderLine,
    Retainage,
    ServiceItemData,
    VendorData,
)
from qbxml.lib.values import FieldError

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Mostly plausible text, with the characters that cause trouble mixed in.
tricky = st.sampled_from(list("&<>\"':\t\n\u2019\u201c\u2026\u20ac\u00e9\u00a0\u6771\u0000\u0081\U0001f600"))
text = st.one_of(
    st.text(max_size=50),
    st.lists(st.one_of(st.characters(min_codepoint=32, max_codepoint=126), tricky), max_size=50).map("".join),
)
amounts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=2),
    st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=3),
)

REASONS = ("empty", "colon", "integer digits", "two decimals", "not an amount", "negative", "line")


def _check_refusal(error: FieldError, kind: str) -> None:
    message = str(error)
    assert error.field.startswith(kind), message
    assert message.startswith(error.field), message
    if error.limit is not None:
        assert f"at most {error.limit}" in message or f"more than {error.limit}" in message, message
    elif error.char is not None:
        assert error.char in message or f"U+{ord(error.char):04X}" in message, message
    else:
        assert any(reason in message for reason in REASONS), message


def _check(assert_valid, kind: str, make):
    try:
        request = make()
    except FieldError as error:
        _check_refusal(error, kind)
        return None
    message = build.build_message([request])
    assert_valid(message)
    return etree.fromstring(message)


@PROPERTY_SETTINGS
@given(name=text, company=text, addr1=text, city=text, email=text)
def test_vendor_add(assert_valid, name, company, addr1, city, email):
    vendor = VendorData(name=name, company_name=company, address=Address(addr1=addr1, city=city), email=email)
    root = _check(assert_valid, "VendorAdd", lambda: build.vendor_add("1", vendor))
    if root is not None:
        assert root.findtext(".//VendorAdd/Name") == to_qb_text(name)


@PROPERTY_SETTINGS
@given(name=text, parent=text, job_desc=text)
def test_job_add(assert_valid, name, parent, job_desc):
    job = CustomerData(name=name, parent_full_name=parent, job_desc=job_desc)
    root = _check(assert_valid, "CustomerAdd", lambda: build.customer_add("1", job))
    if root is not None:
        assert root.findtext(".//ParentRef/FullName") == to_qb_text(parent)


@PROPERTY_SETTINGS
@given(name=text, description=text, account=text)
def test_item_service_add(assert_valid, name, description, account):
    item = ServiceItemData(name=name, description=description, expense_account=account, income_account="Income")
    root = _check(assert_valid, "ItemServiceAdd", lambda: build.item_service_add("1", item))
    if root is not None:
        stored = root.findtext(".//PurchaseDesc") or root.findtext(".//SalesOrPurchase/Desc")
        assert stored == (to_qb_text(description) or None)


@PROPERTY_SETTINGS
@given(ref=text, memo=text, desc=text, amount=amounts)
def test_purchase_order_add(assert_valid, ref, memo, desc, amount):
    order = PurchaseOrderData(
        vendor_name="Acme", ref_number=ref, memo=memo, lines=(PurchaseOrderLine("03-300", amount, description=desc),)
    )
    root = _check(assert_valid, "PurchaseOrderAdd", lambda: build.purchase_order_add("1", order))
    if root is not None:
        assert Decimal(root.findtext(".//Amount")) == amount


@PROPERTY_SETTINGS
@given(vendor=text, ref=text, line_amount=amounts, held=amounts)
def test_bill_add(assert_valid, vendor, ref, line_amount, held):
    bill = BillData(
        vendor_name=vendor,
        ref_number=ref,
        lines=(BillLine("03-300", line_amount, customer_full_name="Co:Job"),),
        retainage=Retainage(held),
    )
    root = _check(assert_valid, "BillAdd", lambda: build.bill_add("1", bill))
    if root is not None:
        total = sum(Decimal(amount.text) for amount in root.iter("Amount"))
        assert total == line_amount - held >= 0


@PROPERTY_SETTINGS
@given(customer=text, ref=text, po_number=text, desc=text, billed=amounts, held=amounts)
def test_invoice_add(assert_valid, customer, ref, po_number, desc, billed, held):
    invoice = InvoiceData(
        customer_full_name=customer,
        ref_number=ref,
        po_number=po_number,
        lines=(InvoiceLine("03-300", billed, description=desc), InvoiceLine("Retention", held)),
    )
    root = _check(assert_valid, "InvoiceAdd", lambda: build.invoice_add("1", invoice))
    if root is not None:
        assert [Decimal(amount.text) for amount in root.iter("Amount")] == [billed, held]
        assert billed + held >= 0


@PROPERTY_SETTINGS
@given(customer=text, ref=text, memo=text, desc=text, amount=amounts)
def test_estimate_add(assert_valid, customer, ref, memo, desc, amount):
    estimate = EstimateData(
        customer_full_name=customer,
        ref_number=ref,
        memo=memo,
        lines=(EstimateLine("03-300", amount, description=desc),),
    )
    root = _check(assert_valid, "EstimateAdd", lambda: build.estimate_add("1", estimate))
    if root is not None:
        assert root.findtext(".//RefNumber") == (to_qb_text(ref) or None)
        assert Decimal(root.findtext(".//Amount")) == amount


@PROPERTY_SETTINGS
@given(
    line_ids=st.lists(st.text(alphabet="0123456789ABCDEF-", min_size=1, max_size=20), max_size=4),
    desc=text,
    amount=amounts,
)
def test_estimate_add_lines(assert_valid, line_ids, desc, amount):
    change = EstimateLinesAddData(
        txn_id="1B-1712345678",
        edit_sequence="1712345678",
        existing_line_ids=tuple(line_ids),
        new_lines=(EstimateLine("03-300", amount, description=desc),),
    )
    root = _check(assert_valid, "EstimateMod", lambda: build.estimate_add_lines("1", change))
    if root is not None:
        assert [line.findtext("TxnLineID") for line in root.iter("EstimateLineMod")] == [*line_ids, "-1"]
