"""The Web Connector's endpoint (filled in by the connector)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def web_connector_endpoint(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def qwc_file(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(status=501)
