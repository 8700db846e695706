"""Shared helpers of the Web Connector session tests: a Web Connector that talks to the Django test client
or to a live server, the simulated QuickBooks company, fault doubles, and the workflow steps that queue an
item for QuickBooks.

Plain functions and classes, no fixtures: the test modules import what they use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db_connection
from django.db.models import Model
from django.test import Client

from erp_integrations import services as erp
from erp_integrations.models import ErpItem
from procore_sync import models as ps
from qbxml.lib import soap
from qbxml.lib.webconnector import CLIENT_VERSION, SessionReport, Transport, WebConnector
from qbxml.models import QbRequest
from qbxml.simulator import QbxmlParseFailure, QuickBooksCompany
from tests.factories import CompanyFactory, commitment_with_lines, invoice_for
from tests.qbxml.conftest import PASSWORD

USERNAME = "qbuser"
SCHEMA_ENV = "QBXML_SCHEMA_DIR"

__all__ = [
    "CLIENT_VERSION",
    "PASSWORD",
    "USERNAME",
    "ManualSession",
    "RefusingCompany",
    "SCHEMA_ENV",
    "client_transport",
    "connector_for",
    "item_of",
    "queue_for_quickbooks",
    "requests_of",
    "schema_dir_or_skip",
    "shared_in_memory_sqlite",
    "sync_until_nothing_to_do",
]


def schema_dir_or_skip() -> Path:
    """Intuit's qbXML schemas, for a simulator that refuses every invalid request as QuickBooks does."""
    value = os.environ.get(SCHEMA_ENV, "").strip()
    if not value:
        pytest.skip(
            f"{SCHEMA_ENV} is not set: point it at ../shared/qbxml-schema to have the simulated QuickBooks "
            "validate every request against Intuit's XSD (the strict CI run sets it)"
        )
    directory = Path(value)
    if not (directory / "qbxmlops130.xsd").is_file():
        pytest.fail(f"{SCHEMA_ENV}={value} holds no qbxmlops130.xsd")
    return directory


def shared_in_memory_sqlite() -> bool:
    """Whether the test database is SQLite in memory: the live server then shares one connection (the
    test's) with all its request threads, so calls must not overlap."""
    return db_connection.vendor == "sqlite" and db_connection.is_in_memory_db()


# --- reaching the endpoint ---------------------------------------------------------------------------


def client_transport(client: Client, calls: list[str] | None = None) -> Transport:
    """POST SOAP through the Django test client, as the Web Connector posts over HTTP."""

    def post(operation: str, body: bytes) -> bytes:
        if calls is not None:
            calls.append(operation)
        response = client.post(
            "/qbwc/",
            data=body,
            content_type="text/xml; charset=utf-8",
            HTTP_SOAPACTION=f'"{soap.NS}{operation}"',
        )
        return response.content

    return post


def connector_for(
    company: Any,
    *,
    client: Client | None = None,
    url: str = "http://testserver/qbwc/",
    username: str = USERNAME,
    password: str = PASSWORD,
    transport: Transport | None = None,
) -> WebConnector:
    """A Web Connector for `company`; through the test client unless a URL with no client is given."""
    if transport is None and client is not None:
        transport = client_transport(client)
    return WebConnector(url, username, password, company, transport=transport, noop_wait=0.0, max_noops=2)


def sync_until_nothing_to_do(connector: WebConnector, max_sessions: int = 12) -> list[SessionReport]:
    """Run scheduled sessions until authenticate answers "none"; fail if the queue never empties."""
    reports = []
    for _ in range(max_sessions):
        report = connector.run_session()
        reports.append(report)
        if report.authenticated == "none":
            return reports
        assert report.authenticated == "", f"authenticate answered {report.authenticated!r}"
    raise AssertionError(f"still work to do after {max_sessions} sessions: {reports}")


