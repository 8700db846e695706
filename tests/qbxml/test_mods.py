"""A synced purchase order or bill changed on the project side and resent: it goes to QuickBooks as a
`PurchaseOrderMod` or `BillMod` with the current EditSequence, its lines named by the TxnLineIDs kept when it
was added or last modified, new lines as -1 and removed lines left out (QuickBooks deletes them); what
QuickBooks cannot take (a billed line changed or removed, a negative line) is refused at send, naming it."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.test import Client

from erp_integrations import services as erp
from erp_integrations.errors import SendRefused
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from qbxml.connector import Connector
from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.lib.parse import parse_responses
from qbxml.lib.values import FieldError
from qbxml.simulator import QuickBooksCompany
from tests.factories import (
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CommitmentLineFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    commitment_with_lines,
    cost_type,
    prime_contract_with_lines,
)
from tests.qbxml.helpers import (
    SCHEMA_ENV,
    ManualSession,
    connector_for,
    item_of,
    play_session,
    queue_for_quickbooks,
    queued_chain,
    sync_until_nothing_to_do,
)
from tests.qbxml.simulator.conftest import (  # noqa: F401  (fixtures of the simulator tests)
    JOB,
    assert_valid,
    check_answer,
    company,
    optional_schemas,
    qbxml_schema_dir,
    qbxml_schemas,
    seeded,
    send,
)

ITEM = "03:03-300"


# --- the builders -------------------------------------------------------------------------------------------


def _po_line(amount: str, description: str = "Scope") -> qb.PurchaseOrderLine:
    return qb.PurchaseOrderLine(ITEM, Decimal(amount), "Subcontract", JOB, description)


def _purchase_order_mod() -> qb.PurchaseOrderModData:
    return qb.PurchaseOrderModData(
        txn_id="1A-1700000000",
        edit_sequence="1700000001",
        lines=(
            qb.PurchaseOrderLineChange("2B-1700000000"),  # kept as it is
            qb.PurchaseOrderLineChange("3C-1700000000", _po_line("1250.5", "Changed")),  # changed
            qb.PurchaseOrderLineChange(None, _po_line("300", "Added")),  # new
        ),
        vendor_name="Acme Concrete",
        ref_number="SC-001",
        memo="Concrete",
    )


def _bill_mod() -> qb.BillModData:
    return qb.BillModData(
        txn_id="4D-1700000000",
        edit_sequence="1700000002",
        lines=(
            qb.BillLineChange(
                "5E-1700000000",
                qb.BillLine(ITEM, Decimal("8000"), "Subcontract", JOB, purchase_order_txn_line_id="2B-1700000000"),
            ),
            qb.BillLineChange(None, qb.BillLine(ITEM, Decimal("500"), "Subcontract", JOB, "Extra")),
            qb.BillLineChange("6F-1700000000", qb.BillLine("Retainage", Decimal("-850"), None, JOB, "Retainage held")),
        ),
        vendor_name="Acme Concrete",
        ref_number="INV-001",
        memo="Pay application INV-001 on SC-001",
    )


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_a_purchase_order_mod_and_a_bill_mod_are_valid_qbxml(assert_valid, version):  # noqa: F811
    message = build.build_message(
        [build.purchase_order_mod("1", _purchase_order_mod()), build.bill_mod("2", _bill_mod())], version=version
    )
    assert_valid(message, (version,))


def test_a_purchase_order_mod_names_kept_lines_by_id_changed_ones_with_values_and_new_ones_as_minus_one():
    body = build.purchase_order_mod("1", _purchase_order_mod()).find("PurchaseOrderMod")
    assert [child.tag for child in body][:5] == ["TxnID", "EditSequence", "VendorRef", "RefNumber", "Memo"]
    lines = body.findall("PurchaseOrderLineMod")
    assert [line.findtext("TxnLineID") for line in lines] == ["2B-1700000000", "3C-1700000000", "-1"]
    assert [child.tag for child in lines[0]] == ["TxnLineID"]
    assert [child.tag for child in lines[1]] == ["TxnLineID", "ItemRef", "Desc", "ClassRef", "Amount", "CustomerRef"]
    assert lines[1].findtext("Amount") == "1250.50" and lines[2].findtext("Amount") == "300.00"


def test_a_purchase_order_mod_without_lines_changes_only_the_header():
    data = qb.PurchaseOrderModData("1A-1700000000", "1700000001", memo="Renamed")
    body = build.purchase_order_mod("1", data).find("PurchaseOrderMod")
    assert [child.tag for child in body] == ["TxnID", "EditSequence", "Memo"]


def test_a_mod_that_names_a_line_twice_is_refused():
    twice = qb.PurchaseOrderModData(
        "1A-1700000000",
        "1700000001",
        (qb.PurchaseOrderLineChange("2B-1700000000"), qb.PurchaseOrderLineChange("2B-1700000000", _po_line("1"))),
    )
    with pytest.raises(FieldError, match="named twice"):
        build.purchase_order_mod("1", twice)


def test_a_bill_mod_keeps_a_linked_line_without_its_item_and_cannot_link_a_new_one():
    body = build.bill_mod("2", _bill_mod()).find("BillMod")
    linked, added, held = body.findall("ItemLineMod")
    assert linked.find("ItemRef") is None and linked.find("LinkToTxn") is None
    assert added.findtext("TxnLineID") == "-1" and added.findtext("ItemRef/FullName") == ITEM
    assert held.findtext("Amount") == "-850.00"
    new_linked = qb.BillLineChange(None, qb.BillLine(ITEM, Decimal("1"), purchase_order_txn_line_id="2B-1700000000"))
    with pytest.raises(FieldError, match="cannot be linked"):
        build.bill_mod("3", qb.BillModData("4D-1700000000", "1", (new_linked,)))


def test_a_negative_bill_mod_is_refused():
    negative = qb.BillModData("4D-1700000000", "1", (qb.BillLineChange("5E-1", qb.BillLine(ITEM, Decimal("-5"))),))
    with pytest.raises(FieldError, match="negative bill"):
        build.bill_mod("1", negative)


# --- the simulator ------------------------------------------------------------------------------------------


def test_the_simulator_changes_adds_and_deletes_purchase_order_lines_as_a_mod_names_them(seeded, send):  # noqa: F811
    data = qb.PurchaseOrderData("Acme Concrete", "PO-1", (_po_line("100"), _po_line("200"), _po_line("300")))
    order = send(seeded, build.purchase_order_add("a", data))[0].records[0]
    first, second, _third = (line["txn_line_id"] for line in order["lines"])
    mod = qb.PurchaseOrderModData(
        order["txn_id"],
        order["edit_sequence"],
        (
            qb.PurchaseOrderLineChange(first),
            qb.PurchaseOrderLineChange(second, _po_line("250", "Changed")),
            qb.PurchaseOrderLineChange(None, _po_line("40", "Added")),
        ),
    )
    changed = send(seeded, build.purchase_order_mod("m", mod))[0].records[0]
    assert [line["txn_line_id"] for line in changed["lines"][:2]] == [first, second]
    assert [line["amount"] for line in changed["lines"]] == [Decimal("100.00"), Decimal("250.00"), Decimal("40.00")]
    assert changed["total_amount"] == Decimal("390.00")
    assert changed["edit_sequence"] != order["edit_sequence"]
    stale = send(seeded, build.purchase_order_mod("s", mod))[0]
    assert stale.status_code == 3200, "the EditSequence the first Mod used is stale now"
    assert len(seeded.purchase_orders()) == 1


def test_the_simulator_refuses_to_delete_or_change_a_billed_purchase_order_line(seeded, send):  # noqa: F811
    seeded.add_item_service("Retainage", expense_account="Accounts Payable")
    data = qb.PurchaseOrderData("Acme Concrete", "PO-1", (_po_line("1000"), _po_line("500")))
    order = send(seeded, build.purchase_order_add("a", data))[0].records[0]
    billed, other = (line["txn_line_id"] for line in order["lines"])
    line = qb.BillLine(ITEM, Decimal("400"), "Subcontract", JOB, purchase_order_txn_line_id=billed)
    bill = qb.BillData("Acme Concrete", "B-1", (line,), purchase_order_txn_id=order["txn_id"])
    assert send(seeded, build.bill_add("b", bill))[0].status_code == 0
    current = seeded.get_txn(order["txn_id"])
    assert current is not None

    def mod(*lines: qb.PurchaseOrderLineChange) -> int:
        request = build.purchase_order_mod("m", qb.PurchaseOrderModData(order["txn_id"], current.edit_sequence, lines))
        return send(seeded, request)[0].status_code

    assert mod(qb.PurchaseOrderLineChange(other)) == 3210, "the billed line would be deleted"
    assert mod(qb.PurchaseOrderLineChange(billed, _po_line("900")), qb.PurchaseOrderLineChange(other)) == 3210
    assert mod(qb.PurchaseOrderLineChange(billed), qb.PurchaseOrderLineChange(other, _po_line("700"))) == 0
    assert [line.amount for line in seeded.purchase_orders()[0].lines] == [Decimal("1000.00"), Decimal("700.00")]


# --- through the queue, the Web Connector and the simulated QuickBooks -----------------------------------------


@pytest.fixture
def quickbooks() -> QuickBooksCompany:
    """The simulated company file, refusing what Intuit's schema refuses when $QBXML_SCHEMA_DIR is set."""
    return QuickBooksCompany("Main Company", schema_dir=os.environ.get(SCHEMA_ENV, "").strip() or None)


