"""Faults between QuickBooks and our database never create a record twice in QuickBooks, and never leave an
item forever in between: a crash after QuickBooks answered, a response sent twice, a session that drops,
a request QuickBooks cannot parse, records locked in QuickBooks, a stale EditSequence, a name already in
use, and a dependency that QuickBooks refused.

The Web Connector is the Python one (`qbxml.lib.webconnector`), posting SOAP through the Django test client;
QuickBooks is the simulator.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from erp_integrations import services as erp
from erp_integrations.models import AccountingRecord, ErpEvent, ErpItem, ErpState
from procore_sync import models as ps
from procore_sync import services as project_services
from qbxml.lib import soap
from qbxml.models import QbExchange, QbRequest, QbSession
from qbxml.queue import answers, lifecycle
from qbxml.simulator import PARSE_ERROR_MESSAGE, QuickBooksCompany
from tests.factories import (
    CommitmentFactory,
    CommitmentLineFactory,
    CompanyFactory,
    CostCodeFactory,
    ProjectFactory,
)
from tests.qbxml.helpers import (
    CHAIN_PHONE,
    CHAIN_VENDOR,
    Chain,
    ManualSession,
    RefusingCompany,
    connector_for,
    item_of,
    queue_for_quickbooks,
    queued_chain,
    requests_of,
    sync_until_nothing_to_do,
)

pytestmark = pytest.mark.django_db

VENDOR = CHAIN_VENDOR
PHONE = CHAIN_PHONE
LOST_ANSWER_NOTE = "Found in QuickBooks: its first answer was lost."


@pytest.fixture
def company() -> QuickBooksCompany:
    return QuickBooksCompany("Main Company")


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def connector(company, client, connection):  # type: ignore[no-untyped-def]
    return connector_for(company, client=client)


@pytest.fixture
def idle_sessions_end_at_once(settings):  # type: ignore[no-untyped-def]
    """A session that stopped calling gives way to the next one at once (not after two minutes)."""
    settings.QBWC_SESSION_IDLE_SECONDS = 0


def assert_each_record_once_and_synced(company: QuickBooksCompany, chain: Chain) -> None:
    """QuickBooks holds each record once, and each item is synced to that very record."""
    vendor = company.find_list("Vendor", VENDOR)
    job = company.find_list("Customer", chain.job)
    order = company.find_txn("PurchaseOrder", chain.commitment.number)
    assert vendor is not None and job is not None and order is not None
    assert company.add_count("Vendor", VENDOR) == 1
    assert company.add_count("Customer", chain.job) == 1
    assert company.add_count("Customer", chain.project.owner.name) == 1
    assert company.add_count("PurchaseOrder", chain.commitment.number) == 1
    assert len(company.vendors()) == 1 and len(company.purchase_orders()) == 1
    assert item_of(chain.vendor).qb_ref == vendor.list_id
    assert item_of(chain.project).qb_ref == job.list_id
    assert item_of(chain.commitment).qb_ref == order.txn_id
    for code, full_name in zip(chain.cost_codes, chain.item_names(), strict=True):
        record = company.find_list("Item", full_name)
        assert record is not None and company.add_count("Item", full_name) == 1, full_name
        assert item_of(code).qb_ref == record.list_id
    if chain.invoice is not None:
        bill = company.find_txn("Bill", chain.invoice.number)
        assert bill is not None and company.add_count("Bill", chain.invoice.number) == 1
        assert len(company.bills()) == 1
        assert item_of(chain.invoice).qb_ref == bill.txn_id
        assert any(line.linked_to and line.linked_to[0] == order.txn_id for line in bill.lines), (
            "the bill bills the purchase order's lines"
        )
    states = {item_of(record).label: item_of(record).state for record in chain.records()}
    assert set(states.values()) == {ErpState.SYNCED}, states
    assert not QbRequest.objects.filter(status__in=lifecycle.ACTIVE).exists(), "nothing is left in the queue"


def finish(session: ManualSession, company: QuickBooksCompany) -> None:
    """Play the session's remaining messages to the end, and close it."""
    for _ in range(10):
        message = session.send()
        if not message or session.receive(company.process(message)) == 100:
            break
    session.close()


def notes_of(record: Any) -> list[str]:
    return list(ErpEvent.objects.filter(item=item_of(record), action="sync_succeeded").values_list("reason", flat=True))


