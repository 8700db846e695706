"""Reads of the workflow: the approver's queue, an item's history, a record's item."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from erp_integrations.workflow import allowed_steps

# The approver's tabs (PRODUCT.md section 2). Ready to Import fills from QuickBooks' own lists.
TABS: dict[str, Q] = {
    "ready_to_import": Q(pk__in=[]),
    "ready_to_export": Q(state=ErpState.PENDING, qb_ref=""),
    "ready_to_update": Q(state=ErpState.PENDING) & ~Q(qb_ref=""),
    "failed_to_export": Q(state=ErpState.FAILED),
    "synced": Q(state=ErpState.SYNCED),
    "archived": Q(record_deleted_at__isnull=False),
}


def erp_queue(
    *,
    erp_status: str | None = None,
    object_type: str | None = None,
    tab: str | None = None,
    project: int | None = None,
    search: str | None = None,
) -> QuerySet[ErpItem]:
    """Items across every type, newest change first: one indexed query, whatever the number of types."""
    queryset = ErpItem.objects.select_related("sent_by", "project")
    if tab:
        queryset = queryset.filter(TABS[tab])
        if tab != "archived":
            queryset = queryset.filter(record_deleted_at__isnull=True)
    if erp_status:
        queryset = queryset.filter(state=erp_status)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if project:
        queryset = queryset.filter(project_id=project)
    if search:
        queryset = queryset.filter(label__icontains=search)
    return queryset.order_by("-updated_at", "-id")


def tab_counts(object_type: str | None = None) -> dict[str, int]:
    """How many items each tab holds, in one query."""
    queryset = ErpItem.objects.all()
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    live = Q(record_deleted_at__isnull=True)
    aggregates = {
        name: Count("pk", filter=condition & live if name != "archived" else condition)
        for name, condition in TABS.items()
        if name != "ready_to_import"
    }
    counts = queryset.aggregate(**aggregates)
    return {"ready_to_import": 0, **counts}


def items_for_records(records: list[Model], *, with_history: bool = False) -> dict[tuple[type[Model], int], ErpItem]:
    """The workflow items of many records (one query per type); a record never sent has none."""
    by_model: dict[type[Model], list[int]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    found: dict[tuple[type[Model], int], ErpItem] = {}
    for model, ids in by_model.items():
        items = ErpItem.objects.filter(content_type=content_type_of(model), object_id__in=ids)
        if with_history:
            items = items.prefetch_related(Prefetch("events", queryset=ErpEvent.objects.select_related("actor")))
        for item in items:
            found[(model, item.object_id)] = item
    return found


def erp_summaries(records: list[Model]) -> dict[tuple[type[Model], int], dict[str, Any]]:
    """The workflow fields of many records of one or more types: two queries per type, whatever the count."""
    items = items_for_records(records, with_history=True)
    return {(type(record), record.pk): _summary(items.get((type(record), record.pk))) for record in records}


def _summary(item: ErpItem | None) -> dict[str, Any]:
    state = item.state if item else ErpState.DRAFT
    return {
        "erp_status": state,
        "erp_error": item.erp_error if item else "",
        "qb_ref": item.qb_ref if item else "",
        "erp_allowed_actions": allowed_steps(state),
        "erp_history": [event_as_dict(event) for event in item.events.all()] if item else [],
    }


def event_as_dict(event: ErpEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "by": event.actor.get_username() if event.actor else "QuickBooks",
        "at": event.created_at,
        "reason": event.reason,
    }


def with_erp_status(queryset: QuerySet[Any], erp_status: str) -> QuerySet[Any]:
    """Records of the queryset whose item is in `erp_status` (a record never sent counts as a draft)."""
    items = ErpItem.objects.filter(content_type=content_type_of(queryset.model), object_id=OuterRef("pk"))
    if erp_status == ErpState.DRAFT:
        return queryset.exclude(Exists(items.exclude(state=ErpState.DRAFT)))
    return queryset.filter(Exists(items.filter(state=erp_status)))


def record_of(item: ErpItem) -> Model:
    """The record behind an item (raises the model's DoesNotExist when it was deleted)."""
    model = EXPORTABLE_TYPES[item.object_type].model
    return model._default_manager.get(pk=item.object_id)


def latest_rejection(item: ErpItem) -> ErpEvent | None:
    return item.events.filter(to_state=ErpState.REJECTED).order_by("-created_at", "-id").first()


def content_type_of(model: type[Model]) -> ContentType:
    return ContentType.objects.get_for_model(model)


# --- reads of the browser pages -----------------------------------------------------------------------


# Beyond the approver's tabs, the pages show what is accepted and waiting for the Web Connector.
PAGE_TABS: dict[str, Q] = {**TABS, "queued": Q(state=ErpState.QUEUED)}


def page_queue(*, tab: str, object_type: str | None = None, search: str | None = None) -> QuerySet[ErpItem]:
    """`erp_queue` for a tab of the pages, which also have the Queued tab."""
    if tab == "queued":
        return erp_queue(erp_status=ErpState.QUEUED, object_type=object_type, search=search).filter(
            record_deleted_at__isnull=True
        )
    return erp_queue(tab=tab, object_type=object_type, search=search)


def queue_counts() -> dict[str, dict[str, int]]:
    """Every tab's count for every type, in one aggregate query: {object_type: {tab: count}}."""
    live = Q(record_deleted_at__isnull=True)
    aggregates = {
        name: Count("pk", filter=condition & live if name != "archived" else condition)
        for name, condition in PAGE_TABS.items()
        if name != "ready_to_import"
    }
    rows = ErpItem.objects.order_by().values("object_type").annotate(**aggregates)
    counts: dict[str, dict[str, int]] = {slug: dict.fromkeys(PAGE_TABS, 0) for slug in EXPORTABLE_TYPES}
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts.setdefault(values["object_type"], dict.fromkeys(PAGE_TABS, 0)).update(
            {name: values[name] for name in aggregates}
        )
    return counts


def latest_rejections(item_ids: list[int]) -> dict[int, ErpEvent]:
    """The last rejection of each of these items, in one query."""
    latest: dict[int, ErpEvent] = {}
    if not item_ids:
        return latest
    events = (
        ErpEvent.objects.filter(item_id__in=item_ids, to_state=ErpState.REJECTED)
        .select_related("actor")
        .order_by("item_id", "-created_at", "-id")
    )
    for event in events:
        latest.setdefault(event.item_id, event)
    return latest


def item_history(item: ErpItem) -> QuerySet[ErpEvent]:
    return item.events.select_related("actor").order_by("created_at", "id")
