"""From accepted items to requests: a request per queued item, and one per list record it needs that
QuickBooks is not known to hold (a class, a parent item, a parent customer), in dependency order.

Items become requests in the transaction that queues them (accept, retry, direct export), so the queue's
depth is true before any Web Connector calls. Each goes to its company file's connection: a project's items
to the file the project chose (its accounting settings' `book`), everything else, and the items of projects
that chose none, to the default connection. Items queued while no connection could take them (none was set
up yet, or theirs is turned off) become requests when their connection's next session starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from erp_integrations.bulk import insert_values
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from qbxml.mapping import KINDS, SEQUENCE, mapping_for
from qbxml.mapping.support import SUPPORT_KINDS, support_key, support_kind, support_name
from qbxml.models import QbConnection, QbRequest
from qbxml.queue import lifecycle
from qbxml.queue.items import export_settings

# A new request: its own fields, then every other non-null column at its model default (the nullable ones
# stay NULL), taken from the model so the two cannot disagree.
_OWN = [
    "connection",
    "item",
    "kind",
    "support_key",
    "description",
    "target",
    "needs",
    "depends_on_items",
    "sequence",
    "created_at",
]
_DEFAULTED = [
    field
    for field in QbRequest._meta.concrete_fields
    if not field.primary_key and not field.null and field.name not in _OWN
]
_FIELDS = _OWN + [field.name for field in _DEFAULTED]
_DEFAULTS = tuple(field.get_default() for field in _DEFAULTED)


def routed_to(connection: QbConnection, items: QuerySet[ErpItem]) -> QuerySet[ErpItem]:
    """Those of `items` that go to `connection`'s company file."""
    chosen = Q(project__accounting_settings__book=connection.book)
    if connection.is_default:
        chosen |= (
            Q(project__isnull=True)
            | Q(project__accounting_settings__isnull=True)
            | Q(project__accounting_settings__book="")
        )
    return items.filter(chosen)


def enqueue(connection: QbConnection, item_ids: Iterable[int] | None = None) -> int:
    """Give queued items of `connection`'s company file without a live request one. `item_ids` limits it
    to those items; without it, every queued item is looked at. Returns how many requests were made."""
    live = QbRequest.objects.filter(item=OuterRef("pk"), status__in=lifecycle.ACTIVE)
    items = ErpItem.objects.filter(state=ErpState.QUEUED, record_deleted_at__isnull=True).exclude(Exists(live))
    items = routed_to(connection, items)
    if item_ids is not None:
        items = items.filter(pk__in=list(item_ids))
    settings = export_settings()
    # Types the settings send another way (time in an IIF file) wait queued for that, with no request.
    held_back = [kind.object_type for kind in KINDS.values() if kind.held_back(settings)]
    if held_back:
        items = items.exclude(object_type__in=held_back)
    rows_of_items = items.order_by("pk").values_list(
        "pk", "object_type", "sent_payload", "accept_options", "depends_on"
    )
    known = known_support_keys(connection)
    pending_support = set(
        QbRequest.objects.filter(connection=connection, item__isnull=True, status__in=lifecycle.ACTIVE).values_list(
            "support_key", flat=True
        )
    )
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []

    def add(
        item_id: int | None, kind: str, key: str, description: str, target: str, needs: list[str], deps: list[int]
    ) -> None:
        own = (connection.pk, item_id, kind, key, description, target, needs, deps, SEQUENCE[kind], now)
        rows.append(own + _DEFAULTS)

    for item_id, object_type, payload, options, depends_on in rows_of_items:
        mapping = mapping_for(object_type)
        needs = mapping.needs(payload or {}, options or {}, settings)
        for key in sorted(needs):
            if key not in known and key not in pending_support:
                pending_support.add(key)
                add(None, support_kind(key).kind, key, needs[key][:255], support_name(key)[:255], [], [])
        add(item_id, mapping.kind, "", "", "", sorted(needs), list(depends_on or []))
    return insert_values(QbRequest, _FIELDS, rows)


def known_support_keys(connection: QbConnection) -> set[str]:
    """The list records QuickBooks is known to hold that items may need, as support keys."""
    list_types = {kind.list_type for kind in SUPPORT_KINDS.values()}
    rows = AccountingRecord.objects.filter(book=connection.book, list_type__in=list_types).values_list(
        "list_type", "full_name"
    )
    return {key for list_type, name in rows if (key := support_key(list_type, name))}


class QueueOnAccept:
    """Registered with the workflow: items it queues become requests of their connections at once."""

    def items_queued(self, item_ids: list[int]) -> None:
        for connection in QbConnection.objects.filter(is_active=True).order_by("pk"):
            enqueue(connection, item_ids)
