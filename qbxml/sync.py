"""The persistent request queue: accepted items become requests, requests become messages, QuickBooks'
answers become synced or failed items. Exactly once: a request is a row before it is sent, and its
outcome is written in the same transaction as its item's new state.

Request lifecycle:
    ready ──prepared with an answer / sendRequestXML──▶ sent ──answer──▶ done | failed | ready (retry)
    sent, answer never came ──next session──▶ in_doubt ──look-up: found──▶ done
                                                       └──────── not found──▶ ready (add again)
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from erp_integrations import services as erp
from erp_integrations.bulk import insert_values, select_in, update_rows, values_of
from erp_integrations.models import ErpItem, ErpSettings, ErpState
from procore_sync.models import CostCode, Division
from qbxml import export
from qbxml.export import KINDS, Context, ExportError, ExportSettings, ItemView
from qbxml.lib import build
from qbxml.lib.parse import QbxmlParseError, Response, Status, iter_responses
from qbxml.models import QbConnection, QbExchange, QbListRecord, QbRequest, QbSession

logger = logging.getLogger(__name__)

ACTIVE = [QbRequest.Status.READY, QbRequest.Status.SENT, QbRequest.Status.IN_DOUBT, QbRequest.Status.HELD]
WAITING = [QbRequest.Status.READY, QbRequest.Status.IN_DOUBT, QbRequest.Status.HELD]
MAX_TRANSIENT_ATTEMPTS = 5  # "record in use" answers before the item fails with the last message
MAX_PARSE_FAILURES = 2  # messages QuickBooks could not read while the request was sent alone
MAX_BATCH = 250
CANDIDATE_WINDOW = 2  # batches of candidates read per message; more only while none of them can go


def export_settings() -> ExportSettings:
    row = ErpSettings.load()
    return ExportSettings(
        expense_account=row.expense_account_name,
        income_account=row.income_account_name,
        retainage_item=row.retainage_item_name,
    )


def default_connection() -> QbConnection | None:
    return QbConnection.objects.filter(is_default=True, is_active=True).first()


# --- from accepted items to requests ---------------------------------------------------------------


# A new request: its own fields, then every other non-null column at its model default (the nullable ones
# stay NULL), taken from the model so the two cannot disagree.
_NEW_REQUEST_OWN = [
    "connection",
    "item",
    "kind",
    "support_key",
    "target",
    "needs",
    "depends_on_items",
    "sequence",
    "created_at",
]
_NEW_REQUEST_DEFAULTED = [
    field
    for field in QbRequest._meta.concrete_fields
    if not field.primary_key and not field.null and field.name not in _NEW_REQUEST_OWN
]
_NEW_REQUEST_FIELDS = _NEW_REQUEST_OWN + [field.name for field in _NEW_REQUEST_DEFAULTED]
_NEW_REQUEST_DEFAULTS = tuple(field.get_default() for field in _NEW_REQUEST_DEFAULTED)


def enqueue_accepted(connection: QbConnection) -> int:
    """Give every queued item without a live request one, on the default connection. Returns how many."""
    if not connection.is_default:
        return 0
    live = QbRequest.objects.filter(item=OuterRef("pk"), status__in=ACTIVE)
    items = (
        ErpItem.objects.filter(state=ErpState.QUEUED, record_deleted_at__isnull=True)
        .exclude(Exists(live))
        .order_by("pk")
        .values_list("pk", "object_type", "sent_payload", "accept_options", "depends_on")
    )
    settings = export_settings()
    known = _known_support_keys(connection)
    pending_support = set(
        QbRequest.objects.filter(connection=connection, item__isnull=True, status__in=ACTIVE).values_list(
            "support_key", flat=True
        )
    )
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []

    def add(item_id: int | None, kind: str, key: str, target: str, needs: list[str], depends_on: list[int]) -> None:
        own = (connection.pk, item_id, kind, key, target, needs, depends_on, export.SEQUENCE[kind], now)
        rows.append(own + _NEW_REQUEST_DEFAULTS)

    for item_id, object_type, payload, options, depends_on in items:
        needs = export.support_keys(object_type, payload or {}, options or {}, settings)
        for key in needs:
            if key not in known and key not in pending_support:
                pending_support.add(key)
                support_kind, _, name = key.partition(":")
                add(None, support_kind, key, name, [], [])
        add(item_id, export.KIND_OF_TYPE[object_type], "", "", needs, list(depends_on or []))
    return insert_values(QbRequest, _NEW_REQUEST_FIELDS, rows)


def _known_support_keys(connection: QbConnection) -> set[str]:
    """The classes, items and customers QuickBooks is known to hold, as support keys."""
    prefix = {"class": "class", "item": "parent_item", "customer": "customer"}
    rows = QbListRecord.objects.filter(connection=connection, list_type__in=list(prefix)).values_list(
        "list_type", "full_name"
    )
    return {f"{prefix[list_type]}:{name}" for list_type, name in rows}


# --- from requests to a message --------------------------------------------------------------------


@dataclass(slots=True)
class QueuedRequest:
    """A `QbRequest` row as the queue works on it: read as a tuple, written back with `update_rows`.

    The queue handles hundreds of requests per message; building model instances for them was one of
    the largest costs of a message.
    """

    pk: int
    connection_id: int
    item_id: int | None
    kind: str
    target: str
    support_key: str
    needs: list[str]
    depends_on_items: list[int]
    sequence: int
    operation: str
    status: str
    attempts: int
    parse_failures: int
    pending_check: str
    repairs: int
    session_id: int | None
    message_number: int | None
    status_code: int | None
    status_message: str
    not_before_session: int
    sent_at: datetime | None = None
    answered_at: datetime | None = None


# The columns read, in the dataclass' order (the two times are written, never read).
_QUEUE_COLUMNS = tuple(
    "id" if name == "pk" else name
    for name in QueuedRequest.__slots__  # type: ignore[attr-defined]
    if name not in ("sent_at", "answered_at")
)


def _read_queue(rows: Any) -> list[QueuedRequest]:
    """The requests of a QbRequest queryset, as plain rows."""
    return [QueuedRequest(*row) for row in values_of(rows, _QUEUE_COLUMNS)]


def _save_requests(requests: list[QueuedRequest], fields: list[str]) -> None:
    update_rows(requests, fields, model=QbRequest)


@dataclass
class Batch:
    requests: list[QueuedRequest] = field(default_factory=list)
    elements: list[Any] = field(default_factory=list)
    failed: list[tuple[QueuedRequest, str]] = field(default_factory=list)
    held: list[tuple[QueuedRequest, str]] = field(default_factory=list)


_SCALAR_FIELDS = ("id", "object_type", "state", "label", "qb_ref", "qb_edit_sequence")
# Dependencies whose own data the export reads: a change order needs its commitment's purchase order and
# lines, a budget modification its budget's lines. Other dependencies matter only by their state.
_READ_DEPENDENCIES = {"commitment", "budget"}
_READS_DEPENDENCIES = {"change_order", "budget_modification"}


def _item_views(item_ids: Iterable[int], *, full: bool = True) -> dict[int, ItemView]:
    """What the export needs of these items: everything (`full`), or only their state and QuickBooks ids.

    The JSON columns are the most expensive part of reading hundreds of items (a decode each), so they
    are read only where they are used.
    """
    if not full:
        return {
            pk: ItemView(
                id=pk,
                object_type=object_type,
                state=state,
                label=label,
                payload={},
                accept_options={},
                qb_ref=qb_ref,
                edit_sequence=edit_sequence,
            )
            for pk, object_type, state, label, qb_ref, edit_sequence in select_in(
                ErpItem, _SCALAR_FIELDS, {"pk": item_ids}
            )
        }
    return {
        pk: ItemView(
            id=pk,
            object_type=object_type,
            state=state,
            label=label,
            payload=payload or {},
            accept_options=options or {},
            qb_ref=qb_ref,
            edit_sequence=edit_sequence,
            details=details or {},
            depends_on=depends_on or [],
        )
        for pk, object_type, state, label, qb_ref, edit_sequence, depends_on, payload, options, details in (
            select_in(
                ErpItem,
                (*_SCALAR_FIELDS, "depends_on", "sent_payload", "accept_options", "qb_details"),
                {"pk": item_ids},
            )
        )
    }


class _Views:
    """The items a message needs and the names they refer to, read as the queue is gone through.

    Items are read in full (payload included) only when their request is about to be built, or when an
    item being built reads their data; other dependencies only by their state.
    """

    def __init__(self) -> None:
        self.ctx = Context(settings=export_settings(), items={}, item_names={}, job_names={})
        self._full: set[int] = set()
        self._dependency_types: dict[int, str] = {}  # of every dependency read, synced ones included
        self._modifications_read = False

    def load(self, item_ids: Iterable[int], *, sending: bool = True) -> Context:
        """Read these items in full, and what they depend on. To send them (`sending`), also the names
        they refer to and what may hold them back; to read their answers, only the data they read.

        Of the dependencies, those whose data the export reads come in full; the others by their state,
        and only those not synced are kept (a synced one holds nothing back). Each is read once per message.
        """
        wanted = set(item_ids) - self._full
        if not wanted:
            return self.ctx
        items = self.ctx.items
        full = _item_views(wanted)
        dependencies = {
            dep
            for view in full.values()
            if sending or view.object_type in _READS_DEPENDENCIES
            for dep in view.depends_on
        } - full.keys()
        for pk, view in _item_views(dependencies - self._dependency_types.keys() - items.keys(), full=False).items():
            self._dependency_types[pk] = view.object_type
            if view.state != ErpState.SYNCED:
                items[pk] = view
        read = {
            pk
            for pk in dependencies
            if (items[pk].object_type if pk in items else self._dependency_types.get(pk)) in _READ_DEPENDENCIES
        }
        full.update(_item_views(read - self._full))
        self._full |= full.keys()
        items.update(full)
        if not self._modifications_read and any(
            view.object_type in ("budget", "budget_modification") for view in full.values()
        ):
            self._modifications_read = True
            self.ctx.synced_modifications = _synced_modifications()
        if sending:
            self._load_names(full.values())
        return self.ctx

    def _load_names(self, views: Iterable[ItemView]) -> None:
        """The QuickBooks names of the cost codes and jobs these items name, that are not known yet."""
        payloads = [view.payload for view in views]
        payloads += [change for changes in self.ctx.synced_modifications.values() for change in changes]
        codes: set[str] = set()
        jobs: set[str] = set()
        for payload in payloads:
            if payload.get("job_name"):
                jobs.add(payload["job_name"])
            codes.update(line["cost_code"] for line in payload.get("lines") or () if line.get("cost_code"))
        codes -= self.ctx.item_names.keys()
        jobs -= self.ctx.job_names.keys()
        if codes:
            self.ctx.item_names.update(
                (code, export.item_full_name(division, code))
                for code, division in CostCode.objects.filter(code__in=codes).values_list("code", "division__code")
            )
        if jobs:
            # The job's full name is its project's parent customer and its name, as the project was sent.
            for job, parent in (
                ErpItem.objects.filter(object_type="project", sent_payload__job_name__in=jobs)
                .exclude(state=ErpState.DRAFT)
                .values_list("sent_payload__job_name", "accept_options__parent_customer")
            ):
                if job and parent:
                    self.ctx.job_names[job] = f"{parent}:{job}"


def _synced_modifications() -> dict[int, list[dict[str, Any]]]:
    """The payloads of the synced budget modifications, by budget: a revised estimate includes them all."""
    modifications: dict[int, list[dict[str, Any]]] = {}
    for payload, depends_on in ErpItem.objects.filter(
        object_type="budget_modification", state=ErpState.SYNCED
    ).values_list("sent_payload", "depends_on"):
        for budget_id in depends_on or []:
            modifications.setdefault(budget_id, []).append(payload or {})
    return modifications


def _select(session: QbSession) -> Batch:
    """The next requests to send, in dependency order, each only once what it needs is there or before it."""
    connection = session.connection
    limit = max(1, min(connection.batch_limit, MAX_BATCH))
    waiting = (
        QbRequest.objects.filter(connection=connection, status__in=WAITING)
        .filter(Q(not_before_session__lt=session.pk))
        # Held requests last: they wait for a record that failed, and must not keep ready ones out.
        .order_by(Case(When(status=QbRequest.Status.HELD, then=Value(1)), default=Value(0)), "sequence", "id")
    )
    batch = Batch()
    views = _Views()
    known = _known_support_keys(connection)
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
        chunk = _read_queue(waiting[start : start + limit])
        if not chunk:
            break
        failed_support.update(
            QbRequest.objects.filter(
                connection=connection,
                item__isnull=True,
                status=QbRequest.Status.FAILED,
                support_key__in={key for request in chunk for key in request.needs},
            ).values_list("support_key", "status_message")
        )
        # Queued items whose request is held back: what depends on them is held back too, and says why.
        for item_id, message in select_in(
            QbRequest,
            ["item", "status_message"],
            {
                "connection": [connection.pk],
                "status": [QbRequest.Status.HELD],
                "item": {dep for request in chunk for dep in request.depends_on_items},
            },
        ):
            if item_id not in released:
                held_items.setdefault(item_id, message)
        ctx = views.load(request.item_id for request in chunk if request.item_id)
        for request in chunk:
            if len(batch.requests) >= limit:
                break
            if request.item_id is None:
                element = (
                    export.support_lookup(_rid(request), request.support_key)
                    if request.pending_check == "exists"
                    else export.support_request(
                        _rid(request), request.support_key, ctx.settings, _division_names(request.support_key)
                    )
                )
                _add(batch, request, element)
                in_batch_keys.add(request.support_key)
                continue
            item = ctx.items.get(request.item_id)
            if item is None or item.state != ErpState.QUEUED:
                batch.failed.append((request, ""))  # the item left the queue (retrieved by nobody: rejected...)
                continue
            kind = KINDS[request.kind]
            blocked = _blocker(
                request,
                ctx.items,
                set() if kind.waits_for_answers else in_batch_items,
                known | in_batch_keys,
                failed_support,
                held_items,
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
            try:
                if request.pending_check in ("exists", "name_in_use", "edit_sequence"):
                    element = kind.lookup(_rid(request), item, ctx)
                else:
                    element = export.request_for(kind, _rid(request), item, ctx)
            except (ExportError, ValueError) as exc:
                batch.failed.append((request, f"{item.label} cannot be sent to QuickBooks: {exc}"))
                continue
            request.target = kind.target(item, ctx)[:255]
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


def _division_names(key: str) -> dict[str, str]:
    code = key.partition(":")[2]
    return dict(Division.objects.filter(code=code).values_list("code", "name"))


def _rid(request: QueuedRequest) -> str:
    return str(request.pk)


def _add(batch: Batch, request: QueuedRequest, element: Any) -> None:
    request.operation = element.tag.removesuffix("Rq")
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
        what = dep.label
        if dep.state == ErpState.FAILED:
            return f"Waiting for {what}, which failed to export to QuickBooks.", None
        return f"Waiting for {what}, which is {dep.state} and not in QuickBooks.", None
    for key in request.needs:
        if key in present_keys:
            continue
        if key in failed_support:
            return f"Waiting for {key.replace(':', ' ', 1)}, which QuickBooks refused: {failed_support[key]}", None
        return "", None
    return None


def prepare_message(session: QbSession) -> str:
    """Choose the next requests, mark them sent by this session, and return the qbXML message ("" if none)."""
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=session.connection_id)
        session.connection = connection
        batch = _select(session)
        _settle_unsendable(batch, session)
        if not batch.requests:
            return ""
        version = session.qbxml_version or "13.0"
        message = build.build_message(batch.elements, version=version).decode("utf-8")
        number = session.messages_sent + 1
        for request in batch.requests:
            request.status = QbRequest.Status.SENT
            request.session_id = session.pk
            request.message_number = number
            request.attempts += 1
            request.sent_at = None  # set when the Web Connector actually takes the message
        _save_requests(
            batch.requests, ["status", "session", "message_number", "attempts", "sent_at", "operation", "target"]
        )
        session.messages_sent = number
        session.save(update_fields=["messages_sent"])
    return message


def _settle_unsendable(batch: Batch, session: QbSession) -> None:
    """Requests that cannot be built fail at once; held ones say why on their item."""
    outcomes = []
    for request, message in batch.failed:
        request.status = QbRequest.Status.FAILED if message else QbRequest.Status.CANCELLED
        request.status_message = message
        if message and request.item_id:
            outcomes.append(erp.SyncOutcome(request.item_id, False, error=message))
    if batch.failed:
        _save_requests([r for r, _ in batch.failed], ["status", "status_message"])
        erp.record_sync_outcomes(outcomes)
        session.failed_count += len(outcomes)
        session.save(update_fields=["failed_count"])
    changed = []
    for request, message in batch.held:
        if request.status != QbRequest.Status.HELD or request.status_message != message:
            request.status = QbRequest.Status.HELD
            request.status_message = message
            changed.append(request)
        if request.item_id:
            erp.item_waiting([request.item_id], message)
    _save_requests(changed, ["status", "status_message"])


# --- from QuickBooks' answers to items -------------------------------------------------------------


@dataclass
class Answers:
    """What one response document changes, gathered to be written at once."""

    requests: list[QueuedRequest] = field(default_factory=list)
    outcomes: list[erp.SyncOutcome] = field(default_factory=list)
    touched: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    list_records: list[QbListRecord] = field(default_factory=list)
    synced: int = 0
    failed: int = 0
    read_at: datetime = field(default_factory=timezone.now)


def _in_flight(session: QbSession) -> list[QueuedRequest]:
    """Requests of the session that the Web Connector took to QuickBooks and whose answer is not read yet."""
    return _read_queue(
        QbRequest.objects.select_for_update().filter(
            session=session, status=QbRequest.Status.SENT, sent_at__isnull=False
        )
    )


# What the sync reads of QuickBooks' records (`Response.records`): ids, names, reference numbers, the
# party and its details (to tell the same vendor), and the lines' ids and descriptions. The rest of an
# answer is skipped unread.
ANSWER_TAGS = frozenset(
    {
        "ListID",
        "TxnID",
        "EditSequence",
        "Name",
        "FullName",
        "RefNumber",
        "VendorRef",
        "CustomerRef",
        "VendorAddress",
        "BillAddress",
        "Phone",
        "Email",
        "TxnLineID",
        "Desc",
    }
)


def _read_answers(response: str) -> tuple[list[Response], str]:
    """The answers of a response document that could be read, and the problem that stopped the rest."""
    answers: list[Response] = []
    try:
        for answer in iter_responses(response, only=ANSWER_TAGS):
            answers.append(answer)
    except QbxmlParseError as exc:
        return answers, str(exc)
    return answers, ""


# Kinds whose plain success reads the item in full: a purchase order keeps its line ids by line number, a
# change reads what it changed (the commitment, the budget).
_READ_ON_SUCCESS = frozenset({"purchase_order", "purchase_order_change", "estimate_change"})


def _needs_full_item(request: QueuedRequest, answer: Response) -> bool:
    """Whether reading this answer needs the whole item: anything but a plain success, and some kinds."""
    return bool(request.pending_check) or not (answer.ok and answer.records) or request.kind in _READ_ON_SUCCESS


def apply_answer(session: QbSession, response: str) -> None:
    """Read QuickBooks' answer to the session's message. The same answer read twice changes nothing."""
    with transaction.atomic():
        in_flight = {_rid(request): request for request in _in_flight(session)}
        responses, problem = _read_answers(response)
        answered = []
        for answer in responses:
            request = in_flight.pop(answer.request_id or "", None)
            if request is not None:  # else an answer read before (the Web Connector sent it again), or not ours
                answered.append((request, answer))
        views = _Views()
        ids = {r.item_id for r in in_flight.values() if r.item_id} | {r.item_id for r, _ in answered if r.item_id}
        views.ctx.items.update(_item_views(ids, full=False))
        ctx = views.load(
            (request.item_id for request, answer in answered if request.item_id and _needs_full_item(request, answer)),
            sending=False,
        )
        answers = Answers()
        failed_in_message: set[int | str] = set()
        for request, answer in answered:
            _apply_one(request, answer, session, ctx.items, ctx, answers, failed_in_message)
        unreadable = bool(problem)
        if unreadable:
            session.last_error = f"The answer from QuickBooks could not be read: {problem}"
            logger.warning("Unreadable answer in session %s: %s", session.pk, problem)
        if not answers.requests and not unreadable:
            return
        numbers = {request.message_number for request in answers.requests} or {
            request.message_number for request in in_flight.values()
        }
        # Requests of the same message that QuickBooks did not answer (stopOnError, an unreadable answer)
        # go again.
        for request in in_flight.values():
            if request.message_number in numbers:
                if unreadable:  # QuickBooks may well have carried it out: ask before sending it again
                    view = ctx.items.get(request.item_id) if request.item_id else None
                    request.status = QbRequest.Status.IN_DOUBT
                    request.pending_check = _doubt_check(request, view.qb_ref if view else "")
                else:  # stopOnError: QuickBooks stopped before it
                    request.status = QbRequest.Status.READY
                answers.requests.append(request)
        for number in numbers:
            QbExchange.objects.get_or_create(
                session=session,
                direction=QbExchange.Direction.RESPONSE,
                message_number=number or 0,
                defaults={"body": response},
            )
        _write(answers, session)


def _apply_one(
    request: QueuedRequest,
    answer: Response,
    session: QbSession,
    views: dict[int, ItemView],
    ctx: Context,
    answers: Answers,
    failed_in_message: set[int | str],
) -> None:
    request.status_code = answer.status_code
    request.status_message = answer.status_message
    request.answered_at = answers.read_at
    answers.requests.append(request)
    if request.item_id is None:
        _apply_support(request, answer, session, answers)
        if request.status != QbRequest.Status.DONE:
            failed_in_message.add(request.support_key)  # what refers to it in this message waits for it
        return
    item = views[request.item_id]
    kind = KINDS[request.kind]
    check, request.pending_check = request.pending_check, ""
    if check == "exists":
        record = kind.match(answer.records, item, ctx) if answer.ok else None
        if record is not None:
            _done(request, kind, item, record, answers, ctx, note="Found in QuickBooks: its first answer was lost.")
        elif answer.ok or answer.found_nothing:
            request.status = QbRequest.Status.READY  # not there: add it
        else:
            _error(request, kind, item, answer, session, ctx, answers, failed_in_message)
        return
    if check == "name_in_use":
        _resolve_name_in_use(request, kind, item, answer, ctx, answers)
        return
    if check == "edit_sequence":
        record = answer.records[0] if answer.ok and answer.records else None
        if record is None:
            _fail(
                request, item, f"{kind.target(item, ctx)} is no longer in QuickBooks: {answer.status_message}", answers
            )
            return
        if kind.name == "purchase_order_change" and kind.match([record], item, ctx) is not None:
            _done(request, kind, item, record, answers, ctx, note="Found in QuickBooks: its first answer was lost.")
            return
        _refresh(item, kind, record, ctx, answers, views)
        request.status = QbRequest.Status.READY
        return
    if answer.ok and answer.records:
        _done(request, kind, item, answer.records[0], answers, ctx)
        return
    if answer.ok:
        # A warning without the record (QuickBooks' 500 for an element it could not find): nothing was made.
        _fail(request, item, f"QuickBooks did not make {kind.target(item, ctx)}: {answer.status_message}", answers)
        return
    _error(request, kind, item, answer, session, ctx, answers, failed_in_message)


def _apply_support(request: QueuedRequest, answer: Response, session: QbSession, answers: Answers) -> None:
    check, request.pending_check = request.pending_check, ""
    if check == "exists" and not (answer.ok and answer.records):
        word = {"class": "class", "parent_item": "item", "customer": "customer"}[request.support_key.partition(":")[0]]
        request.status = QbRequest.Status.FAILED
        request.status_message = (
            f'QuickBooks uses the name "{request.target}" for another kind of record (a vendor, employee or '
            f"other name), so it cannot be the {word} of that name. Rename one of them; names are unique "
            "across QuickBooks' lists."
        )
        return
    if answer.status_code == Status.NAME_IN_USE:
        # Made by someone else, or by a message whose answer was lost, or the name of another kind of
        # record: look it up before relying on it.
        request.status = QbRequest.Status.READY
        request.pending_check = "exists"
        return
    if answer.ok:
        request.status = QbRequest.Status.DONE
        record = answer.records[0] if answer.records else {}
        answers.list_records.append(
            QbListRecord(
                connection_id=request.connection_id,
                list_type=export.support_list_type(request.support_key),
                list_id=record.get("list_id") or f"name:{request.target}",
                full_name=request.target,
                edit_sequence=record.get("edit_sequence") or "",
            )
        )
    elif answer.is_transient:
        _retry_later(request, session, answer.status_message, None, answers)
    else:
        request.status = QbRequest.Status.FAILED
        request.status_message = f"{answer.status_message} (status {answer.status_code})"


def _done(
    request: QueuedRequest,
    kind: export.Kind,
    item: ItemView,
    record: dict[str, Any],
    answers: Answers,
    ctx: Context,
    note: str = "",
) -> None:
    request.status = QbRequest.Status.DONE
    outcome = export.outcome_of(kind, item, record, ctx, note=note)
    answers.outcomes.append(
        erp.SyncOutcome(
            item.id,
            True,
            qb_ref=outcome.qb_ref,
            edit_sequence=outcome.edit_sequence,
            details=outcome.details,
            note=note,
        )
    )
    answers.touched.update(outcome.touched)
    answers.synced += 1
    if kind.list_type and outcome.qb_ref:
        answers.list_records.append(
            QbListRecord(
                connection_id=request.connection_id,
                list_type=kind.list_type,
                list_id=outcome.qb_ref,
                full_name=record.get("full_name") or record.get("name") or request.target,
                edit_sequence=outcome.edit_sequence,
            )
        )


def _fail(request: QueuedRequest, item: ItemView, message: str, answers: Answers) -> None:
    request.status = QbRequest.Status.FAILED
    request.status_message = message
    answers.outcomes.append(erp.SyncOutcome(item.id, False, error=message))
    answers.failed += 1


def _retry_later(
    request: QueuedRequest, session: QbSession, message: str, item: ItemView | None, answers: Answers
) -> None:
    """Locked or in use in QuickBooks: try again in the next session, a bounded number of times."""
    if request.attempts >= MAX_TRANSIENT_ATTEMPTS:
        final = f"{message} (tried {request.attempts} times; giving up)"
        if item is not None:
            _fail(request, item, final, answers)
        else:
            request.status = QbRequest.Status.FAILED
            request.status_message = final
        return
    request.status = QbRequest.Status.READY
    request.not_before_session = session.pk


def _error(
    request: QueuedRequest,
    kind: export.Kind,
    item: ItemView,
    answer: Response,
    session: QbSession,
    ctx: Context,
    answers: Answers,
    failed_in_message: set[int | str],
) -> None:
    target = kind.target(item, ctx)
    if answer.is_transient:
        _retry_later(request, session, f"QuickBooks was busy with {target}: {answer.status_message}", item, answers)
        return
    if answer.status_code == Status.NAME_IN_USE and kind.name in ("vendor", "job") and not item.qb_ref:
        request.pending_check = "name_in_use"
        request.status = QbRequest.Status.READY
        return
    if answer.status_code == Status.STALE_EDIT_SEQUENCE and request.repairs < 1:
        request.repairs += 1
        request.pending_check = "edit_sequence"
        request.status = QbRequest.Status.READY
        return
    if answer.status_code == Status.INVALID_REFERENCE and failed_in_message & {*item.depends_on, *request.needs}:
        request.status = QbRequest.Status.HELD
        request.status_message = "Waiting for a record it refers to, which QuickBooks refused in the same message."
        return
    failed_in_message.add(item.id)
    _fail(request, item, f"QuickBooks refused {target}: {answer.status_message} (status {answer.status_code})", answers)


def _same_party(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Whether QuickBooks' record of the same name is the same company: one shared detail is enough."""

    def norm(value: Any) -> str:
        return "".join(ch for ch in str(value or "").lower() if ch.isalnum())

    address = theirs.get("vendor_address") or theirs.get("bill_address") or {}
    pairs = [
        (ours.get("phone"), theirs.get("phone")),
        (ours.get("email"), theirs.get("email")),
        (ours.get("address_line1"), address.get("addr1")),
        (ours.get("address_line1"), address.get("addr2")),
    ]
    if any(norm(a) and norm(a) == norm(b) for a, b in pairs):
        return True
    # A record with nothing to compare (a bare name in QuickBooks) is taken to be ours.
    return not any(norm(b) for _, b in pairs)