# --- (a) the server dies after QuickBooks answered, before our commit ---------------------------------


class DiesOnce:
    """The process dies while it writes QuickBooks' answer to the `nth` message: nothing of it commits."""

    def __init__(self, real: Any, nth: int) -> None:
        self.real = real
        self.nth = nth
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.nth:
            raise RuntimeError("the worker was killed")
        return self.real(*args, **kwargs)


@pytest.mark.parametrize("message", [1, 2], ids=["lists-and-purchase-order", "bill"])
def test_a_crash_after_quickbooks_answered_is_repaired_by_lookups_not_by_adding_again(
    pm, approver, company, connector, monkeypatch, idle_sessions_end_at_once, message
):
    chain = queued_chain(pm, approver)
    monkeypatch.setattr(answers, "write", DiesOnce(answers.write, message))

    with pytest.raises(soap.SoapFault, match="could not process"):
        connector.run_session()

    lost = QbRequest.objects.filter(status=QbRequest.Status.SENT, sent_at__isnull=False)
    assert lost.exists(), "the answer was never recorded: its requests are still out"
    in_quickbooks_before = (len(company.vendors()), len(company.purchase_orders()), len(company.bills()))
    assert in_quickbooks_before == ((1, 1, 0) if message == 1 else (1, 1, 1))

    reports = sync_until_nothing_to_do(connector)

    assert all(report.last_error == "" for report in reports)
    assert_each_record_once_and_synced(company, chain)
    looked_up = chain.invoice if message == 2 else chain.commitment
    assert LOST_ANSWER_NOTE in notes_of(looked_up)
    assert QbSession.objects.filter(status=QbSession.Status.EXPIRED).count() == 1


def test_a_crash_in_the_workflow_write_rolls_back_the_requests_with_it(
    pm, approver, company, connector, monkeypatch, idle_sessions_end_at_once
):
    """The item's new state and its request's outcome commit together or not at all."""
    chain = queued_chain(pm, approver, invoice=False)
    monkeypatch.setattr(erp, "record_sync_outcomes", DiesOnce(erp.record_sync_outcomes, 1))

    with pytest.raises(soap.SoapFault):
        connector.run_session()

    assert item_of(chain.vendor).state == ErpState.QUEUED
    assert not QbRequest.objects.filter(status=QbRequest.Status.DONE).exists()
    sync_until_nothing_to_do(connector)
    assert_each_record_once_and_synced(company, chain)


# --- (b) the Web Connector sends the same response twice -------------------------------------------


def snapshot() -> dict[str, Any]:
    return {
        "items": sorted(ErpItem.objects.values_list("pk", "state", "qb_ref", "qb_edit_sequence", "erp_error")),
        "events": ErpEvent.objects.count(),
        "requests": sorted(QbRequest.objects.values_list("pk", "status", "attempts", "repairs")),
        "sessions": sorted(
            QbSession.objects.values_list("pk", "done_requests", "synced_count", "failed_count", "messages_sent")
        ),
        "exchanges": QbExchange.objects.count(),
    }


def test_the_same_response_received_twice_changes_nothing_the_second_time(pm, approver, company, connector):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)
    session = ManualSession(connector)
    assert session.open() == ""
    answer = company.process(session.send())

    assert session.receive(answer) == 100
    before = snapshot()
    assert session.receive(answer) == 100
    after = snapshot()
    session.close()

    assert after == before
    assert item_of(vendor).state == ErpState.SYNCED
    assert company.add_count("Vendor", VENDOR) == 1
    assert QbSession.objects.get().synced_count == 1


def test_a_response_received_twice_after_the_next_message_was_prepared_changes_nothing(
    pm, approver, company, connector
):
    chain = queued_chain(pm, approver)
    session = ManualSession(connector)
    session.open()
    first_answer = company.process(session.send())
    first_percent = session.receive(first_answer)
    assert 0 <= first_percent < 100, "the bill waits for the purchase order's answer: a second message"
    before = snapshot()

    session.receive(first_answer)

    assert snapshot() == before
    # The Web Connector goes on as it would with either reply: the bill is sent once, in this session.
    bill_message = session.send()
    assert "BillAdd" in bill_message
    assert session.receive(company.process(bill_message)) == 100
    session.close()
    assert_each_record_once_and_synced(company, chain)