@pytest.fixture
def connector(quickbooks, connection):  # type: ignore[no-untyped-def]
    return connector_for(quickbooks, client=Client())


def _edit_commitment(commitment: ps.Commitment) -> None:
    """The project manager changes line 2, removes line 1 and adds a line 3 (on line 1's cost code)."""
    first, second = commitment.lines.order_by("line_number")
    second.amount = Decimal("62500.00")
    second.save()
    CommitmentLineFactory(
        commitment=commitment, line_number=3, cost_code=first.cost_code, cost_type=first.cost_type, amount="7500.00"
    )
    first.delete()


@pytest.mark.django_db
def test_a_synced_purchase_order_edited_and_resent_is_changed_in_quickbooks_not_added_again(
    pm, approver, quickbooks, connector
):
    chain = queued_chain(pm, approver, invoice=False)
    sync_until_nothing_to_do(connector)
    added = item_of(chain.commitment)
    assert set(added.qb_details["line_ids"]) == {"1", "2"}
    _edit_commitment(chain.commitment)
    erp.item_resend(chain.commitment, pm)
    erp.item_accept(chain.commitment, approver)
    preview = Connector().preview(item_of(chain.commitment))
    assert "<PurchaseOrderModRq" in preview and f"<EditSequence>{added.qb_edit_sequence}</EditSequence>" in preview

    messages = play_session(ManualSession(connector), quickbooks)

    assert any("<PurchaseOrderModRq" in message for message in messages)
    (order,) = quickbooks.purchase_orders()
    assert [line.amount for line in order.lines] == [Decimal("62500.00"), Decimal("7500.00")]
    assert order.total == Decimal("70000.00")
    item = item_of(chain.commitment)
    assert item.state == ErpState.SYNCED and item.qb_ref == order.txn_id
    assert item.qb_edit_sequence == order.edit_sequence != added.qb_edit_sequence
    assert item.qb_details["line_ids"] == {"2": added.qb_details["line_ids"]["2"], "3": order.lines[1].txn_line_id}
    assert item.qb_details["all_line_ids"] == [line.txn_line_id for line in order.lines]
    assert quickbooks.add_count("PurchaseOrder", chain.commitment.number) == 1