def _describe(record: dict[str, Any]) -> str:
    address = record.get("vendor_address") or record.get("bill_address") or {}
    parts = [address.get("addr1"), address.get("addr2"), address.get("city"), record.get("phone"), record.get("email")]
    return ", ".join(str(part) for part in parts if part) or "no address or phone"


def _resolve_name_in_use(
    request: QueuedRequest, kind: export.Kind, item: ItemView, answer: Response, ctx: Context, answers: Answers
) -> None:
    target = kind.target(item, ctx)
    record = answer.records[0] if answer.ok and answer.records else None
    if record is None:
        _fail(
            request,
            item,
            f'QuickBooks uses the name "{target}" for another kind of record (a customer, employee or other name). '
            "Rename one of them; names are unique across QuickBooks' lists.",
            answers,
        )
        return
    if _same_party(item.payload, record):
        _done(request, kind, item, record, answers, ctx, note=f"Linked to the existing QuickBooks record {target}.")
        return
    ours = ", ".join(
        str(item.payload.get(key)) for key in ("address_line1", "city", "phone", "email") if item.payload.get(key)
    )
    _fail(
        request,
        item,
        f'QuickBooks already has "{target}" ({_describe(record)}), which does not look like this one '
        f"({ours or 'no address or phone'}). Rename one of them, or correct the details and send it again.",
        answers,
    )


