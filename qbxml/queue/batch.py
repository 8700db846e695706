"""From requests to a message: the next requests to send, in dependency order, each only once what it needs
is in QuickBooks or goes before it in the same message; those held back say why on their item."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Q, Value, When
from lxml import etree

from erp_integrations import services as erp
from erp_integrations.bulk import select_in
from erp_integrations.models import ErpState
from qbxml.lib import build
from qbxml.mapping import KINDS, ExportError, ItemView, mapping_for
from qbxml.mapping.support import support_lookup, support_request
from qbxml.models import QbConnection, QbRequest, QbSession
from qbxml.queue import lifecycle, rows
from qbxml.queue.enqueue import known_support_keys
from qbxml.queue.items import MessageItems
from qbxml.queue.rows import QueuedRequest

S = QbRequest.Status
MAX_BATCH = 250
CANDIDATE_WINDOW = 2  # batches of candidates read per message; more only while none of them can go


@dataclass
class Batch:
    requests: list[QueuedRequest] = field(default_factory=list)
    elements: list[etree._Element] = field(default_factory=list)
    # Requests that leave the queue without going: with the reason they fail, or "" (cancelled).
    failed: list[tuple[QueuedRequest, str]] = field(default_factory=list)
    held: list[tuple[QueuedRequest, str]] = field(default_factory=list)


def select(session: QbSession) -> Batch:
    """The next requests to send, in dependency order, each only once what it needs is there or before it."""
    connection = session.connection
    limit = max(1, min(connection.batch_limit, MAX_BATCH))
    waiting = (
        QbRequest.objects.filter(connection=connection, status__in=lifecycle.WAITING)
        .filter(Q(not_before_session__lt=session.pk))
        # Held requests last: they wait for a record that failed, and must not keep ready ones out.
        .order_by(Case(When(status=S.HELD, then=Value(1)), default=Value(0)), "sequence", "id")
    )
    batch = Batch()
    items = MessageItems()
    known = known_support_keys(connection)
    failed_support: dict[str, str] = {}
    held_items: dict[int, str] = {}
    released: set[int] = set()  # items held back before, whose request goes in this message
    in_batch_items: set[int] = set()
    in_batch_keys: set[str] = set()
    held_because_of: dict[int, int] = {}  # item held back → the held dependency it waits for
    # Candidates are read a batch at a time: most go, and a blocked one makes room for the next batch's,
    # up to CANDIDATE_WINDOW batches, or as far as it takes to find one that can go.
    for start in itertools.count(0, limit):
        if len(batch.requests) >= limit or (start >= limit * CANDIDATE_WINDOW and batch.requests):
            break
        chunk = rows.read(waiting[start : start + limit])
        if not chunk:
            break
        failed_support.update(
            QbRequest.objects.filter(
                connection=connection,
                item__isnull=True,
                status=S.FAILED,
                support_key__in={key for request in chunk for key in request.needs},
            ).values_list("support_key", "status_message")
        )
        # Queued items whose request is held back: what depends on them is held back too, and says why.
        for item_id, message in select_in(
            QbRequest,
            ["item", "status_message"],
            {
                "connection": [connection.pk],
                "status": [S.HELD],
                "item": {dep for request in chunk for dep in request.depends_on_items},
            },
        ):
            if item_id not in released:
                held_items.setdefault(item_id, message)
        ctx = items.load(request.item_id for request in chunk if request.item_id)
        for request in chunk:
            if len(batch.requests) >= limit:
                break
            if request.item_id is None:
                if request.status == S.LOOK_UP:
                    element = support_lookup(request.next_request_id, request.support_key)
                else:
                    element = support_request(
                        request.next_request_id, request.support_key, request.description, ctx.settings
                    )
                _add(batch, request, element)
                in_batch_keys.add(request.support_key)
                continue
            item = ctx.items.get(request.item_id)
            if item is None or item.state != ErpState.QUEUED:
                batch.failed.append((request, ""))  # the item left the queue (retrieved by nobody: rejected...)
                continue
            mapping = KINDS[request.kind]
            # A look-up only asks QuickBooks: nothing needs to be there first.
            blocked = (
                None
                if request.status in lifecycle.LOOK_UPS
                else _blocker(
                    request,
                    ctx.items,
                    set() if mapping.waits_for_answers else in_batch_items,
                    known | in_batch_keys,
                    failed_support,
                    held_items,
                )
            )
            if blocked is not None:
                reason, held_dependency = blocked
                if reason:
                    batch.held.append((request, reason))
                    held_items[request.item_id] = reason
                    if held_dependency is not None:
                        held_because_of[request.item_id] = held_dependency
                continue
            held_items.pop(request.item_id, None)
            released.add(request.item_id)
            if request.status == S.READY and mapping.must_read_record_first(item):
                lifecycle.move(request, S.STALE)  # read what QuickBooks holds, then build the Mod
            try:
                if request.status in lifecycle.LOOK_UPS:
                    element = mapping.lookup(request.next_request_id, item, ctx)
                else:
                    element = mapping.request(request.next_request_id, item, ctx)
            except (ExportError, ValueError) as exc:
                batch.failed.append((request, f"{item.label} cannot be sent to QuickBooks: {exc}"))
                continue
            request.target = mapping.target(item, ctx)[:255]
            _add(batch, request, element)
            in_batch_items.add(request.item_id)
    _drop_moot_holds(batch, held_because_of, released)
    return batch


def _drop_moot_holds(batch: Batch, held_because_of: dict[int, int], released: set[int]) -> None:
    """Held requests come last, so a request may be held back for a dependency that an earlier message
    held, which goes in this message after all: it was only waiting its turn (and so is what waits for it)."""
    moot = set(released)
    while True:
        newly = {item for item, dependency in held_because_of.items() if dependency in moot} - moot
        if not newly:
            break
        moot |= newly
    batch.held = [(request, reason) for request, reason in batch.held if request.item_id not in moot]


def _add(batch: Batch, request: QueuedRequest, element: etree._Element) -> None:
    request.operation = str(element.tag).removesuffix("Rq")
    batch.requests.append(request)
    batch.elements.append(element)


def _blocker(
    request: QueuedRequest,
    views: dict[int, ItemView],
    in_batch_items: set[int],
    present_keys: set[str],
    failed_support: dict[str, str],
    held_items: dict[int, str],
) -> tuple[str, int | None] | None:
    """None when the request may go now; else why not: "" when it must wait its turn, or why it is held
    back, with the held dependency it waits for, if that is the reason."""
    for dep_id in request.depends_on_items:
        dep = views.get(dep_id)
        if dep is None or dep.state == ErpState.SYNCED or dep_id in in_batch_items:
            continue
        if dep.state == ErpState.QUEUED:
            if dep_id in held_items:
                return f"Waiting for {dep.label}, which is held back: {held_items[dep_id]}", dep_id
            return "", None
        if dep.state == ErpState.FAILED:
            return f"Waiting for {dep.label}, which failed to export to QuickBooks.", None
        return f"Waiting for {dep.label}, which is {dep.state} and not in QuickBooks.", None
    for key in request.needs:
        if key in present_keys:
            continue
        if key in failed_support:
            return f"Waiting for {key.replace(':', ' ', 1)}, which QuickBooks refused: {failed_support[key]}", None
        return "", None
    return None


def prepare_message(session: QbSession) -> str:
    """Choose the next requests, mark them in the session's next message, and return its qbXML ("" if none)."""
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=session.connection_id)
        session.connection = connection
        batch = select(session)
        _settle_unsendable(batch, session)
        if not batch.requests:
            return ""
        message = build.build_message(batch.elements, version=session.qbxml_version or "13.0").decode("utf-8")
        number = session.messages_sent + 1
        for request in batch.requests:
            lifecycle.send(request)
            request.session_id = session.pk
            request.message_number = number
            request.attempts += 1
            request.sent_at = None  # set when the Web Connector actually takes the message
        rows.save(batch.requests, ["status", "session", "message_number", "attempts", "sent_at", "operation", "target"])
        session.messages_sent = number
        session.save(update_fields=["messages_sent"])
    return message


