"""A QuickBooks Web Connector, played in Python: it drives a server's SOAP endpoint over HTTP the way the
real one does, with a simulated QuickBooks company file answering the qbXML. No Django here.

    connector = WebConnector("http://127.0.0.1:8000/qbwc/", "qbuser", "secret", company)
    report = connector.run_session()
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from qbxml.lib import soap

CLIENT_VERSION = "2.3.0.215"


class Company(Protocol):
    """What the Web Connector needs of QuickBooks: the simulator provides it."""

    def host_response(self) -> str: ...

    def process(self, request: str | bytes) -> str: ...

    def end_session(self) -> None: ...


Transport = Callable[[str, bytes], bytes]


def http_transport(url: str, timeout: float = 120.0) -> Transport:
    """POST SOAP over HTTP(S), as the Web Connector does. A SOAP fault comes back as a body, not an error."""

    def post(operation: str, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the URL is the server the user points us at
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap.NS}{operation}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as error:
            return error.read()

    return post


@dataclass
class SessionReport:
    """What one session did, as the Web Connector's window would show it."""

    authenticated: str = ""  # the second element of authenticate's answer ("", path, none, nvu, busy)
    messages: int = 0
    requests: int = 0
    progress: list[int] = field(default_factory=list)
    last_error: str = ""
    closed_with: str = ""
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return bool(self.progress) and self.progress[-1] == 100


class WebConnector:
    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        company: Company,
        *,
        transport: Transport | None = None,
        company_file: str = r"C:\Company Files\Demo Construction.qbw",
        country: str = "US",
        log: Callable[[str], Any] = lambda line: None,
        noop_wait: float = 5.0,
        max_noops: int = 12,
    ) -> None:
        self.post = transport or http_transport(url)
        self.username = username
        self.password = password
        self.company = company
        self.company_file = company_file
        self.country = country
        self.log = log
        self.noop_wait = noop_wait
        self.max_noops = max_noops

    def call(self, operation: str, **params: Any) -> Any:
        return soap.parse_result(self.post(operation, soap.build_call(operation, params)), operation)

    def run_session(self, *, fail_to_open: tuple[str, str] | None = None) -> SessionReport:
        """One scheduled run: authenticate, exchange messages until done, close. `fail_to_open` plays a
        QuickBooks that cannot open the company file (hresult, message)."""
        started = time.perf_counter()
        report = SessionReport()
        self.call("serverVersion")
        answer = self.call("clientVersion", strVersion=CLIENT_VERSION)
        if str(answer).startswith("E:"):
            report.last_error = str(answer)[2:]
            return report
        ticket, instruction = (
            self.call("authenticate", strUserName=self.username, strPassword=self.password) + ["", ""]
        )[:2]
        report.authenticated = instruction
        if instruction in ("nvu", "none", "busy") or not ticket:
            self.log(f"authenticate: {instruction or 'refused'}")
            report.seconds = time.perf_counter() - started
            return report
        if fail_to_open is not None:
            report.closed_with = self.call(
                "connectionError", ticket=ticket, hresult=fail_to_open[0], message=fail_to_open[1]
            )
            report.seconds = time.perf_counter() - started
            return report
        first = True
        noops = 0
        try:
            while True:
                request = self.call(
                    "sendRequestXML",
                    ticket=ticket,
                    strHCPResponse=self.company.host_response() if first else "",
                    strCompanyFileName=self.company_file,
                    qbXMLCountry=self.country,
                    qbXMLMajorVers=13,
                    qbXMLMinorVers=0,
                )
                first = False
                if not request:
                    error = self.call("getLastError", ticket=ticket)
                    if error == "NoOp" and noops < self.max_noops:
                        noops += 1
                        time.sleep(self.noop_wait)
                        continue
                    report.last_error = error
                    break
                report.messages += 1
                report.requests += request.count("requestID=")
                percent = self._answer(ticket, request)
                report.progress.append(percent)
                self.log(f"message {report.messages}: {percent}%")
                if percent < 0:
                    report.last_error = self.call("getLastError", ticket=ticket)
                    self.log(f"error: {report.last_error}")
                    break
                if percent >= 100:
                    break
        finally:
            self.company.end_session()
        report.closed_with = self.call("closeConnection", ticket=ticket)
        report.seconds = time.perf_counter() - started
        self.log(report.closed_with)
        return report

    def _answer(self, ticket: str, request: str) -> int:
        try:
            response = self.company.process(request)
        except Exception as failure:  # the simulator's parse failure: what QuickBooks reports as an HRESULT
            hresult = getattr(failure, "hresult", None)
            if hresult is None:
                raise
            return int(
                self.call(
                    "receiveResponseXML",
                    ticket=ticket,
                    response="",
                    hresult=hresult,
                    message=getattr(failure, "message", str(failure)),
                )
            )
        return int(self.call("receiveResponseXML", ticket=ticket, response=response, hresult="", message=""))
