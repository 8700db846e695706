"""The accountant report: every time an item reached QuickBooks, with who sent it, who accepted it, its
QuickBooks id and its amount. Read from the append-only history alone, so it says what happened even when
the item has been sent again, unlinked or its record deleted since.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpEvent
from erp_integrations.workflow import Step

# A link ties an item to what QuickBooks already holds: nothing is sent, so it is no sync of ours; but
# a sync after one changes that record, so it counts as an earlier sync when telling an add from an update.
_SENDS = (Step.SEND, Step.RESEND)
_REACHED_QUICKBOOKS = (Step.SYNC_SUCCEEDED, Step.LINK)


@dataclass(frozen=True)
class ReportFilters:
    synced_from: datetime.date | None = None
    synced_to: datetime.date | None = None
    object_type: str = ""
    project_id: int | None = None
    person_id: int | None = None


@dataclass
class ReportRow:
    event_id: int
    synced_at: datetime.datetime
    object_type: str
    type_label: str
    label: str
    project: Any
    qb_ref: str
    is_update: bool
    sent_by: Any = None
    sent_at: datetime.datetime | None = None
    accepted_by: Any = None
    accepted_at: datetime.datetime | None = None
    amount: Decimal | None = None

    @property
    def kind(self) -> str:
        return "Update" if self.is_update else "Add"


@dataclass
class TypeTotal:
    object_type: str
    label: str
    count: int = 0
    # None when no sync of the type carried money (companies, cost codes): nothing to add up, not zero.
    amount: Decimal | None = None


def payload_amount(payload: Any) -> Decimal | None:
    """The amount of what was sent, read from the payload whatever its type, kept simple on purpose: an
    invoice's `amount_due` where there is one, else the sum of its lines' `amount` (a commitment's or a
    change order's total); None for records that carry no money (companies, cost codes, projects)."""
    if not isinstance(payload, Mapping):
        return None
    try:
        if payload.get("amount_due") not in (None, ""):
            return Decimal(str(payload["amount_due"]))
        lines = payload.get("lines")
        if isinstance(lines, list):
            amounts = [line["amount"] for line in lines if isinstance(line, Mapping) and line.get("amount") is not None]
            if amounts:
                return sum((Decimal(str(amount)) for amount in amounts), Decimal("0.00"))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return None


def _latest_before(steps: Sequence[str], column: str) -> Subquery:
    """A column of the item's latest event of `steps` before the sync this row is."""
    return Subquery(
        ErpEvent.objects.filter(item_id=OuterRef("item_id"), action__in=steps, id__lt=OuterRef("id"))
        .order_by("-id")
        .values(column)[:1]
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def syncs(filters: ReportFilters) -> QuerySet[ErpEvent]:
    """The syncs the filters select, newest first, each annotated with the ids of its send and accept events
    (the latest of each before it), their actors, and whether QuickBooks held the item already.

    One query whatever the size; `report_rows` turns a slice of it into rows with one more."""
    events = (
        ErpEvent.objects.filter(action=Step.SYNC_SUCCEEDED)
        .select_related("item", "item__project")
        .annotate(
            send_event_id=_latest_before(_SENDS, "id"),
            sender_id=_latest_before(_SENDS, "actor_id"),
            accept_event_id=_latest_before([Step.ACCEPT], "id"),
            acceptor_id=_latest_before([Step.ACCEPT], "actor_id"),
            is_update=Exists(
                ErpEvent.objects.filter(
                    item_id=OuterRef("item_id"), action__in=_REACHED_QUICKBOOKS, id__lt=OuterRef("id")
                )
            ),
        )
    )
    # Days are the company's: "synced on the 3rd" means the 3rd where the accountant sits.
    if filters.synced_from:
        events = events.filter(created_at__gte=_start_of(filters.synced_from))
    if filters.synced_to:
        events = events.filter(created_at__lt=_start_of(filters.synced_to + datetime.timedelta(days=1)))
    if filters.object_type:
        events = events.filter(item__object_type=filters.object_type)
    if filters.project_id:
        events = events.filter(item__project_id=filters.project_id)
    if filters.person_id:
        events = events.filter(Q(sender_id=filters.person_id) | Q(acceptor_id=filters.person_id))
    return events.order_by("-created_at", "-id")


def type_label(object_type: str) -> str:
    spec = EXPORTABLE_TYPES.get(object_type)
    return spec.label if spec else object_type


def report_rows(events: Iterable[ErpEvent]) -> list[ReportRow]:
    """Rows of a slice of `syncs`: one more query for the send and accept events they name, with their actors
    and what was sent (the amount is read from the payload as sent, which is what QuickBooks received)."""
    events = list(events)
    wanted: set[int] = set()
    for event in events:
        wanted.update(pk for pk in (_send_id(event), _accept_id(event)) if pk is not None)
    steps = {e.pk: e for e in ErpEvent.objects.filter(pk__in=wanted).select_related("actor")} if wanted else {}
    rows = []
    for event in events:
        item = event.item
        sent = steps.get(_send_id(event) or 0)
        accepted = steps.get(_accept_id(event) or 0)
        rows.append(
            ReportRow(
                event_id=event.pk,
                synced_at=event.created_at,
                object_type=item.object_type,
                type_label=type_label(item.object_type),
                label=item.label,
                project=item.project,
                # The id QuickBooks gave at this sync: the item's own may have changed since (unlinked, relinked).
                qb_ref=str(event.payload.get("qb_ref", "")) if isinstance(event.payload, dict) else item.qb_ref,
                is_update=bool(getattr(event, "is_update", False)),
                sent_by=sent.actor if sent else None,
                sent_at=sent.created_at if sent else None,
                accepted_by=accepted.actor if accepted else None,
                accepted_at=accepted.created_at if accepted else None,
                amount=payload_amount(sent.payload) if sent else None,
            )
        )
    return rows


def _send_id(event: ErpEvent) -> int | None:
    return getattr(event, "send_event_id", None)


def _accept_id(event: ErpEvent) -> int | None:
    return getattr(event, "accept_event_id", None)


def iter_rows(events: QuerySet[ErpEvent], chunk_size: int = 500) -> Iterator[ReportRow]:
    """Every row of `syncs`, read a chunk at a time (two queries a chunk), for the CSV download."""
    batch: list[ErpEvent] = []
    for event in events.iterator(chunk_size=chunk_size):
        batch.append(event)
        if len(batch) == chunk_size:
            yield from report_rows(batch)
            batch = []
    if batch:
        yield from report_rows(batch)


def totals_by_type(events: QuerySet[ErpEvent]) -> list[TypeTotal]:
    """Per type, how many syncs the filters select and their amounts' sum: one query, reading only the
    payloads as sent."""
    totals: dict[str, TypeTotal] = {}
    payloads = events.select_related(None).values_list(
        "item__object_type",
        Subquery(ErpEvent.objects.filter(pk=OuterRef("send_event_id")).values("payload")[:1]),
    )
    for object_type, payload in payloads.iterator(chunk_size=2000):
        total = totals.setdefault(object_type, TypeTotal(object_type, type_label(object_type)))
        total.count += 1
        amount = payload_amount(payload)
        if amount is not None:
            total.amount = (total.amount or Decimal("0.00")) + amount
    return sorted(totals.values(), key=lambda total: total.label)


def report_people() -> QuerySet[Any]:
    """Who may be chosen as the person: whoever has sent or accepted anything."""
    actors = ErpEvent.objects.filter(action__in=[*_SENDS, Step.ACCEPT], actor_id__isnull=False).values("actor_id")
    return get_user_model().objects.filter(pk__in=actors).order_by("first_name", "last_name", "username")
