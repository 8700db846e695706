"""The SOAP endpoint as the Web Connector sees it: the shared WSDL's client, and whatever else arrives."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from lxml import etree

from qbxml.lib import soap
from qbxml.lib.webconnector import http_transport
from qbxml.models import QbSession
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import ManualSession, connector_for, item_of, queue_for_quickbooks

pytestmark = pytest.mark.django_db


def post(client: Client, body: bytes | str, action: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_SOAPACTION": f'"{soap.NS}{action}"'} if action else {}
    return client.post("/qbwc/", data=body, content_type="text/xml; charset=utf-8", **headers)


def call(client: Client, operation: str, **params):  # type: ignore[no-untyped-def]
    response = post(client, soap.build_call(operation, params), operation)
    assert response["Content-Type"].startswith("text/xml")
    return soap.parse_result(response.content, operation)


def fault_of(response) -> str:  # type: ignore[no-untyped-def]
    root = etree.fromstring(response.content)
    fault = root.find(f".//{{{soap.SOAP_NS}}}Fault")
    assert fault is not None, response.content
    return fault.findtext("faultstring") or ""


WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
WSDL_SOAP = "{http://schemas.xmlsoap.org/wsdl/soap/}"
XS = "{http://www.w3.org/2001/XMLSchema}"
WSDL_TEMPLATE = "qbxml/web_connector.wsdl"


def _qname(element: etree._Element, prefixed: str) -> str:
    prefix, _, local = prefixed.rpartition(":")
    return f"{{{element.nsmap[prefix or None]}}}{local}"


def _types(root: etree._Element) -> dict[str, list[tuple[str, ...]]]:
    """Each element and named type of the schema: what it holds as (name, type, minOccurs, maxOccurs,
    nillable), in order."""
    return {
        node.get("name"): [
            (
                child.get("name"),
                _qname(child, child.get("type")),
                child.get("minOccurs"),
                child.get("maxOccurs"),
                child.get("nillable", "false"),
            )
            for child in node.iter(f"{XS}element")
            if child is not node
        ]
        for node in root.find(f"{WSDL}types/{XS}schema")
        if isinstance(node.tag, str) and node.get("name")
    }


def _soap_actions(root: etree._Element) -> dict[str, tuple[str, str]]:
    """SOAPAction and style of each operation of the SOAP 1.1 binding."""
    actions = {}
    for binding in root.iterfind(f"{WSDL}binding"):
        if binding.find(f"{WSDL_SOAP}binding") is None:
            continue
        for operation in binding.iterfind(f"{WSDL}operation"):
            soap_operation = operation.find(f"{WSDL_SOAP}operation")
            actions[operation.get("name")] = (soap_operation.get("soapAction"), soap_operation.get("style"))
    return actions


def test_the_wsdl_is_the_template_with_the_address_of_this_server(client):
    response = client.get("/qbwc/?wsdl")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.decode() == render_to_string(WSDL_TEMPLATE, {"address": "http://testserver/qbwc/"})
    root = etree.fromstring(response.content)
    service = root.find(f"{WSDL}service")
    assert service.get("name") == "QBWebConnectorSvc"
    assert service.find(f"{WSDL}port").get("binding") == "tns:QBWebConnectorSvcSoap"
    assert service.find(f"{WSDL}port/{WSDL_SOAP}address").get("location") == "http://testserver/qbwc/"


def test_the_wsdl_offers_the_eight_operations_of_intuits_with_the_same_messages(client, shared_wsdl):
    ours = etree.fromstring(client.get("/qbwc/?wsdl").content)
    intuits = etree.parse(str(shared_wsdl)).getroot()
    operations = [operation.get("name") for operation in ours.iterfind(f"{WSDL}portType/{WSDL}operation")]
    assert len(operations) == 8
    assert set(operations) == {o.get("name") for o in intuits.iterfind(f"{WSDL}portType/{WSDL}operation")}
    assert _types(ours) == _types(intuits)
    assert _soap_actions(ours) == _soap_actions(intuits)


def test_the_wsdl_describes_the_messages_the_endpoint_reads_and_writes(client):
    elements = _types(etree.fromstring(client.get("/qbwc/?wsdl").content))
    for operation, params in soap.OPERATIONS.items():
        assert [name for name, *_ in elements[operation]] == list(params)
        [(_, result_type, *_)] = elements[f"{operation}Response"]
        if operation in soap.ARRAY_RESULTS:
            assert result_type == f"{{{soap.NS}}}ArrayOfString"
        elif operation in soap.INTEGER_RESULTS:
            assert result_type == f"{XS}int"
        else:
            assert result_type == f"{XS}string"


@pytest.mark.parametrize("address", ["https://bridge.example.com/qbwc/", 'http://h/q?a=1&b=<2>\'"x"'])
def test_the_wsdl_template_escapes_the_address(address):
    root = etree.fromstring(render_to_string(WSDL_TEMPLATE, {"address": address}).encode())
    assert root.find(f"{WSDL}service/{WSDL}port/{WSDL_SOAP}address").get("location") == address


def test_server_and_client_versions(client):
    assert call(client, "serverVersion") == "1.0"
    assert call(client, "clientVersion", strVersion="2.3.0.215") == ""
    assert call(client, "clientVersion", strVersion="2.0.0.1") == "O:2.1.0"


def test_a_wrong_password_gets_nvu(client, connection):
    assert call(client, "authenticate", strUserName="qbuser", strPassword="wrong") == ["", "nvu"]
    assert call(client, "authenticate", strUserName="nobody", strPassword=PASSWORD) == ["", "nvu"]
    connection.refresh_from_db()
    assert "wrong password" in connection.last_error


def test_nothing_to_do_gets_none_and_no_session_stays_open(client, connection):
    ticket, instruction = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    assert instruction == "none" and ticket
    assert not QbSession.objects.filter(status="open").exists()


def test_work_gets_a_ticket_for_the_open_company_file(client, connection, queued_company):
    ticket, instruction = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    assert instruction == "" and len(ticket) > 30
    session = QbSession.objects.get(status="open")
    assert session.ticket_hash != ticket, "tickets are stored hashed"


def test_a_second_session_while_one_runs_is_busy(client, connection, queued_company):
    first = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    second = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    assert first[1] == "" and second[1] == "busy"
    assert second[0] != first[0]


def test_a_session_that_stopped_calling_gives_way_to_a_new_one(client, connection, queued_company, settings):
    settings.QBWC_SESSION_IDLE_SECONDS = 0
    call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    ticket, instruction = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    assert instruction == ""
    assert QbSession.objects.filter(status="expired").count() == 1


def test_connection_error_ends_the_session_with_done(client, connection, queued_company):
    ticket, _ = call(client, "authenticate", strUserName="qbuser", strPassword=PASSWORD)
    answer = call(client, "connectionError", ticket=ticket, hresult="0x80040408", message="Could not start QuickBooks.")
    assert answer == "done"
    connection.refresh_from_db()
    assert "Could not start QuickBooks" in connection.last_error
    assert QbSession.objects.get().status == "failed"


def test_an_unknown_ticket_is_refused_with_a_readable_error(client, connection):
    assert (
        call(
            client,
            "sendRequestXML",
            ticket="forged",
            strHCPResponse="",
            strCompanyFileName="",
            qbXMLCountry="US",
            qbXMLMajorVers=13,
            qbXMLMinorVers=0,
        )
        == ""
    )
    assert "not known" in call(client, "getLastError", ticket="forged")
    assert call(client, "receiveResponseXML", ticket="forged", response="<QBXML/>", hresult="", message="") == -1


def test_the_soap_action_header_must_agree_with_the_body(client):
    response = post(client, soap.build_call("serverVersion", {}), "closeConnection")
    assert response.status_code == 500
    assert "does not match" in fault_of(response)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "empty"),
        (b"not xml at all", "not"),
        (b"<a><b></a>", "well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<authenticate xmlns="http://developer.intuit.com/"><strUserName>&e;</strUserName></authenticate>'
            b"</soap:Body></soap:Envelope>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<lolz>&lol2;</lolz>",
            "DOCTYPE",
        ),
        (b"<a>" * 100_000 + b"</a>" * 100_000, "not"),
        (b'<?xml version="1.0" encoding="utf-8"?><x>\xff\xfe\xfd</x>', "not"),
        (
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<deleteEverything xmlns="http://developer.intuit.com/"/></soap:Body></soap:Envelope>',
            "Unknown operation",
        ),
        (b"<Envelope><Body/></Envelope>", "SOAP"),
    ],
    ids=[
        "empty",
        "text",
        "malformed",
        "xxe",
        "billion-laughs",
        "deep-nesting",
        "invalid-utf8",
        "unknown-op",
        "not-soap",
    ],
)
def test_hostile_or_broken_input_gets_a_soap_fault_and_reads_no_file(client, body, words):
    response = post(client, body)
    assert response.status_code == 500
    message = fault_of(response)
    assert words.lower() in message.lower()
    assert b"root:" not in response.content


def test_a_fifty_megabyte_body_is_refused_before_it_is_parsed(client):
    body = b"<a>" + b"x" * (50 * 1024 * 1024) + b"</a>"
    response = post(client, body)
    assert response.status_code == 413
    assert "this server takes at most 41,943,040" in fault_of(response)


def test_an_unexpected_server_error_is_a_soap_fault_not_a_page(client, connection, monkeypatch):
    from qbxml import services

    def explode(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "authenticate", explode)
    response = post(client, soap.build_call("authenticate", {"strUserName": "qbuser", "strPassword": PASSWORD}))
    assert response.status_code == 500
    assert "could not process" in fault_of(response)
    assert b"database on fire" not in response.content


def test_the_qwc_file_names_the_connection_and_never_its_password(client, connection, erp_admin):
    client.force_login(erp_admin)
    response = client.get(f"/qbwc/connections/{connection.pk}/app.qwc")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.findtext("AppName") == "QuickBooks Desktop bridge - Main company"
    assert root.findtext("AppURL") == "http://testserver/qbwc/"
    assert root.findtext("AppSupport") == "http://testserver/"
    assert root.findtext("UserName") == "qbuser"
    assert root.findtext("QBType") == "QBFS"
    assert root.findtext("OwnerID").strip("{}").lower() == str(connection.owner_id)
    assert root.findtext("FileID").strip("{}").lower() == str(connection.file_id)
    assert root.findtext("Scheduler/RunEveryNMinutes") == "60"
    assert PASSWORD.encode() not in response.content
    assert b"password" not in response.content.lower()


def test_the_qwc_file_needs_an_erp_admin(client, connection, approver):
    client.force_login(approver)
    assert client.get(f"/qbwc/connections/{connection.pk}/app.qwc").status_code == 403


# --- large calls ---------------------------------------------------------------------------------------


def test_an_answer_of_ten_megabytes_is_read_and_applied_in_full(pm, approver, connection, client):
    """Far over Django's form limit (2.5 MB), under the endpoint's own."""
    vendors = [CompanyFactory(name=f"Large Answer Vendor {n}") for n in range(30)]
    queue_for_quickbooks(vendors, pm, approver)
    company = QuickBooksCompany("Main Company")
    session = ManualSession(connector_for(company, client=client))
    session.open()
    answer = company.process(session.send())
    # QuickBooks' answers are large by their many records, never by one text: pad with many small parts.
    padding = ("<!-- " + "x" * 1024 + " -->\n") * (10 * 1024)
    padded = answer.replace("</QBXMLMsgsRs>", padding + "</QBXMLMsgsRs>")
    assert len(padded.encode()) > 10 * 1024 * 1024

    assert session.receive(padded) == 100

    assert {item_of(vendor).state for vendor in vendors} == {"synced"}


def test_a_call_over_the_limit_gets_a_soap_fault_and_the_session_goes_on(pm, approver, connection, client, settings):
    settings.QBWC_MAX_BODY_BYTES = 1024 * 1024
    vendor = CompanyFactory(name="Too Large Answer Vendor")
    queue_for_quickbooks([vendor], pm, approver)
    company = QuickBooksCompany("Main Company")
    session = ManualSession(connector_for(company, client=client))
    session.open()
    answer = company.process(session.send())
    padded = answer.replace("</QBXMLMsgsRs>", "<!-- " + "x" * (2 * 1024 * 1024) + " --></QBXMLMsgsRs>")

    envelope = soap.build_call("receiveResponseXML", {"ticket": session.ticket, "response": padded})
    response = client.post("/qbwc/", data=envelope, content_type="text/xml; charset=utf-8")

    assert response.status_code == 413
    with pytest.raises(soap.SoapFault, match="this server takes at most 1,048,576"):
        soap.parse_result(response.content, "receiveResponseXML")
    assert item_of(vendor).state == "queued", "nothing of it was applied"
    assert session.receive(answer) == 100, "the same answer, within the limit, is applied"
    assert item_of(vendor).state == "synced"


def test_over_http_a_client_still_sending_a_large_body_reads_the_fault_not_a_broken_pipe(live_server, settings):
    settings.QBWC_MAX_BODY_BYTES = 1024 * 1024
    envelope = soap.build_call("receiveResponseXML", {"ticket": "t", "response": "x" * (6 * 1024 * 1024)})

    body = http_transport(live_server.url + "/qbwc/")("receiveResponseXML", envelope)

    with pytest.raises(soap.SoapFault, match="this server takes at most 1,048,576"):
        soap.parse_result(body, "receiveResponseXML")
