"""How the queue fills each message (`queue.batch.select`): at most `batch_limit` requests, each request in exactly
one message and in dependency order, and requests held back by a dependency that failed never keep sendable
ones out: not in the message that holds them back (the next batch of candidates is read), and not in later
ones (held requests come last).

The Web Connector is the Python one, driven call by call (`ManualSession`) so that each message is prepared
with the batch limit the test sets; QuickBooks is the simulator.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from erp_integrations import services as erp
from erp_integrations.models import ErpState
from procore_sync import models as ps
from qbxml.models import QbConnection, QbExchange, QbRequest
from qbxml.queue import batch, lifecycle
from qbxml.simulator import QuickBooksCompany
from tests.factories import CommitmentFactory, CommitmentLineFactory, CompanyFactory, invoice_for
from tests.qbxml.helpers import (
    Chain,
    ManualSession,
    connector_for,
    item_of,
    queue_for_quickbooks,
    queued_chain,
    requests_of,
    sync_until_nothing_to_do,
)

pytestmark = pytest.mark.django_db

REFUSED = "SC-100"  # the purchase order QuickBooks refuses: its bills are held back


@pytest.fixture
def company() -> QuickBooksCompany:
    return QuickBooksCompany("Main Company")


@pytest.fixture
def connector(company, client, connection):  # type: ignore[no-untyped-def]
    return connector_for(company, client=client)


# --- helpers -----------------------------------------------------------------------------------------


def set_batch_limit(limit: int) -> None:
    """The limit the next message is prepared with (preparing one with an answer doubles it afterwards)."""
    QbConnection.objects.update(batch_limit=limit)


def contents(message: str) -> list[tuple[str, str, int]]:
    """A qbXML message's requests, in order: (operation, RefNumber or Name, the request's row id)."""
    root = etree.fromstring(message.encode("utf-8"))
    requests = root.find("QBXMLMsgsRq")
    assert requests is not None, message
    found = []
    for request in requests:
        body = request[0]
        reference = body.findtext("RefNumber") or body.findtext("Name") or ""
        row_id = int((request.get("requestID") or "0").split(".")[0])  # "<row id>.<attempt>"
        found.append((str(request.tag).removesuffix("Rq"), reference, row_id))
    return found


def refs(message: str) -> list[str]:
    return [reference for _, reference, _ in contents(message)]


def synced_chain(pm: Any, approver: Any, connector: Any) -> Chain:
    """Vendor, job, two cost codes, purchase order SC-001 and its bill INV-001 (so the retainage item bills
    need too): all in QuickBooks before the test's own requests are queued."""
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    assert {item_of(record).state for record in chain.records()} == {ErpState.SYNCED}
    return chain


def commitment_on(chain: Chain, number: str, vendor: ps.Company | None = None) -> ps.Commitment:
    """Another purchase order of the chain's job (and vendor, unless told), on a cost code QuickBooks holds."""
    commitment: ps.Commitment = CommitmentFactory.create(
        project=chain.project, vendor=vendor or chain.vendor, number=number
    )
    CommitmentLineFactory.create(commitment=commitment, line_number=1, cost_code=chain.cost_codes[0])
    return commitment


def invoices(commitment: ps.Commitment, numbers: list[str]) -> list[ps.SubcontractorInvoice]:
    """Bills of 1,000 each, so that many of them stay within the purchase order's line."""
    return [invoice_for(commitment, Decimal("1000.00"), number=number) for number in numbers]


def queue_bills(
    pm: Any, approver: Any, chain: Chain, held: list[str], ready: list[str]
) -> tuple[list[ps.SubcontractorInvoice], list[ps.SubcontractorInvoice]]:
    """Purchase order SC-100 with the bills `held`, then bills `ready` of SC-001 (in QuickBooks): all queued,
    SC-100's bills first, so that they come first in queue order."""
    refused = commitment_on(chain, REFUSED)
    queue_for_quickbooks([refused], pm, approver)
    held_bills = invoices(refused, held)
    ready_bills = invoices(chain.commitment, ready)
    queue_for_quickbooks([*held_bills, *ready_bills], pm, approver)
    return held_bills, ready_bills


