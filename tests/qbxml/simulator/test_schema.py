"""Every kind of answer the simulator gives, validated against Intuit's schemas for 13.0 and 16.0.

`send` validates whatever goes through it when $QBXML_SCHEMA_DIR is set; the tests here make sure every
element the simulator can write appears at least once, and need the schema to mean anything.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbxml.lib import build
from qbxml.lib.parse import parse_responses
from qbxml.lib.types import (
    Address,
    BillData,
    BillLine,
    ClassData,
    CustomerData,
    EstimateData,
    EstimateLine,
    PurchaseOrderData,
    PurchaseOrderLine,
    Retainage,
    ServiceItemData,
    VendorData,
)
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.qbxml.simulator.builders import list_import_query, txn_import_query

JOB = "Big Builder Co:Main Street Lofts"
ADDRESS = Address("Line 1", "Line 2", "Line 3", "Line 4", "Line 5", "Springfield", "IL", "62701", "US", "Remit")

RAW_ADDS = """
<AccountAddRq requestID="acct"><AccountAdd><Name>Job Costs</Name><AccountType>CostOfGoodsSold</AccountType>
  <AccountNumber>5000</AccountNumber><Desc>Costs of jobs</Desc></AccountAdd></AccountAddRq>
<AccountAddRq requestID="sub-acct"><AccountAdd><Name>Subcontracts</Name><ParentRef><FullName>Job Costs</FullName>
  </ParentRef><AccountType>CostOfGoodsSold</AccountType></AccountAdd></AccountAddRq>
<OtherNameAddRq requestID="other"><OtherNameAdd><Name>City of Springfield</Name><CompanyName>City</CompanyName>
  <OtherNameAddress><Addr1>City Hall</Addr1><City>Springfield</City></OtherNameAddress><Phone>1</Phone>
  </OtherNameAdd></OtherNameAddRq>
<ItemNonInventoryAddRq requestID="noninv"><ItemNonInventoryAdd><Name>Rebar</Name>
  <ManufacturerPartNumber>RB-4</ManufacturerPartNumber><SalesOrPurchase><Desc>Rebar #4</Desc><Price>1.25</Price>
  <AccountRef><FullName>Job Costs:Subcontracts</FullName></AccountRef></SalesOrPurchase></ItemNonInventoryAdd>
  </ItemNonInventoryAddRq>
<ItemOtherChargeAddRq requestID="charge"><ItemOtherChargeAdd><Name>Retainage</Name><SalesAndPurchase>
  <SalesDesc>Retainage</SalesDesc><IncomeAccountRef><FullName>Construction Income</FullName></IncomeAccountRef>
  <PurchaseDesc>Retainage held</PurchaseDesc><ExpenseAccountRef><FullName>Accounts Payable</FullName>
  </ExpenseAccountRef><PrefVendorRef><FullName>Acme Concrete</FullName></PrefVendorRef></SalesAndPurchase>
  </ItemOtherChargeAdd></ItemOtherChargeAddRq>
<CheckAddRq requestID="check"><CheckAdd defMacro="TxnID:Check"><AccountRef><FullName>Checking</FullName></AccountRef>
  <PayeeEntityRef><FullName>City of Springfield</FullName></PayeeEntityRef><RefNumber>10440</RefNumber>
  <TxnDate>2024-04-10</TxnDate><Memo>Permit</Memo><Address><Addr1>City Hall</Addr1></Address>
  <IsToBePrinted>false</IsToBePrinted>
  <ExpenseLineAdd><AccountRef><FullName>Job Expenses</FullName></AccountRef><Amount>200.00</Amount>
  <Memo>Inspection</Memo><CustomerRef><FullName>Big Builder Co:Main Street Lofts</FullName></CustomerRef>
  <ClassRef><FullName>Subcontract</FullName></ClassRef><BillableStatus>NotBillable</BillableStatus></ExpenseLineAdd>
  <ItemLineAdd><ItemRef><FullName>Rebar</FullName></ItemRef><Desc>Rebar</Desc><Quantity>100</Quantity>
  <Cost>1.25</Cost><CustomerRef><FullName>Big Builder Co:Main Street Lofts</FullName></CustomerRef></ItemLineAdd>
  </CheckAdd></CheckAddRq>
