"""The Web Connector's SOAP messages without a server: what the endpoint reads is what the Python Web
Connector writes, and every answer, a fault included, reads back."""

from __future__ import annotations

import pytest
from lxml import etree

from qbxml.lib import soap

SAMPLE_PARAMS = {
    "strVersion": "2.3.0.215",
    "strUserName": "qbuser",
    "strPassword": "secret & <more>",
    "ticket": "T-1",
    "hresult": "0x80040408",
    "message": "Could not start QuickBooks.",
    "strHCPResponse": "<QBXML/>",
    "strCompanyFileName": r"C:\Company Files\Main.qbw",
    "qbXMLCountry": "US",
    "qbXMLMajorVers": 13,
    "qbXMLMinorVers": 0,
    "response": "<QBXML><QBXMLMsgsRs/></QBXML>",
}


@pytest.mark.parametrize("operation", list(soap.OPERATIONS))
def test_every_call_the_web_connector_makes_reads_back_with_its_parameters(operation):
    params = {name: SAMPLE_PARAMS[name] for name in soap.OPERATIONS[operation]}
    call = soap.parse_call(soap.build_call(operation, params), f'"{soap.NS}{operation}"')
    assert call == soap.SoapCall(operation, {name: str(value) for name, value in params.items()})


@pytest.mark.parametrize(
    "operation, result",
    [("serverVersion", "1.0"), ("authenticate", ["ticket-1", ""]), ("receiveResponseXML", 42), ("getLastError", "")],
)
def test_every_kind_of_answer_reads_back_as_it_was_given(operation, result):
    assert soap.parse_result(soap.build_response(operation, result), operation) == result


def test_a_fault_reads_back_as_a_soap_fault_with_its_code():
    with pytest.raises(soap.SoapFault) as raised:
        soap.parse_result(soap.build_fault("The server could not process the request.", "soap:Server"), "authenticate")
    assert raised.value.message == "The server could not process the request."
    assert raised.value.code == "soap:Server"


def test_a_soap_action_naming_another_operation_is_refused():
    with pytest.raises(soap.SoapFault, match="does not match"):
        soap.parse_call(soap.build_call("serverVersion", {}), f'"{soap.NS}closeConnection"')


def test_a_soap_12_envelope_is_read_like_a_soap_11_one():
    body = soap.build_call("getLastError", {"ticket": "T-1"}).replace(soap.SOAP_NS.encode(), soap.SOAP12_NS.encode())
    assert soap.SOAP12_NS.encode() in body
    assert soap.parse_call(body) == soap.SoapCall("getLastError", {"ticket": "T-1"})


def test_parameters_an_operation_does_not_take_are_left_out():
    body = soap.build_call("closeConnection", {"ticket": "T-1"}).replace(
        b"</ticket>", b"</ticket><strPassword>leaked</strPassword>"
    )
    assert b"<strPassword>leaked</strPassword>" in body
    assert soap.parse_call(body).params == {"ticket": "T-1"}


def test_the_answer_is_a_soap_11_envelope_in_the_web_connectors_namespace():
    root = etree.fromstring(soap.build_response("clientVersion", ""))
    assert root.tag == f"{{{soap.SOAP_NS}}}Envelope"
    assert root[0][0].tag == f"{{{soap.NS}}}clientVersionResponse"
