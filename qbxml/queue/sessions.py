"""The queue's bookkeeping around Web Connector sessions: which requests a message took, what goes back
to the queue when a session ends or dies, and how much is left."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from erp_integrations.models import ErpItem
from qbxml.mapping import KINDS
from qbxml.models import QbConnection, QbRequest, QbSession
from qbxml.queue import batch, lifecycle, rows


def message_read(session: QbSession) -> None:
    """The Web Connector took the prepared message: from now on its requests may have reached QuickBooks."""
    QbRequest.objects.filter(session=session, status__in=lifecycle.SENT, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def message_out(session: QbSession) -> bool:
    """Whether the Web Connector took a message of the session whose answer has not been read."""
    return QbRequest.objects.filter(session=session, status__in=lifecycle.SENT, sent_at__isnull=False).exists()


def restore_batch_limit(connection: QbConnection) -> None:
    """A message went through: let the next ones grow again after QuickBooks could not read a large one."""
    if connection.batch_limit < batch.MAX_BATCH:
        QbConnection.objects.filter(pk=connection.pk).update(
            batch_limit=min(batch.MAX_BATCH, connection.batch_limit * 2)
        )


def release_unsent(session: QbSession) -> None:
    """Requests prepared for a message the Web Connector never took go back to the queue."""
    lifecycle.waits_again_in_database(QbRequest.objects.filter(session=session, sent_at__isnull=True))


def mark_in_doubt(connection: QbConnection, current: QbSession) -> int:
    """Requests sent by an earlier session whose answer never came: ask QuickBooks before making them again.
    Returns how many went back to the queue."""
    stale = QbRequest.objects.filter(connection=connection, status__in=lifecycle.SENT).exclude(session=current)
    never_sent = lifecycle.waits_again_in_database(stale.filter(sent_at__isnull=True))
    doubtful = rows.read(stale.filter(sent_at__isnull=False))
    qb_refs = dict(ErpItem.objects.filter(pk__in={r.item_id for r in doubtful}).values_list("pk", "qb_ref"))
    for request in doubtful:
        made = request.item_id is not None and KINDS[request.kind].may_have_made_something(
            qb_refs.get(request.item_id, "")
        )
        lifecycle.answer_lost(request, may_have_made_something=made)
    rows.save(doubtful, ["status"])
    return never_sent + len(doubtful)


def queue_depth(connection: QbConnection) -> int:
    return QbRequest.objects.filter(connection=connection, status__in=lifecycle.ACTIVE).count()


def remaining_for(session: QbSession) -> int:
    """What the session may still send: waiting requests it may take (not the held ones, nor those told to
    wait for a later session)."""
    return (
        QbRequest.objects.filter(connection_id=session.connection_id, status__in=lifecycle.ACTIVE)
        .filter(Q(not_before_session__lt=session.pk))
        .exclude(status=QbRequest.Status.HELD)
        .count()
    )