@pytest.mark.django_db
def test_a_purchase_order_edited_twice_is_changed_twice_with_the_edit_sequence_each_answer_gave(
    pm, approver, quickbooks, connector
):
    chain = queued_chain(pm, approver, invoice=False)
    sync_until_nothing_to_do(connector)
    for amount in ("51000.00", "52000.00"):
        line = chain.commitment.lines.get(line_number=2)
        line.amount = Decimal(amount)
        line.save()
        erp.item_resend(chain.commitment, pm)
        erp.item_accept(chain.commitment, approver)
        play_session(ManualSession(connector), quickbooks)
    (order,) = quickbooks.purchase_orders()
    assert [line.amount for line in order.lines] == [Decimal("50000.00"), Decimal("52000.00")]
    assert quickbooks.request_count("PurchaseOrderMod") == 2
    assert item_of(chain.commitment).qb_edit_sequence == order.edit_sequence


@pytest.mark.django_db
def test_a_stale_edit_sequence_on_a_purchase_order_mod_is_repaired_by_a_query_and_one_retry(
    pm, approver, quickbooks, connector
):
    # The bill linked to the purchase order changes it in QuickBooks: the EditSequence kept is stale.
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    kept = item_of(chain.commitment).qb_edit_sequence
    assert quickbooks.get_txn(item_of(chain.commitment).qb_ref).edit_sequence != kept
    line = chain.commitment.lines.get(line_number=2)  # not billed
    line.amount = Decimal("55000.00")
    line.save()
    erp.item_resend(chain.commitment, pm)
    erp.item_accept(chain.commitment, approver)

    play_session(ManualSession(connector), quickbooks)

    item = item_of(chain.commitment)
    (order,) = quickbooks.purchase_orders()
    assert item.state == ErpState.SYNCED, item.erp_error
    assert quickbooks.request_count("PurchaseOrderMod") == 2, "refused once as stale, then accepted"
    assert [line.amount for line in order.lines] == [Decimal("50000.00"), Decimal("55000.00")]
    assert item.qb_edit_sequence == order.edit_sequence
    (bill,) = quickbooks.bills()
    assert bill.lines[0].linked_to == (order.txn_id, order.lines[0].txn_line_id), "the bill still bills line 1"


