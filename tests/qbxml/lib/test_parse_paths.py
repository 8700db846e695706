"""The two ways `iter_responses` reads a document, what `only` reads, and where errors say they are.

Documents up to `WHOLE_DOCUMENT_BYTES` are parsed whole and walked; bigger ones, and small ones that fail
to parse whole, are streamed. Both ways must give the same answers, read the same subset with `only` and
name the same place when a value is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from qbxml.lib import parse
from qbxml.lib.parse import (
    DEFAULT_MAX_BYTES,
    QbxmlParseError,
    Response,
    Status,
    iter_responses,
    parse_responses,
    snake,
)
from tests.qbxml.lib.conftest import FIXTURES

FIXTURE_NAMES = sorted(path.name for path in FIXTURES.glob("*.xml"))
MODES = ("whole", "streamed")

# The end of each response of a document: its closing tag, or the end of an empty element.
_RESPONSE_END = re.compile(rb"</(?!QBXMLMsgsRs>)\w+Rs>|<(?!QBXMLMsgsRs\b)\w+Rs\b[^>]*/>")
_MESSAGES_BODY = re.compile(rb"<QBXMLMsgsRs>(.*)</QBXMLMsgsRs>", re.DOTALL)


def _load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _not_walked(*args: object) -> Iterator[Response]:
    raise AssertionError("the document was parsed whole where the test needs the streaming path")


def _not_streamed(*args: object, **kwargs: object) -> Any:
    raise AssertionError("the document was streamed where the test needs the whole-document path")


@contextmanager
def _forced(mode: str) -> Iterator[None]:
    """Send every document through one of the two ways, and fail if the other one is taken."""
    with pytest.MonkeyPatch.context() as patch:
        if mode == "streamed":
            patch.setattr(parse, "WHOLE_DOCUMENT_BYTES", 0)
            patch.setattr(parse, "_responses_of_tree", _not_walked)
        else:
            patch.setattr(parse, "WHOLE_DOCUMENT_BYTES", DEFAULT_MAX_BYTES)
            patch.setattr(parse.etree, "iterparse", _not_streamed)
        yield


def _read(document: bytes | str, mode: str, only: frozenset[str] | None = None) -> list[Response]:
    with _forced(mode):
        return list(iter_responses(document, only=only))


def _read_until_error(
    document: bytes, mode: str | None = None, only: frozenset[str] | None = None
) -> tuple[list[Response], QbxmlParseError]:
    """What iter_responses yields before it raises, and what it raises (`mode` None: its own choice)."""
    got: list[Response] = []
    with _forced(mode) if mode else nullcontext(), pytest.raises(QbxmlParseError) as raised:
        for response in iter_responses(document, only=only):
            got.append(response)
    return got, raised.value


def _document(*responses: str) -> bytes:
    return ('<?xml version="1.0" ?>\n<QBXML><QBXMLMsgsRs>' + "".join(responses) + "</QBXMLMsgsRs></QBXML>").encode()


def _closed_before(document: bytes, cut: int) -> int:
    return sum(1 for match in _RESPONSE_END.finditer(document) if match.end() <= cut)


# --------------------------------------------------------------------------------------------------
# A generated document with what QuickBooks sends: lines, group lines, references, nested and repeated
# aggregates, escapes, CDATA, empty elements, iterator pages, errors and warnings without records.


def _purchase_order_line(n: int, k: int) -> str:
    return (
        f"<PurchaseOrderLineRet><TxnLineID>{n:04X}-{k}</TxnLineID>"
        f"<ItemRef><ListID>8000{k:04d}-1711973004</ListID><FullName>03 Concrete:03-{k:03d}</FullName></ItemRef>"
        f"<Desc>Pour &amp; finish &lt;bay {k}&gt; caf\u00e9</Desc>"
        f"<Quantity>{k}.5</Quantity><Rate>100.25</Rate>"
        "<ClassRef><FullName>Cost types:Subcontract</FullName></ClassRef>"
        f"<Amount>{(n * 37 + k) % 5000}.{k:02d}</Amount>"
        "<CustomerRef><ListID>80000020-1711973003</ListID>"
        "<FullName>Big Builder Co:Main Street Lofts</FullName></CustomerRef>"
        f"<ServiceDate>2024-05-{k + 1:02d}</ServiceDate><ReceivedQuantity>0</ReceivedQuantity>"
        f"<IsBilled>{'true' if k % 2 else 'false'}</IsBilled><IsManuallyClosed>false</IsManuallyClosed>"
        f"<Other1></Other1><Other2/>"
        "</PurchaseOrderLineRet>"
    )


def _purchase_order(n: int) -> str:
    lines = "".join(_purchase_order_line(n, k) for k in range(n % 4))
    if n % 5 == 0:
        lines += (
            f"<PurchaseOrderLineGroupRet><TxnLineID>G{n}</TxnLineID>"
            "<ItemGroupRef><FullName>Rebar kit</FullName></ItemGroupRef><Desc>Rebar kit</Desc>"
            "<Quantity>1</Quantity><IsPrintItemsInGroup>false</IsPrintItemsInGroup><TotalAmount>10.00</TotalAmount>"
            + _purchase_order_line(n, 7)
            + "</PurchaseOrderLineGroupRet>"
        )
    memo = f"<Memo><![CDATA[Scope <{n}> & change]]></Memo>" if n % 3 else "<Memo/>"
    linked = "".join(
        f"<LinkedTxn><TxnID>BILL-{n}-{j}</TxnID><TxnType>Bill</TxnType><TxnDate>2024-06-0{j + 1}</TxnDate>"
        f"<LinkType>QUANTYPE</LinkType><Amount>-{j + 1}.00</Amount></LinkedTxn>"
        for j in range(n % 3)
    )
    return (
        f"<PurchaseOrderRet><TxnID>{n:04X}-1711973005</TxnID>"
        f"<TimeCreated>2024-04-01T09:03:25-05:00</TimeCreated><TimeModified>2024-04-02T10:00:00-05:00</TimeModified>"
        f"<EditSequence>{1711973005 + n}</EditSequence><TxnNumber>{n}</TxnNumber>"
        f"<VendorRef><ListID>80000012-1711973002</ListID><FullName>Vendor {n % 7} &amp; Sons</FullName></VendorRef>"
        "<VendorAddress><Addr1>Acme Concrete Inc</Addr1><City>Springfield</City><State>IL</State></VendorAddress>"
        f"<TxnDate>2024-02-{n % 28 + 1:02d}</TxnDate><RefNumber>SC-{n:05d}</RefNumber>"
        f"<ExpectedDate>2024-09-01</ExpectedDate><TotalAmount>{n}.50</TotalAmount>"
        f"<IsManuallyClosed>{'true' if n % 4 == 0 else 'false'}</IsManuallyClosed>{memo}"
        f"<DataExtRet><OwnerID>0</OwnerID><DataExtName>Job no</DataExtName><DataExtType>STR255TYPE</DataExtType>"
        f"<DataExtValue>J-{n}</DataExtValue></DataExtRet>"
        f"{linked}{lines}</PurchaseOrderRet>"
    )


def _generated_messages(responses: int, per_response: int) -> str:
    parts = []
    for r in range(responses):
        if r % 4 == 3:
            parts.append(
                f'<PurchaseOrderQueryRs requestID="g-{r}" statusCode="3140" statusSeverity="Error" '
                f'statusMessage="There is an invalid reference to &quot;Vendor {r}&quot;." />'
            )
            continue
        status = ' statusCode="500" statusSeverity="Warn"' if r % 4 == 2 else ' statusCode="0" statusSeverity="Info"'
        records = "".join(_purchase_order(r * per_response + i) for i in range(per_response))
        parts.append(
            f'<PurchaseOrderQueryRs requestID="g-{r}"{status} statusMessage="Status OK" '
            f'iteratorRemainingCount="{responses - r - 1}" iteratorID="{{it-{r}}}" retCount="{per_response}">'
            f"\n{records}\n</PurchaseOrderQueryRs>\n"
        )
    return "".join(parts)


GENERATED = _document(_generated_messages(12, 6))


def test_the_generated_document_reads_as_written():
    # The comparisons below are only as good as the document: check that it says what it means to.
    responses = parse_responses(GENERATED)
    assert [r.request_id for r in responses] == [f"g-{r}" for r in range(12)]
    assert [r.status_code for r in responses[:4]] == [0, 0, Status.WARNING, Status.INVALID_REFERENCE]
    assert responses[3].records == [] and responses[3].status_message == 'There is an invalid reference to "Vendor 3".'
    assert responses[0].iterator_remaining_count == 11 and responses[0].ret_count == 6 and responses[0].has_more
    order = responses[0].records[5]  # n = 5: one line of its own, a group line, two linked transactions
    assert order["txn_id"] == "0005-1711973005" and order["txn_number"] == 5
    assert order["vendor_full_name"] == "Vendor 5 & Sons" and order["memo"] == "Scope <5> & change"
    assert order["total_amount"] == Decimal("5.50") and order["is_manually_closed"] is False
    assert [line["txn_line_id"] for line in order["lines"]] == ["0005-0", "0005-7"]
    assert order["lines"][1]["amount"] == Decimal("192.07") and order["lines"][1]["is_billed"] is True
    assert order["lines"][0]["desc"] == "Pour & finish <bay 0> caf\u00e9"
    assert order["lines"][0]["service_date"] == date(2024, 5, 1) and order["lines"][0]["other1"] == ""
    assert [link["amount"] for link in order["linked_txns"]] == [Decimal("-1.00"), Decimal("-2.00")]
    assert order["data_ext"] == [
        {"owner_id": "0", "data_ext_name": "Job no", "data_ext_type": "STR255TYPE", "data_ext_value": "J-5"}
    ]
    assert responses[0].records[0]["memo"] == ""  # an empty <Memo/>


# --------------------------------------------------------------------------------------------------
# 1. Whole and streamed give the same answers


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_each_fixture_reads_the_same_whole_and_streamed(name):
    document = _load(name)
    whole = _read(document, "whole")
    streamed = _read(document, "streamed")
    assert whole, f"{name} has no responses"
    assert streamed == whole
    assert parse_responses(document) == whole  # the small document takes the whole path by itself
    # The SOAP layer hands documents over as text; the text takes the same two ways.
    text = document.decode("utf-8")
    assert _read(text, "streamed") == _read(text, "whole") == whole


def test_fixtures_are_present():
    # Without them the parametrized comparison above would pass by collecting nothing.
    assert len(FIXTURE_NAMES) >= 7


def test_the_size_limit_picks_the_way(monkeypatch):
    document = _load("export_responses.xml")
    walked: list[int] = []
    real_walk = parse._responses_of_tree

    def walk(root: Any, only: frozenset[str] | None) -> Iterator[Response]:
        walked.append(1)
        return real_walk(root, only)

    monkeypatch.setattr(parse, "_responses_of_tree", walk)
    monkeypatch.setattr(parse, "WHOLE_DOCUMENT_BYTES", len(document))  # "up to": a document of the limit
    whole = parse_responses(document)
    assert walked == [1]
    monkeypatch.setattr(parse, "WHOLE_DOCUMENT_BYTES", len(document) - 1)
    assert parse_responses(document) == whole
    assert walked == [1], "a document over the limit was parsed whole"


def test_the_whole_limit_is_four_megabytes():
    assert parse.WHOLE_DOCUMENT_BYTES == 4 * 1024 * 1024


def test_the_generated_document_reads_the_same_whole_and_streamed():
    whole = _read(GENERATED, "whole")
    assert len(whole) == 12 and sum(len(r.records) for r in whole) == 9 * 6
    assert _read(GENERATED, "streamed") == whole


def _big_document() -> tuple[bytes, list[Response]]:
    """Every fixture's responses and a generated page, repeated past WHOLE_DOCUMENT_BYTES, with the
    answers expected of it, read piece by piece from the small documents."""
    pieces = [_load(name) for name in FIXTURE_NAMES] + [GENERATED]
    bodies = []
    for piece in pieces:
        match = _MESSAGES_BODY.search(piece)
        assert match is not None
        bodies.append(match.group(1))
    unit = b"".join(bodies)
    expected_unit = [response for piece in pieces for response in _read(piece, "whole")]
    copies = parse.WHOLE_DOCUMENT_BYTES // len(unit) + 2
    document = b'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>' + unit * copies + b"</QBXMLMsgsRs>\n</QBXML>\n"
    return document, expected_unit * copies


@pytest.fixture(scope="module")
def big() -> tuple[bytes, list[Response]]:
    return _big_document()


def test_a_document_over_the_whole_limit_streams_end_to_end(big):
    document, expected = big
    assert parse.WHOLE_DOCUMENT_BYTES < len(document) < DEFAULT_MAX_BYTES
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_responses_of_tree", _not_walked)  # the limit alone must send it to streaming
        streamed = parse_responses(document)
    assert len(streamed) == len(expected)
    assert streamed == expected
    # And the same document read whole (the limit raised for the test) gives the same answers.
    assert _read(document, "whole") == expected


def test_a_document_over_the_whole_limit_reads_only_what_is_asked(big):
    document, _ = big
    only = frozenset({"TxnID", "VendorRef", "Amount", "VendorAddress"})
    pieces = [_load(name) for name in FIXTURE_NAMES] + [GENERATED]
    expected_unit = [response for piece in pieces for response in _read(piece, "whole", only)]
    streamed = list(iter_responses(document, only=only))
    assert streamed == expected_unit * (len(streamed) // len(expected_unit))
    assert len(streamed) % len(expected_unit) == 0 and len(streamed) > len(expected_unit)


# --------------------------------------------------------------------------------------------------
# 2. `only`

# Keys a record or a line has even when nothing is read, with their defaults.
RECORD_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(
        (
            "list_id",
            "txn_id",
            "edit_sequence",
            "time_created",
            "time_modified",
            "name",
            "full_name",
            "is_active",
            "parent_full_name",
            "parent_list_id",
            "ref_number",
            "txn_date",
            "vendor_full_name",
            "vendor_list_id",
            "customer_full_name",
            "customer_list_id",
            "memo",
            "total_amount",
        )
    ),
    "applied_to": [],
    "linked_txns": [],
}
LINE_DEFAULTS: dict[str, Any] = dict.fromkeys(
    (
        "txn_line_id",
        "item_full_name",
        "item_list_id",
        "class_full_name",
        "customer_full_name",
        "customer_list_id",
        "account_full_name",
        "desc",
        "memo",
        "amount",
    )
)
REPEATED_KEYS = {
    "AppliedToTxnRet": "applied_to",
    "LinkedTxn": "linked_txns",
    "DataExtRet": "data_ext",
    "SupportedQBXMLVersion": "supported_qbxml_versions",
}
TOTAL_TAGS = frozenset({"TotalAmount", "AmountDue", "CreditAmount", "Amount"})


def _keys_read(only: frozenset[str]) -> set[str]:
    keys = set()
    for tag in only:
        keys.add(REPEATED_KEYS.get(tag, snake(tag)))
        if tag.endswith("Ref"):
            prefix = snake(tag[: -len("Ref")])
            keys |= {f"{prefix}_list_id", f"{prefix}_full_name"}
    return keys


def _check_subset(
    full: dict[str, Any], partial: dict[str, Any], only: frozenset[str], defaults: dict[str, Any]
) -> None:
    """`partial` (read with `only`) holds what `full` holds for the tags in `only`, defaults for the rest."""
    read = _keys_read(only)
    assert set(partial) <= set(full), f"keys that a full read lacks: {set(partial) - set(full)}"
    for key, value in full.items():
        where = f"{full.get('type') or full.get('line_type')}.{key}"
        if key in ("type", "line_type"):
            assert partial[key] == value, where
        elif key == "lines":
            assert len(partial["lines"]) == len(value), f"{where}: lines are always read"
            for full_line, partial_line in zip(value, partial["lines"], strict=True):
                _check_subset(full_line, partial_line, only, LINE_DEFAULTS)
        elif key == "total_amount" and "lines" in full:
            # The record's total falls back on AmountDue, CreditAmount or Amount: exact when all or none
            # of them are read (the mixed cases are checked one by one below).
            if TOTAL_TAGS <= only:
                assert partial[key] == value, where
            elif not TOTAL_TAGS & only:
                assert partial[key] is None, where
        elif key in read:
            assert partial[key] == value, where
        elif key in defaults:
            assert partial[key] == defaults[key], f"{where} was not asked for"
        else:
            assert key not in partial, f"{where} was not asked for"


def _all_tags(document: bytes) -> frozenset[str]:
    return frozenset(str(element.tag) for element in etree.fromstring(document).iter() if isinstance(element.tag, str))


ONLY_SETS = {
    "nothing": frozenset(),
    "answers": frozenset(
        {"ListID", "TxnID", "EditSequence", "Name", "FullName", "RefNumber", "VendorRef", "CustomerRef"}
        | {"VendorAddress", "BillAddress", "Phone", "Email", "TxnLineID", "Desc"}
    ),
    "typed and nested": frozenset(
        {"IsActive", "TxnDate", "Sublevel", "TxnNumber", "IsBilled", "Quantity", "ServiceDate", "SalesAndPurchase"}
        | {"AppliedToTxnRet", "LinkedTxn", "DataExtRet", "ParentRef", "ItemRef", "AccountRef", "Memo"}
        | TOTAL_TAGS
    ),
    "host": frozenset({"SupportedQBXMLVersion", "ProductName", "AccountingPreferences", "CompanyName"}),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("only_name", sorted(ONLY_SETS))
@pytest.mark.parametrize("name", [*FIXTURE_NAMES, "generated"])
def test_only_reads_the_asked_tags_and_leaves_the_rest_at_their_defaults(name, only_name, mode):
    document = GENERATED if name == "generated" else _load(name)
    only = ONLY_SETS[only_name]
    full = _read(document, "whole")
    partial = _read(document, mode, only)
    assert len(partial) == len(full)
    for full_response, partial_response in zip(full, partial, strict=True):
        # What is about the response, not its records, is read whatever `only` says.
        assert (partial_response.request_id, partial_response.status_code, partial_response.ret_count) == (
            full_response.request_id,
            full_response.status_code,
            full_response.ret_count,
        )
        assert len(partial_response.records) == len(full_response.records)
        for full_record, partial_record in zip(full_response.records, partial_response.records, strict=True):
            _check_subset(full_record, partial_record, only, RECORD_DEFAULTS)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", [*FIXTURE_NAMES, "generated"])
def test_only_with_every_tag_of_the_document_reads_it_all(name, mode):
    document = GENERATED if name == "generated" else _load(name)
    assert _read(document, mode, _all_tags(document)) == _read(document, "whole")


@pytest.mark.parametrize("mode", MODES)
def test_only_on_a_purchase_order_and_its_lines(mode):
    only = frozenset({"TxnID", "VendorRef", "TxnDate", "Amount", "IsBilled"})
    full = {r.request_id: r for r in _read(_load("export_responses.xml"), "whole")}["q-108"].records[0]
    order = {r.request_id: r for r in _read(_load("export_responses.xml"), mode, only)}["q-108"].records[0]
    assert (order["type"], order["txn_id"], order["txn_date"]) == ("PurchaseOrder", "1A2B-1711973005", date(2024, 2, 1))
    # A reference in `only` gives its ListID and FullName, as in a full read.
    assert (order["vendor_full_name"], order["vendor_list_id"]) == ("Acme Concrete", "80000012-1711973002")
    assert (order["vendor_full_name"], order["vendor_list_id"]) == (full["vendor_full_name"], full["vendor_list_id"])
    # Standard keys not asked for stay None, other keys are absent.
    assert order["edit_sequence"] is None and order["ref_number"] is None and order["memo"] is None
    assert order["time_created"] is None and order["total_amount"] is None
    assert full["total_amount"] == Decimal("173000.50") and full["txn_number"] == 42
    for key in ("txn_number", "expected_date", "is_manually_closed", "is_to_be_printed"):
        assert key in full and key not in order, key
    # Lines are read although PurchaseOrderLineRet is not in `only`, and read with the same filter.
    assert [(line["line_type"], line["amount"], line["is_billed"]) for line in order["lines"]] == [
        ("PurchaseOrder", Decimal("125000.00"), False),
        ("PurchaseOrder", Decimal("48000.50"), False),
    ]
    for line, full_line in zip(order["lines"], full["lines"], strict=True):
        assert full_line["txn_line_id"] and line["txn_line_id"] is None
        assert full_line["item_full_name"] and line["item_full_name"] is None and line["customer_full_name"] is None
        assert "received_quantity" not in line and "is_manually_closed" not in line
        assert full_line["desc"] and line["desc"] is None


@pytest.mark.parametrize("mode", MODES)
def test_only_reads_named_aggregates_whole(mode):
    responses = {
        r.request_id: r for r in _read(_load("export_responses.xml"), mode, frozenset({"Name", "VendorAddress"}))
    }
    vendor = responses["q-102"].records[0]
    assert vendor["name"] == "Acme Concrete"
    assert vendor["vendor_address"] == {
        "addr1": "Acme Concrete Inc",
        "addr2": "1200 Industrial Way",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
    }
    assert vendor["list_id"] is None and vendor["is_active"] is None
    assert "vendor_address_block" not in vendor and "phone" not in vendor and "balance" not in vendor
    # A nested aggregate comes whole, references inside it flattened as usual.
    item = {r.request_id: r for r in _read(_load("export_responses.xml"), mode, frozenset({"SalesAndPurchase"}))}[
        "q-105"
    ].records[0]
    assert item["sales_and_purchase"]["expense_account_full_name"] == "Job Costs:Subcontracts"
    assert item["sales_and_purchase"]["purchase_cost"] == Decimal("0.00")
    assert item["full_name"] is None and "sublevel" not in item


@pytest.mark.parametrize("mode", MODES)
def test_only_reads_group_lines_and_journal_lines(mode):
    responses = {r.request_id: r for r in _read(_load("job_costs.xml"), mode, frozenset({"ItemRef", "Quantity"}))}
    grouped = responses["imp-bill-1"].records[0]
    assert [(line["line_type"], line["item_full_name"], line["quantity"]) for line in grouped["lines"]] == [
        ("Item", "05 Metals:05-120", Decimal("2"))
    ]
    assert grouped["lines"][0]["amount"] is None and "cost" not in grouped["lines"][0]
    assert grouped["vendor_full_name"] is None and grouped["total_amount"] is None
    journal = responses["imp-je-1"].records[0]
    assert [line["line_type"] for line in journal["lines"]] == ["JournalDebit", "JournalCredit"]
    assert all(line["amount"] is None and line["txn_line_id"] is None for line in journal["lines"])


@pytest.mark.parametrize("mode", MODES)
def test_only_and_the_total_fallback(mode):
    document = _load("query_statuses.xml")
    due = {r.request_id: r for r in _read(document, mode, frozenset({"AmountDue"}))}["look-2"].records
    assert [(bill["amount_due"], bill["total_amount"]) for bill in due] == [
        (Decimal("26970.04"), Decimal("26970.04")),
        (Decimal("100.00"), Decimal("100.00")),
    ]
    refs = {r.request_id: r for r in _read(document, mode, frozenset({"RefNumber"}))}["look-2"].records
    assert [(bill["ref_number"], bill["total_amount"]) for bill in refs] == [
        ("ACME-2024-00017", None),
        ("ACME-2024-000170", None),
    ]
    assert all("amount_due" not in bill for bill in refs)


@pytest.mark.parametrize("mode", MODES)
def test_tags_outside_only_are_not_read_at_all(mode):
    # Skipped means unread: a malformed value the caller did not ask for cannot stop the answer.
    document = _document(
        '<BillAddRs requestID="1" statusCode="0" statusSeverity="Info"><BillRet><TxnID>1B-1</TxnID>'
        "<AmountDue>12,50</AmountDue><TxnDate>yesterday</TxnDate>"
        "<ItemLineRet><TxnLineID>1B-2</TxnLineID><Amount>n/a</Amount></ItemLineRet></BillRet></BillAddRs>"
    )
    (response,) = _read(document, mode, frozenset({"TxnID", "TxnLineID"}))
    bill = response.records[0]
    assert bill["txn_id"] == "1B-1" and bill["lines"][0]["txn_line_id"] == "1B-2"
    assert bill["txn_date"] is None and bill["lines"][0]["amount"] is None
    with pytest.raises(QbxmlParseError, match="AmountDue"):
        _read(document, mode)


# --------------------------------------------------------------------------------------------------
# 3. Errors name the place


def _purchase_order_with(bad_line: str = "", bad_field: str = "") -> str:
    return (
        '<PurchaseOrderAddRs requestID="po" statusCode="0" statusSeverity="Info"><PurchaseOrderRet>'
        f"<TxnID>1A2B-1</TxnID><EditSequence>1</EditSequence>{bad_field}"
        "<VendorRef><FullName>Acme Concrete</FullName></VendorRef><TxnDate>2024-02-01</TxnDate>"
        "<PurchaseOrderLineRet><TxnLineID>1A2C-1</TxnLineID><Amount>1.00</Amount><IsBilled>false</IsBilled>"
        "<ServiceDate>2024-05-01</ServiceDate></PurchaseOrderLineRet>"
        f"<PurchaseOrderLineRet><TxnLineID>1A2D-1</TxnLineID>{bad_line}</PurchaseOrderLineRet>"
        "</PurchaseOrderRet></PurchaseOrderAddRs>"
    )


def _bill_with(body: str) -> str:
    return (
        '<BillQueryRs requestID="bill" statusCode="0" statusSeverity="Info"><BillRet><TxnID>1B-1</TxnID>'
        f"{body}</BillRet></BillQueryRs>"
    )


BAD_VALUES = {
    "line amount": (
        _purchase_order_with(bad_line="<Amount>12,50</Amount>"),
        "PurchaseOrderRet/PurchaseOrderLineRet/Amount",
        "'12,50' is not an amount",
    ),
    "line date": (
        _purchase_order_with(bad_line="<ServiceDate>2024-02-30</ServiceDate>"),
        "PurchaseOrderRet/PurchaseOrderLineRet/ServiceDate",
        "'2024-02-30' is not a date",
    ),
    "line boolean": (
        _purchase_order_with(bad_line="<IsBilled>yes</IsBilled>"),
        "PurchaseOrderRet/PurchaseOrderLineRet/IsBilled",
        "'yes' is not true or false",
    ),
    "line quantity": (
        _purchase_order_with(bad_line="<Quantity>1e3</Quantity>"),
        "PurchaseOrderRet/PurchaseOrderLineRet/Quantity",
        "'1e3' is not an amount",
    ),
    "record integer": (
        _purchase_order_with(bad_field="<TxnNumber>4x2</TxnNumber>"),
        "PurchaseOrderRet/TxnNumber",
        "'4x2' is not a whole number",
    ),
    "line in a group line": (
        _bill_with(
            "<ItemGroupLineRet><TxnLineID>G</TxnLineID><ItemGroupRef><FullName>Kit</FullName></ItemGroupRef>"
            "<ItemLineRet><TxnLineID>L1</TxnLineID><Amount>1.00</Amount></ItemLineRet>"
            "<ItemLineRet><TxnLineID>L2</TxnLineID><Cost>abc</Cost></ItemLineRet></ItemGroupLineRet>"
        ),
        "BillRet/ItemGroupLineRet/ItemLineRet/Cost",
        "'abc' is not an amount",
    ),
    "repeated aggregate": (
        _bill_with("<LinkedTxn><TxnID>PO-1</TxnID><TxnDate>31/03/2024</TxnDate></LinkedTxn>"),
        "BillRet/LinkedTxn/TxnDate",
        "'31/03/2024' is not a date",
    ),
    "deep integer": (
        '<ReceivePaymentQueryRs requestID="pay" statusCode="0" statusSeverity="Info"><ReceivePaymentRet>'
        "<TxnID>P-1</TxnID><CreditCardTxnInfo><CreditCardTxnInputInfo><CreditCardNumber>xxxx</CreditCardNumber>"
        "<ExpirationMonth>Dec</ExpirationMonth></CreditCardTxnInputInfo></CreditCardTxnInfo>"
        "</ReceivePaymentRet></ReceivePaymentQueryRs>",
        "ReceivePaymentRet/CreditCardTxnInfo/CreditCardTxnInputInfo/ExpirationMonth",
        "'Dec' is not a whole number",
    ),
    "nested boolean": (
        '<CustomerQueryRs requestID="c" statusCode="0" statusSeverity="Info"><CustomerRet><ListID>1</ListID>'
        "<AdditionalContactRef><ContactName>Main</ContactName><ContactValue>x</ContactValue></AdditionalContactRef>"
        "<ContactsRet><ListID>2</ListID><FirstName>Dana</FirstName><IsActive>maybe</IsActive></ContactsRet>"
        "</CustomerRet></CustomerQueryRs>",
        "CustomerRet/ContactsRet/IsActive",
        "'maybe' is not true or false",
    ),
}
GOOD_RESPONSE = (
    '<VendorAddRs requestID="first" statusCode="0" statusSeverity="Info"><VendorRet><ListID>80000012-1</ListID>'
    "<Name>Acme Concrete</Name><IsActive>true</IsActive></VendorRet></VendorAddRs>"
)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_value_deep_in_a_record_names_its_full_path(case, mode):
    response, path, complaint = case
    document = _document(GOOD_RESPONSE, response)
    got, error = _read_until_error(document, mode)
    message = str(error)
    assert f"{path}:" in message and complaint in message, message
    # What came before the bad value is still read, the same both ways.
    assert [r.request_id for r in got] == ["first"]
    assert got[0].records[0]["name"] == "Acme Concrete"
    with pytest.raises(QbxmlParseError, match=re.escape(path)):
        parse_responses(document)


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_value_in_a_line_is_found_when_only_asks_for_it(mode):
    document = _document(_purchase_order_with(bad_line="<Amount>12,50</Amount>"))
    _, error = _read_until_error(document, mode, frozenset({"Amount"}))
    assert "PurchaseOrderRet/PurchaseOrderLineRet/Amount:" in str(error)
    (response,) = _read(document, mode, frozenset({"TxnLineID"}))
    assert [line["txn_line_id"] for line in response.records[0]["lines"]] == ["1A2C-1", "1A2D-1"]


def test_a_bad_value_in_a_document_over_the_whole_limit_names_its_path(big):
    document, expected = big
    bad = _purchase_order_with(bad_line="<Amount>12,50</Amount>").encode()
    end = document.rindex(b"</QBXMLMsgsRs>")
    broken = document[:end] + bad + document[end:]
    assert len(broken) > parse.WHOLE_DOCUMENT_BYTES
    got, error = _read_until_error(broken)
    assert "PurchaseOrderRet/PurchaseOrderLineRet/Amount: '12,50' is not an amount" in str(error)
    assert got == expected


# --------------------------------------------------------------------------------------------------
# 4. Status codes


def _with_status(code: str, extra: str = "") -> bytes:
    return _document(f'<BillQueryRs requestID="s" statusCode="{code}" statusSeverity="Info"{extra}/>')


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("0", 0),
        ("3100", Status.NAME_IN_USE),
        (" 500 ", Status.WARNING),
        ("+1", Status.NO_MATCH),
        ("-1", -1),
        ("007", 7),
        ("\t3200\n", Status.STALE_EDIT_SEQUENCE),
        ("999999999999999999", 999_999_999_999_999_999),  # 18 digits, the most taken
        (" -999999999999999999", -999_999_999_999_999_999),
    ],
)
def test_status_codes_that_read(code, value, mode):
    (response,) = _read(_with_status(code), mode)
    assert response.status_code == value and type(response.status_code) is int


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "code",
    [
        "12a",
        "",
        "   ",
        "1234567890123456789",
        " 1234567890123456789 ",
        "1.0",
        "0x1F",
        "- 1",
        "+-1",
        "1 2",
        "３１００",
        "٣١٠٠",
    ],
)
def test_status_codes_that_do_not_read(code, mode):
    _, error = _read_until_error(_with_status(code), mode)
    message = str(error)
    assert "BillQueryRs/@statusCode" in message and "is not a whole number" in message, message
    assert repr(code.strip()) in message, message


@pytest.mark.parametrize("mode", MODES)
def test_iterator_counts_read_like_status_codes(mode):
    extra = ' iteratorRemainingCount=" 12 " retCount="3" iteratorID="{x}"'
    (response,) = _read(_with_status("0", extra), mode)
    assert (response.iterator_remaining_count, response.ret_count, response.has_more) == (12, 3, True)
    (empty,) = _read(_with_status("0", ' iteratorRemainingCount="" retCount=" "'), mode)
    assert empty.iterator_remaining_count is None and empty.ret_count is None
    _, error = _read_until_error(_with_status("0", ' iteratorRemainingCount="12a"'), mode)
    assert "BillQueryRs/@iteratorRemainingCount: '12a' is not a whole number" in str(error)
    _, error = _read_until_error(_with_status("0", ' retCount="1234567890123456789"'), mode)
    assert "BillQueryRs/@retCount" in str(error)


# --------------------------------------------------------------------------------------------------
# 5. A small document that fails to parse whole still yields what came before the problem


def _cuts(document: bytes) -> list[int]:
    ends = [match.end() for match in _RESPONSE_END.finditer(document)]
    around_ends = {cut for end in ends for cut in (end - 1, end, end + 1)}
    every_few = set(range(document.index(b"<QBXMLMsgsRs>") + 1, len(document) - len(b"</QBXML>"), 97))
    return sorted(cut for cut in around_ends | every_few if cut < document.rindex(b"</QBXML>"))


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_a_truncated_document_yields_every_response_closed_before_the_cut(name):
    document = _load(name)
    full = parse_responses(document)
    assert len(full) == _closed_before(document, len(document))  # the pattern finds every response
    for cut in _cuts(document):
        truncated = document[:cut]
        expected = full[: _closed_before(document, cut)]
        got, error = _read_until_error(truncated)
        assert got == expected, f"cut at {cut}: {truncated[-40:]!r}"
        assert "not well-formed" in str(error), f"cut at {cut}: {error}"
        with pytest.raises(QbxmlParseError, match="not well-formed"):
            parse_responses(truncated)


def test_a_truncated_document_read_with_only_yields_the_filtered_responses():
    document = _load("export_responses.xml")
    only = frozenset({"TxnID", "ListID", "TxnLineID"})
    cut = document.index(b"<BillAddRs")  # every response but the last one is closed
    got, _ = _read_until_error(document[:cut], only=only)
    assert got == list(iter_responses(document, only=only))[:-1]
    assert got[-2].records[0]["txn_id"] == "1A2B-1711973005" and got[-2].records[0]["ref_number"] is None


def test_a_syntax_error_midway_yields_the_responses_before_it():
    document = _load("export_responses.xml")
    broken = document.replace(b'<CustomerAddRs requestID="q-104"', b'<CustomerAddRs requestID="q-104" <', 1)
    assert broken != document and len(broken) <= parse.WHOLE_DOCUMENT_BYTES
    with pytest.raises(QbxmlParseError):
        parse.parse_xml(broken)  # the whole parse fails, so this is the fallback at work
    got, error = _read_until_error(broken)
    assert got == parse_responses(document)[:3]
    assert [r.request_id for r in got] == ["q-101", "q-102", "q-103"]
    assert "not well-formed" in str(error)
    with pytest.raises(QbxmlParseError, match="not well-formed"):
        parse_responses(broken)


def test_a_truncated_document_over_the_whole_limit_yields_what_came_before(big):
    document, expected = big
    cut = len(document) // 2
    got, error = _read_until_error(document[:cut])
    closed = _closed_before(document, cut)
    assert 0 < closed < len(expected)
    assert len(got) == closed and got == expected[:closed]
    assert "not well-formed" in str(error)
