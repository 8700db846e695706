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
        """The requestID of the request's latest attempt, which QuickBooks echoes back: the row's id and the
        attempt's number, so an answer finds the attempt it answers, and an answer to an earlier attempt
        (the Web Connector sending an answer again, late) is told apart from it."""
        return attempt_id(self.pk, self.attempts)

    @property
    def next_request_id(self) -> str:
        """The requestID of the attempt about to be sent."""
        return attempt_id(self.pk, self.attempts + 1)


def attempt_id(pk: int, attempt: int) -> str:
    return f"{pk}.{attempt}"


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