@pytest.mark.django_db
def test_a_synced_bill_edited_and_resent_is_changed_in_quickbooks_with_its_link_kept(
    pm, approver, quickbooks, connector
):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    invoice = chain.invoice
    assert invoice is not None
    added = item_of(invoice)
    assert set(added.qb_details["bill_line_ids"]) == {"line:1#1", "held:"}
    billed = invoice.lines.get()
    billed.work_completed_this_period = Decimal("8000.00")
    billed.retainage_held = Decimal("800.00")
    billed.save()
    InvoiceLineFactory(
        invoice=invoice,
        commitment_line=chain.commitment.lines.get(line_number=2),
        work_completed_this_period=Decimal("2000.00"),
        retainage_held=Decimal("200.00"),
    )
    erp.item_resend(invoice, pm)
    erp.item_accept(invoice, approver)
    assert "<BillModRq" in Connector().preview(item_of(invoice))

    play_session(ManualSession(connector), quickbooks)

    item = item_of(invoice)
    (bill,) = quickbooks.bills()
    (order,) = quickbooks.purchase_orders()
    assert item.state == ErpState.SYNCED, item.erp_error
    assert [line.amount for line in bill.lines] == [Decimal("8000.00"), Decimal("2000.00"), Decimal("-1000.00")]
    assert bill.lines[0].txn_line_id == added.qb_details["bill_line_ids"]["line:1#1"]
    assert bill.lines[0].linked_to == (order.txn_id, order.lines[0].txn_line_id), "the changed line keeps its link"
    assert bill.lines[2].txn_line_id == added.qb_details["bill_line_ids"]["held:"]
    assert item.qb_edit_sequence == bill.edit_sequence != added.qb_edit_sequence
    assert item.qb_details["bill_line_ids"]["line:2#1"] == bill.lines[1].txn_line_id
    assert quickbooks.add_count("Bill", invoice.number) == 1 and quickbooks.request_count("BillMod") == 1


@pytest.mark.django_db
def test_a_purchase_order_mod_keeps_the_lines_a_change_order_added(pm, approver, quickbooks, connector):
    chain = queued_chain(pm, approver, invoice=False)
    sync_until_nothing_to_do(connector)
    first = chain.commitment.lines.get(line_number=1)
    change = ChangeOrderFactory(commitment=chain.commitment, number="001")
    ChangeOrderLineFactory(change_order=change, cost_code=first.cost_code, amount=Decimal("2500.00"))
    queue_for_quickbooks([change], pm, approver)
    sync_until_nothing_to_do(connector)
    line = chain.commitment.lines.get(line_number=2)
    line.amount = Decimal("40000.00")
    line.save()
    erp.item_resend(chain.commitment, pm)
    erp.item_accept(chain.commitment, approver)

    sync_until_nothing_to_do(connector)

    (order,) = quickbooks.purchase_orders()
    assert [line.amount for line in order.lines] == [Decimal("50000.00"), Decimal("40000.00"), Decimal("2500.00")]
    assert order.lines[2].description.startswith("CCO 001:"), "the change order's line is kept"
    assert item_of(chain.commitment).state == ErpState.SYNCED


