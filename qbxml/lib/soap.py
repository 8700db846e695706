"""The Web Connector's SOAP 1.1 document/literal messages: bytes in, a call out; a result in, bytes out.

No Django here. The operations, element names and namespace are those of the Web Connector's WSDL
(namespace http://developer.intuit.com/); every answer, faults included, is a well-formed SOAP envelope.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from qbxml.lib.parse import QbxmlParseError, parse_xml

NS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"

# operation → its parameters, in the WSDL's order. Integers are typed s:int in the WSDL. The WSDL we serve,
# templates/qbxml/web_connector.wsdl, says the same; the endpoint's tests hold the two together.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "serverVersion": (),
    "clientVersion": ("strVersion",),
    "authenticate": ("strUserName", "strPassword"),
    "connectionError": ("ticket", "hresult", "message"),
    "sendRequestXML": (
        "ticket",
        "strHCPResponse",
        "strCompanyFileName",
        "qbXMLCountry",
        "qbXMLMajorVers",
        "qbXMLMinorVers",
    ),
    "receiveResponseXML": ("ticket", "response", "hresult", "message"),
    "getLastError": ("ticket",),
    "closeConnection": ("ticket",),
}
INTEGER_RESULTS = {"receiveResponseXML"}
ARRAY_RESULTS = {"authenticate"}

# Every parameter but a qbXML response is short; the response text is bounded by the body limit. The
# endpoint passes its own limit (the QBWC_MAX_BODY_MB setting); this default bounds what the Python Web
# Connector reads of the server's answers.
MAX_BODY_BYTES = 40 * 1024 * 1024


class SoapFault(Exception):
    """A request we cannot serve: answered with a SOAP fault (`soap:Client` blames the caller)."""

    def __init__(self, message: str, code: str = "soap:Client") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SoapCall:
    operation: str
    params: dict[str, str]


def parse_call(body: bytes, soap_action: str | None = None, max_bytes: int = MAX_BODY_BYTES) -> SoapCall:
    """Read a SOAP request. Dispatch is on the body element; a SOAPAction header, when given, must agree."""
    try:
        root = parse_xml(body, max_bytes=max_bytes, long_text=True)
    except QbxmlParseError as exc:
        raise SoapFault(f"The request is not a SOAP message we accept: {exc}.") from None
    if etree.QName(root).localname != "Envelope" or etree.QName(root).namespace not in (SOAP_NS, SOAP12_NS):
        raise SoapFault("The request is not a SOAP 1.1 envelope.")
    bodies = [child for child in root if etree.QName(child).localname == "Body"]
    if len(bodies) != 1:
        raise SoapFault("The SOAP envelope must have exactly one Body.")
    elements = [child for child in bodies[0] if isinstance(child.tag, str)]
    if len(elements) != 1:
        raise SoapFault("The SOAP Body must hold exactly one operation element.")
    element = elements[0]
    qname = etree.QName(element)
    if qname.namespace != NS or qname.localname not in OPERATIONS:
        raise SoapFault(f"Unknown operation {{{qname.namespace}}}{qname.localname}.")
    operation = qname.localname
    if soap_action:
        action = soap_action.strip().strip('"')
        if action and action not in (f"{NS}{operation}", operation):
            raise SoapFault(f"The SOAPAction {action!r} does not match the body's operation {operation}.")
    params: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        child_name = etree.QName(child)
        if child_name.localname in OPERATIONS[operation] and child_name.namespace in (NS, None):
            params[child_name.localname] = child.text or ""
    return SoapCall(operation, params)


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    return envelope, body


def _serialise(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def build_response(operation: str, result: str | int | list[str]) -> bytes:
    """The SOAP answer of `operation` carrying `result`."""
    envelope, body = _envelope()
    response = etree.SubElement(body, f"{{{NS}}}{operation}Response", nsmap={None: NS})
    result_element = etree.SubElement(response, f"{{{NS}}}{operation}Result")
    if operation in ARRAY_RESULTS:
        assert isinstance(result, list)
        for value in result:
            etree.SubElement(result_element, f"{{{NS}}}string").text = value
    elif operation in INTEGER_RESULTS:
        result_element.text = str(int(result))  # type: ignore[arg-type]
    else:
        result_element.text = str(result)
    return _serialise(envelope)


def build_fault(message: str, code: str = "soap:Server") -> bytes:
    envelope, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = message
    return _serialise(envelope)


def build_call(operation: str, params: dict[str, str | int]) -> bytes:
    """A SOAP request as the Web Connector sends it (used by our Web Connector simulator)."""
    envelope, body = _envelope()
    call = etree.SubElement(body, f"{{{NS}}}{operation}", nsmap={None: NS})
    for name in OPERATIONS[operation]:
        if name in params:
            etree.SubElement(call, f"{{{NS}}}{name}").text = str(params[name])
    return _serialise(envelope)


def parse_result(body: bytes, operation: str) -> str | int | list[str]:
    """Read our own answer back (for the Web Connector simulator); a fault raises SoapFault."""
    root = parse_xml(body, max_bytes=MAX_BODY_BYTES)
    fault = root.find(f".//{{{SOAP_NS}}}Fault")
    if fault is not None:
        raise SoapFault(fault.findtext("faultstring") or "SOAP fault", fault.findtext("faultcode") or "")
    result = root.find(f".//{{{NS}}}{operation}Result")
    if result is None:
        raise SoapFault(f"The answer has no {operation}Result.")
    if operation in ARRAY_RESULTS:
        return [child.text or "" for child in result]
    if operation in INTEGER_RESULTS:
        return int(result.text or "0")
    return result.text or ""
