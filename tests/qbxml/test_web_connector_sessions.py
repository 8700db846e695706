"""Whole Web Connector sessions over real HTTP: a SOAP client built by zeep from Intuit's WSDL (the shared
one, so that our own description cannot hide a difference) calls the live server, and the simulated
QuickBooks answers the qbXML in between. One session goes through a client built from the WSDL we serve."""

from __future__ import annotations

from typing import Any

import pytest
import zeep

from qbxml.models import QbExchange, QbRequest, QbSession
from qbxml.simulator import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, QbxmlParseFailure, QuickBooksCompany
from tests.qbxml.helpers import CLIENT_VERSION, PASSWORD, USERNAME, item_of

pytestmark = pytest.mark.django_db(transaction=True)

BINDING = "{http://developer.intuit.com/}TroubleshootWebServiceFSSoap"
COMPANY_FILE = r"C:\Company Files\Main Company.qbw"


@pytest.fixture
def service(live_server, shared_wsdl):  # type: ignore[no-untyped-def]
    """The Web Connector's side of the WSDL, pointed at the live server's endpoint."""
    client = zeep.Client(str(shared_wsdl))
    yield client.create_service(BINDING, live_server.url + "/qbwc/")
    # Close the kept-alive HTTP connections: the server's request threads (and their database
    # connections) end with them, instead of outliving the test database.
    client.transport.session.close()


@pytest.fixture
def company() -> QuickBooksCompany:
    return QuickBooksCompany("Main Company")


class ZeepWebConnector:
    """The Web Connector's calls, one by one, through zeep. zeep reads an empty string element as None."""

    def __init__(self, service: Any, company: QuickBooksCompany, password: str = PASSWORD) -> None:
        self.service = service
        self.company = company
        self.password = password
        self.ticket = ""

    def open(self) -> str:
        """serverVersion, clientVersion, authenticate; returns authenticate's instruction ("" to work)."""
        assert self.service.serverVersion() == "1.0"
        assert (self.service.clientVersion(strVersion=CLIENT_VERSION) or "") == ""
        answer = self.service.authenticate(strUserName=USERNAME, strPassword=self.password)
        ticket, instruction = (list(answer) + [None, None])[:2]
        self.ticket = ticket or ""
        return instruction or ""

    def send(self, first: bool) -> str:
        return (
            self.service.sendRequestXML(
                ticket=self.ticket,
                strHCPResponse=self.company.host_response() if first else "",
                strCompanyFileName=COMPANY_FILE,
                qbXMLCountry="US",
                qbXMLMajorVers=13,
                qbXMLMinorVers=0,
            )
            or ""
        )

    def receive(self, response: str = "", hresult: str = "", message: str = "") -> int:
        return int(
            self.service.receiveResponseXML(ticket=self.ticket, response=response, hresult=hresult, message=message)
        )

    def exchange(self) -> list[int]:
        """sendRequestXML → QuickBooks → receiveResponseXML until done (100), an error (< 0) or no message."""
        progress: list[int] = []
        first = True
        while True:
            request = self.send(first)
            first = False
            if not request:
                break
            try:
                answer = self.company.process(request)
            except QbxmlParseFailure as failure:
                progress.append(self.receive(hresult=failure.hresult, message=failure.message))
            else:
                progress.append(self.receive(answer))
            if progress[-1] < 0 or progress[-1] >= 100:
                break
        return progress

    def last_error(self) -> str:
        return self.service.getLastError(ticket=self.ticket) or ""

    def close(self) -> str:
        self.company.end_session()
        return self.service.closeConnection(ticket=self.ticket) or ""


def test_a_session_with_work_reaches_100_and_quickbooks_holds_the_vendor(service, company, connection, queued_company):
    connector = ZeepWebConnector(service, company)

    assert connector.open() == "", "a ticket and the company file open in QuickBooks"
    progress = connector.exchange()
    summary = connector.close()

    assert progress and progress[-1] == 100
    assert all(0 <= percent <= 100 for percent in progress)
    vendor = company.find_list("Vendor", "Acme Concrete")
    assert vendor is not None and vendor.fields.get("Phone") == "217-555-0100"
    assert company.add_count("Vendor", "Acme Concrete") == 1
    item = item_of(queued_company)
    assert item.state == "synced" and item.qb_ref == vendor.list_id
    assert item.qb_edit_sequence == vendor.edit_sequence
    assert summary == "Synced 1 item(s), 0 failed."
    session = QbSession.objects.get()
    assert session.status == QbSession.Status.CLOSED and session.progress_percent == 100
    assert session.host_info["company_name"] == "Main Company"
    assert QbExchange.objects.filter(session=session).count() == 2, "the message and its answer, kept for the audit"
    connection.refresh_from_db()
    assert connection.company_name == "Main Company" and connection.qbxml_version in ("13.0", "16.0")


