"""The queue's rows as it works on them: `QbRequest` rows read as tuples and written back in bulk.

The queue handles hundreds of requests per message; building model instances for them was one of the
largest costs of a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erp_integrations.bulk import update_rows, values_of
from qbxml.models import QbRequest


@dataclass(slots=True)
class QueuedRequest:
    pk: int
    connection_id: int
    item_id: int | None
    kind: str
    target: str
    support_key: str
    description: str
    needs: list[str]
    depends_on_items: list[int]
    sequence: int
    operation: str
    status: str
    attempts: int
    parse_failures: int
    repairs: int
    session_id: int | None
    message_number: int | None
    status_code: int | None
    status_message: str
    not_before_session: int
    sent_at: datetime | None = None
    answered_at: datetime | None = None

    @property
    def request_id(self) -> str:
        """The requestID QuickBooks echoes back: the row's id, so an answer finds its request."""
        return str(self.pk)


# The columns read, in the dataclass' order (the two times are written, never read).
_COLUMNS = tuple(
    "id" if name == "pk" else name
    for name in QueuedRequest.__slots__  # type: ignore[attr-defined]
    if name not in ("sent_at", "answered_at")
)


def read(rows: Any) -> list[QueuedRequest]:
    """The requests of a QbRequest queryset, as plain rows."""
    return [QueuedRequest(*row) for row in values_of(rows, _COLUMNS)]


def save(requests: list[QueuedRequest], fields: list[str]) -> None:
    update_rows(requests, fields, model=QbRequest)