<CreditCardChargeAddRq requestID="cc"><CreditCardChargeAdd><AccountRef><FullName>Credit Card</FullName></AccountRef>
  <PayeeEntityRef><FullName>Acme Concrete</FullName></PayeeEntityRef><RefNumber>CC-1</RefNumber>
  <ItemLineAdd><ItemRef><FullName>03:03-300</FullName></ItemRef><Amount>89.99</Amount></ItemLineAdd>
  </CreditCardChargeAdd></CreditCardChargeAddRq>
<CreditCardCreditAddRq requestID="ccc"><CreditCardCreditAdd><AccountRef><FullName>Credit Card</FullName></AccountRef>
  <ExpenseLineAdd><AccountRef><FullName>Job Expenses</FullName></AccountRef><Amount>9.99</Amount></ExpenseLineAdd>
  </CreditCardCreditAdd></CreditCardCreditAddRq>
<VendorCreditAddRq requestID="vc"><VendorCreditAdd><VendorRef><FullName>Acme Concrete</FullName></VendorRef>
  <RefNumber>VC-1</RefNumber><ItemLineAdd><ItemRef><FullName>03:03-300</FullName></ItemRef><Amount>5.00</Amount>
  </ItemLineAdd></VendorCreditAdd></VendorCreditAddRq>
<ItemReceiptAddRq requestID="ir"><ItemReceiptAdd><VendorRef><FullName>Acme Concrete</FullName></VendorRef>
  <RefNumber>IR-1</RefNumber><ItemLineAdd><ItemRef><FullName>Rebar</FullName></ItemRef><Quantity>4</Quantity>
  <Cost>2.50</Cost></ItemLineAdd></ItemReceiptAdd></ItemReceiptAddRq>
<JournalEntryAddRq requestID="je"><JournalEntryAdd><TxnDate>2024-04-11</TxnDate><RefNumber>JE-12</RefNumber>
  <Memo>Crane</Memo><IsAdjustment>false</IsAdjustment>
  <JournalDebitLine><AccountRef><FullName>Job Expenses</FullName></AccountRef><Amount>400.00</Amount>
  <Memo>Crane</Memo><EntityRef><FullName>Big Builder Co:Main Street Lofts</FullName></EntityRef>
  <ClassRef><FullName>Subcontract</FullName></ClassRef></JournalDebitLine>
  <JournalCreditLine><AccountRef><FullName>Checking</FullName></AccountRef><Amount>400.00</Amount></JournalCreditLine>
  </JournalEntryAdd></JournalEntryAddRq>