def _refresh(
    item: ItemView,
    kind: export.Kind,
    record: dict[str, Any],
    ctx: Context,
    answers: Answers,
    views: dict[int, ItemView],
) -> None:
    """A stale EditSequence: keep what QuickBooks holds now, on the item whose record it is."""
    owner = item
    if kind.name == "purchase_order_change":
        owner = ctx.dependency(item, "commitment") or item
    elif kind.name == "estimate_change":
        owner = ctx.dependency(item, "budget") or item
    line_ids = [line.get("txn_line_id") for line in record.get("lines", []) if line.get("txn_line_id")]
    details = {"all_line_ids": line_ids} if kind.name == "purchase_order_change" else {}
    answers.touched[owner.id] = (record.get("edit_sequence") or "", details)


def _write(answers: Answers, session: QbSession) -> None:
    _save_requests(
        answers.requests,
        [
            "status",
            "status_code",
            "status_message",
            "answered_at",
            "pending_check",
            "repairs",
            "not_before_session",
            "parse_failures",
        ],
    )
    erp.record_sync_outcomes(answers.outcomes)
    for item_id, (edit_sequence, details) in answers.touched.items():
        erp.item_quickbooks_record_changed(item_id, edit_sequence=edit_sequence, details=details)
    if answers.list_records:
        QbListRecord.objects.bulk_create(
            answers.list_records,
            update_conflicts=True,
            unique_fields=["connection", "list_type", "list_id"],
            update_fields=["full_name", "edit_sequence"],
        )
    finished = sum(
        1 for request in answers.requests if request.status in (QbRequest.Status.DONE, QbRequest.Status.FAILED)
    )
    session.done_requests += finished
    session.synced_count += answers.synced
    session.failed_count += answers.failed
    session.save(update_fields=["done_requests", "synced_count", "failed_count", "last_error"])