def test_a_client_built_from_the_wsdl_we_serve_syncs_through_the_address_it_names(
    live_server, company, connection, queued_company
):
    # A SOAP toolkit pointed at /qbwc/?wsdl takes the endpoint's address from the document itself.
    client = zeep.Client(live_server.url + "/qbwc/?wsdl")
    try:
        service = client.service
        assert service._binding.name.localname == "QBWebConnectorSvcSoap"
        assert service._binding_options["address"] == live_server.url + "/qbwc/"
        connector = ZeepWebConnector(service, company)
        assert connector.open() == ""
        progress = connector.exchange()
        assert connector.close() == "Synced 1 item(s), 0 failed."
    finally:
        client.transport.session.close()
    assert progress[-1] == 100
    assert item_of(queued_company).state == "synced"


def test_an_ended_ticket_is_refused_with_a_readable_error(service, company, connection, queued_company):
    connector = ZeepWebConnector(service, company)
    connector.open()
    connector.exchange()
    connector.close()

    assert connector.send(first=False) == ""
    assert "ended" in connector.last_error()
    assert connector.receive("<QBXML/>") < 0


def test_nothing_to_do_answers_none_and_leaves_no_session_open(service, company, connection):
    connector = ZeepWebConnector(service, company)

    assert connector.open() == "none"

    assert not QbSession.objects.filter(status=QbSession.Status.OPEN).exists()
    assert company.request_count("VendorAdd") == 0


def test_a_wrong_password_or_user_answers_nvu_and_opens_no_session(service, company, connection, queued_company):
    assert ZeepWebConnector(service, company, password="not the password").open() == "nvu"
    answer = service.authenticate(strUserName="nobody", strPassword=PASSWORD)
    assert [value or "" for value in answer][:2] == ["", "nvu"]

    assert not QbSession.objects.exists()
    assert item_of(queued_company).state == "queued"


def test_a_second_session_of_a_connection_while_one_runs_is_busy(service, company, connection, queued_company):
    running = ZeepWebConnector(service, company)
    assert running.open() == ""

    second = ZeepWebConnector(service, company)
    assert second.open() == "busy"
    assert second.ticket and second.ticket != running.ticket
    assert second.send(first=True) == "", "a busy answer's ticket opens nothing"
    assert QbSession.objects.filter(status=QbSession.Status.OPEN).count() == 1

    assert running.exchange()[-1] == 100
    running.close()
    assert item_of(queued_company).state == "synced"
    assert company.add_count("Vendor", "Acme Concrete") == 1


def test_a_message_quickbooks_cannot_parse_gets_a_negative_answer_and_get_last_error_tells_why(
    service, company, connection, queued_company
):
    connector = ZeepWebConnector(service, company)
    connector.open()
    request = connector.send(first=True)
    assert "VendorAdd" in request

    # What the Web Connector reports when QuickBooks refuses the whole document.
    percent = connector.receive(hresult=PARSE_ERROR_HRESULT, message=PARSE_ERROR_MESSAGE)
    error = connector.last_error()
    summary = connector.close()

    assert percent < 0
    assert PARSE_ERROR_HRESULT in error and PARSE_ERROR_MESSAGE in error
    assert PARSE_ERROR_MESSAGE in summary
    request_row = QbRequest.objects.get(item=item_of(queued_company))
    assert request_row.status == QbRequest.Status.READY, "sent again, alone, in the next session"
    assert request_row.parse_failures == 1
    assert item_of(queued_company).state == "queued"
    assert company.request_count("VendorAdd") == 0


def test_a_document_the_simulated_quickbooks_refuses_reports_its_hresult(service, company, connection, queued_company):
    """The same, with the parse failure coming from the simulator itself (a document with no version)."""
    connector = ZeepWebConnector(service, company)
    connector.open()
    request = connector.send(first=True)
    with pytest.raises(QbxmlParseFailure) as refused:
        company.process(request.replace('<?qbxml version="13.0"?>', "").replace('<?qbxml version="16.0"?>', ""))

    assert connector.receive(hresult=refused.value.hresult, message=refused.value.message) < 0
    assert refused.value.hresult in connector.last_error()
    connector.close()


def test_connection_error_answers_done_and_the_next_session_sends_the_work(
    service, company, connection, queued_company
):
    connector = ZeepWebConnector(service, company)
    connector.open()

    answer = service.connectionError(
        ticket=connector.ticket, hresult="0x80040408", message="Could not start QuickBooks."
    )

    assert answer == "done"
    assert QbSession.objects.get().status == QbSession.Status.FAILED
    connection.refresh_from_db()
    assert "Could not start QuickBooks" in connection.last_error

    again = ZeepWebConnector(service, company)
    assert again.open() == ""
    assert again.exchange()[-1] == 100
    again.close()
    assert item_of(queued_company).state == "synced"
    assert company.add_count("Vendor", "Acme Concrete") == 1
