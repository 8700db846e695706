"""Money back from QuickBooks: an invoice exported as a bill, then paid in QuickBooks by check or credit card,
read back through the SOAP endpoint with the simulator as QuickBooks. A payment is a row per bill of ours it
pays; it may be partial, several may pay one bill, one may pay two; voided it stays at zero, deleted it goes,
edited it pays what it pays now. Bills that are not ours, and projects that do not bring their payments back,
keep nothing. An invoice paid in full is told to its sender, once."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import services as erp
from erp_integrations.models import ProjectAccountingSettings
from procore_sync import models as ps
from procore_sync import selectors
from qbxml import imports
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.factories import ProjectFactory, UserFactory, grant, invoice_for
from tests.qbxml.helpers import (
    Chain,
    connector_for,
    item_of,
    queue_for_quickbooks,
    queued_chain,
    schema_dir_or_skip,
    sync_until_nothing_to_do,
)

pytestmark = pytest.mark.django_db

PAYMENTS = ["check_payments", "card_payments", "deleted"]
DUE = Decimal("9000.00")  # what invoice_for bills: 10,000.00 of work less 10 % retainage
MARCH = datetime.date(2026, 3, 2)
CANADIAN = ("CA3.0", "12.0", "13.0")  # what a Canadian QuickBooks lists beside the plain versions


@pytest.fixture
def company(request) -> QuickBooksCompany:  # type: ignore[no-untyped-def]
    """A US company file; `indirect` parametrization asks for a Canadian edition ("CA") or for one that
    checks every request against Intuit's schema ("xsd")."""
    edition = getattr(request, "param", "US")
    if edition == "CA":
        return QuickBooksCompany(
            "Main Company", country="CA", product_name="QuickBooks Premier 2019 19.0", supported_versions=CANADIAN
        )
    if edition == "xsd":
        return QuickBooksCompany("Main Company", schema_dir=schema_dir_or_skip())
    return QuickBooksCompany("Main Company")


@pytest.fixture
def sync(company, connection, client) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """A scheduled Web Connector run until nothing is left to do."""
    connector = connector_for(company, client=client)
    connector.country = company.host.country

    def run() -> None:
        sync_until_nothing_to_do(connector)

    return run


@pytest.fixture
def read_payments(connection, sync) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Have QuickBooks' bill payments (and what was deleted) read back, then run the Web Connector."""

    def read() -> None:
        imports.refresh(None, connection, PAYMENTS)
        sync()

    return read


@pytest.fixture
def chain(pm, approver, sync) -> Chain:  # type: ignore[no-untyped-def]
    """A vendor, a job, a subcontract and its invoice, in QuickBooks (the invoice as a bill); the project
    brings its payments back."""
    chain = queued_chain(pm, approver)
    sync()
    ProjectAccountingSettings.objects.create(project=chain.project, sync_paid_invoices=True)
    return chain


def bill_of(invoice: ps.SubcontractorInvoice) -> str:
    txn_id = item_of(invoice).qb_ref
    assert txn_id, "the invoice was exported as a bill"
    return txn_id


def second_invoice(chain: Chain, pm: Any, approver: Any, sync: Callable[[], None]) -> ps.SubcontractorInvoice:
    invoice = invoice_for(chain.commitment, number="INV-002", work=Decimal("5000.00"))
    queue_for_quickbooks([invoice], pm, approver)
    sync()
    return invoice


def rows() -> list[tuple[Any, ...]]:
    return list(
        ps.BillPayment.objects.order_by("txn_date", "qb_txn_id", "bill_txn_id").values_list(
            "method", "ref_number", "invoice__number", "amount", "payment_total", "is_void"
        )
    )


def status_of(invoice: ps.SubcontractorInvoice) -> selectors.PaidStatus:
    return selectors.paid_statuses([invoice.pk])[invoice.pk]


# --- what a payment leaves ---------------------------------------------------------------------------------


def test_a_partial_check_leaves_the_rest_of_the_invoice_open(chain, company, read_payments):
    check = company.add_bill_payment_check(
        chain.vendor.name, bill_of(chain.invoice), Decimal("4000.00"), ref_number="1001", txn_date=MARCH
    )

    read_payments()

    row = ps.BillPayment.objects.get()
    assert (row.qb_txn_id, row.bill_txn_id) == (check.txn_id, bill_of(chain.invoice))
    assert (row.method, row.ref_number, row.txn_date) == ("check", "1001", MARCH)
    assert (row.amount, row.payment_total, row.is_void) == (Decimal("4000.00"), Decimal("4000.00"), False)
    assert (row.vendor, row.commitment, row.invoice) == (chain.vendor, chain.commitment, chain.invoice)
    status = status_of(chain.invoice)
    assert (status.state, status.paid_amount, status.open_balance, status.paid_on) == (
        "partly_paid",
        Decimal("4000.00"),
        Decimal("5000.00"),
        None,
    )