@pytest.mark.django_db
def test_a_purchase_order_mod_whose_answer_was_lost_is_not_applied_twice(pm, approver, quickbooks, connector, settings):
    settings.QBWC_SESSION_IDLE_SECONDS = 0
    chain = queued_chain(pm, approver, invoice=False)
    sync_until_nothing_to_do(connector)
    _edit_commitment(chain.commitment)
    erp.item_resend(chain.commitment, pm)
    erp.item_accept(chain.commitment, approver)
    dropped = ManualSession(connector)
    dropped.open()
    quickbooks.process(dropped.send())  # QuickBooks changed the order; its answer is lost
    quickbooks.end_session()

    sync_until_nothing_to_do(connector)

    (order,) = quickbooks.purchase_orders()
    assert [line.amount for line in order.lines] == [Decimal("62500.00"), Decimal("7500.00")]
    item = item_of(chain.commitment)
    assert item.state == ErpState.SYNCED and item.qb_edit_sequence == order.edit_sequence
    assert item.qb_details["line_ids"]["3"] == order.lines[1].txn_line_id


@pytest.mark.django_db
def test_a_stale_edit_sequence_on_a_bill_mod_is_repaired_by_a_query_and_one_retry(pm, approver, quickbooks, connector):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    invoice = chain.invoice
    assert invoice is not None
    quickbooks.add_bill_payment_check(chain.vendor.name, item_of(invoice).qb_ref, "1000.00")  # saves the bill
    line = invoice.lines.get()
    line.work_completed_this_period = Decimal("9000.00")
    line.retainage_held = Decimal("900.00")
    line.save()
    erp.item_resend(invoice, pm)
    erp.item_accept(invoice, approver)

    play_session(ManualSession(connector), quickbooks)

    item = item_of(invoice)
    (bill,) = quickbooks.bills()
    assert item.state == ErpState.SYNCED, item.erp_error
    assert quickbooks.request_count("BillMod") == 2, "refused once as stale, then accepted"
    assert [line.amount for line in bill.lines] == [Decimal("9000.00"), Decimal("-900.00")]
    assert item.qb_edit_sequence == bill.edit_sequence


@pytest.mark.django_db
def test_a_bill_found_after_its_answer_was_lost_keeps_its_line_ids_for_the_next_mod(
    pm, approver, quickbooks, connector, settings
):
    settings.QBWC_SESSION_IDLE_SECONDS = 0
    chain = queued_chain(pm, approver)
    invoice = chain.invoice
    assert invoice is not None
    dropped = ManualSession(connector)
    dropped.open()
    for _ in range(5):
        message = dropped.send()
        answer = quickbooks.process(message)
        if "<BillAddRq" in message:
            break  # QuickBooks made the bill; its answer is lost
        dropped.receive(answer)
    quickbooks.end_session()
    sync_until_nothing_to_do(connector)
    (bill,) = quickbooks.bills()
    assert item_of(invoice).qb_details["bill_line_ids"] == {
        "line:1#1": bill.lines[0].txn_line_id,
        "held:": bill.lines[1].txn_line_id,
    }
    line = invoice.lines.get()
    line.work_completed_this_period = Decimal("7000.00")
    line.retainage_held = Decimal("700.00")
    line.save()
    erp.item_resend(invoice, pm)
    erp.item_accept(invoice, approver)

    sync_until_nothing_to_do(connector)

    (bill,) = quickbooks.bills()
    assert [line.amount for line in bill.lines] == [Decimal("7000.00"), Decimal("-700.00")]
    assert quickbooks.add_count("Bill", invoice.number) == 1


