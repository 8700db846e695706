"""The sync health pages: each QuickBooks connection, when the Web Connector last called, what waits, and
the progress of a running session (the SOAP endpoint itself is in `views`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import selectors as erp_selectors
from qbxml import imports, selectors, services
from qbxml.models import QbConnection


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    rows = list(selectors.connections_with_health())
    for connection in rows:
        connection.running_session = selectors.running_session(connection)  # type: ignore[attr-defined]
    context = {
        "connections": rows,
        "failed_items": erp_selectors.tab_counts()["failed_to_export"],
        "failed_url": reverse("erp:queue") + "?tab=failed_to_export",
        "can_manage": bool(permissions.check(request.user, Action.MANAGE_CONNECTIONS)),
        "can_release": bool(permissions.check(request.user, Action.RELEASE_WEB_CONNECTOR_SESSION)),
        "can_refresh": all(permissions.check(request.user, imported.refresh) for imported in imports.LISTS.values()),
        "endpoint_url": request.build_absolute_uri(reverse("qbwc")),
        "import_titles": {name: imported.title for name, imported in imports.IMPORTS.items()},
    }
    return render(request, "qbxml/connections.html", context)


@login_required
@require_GET
def connection_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a connection's running session: polled by the health page while it runs."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    connection = get_object_or_404(QbConnection, pk=pk)
    context = {
        "connection": connection,
        "session": selectors.latest_session(connection.pk),
        "can_release": bool(permissions.check(request.user, Action.RELEASE_WEB_CONNECTOR_SESSION)),
    }
    return render(request, "qbxml/_connection_progress.html", context)


@login_required
@require_POST
def refresh_lists(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue every QuickBooks list to be read back in the connection's next session."""
    connection = get_object_or_404(QbConnection, pk=pk)
    imports.refresh(signed_in(request.user), connection, imports.LISTS)
    messages.success(
        request,
        f"The next Web Connector session of {connection.name} reads QuickBooks' lists before it sends anything.",
    )
    return redirect("qb:connections")


@login_required
@require_POST
def release_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Release the connection from its running session, whose Web Connector died."""
    connection = get_object_or_404(QbConnection, pk=pk)
    released = services.session_release(signed_in(request.user), connection)
    if released is None:
        messages.info(request, f"No session is running on {connection.name}: nothing to release.")
    else:
        messages.success(
            request,
            f"{connection.name} is released: the next Web Connector session starts at once and first looks up "
            "what the released one had sent.",
        )
    return redirect("qb:connections")
