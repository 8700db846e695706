"""Reading QuickBooks' answers: saved responses in, plain data out."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from qbxml.lib.parse import (
    HostInfo,
    QbxmlParseError,
    Status,
    best_qbxml_version,
    iter_responses,
    parse_host_response,
    parse_qb_datetime,
    parse_responses,
    records_with_ref_number,
    snake,
)
from tests.qbxml.lib.conftest import FIXTURES

JOB = "Big Builder Co:Main Street Lofts"


def _load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _by_request(name: str):
    return {response.request_id: response for response in parse_responses(_load(name))}


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.xml")))
def test_fixtures_are_valid_quickbooks_responses(assert_valid, name):
    # The fixtures stand for QuickBooks: if they are not what the schema allows, the tests prove nothing.
    assert_valid(_load(name))


def test_every_response_comes_back_in_order_with_its_status():
    responses = parse_responses(_load("export_responses.xml"))
    assert [(r.request_id, r.kind, r.status_code) for r in responses] == [
        ("q-101", "ClassAdd", 0),
        ("q-102", "VendorAdd", 0),
        ("q-103", "VendorAdd", 3100),
        ("q-104", "CustomerAdd", 0),
        ("q-105", "ItemServiceAdd", 0),
        ("q-106", "ItemServiceMod", 3200),
        ("q-107", "CustomerMod", 3175),
        ("q-108", "PurchaseOrderAdd", 0),
        ("q-109", "PurchaseOrderAdd", 3140),
        ("q-110", "BillAdd", 0),
    ]


def test_statuses_say_what_to_do():
    responses = _by_request("export_responses.xml")
    assert responses["q-102"].ok
    in_use = responses["q-103"]
    assert not in_use.ok and in_use.is_error and in_use.status_code == Status.NAME_IN_USE
    assert in_use.status_message == 'The name "Bolt Steel" of the list element is already in use.'
    assert not in_use.records
    assert responses["q-106"].status_code == Status.STALE_EDIT_SEQUENCE and not responses["q-106"].is_transient
    assert responses["q-107"].is_transient
    assert responses["q-109"].status_code == Status.INVALID_REFERENCE

    queries = _by_request("query_statuses.xml")
    no_match = queries["look-1"]
    assert no_match.found_nothing and not no_match.ok and not no_match.is_error
    assert queries["imp-vendors-3"].status_code == Status.INVALID_ITERATOR
    warning = queries["imp-items-1"]
    assert warning.status_code == Status.WARNING and warning.status_severity == "Warn" and warning.ok


def test_adds_return_the_ids_the_next_requests_need():
    responses = _by_request("export_responses.xml")
    vendor = responses["q-102"].records[0]
    assert (vendor["type"], vendor["list_id"], vendor["edit_sequence"]) == (
        "Vendor",
        "80000012-1711973002",
        "1711973002",
    )
    assert vendor["name"] == "Acme Concrete" and vendor["is_active"] is True
    assert vendor["vendor_address"]["city"] == "Springfield"
    assert vendor["time_modified"] == "2024-04-01T09:03:22-05:00"

    job = responses["q-104"].records[0]
    assert job["full_name"] == JOB and job["parent_full_name"] == "Big Builder Co" and job["sublevel"] == 1
    assert job["job_start_date"] == date(2024, 1, 15)

    item = responses["q-105"].records[0]
    assert item["full_name"] == "03 Concrete:03-300"
    assert item["sales_and_purchase"]["expense_account_full_name"] == "Job Costs:Subcontracts"

    order = responses["q-108"].records[0]
    assert (order["txn_id"], order["ref_number"], order["total_amount"]) == (
        "1A2B-1711973005",
        "SC-0042",
        Decimal("173000.50"),
    )
    assert order["vendor_full_name"] == "Acme Concrete"
    assert [line["txn_line_id"] for line in order["lines"]] == ["1A2C-1711973005", "1A2D-1711973005"]
    first = order["lines"][0]
    assert (first["line_type"], first["item_full_name"], first["class_full_name"], first["customer_full_name"]) == (
        "PurchaseOrder",
        "03 Concrete:03-300",
        "Cost types:Subcontract",
        JOB,
    )
    assert first["amount"] == Decimal("125000.00") and first["is_billed"] is False


def test_bill_lines_links_and_retainage():
    bill = _by_request("export_responses.xml")["q-110"].records[0]
    assert bill["total_amount"] == bill["amount_due"] == Decimal("26970.04")
    assert bill["linked_txns"] == [
        {
            "txn_id": "1A2B-1711973005",
            "txn_type": "PurchaseOrder",
            "txn_date": date(2024, 2, 1),
            "ref_number": "SC-0042",
            "link_type": "AMTTYPE",
            "amount": Decimal("29800.05"),
        }
    ]
    assert [line["amount"] for line in bill["lines"]] == [Decimal("25000.00"), Decimal("4800.05"), Decimal("-2830.01")]
    assert bill["lines"][-1]["item_full_name"] == "Retainage"
    assert sum(line["amount"] for line in bill["lines"]) == bill["amount_due"]


def test_iterator_pages():
    first = parse_responses(_load("vendor_import_page1.xml"))[0]
    assert first.iterator_id == "{6c9f3f4e-59b2-4c2f-9d7d-0d2f1f4a3b21}"
    assert first.iterator_remaining_count == 1 and first.has_more
    assert [v["name"] for v in first.records] == ["Acme Concrete", "Bolt Steel & Supply"]
    assert first.records[1]["is_active"] is False
    last = parse_responses(_load("vendor_import_page2.xml"))[0]
    assert last.iterator_remaining_count == 0 and not last.has_more
    assert last.records[0]["name"] == "Caf\u00e9 Drywall"


def test_bill_payments_show_what_they_paid():
    responses = _by_request("bill_payments.xml")
    check, voided = responses["imp-bpc-1"].records
    assert check["type"] == "BillPaymentCheck" and check["total_amount"] == Decimal("27070.04")
    assert check["payee_entity_full_name"] == "Acme Concrete"
    assert check["bank_account_full_name"] == "Operating Checking"
    assert [(a["txn_id"], a["amount"]) for a in check["applied_to"]] == [
        ("1B00-1711973010", Decimal("26970.04")),
        ("1B10-1711973099", Decimal("100.00")),
    ]
    assert check["applied_to"][0]["txn_type"] == "Bill" and check["applied_to"][0]["balance_remaining"] == 0
    assert voided["total_amount"] == 0 and voided["applied_to"] == [] and voided["memo"].startswith("VOID:")
    card = responses["imp-bpcc-1"].records[0]
    assert card["credit_card_account_full_name"] == "Company Visa"
    assert card["applied_to"][0]["balance_remaining"] == Decimal("250.00")


def test_job_cost_lines_carry_job_item_and_class():
    responses = _by_request("job_costs.xml")
    check = responses["imp-check-1"].records[0]
    expense, item = check["lines"]
    assert (expense["line_type"], expense["account_full_name"], expense["customer_full_name"]) == (
        "Expense",
        "Job Costs:Permits",
        JOB,
    )
    assert expense["memo"] == "Inspection fee" and expense["amount"] == Decimal("200.00")
    assert (item["item_full_name"], item["class_full_name"], item["amount"]) == (
        "01 General:01-500",
        "Cost types:Other",
        Decimal("750.00"),
    )
    journal = responses["imp-je-1"].records[0]
    debit, credit = journal["lines"]
    assert debit["line_type"] == "JournalDebit" and debit["entity_full_name"] == JOB
    assert credit["line_type"] == "JournalCredit" and credit.get("entity_full_name") is None
    grouped = responses["imp-bill-1"].records[0]
    assert [(line["item_full_name"], line["quantity"]) for line in grouped["lines"]] == [
        ("05 Metals:05-120", Decimal("2"))
    ]
    deleted = responses["imp-del-1"].records[0]
    assert (deleted["type"], deleted["txn_del_type"], deleted["txn_id"]) == ("TxnDeleted", "Check", "3A09-1712000000")


def test_exact_ref_number_match_after_a_loose_query():
    bills = _by_request("query_statuses.xml")["look-2"].records
    assert len(bills) == 2
    found = records_with_ref_number(bills, "ACME-2024-00017", entity_full_name="Acme Concrete")
    assert [bill["txn_id"] for bill in found] == ["1B00-1711973010"]
    assert records_with_ref_number(bills, "ACME-2024-00017", entity_full_name="Bolt Steel & Supply") == []


def test_host_response():
    host = parse_host_response(_load("hcp_response.xml"))
    assert host.product_name.startswith("QuickBooks Enterprise Solutions")
    assert host.country == "US" and host.qb_file_mode == "MultiUser"
    assert "CA3.0" in host.supported_versions and host.best_version() == "16.0"
    assert host.company_name == "Big Builder Co"
    assert host.is_using_class_tracking is True and host.is_using_estimates is True
    assert host.is_using_inventory is False and host.closing_date == date(2023, 12, 31)
    # The Web Connector hands the HCP response over as text.
    assert parse_host_response(_load("hcp_response.xml").decode("utf-8")) == host


def test_host_response_without_preferences_keeps_what_it_has():
    partial = (
        b'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
        b'<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info"><HostRet>'
        b"<ProductName>QuickBooks Pro 2013</ProductName><SupportedQBXMLVersion>12.0</SupportedQBXMLVersion>"
        b"<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion></HostRet></HostQueryRs>"
        b'<PreferencesQueryRs requestID="2" statusCode="3261" statusSeverity="Error" statusMessage="denied"/>'
        b"</QBXMLMsgsRs></QBXML>"
    )
    host = parse_host_response(partial)
    assert host.best_version() == "13.0" and host.is_using_class_tracking is None
    with pytest.raises(QbxmlParseError):
        parse_host_response(b"<QBXML><QBXMLMsgsRs/></QBXML>")


def test_best_version():
    assert best_qbxml_version(["12.0", "13.0", "14.0"]) == "13.0"
    assert best_qbxml_version(["13.0", "16.0", "17.0"]) == "16.0"
    assert best_qbxml_version(["CA3.0", "12.0"]) is None
    assert HostInfo(supported_versions=("13.0",)).best_version(ours=("16.0",)) is None


def test_datetimes_keep_their_offset():
    moment = parse_qb_datetime("2024-04-01T09:03:22-05:00")
    assert moment == datetime(2024, 4, 1, 9, 3, 22, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(QbxmlParseError):
        parse_qb_datetime("yesterday")


def test_malformed_values_are_parse_errors():
    bad_amount = (
        b'<QBXML><QBXMLMsgsRs><BillQueryRs statusCode="0" statusSeverity="Info"><BillRet>'
        b"<AmountDue>12,50</AmountDue></BillRet></BillQueryRs></QBXMLMsgsRs></QBXML>"
    )
    with pytest.raises(QbxmlParseError, match="AmountDue"):
        parse_responses(bad_amount)
    bad_status = b'<QBXML><QBXMLMsgsRs><BillQueryRs statusCode="x" statusSeverity="Info"/></QBXMLMsgsRs></QBXML>'
    with pytest.raises(QbxmlParseError, match="statusCode"):
        parse_responses(bad_status)
    no_status = b"<QBXML><QBXMLMsgsRs><BillQueryRs/></QBXMLMsgsRs></QBXML>"
    with pytest.raises(QbxmlParseError, match="no statusCode"):
        parse_responses(no_status)
    with pytest.raises(QbxmlParseError, match="expected a QBXML document"):
        parse_responses(b"<Envelope/>")


def test_streaming_yields_as_it_reads():
    truncated = _load("export_responses.xml")[:2500]
    stream = iter_responses(truncated)
    assert next(stream).request_id == "q-101"
    with pytest.raises(QbxmlParseError, match="not well-formed"):
        list(stream)
    with pytest.raises(QbxmlParseError):
        parse_responses(truncated)


def test_snake_case_keys():
    assert snake("TxnID") == "txn_id"
    assert snake("SupportedQBXMLVersion") == "supported_qbxml_version"
    assert snake("APAccountRef") == "ap_account_ref"
    assert snake("Addr1") == "addr1"