def test_several_payments_pay_an_invoice_in_full_on_the_date_of_the_last(chain, company, read_payments):
    bill = bill_of(chain.invoice)
    company.add_bill_payment_check(chain.vendor.name, bill, Decimal("4000.00"), ref_number="1001", txn_date=MARCH)
    read_payments()
    company.add_bill_payment_credit_card(
        chain.vendor.name, bill, Decimal("5000.00"), txn_date=MARCH + datetime.timedelta(days=14)
    )

    read_payments()

    assert rows() == [
        ("check", "1001", "INV-001", Decimal("4000.00"), Decimal("4000.00"), False),
        ("credit_card", "", "INV-001", Decimal("5000.00"), Decimal("5000.00"), False),
    ]
    status = status_of(chain.invoice)
    assert (status.state, status.open_balance, status.paid_on) == ("paid", Decimal("0.00"), datetime.date(2026, 3, 16))


def test_one_check_over_two_invoices_bills_is_a_row_for_each(chain, company, read_payments, pm, approver, sync):
    other = second_invoice(chain, pm, approver, sync)
    company.add_bill_payment_check(
        chain.vendor.name,
        applied=[(bill_of(chain.invoice), DUE), (bill_of(other), Decimal("1000.00"))],
        ref_number="1002",
        txn_date=MARCH,
    )

    read_payments()

    assert rows() == [
        ("check", "1002", "INV-001", DUE, Decimal("10000.00"), False),
        ("check", "1002", "INV-002", Decimal("1000.00"), Decimal("10000.00"), False),
    ]
    assert status_of(chain.invoice).state == "paid"
    assert (status_of(other).state, status_of(other).open_balance) == ("partly_paid", Decimal("3500.00"))


def test_a_voided_check_stays_at_zero_marked_void_and_the_invoice_is_open_again(chain, company, read_payments):
    check = company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), DUE, ref_number="1003")
    read_payments()
    assert status_of(chain.invoice).state == "paid"

    company.void_transaction(check.txn_id)
    read_payments()

    assert rows() == [("check", "1003", "INV-001", Decimal("0.00"), Decimal("0.00"), True)]
    assert ps.BillPayment.objects.get().memo.startswith("VOID:")
    assert (status_of(chain.invoice).state, status_of(chain.invoice).open_balance) == ("unpaid", DUE)


def test_a_payment_voided_before_it_was_ever_read_leaves_nothing(chain, company, read_payments):
    """QuickBooks no longer says which bills a voided payment paid: nothing here says it either."""
    check = company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), DUE, ref_number="1003")
    company.void_transaction(check.txn_id)

    read_payments()

    assert rows() == []


def test_a_payment_deleted_in_quickbooks_loses_its_rows(chain, company, read_payments, pm, approver, sync):
    other = second_invoice(chain, pm, approver, sync)
    paid = company.add_bill_payment_credit_card(
        chain.vendor.name, applied=[(bill_of(chain.invoice), None), (bill_of(other), Decimal("1000.00"))]
    )
    kept = company.add_bill_payment_check(chain.vendor.name, bill_of(other), Decimal("500.00"), ref_number="9")
    read_payments()
    assert ps.BillPayment.objects.count() == 3

    company.delete_transaction(paid.txn_id)
    read_payments()

    assert list(ps.BillPayment.objects.values_list("qb_txn_id", flat=True)) == [kept.txn_id]
    assert status_of(chain.invoice).state == "unpaid"


def test_a_payment_edited_in_quickbooks_pays_what_it_pays_now(chain, company, read_payments, pm, approver, sync):
    other = second_invoice(chain, pm, approver, sync)
    check = company.add_bill_payment_check(
        chain.vendor.name,
        applied=[(bill_of(chain.invoice), Decimal("2000.00")), (bill_of(other), Decimal("1000.00"))],
        ref_number="1004",
    )
    read_payments()
    assert ps.BillPayment.objects.count() == 2

    company.edit_bill_payment(check.txn_id, [(bill_of(chain.invoice), Decimal("2500.00"))], ref_number="1005")
    read_payments()

    assert rows() == [("check", "1005", "INV-001", Decimal("2500.00"), Decimal("2500.00"), False)]
    assert status_of(other).state == "unpaid"


# --- what is not kept ------------------------------------------------------------------------------------------


def test_a_bill_entered_in_quickbooks_is_not_ours_and_its_payments_are_not_kept(chain, company, read_payments):
    theirs = company.add_bill(
        chain.vendor.name, "QB-77", [SeedLine(amount=Decimal("300.00"), item=chain.item_names()[0])]
    )
    company.add_bill_payment_check(chain.vendor.name, theirs.txn_id, Decimal("100.00"), ref_number="1006")
    company.add_bill_payment_credit_card(chain.vendor.name, theirs.txn_id)

    read_payments()

    assert rows() == []


