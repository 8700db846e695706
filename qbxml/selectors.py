"""Reads of the connector's state: connections with their health, for the API and the pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from erp_integrations.models import AccountingRecord
from qbxml.models import QbConnection, QbRequest, QbSession
from qbxml.queue.lifecycle import ACTIVE

RECENT_SESSIONS = 5


def connections_with_health() -> QuerySet[QbConnection]:
    """Connections with their queue depth, failed requests, latest sessions and list imports: three queries."""
    return QbConnection.objects.annotate(
        queue_depth=Count("requests", filter=Q(requests__status__in=ACTIVE), distinct=True),
        failed_requests=Count("requests", filter=Q(requests__status=QbRequest.Status.FAILED), distinct=True),
    ).prefetch_related(
        Prefetch(
            "sessions",
            queryset=QbSession.objects.order_by("-started_at", "-id")[:RECENT_SESSIONS],
            to_attr="recent_sessions",
        ),
        "list_imports",
    )


def running_session(connection: QbConnection) -> QbSession | None:
    """The connection's running session (from the prefetched recent ones when there are)."""
    sessions = getattr(connection, "recent_sessions", None)
    if sessions is None:
        return connection.sessions.filter(status=QbSession.Status.OPEN).first()
    return next((session for session in sessions if session.status == QbSession.Status.OPEN), None)


def latest_session(connection_id: int) -> QbSession | None:
    """The running session of a connection, or else its last one (None when it never ran)."""
    sessions = QbSession.objects.filter(connection_id=connection_id).order_by("-started_at", "-id")
    return sessions.filter(status=QbSession.Status.OPEN).first() or sessions.first()


def quickbooks_names(list_type: str, book: str | None = None, limit: int = 2000) -> list[str]:
    """The names QuickBooks reported in a list (of one company file, or all): "customer" gives the customers
    a job's parent can be picked from (not their jobs), "class" the classes."""
    records = AccountingRecord.objects.filter(list_type=list_type)
    if book is not None:
        records = records.filter(book=book)
    if list_type == AccountingRecord.ListType.CUSTOMER:
        records = records.filter(is_active=True, parent_external_id="")
    return list(records.order_by("full_name").values_list("full_name", flat=True).distinct()[:limit])
