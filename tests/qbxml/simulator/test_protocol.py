"""The document level: what QuickBooks does with a whole request message, before and around each request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from qbxml.lib import build
from qbxml.lib.parse import parse_host_response, parse_responses
from qbxml.lib.types import ClassData, EstimateData, EstimateLine, VendorData
from qbxml.simulator import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, QbxmlParseFailure, QuickBooksCompany
from tests.qbxml.simulator.builders import list_import_query
from tests.qbxml.simulator.conftest import one


def _vendor(request_id: str, name: str) -> etree._Element:
    return build.vendor_add(request_id, VendorData(name=name))


def test_every_request_gets_its_answer_in_order_with_its_request_id(company, send):
    answers = send(company, _vendor("a", "One"), _vendor("b", "Two"), _vendor("c", "One"), _vendor("d", "Three"))
    assert [(r.request_id, r.kind, r.status_code, r.status_severity) for r in answers] == [
        ("a", "VendorAdd", 0, "Info"),
        ("b", "VendorAdd", 0, "Info"),
        ("c", "VendorAdd", 3100, "Error"),
        ("d", "VendorAdd", 0, "Info"),
    ]
    assert answers[0].status_message == "Status OK"


def test_stop_on_error_leaves_the_rest_unanswered(company, send):
    answers = send(company, _vendor("a", "One"), _vendor("b", "One"), _vendor("c", "Two"), on_error="stopOnError")
    assert [(r.request_id, r.status_code) for r in answers] == [("a", 0), ("b", 3100)]
    assert company.find_list("Vendor", "Two") is None


def test_stop_on_error_stops_on_a_warning_too(company, send):
    lookup = build.list_query("look", "Vendor", full_name="Nobody")
    answers = send(company, lookup, _vendor("after", "Two"), on_error="stopOnError")
    assert [(r.request_id, r.status_code, r.status_severity) for r in answers] == [("look", 500, "Warn")]
    answers = send(company, lookup, _vendor("after", "Two"), on_error="continueOnError")
    assert [(r.request_id, r.status_code) for r in answers] == [("look", 500), ("after", 0)]


def test_a_query_that_finds_nothing_is_information_and_does_not_stop(company, send):
    search = list_import_query("search", "Vendor")
    answers = send(company, search, _vendor("after", "Two"), on_error="stopOnError")
    assert [(r.request_id, r.status_code) for r in answers] == [("search", 1), ("after", 0)]
    assert answers[0].status_severity == "Info"
    assert answers[0].status_message == "A query request did not find a matching object in QuickBooks"
    assert answers[0].found_nothing


def test_text_and_bytes_both_work_and_the_answer_is_text(company):
    message = build.build_message([_vendor("a", "Café & Co")])
    answer = company.process(message.decode("utf-8"))
    assert isinstance(answer, str)
    assert one(parse_responses(answer)).records[0]["name"] == "Café & Co"
    answer = company.process(build.build_message([_vendor("b", "Other")]))
    assert one(parse_responses(answer)).status_code == 0


@pytest.mark.parametrize(
    "document",
    [
        b"<QBXML><QBXMLMsgsRq onError='stopOnError'><VendorAddRq",  # not well-formed
        b'<?xml version="1.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"/></QBXML>',  # no qbxml version
        b'<?qbxml version="99.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"/></QBXML>',  # unsupported version
        b'<?qbxml version="13.0"?><Other/>',
        b'<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq/></QBXML>',  # no onError
        b'<?qbxml version="13.0"?><!DOCTYPE QBXML []><QBXML/>',
        b"",
    ],
)
def test_documents_quickbooks_cannot_parse_fail_as_a_whole(company, document):
    with pytest.raises(QbxmlParseFailure) as caught:
        company.process(document)
    assert caught.value.hresult == PARSE_ERROR_HRESULT == "0x80040400"
    assert caught.value.message == PARSE_ERROR_MESSAGE
    assert caught.value.message == "QuickBooks found an error when parsing the provided XML text stream."


def test_without_the_schema_a_name_over_the_limit_still_fails_the_whole_document(company):
    too_long = b'<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
    too_long += b'<VendorAddRq requestID="1"><VendorAdd><Name>' + b"x" * 42 + b"</Name></VendorAdd></VendorAddRq>"
    too_long += b"</QBXMLMsgsRq></QBXML>"
    with pytest.raises(QbxmlParseFailure, match="longer than 41"):
        company.process(too_long)
    assert company.vendors() == []


def test_schema_invalid_requests_fail_the_whole_document(qbxml_schema_dir):
    company = QuickBooksCompany(schema_dir=qbxml_schema_dir)
    good = build.build_message([_vendor("a", "Fine")])
    misplaced = good.replace(b"<Name>Fine</Name>", b"<IsActive>true</IsActive><Name>Fine</Name>")
    with pytest.raises(QbxmlParseFailure, match="not valid qbXML 13.0") as caught:
        company.process(misplaced)
    assert caught.value.hresult == "0x80040400"
    # Nothing of a refused document reaches the books, not even the valid requests before the bad one.
    two = build.build_message([_vendor("a", "First"), _vendor("b", "Second")])
    with pytest.raises(QbxmlParseFailure):
        company.process(two.replace(b"<Name>Second</Name>", b"<Nom>Second</Nom>"))
    assert company.vendors() == []
    assert one(parse_responses(company.process(good))).status_code == 0


def test_each_version_is_validated_against_its_own_schema(qbxml_schema_dir):
    company = QuickBooksCompany(schema_dir=qbxml_schema_dir)
    # BillAdd/ClassRef exists in 16.0 only.
    bill = (
        b'<?qbxml version="{v}"?><QBXML><QBXMLMsgsRq onError="continueOnError"><BillAddRq requestID="1"><BillAdd>'
        b"<VendorRef><FullName>Nobody</FullName></VendorRef><RefNumber>1</RefNumber>"
        b"<ClassRef><FullName>X</FullName></ClassRef></BillAdd></BillAddRq></QBXMLMsgsRq></QBXML>"
    )
    with pytest.raises(QbxmlParseFailure):
        company.process(bill.replace(b"{v}", b"13.0"))
    answer = one(parse_responses(company.process(bill.replace(b"{v}", b"16.0"))))
    assert answer.status_code == 3140


def test_a_schema_directory_without_schemas_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"qbxmlops\*\.xsd"):
        QuickBooksCompany(schema_dir=tmp_path)


def test_host_response_reads_as_the_web_connector_sends_it(check_answer):
    company = QuickBooksCompany("Big Builder Co", country="US", supported_versions=("12.0", "13.0", "16.0"))
    hcp = company.host_response()
    check_answer(hcp)
    info = parse_host_response(hcp)
    assert info.product_name == "QuickBooks Enterprise Solutions 24.0"
    assert info.major_version == "34"
    assert info.country == "US"
    assert info.supported_versions == ("12.0", "13.0", "16.0")
    assert info.best_version() == "16.0"
    assert info.company_name == "Big Builder Co"
    assert info.qb_file_mode == "MultiUser"
    assert info.is_using_class_tracking is True
    assert info.is_using_estimates is True
    kinds = [response.kind for response in parse_responses(hcp)]
    assert kinds == ["HostQuery", "CompanyQuery", "PreferencesQuery"]


def test_a_canadian_edition_and_an_old_quickbooks_say_so():
    company = QuickBooksCompany(
        country="CA", product_name="QuickBooks Premier 2019 19.0", supported_versions=("CA3.0", "12.0", "13.0")
    )
    info = parse_host_response(company.host_response())
    assert info.country == "CA"
    assert info.best_version() == "13.0"
    assert info.major_version == "29"
    with pytest.raises(QbxmlParseFailure, match="16.0 is not supported"):
        company.process(build.build_message([_vendor("a", "X")], version="16.0"))


def test_requests_the_simulator_does_not_handle_are_refused_one_by_one(company, send):
    answers = send(company, build.host_query("host"), _vendor("v", "X"))
    assert [r.status_code for r in answers] == [0, 0]
    unknown = (
        b'<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
        b'<SalesReceiptQueryRq requestID="i"/><VendorAddRq requestID="v"><VendorAdd><Name>Y</Name></VendorAdd>'
        b"</VendorAddRq></QBXMLMsgsRq></QBXML>"
    )
    answers = parse_responses(company.process(unknown))
    assert [(r.kind, r.status_code) for r in answers] == [("SalesReceiptQuery", 3250), ("VendorAdd", 0)]
    assert "SalesReceiptQueryRq" in answers[0].status_message


def test_a_denied_operation_answers_insufficient_permission(company, send):
    company.deny("VendorAdd")
    answer = one(send(company, _vendor("a", "X")))
    assert (answer.status_code, answer.status_severity) == (3260, "Error")
    company.deny("VendorQuery", code=3261)
    assert one(send(company, list_import_query("q", "Vendor"))).status_code == 3261
    company.allow("VendorAdd", "VendorQuery")
    assert one(send(company, _vendor("a", "X"))).status_code == 0


def test_feature_off_answers_3250(send):
    company = QuickBooksCompany(is_using_estimates=False, is_using_class_tracking=False)
    assert one(send(company, build.class_add("c", ClassData(name="Labor")))).status_code == 3250
    company.add_customer("Owner")
    estimate = EstimateData("Owner", (EstimateLine("Nothing", Decimal(1)),))
    refused = one(send(company, build.estimate_add("e", estimate)))
    assert (refused.status_code, refused.status_message) == (
        3250,
        "This feature is not enabled or not available in this version of QuickBooks.",
    )
    assert parse_host_response(company.host_response()).is_using_estimates is False


def test_every_answer_is_counted_by_operation(company, send):
    send(company, _vendor("a", "One"), _vendor("b", "One"), build.list_query("q", "Vendor", full_name="One"))
    assert company.request_count("VendorAdd") == 2
    assert company.request_count("VendorQuery") == 1
    assert [(r.operation, r.request_id, r.status_code) for r in company.history][-1] == ("VendorQuery", "q", 0)


def test_a_macro_names_a_transaction_added_earlier_in_the_same_message(seeded):
    message = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
        '<PurchaseOrderAddRq requestID="po"><PurchaseOrderAdd defMacro="TxnID:PO">'
        "<VendorRef><FullName>Acme Concrete</FullName></VendorRef><RefNumber>PO-9</RefNumber>"
        '<PurchaseOrderLineAdd defMacro="TxnLineID:L1"><ItemRef><FullName>03:03-300</FullName></ItemRef>'
        "<Amount>100.00</Amount></PurchaseOrderLineAdd></PurchaseOrderAdd></PurchaseOrderAddRq>"
        '<BillAddRq requestID="bill"><BillAdd><VendorRef><FullName>Acme Concrete</FullName></VendorRef>'
        "<RefNumber>INV-9</RefNumber><ItemLineAdd><Amount>40.00</Amount>"
        '<LinkToTxn><TxnID useMacro="TxnID:PO"/><TxnLineID useMacro="TxnLineID:L1"/></LinkToTxn>'
        "</ItemLineAdd></BillAdd></BillAddRq></QBXMLMsgsRq></QBXML>"
    )
    answers = parse_responses(seeded.process(message))
    assert [r.status_code for r in answers] == [0, 0]
    order = answers[0].records[0]
    bill = answers[1].records[0]
    assert bill["lines"][0]["item_full_name"] == "03:03-300"
    assert bill["linked_txns"][0]["txn_id"] == order["txn_id"]