"""


def _raw(body: str, version: str = "13.0") -> bytes:
    document = (
        f'<?qbxml version="{version}"?><QBXML><QBXMLMsgsRq onError="continueOnError">{body}</QBXMLMsgsRq></QBXML>'
    )
    return document.encode("utf-8")


@pytest.fixture
def strict(qbxml_schema_dir) -> QuickBooksCompany:
    """A company that validates every request document, as QuickBooks does."""
    company = QuickBooksCompany("Big Builder Co", schema_dir=qbxml_schema_dir)
    company.add_customer("Big Builder Co")
    company.add_customer("Main Street Lofts", parent="Big Builder Co")
    company.add_vendor("Acme Concrete")
    company.add_class("Subcontract")
    company.add_item_service("03")
    company.add_item_service("03-300", parent="03", income_account="Construction Income")
    return company


def _all_ok(answer: str) -> list:
    responses = parse_responses(answer)
    failed = [(r.request_id, r.status_code, r.status_message) for r in responses if r.status_code not in (0, 1)]
    assert not failed, failed
    return responses


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_every_list_answer_is_valid(strict, assert_valid, version):
    full_vendor = VendorData(
        name="Bolt Steel & Supply",
        company_name="Bolt Steel",
        address=ADDRESS,
        phone="217",
        fax="218",
        email="ap@bolt.example",
        contact="Sam",
        account_number="BB-1",
        is_active=True,
    )
    full_customer = CustomerData(
        name="Phase 2 <east>",
        parent_full_name=JOB,
        company_name="Big Builder",
        bill_address=ADDRESS,
        ship_address=ADDRESS,
        phone="1",
        email="pm@example.com",
        contact="Lee",
        job_status="Awarded",
        job_start_date=date(2024, 1, 1),
        job_projected_end_date=date(2025, 1, 1),
        job_end_date=date(2025, 2, 1),
        job_desc="East wing",
        is_active=True,
    )
    requests = [
        build.vendor_add("v", full_vendor),
        build.customer_add("c", full_customer),
        build.class_add("cl", ClassData(name="Labor", parent_full_name="Subcontract", is_active=True)),
        build.item_service_add(
            "i", ServiceItemData("03-310", "03", "Formwork", "Job Expenses", "Construction Income", True)
        ),
    ]
    answer = strict.process(build.build_message(requests, version=version))
    assert_valid(answer.encode())
    _all_ok(answer)
    answer = strict.process(_raw(RAW_ADDS, version))
    assert_valid(answer.encode())
    _all_ok(answer)
    strict.add_employee("Dana Ortiz", FirstName="Dana", LastName="Ortiz", Email="dana@example.com")
    queries = [
        list_import_query(kind, kind) for kind in ("Vendor", "Customer", "ItemService", "Item", "Class", "Account")
    ]
    answer = strict.process(build.build_message(queries, version=version))
    assert_valid(answer.encode())
    responses = _all_ok(answer)
    assert {r["type"] for r in responses[3].records} == {"ItemService", "ItemNonInventory", "ItemOtherCharge"}
    more = _raw(
        '<EmployeeQueryRq requestID="e"/><OtherNameQueryRq requestID="o"/><EntityQueryRq requestID="n"/>'
        '<ListDelRq requestID="del"><ListDelType>Class</ListDelType>'
        f"<ListID>{strict.find_list('Class', 'Subcontract:Labor').list_id}</ListID></ListDelRq>"
        '<ListDeletedQueryRq requestID="ld"><ListDelType>Class</ListDelType></ListDeletedQueryRq>'
        '<VendorQueryRq requestID="meta" metaData="MetaDataAndResponseData"><IncludeRetElement>Name</IncludeRetElement>'
        "</VendorQueryRq>",
        version,
    )
    answer = strict.process(more)
    assert_valid(answer.encode())
    responses = _all_ok(answer)
    assert {r["type"] for r in responses[2].records} == {"Customer", "Vendor", "Employee", "OtherName"}
    assert responses[5].ret_count == 2
    assert all(set(r) - {"name", "type", "lines", "applied_to", "linked_txns"} <= set(r) for r in responses[5].records)
    assert responses[5].records[0]["list_id"] is None


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_every_transaction_answer_is_valid(strict, assert_valid, version):
    strict.process(_raw(RAW_ADDS, version))
    order_lines = (
        PurchaseOrderLine("03:03-300", Decimal("1000.00"), "Subcontract", JOB, "Foundations"),
        PurchaseOrderLine("03:03-300", Decimal("500.00"), None, None, "Slabs"),
    )
    order = strict.process(
        build.build_message(
            [
                build.purchase_order_add(
                    "po",
                    PurchaseOrderData("Acme Concrete", "PO-1", order_lines, date(2024, 3, 1), date(2024, 4, 1), "m"),
                ),
                build.estimate_add(
                    "est",
                    EstimateData(
                        JOB, (EstimateLine("03:03-300", Decimal("2500.00"), "Subcontract", "Budget"),), ref_number="B1"
                    ),
                ),
            ],
            version=version,
        )
    )
    assert_valid(order.encode())
    po = parse_responses(order)[0].records[0]
    bill = BillData(
        "Acme Concrete",
        "INV-1",
        (
            BillLine(
                "03:03-300", Decimal("400.00"), "Subcontract", JOB, "Pay app", True, po["lines"][0]["txn_line_id"]
            ),
            BillLine("03:03-300", Decimal("10.00"), None, JOB, "Extra", False),
        ),
        date(2024, 3, 31),
        date(2024, 4, 30),
        "Pay app 1",
        Retainage(Decimal("41.00"), customer_full_name=JOB),
        po["txn_id"],
    )
    answer = strict.process(build.build_message([build.bill_add("bill", bill)], version=version))
    assert_valid(answer.encode())
    bill_id = _all_ok(answer)[0].records[0]["txn_id"]
    payments = _raw(
        '<BillPaymentCheckAddRq requestID="bpc"><BillPaymentCheckAdd><PayeeEntityRef><FullName>Acme Concrete'
        "</FullName></PayeeEntityRef><BankAccountRef><FullName>Checking</FullName></BankAccountRef>"
        f"<RefNumber>10432</RefNumber><Memo>Pay app 1</Memo><AppliedToTxnAdd><TxnID>{bill_id}</TxnID>"
        "<PaymentAmount>100.00</PaymentAmount></AppliedToTxnAdd></BillPaymentCheckAdd></BillPaymentCheckAddRq>"
        '<BillPaymentCreditCardAddRq requestID="bpcc"><BillPaymentCreditCardAdd><PayeeEntityRef><FullName>Acme Concrete'
        "</FullName></PayeeEntityRef><CreditCardAccountRef><FullName>Credit Card</FullName></CreditCardAccountRef>"
        f"<AppliedToTxnAdd><TxnID>{bill_id}</TxnID><PaymentAmount>50.00</PaymentAmount></AppliedToTxnAdd>"
        "</BillPaymentCreditCardAdd></BillPaymentCreditCardAddRq>",
        version,
    )
    answer = strict.process(payments)
    assert_valid(answer.encode())
    responses = _all_ok(answer)
    strict.add_job_cost_transaction("JournalEntry", [SeedLine(10, account="Job Expenses", customer=JOB)])
    kinds = (
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
    )
    queries = [
        txn_import_query(kind, kind, include_linked_txns=build.TXN_QUERY_SHAPES[kind].include_linked_txns)
        for kind in kinds
    ]
    answer = strict.process(build.build_message(queries, version=version))
    assert_valid(answer.encode())
    responses = _all_ok(answer)
    assert all(r.records for r in responses), [r.kind for r in responses if not r.records]
    check_id = responses[4].records[0]["txn_id"]
    tail = _raw(
        '<TransactionQueryRq requestID="t"><TransactionDetailLevelFilter>All</TransactionDetailLevelFilter>'
        "</TransactionQueryRq>"
        f'<TxnVoidRq requestID="void"><TxnVoidType>Check</TxnVoidType><TxnID>{check_id}</TxnID></TxnVoidRq>'
        f'<TxnDelRq requestID="del"><TxnDelType>Check</TxnDelType><TxnID>{check_id}</TxnID></TxnDelRq>'
        '<TxnDeletedQueryRq requestID="deleted"><TxnDelType>Check</TxnDelType></TxnDeletedQueryRq>'
        '<BillQueryRq requestID="meta" metaData="MetaDataOnly"/>',
        version,
    )
    answer = strict.process(tail)
    assert_valid(answer.encode())
    responses = _all_ok(answer)
    assert responses[-1].ret_count == 1 and responses[-1].records == []


def test_errors_and_warnings_are_valid_answers_too(strict, assert_valid):
    requests = [
        build.vendor_add("dup", VendorData(name="Acme Concrete")),
        build.list_query("miss", "Vendor", full_name="Nobody"),
        build.txn_query("none", "Bill", ref_number="X"),
        list_import_query("iter", "Customer", iterator_id="{00000000-0000-0000-0000-000000000000}"),
    ]
    answer = strict.process(build.build_message(requests))
    assert_valid(answer.encode())
    assert [r.status_code for r in parse_responses(answer)] == [3100, 500, 1, 3391]


def test_the_host_response_is_valid(strict, assert_valid):
    assert_valid(strict.host_response().encode())