def test_a_check_over_a_bill_of_ours_and_one_not_ours_keeps_only_ours_but_says_the_whole(chain, company, read_payments):
    theirs = company.add_bill(
        chain.vendor.name, "QB-78", [SeedLine(amount=Decimal("300.00"), item=chain.item_names()[0])]
    )
    company.add_bill_payment_check(
        chain.vendor.name, applied=[(theirs.txn_id, None), (bill_of(chain.invoice), Decimal("100.00"))], ref_number="8"
    )

    read_payments()

    assert rows() == [("check", "8", "INV-001", Decimal("100.00"), Decimal("400.00"), False)]


@pytest.mark.parametrize("settings_row", [False, True], ids=["no-settings", "sync-off"])
def test_a_project_that_does_not_bring_its_payments_back_keeps_none(chain, company, read_payments, settings_row):
    ProjectAccountingSettings.objects.filter(project=chain.project).delete()
    if settings_row:
        ProjectAccountingSettings.objects.create(project=chain.project, sync_paid_invoices=False, sync_job_costs=True)
    company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), DUE, ref_number="1008")

    read_payments()

    assert rows() == []
    assert status_of(chain.invoice).state == "unpaid"


def test_payments_read_for_another_company_file_are_not_ours(chain, company):
    record = {
        "type": "BillPaymentCheck",
        "txn_id": "99-1",
        "txn_date": MARCH,
        "total_amount": DUE,
        "applied_to": [{"txn_id": bill_of(chain.invoice), "amount": DUE}],
    }
    erp.transactions_read("another-company-file", "BillPaymentCheck", [record])
    assert rows() == []


# --- the sender hears of it --------------------------------------------------------------------------------


def test_an_invoice_paid_in_full_is_told_to_its_sender_once(
    chain, company, read_payments, connection, sync, pm, django_capture_on_commit_callbacks
):
    bill = bill_of(chain.invoice)
    company.add_bill_payment_check(chain.vendor.name, bill, Decimal("4000.00"), ref_number="1001", txn_date=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        read_payments()
    assert mail.outbox == [], "partly paid: not yet"

    company.add_bill_payment_check(
        chain.vendor.name, bill, ref_number="1002", txn_date=MARCH + datetime.timedelta(days=7)
    )
    with django_capture_on_commit_callbacks(execute=True):
        read_payments()

    assert [message.to for message in mail.outbox] == [[pm.email]]
    message = mail.outbox[0]
    assert message.subject == f"Paid in QuickBooks: {item_of(chain.invoice).label}"
    assert "9,000.00 of 9,000.00 due, completed on Mar 9, 2026" in message.body
    assert "- Mar 2, 2026: check 1001, 4,000.00" in message.body
    assert "- Mar 9, 2026: check 1002, 5,000.00" in message.body

    # Read again from the start (a project turned its payments on again, say): it was paid already.
    imports.read_again(connection, PAYMENTS, None)
    with django_capture_on_commit_callbacks(execute=True):
        sync()
    assert len(mail.outbox) == 1


def test_no_email_when_the_project_says_so(chain, company, read_payments, django_capture_on_commit_callbacks):
    ProjectAccountingSettings.objects.filter(project=chain.project).update(notify_when_paid=False)
    company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), ref_number="1001")

    with django_capture_on_commit_callbacks(execute=True):
        read_payments()

    assert status_of(chain.invoice).state == "paid"
    assert mail.outbox == []


def test_an_invoice_paid_again_after_its_check_was_voided_is_told_again(
    chain, company, read_payments, django_capture_on_commit_callbacks
):
    check = company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), ref_number="1001")
    with django_capture_on_commit_callbacks(execute=True):
        read_payments()
    company.void_transaction(check.txn_id)
    with django_capture_on_commit_callbacks(execute=True):
        read_payments()
    assert len(mail.outbox) == 1, "a void is not news to the sender"

    company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), ref_number="1002")
    with django_capture_on_commit_callbacks(execute=True):
        read_payments()

    assert len(mail.outbox) == 2 and "check 1002" in mail.outbox[1].body


# --- where people see it ---------------------------------------------------------------------------------