# --- what QuickBooks cannot take is refused at send -------------------------------------------------------------


def _problems(exc: pytest.ExceptionInfo[SendRefused]) -> list[str]:
    return [problem["message"] for problem in exc.value.details["problems"]]


@pytest.mark.django_db
def test_a_negative_line_on_a_purchase_order_is_refused_at_send_naming_the_line(pm):
    commitment = commitment_with_lines(2)
    line = commitment.lines.get(line_number=2)
    line.amount = Decimal("-100.00")
    line.save()
    with pytest.raises(SendRefused) as refused:
        erp.item_send(commitment, pm)
    assert any(message.startswith("Line 2: the amount -100.00 is negative") for message in _problems(refused))


@pytest.mark.django_db
def test_an_invoice_on_a_draft_commitment_is_refused_at_send(pm):
    commitment = commitment_with_lines(1, status=ps.Commitment.Status.DRAFT)
    invoice = InvoiceFactory(commitment=commitment)
    InvoiceLineFactory(invoice=invoice, commitment_line=commitment.lines.get())
    with pytest.raises(SendRefused) as refused:
        erp.item_send(invoice, pm)
    assert any(f"The commitment {commitment.number} is draft" in message for message in _problems(refused))


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["amount", "cost_type"])
def test_a_change_to_a_billed_purchase_order_line_is_refused_at_send_naming_the_line(
    pm, approver, quickbooks, connector, change
):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    billed = chain.commitment.lines.get(line_number=1)
    if change == "amount":
        billed.amount = Decimal("40000.00")
    else:
        billed.cost_type = cost_type("Material")
    billed.save()

    with pytest.raises(SendRefused) as refused:
        erp.item_resend(chain.commitment, pm)

    (message,) = _problems(refused)
    assert message.startswith("Line 1 (") and "billed 10000.00 in QuickBooks (invoice INV-001)" in message
    assert item_of(chain.commitment).state == ErpState.SYNCED


@pytest.mark.django_db
def test_a_change_to_a_line_nothing_billed_is_sent_while_another_line_is_billed(pm, approver, quickbooks, connector):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    line = chain.commitment.lines.get(line_number=2)
    line.description = "Rebar"
    line.amount = Decimal("45000.00")
    line.save()
    billed = chain.commitment.lines.get(line_number=1)
    billed.description = "Footings, renamed"  # a billed line's description may change
    billed.save()
    assert erp.item_resend(chain.commitment, pm).state == ErpState.PENDING


@pytest.mark.django_db
def test_a_synced_prime_contract_edited_is_refused_at_send_not_after_the_approver_accepted_it(pm, approver):
    contract = prime_contract_with_lines(2)
    queue_for_quickbooks([contract.project, *(line.cost_code for line in contract.lines.all()), contract], pm, approver)
    erp.record_sync_outcomes([erp.SyncOutcome(item_of(contract).pk, True, qb_ref="9A-1700000000", edit_sequence="1")])
    contract.title = "Clinic, phase 2"
    contract.save()

    with pytest.raises(SendRefused) as refused:
        erp.item_resend(contract, pm)

    assert _problems(refused) == [
        f"QuickBooks already holds the estimate of prime contract {contract.number}; it cannot be changed from "
        "here. Record the change as a prime contract change order, or unlink the contract after deleting its "
        "estimate in QuickBooks."
    ]


def test_a_changed_purchase_order_line_without_a_description_clears_it_in_quickbooks(seeded, send):  # noqa: F811
    data = qb.PurchaseOrderData("Acme Concrete", "PO-1", (_po_line("100", "Old words"),))
    order = send(seeded, build.purchase_order_add("a", data))[0].records[0]
    line_id = order["lines"][0]["txn_line_id"]
    cleared = qb.PurchaseOrderLineChange(line_id, _po_line("120", ""))
    request = build.purchase_order_mod(
        "m", qb.PurchaseOrderModData(order["txn_id"], order["edit_sequence"], (cleared,))
    )
    assert request.find("PurchaseOrderMod/PurchaseOrderLineMod/Desc").text in (None, "")
    changed = send(seeded, request)[0].records[0]
    assert changed["lines"][0].get("desc") in (None, "") and changed["lines"][0]["amount"] == Decimal("120.00")


