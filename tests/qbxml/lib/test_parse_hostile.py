"""Input from the network is hostile until parsed: each attack fails fast with QbxmlParseError."""

from __future__ import annotations

import time

import pytest

from qbxml.lib.parse import DEFAULT_MAX_BYTES, QbxmlParseError, iter_responses, parse_responses, parse_xml

XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE QBXML [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
    b'<QBXML><QBXMLMsgsRs><VendorQueryRs requestID="1" statusCode="0" statusSeverity="Info">'
    b"<VendorRet><Name>&leak;</Name></VendorRet></VendorQueryRs></QBXMLMsgsRs></QBXML>"
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE QBXML [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]><QBXML/>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b']><QBXML><QBXMLMsgsRs><HostQueryRs statusCode="0" statusSeverity="Info"><HostRet>'
    b"<ProductName>&lol9;</ProductName></HostRet></HostQueryRs></QBXMLMsgsRs></QBXML>"
)
DEEP = b"<QBXML>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</QBXML>"
INVALID_UTF8 = b'<?xml version="1.0" encoding="utf-8"?><QBXML><QBXMLMsgsRs>\xff\xfe\xc3\x28</QBXMLMsgsRs></QBXML>'
UTF16_XXE = (
    '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE QBXML [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
    "<QBXML>&leak;</QBXML>"
).encode("utf-16")
UNDECLARED_ENTITY = b"<QBXML><QBXMLMsgsRs>&leak;</QBXMLMsgsRs></QBXML>"
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 20

HOSTILE = {
    "external entity": XXE,
    "parameter entity over the network": XXE_PARAMETER,
    "billion laughs": LAUGHS,
    "100k-deep nesting": DEEP,
    "invalid UTF-8": INVALID_UTF8,
    "UTF-16 external entity": UTF16_XXE,
    "undeclared entity": UNDECLARED_ENTITY,
    "compressed body": GZIP,
    "empty body": b"  \n",
    "not XML": b"<<<>>>",
}


# Not a speed target (those live in bench/): a bound generous enough for any machine, so that an
# expanding entity or a parser that reads a huge body would show as a hang, not pass.
HANG = 10.0


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_refused_without_hanging_by_both_parsers(data):
    started = time.perf_counter()
    with pytest.raises(QbxmlParseError):
        parse_xml(data)
    with pytest.raises(QbxmlParseError):
        parse_responses(data)
    assert time.perf_counter() - started < HANG


def test_external_entity_never_reaches_the_output():
    try:
        parse_responses(XXE)
    except QbxmlParseError as error:
        assert "root:" not in str(error)
    else:  # pragma: no cover - the refusal above is the contract
        pytest.fail("a DOCTYPE was accepted")


def test_doctype_is_refused_even_when_the_byte_scan_cannot_see_it():
    # UTF-16 hides "<!DOCTYPE" from a byte search; the parser's own record of the DTD catches it.
    with pytest.raises(QbxmlParseError, match="DOCTYPE"):
        parse_responses(UTF16_XXE)
    with pytest.raises(QbxmlParseError, match="DOCTYPE"):
        parse_xml(UTF16_XXE)


def test_oversized_body_is_refused_before_parsing():
    body = b"<QBXML>" + b" " * (50 * 1024 * 1024) + b"</QBXML>"
    started = time.perf_counter()
    with pytest.raises(QbxmlParseError, match="limit"):
        parse_responses(body)
    with pytest.raises(QbxmlParseError, match="limit"):
        parse_xml(body)
    assert time.perf_counter() - started < HANG
    assert DEFAULT_MAX_BYTES < 50 * 1024 * 1024


def test_size_limit_is_adjustable():
    small = b'<QBXML><QBXMLMsgsRs><HostQueryRs statusCode="0" statusSeverity="Info"/></QBXMLMsgsRs></QBXML>'
    assert len(list(iter_responses(small, max_bytes=len(small)))) == 1
    with pytest.raises(QbxmlParseError, match="limit"):
        list(iter_responses(small, max_bytes=len(small) - 1))


def test_plain_parse_returns_the_root():
    root = parse_xml(b"<?xml version='1.0'?><!-- hello --><Envelope><Body>x</Body></Envelope>")
    assert root.tag == "Envelope" and root.findtext("Body") == "x"
    assert parse_xml("<?xml version='1.0' encoding='utf-16'?><a>\u00e9</a>").text == "\u00e9"


def test_a_large_page_is_read_whole():
    record = (
        b"<VendorRet><ListID>80000012-1711973002</ListID><EditSequence>1</EditSequence>"
        b"<Name>Vendor</Name><IsActive>true</IsActive><Balance>10.00</Balance></VendorRet>"
    )
    body = (
        b'<QBXML><QBXMLMsgsRs><VendorQueryRs requestID="1" statusCode="0" statusSeverity="Info" '
        b'iteratorRemainingCount="9" iteratorID="{x}">' + record * 10_000 + b"</VendorQueryRs></QBXMLMsgsRs></QBXML>"
    )
    (response,) = parse_responses(body)
    assert len(response.records) == 10_000 and response.has_more
    assert response.records[-1]["list_id"] == "80000012-1711973002"