def apply_parse_failure(session: QbSession, hresult: str, message: str) -> None:
    """QuickBooks could not read a message: send its requests again in smaller messages, and give up on a
    request that QuickBooks cannot read even alone."""
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=session.connection_id)
        requests = _in_flight(session)
        text = f"QuickBooks could not read the request ({hresult}): {message}".strip()
        outcomes = []
        for request in requests:
            request.status = QbRequest.Status.READY
            request.status_message = text
            if len(requests) == 1:
                request.parse_failures += 1
                if request.parse_failures >= MAX_PARSE_FAILURES:
                    request.status = QbRequest.Status.FAILED
                    if request.item_id:
                        outcomes.append(erp.SyncOutcome(request.item_id, False, error=text))
        _save_requests(requests, ["status", "status_message", "parse_failures"])
        erp.record_sync_outcomes(outcomes)
        # Halve the next messages until the request QuickBooks cannot read is found alone.
        connection.batch_limit = max(1, len(requests) // 2)
        connection.last_error = text
        connection.save(update_fields=["batch_limit", "last_error"])
        session.last_error = text
        session.failed_count += len(outcomes)
        session.save(update_fields=["last_error", "failed_count"])


def message_read(session: QbSession) -> None:
    """The Web Connector took the prepared message: from now on its requests may have reached QuickBooks."""
    QbRequest.objects.filter(session=session, status=QbRequest.Status.SENT, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def restore_batch_limit(connection: QbConnection) -> None:
    if connection.batch_limit < MAX_BATCH:
        QbConnection.objects.filter(pk=connection.pk).update(batch_limit=min(MAX_BATCH, connection.batch_limit * 2))


def release_unsent(session: QbSession) -> None:
    """Requests prepared for a message the Web Connector never took go back to the queue."""
    QbRequest.objects.filter(session=session, status=QbRequest.Status.SENT, sent_at__isnull=True).update(
        status=QbRequest.Status.READY
    )


def mark_in_doubt(connection: QbConnection, current: QbSession) -> int:
    """Requests sent by an earlier session whose answer never came: ask QuickBooks before adding again."""
    stale = QbRequest.objects.filter(connection=connection, status=QbRequest.Status.SENT).exclude(session=current)
    never_sent = stale.filter(sent_at__isnull=True).update(status=QbRequest.Status.READY)
    doubtful = _read_queue(stale.filter(sent_at__isnull=False))
    qb_refs = dict(ErpItem.objects.filter(pk__in={r.item_id for r in doubtful}).values_list("pk", "qb_ref"))
    for request in doubtful:
        request.status = QbRequest.Status.IN_DOUBT
        request.pending_check = _doubt_check(request, qb_refs.get(request.item_id or 0, ""))
    _save_requests(doubtful, ["status", "pending_check"])
    return never_sent + len(doubtful)


def _doubt_check(request: QueuedRequest, qb_ref: str) -> str:
    """The look-up to make before sending again a request QuickBooks may have carried out.

    An Add may have happened: look for the record first (a change order's lines by their marker). A Mod
    is safe to send again: if it happened, the EditSequence moved on and QuickBooks refuses it (3200,
    repaired by a query). A budget modification replaces the estimate's lines with the whole revised
    budget, so sending it again is harmless, while finding the estimate says nothing of whether the
    modification reached it.
    """
    kind = KINDS.get(request.kind)
    if kind is None or not request.item_id:
        return ""
    if kind.name == "purchase_order_change":
        return "exists"
    return "" if (kind.always_modifies or qb_ref) else "exists"


def queue_depth(connection: QbConnection) -> int:
    return QbRequest.objects.filter(connection=connection, status__in=ACTIVE).count()


def remaining_for(session: QbSession) -> int:
    return (
        QbRequest.objects.filter(connection_id=session.connection_id, status__in=ACTIVE)
        .filter(Q(not_before_session__lt=session.pk))
        .exclude(status=QbRequest.Status.HELD)
        .count()
    )


def preview_message(item: ErpItem) -> str:
    """The qbXML that exporting `item` sends (with what QuickBooks is known to hold now), for people."""
    ctx = _Views().load([item.pk])
    view = ctx.items[item.pk]
    kind = KINDS[export.KIND_OF_TYPE[item.object_type]]
    try:
        element = export.request_for(kind, "1", view, ctx)
    except (ExportError, ValueError, KeyError) as exc:
        return f"<!-- Not ready to build: {exc} -->"
    return build.build_message([element]).decode("utf-8")