class ManualSession:
    """One Web Connector session driven call by call, to stop it anywhere or resend a call."""

    def __init__(self, connector: WebConnector) -> None:
        self.connector = connector
        self.ticket = ""
        self.first = True

    def open(self) -> str:
        """serverVersion, clientVersion and authenticate; returns authenticate's instruction."""
        call = self.connector.call
        call("serverVersion")
        call("clientVersion", strVersion=CLIENT_VERSION)
        self.ticket, instruction = (
            call("authenticate", strUserName=self.connector.username, strPassword=self.connector.password) + ["", ""]
        )[:2]
        return instruction

    def send(self) -> str:
        """sendRequestXML: the next qbXML message ("" when there is none)."""
        request = self.connector.call(
            "sendRequestXML",
            ticket=self.ticket,
            strHCPResponse=self.connector.company.host_response() if self.first else "",
            strCompanyFileName=self.connector.company_file,
            qbXMLCountry="US",
            qbXMLMajorVers=13,
            qbXMLMinorVers=0,
        )
        self.first = False
        return str(request)

    def receive(self, response: str) -> int:
        return int(
            self.connector.call("receiveResponseXML", ticket=self.ticket, response=response, hresult="", message="")
        )

    def last_error(self) -> str:
        return str(self.connector.call("getLastError", ticket=self.ticket))

    def close(self) -> str:
        self.connector.company.end_session()
        return str(self.connector.call("closeConnection", ticket=self.ticket))


# --- the simulated QuickBooks, with faults -----------------------------------------------------------


class RefusingCompany:
    """A QuickBooks company file that cannot parse any request document containing `marker` (a poison
    record), as QuickBooks answers a document it cannot read: the Web Connector reports 0x80040400."""

    def __init__(self, company: QuickBooksCompany, marker: str) -> None:
        self.company = company
        self.marker = marker
        self.refused: list[str] = []
        self.documents: list[str] = []

    def host_response(self) -> str:
        return self.company.host_response()

    def end_session(self) -> None:
        self.company.end_session()

    def process(self, request: str | bytes) -> str:
        text = request.decode("utf-8") if isinstance(request, bytes) else request
        self.documents.append(text)
        if self.marker in text:
            self.refused.append(text)
            raise QbxmlParseFailure(detail=f"a poison record ({self.marker}) QuickBooks cannot read")
        return self.company.process(request)


# --- the workflow ------------------------------------------------------------------------------------


def item_of(record: Model) -> ErpItem:
    return ErpItem.objects.get(pk=erp.item_for(record).pk)


def queue_for_quickbooks(records: Iterable[Model], pm: Any, approver: Any, **options: Any) -> list[ErpItem]:
    """Send and accept each record, in the order given (dependencies first)."""
    items = []
    for record in records:
        erp.item_send(record, pm)
        erp.item_accept(record, approver, options or None)
        items.append(item_of(record))
    return items


def requests_of(item: ErpItem | Model, **filters: Any) -> list[QbRequest]:
    item_id = item.pk if isinstance(item, ErpItem) else erp.item_for(item).pk
    return list(QbRequest.objects.filter(item_id=item_id, **filters).order_by("id"))


CHAIN_VENDOR = "Acme Concrete"
CHAIN_PHONE = "217-555-0100"


@dataclass
class Chain:
    """A vendor, a job, cost codes, a purchase order and (optionally) a bill: one of each kind of record."""

    vendor: ps.Company
    project: ps.Project
    cost_codes: list[ps.CostCode]
    commitment: ps.Commitment
    invoice: ps.SubcontractorInvoice | None

    @property
    def job(self) -> str:
        return f"{self.project.owner.name}:{self.project.number} {self.project.name}"

    def item_names(self) -> list[str]:
        return [f"{code.division.code}:{code.code}" for code in self.cost_codes]

    def records(self) -> list[Any]:
        return [*self.cost_codes, self.vendor, self.project, self.commitment, *([self.invoice] if self.invoice else [])]


def queued_chain(pm: Any, approver: Any, *, invoice: bool = True) -> Chain:
    """One record of each kind, accepted and queued for QuickBooks."""
    vendor = CompanyFactory(name=CHAIN_VENDOR, phone=CHAIN_PHONE)
    commitment = commitment_with_lines(2, vendor=vendor, number="SC-001")
    chain = Chain(
        vendor=vendor,
        project=commitment.project,
        cost_codes=[line.cost_code for line in commitment.lines.order_by("line_number")],
        commitment=commitment,
        invoice=invoice_for(commitment, number="INV-001") if invoice else None,
    )
    queue_for_quickbooks(chain.records(), pm, approver)
    return chain


def play_session(session: ManualSession, company: Any, *, stop_after: int | None = None) -> list[str]:
    """Open a session and play its messages to the end (or stop after `stop_after` of them, the Web Connector
    dying there); returns the messages."""
    assert session.open() == ""
    messages = []
    while stop_after is None or len(messages) < stop_after:
        message = session.send()
        if not message:
            break
        messages.append(message)
        if session.receive(company.process(message)) == 100:
            break
    if stop_after is None:
        session.close()
    else:
        company.end_session()
    return messages