def test_an_answer_sent_again_late_is_not_taken_for_the_next_attempt_of_its_requests(pm, approver, company, connector):
    """QuickBooks already has an item named Retainage (an other-charge item): the first message's
    ItemServiceAdd gets 3100, and the second message looks the name up. The first answer, sent again once
    the second message is out, names the same request: it answers the Add, not the look-up, and is ignored."""
    company.add_item("ItemOtherCharge", "Retainage", expense_account="Job Expenses")
    chain = queued_chain(pm, approver)
    session = ManualSession(connector)
    session.open()
    first_answer = company.process(session.send())
    assert 'statusCode="3100"' in first_answer
    session.receive(first_answer)
    second = session.send()
    retainage = QbRequest.objects.get(support_key="parent_item:Retainage")
    assert retainage.status == QbRequest.Status.LOOKING_UP
    assert re.search(rf'<ItemQueryRq requestID="{retainage.pk}[".]', second), "the look-up of the same request"
    before = snapshot()

    assert session.receive(first_answer) < 100, "the second message is still out"

    assert snapshot() == before, "the late answer changed nothing"
    session.receive(company.process(second))
    retainage.refresh_from_db()
    assert retainage.status == QbRequest.Status.DONE, retainage.status_message
    finish(session, company)
    assert_each_record_once_and_synced(company, chain)
    assert item_of(chain.invoice).state == ErpState.SYNCED


def test_an_answer_of_another_type_than_the_request_sent_is_ignored(pm, approver, company, connector):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)
    session = ManualSession(connector)
    session.open()
    message = session.send()
    request = QbRequest.objects.get(item=item_of(vendor))
    forged = (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><VendorQueryRs '
        f'requestID="{request.request_id}" statusCode="3100" statusSeverity="Error" statusMessage="x"/>'
        "</QBXMLMsgsRs></QBXML>"
    )
    before = snapshot()

    session.receive(forged)

    assert snapshot() == before
    assert session.receive(company.process(message)) == 100
    assert item_of(vendor).state == ErpState.SYNCED


def test_a_message_asked_for_twice_is_handed_out_again_not_a_second_one(pm, approver, company, connector):
    """The Web Connector asks for the next message again (its first reply was lost): it gets the message it
    took, whose requests keep their attempts, and nothing else is marked sent."""
    chain = queued_chain(pm, approver)
    session = ManualSession(connector)
    session.open()
    first = session.send()
    in_flight = sorted(QbRequest.objects.filter(status=QbRequest.Status.SENT).values_list("pk", "attempts"))

    again = session.send()

    assert again == first
    assert sorted(QbRequest.objects.filter(status=QbRequest.Status.SENT).values_list("pk", "attempts")) == in_flight
    session.receive(company.process(again))
    finish(session, company)
    assert_each_record_once_and_synced(company, chain)


def test_a_response_received_twice_gets_the_same_progress_both_times(pm, approver, company, connector):
    queued_chain(pm, approver)
    session = ManualSession(connector)
    session.open()
    first_answer = company.process(session.send())
    first_percent = session.receive(first_answer)

    assert session.receive(first_answer) == first_percent


