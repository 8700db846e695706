"""The Web Connector's endpoint: SOAP in, a service call, SOAP out. Nothing but SOAP ever goes back."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

from access import permissions
from access.permissions import Action
from config.client_ip import client_ip
from qbxml import services
from qbxml.lib import qwc, soap
from qbxml.models import QbConnection

logger = logging.getLogger(__name__)

SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"


def _dispatch(call: soap.SoapCall, request: HttpRequest) -> Any:
    p = call.params
    match call.operation:
        case "serverVersion":
            return services.server_version()
        case "clientVersion":
            return services.client_version(p.get("strVersion", ""))
        case "authenticate":
            address = (client_ip(request) or "")[:45]
            return services.authenticate(p.get("strUserName", ""), p.get("strPassword", ""), address)
        case "sendRequestXML":
            return services.send_request_xml(
                p.get("ticket", ""),
                p.get("strHCPResponse", ""),
                p.get("strCompanyFileName", ""),
                p.get("qbXMLCountry", ""),
                p.get("qbXMLMajorVers", ""),
                p.get("qbXMLMinorVers", ""),
            )
        case "receiveResponseXML":
            return services.receive_response_xml(
                p.get("ticket", ""), p.get("response", ""), p.get("hresult", ""), p.get("message", "")
            )
        case "getLastError":
            return services.get_last_error(p.get("ticket", ""))
        case "connectionError":
            return services.connection_error(p.get("ticket", ""), p.get("hresult", ""), p.get("message", ""))
        case "closeConnection":
            return services.close_connection(p.get("ticket", ""))
    raise soap.SoapFault(f"Unknown operation {call.operation}.")  # pragma: no cover - parse_call checks


def _soap(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=SOAP_CONTENT_TYPE)


@csrf_exempt
def web_connector_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if "wsdl" in {key.lower() for key in request.GET}:
            address = request.build_absolute_uri(request.path)
            wsdl = render_to_string("qbxml/web_connector.wsdl", {"address": address})
            return HttpResponse(wsdl, content_type="text/xml; charset=utf-8")
        return HttpResponse(
            "This is the QuickBooks Web Connector endpoint. Add ?wsdl for its description.",
            content_type="text/plain; charset=utf-8",
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    limit = settings.QBWC_MAX_BODY_BYTES
    body, size = _read_body(request, limit)
    if body is None:
        logger.warning("A Web Connector call of %s bytes was refused: the limit is %s", size, limit)
        text = (
            f"The request is {size:,} bytes long; this server takes at most {limit:,} (QBWC_MAX_BODY_MB). "
            "Nothing of it was applied."
        )
        return _soap(soap.build_fault(text, "soap:Client"), 413)
    try:
        call = soap.parse_call(body, request.META.get("HTTP_SOAPACTION"), max_bytes=limit)
    except soap.SoapFault as fault:
        return _soap(soap.build_fault(fault.message, fault.code), 500)
    try:
        result = _dispatch(call, request)
    except Exception:
        # Whatever went wrong stays in our log; the Web Connector gets a fault it can show, not a page.
        logger.exception("Web Connector call %s failed", call.operation)
        return _soap(soap.build_fault("The server could not process the request; see its log.", "soap:Server"), 500)
    return _soap(soap.build_response(call.operation, result))


_CHUNK = 1024 * 1024
# How much more than the limit is read (and thrown away) before the answer: a client still sending gets
# a broken pipe instead of the fault, so the rest of a body somewhat too large is read first.
_DRAINED_BEYOND_THE_LIMIT = 64 * 1024 * 1024


def _read_body(request: HttpRequest, limit: int) -> tuple[bytes | None, int]:
    """The request's body and its size, read from the stream a megabyte at a time: not through
    `request.body`, whose limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is for forms. None for a body over `limit`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(_CHUNK):
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
            if size > limit + _DRAINED_BEYOND_THE_LIMIT:
                break
    return (b"".join(chunks) if size <= limit else None), size


def qwc_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The .qwc file that adds this connection to the accountant's Web Connector (never the password)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    permissions.require(request.user, Action.MANAGE_CONNECTIONS)
    connection = get_object_or_404(QbConnection, pk=pk)
    app = qwc.QwcApp(
        name=connection.name,
        username=connection.username,
        owner_id=connection.owner_id,
        file_id=connection.file_id,
        run_every_minutes=connection.run_every_minutes,
        endpoint=request.build_absolute_uri("/qbwc/"),
        support=request.build_absolute_uri("/"),
    )
    response = HttpResponse(qwc.qwc_document(app), content_type="application/xml")
    filename = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in connection.name) or "connection"
    response["Content-Disposition"] = f'attachment; filename="{filename}.qwc"'
    return response
