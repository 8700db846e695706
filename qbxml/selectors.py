"""Reads of the connector's state: connections with their health, for the API and the pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from qbxml.models import QbConnection, QbRequest, QbSession
from qbxml.sync import ACTIVE


def connections_with_health() -> QuerySet[QbConnection]:
    """Connections with their queue depth, failures and running session, in three queries in all."""
    return QbConnection.objects.annotate(
        queue_depth=Count("requests", filter=Q(requests__status__in=ACTIVE), distinct=True),
        failed_requests=Count("requests", filter=Q(requests__status=QbRequest.Status.FAILED), distinct=True),
    ).prefetch_related(
        Prefetch(
            "sessions",
            queryset=QbSession.objects.filter(status=QbSession.Status.OPEN),
            to_attr="running_sessions",
        )
    )


def running_session(connection: QbConnection) -> QbSession | None:
    sessions = getattr(connection, "running_sessions", None)
    if sessions is None:
        return connection.sessions.filter(status=QbSession.Status.OPEN).first()
    return sessions[0] if sessions else None


def last_session(connection: QbConnection) -> QbSession | None:
    return connection.sessions.exclude(status=QbSession.Status.OPEN).order_by("-started_at", "-id").first()