def test_an_answer_that_cannot_be_read_is_looked_up_before_anything_is_added_again(
    pm, approver, company, connector, idle_sessions_end_at_once
):
    chain = queued_chain(pm, approver)
    session = ManualSession(connector)
    session.open()
    assert session.receive(company.process(session.send())) < 100
    bill_message = session.send()
    answer = company.process(bill_message)  # QuickBooks adds the bill...
    truncated = answer[: len(answer) // 2]  # ...and its answer arrives cut short.

    session.receive(truncated)
    while (message := session.send()) and session.receive(company.process(message)) < 100:
        pass
    session.close()
    sync_until_nothing_to_do(connector)

    assert company.add_count("Bill", "INV-001") == 1
    assert_each_record_once_and_synced(company, chain)


# --- (c) the session drops midway -------------------------------------------------------------------


@pytest.mark.parametrize(
    "quickbooks_processed", [True, False], ids=["quickbooks-carried-it-out", "it-never-reached-quickbooks"]
)
def test_a_session_that_drops_midway_is_completed_by_the_next_with_each_record_once(
    pm, approver, company, connector, idle_sessions_end_at_once, quickbooks_processed
):
    chain = queued_chain(pm, approver)
    dropped = ManualSession(connector)
    assert dropped.open() == ""
    message = dropped.send()
    if quickbooks_processed:
        company.process(message)
    company.end_session()  # the Web Connector vanishes: no receiveResponseXML, no closeConnection

    reports = sync_until_nothing_to_do(connector)

    assert reports[0].authenticated == "", "the dropped session no longer holds the connection"
    assert_each_record_once_and_synced(company, chain)
    assert QbSession.objects.filter(status=QbSession.Status.EXPIRED).count() == 1
    if quickbooks_processed:
        assert LOST_ANSWER_NOTE in notes_of(chain.vendor)
        assert company.request_count("VendorQuery") >= 1
    else:
        assert notes_of(chain.vendor) == [""]


def test_a_session_that_drops_with_its_next_message_prepared_but_not_taken_sends_it_in_the_next(
    pm, approver, company, connector, idle_sessions_end_at_once
):
    chain = queued_chain(pm, approver)
    dropped = ManualSession(connector)
    dropped.open()
    assert dropped.receive(company.process(dropped.send())) < 100  # the bill's message is prepared...
    company.end_session()  # ...and the Web Connector never asks for it

    sync_until_nothing_to_do(connector)

    assert_each_record_once_and_synced(company, chain)
    assert company.request_count("BillQuery") == 0, "a message never taken is not in doubt"


def budget_with_modification(pm: Any, approver: Any) -> tuple[ps.Budget, ps.BudgetModification]:
    """A synced-to-be budget of two lines (10,000 and 5,000), and a modification moving 2,500 from the
    second to the first, not yet sent."""
    from tests.factories import BudgetFactory, BudgetLineItemFactory, BudgetModificationFactory

    budget = BudgetFactory(is_locked=False)
    first = BudgetLineItemFactory(budget=budget, original_amount=Decimal("10000.00"))
    second = BudgetLineItemFactory(budget=budget, original_amount=Decimal("5000.00"))
    budget.is_locked = True
    budget.save()
    codes = [first.cost_code, second.cost_code]
    queue_for_quickbooks([*codes, budget.project, budget], pm, approver)
    modification = BudgetModificationFactory(budget=budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=first, amount=Decimal("2500.00"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=second, amount=Decimal("-2500.00"))
    return budget, modification


def estimate_amounts(company: QuickBooksCompany) -> list[list[Decimal]]:
    return [[line.amount for line in estimate.lines] for estimate in company.estimates()]


def test_a_budget_modification_lost_on_the_way_is_sent_again_not_taken_as_done(
    pm, approver, company, connector, idle_sessions_end_at_once
):
    budget, modification = budget_with_modification(pm, approver)
    sync_until_nothing_to_do(connector)
    assert estimate_amounts(company) == [[Decimal("10000.00"), Decimal("5000.00")]]
    queue_for_quickbooks([modification], pm, approver)
    dropped = ManualSession(connector)
    dropped.open()
    assert "EstimateMod" in dropped.send()  # taken by the Web Connector, never carried out by QuickBooks
    company.end_session()

    sync_until_nothing_to_do(connector)

    assert estimate_amounts(company) == [[Decimal("12500.00"), Decimal("2500.00")]]
    assert item_of(modification).state == ErpState.SYNCED


def test_a_budget_modification_whose_answer_was_lost_is_not_applied_twice(
    pm, approver, company, connector, idle_sessions_end_at_once
):
    budget, modification = budget_with_modification(pm, approver)
    sync_until_nothing_to_do(connector)
    queue_for_quickbooks([modification], pm, approver)
    dropped = ManualSession(connector)
    dropped.open()
    company.process(dropped.send())  # QuickBooks changed the estimate; the answer is lost
    company.end_session()

    sync_until_nothing_to_do(connector)

    assert estimate_amounts(company) == [[Decimal("12500.00"), Decimal("2500.00")]]
    assert company.request_count("EstimateAdd") == 1
    assert item_of(modification).state == ErpState.SYNCED


# --- (d) a request QuickBooks cannot parse ------------------------------------------------------------


def test_a_request_quickbooks_cannot_parse_is_isolated_and_fails_after_bounded_tries_while_the_rest_syncs(
    pm, approver, company, client, connection
):
    names = ["Alpha Supply", "Bravo Supply", "Poison Pill Supply", "Delta Supply", "Echo Supply"]
    vendors = [CompanyFactory(name=name) for name in names]
    queue_for_quickbooks(vendors, pm, approver)
    refusing = RefusingCompany(company, marker="Poison Pill")
    connector = connector_for(refusing, client=client)

    reports = sync_until_nothing_to_do(connector, max_sessions=10)

    poison = item_of(vendors[2])
    assert poison.state == ErpState.FAILED
    assert "0x80040400" in poison.erp_error and PARSE_ERROR_MESSAGE in poison.erp_error
    alone = [document for document in refusing.refused if document.count("requestID=") == 1]
    assert len(alone) == answers.MAX_PARSE_FAILURES, "tried alone a bounded number of times, then given up"
    assert len(refusing.refused) <= answers.MAX_PARSE_FAILURES + 3, "halving finds it in a few messages"
    for vendor in vendors[:2] + vendors[3:]:
        assert item_of(vendor).state == ErpState.SYNCED, vendor.name
        assert company.add_count("Vendor", vendor.name) == 1
    assert company.find_list("Vendor", "Poison Pill Supply") is None
    assert any(report.last_error and "0x80040400" in report.last_error for report in reports)
    assert reports[-1].authenticated == "none"


# --- (e) a record locked in QuickBooks ---------------------------------------------------------------


def test_a_record_locked_once_is_sent_again_in_the_next_session_and_synced(pm, approver, company, connector):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    other = CompanyFactory(name="Other Supply")
    queue_for_quickbooks([vendor, other], pm, approver)
    company.lock(VENDOR, times=1, code=3175)

    first = connector.run_session()

    assert first.finished, "a transient error waits for the next session: this one ends"
    assert item_of(vendor).state == ErpState.QUEUED
    assert item_of(other).state == ErpState.SYNCED, "the rest of the queue moves on"
    sync_until_nothing_to_do(connector)
    assert item_of(vendor).state == ErpState.SYNCED
    assert company.request_count("VendorAdd") == 3
    assert company.add_count("Vendor", VENDOR) == 1
    assert [request.attempts for request in requests_of(vendor)] == [2]


def test_a_record_locked_forever_fails_after_the_bounded_tries_with_the_last_message(pm, approver, company, connector):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)
    company.lock(VENDOR, times=100, code=3175)

    reports = sync_until_nothing_to_do(connector)

    item = item_of(vendor)
    assert item.state == ErpState.FAILED
    assert "Cannot lock the record" in item.erp_error
    assert f"tried {answers.MAX_TRANSIENT_ATTEMPTS} times" in item.erp_error
    assert company.request_count("VendorAdd") == answers.MAX_TRANSIENT_ATTEMPTS
    assert len(reports) == answers.MAX_TRANSIENT_ATTEMPTS + 1
    assert company.add_count("Vendor", VENDOR) == 0


# --- (f) 3200: the record changed in QuickBooks since we read it --------------------------------------


def test_a_stale_edit_sequence_is_repaired_by_a_query_and_one_retry(pm, approver, company, connector):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)
    sync_until_nothing_to_do(connector)
    synced = item_of(vendor)
    company.edit_list("Vendor", VENDOR, Fax="217-555-0111")  # the accountant edits it in QuickBooks
    assert company.find_list("Vendor", VENDOR).edit_sequence != synced.qb_edit_sequence
    project_services.save_record(pm, ps.Company, {"email": "office@acme.example"}, instance=vendor)
    erp.item_resend(vendor, pm)
    erp.item_accept(vendor, approver)

    report = connector.run_session()

    assert report.finished and report.last_error == ""
    item = item_of(vendor)
    record = company.find_list("Vendor", VENDOR)
    assert item.state == ErpState.SYNCED and item.qb_ref == record.list_id
    assert item.qb_edit_sequence == record.edit_sequence
    assert record.fields.get("Email") == "office@acme.example"
    assert company.request_count("VendorMod") == 2, "refused once as stale, then accepted"
    assert company.add_count("Vendor", VENDOR) == 1 and len(company.vendors()) == 1