@pytest.mark.django_db
def test_a_bill_synced_before_its_line_ids_were_kept_is_read_first_then_modified(pm, approver, quickbooks, connector):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    invoice = chain.invoice
    assert invoice is not None
    ErpItem.objects.filter(pk=item_of(invoice).pk).update(qb_details={})  # as a bill synced by an older release
    line = invoice.lines.get()
    line.work_completed_this_period = Decimal("6000.00")
    line.retainage_held = Decimal("600.00")
    line.save()
    erp.item_resend(invoice, pm)
    erp.item_accept(invoice, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(invoice)
    (bill,) = quickbooks.bills()
    assert item.state == ErpState.SYNCED, item.erp_error
    assert quickbooks.request_count("BillQuery") == 1 and quickbooks.request_count("BillMod") == 1
    assert [line.amount for line in bill.lines] == [Decimal("6000.00"), Decimal("-600.00")]
    assert item.qb_details["bill_line_ids"] == {
        "line:1#1": bill.lines[0].txn_line_id,
        "held:": bill.lines[1].txn_line_id,
    }


@pytest.mark.django_db
def test_a_bill_changed_in_quickbooks_whose_line_ids_were_never_kept_is_not_modified_blindly(
    pm, approver, quickbooks, connector
):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    invoice = chain.invoice
    assert invoice is not None
    ErpItem.objects.filter(pk=item_of(invoice).pk).update(qb_details={})  # as a bill synced by an older release
    (bill,) = quickbooks.bills()
    only_work = qb.BillModData(
        bill.txn_id,
        bill.edit_sequence,
        (qb.BillLineChange(bill.lines[0].txn_line_id, qb.BillLine(chain.item_names()[0], Decimal("10000.00"))),),
    )
    quickbooks.process(build.build_message([build.bill_mod("accountant", only_work)]))  # the accountant's edit
    erp.item_resend(invoice, pm)
    erp.item_accept(invoice, approver)

    sync_until_nothing_to_do(connector)

    item = item_of(invoice)
    assert item.state == ErpState.FAILED and "not which of its lines is which" in item.erp_error
    assert quickbooks.request_count("BillMod") == 1, "only the accountant's"
    assert [line.amount for line in quickbooks.bills()[0].lines] == [Decimal("10000.00")]


@pytest.mark.django_db
def test_a_paid_bill_cannot_be_lowered_below_what_was_paid(pm, approver, quickbooks, connector):
    chain = queued_chain(pm, approver)
    sync_until_nothing_to_do(connector)
    invoice = chain.invoice
    assert invoice is not None
    bill_id = item_of(invoice).qb_ref
    check = quickbooks.add_bill_payment_check(chain.vendor.name, bill_id, "6000.00")
    ps.BillPayment.objects.create(  # as the payments import reads it
        qb_txn_id=check.txn_id,
        bill_txn_id=bill_id,
        method=ps.BillPayment.Method.CHECK,
        vendor=chain.vendor,
        commitment=chain.commitment,
        invoice=invoice,
        txn_date=check.txn_date,
        amount=Decimal("6000.00"),
        payment_total=Decimal("6000.00"),
    )
    line = invoice.lines.get()
    line.work_completed_this_period = Decimal("5000.00")
    line.retainage_held = Decimal("500.00")
    line.save()

    with pytest.raises(SendRefused) as refused:
        erp.item_resend(invoice, pm)

    assert _problems(refused) == [
        "QuickBooks has paid 6000.00 of the bill: its amount due cannot go below that (it is 4500.00 now)."
    ]
    (bill,) = quickbooks.bills()
    lowered = qb.BillModData(
        bill.txn_id,
        bill.edit_sequence,
        (qb.BillLineChange(bill.lines[0].txn_line_id, qb.BillLine(chain.item_names()[0], Decimal("4500.00"))),),
    )
    answer = parse_responses(quickbooks.process(build.build_message([build.bill_mod("m", lowered)])))[0]
    assert answer.status_code == 3210, "QuickBooks refuses it too"
    assert quickbooks.bills()[0].total == Decimal("9000.00")