def refuse_the_purchase_order(company: QuickBooksCompany, connector: Any, next_limit: int) -> tuple[ManualSession, int]:
    """Open a session whose first message is SC-100 alone; QuickBooks refuses it. The message prepared with
    that answer is built with `next_limit`. Returns the session and receiveResponseXML's percentage."""
    company.deny("PurchaseOrderAdd")
    set_batch_limit(1)
    session = ManualSession(connector)
    assert session.open() == ""
    first = session.send()
    assert [(operation, ref) for operation, ref, _ in contents(first)] == [("PurchaseOrderAdd", REFUSED)]
    set_batch_limit(next_limit)
    percent = session.receive(company.process(first))
    company.allow("PurchaseOrderAdd")
    refused = item_of(ps.Commitment.objects.get(number=REFUSED))
    assert refused.state == ErpState.FAILED and "3260" in refused.erp_error
    return session, percent


def queue_order() -> list[str]:
    """The item labels of the waiting requests, in dependency order then first come (held ones included)."""
    rows = QbRequest.objects.filter(status__in=lifecycle.WAITING).order_by("sequence", "id").select_related("item")
    return [row.item.label if row.item else row.support_key for row in rows]


def in_queue_order(records: list[Any]) -> bool:
    """Whether the records' requests come in this order in dependency order, then first come."""
    keys = [(request.sequence, request.pk) for record in records for request in requests_of(record)]
    return len(keys) == len(records) and keys == sorted(keys)


def held_reason(record: Any) -> str:
    """The reason the record's only request is held back; it was never sent."""
    [request] = requests_of(record)
    assert request.status == QbRequest.Status.HELD, (request.status, request.status_message)
    assert request.message_number is None and request.session_id is None, "a held request was never sent"
    return request.status_message


def assert_held_by_the_refused_purchase_order(company: QuickBooksCompany, bills: list[ps.SubcontractorInvoice]) -> None:
    """Each bill is held back, says why on its item, and never reached QuickBooks."""
    for bill in bills:
        reason = held_reason(bill)
        assert REFUSED in reason and "failed" in reason, reason
        item = item_of(bill)
        assert item.state == ErpState.QUEUED, "held back, not failed: it goes once SC-100 is in QuickBooks"
        assert REFUSED in item.erp_error and "failed" in item.erp_error, item.erp_error
        assert company.find_txn("Bill", bill.number) is None


# --- 1. held requests make room for the next candidates ------------------------------------------------


def test_with_a_limit_of_two_held_requests_first_in_line_do_not_keep_a_sendable_one_out_of_the_message(
    pm, approver, company, connector
):
    chain = synced_chain(pm, approver, connector)
    held, [ready] = queue_bills(pm, approver, chain, held=["INV-101", "INV-102"], ready=["INV-201"])

    session, percent = refuse_the_purchase_order(company, connector, next_limit=2)

    assert percent < 100, "a second message was prepared with the answer"
    # Its first batch of candidates is SC-100's two bills, both held back...
    assert in_queue_order([*held, ready])
    second = session.send()
    # ...and the bill of SC-001, read in the next batch, goes in this very message, alone.
    [request] = requests_of(ready)
    assert [(operation, ref, request_id) for operation, ref, request_id in contents(second)] == [
        ("BillAdd", "INV-201", request.pk)
    ]
    assert request.status == QbRequest.Status.SENT and request.message_number == 2
    assert_held_by_the_refused_purchase_order(company, held)

    assert session.receive(company.process(second)) == 100
    session.close()
    assert item_of(ready).state == ErpState.SYNCED
    assert company.add_count("Bill", "INV-201") == 1
    assert_held_by_the_refused_purchase_order(company, held)