class EditsAfterEveryQuery:
    """An accountant who saves the vendor in QuickBooks right after each of our look-ups."""

    def __init__(self, company: QuickBooksCompany, name: str) -> None:
        self.company = company
        self.name = name

    def host_response(self) -> str:
        return self.company.host_response()

    def end_session(self) -> None:
        self.company.end_session()

    def process(self, request: str | bytes) -> str:
        answer = self.company.process(request)
        if "VendorQueryRq" in (request if isinstance(request, str) else request.decode()):
            self.company.touch(self.name)
        return answer


def test_a_record_that_keeps_changing_in_quickbooks_fails_after_one_repair(pm, approver, company, client, connection):
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)
    connector = connector_for(company, client=client)
    sync_until_nothing_to_do(connector)
    company.touch(VENDOR)
    erp.item_resend(vendor, pm)
    erp.item_accept(vendor, approver)

    sync_until_nothing_to_do(connector_for(EditsAfterEveryQuery(company, VENDOR), client=client))

    item = item_of(vendor)
    assert item.state == ErpState.FAILED
    assert "3200" in item.erp_error
    assert company.request_count("VendorMod") == 2


# --- (g) 3100: the name is in use in QuickBooks -------------------------------------------------------


def test_a_vendor_already_in_quickbooks_with_the_same_phone_is_linked_not_added(pm, approver, company, connector):
    existing = company.add_vendor(VENDOR, Phone="(217) 555-0100")
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(vendor)
    assert item.state == ErpState.SYNCED and item.qb_ref == existing.list_id
    assert company.add_count("Vendor", VENDOR) == 0 and len(company.vendors()) == 1
    assert notes_of(vendor) == [f"Linked to the existing QuickBooks record {VENDOR}."]


