"""Reading QuickBooks' transactions back through the SOAP endpoint: each type a page at a time through its
iterator, with its lines, after the lists; a second refresh reads only what changed; what was deleted comes
back too; a dead iterator restarts without a record lost or doubled. The readers of the workflow get every
page (here, a recorder stands in for them)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from erp_integrations import services as erp
from qbxml import imports
from qbxml.models import QbListImport
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.qbxml.helpers import ManualSession, connector_for, play_session

pytestmark = pytest.mark.django_db

JOB = "Harbor Health:1042 Main Street Clinic"
KINDS = [imported.query for imported in imports.TRANSACTIONS.values() if imported.query != "TxnDeleted"]


@pytest.fixture
def company() -> QuickBooksCompany:
    company = QuickBooksCompany("Existing Construction Co")
    company.add_vendor("ABC Electric")
    company.add_customer("Harbor Health")
    company.add_customer("1042 Main Street Clinic", "Harbor Health")
    company.add_item_service("03", description="Concrete")
    company.add_item_service("03-100", "03", description="Foundations")
    for n in range(7):
        bill = company.add_bill(
            "ABC Electric", f"B-{n}", [SeedLine(amount=Decimal("100.00"), item="03:03-100", customer=JOB)]
        )
        company.add_bill_payment_check("ABC Electric", bill.txn_id, Decimal("40.00"), ref_number=f"{1000 + n}")
    company.add_bill_payment_credit_card("ABC Electric", bill.txn_id, Decimal("60.00"))
    billed = company.add_invoice(JOB, "OI-1", [SeedLine(amount=Decimal("500.00"), item="03:03-100")])
    company.add_received_payment(JOB, billed.txn_id, Decimal("450.00"), ref_number="7001")
    company.add_estimate(JOB, "EST-1", [SeedLine(amount=Decimal("9000.00"), item="03:03-100")])
    for kind in ("Check", "CreditCardCharge", "CreditCardCredit"):
        company.add_job_cost_transaction(
            kind, [SeedLine(amount=Decimal("25.00"), item="03:03-100", customer=JOB)], payee="ABC Electric"
        )
    for kind in ("VendorCredit", "ItemReceipt"):
        company.add_job_cost_transaction(
            kind, [SeedLine(amount=Decimal("10.00"), item="03:03-100", customer=JOB)], payee="ABC Electric"
        )
    company.add_job_cost_transaction(
        "JournalEntry", [SeedLine(amount=Decimal("5.00"), account="Job Expenses", customer=JOB)]
    )
    return company


@pytest.fixture
def read(monkeypatch) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """What the workflow's readers are handed, per kind, in order."""
    pages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    recorders = {
        kind: [lambda book, records, kind=kind: pages[kind].extend(records)] for kind in [*KINDS, "TxnDeleted"]
    }
    monkeypatch.setattr(erp, "TRANSACTION_READERS", recorders)
    return pages


def play(company: QuickBooksCompany, client: Any, *, stop_after: int | None = None) -> list[str]:
    return play_session(ManualSession(connector_for(company, client=client)), company, stop_after=stop_after)


def test_each_transaction_type_comes_back_with_its_lines_a_page_at_a_time(company, connection, client, read):
    connection.import_page_size = 3
    connection.save()
    imports.refresh(None, connection, imports.TRANSACTIONS)

    messages = play(company, client)

    assert {kind: len(records) for kind, records in read.items() if records} == {
        "BillPaymentCheck": 7,
        "BillPaymentCreditCard": 1,
        "Bill": 7,
        "Check": 1,
        "CreditCardCharge": 1,
        "CreditCardCredit": 1,
        "VendorCredit": 1,
        "ItemReceipt": 1,
        "JournalEntry": 1,
        "ReceivePayment": 1,
        "Estimate": 1,
    }
    assert all(record["lines"] for record in read["Bill"]), "bills come with their lines"
    assert all(record["applied_to"] for record in read["BillPaymentCheck"]), "payments with the bills they pay"
    assert "<IncludeLineItems>true</IncludeLineItems>" in messages[0]
    # Seven payments and seven bills in pages of three; every other type in one page; the deleted in one.
    assert len(messages) == 3 + 1 + 3 + 8 + 1
    assert set(QbListImport.objects.values_list("status", "last_error")) == {("idle", "")}


def test_a_second_refresh_reads_what_changed_and_what_was_deleted(company, connection, client, read):
    imports.refresh(None, connection, imports.TRANSACTIONS)
    play(company, client)
    first_bill, last_bill = read["Bill"][0]["txn_id"], read["Bill"][-1]["txn_id"]
    read.clear()

    company.touch(first_bill)
    # The card payment paid the last bill: deleting it changes that bill's open balance, so the bill comes again.
    company.delete_transaction(read_payment := company.transactions("BillPaymentCreditCard")[0].txn_id)
    imports.refresh(None, connection, imports.TRANSACTIONS)
    messages = play(company, client)

    assert len(messages) == len(imports.TRANSACTIONS), "one query message per type"
    # Each type reads from just after the newest change the first run saw. (What was deleted had nothing to
    # bound it: the first run found no deletion, so the second asks for all of them, which costs no more.)
    assert sum("<FromModifiedDate>" in message for message in messages) == len(KINDS)
    assert sorted(record["txn_id"] for record in read["Bill"]) == sorted([first_bill, last_bill])
    assert [(r["txn_del_type"], r["txn_id"]) for r in read["TxnDeleted"]] == [("BillPaymentCreditCard", read_payment)]
    assert sum(len(records) for records in read.values()) == 3


def test_a_dead_iterator_restarts_the_type_and_nothing_is_lost(company, connection, client, read, settings):
    settings.QBWC_SESSION_IDLE_SECONDS = 0
    connection.import_page_size = 2
    connection.save()
    imports.refresh(None, connection, ["check_payments"])
    play(company, client, stop_after=2)  # the Web Connector dies after two pages of the seven payments

    play(company, client)

    ids = [record["txn_id"] for record in read["BillPaymentCheck"]]
    assert len(set(ids)) == 7, "every payment read"
    assert QbListImport.objects.get().last_rows == 7


def test_the_sync_health_page_says_each_transaction_import(company, connection, client, read, erp_admin):
    from django.test import Client
    from django.urls import reverse

    imports.refresh(None, connection, ["check_payments", "deleted"])
    play(company, client)
    page = Client()
    page.force_login(erp_admin)

    body = page.get(reverse("qb:connections")).content.decode()

    assert "Bill payments by check" in body and "Deleted transactions" in body
    assert ">7<" in body, "the payments read"
