"""Every request the sync sends, checked against Intuit's schema for 13.0 and 16.0, and its details."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from qbxml.lib import build
from qbxml.lib.types import (
    Address,
    BillData,
    BillLine,
    ClassData,
    CustomerData,
    CustomerModData,
    EstimateData,
    EstimateLine,
    EstimateLinesAddData,
    EstimateModData,
    InvoiceData,
    InvoiceLine,
    PurchaseOrderData,
    PurchaseOrderLine,
    PurchaseOrderLinesAddData,
    Retainage,
    ServiceItemData,
    ServiceItemModData,
    VendorData,
    VendorModData,
)
from qbxml.lib.values import FieldError

JOB = "Big Builder Co:Main Street Lofts"
ADDRESS = Address(
    addr1="Acme Concrete Inc",
    addr2="1200 Industrial Way",
    addr3="Suite 4",
    city="Springfield",
    state="IL",
    postal_code="62701",
    country="US",
    note="Remit to",
)
VENDOR = VendorData(
    name="Acme Concrete",
    company_name="Acme Concrete Inc",
    address=ADDRESS,
    phone="217-555-0100",
    fax="217-555-0101",
    email="ap@acme.example",
    contact="Dana Ortiz",
    account_number="BB-1001",
    is_active=True,
)
CUSTOMER = CustomerData(name="Big Builder Co", company_name="Big Builder Co", bill_address=ADDRESS, phone="1")
PROJECT = CustomerData(
    name="Main Street Lofts",
    parent_full_name="Big Builder Co",
    ship_address=ADDRESS,
    email="pm@bigbuilder.example",
    contact="Sam Lee",
    job_status="InProgress",
    job_start_date=date(2024, 1, 15),
    job_projected_end_date=date(2025, 6, 30),
    job_desc="12-storey residential",
    is_active=True,
)
COST_CODE = ServiceItemData(
    name="03-300",
    parent_full_name="03 Concrete",
    description="Cast-in-place concrete",
    expense_account="Job Costs:Subcontracts",
    income_account="Construction Income",
)
PO_LINES = (
    PurchaseOrderLine("03 Concrete:03-300", Decimal("125000.00"), "Subcontract", JOB, "Foundations"),
    PurchaseOrderLine("03 Concrete:03-300", Decimal("48000.50"), "Subcontract", JOB, "Slabs"),
)
PURCHASE_ORDER = PurchaseOrderData(
    vendor_name="Acme Concrete",
    ref_number="SC-0042",
    lines=PO_LINES,
    txn_date=date(2024, 2, 1),
    expected_date=date(2024, 9, 1),
    memo="Subcontract SC-0042",
)
BILL = BillData(
    vendor_name="Acme Concrete",
    ref_number="ACME-2024-00017",
    lines=(
        BillLine("03 Concrete:03-300", Decimal("25000.00"), "Subcontract", JOB, "Foundations 20%", False, "LN-1"),
        BillLine("03 Concrete:03-300", Decimal("4800.05"), "Subcontract", JOB, "Slabs 10%", None, "LN-2"),
        BillLine("01 General:01-500", Decimal("150.00"), "Other", JOB, "Permit fee"),
    ),
    txn_date=date(2024, 3, 31),
    due_date=date(2024, 4, 30),
    memo="Pay application 1",
    retainage=Retainage(Decimal("2980.01"), customer_full_name=JOB),
    purchase_order_txn_id="1A2B-1712345678",
)
OWNER_INVOICE = InvoiceData(
    customer_full_name=JOB,
    ref_number="OI-0003",
    lines=(
        InvoiceLine("03 Concrete:03-300", Decimal("40000.00"), "Subcontract", "Foundations, this period"),
        InvoiceLine("Retention", Decimal("-4000.00"), None, "Retention held (10%)"),
        InvoiceLine("Retention", Decimal("12000.00"), None, "Retention released"),
    ),
    txn_date=date(2024, 4, 30),
    due_date=date(2024, 5, 30),
    po_number="PC-2024-001",
    memo="Pay application 3, April 2024",
)
CONTRACT_CHANGE = EstimateLinesAddData(
    txn_id="1B-1712345678",
    edit_sequence="1712345678",
    existing_line_ids=("1B-1", "1B-2"),
    new_lines=(EstimateLine("03 Concrete:03-300", Decimal("15000.00"), "Subcontract", "PCCO 001: added footings"),),
)
ESTIMATE = EstimateData(
    customer_full_name=JOB,
    lines=(
        EstimateLine("03 Concrete:03-300", Decimal("180000.00"), "Subcontract", "Concrete"),
        EstimateLine("01 General:01-500", Decimal("12500.00"), "Other", "Permits"),
    ),
    txn_date=date(2024, 1, 20),
    ref_number="BUD-1",
    memo="Original budget",
    is_active=True,
)


def _builders():
    yield "VendorAdd", build.vendor_add("v1", VENDOR)
    yield "VendorAdd minimal", build.vendor_add("v2", VendorData(name="Bare"))
    yield "VendorMod", build.vendor_mod("v3", VendorModData("80000001-1712345678", "1712345678", VENDOR))
    yield "CustomerAdd", build.customer_add("c1", CUSTOMER)
    yield "CustomerAdd job", build.customer_add("c2", PROJECT)
    yield "CustomerMod", build.customer_mod("c3", CustomerModData("80000002-1", "17", PROJECT))
    yield "ItemServiceAdd two-sided", build.item_service_add("i1", COST_CODE)
    yield (
        "ItemServiceAdd one-sided",
        build.item_service_add("i2", ServiceItemData("03 Concrete", expense_account="Job Costs")),
    )
    yield "ItemServiceMod", build.item_service_mod("i3", ServiceItemModData("80000003-1", "2", COST_CODE))
    yield (
        "ItemServiceMod name only",
        build.item_service_mod("i4", ServiceItemModData("80000003-1", "2", ServiceItemData("X"))),
    )
    yield "ClassAdd", build.class_add("k1", ClassData("Subcontract", parent_full_name="Cost types", is_active=True))
    yield "EstimateAdd", build.estimate_add("e1", ESTIMATE)
    revised = EstimateData(
        JOB,
        (
            EstimateLine("03 Concrete:03-300", Decimal("185000.00"), "Subcontract", "Concrete", txn_line_id="5-1"),
            EstimateLine("01 General:01-500", Decimal("12500.00"), "Other", "Permits", txn_line_id="5-2"),
            EstimateLine("09 Finishes:09-900", Decimal("4000.00"), "Material", "Paint"),
        ),
        memo="Budget modification 1",
    )
    yield "EstimateMod", build.estimate_mod("e2", EstimateModData("4-1712345678", "1712345699", revised))
    yield "PurchaseOrderAdd", build.purchase_order_add("p1", PURCHASE_ORDER)
    change_order = PurchaseOrderLinesAddData(
        "4-1712345678",
        "1712345699",
        ("LN-1", "LN-2"),
        (PurchaseOrderLine("03 Concrete:03-300", Decimal("-1500.00"), "Subcontract", JOB, "CCO-003 deduct"),),
        memo="CCO-003",
    )
    yield "PurchaseOrderMod", build.purchase_order_add_lines("p2", change_order)
    yield "BillAdd", build.bill_add("b1", BILL)
    yield "InvoiceAdd", build.invoice_add("oi1", OWNER_INVOICE)
    yield "EstimateMod lines", build.estimate_add_lines("el1", CONTRACT_CHANGE)
    yield "BillAdd unlinked", build.bill_add("b2", BillData("Acme Concrete", "17", BILL.lines[2:]))
    for kind in ("Vendor", "Customer", "ItemService", "Item", "Class", "Account"):
        yield f"{kind}Query by name", build.list_query(f"lq-{kind}", kind, full_name="Big Builder Co")
        yield f"{kind}Query by id", build.list_query(f"li-{kind}", kind, list_id="80000001-1")
    for kind, shape in build.TXN_QUERY_SHAPES.items():
        yield (
            f"{kind}Query by id",
            build.txn_query(
                f"ti-{kind}", kind, txn_id="1-1", include_line_items=True, include_linked_txns=shape.include_linked_txns
            ),
        )
        yield f"{kind}Query by ref", build.txn_query(f"tr-{kind}", kind, ref_number="SC-0042")
        yield (
            f"{kind}Query by ref and party",
            build.txn_query(
                f"te-{kind}", kind, ref_number="SC-0042", entity_full_name="Acme Concrete", include_line_items=True
            ),
        )
        yield f"{kind}Query by party", build.txn_query(f"tp-{kind}", kind, entity_full_name=JOB)
    yield "HostQuery", build.host_query("h1")
    yield "CompanyQuery", build.company_query("h2")
    yield "PreferencesQuery", build.preferences_query("h3")


BUILT = list(_builders())


@pytest.mark.parametrize(("label", "request_element"), BUILT, ids=[label for label, _ in BUILT])
def test_each_request_is_valid_in_both_versions(assert_valid, label, request_element):
    assert_valid(build.build_message([request_element]))


def test_one_message_carries_every_request(assert_valid):
    assert_valid(build.build_message([element for _, element in BUILT], version="16.0", on_error="stopOnError"))


def test_message_has_the_declaration_and_qbxml_version():
    message = build.build_message([build.host_query("1")], version="16.0")
    assert message.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="16.0"?>\n<QBXML>')
    root = etree.fromstring(message)
    assert root.find("QBXMLMsgsRq").get("onError") == "continueOnError"


def test_message_refuses_what_quickbooks_would_choke_on():
    with pytest.raises(ValueError, match="version"):
        build.build_message([build.host_query("1")], version="14.0")
    with pytest.raises(ValueError, match="onError"):
        build.build_message([build.host_query("1")], on_error="rollbackOnError")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        build.build_message([])
    with pytest.raises(ValueError, match="used twice"):
        build.build_message([build.host_query("1"), build.company_query("1")])


def test_building_a_message_leaves_the_requests_usable():
    request = build.host_query("1")
    first = build.build_message([request])
    assert build.build_message([request]) == first


def test_text_is_escaped_and_mapped():
    vendor = VendorData(name="Smith & \u201cSons\u201d <East>", company_name="O\u2019Brien")
    message = build.build_message([build.vendor_add("1", vendor)])
    assert b"<Name>Smith &amp; &quot;Sons&quot; &lt;East&gt;</Name>" in message
    assert b"<CompanyName>O'Brien</CompanyName>" in message
    assert etree.fromstring(message).findtext(".//Name") == 'Smith & "Sons" <East>'


def _tags(element) -> list[str]:
    return [child.tag for child in element]


def test_job_is_a_customer_with_a_parent():
    rq = build.customer_add("1", PROJECT)
    body = rq.find("CustomerAdd")
    assert body.findtext("Name") == "Main Street Lofts"
    assert body.findtext("ParentRef/FullName") == "Big Builder Co"
    assert _tags(body)[:3] == ["Name", "IsActive", "ParentRef"]


def test_job_full_name_over_the_limit_is_refused():
    with pytest.raises(FieldError, match="at most 209") as caught:
        build.customer_add("1", CustomerData(name="J" * 41, parent_full_name=":".join(["P" * 41] * 5)))
    assert caught.value.field == "CustomerAdd/Name"


def test_long_names_are_refused_with_the_field_and_limit_never_truncated():
    with pytest.raises(FieldError) as caught:
        build.item_service_add("1", ServiceItemData(name="0" * 32, expense_account="Job Costs"))
    assert str(caught.value) == "ItemServiceAdd/Name: is 32 characters long; QuickBooks allows at most 31"
    with pytest.raises(FieldError, match="PurchaseOrderAdd/RefNumber: is 12 characters long"):
        build.purchase_order_add("1", PurchaseOrderData("Acme", "SC-000000042", PO_LINES))


def test_service_item_sides_follow_the_accounts():
    both = build.item_service_add("1", COST_CODE).find("ItemServiceAdd")
    assert _tags(both.find("SalesAndPurchase")) == [
        "SalesDesc",
        "IncomeAccountRef",
        "PurchaseDesc",
        "ExpenseAccountRef",
    ]
    assert both.findtext("ParentRef/FullName") == "03 Concrete"
    one = build.item_service_add("2", ServiceItemData("X", description="d", expense_account="Job Costs"))
    assert _tags(one.find("ItemServiceAdd/SalesOrPurchase")) == ["Desc", "AccountRef"]
    with pytest.raises(FieldError, match="expense or income account"):
        build.item_service_add("3", ServiceItemData("X"))


def test_purchase_order_lines_carry_item_class_and_job_in_schema_order():
    body = build.purchase_order_add("1", PURCHASE_ORDER).find("PurchaseOrderAdd")
    assert _tags(body) == ["VendorRef", "TxnDate", "RefNumber", "ExpectedDate", "Memo"] + ["PurchaseOrderLineAdd"] * 2
    line = body.find("PurchaseOrderLineAdd")
    assert _tags(line) == ["ItemRef", "Desc", "ClassRef", "Amount", "CustomerRef"]
    assert line.findtext("Amount") == "125000.00"
    assert line.findtext("CustomerRef/FullName") == JOB


def test_change_order_keeps_every_existing_line_and_adds_new_ones():
    data = PurchaseOrderLinesAddData("4-1", "9", ("LN-1", "LN-2"), PO_LINES[:1])
    body = build.purchase_order_add_lines("1", data).find("PurchaseOrderMod")
    lines = body.findall("PurchaseOrderLineMod")
    assert [_tags(line) for line in lines[:2]] == [["TxnLineID"], ["TxnLineID"]]
    assert [line.findtext("TxnLineID") for line in lines] == ["LN-1", "LN-2", "-1"]
    assert _tags(lines[2]) == ["TxnLineID", "ItemRef", "Desc", "ClassRef", "Amount", "CustomerRef"]


def test_change_order_without_existing_lines_is_refused():
    # QuickBooks would delete every line the Mod does not name.
    with pytest.raises(FieldError, match="would delete"):
        build.purchase_order_add_lines("1", PurchaseOrderLinesAddData("4-1", "9", (), PO_LINES))
    with pytest.raises(FieldError, match="named twice"):
        build.purchase_order_add_lines("1", PurchaseOrderLinesAddData("4-1", "9", ("A", "A"), PO_LINES))


def test_bill_links_lines_to_the_purchase_order_and_holds_retainage():
    body = build.bill_add("1", BILL).find("BillAdd")
    assert body.find("LinkToTxnID") is None  # would pull every open PO line into the bill
    lines = body.findall("ItemLineAdd")
    assert len(lines) == 4
    linked = lines[0]
    assert linked.find("ItemRef") is None
    assert _tags(linked) == ["Desc", "Amount", "CustomerRef", "ClassRef", "BillableStatus", "LinkToTxn"]
    assert linked.findtext("LinkToTxn/TxnID") == "1A2B-1712345678"
    assert linked.findtext("LinkToTxn/TxnLineID") == "LN-1"
    assert linked.findtext("BillableStatus") == "NotBillable"
    assert lines[2].findtext("ItemRef/FullName") == "01 General:01-500"
    retainage = lines[3]
    assert retainage.findtext("ItemRef/FullName") == "Retainage"
    assert retainage.findtext("Amount") == "-2980.01"
    assert retainage.findtext("CustomerRef/FullName") == JOB


def test_bill_retainage_item_name_is_configurable_and_zero_retainage_adds_no_line():
    custom = BillData("Acme", "1", BILL.lines[2:], retainage=Retainage(Decimal("5.00"), item_full_name="Retention"))
    assert build.bill_add("1", custom).findall("BillAdd/ItemLineAdd")[-1].findtext("ItemRef/FullName") == "Retention"
    none_held = BillData("Acme", "1", BILL.lines[2:], retainage=Retainage(Decimal("0.00")))
    assert len(build.bill_add("1", none_held).findall("BillAdd/ItemLineAdd")) == 1


def test_bill_refusals():
    with pytest.raises(FieldError, match="negative bill"):
        build.bill_add("1", BillData("Acme", "1", BILL.lines[2:], retainage=Retainage(Decimal("150.01"))))
    with pytest.raises(FieldError, match="cannot be negative"):
        build.bill_add("1", BillData("Acme", "1", BILL.lines[2:], retainage=Retainage(Decimal("-1"))))
    with pytest.raises(FieldError, match="names no PO"):
        build.bill_add("1", BillData("Acme", "1", BILL.lines[:1]))
    with pytest.raises(FieldError, match="at least one line"):
        build.bill_add("1", BillData("Acme", "1", ()))
    with pytest.raises(FieldError, match="BillAdd/RefNumber: is 21"):
        build.bill_add("1", BillData("Acme", "X" * 21, BILL.lines[2:]))


def test_estimate_mod_sends_existing_lines_by_id_and_new_ones_as_minus_one():
    lines = (
        EstimateLine("A", Decimal("1.00"), txn_line_id="5-1"),
        EstimateLine("B", Decimal("2.00")),
    )
    body = build.estimate_mod("1", EstimateModData("4-1", "9", EstimateData(JOB, lines))).find("EstimateMod")
    assert [line.findtext("TxnLineID") for line in body.findall("EstimateLineMod")] == ["5-1", "-1"]
    twice = (EstimateLine("A", Decimal("1"), txn_line_id="5-1"), EstimateLine("A", Decimal("2"), txn_line_id="5-1"))
    with pytest.raises(FieldError, match="appears twice"):
        build.estimate_mod("1", EstimateModData("4-1", "9", EstimateData(JOB, twice)))
    with pytest.raises(FieldError, match="no QuickBooks lines"):
        build.estimate_add("1", EstimateData(JOB, lines))


def test_list_lookups_take_exactly_one_key():
    assert build.list_query("1", "Vendor", full_name="Acme").findtext("FullName") == "Acme"
    assert build.list_query("1", "Vendor", list_id="80-1").findtext("ListID") == "80-1"
    with pytest.raises(ValueError, match="exactly one"):
        build.list_query("1", "Vendor")
    with pytest.raises(ValueError, match="exactly one"):
        build.list_query("1", "Vendor", full_name="A", list_id="1")
    assert build.list_query("1", "Employee", full_name="Jon Smith").findtext("FullName") == "Jon Smith"
    with pytest.raises(ValueError, match="unknown list kind"):
        build.list_query("1", "Employees", full_name="A")  # type: ignore[arg-type]


def test_txn_query_by_ref_and_party_uses_the_filter_form():
    rq = build.txn_query("1", "Bill", ref_number="INV-7", entity_full_name="Acme", include_line_items=True)
    assert _tags(rq) == ["EntityFilter", "RefNumberRangeFilter", "IncludeLineItems"]
    assert (
        rq.findtext("RefNumberRangeFilter/FromRefNumber") == rq.findtext("RefNumberRangeFilter/ToRefNumber") == "INV-7"
    )
    assert _tags(build.txn_query("2", "PurchaseOrder", ref_number="SC-1")) == ["RefNumber"]


def test_txn_query_options_the_schema_lacks_are_refused():
    with pytest.raises(ValueError, match="IncludeLinkedTxns"):
        build.txn_query("1", "JournalEntry", txn_id="1-1", include_linked_txns=True)
    with pytest.raises(ValueError, match="no other filter"):
        build.txn_query("1", "Bill", txn_id="1-1", ref_number="7")
    with pytest.raises(ValueError, match="give txn_id"):
        build.txn_query("1", "Bill")
    with pytest.raises(ValueError, match="unknown transaction kind"):
        build.txn_query("1", "SalesReceipt", txn_id="1")  # type: ignore[arg-type]


def test_request_ids_are_required_and_printable():
    for bad in ("", "two words", "x" * 65):
        with pytest.raises(FieldError, match="requestID"):
            build.host_query(bad)


def test_hcp_requests_are_the_three_queries():
    assert [rq.tag for rq in build.host_company_preferences_requests()] == [
        "HostQueryRq",
        "CompanyQueryRq",
        "PreferencesQueryRq",
    ]


def test_an_owner_invoice_carries_its_lines_retention_and_contract_number_in_schema_order():
    body = build.invoice_add("1", OWNER_INVOICE).find("InvoiceAdd")

    assert [child.tag for child in body] == [
        "CustomerRef",
        "TxnDate",
        "RefNumber",
        "PONumber",
        "DueDate",
        "Memo",
        "InvoiceLineAdd",
        "InvoiceLineAdd",
        "InvoiceLineAdd",
    ]
    assert [line.findtext("Amount") for line in body.findall("InvoiceLineAdd")] == ["40000.00", "-4000.00", "12000.00"]
    assert [child.tag for child in body.find("InvoiceLineAdd")] == ["ItemRef", "Desc", "ClassRef", "Amount"]


def test_a_negative_owner_invoice_is_refused():
    lines = (InvoiceLine("03 Concrete:03-300", Decimal("100.00")), InvoiceLine("Retention", Decimal("-100.01")))

    with pytest.raises(FieldError, match="negative invoice"):
        build.invoice_add("1", InvoiceData(JOB, "OI-1", lines))


def test_an_owner_invoice_needs_a_number_and_a_line():
    with pytest.raises(FieldError, match="RefNumber"):
        build.invoice_add("1", InvoiceData(JOB, "", OWNER_INVOICE.lines))
    with pytest.raises(FieldError, match="InvoiceLineAdd"):
        build.invoice_add("1", InvoiceData(JOB, "OI-1", ()))
    with pytest.raises(FieldError, match="RefNumber"):
        build.invoice_add("1", InvoiceData(JOB, "OI-123456789", OWNER_INVOICE.lines))


def test_a_contract_change_keeps_every_estimate_line_and_adds_its_own():
    body = build.estimate_add_lines("1", CONTRACT_CHANGE).find("EstimateMod")
    lines = body.findall("EstimateLineMod")

    assert [line.findtext("TxnLineID") for line in lines] == ["1B-1", "1B-2", "-1"]
    assert [child.tag for child in lines[0]] == ["TxnLineID"], "a kept line is named by its id alone"
    assert lines[2].findtext("Amount") == "15000.00"
    with pytest.raises(FieldError, match="existing lines are missing"):
        build.estimate_add_lines("1", EstimateLinesAddData("1B-1", "1", (), CONTRACT_CHANGE.new_lines))
    with pytest.raises(FieldError, match="named twice"):
        build.estimate_add_lines("1", EstimateLinesAddData("1B-1", "1", ("1B-1", "1B-1"), CONTRACT_CHANGE.new_lines))