def test_a_vendor_already_in_quickbooks_with_the_same_address_is_linked_not_added(pm, approver, company, connector):
    existing = company.add_vendor(VENDOR, VendorAddress={"Addr1": "100 MAIN ST.", "City": "Springfield"})
    vendor = CompanyFactory(name=VENDOR, phone=PHONE, address_line1="100 Main St")
    queue_for_quickbooks([vendor], pm, approver)

    sync_until_nothing_to_do(connector)

    assert item_of(vendor).qb_ref == existing.list_id
    assert company.add_count("Vendor", VENDOR) == 0


def test_a_job_already_in_quickbooks_at_the_same_address_is_linked_not_added(pm, approver, company, connector):
    project = ProjectFactory(number="P-100", name="River Park", address_line1="1450 River Park Drive")
    owner = project.owner.name
    company.add_customer(owner)
    existing = company.add_customer("P-100 River Park", owner, BillAddress={"Addr1": "1450 River Park Drive"})
    queue_for_quickbooks([project], pm, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(project)
    assert item.state == ErpState.SYNCED and item.qb_ref == existing.list_id
    assert company.add_count("Customer", f"{owner}:P-100 River Park") == 0


def test_a_different_vendor_with_the_same_name_fails_with_a_message_showing_both(pm, approver, company, connector):
    company.add_vendor(VENDOR, Phone="(312) 555-0199", VendorAddress={"Addr1": "9 Lake Shore Drive", "City": "Chicago"})
    vendor = CompanyFactory(name=VENDOR, phone=PHONE, address_line1="100 Main St", city="Springfield")
    queue_for_quickbooks([vendor], pm, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(vendor)
    assert item.state == ErpState.FAILED and item.qb_ref == ""
    for detail in ("9 Lake Shore Drive", "Chicago", "(312) 555-0199", "100 Main St", "Springfield", PHONE):
        assert detail in item.erp_error, detail
    assert company.add_count("Vendor", VENDOR) == 0 and len(company.vendors()) == 1


def test_a_vendor_name_used_by_a_customer_fails_with_a_message_that_says_so(pm, approver, company, connector):
    company.add_customer(VENDOR)
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    queue_for_quickbooks([vendor], pm, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(vendor)
    assert item.state == ErpState.FAILED
    assert "another kind of record" in item.erp_error and VENDOR in item.erp_error


def test_a_job_whose_customer_name_is_taken_by_a_vendor_fails_with_a_message_that_names_the_conflict(
    pm, approver, company, connector
):
    project = ProjectFactory(number="P-200", name="Clinic", owner__name="Riverside Health Partners")
    owner = project.owner
    # QuickBooks already has a vendor of the owner's name: names are unique across vendors, customers and
    # other names, so the parent customer cannot be made under that name.
    company.add_vendor(owner.name)
    queue_for_quickbooks([project], pm, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(project)
    assert item.state in (ErpState.FAILED, ErpState.QUEUED), "refused, or held back by its customer"
    assert owner.name in item.erp_error
    assert "vendor" in item.erp_error.lower() or "in use" in item.erp_error
    believed = AccountingRecord.objects.filter(list_type="customer").values_list("full_name", flat=True)
    assert [name for name in believed if company.find_list("Customer", name) is None] == [], (
        "the connector believes in customers QuickBooks does not hold"
    )


# --- (h) a failed dependency holds its dependents back ------------------------------------------------


def test_a_refused_vendor_holds_its_commitment_back_with_a_message_naming_it(pm, approver, company, connector):
    chain = queued_chain(pm, approver, invoice=False)
    company.deny("VendorAdd")

    reports = sync_until_nothing_to_do(connector)

    assert len(reports) == 2, "the held commitment does not make every later run a session"
    vendor = item_of(chain.vendor)
    assert vendor.state == ErpState.FAILED and "3260" in vendor.erp_error
    commitment = item_of(chain.commitment)
    assert commitment.state == ErpState.QUEUED
    assert VENDOR in commitment.erp_error and "failed" in commitment.erp_error
    assert [request.status for request in requests_of(chain.commitment)] == [QbRequest.Status.HELD]
    assert company.purchase_orders() == []
    assert item_of(chain.project).state == ErpState.SYNCED, "what does not depend on the vendor goes"

    # Once QuickBooks takes the vendor, the approver retries it and the commitment follows.
    company.allow("VendorAdd")
    erp.item_retry(chain.vendor, approver)
    sync_until_nothing_to_do(connector)
    assert_each_record_once_and_synced(company, chain)
    assert item_of(chain.commitment).erp_error == ""


def test_the_dependents_of_a_held_item_wait_with_a_message_and_the_next_run_has_nothing_to_do(
    pm, approver, company, connector
):
    chain = queued_chain(pm, approver)
    company.deny("VendorAdd")

    reports = sync_until_nothing_to_do(connector, max_sessions=4)

    assert reports[-1].authenticated == "none"
    invoice = item_of(chain.invoice)
    assert invoice.state == ErpState.QUEUED
    assert chain.commitment.number in invoice.erp_error or VENDOR in invoice.erp_error


def test_held_requests_never_keep_ready_ones_from_being_sent(pm, approver, company, client, connection):
    refused_vendor = CompanyFactory(name="Refused Vendor")
    project = ProjectFactory()
    code = CostCodeFactory()
    held = []
    for number in range(1, 5):
        commitment = CommitmentFactory(project=project, vendor=refused_vendor, number=f"SC-10{number}")
        CommitmentLineFactory(commitment=commitment, line_number=1, cost_code=code)
        held.append(commitment)
    queue_for_quickbooks([code, refused_vendor, project, *held], pm, approver)
    company.deny("VendorAdd")
    connector_for(company, client=client).run_session()
    company.allow("VendorAdd")
    assert QbRequest.objects.filter(status=QbRequest.Status.HELD).count() == 4

    # Later: a new vendor and its commitment, and a poison record that makes the messages shrink to one
    # request (batch_limit 1: four candidates per message) while it is isolated.
    vendor = CompanyFactory(name=VENDOR, phone=PHONE)
    late = CommitmentFactory(project=project, vendor=vendor, number="SC-200")
    CommitmentLineFactory(commitment=late, line_number=1, cost_code=code)
    poison = CompanyFactory(name="Poison Pill Supply")
    queue_for_quickbooks([vendor, late, poison], pm, approver)
    connector = connector_for(RefusingCompany(company, marker="Poison Pill"), client=client)

    sync_until_nothing_to_do(connector, max_sessions=8)

    assert item_of(poison).state == ErpState.FAILED
    assert item_of(vendor).state == ErpState.SYNCED
    assert item_of(late).state == ErpState.SYNCED
    assert company.add_count("PurchaseOrder", "SC-200") == 1