def test_a_message_with_held_requests_is_filled_up_to_the_limit_and_no_further(pm, approver, company, connector):
    chain = synced_chain(pm, approver, connector)
    held, ready = queue_bills(pm, approver, chain, held=["INV-101"], ready=["INV-201", "INV-202", "INV-203"])

    session, percent = refuse_the_purchase_order(company, connector, next_limit=2)

    assert percent < 100
    # Candidates [INV-101 held, INV-201], then [INV-202, INV-203]: the message is full after INV-202.
    second = session.send()
    assert refs(second) == ["INV-201", "INV-202"]
    set_batch_limit(2)
    assert session.receive(company.process(second)) < 100
    third = session.send()
    assert refs(third) == ["INV-203"]
    assert session.receive(company.process(third)) == 100
    session.close()
    assert [item_of(bill).state for bill in ready] == [ErpState.SYNCED] * 3
    assert_held_by_the_refused_purchase_order(company, held)


def test_a_sendable_request_behind_more_held_ones_than_the_window_holds_still_goes(pm, approver, company, connector):
    """Five bills to hold ahead of it, with a limit of two (two batches of two candidates per message): the
    bill of SC-001 goes in the very next session, since candidates are read on until one can go (never an
    empty message that would end the session with work left), and the fifth bill ends up held too."""
    chain = synced_chain(pm, approver, connector)
    numbers = [f"INV-10{n}" for n in range(1, 6)]
    held, [ready] = queue_bills(pm, approver, chain, held=numbers, ready=["INV-201"])
    session, _ = refuse_the_purchase_order(company, connector, next_limit=2)
    session.close()  # a message prepared with the answer and never taken goes back to the queue

    set_batch_limit(2)
    reports = sync_until_nothing_to_do(connector, max_sessions=4)

    assert [report.authenticated for report in reports] == ["", "none"]
    assert reports[0].last_error == "", "no message came out empty"
    assert item_of(ready).state == ErpState.SYNCED and company.add_count("Bill", "INV-201") == 1
    assert_held_by_the_refused_purchase_order(company, held)


# --- 2. held requests come last in later messages ------------------------------------------------------


def test_requests_held_in_one_message_do_not_come_before_ready_ones_in_the_next(pm, approver, company, connector):
    chain = synced_chain(pm, approver, connector)
    held, ready = queue_bills(
        pm,
        approver,
        chain,
        held=["INV-101", "INV-102", "INV-103", "INV-104"],
        ready=["INV-201", "INV-202", "INV-203", "INV-204", "INV-205"],
    )

    # The second message, limit 4: SC-100's four bills are held, four bills of SC-001 go.
    session, percent = refuse_the_purchase_order(company, connector, next_limit=4)
    assert percent < 100
    second = session.send()
    assert refs(second) == ["INV-201", "INV-202", "INV-203", "INV-204"]
    assert_held_by_the_refused_purchase_order(company, held)
    # In dependency order the four held bills still come first: read first in the third message, with a
    # limit of two, they would fill its whole window (two batches of two) and keep INV-205 out.
    assert queue_order() == [item_of(bill).label for bill in [*held, ready[4]]]
    set_batch_limit(2)

    assert session.receive(company.process(second)) < 100, "INV-205 is still to send"
    third = session.send()

    assert refs(third) == ["INV-205"]
    assert session.receive(company.process(third)) == 100
    session.close()
    assert [item_of(bill).state for bill in ready] == [ErpState.SYNCED] * 5
    assert_held_by_the_refused_purchase_order(company, held)


def test_requests_held_in_one_session_do_not_come_before_ready_ones_in_the_next(pm, approver, company, connector):
    chain = synced_chain(pm, approver, connector)
    held, _ = queue_bills(pm, approver, chain, held=["INV-101", "INV-102", "INV-103", "INV-104"], ready=[])
    session, percent = refuse_the_purchase_order(company, connector, next_limit=2)
    assert percent == 100, "nothing else to send: the four bills are held"
    session.close()
    assert_held_by_the_refused_purchase_order(company, held)

    # Accepted later, so after the held bills in dependency order.
    [late] = invoices(chain.commitment, ["INV-201"])
    queue_for_quickbooks([late], pm, approver)
    set_batch_limit(2)
    session = ManualSession(connector)
    assert session.open() == ""
    assert queue_order() == [item_of(bill).label for bill in [*held, late]]
    message = session.send()

    assert refs(message) == ["INV-201"]
    assert session.receive(company.process(message)) == 100
    session.close()
    assert item_of(late).state == ErpState.SYNCED
    assert_held_by_the_refused_purchase_order(company, held)


