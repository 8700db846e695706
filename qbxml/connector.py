"""What the QuickBooks connector answers the workflow below it (registered at start-up, see
`erp_integrations.hooks`)."""

from __future__ import annotations

from datetime import datetime

from erp_integrations.hooks import Book
from erp_integrations.models import ErpItem
from qbxml import imports, schedules, selectors
from qbxml.models import QbConnection
from qbxml.queue.batch import preview_message
from qbxml.queue.enqueue import QueueOnAccept


class Connector(QueueOnAccept):
    def preview(self, item: ErpItem) -> str:
        """Nothing before the item is sent: only then is there a payload to build from."""
        return preview_message(item.pk) if item.sent_payload else ""

    def quickbooks_names(self, list_type: str) -> list[str]:
        return selectors.quickbooks_names(list_type)

    def read_back(self, subjects: list[str], *, again: bool = False, since: datetime | None = None) -> None:
        connection = QbConnection.objects.filter(is_default=True).first()
        if connection is None:
            return
        if again:
            imports.read_again(connection, [name for subject in subjects for name in imports.SUBJECTS[subject]], since)
        else:
            # As Refresh now does: the schedule counts its next read from this one.
            schedules.queue_now(None, connection, subjects)

    def books(self) -> list[Book]:
        connections = QbConnection.objects.order_by("-is_default", "name").only(
            "name", "file_id", "is_default", "is_active"
        )
        return [Book(c.book, c.name, c.is_default, c.is_active) for c in connections]

    def current_book(self) -> str | None:
        connection = QbConnection.objects.filter(is_default=True).only("file_id").first()
        return connection.book if connection is not None else None
