"""The one way the workflow reaches the QuickBooks connector above it: a connector it registers at start-up.

The workflow knows nothing of qbXML or of the connector's tables. It tells the connector when items are
queued (the connector turns them into requests in the same transaction, so the queue is true before any
Web Connector calls), and asks it what exporting an item would send and which names QuickBooks holds. With
no connector registered, items simply wait queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from erp_integrations.models import ErpItem


@dataclass(frozen=True)
class Book:
    """A company file items can go to: its key (`AccountingRecord.book`), what people call it, whether
    items of projects that chose none go there, and whether it takes items at all now."""

    key: str
    name: str
    is_default: bool
    is_active: bool


class Connector(Protocol):
    def items_queued(self, item_ids: list[int]) -> None:
        """Inside the transaction that queued the items (accepted them, or queued them again)."""

    def preview(self, item: ErpItem) -> str:
        """The qbXML that exporting the item would send, for the ERP admin's eyes ("" when there is none)."""

    def quickbooks_names(self, list_type: str) -> list[str]:
        """The names QuickBooks is known to hold in a list: "customer" (the parents jobs go under), "class"."""

    def current_book(self) -> str | None:
        """The company file items are exported to (the `AccountingRecord.book` of its lists), if there is one."""

    def books(self) -> list[Book]:
        """The company files set up, the default first."""

    def read_back(self, subjects: list[str], *, again: bool = False, since: datetime | None = None) -> None:
        """Have the current company file's transactions of these subjects ("job_costs", "payments") read in
        its next session: from where the last read stopped, or, `again`, from `since` (None: the start)."""


_connectors: list[Connector] = []


def register(connector: Connector) -> None:
    if connector not in _connectors:
        _connectors.append(connector)


def items_queued(item_ids: list[int]) -> None:
    for connector in _connectors:
        connector.items_queued(item_ids)


def preview(item: ErpItem) -> str:
    return "\n".join(text for connector in _connectors if (text := connector.preview(item)))


def quickbooks_names(list_type: str) -> list[str]:
    return sorted({name for connector in _connectors for name in connector.quickbooks_names(list_type)})


def current_book() -> str | None:
    """The company file whose lists Ready to Import offers and the checks at send read (None without one)."""
    return next((book for connector in _connectors if (book := connector.current_book())), None)


def books() -> list[Book]:
    """Every company file items can go to, the default first (none without a connector)."""
    return [book for connector in _connectors for book in connector.books()]


def read_back(subjects: list[str], *, again: bool = False, since: datetime | None = None) -> None:
    """Have QuickBooks' transactions of these subjects read back in the next session (see `Connector`)."""
    for connector in _connectors:
        connector.read_back(subjects, again=again, since=since)