def _settle_unsendable(batch: Batch, session: QbSession) -> None:
    """Requests that cannot be built fail at once; held ones say why on their item."""
    outcomes = []
    for request, message in batch.failed:
        lifecycle.move(request, S.FAILED if message else S.CANCELLED)
        request.status_message = message
        if message and request.item_id:
            outcomes.append(erp.SyncOutcome(request.item_id, False, error=message))
    if batch.failed:
        rows.save([request for request, _ in batch.failed], ["status", "status_message"])
        erp.record_sync_outcomes(outcomes)
        session.failed_count += len(outcomes)
        session.save(update_fields=["failed_count"])
    changed = []
    for request, message in batch.held:
        if request.status != S.HELD or request.status_message != message:
            lifecycle.move(request, S.HELD)
            request.status_message = message
            changed.append(request)
        if request.item_id:
            erp.item_waiting([request.item_id], message)
    rows.save(changed, ["status", "status_message"])


def preview_message(item_id: int) -> str:
    """The qbXML that exporting the item sends (with what QuickBooks is known to hold now), for people."""
    ctx = MessageItems().load([item_id])
    view = ctx.items[item_id]
    try:
        element = mapping_for(view.object_type).request("1", view, ctx)
    except (ExportError, ValueError, KeyError) as exc:
        return f"<!-- Not ready to build: {exc} -->"
    return build.build_message([element]).decode("utf-8")