def test_held_requests_go_once_their_dependency_is_in_quickbooks(pm, approver, company, connector):
    chain = synced_chain(pm, approver, connector)
    held, _ = queue_bills(pm, approver, chain, held=["INV-101", "INV-102"], ready=[])
    session, percent = refuse_the_purchase_order(company, connector, next_limit=2)
    assert percent == 100
    session.close()
    assert_held_by_the_refused_purchase_order(company, held)
    assert connector.run_session().authenticated == "none", "held requests alone start no session"

    erp.item_retry(ps.Commitment.objects.get(number=REFUSED), approver)
    set_batch_limit(2)
    sync_until_nothing_to_do(connector)

    assert item_of(ps.Commitment.objects.get(number=REFUSED)).state == ErpState.SYNCED
    for bill in held:
        item = item_of(bill)
        assert item.state == ErpState.SYNCED and item.erp_error == ""
        assert company.add_count("Bill", bill.number) == 1
        assert [request.status for request in requests_of(bill)] == [QbRequest.Status.DONE]


def test_a_ready_request_is_not_held_back_by_a_held_dependency_that_goes_in_the_same_message(
    pm, approver, company, connector
):
    """A purchase order held back by its refused vendor, then the vendor retried and a bill of that purchase
    order accepted: the bill (ready) comes before the held purchase order in queue order, but the vendor and
    the purchase order both go in this message, so the bill only waits its turn (for the purchase order's
    answer). It must not be held back with a reason naming a failure that is being repaired."""
    chain = synced_chain(pm, approver, connector)
    vendor = CompanyFactory.create(name="Refused Vendor")
    order = commitment_on(chain, "SC-300", vendor=vendor)
    queue_for_quickbooks([vendor, order], pm, approver)
    company.deny("VendorAdd")
    set_batch_limit(1)
    session = ManualSession(connector)
    assert session.open() == ""
    first = session.send()
    assert refs(first) == ["Refused Vendor"]
    assert session.receive(company.process(first)) == 100
    session.close()
    assert "Refused Vendor" in held_reason(order) and item_of(vendor).state == ErpState.FAILED
    company.allow("VendorAdd")
    erp.item_retry(vendor, approver)
    [bill] = invoices(order, ["INV-301"])
    queue_for_quickbooks([bill], pm, approver)
    set_batch_limit(10)
    session = ManualSession(connector)
    assert session.open() == ""

    message = session.send()

    assert refs(message) == ["Refused Vendor", "SC-300"]
    [request] = requests_of(bill)
    assert (request.status, request.status_message) == (QbRequest.Status.READY, ""), "it only waits its turn"
    assert "failed" not in item_of(bill).erp_error, item_of(bill).erp_error
    assert session.receive(company.process(message)) < 100
    assert refs(session.send()) == ["INV-301"]


# --- 3. the limit, and each request in exactly one message, in dependency order ------------------------


