"""What the accountant does in QuickBooks: pays bills, writes checks, posts journal entries; and saving it all."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from qbxml.lib import build
from qbxml.lib.parse import parse_responses
from qbxml.lib.types import VendorData
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.qbxml.simulator.builders import txn_deleted_query, txn_import_query
from tests.qbxml.simulator.conftest import JOB, one

ITEM = "03:03-300"


def test_a_new_company_has_default_accounts_and_no_retainage_item(company):
    assert {a.full_name for a in company.accounts()} >= {
        "Checking",
        "Accounts Payable",
        "Credit Card",
        "Construction Income",
        "Job Expenses",
    }
    assert company.items() == []
    assert company.find_list("Item", "Retainage") is None


def test_bill_payments_by_check_and_credit_card_come_back_with_the_bills_they_pay(seeded, send):
    first = seeded.add_bill("Acme Concrete", "ACME-17", [SeedLine("26970.04", item=ITEM, customer=JOB)])
    second = seeded.add_bill("Acme Concrete", "ACME-18", [SeedLine("100.00", item=ITEM, customer=JOB)])
    check = seeded.add_bill_payment_check(
        "Acme Concrete", applied=[(first.txn_id, None), (second.txn_id, "60.00")], memo="Pay app 1"
    )
    card = seeded.add_bill_payment_credit_card("Acme Concrete", second.txn_id, "40.00")
    assert check.total == Decimal("27030.04")
    assert check.ref_number == "1"
    answers = send(
        seeded,
        txn_import_query("c", "BillPaymentCheck"),
        txn_import_query("cc", "BillPaymentCreditCard"),
    )
    paid_by_check = answers[0].records[0]
    assert paid_by_check["txn_id"] == check.txn_id
    assert paid_by_check["payee_entity_full_name"] == "Acme Concrete"
    assert paid_by_check["bank_account_full_name"] == "Checking"
    assert paid_by_check["amount"] == Decimal("27030.04")
    assert [(a["txn_id"], a["amount"], a["balance_remaining"]) for a in paid_by_check["applied_to"]] == [
        (first.txn_id, Decimal("26970.04"), Decimal("0.00")),
        (second.txn_id, Decimal("60.00"), Decimal("0.00")),
    ]
    by_card = answers[1].records[0]
    assert by_card["credit_card_account_full_name"] == "Credit Card"
    assert by_card["applied_to"][0]["txn_id"] == second.txn_id
    assert card.total == Decimal("40.00")
    assert all(bill.open_amount == 0 for bill in seeded.bills())
    bills = one(send(seeded, build.txn_query("b", "Bill", txn_id=first.txn_id, include_linked_txns=True)))
    assert bills.records[0]["is_paid"] is True
    assert bills.records[0]["linked_txns"][0]["txn_type"] == "BillPaymentCheck"
    assert bills.records[0]["linked_txns"][0]["amount"] == Decimal("-26970.04")


def test_paying_more_than_a_bill_owes_is_refused(seeded):
    bill = seeded.add_bill("Acme Concrete", "ACME-1", [SeedLine(10, item=ITEM)])
    with pytest.raises(ValueError, match="open balance is 10.00"):
        seeded.add_bill_payment_check("Acme Concrete", bill.txn_id, "10.01")
    seeded.add_vendor("Other")
    with pytest.raises(ValueError, match="another vendor"):
        seeded.add_bill_payment_check("Other", bill.txn_id)


def test_a_voided_check_reopens_the_bill_and_comes_back_modified(seeded, send):
    bill = seeded.add_bill("Acme Concrete", "ACME-17", [SeedLine(500, item=ITEM)])
    check = seeded.add_bill_payment_check("Acme Concrete", bill.txn_id, memo="wrong vendor")
    since = seeded.now.replace(tzinfo=None) + timedelta(seconds=1)
    seeded.advance_clock(3600)
    seeded.void_transaction(check.txn_id)
    changed = one(send(seeded, txn_import_query("c", "BillPaymentCheck", modified_from=since)))
    voided = changed.records[0]
    assert (voided["amount"], voided["memo"], voided["applied_to"]) == (Decimal("0.00"), "VOID: wrong vendor", [])
    assert seeded.bills()[0].open_amount == Decimal("500.00")


def test_an_edited_bill_payment_pays_what_it_pays_now_and_comes_back_modified(seeded, send):
    first = seeded.add_bill("Acme Concrete", "ACME-21", [SeedLine(500, item=ITEM)])
    second = seeded.add_bill("Acme Concrete", "ACME-22", [SeedLine(300, item=ITEM)])
    check = seeded.add_bill_payment_check(
        "Acme Concrete", applied=[(first.txn_id, None), (second.txn_id, "100.00")], ref_number="501"
    )
    since = seeded.now.replace(tzinfo=None) + timedelta(seconds=1)
    seeded.advance_clock(3600)
    with pytest.raises(ValueError, match="open balance is 300.00"):
        seeded.edit_bill_payment(check.txn_id, [(second.txn_id, "300.01")])

    edited = seeded.edit_bill_payment(check.txn_id, [(first.txn_id, "450.00")], ref_number="502")

    assert edited.total == Decimal("450.00") and edited.edit_sequence != check.edit_sequence
    changed = one(send(seeded, txn_import_query("c", "BillPaymentCheck", modified_from=since)))
    record = changed.records[0]
    assert (record["ref_number"], record["total_amount"]) == ("502", Decimal("450.00"))
    assert [(entry["txn_id"], entry["amount"]) for entry in record["applied_to"]] == [(first.txn_id, Decimal("450.00"))]
    assert [bill.open_amount for bill in seeded.bills()] == [Decimal("50.00"), Decimal("300.00")]
    assert seeded.find_txn("BillPaymentCheck", "502") is not None and seeded.find_txn("BillPaymentCheck", "501") is None
    bills = one(send(seeded, txn_import_query("b", "Bill", modified_from=since)))
    assert {bill["ref_number"] for bill in bills.records} == {"ACME-21", "ACME-22"}, "both bills' balances moved"


def test_job_costs_come_back_from_checks_cards_credits_and_journal_entries(seeded, send):
    seeded.add_other_name("City of Springfield")
    check = seeded.add_job_cost_transaction(
        "Check",
        [
            SeedLine(750, item=ITEM, customer=JOB, class_name="Subcontract", description="Building permit"),
            SeedLine(200, account="Job Expenses", customer=JOB, description="Inspection fee"),
        ],
        payee="City of Springfield",
        ref_number="10440",
    )
    charge = seeded.add_job_cost_transaction("CreditCardCharge", [SeedLine("89.99", item=ITEM, customer=JOB)])
    credit = seeded.add_job_cost_transaction(
        "VendorCredit", [SeedLine(50, item=ITEM, customer=JOB)], payee="Acme Concrete"
    )
    entry = seeded.add_job_cost_transaction(
        "JournalEntry", [SeedLine(400, account="Job Expenses", customer=JOB, class_name="Material")], ref_number="JE-12"
    )
    assert check.total == Decimal("950.00")
    assert entry.total == Decimal("400.00")
    kinds = ["Check", "CreditCardCharge", "VendorCredit", "JournalEntry", "ItemReceipt", "CreditCardCredit"]
    answers = send(seeded, *(txn_import_query(kind, kind) for kind in kinds))
    by_kind = {answer.kind: answer for answer in answers}
    written = by_kind["CheckQuery"].records[0]
    assert written["account_full_name"] == "Checking"
    assert written["payee_entity_full_name"] == "City of Springfield"
    assert written["amount"] == Decimal("950.00")
    assert [(line["line_type"], line["customer_full_name"], line["amount"]) for line in written["lines"]] == [
        ("Expense", JOB, Decimal("200.00")),
        ("Item", JOB, Decimal("750.00")),
    ]
    assert written["lines"][1]["class_full_name"] == "Subcontract"
    assert by_kind["CreditCardChargeQuery"].records[0]["txn_id"] == charge.txn_id
    assert by_kind["VendorCreditQuery"].records[0]["credit_amount"] == credit.total == Decimal("50.00")
    journal = by_kind["JournalEntryQuery"].records[0]
    assert [(line["line_type"], line["amount"]) for line in journal["lines"]] == [
        ("JournalDebit", Decimal("400.00")),
        ("JournalCredit", Decimal("400.00")),
    ]
    assert journal["lines"][0]["entity_full_name"] == JOB
    assert by_kind["ItemReceiptQuery"].status_code == 1
    assert seeded.find_list("Vendor", "Acme Concrete").fields == {"CompanyName": "Acme Concrete Inc"}
    vendor = one(send(seeded, build.list_query("v", "Vendor", full_name="Acme Concrete"))).records[0]
    assert vendor["balance"] == Decimal("-50.00")


def test_job_costs_filter_by_job_and_by_modified_date(seeded, send):
    seeded.add_customer("Other Job", parent="Big Builder Co")
    seeded.add_job_cost_transaction("Check", [SeedLine(10, item=ITEM, customer=JOB)])
    cutoff = seeded.now.replace(tzinfo=None) + timedelta(seconds=1)
    seeded.advance_clock(120)
    late = seeded.add_job_cost_transaction("Check", [SeedLine(20, item=ITEM, customer="Big Builder Co:Other Job")])
    recent = one(send(seeded, txn_import_query("r", "Check", modified_from=cutoff)))
    assert [r["txn_id"] for r in recent.records] == [late.txn_id]
    message = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
        '<TransactionQueryRq requestID="t"><TransactionEntityFilter>'
        "<FullNameWithChildren>Big Builder Co</FullNameWithChildren></TransactionEntityFilter>"
        "<TransactionDetailLevelFilter>AllExceptSummary</TransactionDetailLevelFilter></TransactionQueryRq>"
        '<TransactionQueryRq requestID="s"><TransactionTypeFilter><TxnTypeFilter>Check</TxnTypeFilter>'
        "</TransactionTypeFilter></TransactionQueryRq></QBXMLMsgsRq></QBXML>"
    )
    lines, summary = parse_responses(seeded.process(message))
    assert sorted((r["amount"], r["entity_full_name"]) for r in lines.records) == [
        (Decimal("10.00"), JOB),
        (Decimal("20.00"), "Big Builder Co:Other Job"),
    ]
    assert all(r["txn_line_id"] for r in lines.records)
    assert [r["txn_type"] for r in summary.records] == ["Check", "Check"]


def test_deleted_transactions_are_reported(seeded, send):
    bill = seeded.add_bill("Acme Concrete", "ACME-9", [SeedLine(10, item=ITEM)])
    seeded.delete_transaction(bill.txn_id)
    answer = one(send(seeded, txn_deleted_query("d", ["Bill", "Check"])))
    assert [(r["txn_del_type"], r["txn_id"], r["ref_number"]) for r in answer.records] == [
        ("Bill", bill.txn_id, "ACME-9")
    ]
    assert one(send(seeded, build.txn_query("q", "Bill", txn_id=bill.txn_id))).status_code == 500
    nothing = one(send(seeded, txn_deleted_query("n", ["Check"])))
    assert nothing.status_code == 1


def test_seeding_mistakes_are_plain_errors(seeded):
    with pytest.raises(ValueError, match="already in use"):
        seeded.add_vendor("Big Builder Co")
    with pytest.raises(ValueError, match="no parent Customer"):
        seeded.add_customer("Job", parent="Nobody")
    with pytest.raises(ValueError, match="no item"):
        seeded.add_bill("Acme Concrete", "X", [SeedLine(1, item="Nope")])
    with pytest.raises(ValueError, match="colon"):
        seeded.add_vendor("A:B")
    with pytest.raises(ValueError, match="in use"):
        seeded.delete_list("Customer", "Big Builder Co")  # it has a job
    with pytest.raises(ValueError, match="Vendor records have no Nickname"):
        seeded.add_vendor("X", Nickname="x")


def test_save_and_load_keep_the_company_file(seeded, send, tmp_path):
    order = seeded.add_purchase_order("Acme Concrete", "PO-1", [SeedLine(100, item=ITEM, customer=JOB)])
    bill = seeded.add_bill(
        "Acme Concrete",
        "INV-1",
        [SeedLine(40, purchase_order_line=(order.txn_id, order.lines[0].txn_line_id))],
        txn_date=date(2024, 11, 1),
    )
    seeded.add_bill_payment_check("Acme Concrete", bill.txn_id, "15.00")
    send(seeded, build.vendor_add("v", VendorData(name="Added By Request")))
    path = tmp_path / "company" / "file.json"
    seeded.save(path)
    loaded = QuickBooksCompany.load(path)
    assert loaded.vendors() == seeded.vendors()
    assert loaded.customers() == seeded.customers()
    assert loaded.items() == seeded.items()
    assert loaded.transactions() == seeded.transactions()
    assert loaded.now == seeded.now
    assert loaded.add_count("Vendor", "Added By Request") == 1
    assert loaded.bills()[0].open_amount == Decimal("25.00")
    assert loaded.bills()[0].linked_txn_ids == seeded.bills()[0].linked_txn_ids
    # The same answers, and new ids go on from where the saved file stopped.
    query = build.txn_query("q", "Bill", txn_id=bill.txn_id, include_line_items=True, include_linked_txns=True)
    assert send(loaded, query) == send(seeded, query)
    a = one(send(loaded, build.vendor_add("n", VendorData(name="Next"))))
    b = one(send(seeded, build.vendor_add("n", VendorData(name="Next"))))
    assert a.records[0]["list_id"] == b.records[0]["list_id"]
    assert a.records[0]["time_created"] == b.records[0]["time_created"]
    assert loaded.host_response() == seeded.host_response()


def test_the_clock_moves_on_with_each_change_and_can_run_on_wall_time():
    company = QuickBooksCompany()
    before = company.now
    company.add_vendor("A")
    assert company.now == before + timedelta(seconds=1)
    assert company.advance_clock(timedelta(days=1)) == before + timedelta(days=1, seconds=1)
    live = QuickBooksCompany(wall_clock=True)
    vendor = live.add_vendor("B")
    assert abs(vendor.time_created.timestamp() - time.time()) < 60
    with pytest.raises(ValueError):
        company.advance_clock(-1)
