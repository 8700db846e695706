"""The simulated QuickBooks' sales side: invoices to a customer:job, and the payments received on them, which
pay no more than an invoice's open balance and are answered as QuickBooks answers them (valid qbXML)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbxml.lib import build
from qbxml.lib.types import InvoiceData, InvoiceLine
from qbxml.simulator import QuickBooksCompany
from tests.qbxml.simulator.conftest import JOB, one

D = Decimal


@pytest.fixture
def billing(seeded: QuickBooksCompany) -> QuickBooksCompany:
    seeded.add_item_service("Retention", income_account="Construction Income")
    return seeded


def invoice(number: str, billed: str, held: str) -> InvoiceData:
    return InvoiceData(
        customer_full_name=JOB,
        ref_number=number,
        lines=(
            InvoiceLine("03:03-300", D(billed), "Subcontract", "Foundations"),
            InvoiceLine("Retention", -D(held), None, "Retention held"),
        ),
        po_number="PC-1",
    )


def test_an_invoice_is_added_with_its_balance_and_found_by_number(billing, send):
    added = one(send(billing, build.invoice_add("i", invoice("OI-1", "40000.00", "4000.00"))))
    found = one(send(billing, build.txn_query("q", "Invoice", ref_number="OI-1", include_line_items=True)))

    assert added.status_code == 0
    [record] = found.records
    assert (record["ref_number"], record["customer_full_name"]) == ("OI-1", JOB)
    assert [line["amount"] for line in record["lines"]] == [D("40000.00"), D("-4000.00")]
    assert [view.total for view in billing.invoices()] == [D("36000.00")]


def test_a_negative_invoice_is_refused(billing, send):
    lines = (InvoiceLine("03:03-300", D("10.00")), InvoiceLine("Retention", D("-10.01")))
    element = build.invoice_add("i", InvoiceData(JOB, "OI-1", lines[:1]))
    element.find("InvoiceAdd").findall("InvoiceLineAdd")[0].find("Amount").text = "-0.01"

    answer = one(send(billing, element))

    assert answer.status_code == 3210
    assert billing.invoices() == []


def test_payments_received_pay_invoices_partly_and_in_full(billing, send):
    one(send(billing, build.invoice_add("a", invoice("OI-1", "40000.00", "4000.00"))))
    one(send(billing, build.invoice_add("b", invoice("OI-2", "10000.00", "1000.00"))))
    first, second = billing.invoices()

    partial = billing.add_received_payment(JOB, first.txn_id, "20000.00", ref_number="4417")
    both = billing.add_received_payment(
        JOB, applied=[(first.txn_id, None), (second.txn_id, "9000.00")], ref_number="4420"
    )
    answer = one(send(billing, build.txn_import_query("p", "ReceivePayment", include_line_items=True), version="16.0"))
    invoices = one(send(billing, build.txn_query("q", "Invoice", entity_full_name=JOB, include_linked_txns=True)))

    assert partial.total == D("20000.00") and both.total == D("25000.00")
    by_number = {record["ref_number"]: record for record in answer.records}
    assert [(entry["txn_id"], entry["amount"]) for entry in by_number["4420"]["applied_to"]] == [
        (first.txn_id, D("16000.00")),
        (second.txn_id, D("9000.00")),
    ]
    assert {record["ref_number"]: record["balance_remaining"] for record in invoices.records} == {
        "OI-1": D("0.00"),
        "OI-2": D("0.00"),
    }


def test_a_payment_cannot_pay_more_than_an_invoice_owes(billing, send):
    one(send(billing, build.invoice_add("a", invoice("OI-1", "100.00", "10.00"))))
    [owed] = billing.invoices()

    with pytest.raises(Exception, match="open balance is 90.00"):
        billing.add_received_payment(JOB, owed.txn_id, "90.01")
