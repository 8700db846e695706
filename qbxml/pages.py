"""The sync health pages: each QuickBooks connection, when the Web Connector last called, what waits, the
progress of a running session, and the qbXML each session exchanged (the SOAP endpoint itself is in
`views`)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import selectors as erp_selectors
from qbxml import imports, schedules, selectors, services
from qbxml.forms import ScheduleForm
from qbxml.models import QbConnection, QbExchange, QbSession

# While no session runs, each connection's card asks this often whether one started (a cheap question,
# answered "nothing changed" with an empty 204); while one runs, the card is drawn again every 3 s.
IDLE_POLL_SECONDS = 15


def _card_context(request: HttpRequest) -> dict[str, Any]:
    """What every connection's card needs besides its health: what the viewer may do."""
    return {
        "can_manage": bool(permissions.check(request.user, Action.MANAGE_CONNECTIONS)),
        "can_release": bool(permissions.check(request.user, Action.RELEASE_WEB_CONNECTOR_SESSION)),
        "can_refresh": all(permissions.check(request.user, imported.refresh) for imported in imports.LISTS.values()),
        "can_view_qbxml": bool(permissions.check(request.user, Action.VIEW_QBXML)),
        "import_titles": {name: imported.title for name, imported in imports.IMPORTS.items()},
        "idle_poll_seconds": IDLE_POLL_SECONDS,
    }


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    context = {
        **_card_context(request),
        "healths": selectors.health_of_connections(),
        "failed_items": erp_selectors.tab_counts()["failed_to_export"],
        "failed_url": reverse("erp:queue") + "?tab=failed_to_export",
        "endpoint_url": request.build_absolute_uri(reverse("qbwc")),
    }
    return render(request, "qbxml/connections.html", context)


def _card(request: HttpRequest, pk: int) -> HttpResponse:
    health = selectors.health_of(pk)
    if health is None:
        raise Http404("No such connection.")
    return render(request, "qbxml/_connection.html", {**_card_context(request), "health": health})


@login_required
@require_GET
def connection_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """A connection's card, drawn again: polled every 3 s while a session runs. Drawn once the session has
    ended, it no longer asks to be polled so often."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    return _card(request, pk)


@login_required
@require_GET
def connection_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Asked by an idle card: 204 (htmx swaps nothing) while nothing changed since `seen`, else the card."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    fingerprint = selectors.health_fingerprint(pk)
    if fingerprint is None:
        raise Http404("No such connection.")
    if fingerprint == request.GET.get("seen"):
        return HttpResponse(status=204)
    return _card(request, pk)


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


def _back_to_schedule(connection: QbConnection) -> HttpResponse:
    return redirect(f"{reverse('erp:settings')}#sync-schedule-{connection.pk}")


@login_required
@require_POST
def schedule_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a connection's sync schedule and quiet window (from the ERP settings page)."""
    permissions.require(request.user, Action.CONFIGURE_SETTINGS)
    connection = get_object_or_404(QbConnection, pk=pk)
    form = ScheduleForm(request.POST, connection=connection)
    if not form.is_valid():
        messages.error(request, f"The schedule of {connection.name} was not saved: {form.errors.as_text()}")
        return _back_to_schedule(connection)
    try:
        schedules.schedule_set(signed_in(request.user), connection, **form.changes())
    except ValidationError as exc:
        messages.error(request, f"The schedule of {connection.name} was not saved: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"The sync schedule of {connection.name} is saved.")
    return _back_to_schedule(connection)


@login_required
@require_POST
def refresh_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Refresh now: queue the subjects posted for the connection's next session, as the schedule would."""
    connection = get_object_or_404(QbConnection, pk=pk)
    try:
        queued = schedules.queue_now(signed_in(request.user), connection, request.POST.getlist("subjects"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_schedule(connection)
    if not queued:
        messages.info(request, "Nothing was chosen to refresh.")
        return _back_to_schedule(connection)
    window = schedules.quiet_window(connection)
    ends = window.ends_after(timezone.now()) if window is not None else None
    after = f", after its quiet window ends at {ends.astimezone(window.zone):%H:%M}" if window and ends else ""
    labels = ", ".join(schedules.SUBJECTS[name].label.lower() for name in queued)
    messages.success(request, f"Queued for the next Web Connector session of {connection.name}{after}: {labels}.")
    return _back_to_schedule(connection)


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


# --- the qbXML of a session -------------------------------------------------------------------------------
# The exchanges hold the qbXML documents only: the Web Connector's password travels in the SOAP call
# `authenticate`, which is checked against the connection's hash and never stored.


def _session_or_404(session_id: int) -> QbSession:
    session = selectors.session_for_exchanges(session_id)
    if session is None:
        raise Http404("No such Web Connector session.")
    return session


@login_required
@require_GET
def session_exchanges(request: HttpRequest, pk: int) -> HttpResponse:
    """What one session sent to QuickBooks and what QuickBooks answered, message by message."""
    permissions.require(request.user, Action.VIEW_QBXML)
    session = _session_or_404(pk)
    page, pairs = selectors.session_exchange_page(session, request.GET.get("page"))
    context = {"session": session, "run": selectors.run_of(session), "page": page, "pairs": pairs}
    return render(request, "qbxml/session_exchanges.html", context)


def _file_name(exchange: QbExchange) -> str:
    return f"message-{exchange.message_number:04d}-{exchange.direction}.xml"


@login_required
@require_GET
def exchange_download(request: HttpRequest, pk: int) -> HttpResponse:
    """One document, as it was sent or received."""
    permissions.require(request.user, Action.VIEW_QBXML)
    exchange = selectors.exchange_for_download(pk)
    if exchange is None:
        raise Http404("No such qbXML message.")
    response = HttpResponse(exchange.body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{exchange.session_id}-{_file_name(exchange)}"'
    return response


class _Chunks:
    """A write-only file for `zipfile`: what was written so far is taken out after each document, so the
    archive streams with one document in memory, whatever the session's size."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _zipped(session: QbSession) -> Iterator[bytes]:
    out = _Chunks()
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for exchange in selectors.session_exchanges(session):
            stamp = timezone.localtime(exchange.created_at).timetuple()[:6]
            info = zipfile.ZipInfo(_file_name(exchange), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, exchange.body.encode("utf-8"))
            yield out.take()
    yield out.take()


@login_required
@require_GET
def session_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every document of the session in one .zip, in order: message-0001-request.xml, its response..."""
    permissions.require(request.user, Action.VIEW_QBXML)
    session = _session_or_404(pk)
    response = StreamingHttpResponse(_zipped(session), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-qbxml.zip"'
    return response