def test_the_api_says_what_was_paid_of_each_invoice_and_lists_the_payments(
    chain, company, read_payments, pm, approver, sync
):
    other = second_invoice(chain, pm, approver, sync)
    company.add_bill_payment_check(
        chain.vendor.name,
        applied=[(bill_of(chain.invoice), DUE), (bill_of(other), Decimal("1000.00"))],
        ref_number="1002",
        txn_date=MARCH,
    )
    read_payments()
    api = APIClient()
    api.force_authenticate(pm)

    invoices = {row["number"]: row for row in api.get("/api/v1/subcontractor-invoices/").json()["results"]}
    paid = {key: invoices["INV-001"][key] for key in ("paid_status", "paid_amount", "open_balance", "paid_on")}
    assert paid == {"paid_status": "paid", "paid_amount": "9000.00", "open_balance": "0.00", "paid_on": "2026-03-02"}
    assert api.get(f"/api/v1/subcontractor-invoices/{other.pk}/").json()["paid_status"] == "partly_paid"
    assert invoices["INV-002"]["open_balance"] == "3500.00" and invoices["INV-002"]["paid_on"] is None

    listed = api.get(f"/api/v1/bill-payments/?commitment={chain.commitment.pk}").json()
    assert listed["count"] == 2 and listed["next"] is None
    assert [(row["invoice_number"], row["amount"], row["payment_total"]) for row in listed["results"]] == [
        ("INV-001", "9000.00", "10000.00"),
        ("INV-002", "1000.00", "10000.00"),
    ]
    assert {row["method"] for row in listed["results"]} == {"check"}
    assert api.get(f"/api/v1/bill-payments/?invoice={other.pk}").json()["count"] == 1
    assert api.post("/api/v1/bill-payments/", {}).status_code == 405, "read back from QuickBooks, never written"

    stranger = UserFactory(username="stranger")
    grant(stranger, Tool.COMMITMENTS, Level.READ_ONLY, ProjectFactory())  # another project's
    api.force_authenticate(stranger)
    assert api.get("/api/v1/bill-payments/").json()["count"] == 0


def test_the_commitment_page_shows_each_invoice_paid_and_each_payment(chain, company, read_payments, pm):
    company.add_bill_payment_check(
        chain.vendor.name, bill_of(chain.invoice), Decimal("4000.00"), ref_number="1001", txn_date=MARCH
    )
    voided = company.add_bill_payment_credit_card(chain.vendor.name, bill_of(chain.invoice), Decimal("100.00"))
    read_payments()
    company.void_transaction(voided.txn_id)
    read_payments()
    browser = Client()
    browser.force_login(pm)

    body = browser.get(reverse("projects:commitment", args=[chain.commitment.pk])).content.decode()

    assert "Partly paid: 4,000.00" in body and "5,000.00 open" in body
    assert "Mar 2, 2026" in body and "1001" in body
    assert 'class="tag tag--muted">Void</span>' in body
    assert "<dt>Paid in QuickBooks</dt><dd>4,000.00</dd>" in body


# --- bounded work ----------------------------------------------------------------------------------------


def test_a_page_of_100_payments_costs_the_queries_of_a_page_of_10(
    chain, company, read_payments, connection, sync, monkeypatch
):
    connection.import_page_size = 100
    connection.save()
    counted: list[int] = []
    reader = erp.read_bill_payments

    def counting(book: str, records: list[dict[str, Any]]) -> None:
        with CaptureQueriesContext(db_connection) as captured:
            reader(book, records)
        counted.append(sum(not query["sql"].startswith(("SAVEPOINT", "RELEASE")) for query in captured))

    monkeypatch.setitem(erp.TRANSACTION_READERS, "BillPaymentCheck", [counting])
    bill = bill_of(chain.invoice)
    for n in range(10):
        company.add_bill_payment_check(chain.vendor.name, bill, Decimal("90.00"), ref_number=str(2000 + n))
    read_payments()
    for n in range(10, 100):
        company.add_bill_payment_check(chain.vendor.name, bill, Decimal("90.00"), ref_number=str(2000 + n))
    imports.read_again(connection, ["check_payments"], None)  # all 100 in one page
    sync()

    assert ps.BillPayment.objects.count() == 100
    assert status_of(chain.invoice).state == "paid"
    at_10, at_100 = counted
    assert at_10 <= 11
    # SQLite binds at most 999 parameters: its insert of 100 rows is two statements (PostgreSQL's is one).
    assert at_100 <= at_10 + (1 if db_connection.vendor == "sqlite" else 0)


# --- editions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("company", ["CA", "xsd"], indirect=True)
def test_payments_come_back_from_a_canadian_edition_and_a_quickbooks_checking_the_schema(chain, company, read_payments):
    company.add_bill_payment_check(chain.vendor.name, bill_of(chain.invoice), Decimal("4000.00"), ref_number="1")
    company.add_bill_payment_credit_card(chain.vendor.name, bill_of(chain.invoice))

    read_payments()

    assert [row[0] for row in rows()] == ["check", "credit_card"]
    assert status_of(chain.invoice).state == "paid"
