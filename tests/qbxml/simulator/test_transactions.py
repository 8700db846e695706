"""Estimates, purchase orders and bills: lines, totals, links, and the Mod rules QuickBooks applies."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from qbxml.lib import build
from qbxml.lib.parse import parse_responses, records_with_ref_number
from qbxml.lib.types import (
    BillData,
    BillLine,
    EstimateData,
    EstimateLine,
    EstimateModData,
    PurchaseOrderData,
    PurchaseOrderLine,
    PurchaseOrderLinesAddData,
    Retainage,
)
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.qbxml.simulator.conftest import JOB, one

ITEM = "03:03-300"


def _estimate(seeded: QuickBooksCompany, send, *amounts: str) -> dict:
    lines = tuple(EstimateLine(ITEM, Decimal(amount), "Subcontract", f"line {n}") for n, amount in enumerate(amounts))
    return one(send(seeded, build.estimate_add("e", EstimateData(JOB, lines, ref_number="B-1")))).records[0]


def _purchase_order(seeded: QuickBooksCompany, send, *amounts: str, ref: str = "PO-001") -> dict:
    lines = tuple(PurchaseOrderLine(ITEM, Decimal(amount), "Subcontract", JOB) for amount in amounts)
    data = PurchaseOrderData(vendor_name="Acme Concrete", ref_number=ref, lines=lines, memo="Subcontract")
    return one(send(seeded, build.purchase_order_add("po", data))).records[0]


def test_an_estimate_has_ids_on_every_line_and_its_total(seeded, send):
    estimate = _estimate(seeded, send, "1000.00", "250.50")
    assert re.fullmatch(r"[0-9A-F]+-\d{10}", estimate["txn_id"])
    assert estimate["customer_full_name"] == JOB
    assert estimate["ref_number"] == "B-1"
    assert estimate["subtotal"] == estimate["total_amount"] == Decimal("1250.50")
    line_ids = [line["txn_line_id"] for line in estimate["lines"]]
    assert len(set(line_ids)) == 2 and all(re.fullmatch(r"[0-9A-F]+-\d{10}", i) for i in line_ids)
    assert [line["class_full_name"] for line in estimate["lines"]] == ["Subcontract", "Subcontract"]
    assert estimate["txn_number"] >= 1


def test_an_estimate_mod_keeps_changes_adds_and_deletes_lines_as_named(seeded, send):
    estimate = _estimate(seeded, send, "100.00", "200.00", "300.00")
    first, second, _third = (line["txn_line_id"] for line in estimate["lines"])
    lines = (
        EstimateLine(ITEM, Decimal("150.00"), txn_line_id=second),  # changed, and now first
        EstimateLine(ITEM, Decimal("100.00"), txn_line_id=first),  # kept
        EstimateLine(ITEM, Decimal("42.00"), "Material", "new"),  # added (TxnLineID -1)
    )
    data = EstimateModData(estimate["txn_id"], estimate["edit_sequence"], EstimateData(JOB, lines))
    changed = one(send(seeded, build.estimate_mod("m", data))).records[0]
    assert [(line["txn_line_id"], line["amount"]) for line in changed["lines"][:2]] == [
        (second, Decimal("150.00")),
        (first, Decimal("100.00")),
    ]
    added = changed["lines"][2]
    assert added["txn_line_id"] not in (first, second) and added["class_full_name"] == "Material"
    assert changed["total_amount"] == Decimal("292.00")  # the third line is gone
    assert changed["lines"][0]["desc"] == "line 1"  # what a Mod does not name on a line stays
    assert changed["edit_sequence"] != estimate["edit_sequence"]
    stale = one(send(seeded, build.estimate_mod("again", data)))
    assert stale.status_code == 3200


def test_an_estimate_mod_without_lines_changes_only_the_header(seeded, send):
    estimate = _estimate(seeded, send, "100.00", "200.00")
    data = EstimateModData(estimate["txn_id"], estimate["edit_sequence"], EstimateData(JOB, (), memo="Revised"))
    changed = one(send(seeded, build.estimate_mod("m", data))).records[0]
    assert changed["memo"] == "Revised"
    assert [line["amount"] for line in changed["lines"]] == [Decimal("100.00"), Decimal("200.00")]


def _raw(body: str) -> str:
    return f'<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">{body}</QBXMLMsgsRq></QBXML>'


def test_changing_one_line_twice_in_one_mod_is_refused(seeded, send):
    estimate = _estimate(seeded, send, "100.00")
    line = estimate["lines"][0]["txn_line_id"]
    twice = (
        f'<EstimateModRq requestID="m"><EstimateMod><TxnID>{estimate["txn_id"]}</TxnID>'
        f"<EditSequence>{estimate['edit_sequence']}</EditSequence>"
        f"<EstimateLineMod><TxnLineID>{line}</TxnLineID><Amount>10.00</Amount></EstimateLineMod>"
        f"<EstimateLineMod><TxnLineID>{line}</TxnLineID><Amount>20.00</Amount></EstimateLineMod>"
        "</EstimateMod></EstimateModRq>"
    )
    answer = one(parse_responses(seeded.process(_raw(twice))))
    assert answer.status_code == 3210
    assert line in answer.status_message
    assert seeded.estimates()[0].total == Decimal("100.00")


def test_a_line_that_is_not_on_the_transaction_is_not_found(seeded, send):
    estimate = _estimate(seeded, send, "100.00")
    lines = (EstimateLine(ITEM, Decimal("1.00"), txn_line_id="FF-1700000000"),)
    data = EstimateModData(estimate["txn_id"], estimate["edit_sequence"], EstimateData(JOB, lines))
    assert one(send(seeded, build.estimate_mod("m", data))).status_code == 3120
    data = EstimateModData("AB-1700000000", "1", EstimateData(JOB, ()))
    answer = one(send(seeded, build.estimate_mod("m", data)))
    assert (answer.status_code, answer.status_severity) == (3120, "Error")


def test_invalid_references_name_what_is_missing(seeded, send):
    cases = [
        (PurchaseOrderData("Nobody", "PO-1", (PurchaseOrderLine(ITEM, Decimal(1)),)), 'Vendor "Nobody"'),
        (PurchaseOrderData("Acme Concrete", "PO-1", (PurchaseOrderLine("99-999", Decimal(1)),)), 'Item "99-999"'),
        (
            PurchaseOrderData("Acme Concrete", "PO-1", (PurchaseOrderLine(ITEM, Decimal(1), "Labour"),)),
            'Class "Labour"',
        ),
        (
            PurchaseOrderData("Acme Concrete", "PO-1", (PurchaseOrderLine(ITEM, Decimal(1), None, "X:Y"),)),
            'Customer "X:Y"',
        ),
    ]
    answers = send(seeded, *(build.purchase_order_add(str(n), data) for n, (data, _) in enumerate(cases)))
    for answer, (_, named) in zip(answers, cases, strict=True):
        assert answer.status_code == 3140
        assert f"There is an invalid reference to QuickBooks {named}" in answer.status_message
    assert seeded.purchase_orders() == []
    estimate = EstimateData("Big Builder Co:Nope", (EstimateLine(ITEM, Decimal(1)),))
    assert 'Customer "Big Builder Co:Nope"' in one(send(seeded, build.estimate_add("e", estimate))).status_message


def test_a_change_order_adds_lines_to_the_purchase_order(seeded, send):
    order = _purchase_order(seeded, send, "125000.00", "48000.50")
    assert order["total_amount"] == Decimal("173000.50")
    assert order["lines"][0]["customer_full_name"] == JOB
    existing = tuple(line["txn_line_id"] for line in order["lines"])
    change = PurchaseOrderLinesAddData(
        order["txn_id"],
        order["edit_sequence"],
        existing,
        (PurchaseOrderLine(ITEM, Decimal("5000.00"), "Subcontract", JOB, "CCO #1"),),
    )
    changed = one(send(seeded, build.purchase_order_add_lines("cco", change))).records[0]
    assert [line["txn_line_id"] for line in changed["lines"][:2]] == list(existing)
    assert changed["lines"][2]["desc"] == "CCO #1"
    assert changed["total_amount"] == Decimal("178000.50")
    # QuickBooks deletes the lines a PurchaseOrderMod does not name.
    only_new = PurchaseOrderLinesAddData(
        order["txn_id"], changed["edit_sequence"], (existing[0],), (PurchaseOrderLine(ITEM, Decimal("1.00")),)
    )
    shrunk = one(send(seeded, build.purchase_order_add_lines("cco2", only_new))).records[0]
    assert len(shrunk["lines"]) == 2
    assert shrunk["total_amount"] == Decimal("125001.00")


def test_a_purchase_order_line_changed_twice_in_one_mod_is_refused(seeded, send):
    order = _purchase_order(seeded, send, "100.00")
    line = order["lines"][0]["txn_line_id"]
    twice = (
        f'<PurchaseOrderModRq requestID="m"><PurchaseOrderMod><TxnID>{order["txn_id"]}</TxnID>'
        f"<EditSequence>{order['edit_sequence']}</EditSequence>"
        f"<PurchaseOrderLineMod><TxnLineID>{line}</TxnLineID></PurchaseOrderLineMod>"
        f"<PurchaseOrderLineMod><TxnLineID>{line}</TxnLineID><Amount>5.00</Amount></PurchaseOrderLineMod>"
        "</PurchaseOrderMod></PurchaseOrderModRq>"
    )
    assert one(parse_responses(seeded.process(_raw(twice)))).status_code == 3210


def test_a_pay_application_bills_po_lines_and_holds_retainage(seeded, send):
    seeded.add_item_service("Retainage", expense_account="Accounts Payable")
    order = _purchase_order(seeded, send, "125000.00", "48000.50")
    first, second = (line["txn_line_id"] for line in order["lines"])
    bill = BillData(
        vendor_name="Acme Concrete",
        ref_number="ACME-2024-00017",
        lines=(
            BillLine(ITEM, Decimal("25000.00"), "Subcontract", JOB, purchase_order_txn_line_id=first),
            BillLine(ITEM, Decimal("4800.05"), "Subcontract", JOB, purchase_order_txn_line_id=second),
        ),
        retainage=Retainage(Decimal("2980.01"), customer_full_name=JOB, class_name="Subcontract"),
        purchase_order_txn_id=order["txn_id"],
    )
    answer = one(send(seeded, build.bill_add("b", bill)))
    assert answer.status_code == 0, answer.status_message
    record = answer.records[0]
    assert record["amount_due"] == record["open_amount"] == Decimal("26820.04") == bill.total()
    assert record["is_paid"] is False
    assert [line["amount"] for line in record["lines"]] == [
        Decimal("25000.00"),
        Decimal("4800.05"),
        Decimal("-2980.01"),
    ]
    assert record["lines"][0]["item_full_name"] == ITEM  # taken from the PO line
    assert record["lines"][2]["item_full_name"] == "Retainage"
    assert record["lines"][0]["billable_status"] == "Billable"
    assert record["linked_txns"][0]["txn_id"] == order["txn_id"]
    assert record["linked_txns"][0]["txn_type"] == "PurchaseOrder"
    # The purchase order now links back, and has a new EditSequence.
    found = one(send(seeded, build.txn_query("q", "PurchaseOrder", txn_id=order["txn_id"], include_linked_txns=True)))
    assert found.records[0]["linked_txns"][0]["txn_id"] == record["txn_id"]
    assert found.records[0]["edit_sequence"] != order["edit_sequence"]
    assert found.records[0]["lines"] == []  # no IncludeLineItems
    with_lines = one(
        send(seeded, build.txn_query("q", "PurchaseOrder", txn_id=order["txn_id"], include_line_items=True))
    )
    assert [line["is_billed"] for line in with_lines.records[0]["lines"]] == [False, False]
    bill_view = seeded.bills()[0]
    assert bill_view.lines[0].linked_to == (order["txn_id"], first)


def test_a_bill_needs_a_known_purchase_order_line_of_its_vendor(seeded, send):
    seeded.add_vendor("Other Vendor")
    order = _purchase_order(seeded, send, "100.00")
    line = order["lines"][0]["txn_line_id"]

    def bill(vendor: str, po: str, po_line: str):
        data = BillData(vendor, "INV-1", (BillLine(ITEM, Decimal("10.00"), purchase_order_txn_line_id=po_line),))
        return build.bill_add("b", BillData(**{**data.__dict__, "purchase_order_txn_id": po}))

    assert one(send(seeded, bill("Acme Concrete", order["txn_id"], "FF-1"))).status_code == 3120
    assert one(send(seeded, bill("Acme Concrete", "FF-1", line))).status_code == 3120
    assert one(send(seeded, bill("Other Vendor", order["txn_id"], line))).status_code == 3210
    assert seeded.bills() == []


def test_a_bill_linked_to_a_whole_purchase_order_takes_every_open_line(seeded, send):
    order = _purchase_order(seeded, send, "100.00", "200.00")
    seeded.add_bill(
        "Acme Concrete",
        "INV-0",
        [SeedLine(40, purchase_order_line=(order["txn_id"], order["lines"][0]["txn_line_id"]))],
    )
    message = _raw(
        '<BillAddRq requestID="b"><BillAdd><VendorRef><FullName>Acme Concrete</FullName></VendorRef>'
        f"<RefNumber>INV-1</RefNumber><LinkToTxnID>{order['txn_id']}</LinkToTxnID></BillAdd></BillAddRq>"
    )
    record = one(parse_responses(seeded.process(message))).records[0]
    assert [line["amount"] for line in record["lines"]] == [Decimal("60.00"), Decimal("200.00")]
    lines = one(send(seeded, build.txn_query("q", "PurchaseOrder", txn_id=order["txn_id"], include_line_items=True)))
    assert [line["is_billed"] for line in lines.records[0]["lines"]] == [True, True]
    assert lines.records[0]["is_fully_received"] is True


def test_a_negative_bill_is_refused(seeded):
    message = _raw(
        '<BillAddRq requestID="b"><BillAdd><VendorRef><FullName>Acme Concrete</FullName></VendorRef>'
        "<RefNumber>CR-1</RefNumber><ItemLineAdd><ItemRef><FullName>03:03-300</FullName></ItemRef>"
        "<Amount>-5.00</Amount></ItemLineAdd></BillAdd></BillAddRq>"
    )
    answer = one(parse_responses(seeded.process(message)))
    assert answer.status_code == 3210
    assert seeded.bills() == []


def test_transactions_are_found_by_txn_id_ref_number_and_party(seeded, send):
    order = _purchase_order(seeded, send, "100.00")
    _purchase_order(seeded, send, "100.00", ref="PO-0010")
    seeded.add_vendor("Other Vendor")
    seeded.add_purchase_order("Other Vendor", "PO-001", [SeedLine(5, item=ITEM)])
    by_ref = one(send(seeded, build.txn_query("r", "PurchaseOrder", ref_number="po-001")))
    assert len(by_ref.records) == 2  # RefNumber matches without regard to case, for every vendor
    by_party = one(
        send(seeded, build.txn_query("p", "PurchaseOrder", ref_number="PO-001", entity_full_name="Acme Concrete"))
    )
    assert [r["txn_id"] for r in records_with_ref_number(by_party.records, "PO-001")] == [order["txn_id"]]
    missing_ref = one(send(seeded, build.txn_query("m", "PurchaseOrder", ref_number="PO-404")))
    assert (missing_ref.status_code, missing_ref.status_severity) == (1, "Info")
    missing_id = one(send(seeded, build.txn_query("i", "Bill", txn_id=order["txn_id"])))  # a PO is not a bill
    assert (missing_id.status_code, missing_id.status_severity) == (500, "Warn")
    unknown_party = one(send(seeded, build.txn_query("u", "PurchaseOrder", entity_full_name="Nobody")))
    assert unknown_party.status_code == 500


def test_bills_filter_by_paid_status(seeded, send):
    paid = seeded.add_bill("Acme Concrete", "INV-1", [SeedLine(100, item=ITEM, customer=JOB)])
    seeded.add_bill("Acme Concrete", "INV-2", [SeedLine(50, item=ITEM, customer=JOB)])
    seeded.add_bill_payment_check("Acme Concrete", paid.txn_id)
    message = _raw('<BillQueryRq requestID="q"><PaidStatus>NotPaidOnly</PaidStatus></BillQueryRq>')
    open_bills = one(parse_responses(seeded.process(message)))
    assert [r["ref_number"] for r in open_bills.records] == ["INV-2"]
    vendor = one(send(seeded, build.list_query("v", "Vendor", full_name="Acme Concrete"))).records[0]
    assert vendor["balance"] == Decimal("50.00")


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_the_same_flow_works_in_both_versions(seeded, send, version):
    lines = (PurchaseOrderLine(ITEM, Decimal("10.00"), "Subcontract", JOB),)
    order = one(
        send(seeded, build.purchase_order_add("po", PurchaseOrderData("Acme Concrete", "P1", lines)), version=version)
    )
    assert order.status_code == 0


def test_a_bill_mod_replaces_the_item_lines_it_names_and_a_header_change_leaves_the_po_alone(seeded, send):
    order = _purchase_order(seeded, send, "100.00")
    order_line = order["lines"][0]["txn_line_id"]
    bill = seeded.add_bill(
        "Acme Concrete",
        "INV-1",
        [SeedLine(30, purchase_order_line=(order["txn_id"], order_line)), SeedLine(5, account="Job Expenses")],
    )
    po_sequence = seeded.get_txn(order["txn_id"]).edit_sequence
    linked = next(line for line in bill.lines if line.line_type == "Item")
    header = _raw(
        f'<BillModRq requestID="h"><BillMod><TxnID>{bill.txn_id}</TxnID><EditSequence>{bill.edit_sequence}'
        "</EditSequence><Memo>Checked</Memo></BillMod></BillModRq>"
    )
    changed = one(parse_responses(seeded.process(header))).records[0]
    assert changed["memo"] == "Checked" and changed["amount_due"] == Decimal("35.00")
    assert seeded.get_txn(order["txn_id"]).edit_sequence == po_sequence
    lines = _raw(
        f'<BillModRq requestID="l"><BillMod><TxnID>{bill.txn_id}</TxnID><EditSequence>{changed["edit_sequence"]}'
        f"</EditSequence><ItemLineMod><TxnLineID>{linked.txn_line_id}</TxnLineID><Amount>60.00</Amount>"
        "</ItemLineMod></BillMod></BillModRq>"
    )
    changed = one(parse_responses(seeded.process(lines))).records[0]
    assert changed["amount_due"] == Decimal("65.00")  # the expense line stays: only item lines were named
    assert seeded.get_txn(order["txn_id"]).edit_sequence != po_sequence  # what it bills changed


def test_a_journal_entry_must_balance(seeded):
    unbalanced = _raw(
        '<JournalEntryAddRq requestID="j"><JournalEntryAdd>'
        "<JournalDebitLine><AccountRef><FullName>Job Expenses</FullName></AccountRef><Amount>10.00</Amount>"
        "</JournalDebitLine><JournalCreditLine><AccountRef><FullName>Checking</FullName></AccountRef>"
        "<Amount>9.00</Amount></JournalCreditLine></JournalEntryAdd></JournalEntryAddRq>"
    )
    answer = one(parse_responses(seeded.process(unbalanced)))
    assert answer.status_code == 3210
    assert seeded.transactions("JournalEntry") == []


def test_a_purchase_order_can_be_closed_and_deleted_by_request(seeded, send):
    order = _purchase_order(seeded, send, "100.00")
    close = _raw(
        f'<PurchaseOrderModRq requestID="c"><PurchaseOrderMod><TxnID>{order["txn_id"]}</TxnID>'
        f"<EditSequence>{order['edit_sequence']}</EditSequence><IsManuallyClosed>true</IsManuallyClosed>"
        "</PurchaseOrderMod></PurchaseOrderModRq>"
        f'<TxnDelRq requestID="d"><TxnDelType>PurchaseOrder</TxnDelType><TxnID>{order["txn_id"]}</TxnID></TxnDelRq>'
        f'<TxnDelRq requestID="e"><TxnDelType>PurchaseOrder</TxnDelType><TxnID>{order["txn_id"]}</TxnID></TxnDelRq>'
    )
    closed, deleted, again = parse_responses(seeded.process(close))
    assert closed.records[0]["is_manually_closed"] is True
    assert (deleted.status_code, again.status_code) == (0, 3120)
    assert seeded.purchase_orders() == []