def exchange_with_limit(session: ManualSession, company: QuickBooksCompany, limit: int) -> list[str]:
    """Every message of an opened session, each prepared with `limit`; the session is closed after."""
    messages = []
    set_batch_limit(limit)
    message = session.send()
    while message:
        messages.append(message)
        set_batch_limit(limit)
        if session.receive(company.process(message)) >= 100:
            break
        message = session.send()
    session.close()
    return messages


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_no_message_exceeds_the_limit_and_each_request_goes_in_exactly_one_in_dependency_order(
    pm, approver, company, connector, limit
):
    chain = queued_chain(pm, approver)  # cost codes, vendor, job, purchase order, bill: and what they need
    suppliers = [CompanyFactory.create(name=f"Supplier {n}") for n in range(1, 5)]
    queue_for_quickbooks(suppliers, pm, approver)
    session = ManualSession(connector)
    assert session.open() == ""

    messages = exchange_with_limit(session, company, limit)

    sizes = [len(contents(message)) for message in messages]
    assert sizes and max(sizes) <= limit, sizes
    requests = list(QbRequest.objects.order_by("id"))
    position = {
        request_id: (number, index)
        for number, message in enumerate(messages, start=1)
        for index, (_, _, request_id) in enumerate(contents(message))
    }
    sent = [request_id for message in messages for _, _, request_id in contents(message)]
    assert sorted(sent) == [request.pk for request in requests], "each request in exactly one message"
    for request in requests:
        assert request.message_number == position[request.pk][0], request
        assert request.status == QbRequest.Status.DONE and request.attempts == 1, request
    by_item = {request.item_id: request for request in requests if request.item_id}
    by_key = {request.support_key: request for request in requests if request.support_key}
    for request in requests:
        before = [by_item[dep] for dep in request.depends_on_items] + [by_key[key] for key in request.needs]
        assert all(position[first.pk] < position[request.pk] for first in before), request
    exchanges = QbExchange.objects.filter(direction=QbExchange.Direction.REQUEST).order_by("message_number")
    assert [exchange.body for exchange in exchanges] == messages
    for record in [*chain.records(), *suppliers]:
        assert item_of(record).state == ErpState.SYNCED, item_of(record).label
    for vendor in [chain.vendor, *suppliers]:
        assert company.add_count("Vendor", vendor.name) == 1
    assert company.add_count("PurchaseOrder", chain.commitment.number) == 1
    assert company.add_count("Bill", "INV-001") == 1


def test_a_full_message_takes_the_first_requests_in_queue_order(pm, approver, company, connector):
    suppliers = [CompanyFactory.create(name=f"Supplier {n}") for n in range(1, 6)]
    queue_for_quickbooks(suppliers, pm, approver)
    session = ManualSession(connector)
    assert session.open() == ""

    messages = exchange_with_limit(session, company, 2)

    assert [refs(message) for message in messages] == [
        ["Supplier 1", "Supplier 2"],
        ["Supplier 3", "Supplier 4"],
        ["Supplier 5"],
    ]


def test_the_limit_never_exceeds_max_batch(pm, approver, company, connector, monkeypatch):
    monkeypatch.setattr(batch, "MAX_BATCH", 3)
    suppliers = [CompanyFactory.create(name=f"Supplier {n}") for n in range(1, 6)]
    queue_for_quickbooks(suppliers, pm, approver)
    set_batch_limit(250)
    session = ManualSession(connector)
    assert session.open() == ""

    assert refs(session.send()) == ["Supplier 1", "Supplier 2", "Supplier 3"]


def test_a_limit_of_zero_still_sends_one_request_per_message(pm, approver, company, connector):
    suppliers = [CompanyFactory.create(name=f"Supplier {n}") for n in range(1, 4)]
    queue_for_quickbooks(suppliers, pm, approver)
    session = ManualSession(connector)
    assert session.open() == ""

    messages = exchange_with_limit(session, company, 0)

    assert [refs(message) for message in messages] == [["Supplier 1"], ["Supplier 2"], ["Supplier 3"]]
    assert all(item_of(supplier).state == ErpState.SYNCED for supplier in suppliers)


def test_a_message_is_never_empty_while_a_request_further_in_the_queue_can_go(pm, approver, company, connector):
    """Eight bills to hold ahead of a ready one, seen for the first time, with a limit of two: more than the
    window of two batches. Candidates are read on until one can go, so the message is not empty (an empty
    one would end the session with work left, and the Web Connector would show an error)."""
    chain = synced_chain(pm, approver, connector)
    held, _ = queue_bills(pm, approver, chain, held=[f"INV-1{n:02d}" for n in range(1, 9)], ready=["INV-201"])

    session, percent = refuse_the_purchase_order(company, connector, next_limit=2)

    assert percent < 100, "the ready bill is still to send"
    assert refs(session.send()) == ["INV-201"]
    assert_held_by_the_refused_purchase_order(company, held)
