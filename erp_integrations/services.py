"""Every write of the acceptance workflow. One function per step, for every exportable type.

Each step: checks the permission gate, runs in one transaction, locks the item's row, checks the current
state against the transition table, writes the item and appends a history row (both through `move_many`,
the one writer of an item's state, for one item or a thousand), and queues its side effects to run after
commit.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from access import permissions
from access.permissions import Action
from erp_integrations import hooks, selectors, tasks
from erp_integrations.bulk import insert_values, select_in, update_values
from erp_integrations.errors import (
    CompanyFileInUse,
    DependencyNotReady,
    LinkRefused,
    RecordLocked,
    SendRefused,
    StepNotAllowed,
    WorkflowError,
    state_words,
)
from erp_integrations.exportables import Exportable, exportable_type_of, is_exportable
from erp_integrations.exportables.base import ADDRESS_FIELDS, Problem
from erp_integrations.models import (
    AccountingRecord,
    ErpEvent,
    ErpItem,
    ErpSettings,
    ErpState,
    ProjectAccountingSettings,
)
from erp_integrations.selectors import items_for_records
from erp_integrations.workflow import DEPENDENCY_READY_STATES, TRANSITIONS, Step, allowed_steps, is_locked, may_move
from procore_sync import models as ps
from procore_sync import selectors as project_selectors
from procore_sync import services as project_services
from procore_sync.money import ZERO
from procore_sync.selectors import PaidState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def _item_identity(record: Model) -> dict[str, Any]:
    return {"content_type": ContentType.objects.get_for_model(type(record)), "object_id": record.pk}


def item_for(record: Model) -> ErpItem:
    """The workflow item of `record`, created in draft the first time it is needed."""
    spec = exportable_type_of(record)
    item, _ = ErpItem.objects.get_or_create(
        **_item_identity(record), defaults={"object_type": spec.slug, **_identity(spec, record)}
    )
    return item


def _locked_item(record: Model) -> ErpItem:
    item = item_for(record)
    return ErpItem.objects.select_for_update().get(pk=item.pk)


def _identity(spec: Exportable[Any], record: Model) -> dict[str, Any]:
    """What the queue shows of the record: its label and project, kept in step with the record."""
    return {"label": spec.describe(record)[:255], "project": spec.project_of(record)}


# --- the one writer of an item's state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One item to move: the values of the fields written with the state (in `move_many`'s order), and
    what its history row says."""

    item_id: int
    values: Sequence[Any] = ()
    reason: str = ""
    payload: Any = None


_EVENT_FIELDS = ["item", "actor", "action", "from_state", "to_state", "reason", "payload", "created_at"]


def move_many(
    step: Step,
    moves: Sequence[Move],
    *,
    actor: User | None = None,
    fields: Sequence[str] = (),
    copy: Mapping[str, str] | None = None,
    skip_refused: bool = False,
) -> list[int]:
    """Move items along `step` of the transition table: the only code that writes an item's state.

    Locks the items' rows, checks each against the table, writes the state, `updated_at` and `fields`
    (each move's `values`; `copy` sets fields from others of the same row, in the database), and appends
    each item's history row, all with prepared statements: a thousand items cost a thousand rows, not a
    thousand queries. A move the table refuses raises `StepNotAllowed`, or is left out with `skip_refused`
    (QuickBooks' answers for items that someone moved meanwhile). Returns the ids of the items moved.
    """
    if not moves:
        return []
    transition = TRANSITIONS[step]
    with transaction.atomic():
        current = {
            pk: (state, label)
            for pk, state, label in select_in(
                ErpItem, ["id", "state", "label"], {"pk": {move.item_id for move in moves}}, for_update=True
            )
        }
        now = timezone.now()
        actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        item_rows: list[list[Any]] = []
        event_rows: list[list[Any]] = []
        for move in moves:
            state, label = current.get(move.item_id, (None, ""))
            if not may_move(step, state):
                if skip_refused:
                    continue
                raise StepNotAllowed(step, label, str(state), allowed_steps(str(state)))
            values = [value.pk if isinstance(value, Model) else value for value in move.values]
            item_rows.append([transition.target, now, *values, move.item_id])
            event_rows.append(
                [move.item_id, actor_id, step.value, state, transition.target, move.reason, move.payload, now]
            )
        update_values(ErpItem, ["state", "updated_at", *fields], item_rows, copy=copy)
        insert_values(ErpEvent, _EVENT_FIELDS, event_rows)
        moved = [row[-1] for row in item_rows]
        if transition.target == ErpState.QUEUED:
            hooks.items_queued(moved)
    return moved


def _apply(
    item: ErpItem,
    step: Step,
    actor: User | None,
    *,
    reason: str = "",
    payload: Any = None,
    fields: dict[str, Any] | None = None,
) -> None:
    """Move one locked item along `step` (through `move_many`); the instance follows what was written."""
    fields = fields or {}
    names = sorted(fields)
    move = Move(item.pk, [fields[name] for name in names], reason=reason, payload=payload)
    move_many(step, [move], actor=actor, fields=names)
    item.state = TRANSITIONS[step].target
    for name, value in fields.items():
        setattr(item, name, value)


# --- the steps a person takes ------------------------------------------------------------------------------


def take_step(
    step: Step | str, record: Model, actor: User, *, reason: str = "", options: Mapping[str, Any] | None = None
) -> ErpItem:
    """Take a person's workflow step on a record: the one entry the project pages, the approver's pages
    and the API all call. `reason` goes with reject and unlink, `options` with accept."""
    match Step(step):
        case Step.SEND:
            return item_send(record, actor)
        case Step.RETRIEVE:
            return item_retrieve(record, actor)
        case Step.RESEND:
            return item_resend(record, actor)
        case Step.ACCEPT:
            return item_accept(record, actor, options)
        case Step.REJECT:
            return item_reject(record, actor, reason)
        case Step.RETRY:
            return item_retry(record, actor)
        case Step.UNLINK:
            return item_unlink(record, actor, reason)
    raise ValueError(f"{step} is not a step a person takes")


@dataclass(frozen=True)
class StepResult:
    """What became of one item when a step was taken on several: done (and its state now), or refused and why."""

    item_id: int
    label: str
    done: bool
    reason: str = ""
    state: str = ""


def take_step_on_items(step: Step | str, item_ids: Iterable[int], actor: User, *, reason: str = "") -> list[StepResult]:
    """Take an approver's step on many items at once: the queue's bulk actions and the API's bulk endpoint.

    The user must be allowed the step at all (else PermissionDenied for the whole request); then each item
    goes through `take_step` in its own transaction, so one refusal (its state, a dependency, its project's
    permission, a deleted record) leaves the others done. Results come in id order, unknown ids refused."""
    step = Step(step)
    permissions.require(actor, Action(step))
    ids = sorted(set(item_ids))
    items = {item.pk: item for item in ErpItem.objects.filter(pk__in=ids)}
    results: list[StepResult] = []
    for item_id in ids:
        item = items.get(item_id)
        if item is None:
            results.append(StepResult(item_id, "", False, "No such item: it no longer exists."))
            continue
        try:
            record = selectors.record_of(item)
            moved = take_step(step, record, actor, reason=reason)
        except ObjectDoesNotExist:
            results.append(StepResult(item_id, item.label, False, f"{item.label}: its record was deleted."))
        except WorkflowError as exc:
            results.append(StepResult(item_id, item.label, False, exc.message))
        except PermissionDenied as exc:
            results.append(StepResult(item_id, item.label, False, f"{item.label}: {exc}"))
        else:
            results.append(StepResult(item_id, item.label, True, state=moved.state))
    return results


# The types whose name QuickBooks keeps in one of its lists: a record of one sent without a link, while the
# list holds that name, would create a second "ABC Electric" (or fail on the name, 3100).
NAMED_IN_LIST: dict[str, tuple[str, Callable[[Any], str]]] = {
    "company": (AccountingRecord.ListType.VENDOR, lambda company: company.name),
}


def _same_name_problems(spec: Exportable[Any], record: Model, item: ErpItem) -> list[Problem]:
    if item.qb_ref or spec.slug not in NAMED_IN_LIST:
        return []
    list_type, name_of = NAMED_IN_LIST[spec.slug]
    found = selectors.unlinked_same_name(list_type, name_of(record))
    if found is None:
        return []
    kind = AccountingRecord.ListType(list_type).label.lower()
    return [
        Problem(
            "name",
            f"QuickBooks already has a {kind} named {found.full_name} that nothing here is linked to: link "
            f"{spec.describe(record)} to it from Ready to Import ({spec.plural}) instead of sending it, so that "
            f"QuickBooks does not get a second {found.full_name}.",
        )
    ]


def _check_sendable(spec: Exportable[Any], record: Model, item: ErpItem) -> dict[str, Any]:
    problems = spec.problems(record) + _same_name_problems(spec, record, item)
    if problems:
        raise SendRefused(spec.describe(record), [problem.as_dict() for problem in problems])
    return dict(spec.payload(record))


def item_send(record: Model, actor: User) -> ErpItem:
    """Send a draft record for accounting acceptance (and accept it at once under direct export)."""
    return _send_step(record, actor, Step.SEND, Action.SEND)


def item_resend(record: Model, actor: User) -> ErpItem:
    """Send again after a rejection, or push an update of a synced record."""
    return _send_step(record, actor, Step.RESEND, Action.RESEND)


def _send_step(record: Model, actor: User, step: Step, action: Action) -> ErpItem:
    permissions.require(actor, action, record)
    spec = exportable_type_of(record)
    with transaction.atomic():
        item = _locked_item(record)
        # Read the record again under the item's lock: edits take the same lock, so what is validated and
        # recorded as sent is what is stored, not what the caller happened to hold in memory.
        record = type(record)._default_manager.get(pk=record.pk)
        if not may_move(step, item.state):
            raise StepNotAllowed(step, item.label, item.state, allowed_steps(item.state))
        # Validation runs after the state check: an item already sent is a conflict, not a form to fix.
        payload = _check_sendable(spec, record, item)
        _apply(
            item,
            step,
            actor,
            payload=payload,
            fields={
                **_identity(spec, record),
                "sent_payload": payload,
                "sent_by": actor,
                "sent_at": timezone.now(),
                "erp_error": "",
            },
        )
        _direct_export(item, spec, record, actor)
    return item


def _direct_export(item: ErpItem, spec: Exportable[Any], record: Model, actor: User) -> None:
    """Under direct export the approver's step is taken at send, when what the item needs is ready."""
    if spec.slug not in ErpSettings.load().direct_export_types:
        return
    try:
        options = spec.accept_options(record, {})
        depends_on = _check_dependencies(spec, record, item.label)
    except WorkflowError as exc:
        item.erp_error = f"Not exported directly: {exc.message}"
        item.save(update_fields=["erp_error", "updated_at"])
        return
    _apply(
        item, Step.ACCEPT, actor, reason="Direct export", fields={"accept_options": options, "depends_on": depends_on}
    )


def item_retrieve(record: Model, actor: User) -> ErpItem:
    """The sender pulls back an item nobody has accepted or rejected yet."""
    return _simple_step(record, actor, Step.RETRIEVE, Action.RETRIEVE)


def _simple_step(
    record: Model,
    actor: User,
    step: Step,
    action: Action,
    *,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    after: Callable[[ErpItem], None] | None = None,
) -> ErpItem:
    permissions.require(actor, action, record)
    with transaction.atomic():
        item = _locked_item(record)
        _apply(item, step, actor, reason=reason, fields=fields)
        if after is not None:
            after(item)
    return item


def _check_dependencies(spec: Exportable[Any], record: Model, label: str) -> list[int]:
    """The items `record` depends on, all queued or synced; else DependencyNotReady naming the others."""
    dependencies = [dep for dep in spec.dependencies(record) if is_exportable(dep)]
    if not dependencies:
        return []
    items = items_for_records(dependencies)
    waiting = []
    for dependency in dependencies:
        dep_spec = exportable_type_of(dependency)
        dep_item = items.get((dep_spec.model, dependency.pk))
        state = dep_item.state if dep_item else ErpState.DRAFT
        if state not in DEPENDENCY_READY_STATES:
            waiting.append(
                f"{dep_spec.label.lower()} {dep_spec.describe(dependency)} is {state_words(state)}, "
                "not yet accepted or synced"
            )
    waiting.extend(_not_in_company_file(spec, record, dependencies, items))
    if waiting:
        raise DependencyNotReady(label, waiting)
    return sorted(dep_item.pk for dep_item in items.values())


# What QuickBooks calls the company-wide records a project's items name, and the list it keeps them in.
NAME_IN_QUICKBOOKS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "company": (AccountingRecord.ListType.VENDOR, lambda company: company.name),
    "cost_code": (AccountingRecord.ListType.ITEM, lambda code: f"{code.division.code}:{code.code}"),
}


def _not_in_company_file(
    spec: Exportable[Any], record: Model, dependencies: list[Model], items: dict[tuple[Any, int], ErpItem]
) -> list[str]:
    """The company-wide records `record` names (its vendor, its cost codes) that the company file its project
    goes to does not hold. They are exported to the default file only; a project of another file needs them
    there already (entered in QuickBooks, its lists read), or QuickBooks refuses the reference."""
    books = hooks.books()
    destination = selectors.company_file_of(spec.project_of(record), books)
    if destination is None or destination.is_default:
        return []
    default = next((book for book in books if book.is_default), None)
    named = []
    for dependency in dependencies:
        dep_spec = exportable_type_of(dependency)
        if dep_spec.slug in NAME_IN_QUICKBOOKS and dep_spec.project_of(dependency) is None:
            named.append((dep_spec, dependency, items.get((dep_spec.model, dependency.pk))))
    if not named:
        return []
    # The names QuickBooks gave them in the default file (a linked vendor keeps QuickBooks' spelling): one query.
    refs = {item.qb_ref for _, _, item in named if item is not None and item.qb_ref}
    held = (
        dict(
            AccountingRecord.objects.filter(book=default.key, external_id__in=refs).values_list(
                "external_id", "full_name"
            )
        )
        if default is not None and refs
        else {}
    )
    wanted: dict[tuple[str, str], str] = {}
    for dep_spec, dependency, dep_item in named:
        list_type, name_of = NAME_IN_QUICKBOOKS[dep_spec.slug]
        name = held.get(dep_item.qb_ref if dep_item is not None else "") or name_of(dependency)
        wanted[(list_type, name.lower())] = f"{dep_spec.label.lower()} {dep_spec.describe(dependency)}"
    # Only the names wanted are read of the destination's lists, which may hold thousands.
    known = {
        (list_type, name.lower())
        for list_type, name in AccountingRecord.objects.annotate(folded=Lower("full_name"))
        .filter(
            book=destination.key,
            list_type__in={key[0] for key in wanted},
            folded__in={key[1] for key in wanted},
            is_active=True,
        )
        .values_list("list_type", "full_name")
    }
    return [
        f"{described} is not in {destination.name}, the company file this project's items go to: add it "
        "there in QuickBooks and read that file's lists again"
        for key, described in wanted.items()
        if key not in known
    ]


def item_accept(record: Model, actor: User, options: Mapping[str, Any] | None = None) -> ErpItem:
    """The accounting approver accepts: the item is queued for QuickBooks."""
    permissions.require(actor, Action.ACCEPT, record)
    spec = exportable_type_of(record)
    with transaction.atomic():
        item = _locked_item(record)
        if not may_move(Step.ACCEPT, item.state):
            raise StepNotAllowed(Step.ACCEPT, item.label, item.state, allowed_steps(item.state))
        accept_options = spec.accept_options(record, options or {})
        # Kept with the item: the connector sends what it depends on first.
        depends_on = _check_dependencies(spec, record, item.label)
        _apply(
            item,
            Step.ACCEPT,
            actor,
            payload=accept_options or None,
            fields={"accept_options": accept_options, "depends_on": depends_on, "erp_error": ""},
        )
    return item


def item_reject(record: Model, actor: User, reason: str = "") -> ErpItem:
    """The approver rejects, with an optional reason; the sender is told by email."""

    def notify(item: ErpItem) -> None:
        event_id = item.events.order_by("-id").values_list("id", flat=True).first()
        transaction.on_commit(lambda: tasks.notify_rejection.delay(event_id))

    return _simple_step(record, actor, Step.REJECT, Action.REJECT, reason=(reason or "").strip(), after=notify)


def item_retry(record: Model, actor: User) -> ErpItem:
    """Queue a failed item again."""
    return _simple_step(record, actor, Step.RETRY, Action.RETRY, fields={"erp_error": ""})


def item_unlink(record: Model, actor: User, reason: str = "") -> ErpItem:
    """Forget the link to the QuickBooks record (which must have been deleted in QuickBooks first)."""
    cleared: dict[str, Any] = {
        "qb_ref": "",
        "qb_edit_sequence": "",
        "qb_details": {},
        "synced_payload": None,
        "erp_error": "",
    }
    return _simple_step(record, actor, Step.UNLINK, Action.UNLINK, reason=reason, fields=cleared)


# --- the steps QuickBooks' answers take --------------------------------------------------------------------


@dataclass(frozen=True)
class SyncOutcome:
    """What QuickBooks answered for one item."""

    item_id: int
    ok: bool
    qb_ref: str = ""
    edit_sequence: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    note: str = ""


_SYNCED_FIELDS = ["qb_ref", "qb_edit_sequence", "qb_details", "erp_error"]


def record_sync_outcomes(outcomes: list[SyncOutcome], *, strict: bool = False) -> int:
    """Apply QuickBooks' answers to their items: synced or failed, with their history.

    Called by the connector inside the transaction that also closes the requests, so an answer and the
    items' states are committed together or not at all. Items no longer queued are left as they are (or,
    `strict`, refused with `StepNotAllowed`). Returns how many items moved. What QuickBooks received is
    what was sent: it is copied in the database, so the payloads of hundreds of items are never decoded.
    """
    if not outcomes:
        return 0
    with transaction.atomic():
        synced = [outcome for outcome in outcomes if outcome.ok]
        # The QuickBooks details an answer adds are merged into those the item has (read under lock).
        details = dict(
            select_in(ErpItem, ["id", "qb_details"], {"pk": {o.item_id for o in synced if o.details}}, for_update=True)
            if any(o.details for o in synced)
            else []
        )
        moved = move_many(
            Step.SYNC_SUCCEEDED,
            [
                Move(
                    o.item_id,
                    [o.qb_ref, o.edit_sequence, {**(details.get(o.item_id) or {}), **o.details}, ""],
                    reason=o.note,
                    payload={"qb_ref": o.qb_ref, "edit_sequence": o.edit_sequence},
                )
                for o in synced
            ],
            fields=_SYNCED_FIELDS,
            copy={"synced_payload": "sent_payload"},
            skip_refused=not strict,
        )
        failed = move_many(
            Step.SYNC_FAILED,
            [Move(o.item_id, [o.error], reason=o.error) for o in outcomes if not o.ok],
            fields=["erp_error"],
            skip_refused=not strict,
        )
        # The only place an item comes to fail: its sender hears of it once the answer is committed.
        for item_id in failed:
            transaction.on_commit(functools.partial(tasks.notify_failed.delay, item_id))
    return len(moved) + len(failed)


def item_synced(
    item_id: int, *, qb_ref: str, edit_sequence: str = "", details: dict[str, Any] | None = None, note: str = ""
) -> ErpItem:
    """QuickBooks holds the item now (refused unless it is queued)."""
    outcome = SyncOutcome(item_id, True, qb_ref=qb_ref, edit_sequence=edit_sequence, details=details or {}, note=note)
    record_sync_outcomes([outcome], strict=True)
    return ErpItem.objects.get(pk=item_id)


def item_sync_failed(item_id: int, *, error: str) -> ErpItem:
    """QuickBooks refused the item (refused unless it is queued)."""
    record_sync_outcomes([SyncOutcome(item_id, False, error=error)], strict=True)
    return ErpItem.objects.get(pk=item_id)


def item_quickbooks_record_changed(item_id: int, *, edit_sequence: str, details: dict[str, Any] | None = None) -> None:
    """A later export changed the item's QuickBooks record (a change order's lines on its purchase order):
    keep its EditSequence and details current. Not a workflow step: the state does not change."""
    with transaction.atomic():
        item = ErpItem.objects.select_for_update().get(pk=item_id)
        item.qb_edit_sequence = edit_sequence
        item.qb_details = {**item.qb_details, **(details or {})}
        item.save(update_fields=["qb_edit_sequence", "qb_details", "updated_at"])


def item_waiting(item_ids: list[int], message: str) -> None:
    """Say on queued items why they are not going to QuickBooks yet (a failed dependency, ...)."""
    ErpItem.objects.filter(pk__in=item_ids, state=ErpState.QUEUED).exclude(erp_error=message).update(
        erp_error=message, updated_at=timezone.now()
    )


# --- what the accounting system's lists mean for the records linked to them --------------------------------


def accounting_records_read(book: str, list_type: str, external_ids: list[str]) -> None:
    """The connector read these records of a company file's list. A vendor made inactive there archives the
    directory company linked to it, a sub-customer its linked sub job; made active again, they come back.
    Customers under the job of a linked project become its sub jobs (`import_sub_jobs`)."""
    if not external_ids:
        return
    if list_type == AccountingRecord.ListType.CUSTOMER:
        _sub_jobs_read(book, external_ids)
    _follow_active(book, list_type, external_ids)


# What a linked record does when QuickBooks makes its record inactive, or active again: a company is archived
# (or restored), a sub job made inactive. (A cost code follows its item at the cost code refresh.)
FOLLOWS_ACTIVE: dict[str, Callable[[list[int], bool], int]] = {
    "company": lambda ids, active: project_services.set_archived(ids, archived=not active),
    "sub_job": lambda ids, active: project_services.set_sub_jobs_active(ids, active=active),
}


def _follow_active(book: str, list_type: str, external_ids: list[str]) -> None:
    types = [slug for slug in selectors.LINKED_TYPES.get(list_type, ()) if slug in FOLLOWS_ACTIVE]
    if not types:
        return
    linked = list(
        ErpItem.objects.filter(object_type__in=types, qb_ref__in=external_ids).values_list(
            "object_type", "object_id", "qb_ref"
        )
    )
    if not linked:
        return
    active = dict(
        AccountingRecord.objects.filter(
            book=book, list_type=list_type, external_id__in={qb_ref for _, _, qb_ref in linked}
        ).values_list("external_id", "is_active")
    )
    by_state: dict[tuple[str, bool], list[int]] = {}
    for object_type, object_id, qb_ref in linked:
        if qb_ref in active:
            by_state.setdefault((object_type, active[qb_ref]), []).append(object_id)
    for (object_type, is_active), ids in by_state.items():
        FOLLOWS_ACTIVE[object_type](ids, is_active)


# --- what QuickBooks sends back of its transactions ----------------------------------------------------------

# Who reads each kind of transaction QuickBooks sends back (its qbXML type; "TxnDeleted" for what was
# deleted): each reader takes a company file's key and a page of parsed records. Several may read one kind.
TransactionReader = Callable[[str, list[dict[str, Any]]], None]
TRANSACTION_READERS: dict[str, list[TransactionReader]] = {}


def read_transactions_of(*kinds: str) -> Callable[[TransactionReader], TransactionReader]:
    """Register the decorated function as a reader of these kinds of transaction."""

    def register(reader: TransactionReader) -> TransactionReader:
        for kind in kinds:
            TRANSACTION_READERS.setdefault(kind, []).append(reader)
        return reader

    return register


def transactions_read(book: str, kind: str, records: list[dict[str, Any]]) -> None:
    """The connector read a page of a company file's transactions of `kind`: each of its readers gets it, in
    the transaction that keeps the page as read."""
    if not records:
        return
    for reader in TRANSACTION_READERS.get(kind, ()):
        reader(book, records)


# --- the payments of our invoices' bills -------------------------------------------------------------------

# QuickBooks' bill payments, by qbXML type, and how each pays.
PAYMENT_METHODS: dict[str, str] = {
    "BillPaymentCheck": ps.BillPayment.Method.CHECK,
    "BillPaymentCreditCard": ps.BillPayment.Method.CREDIT_CARD,
}
_CENTS = Decimal("0.01")


def _amount(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENTS)


def _is_void(payment: dict[str, Any]) -> bool:
    """QuickBooks voids a payment by bringing it to zero and letting go of the bills it paid (its memo then
    starts with "VOID:"); a payment it keeps pays something."""
    return _amount(payment.get("total_amount")) == 0 and not any(
        _amount(entry.get("amount")) for entry in payment.get("applied_to") or ()
    )


@read_transactions_of(*PAYMENT_METHODS)
def read_bill_payments(book: str, records: list[dict[str, Any]]) -> None:
    """A page of QuickBooks' bill payments (checks or credit card payments) was read: each payment's rows, one
    per bill it pays that is the bill of one of our synced invoices, replace the rows it had, so a payment
    edited in QuickBooks keeps only the bills it pays now. A voided payment keeps its rows, at zero, marked
    void (QuickBooks no longer says which bills it paid: its rows do).

    Kept only for invoices of projects that bring their payments back (`sync_paid_invoices`; a project
    without settings does not). Payments of bills that are not ours (entered in QuickBooks, or of another
    company file) are not kept: they pay nothing here. An invoice that this page pays in full, and that was
    not paid in full before it, is told to its sender after commit, if its project says so
    (`notify_when_paid`). A few queries a page, none a payment."""
    if book != hooks.current_book():
        return  # invoices are exported to the current company file: another one's bills are not ours
    payments = [
        record
        for record in records
        if record.get("txn_id") and record.get("txn_date") and record.get("type") in PAYMENT_METHODS
    ]
    if not payments:
        return
    with transaction.atomic():
        had: dict[str, list[ps.BillPayment]] = {}
        for row in ps.BillPayment.objects.filter(qb_txn_id__in={payment["txn_id"] for payment in payments}):
            had.setdefault(row.qb_txn_id, []).append(row)
        bill_ids = {entry["txn_id"] for payment in payments for entry in payment["applied_to"] if entry.get("txn_id")}
        invoice_of_bill = dict(
            ErpItem.objects.filter(
                object_type="subcontractor_invoice", qb_ref__in=bill_ids, record_deleted_at__isnull=True
            ).values_list("qb_ref", "object_id")
        )
        invoices = {
            pk: (commitment_id, vendor_id, notify)
            for pk, commitment_id, vendor_id, notify in ps.SubcontractorInvoice.objects.filter(
                pk__in=set(invoice_of_bill.values()), commitment__project__accounting_settings__sync_paid_invoices=True
            ).values_list(
                "pk",
                "commitment_id",
                "commitment__vendor_id",
                "commitment__project__accounting_settings__notify_when_paid",
            )
        }
        payees = {payment.get("payee_entity_list_id") for payment in payments} - {None, ""}
        company_of_vendor = dict(
            ErpItem.objects.filter(
                object_type="company", qb_ref__in=payees, record_deleted_at__isnull=True
            ).values_list("qb_ref", "object_id")
            if payees
            else []
        )
        concerned = set(invoices) | {row.invoice_id for rows in had.values() for row in rows if row.invoice_id}
        due = project_selectors.amounts_due(concerned)
        before = project_selectors.paid_statuses(concerned, due=due)

        rows: list[ps.BillPayment] = []
        for payment in payments:
            void = _is_void(payment)
            common = {
                "qb_txn_id": payment["txn_id"],
                "method": PAYMENT_METHODS[payment["type"]],
                "ref_number": str(payment.get("ref_number") or "")[:20],
                "txn_date": payment["txn_date"],
                "payment_total": ZERO if void else _amount(payment.get("total_amount")),
                "is_void": void,
                "memo": str(payment.get("memo") or ""),
            }
            applied: dict[str, Decimal] = {}
            for entry in payment["applied_to"]:
                if invoice_of_bill.get(entry.get("txn_id")) in invoices:
                    applied[entry["txn_id"]] = applied.get(entry["txn_id"], ZERO) + _amount(entry.get("amount"))
            for bill_id, amount in applied.items():
                commitment_id, vendor_id, _notify = invoices[invoice_of_bill[bill_id]]
                rows.append(
                    ps.BillPayment(
                        **common,
                        bill_txn_id=bill_id,
                        vendor_id=company_of_vendor.get(payment.get("payee_entity_list_id") or "", vendor_id),
                        commitment_id=commitment_id,
                        invoice_id=invoice_of_bill[bill_id],
                        amount=ZERO if void else amount,
                    )
                )
            if void:
                rows.extend(
                    ps.BillPayment(
                        **common,
                        bill_txn_id=row.bill_txn_id,
                        vendor_id=row.vendor_id,
                        commitment_id=row.commitment_id,
                        invoice_id=row.invoice_id,
                        amount=ZERO,
                    )
                    for row in had.get(payment["txn_id"], ())
                    if row.bill_txn_id not in applied
                )
        project_services.replace_bill_payments([payment["txn_id"] for payment in payments], rows)

        after = project_selectors.paid_statuses(concerned, due=due)
        for invoice_id in sorted(concerned):
            paid_now = after[invoice_id].state == PaidState.PAID and before[invoice_id].state != PaidState.PAID
            if paid_now and invoices.get(invoice_id, (None, None, False))[2]:
                transaction.on_commit(functools.partial(tasks.notify_paid.delay, invoice_id))


@read_transactions_of("TxnDeleted")
def read_deleted_bill_payments(book: str, records: list[dict[str, Any]]) -> None:
    """Bill payments deleted in QuickBooks lose their rows: what they paid is open again."""
    if book != hooks.current_book():
        return
    project_services.delete_bill_payments(
        record["txn_id"] for record in records if record.get("txn_del_type") in PAYMENT_METHODS and record.get("txn_id")
    )


# --- the owner's payments of our owner invoices -------------------------------------------------------------


@read_transactions_of("ReceivePayment")
def read_received_payments(book: str, records: list[dict[str, Any]]) -> None:
    """A page of QuickBooks' received payments was read: each payment's rows, one per invoice it pays that is
    one of our synced owner invoices, replace the rows it had (a payment edited in QuickBooks keeps only the
    invoices it pays now). Kept for the projects that bring their invoices' payments back
    (`sync_paid_invoices`). A payment put in Undeposited Funds is kept with that account: received, not yet
    banked. A few queries a page, none a payment."""
    if book != hooks.current_book():
        return  # invoices are exported to the current company file: another one's are not ours
    payments = [record for record in records if record.get("txn_id") and record.get("txn_date")]
    if not payments:
        return
    invoice_ids = {entry["txn_id"] for payment in payments for entry in payment["applied_to"] if entry.get("txn_id")}
    invoice_of_txn = dict(
        ErpItem.objects.filter(
            object_type="owner_invoice", qb_ref__in=invoice_ids, record_deleted_at__isnull=True
        ).values_list("qb_ref", "object_id")
    )
    contract_of_invoice = dict(
        ps.OwnerInvoice.objects.filter(
            pk__in=set(invoice_of_txn.values()),
            prime_contract__project__accounting_settings__sync_paid_invoices=True,
        ).values_list("pk", "prime_contract_id")
    )
    rows: list[ps.OwnerPayment] = []
    for payment in payments:
        applied: dict[str, Decimal] = {}
        for entry in payment["applied_to"]:
            if invoice_of_txn.get(entry.get("txn_id")) in contract_of_invoice:
                applied[entry["txn_id"]] = applied.get(entry["txn_id"], ZERO) + _amount(entry.get("amount"))
        rows.extend(
            ps.OwnerPayment(
                qb_txn_id=payment["txn_id"],
                invoice_txn_id=txn_id,
                prime_contract_id=contract_of_invoice[invoice_of_txn[txn_id]],
                invoice_id=invoice_of_txn[txn_id],
                ref_number=str(payment.get("ref_number") or "")[:20],
                txn_date=payment["txn_date"],
                amount=amount,
                payment_total=_amount(payment.get("total_amount")),
                deposit_to=str(payment.get("deposit_to_account_full_name") or "")[:159],
                memo=str(payment.get("memo") or ""),
            )
            for txn_id, amount in applied.items()
        )
    project_services.replace_owner_payments([payment["txn_id"] for payment in payments], rows)


@read_transactions_of("TxnDeleted")
def read_deleted_received_payments(book: str, records: list[dict[str, Any]]) -> None:
    """Received payments deleted in QuickBooks lose their rows: what they paid is owed again."""
    if book != hooks.current_book():
        return
    project_services.delete_owner_payments(
        record["txn_id"]
        for record in records
        if record.get("txn_del_type") == "ReceivePayment" and record.get("txn_id")
    )


# --- the estimates of the jobs, to import a prime contract from ----------------------------------------------


@read_transactions_of("Estimate")
def read_estimates(book: str, records: list[dict[str, Any]]) -> None:
    """A page of QuickBooks' estimates was read: each is kept (replacing what was kept of it), with its lines,
    under the job it is for, so that a linked project's prime contract can be imported from one. Two queries
    and a write a page, none an estimate."""
    estimates = [record for record in records if record.get("txn_id")]
    if not estimates:
        return
    kept = AccountingRecord.objects.filter(book=book, list_type=AccountingRecord.ListType.ESTIMATE)
    with transaction.atomic():
        existing = {row.external_id: row for row in kept.filter(external_id__in=[e["txn_id"] for e in estimates])}
        made: list[AccountingRecord] = []
        changed: list[AccountingRecord] = []
        for estimate in estimates:
            number = estimate.get("ref_number") or estimate.get("txn_number") or ""
            lines = [
                {
                    "txn_line_id": line.get("txn_line_id") or "",
                    "item_list_id": line.get("item_list_id") or "",
                    "item_full_name": line.get("item_full_name") or "",
                    "class_full_name": line.get("class_full_name") or "",
                    "description": line.get("desc") or "",
                    "amount": str(_amount(line.get("amount"))),
                }
                for line in estimate.get("lines") or ()
            ]
            row = existing.get(estimate["txn_id"]) or AccountingRecord(
                book=book, list_type=AccountingRecord.ListType.ESTIMATE, external_id=estimate["txn_id"]
            )
            row.full_name = f"{estimate.get('customer_full_name') or ''} estimate {number}".strip()[:255]
            row.parent_external_id = estimate.get("customer_list_id") or ""
            row.edit_sequence = estimate.get("edit_sequence") or ""
            row.is_active = True
            row.time_modified = estimate.get("time_modified")
            row.details = {
                "ref_number": str(number),
                "txn_date": str(estimate.get("txn_date") or ""),
                "memo": estimate.get("memo") or "",
                "job": estimate.get("customer_full_name") or "",
                "total": str(sum((Decimal(line["amount"]) for line in lines), ZERO)),
                "lines": lines,
            }
            (changed if row.pk else made).append(row)
        AccountingRecord.objects.bulk_create(made, batch_size=500)
        AccountingRecord.objects.bulk_update(
            changed,
            ["full_name", "parent_external_id", "edit_sequence", "is_active", "time_modified", "details"],
            batch_size=500,
        )


@read_transactions_of("TxnDeleted")
def read_deleted_estimates(book: str, records: list[dict[str, Any]]) -> None:
    """Estimates deleted in QuickBooks are forgotten: no prime contract can be imported from them."""
    deleted = [
        record["txn_id"] for record in records if record.get("txn_del_type") == "Estimate" and record.get("txn_id")
    ]
    if deleted:
        AccountingRecord.objects.filter(
            book=book, list_type=AccountingRecord.ListType.ESTIMATE, external_id__in=deleted
        ).delete()


def read_estimates_of_jobs(actor: User) -> None:
    """Have QuickBooks' estimates read in the next session (to import a prime contract from one)."""
    permissions.require(actor, Action.IMPORT_PRIME_CONTRACT)
    hooks.read_back(["estimates"])


def import_prime_contract(actor: User, project: ps.Project, estimate: AccountingRecord) -> ps.PrimeContract:
    """Make the project's prime contract from one of its job's QuickBooks estimates, and link it to that
    estimate (its change orders then add lines to it). A line's item is the cost code linked to it (or named
    like it, "division:code"), its class the cost type of that name (or the code's default cost type).

    Refused, with nothing made: a project that is not linked to its QuickBooks job, one that has a prime
    contract already, an estimate of another job or one already linked (the budget's, say), or lines whose
    item is no cost code here (each named)."""
    permissions.require(actor, Action.IMPORT_PRIME_CONTRACT)
    if estimate.list_type != AccountingRecord.ListType.ESTIMATE:
        raise LinkRefused(f"{estimate.full_name} is not a QuickBooks estimate.")
    job = ErpItem.objects.filter(object_type="project", object_id=project.pk).exclude(qb_ref="").first()
    if job is None:
        raise LinkRefused(f"{project} is not linked to a QuickBooks job yet: link or sync it first.")
    if estimate.parent_external_id != job.qb_ref:
        raise LinkRefused(f"{estimate.full_name} is an estimate of another job than {project}'s.")
    if ps.PrimeContract.objects.filter(project=project).exists():
        raise LinkRefused(f"{project} has a prime contract already.")
    if project.owner is None:
        raise LinkRefused(f"{project} has no owner: the prime contract is with the owner.")
    lines, problems = _contract_lines(estimate.details.get("lines") or [])
    if problems:
        raise LinkRefused(f"{estimate.full_name} cannot be imported: " + "; ".join(problems) + ".")
    number = str(estimate.details.get("ref_number") or "")[:50] or f"PC-{project.number}"[:50]
    with transaction.atomic():
        contract = project_services.save_record(
            actor,
            ps.PrimeContract,
            {
                "project": project,
                "owner": project.owner,
                "number": number,
                "title": (estimate.details.get("memo") or f"Prime contract of {project.name}")[:255],
                "status": ps.PrimeContract.Status.APPROVED,
                "contract_date": estimate.details.get("txn_date") or None,
            },
            lines,
            permitted_by=Action.IMPORT_PRIME_CONTRACT,
        )
        link_record(contract, actor, estimate, permitted_by=Action.IMPORT_PRIME_CONTRACT)
    return contract


def _contract_lines(lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    places = estimate_line_places(lines)
    types = {cost_type.name.casefold(): cost_type for cost_type in ps.CostType.objects.all()}
    made: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, (line, code) in enumerate(zip(lines, places, strict=True), start=1):
        if code is None:
            problems.append(f"line {number}'s item {line['item_full_name'] or '(none)'} is no cost code here")
            continue
        cost_type = types.get(line["class_full_name"].casefold()) or code.default_cost_type
        if cost_type is None:
            problems.append(f"line {number} has no class and cost code {code.code} no default cost type")
            continue
        made.append(
            {
                "line_number": number,
                "cost_code": code,
                "cost_type": cost_type,
                "description": line["description"][:255],
                "amount": Decimal(line["amount"]),
            }
        )
    return made, problems


def estimate_line_places(lines: list[dict[str, Any]]) -> list[ps.CostCode | None]:
    """The cost code each line of a QuickBooks estimate (as `read_estimates` keeps it) is, in order: the one
    linked to its item, else the one its item is named like ("division:code"); None for an item that is no cost
    code here. Three queries, whatever the number of lines."""
    linked = dict(
        ErpItem.objects.filter(
            object_type="cost_code", qb_ref__in={line["item_list_id"] for line in lines if line["item_list_id"]}
        ).values_list("qb_ref", "object_id")
    )
    codes = {code.pk: code for code in ps.CostCode.objects.select_related("division", "default_cost_type")}
    by_name = {f"{code.division.code}:{code.code}".casefold(): code for code in codes.values()}
    return [
        codes.get(linked.get(line["item_list_id"], 0)) or by_name.get(line["item_full_name"].casefold())
        for line in lines
    ]


# --- job costs: the lines of QuickBooks' transactions that cost a project ------------------------------------

# The transactions whose lines may cost a job (PRODUCT.md section 1); every line of the credits lowers it.
JOB_COST_KINDS = (
    "Bill",
    "Check",
    "CreditCardCharge",
    "CreditCardCredit",
    "VendorCredit",
    "ItemReceipt",
    "JournalEntry",
)
_CREDIT_KINDS = frozenset({"CreditCardCredit", "VendorCredit"})


@dataclass
class _JobCostPlaces:
    """What the lines of a page of transactions are placed with."""

    # A QuickBooks customer:job's ListID → the project, and sub job, it is (or is under).
    jobs: dict[str, tuple[int, int | None]]
    # The customers read from QuickBooks' lists that no project or sub job is, by ListID (for the reasons).
    unlinked_customers: set[str]
    # A service item's ListID → the cost code linked to it.
    cost_codes: dict[str, int]
    # A class's name, lowercase → the cost type of that name.
    cost_types: dict[str, int]
    # The projects that bring their job costs back, each with the date it brings them from (None: all).
    syncing: dict[int, datetime.date | None]
    # The bills that are our own synced invoices.
    our_bills: set[str]

    def keeps_unplaced(self, day: datetime.date) -> bool:
        """Whether a line on no project is kept: from the earliest date any project brings job costs back."""
        if not self.syncing:
            return False
        dates = list(self.syncing.values())
        return None in dates or day >= min(date for date in dates if date is not None)


def _line_customer(line: dict[str, Any]) -> tuple[str, str]:
    """The ListID and full name of the customer:job a line costs (a journal line names it as its entity)."""
    return (
        line.get("customer_list_id") or line.get("entity_list_id") or "",
        line.get("customer_full_name") or line.get("entity_full_name") or "",
    )


def _job_cost_places(book: str, records: list[dict[str, Any]]) -> _JobCostPlaces:
    """The links, cost types and settings a page's lines are placed with: a few queries, whatever its size."""
    customers: dict[str, str] = {}
    items: set[str] = set()
    for record in records:
        for line in record["lines"]:
            list_id, full_name = _line_customer(line)
            if list_id:
                customers[list_id] = full_name
            if line.get("item_list_id"):
                items.add(line["item_list_id"])
    txn_ids = {record["txn_id"] for record in records if record.get("type") == "Bill"}
    linked = ErpItem.objects.filter(record_deleted_at__isnull=True).filter(
        Q(object_type__in=("project", "sub_job"), qb_ref__in=customers)
        | Q(object_type="cost_code", qb_ref__in=items)
        | Q(object_type="subcontractor_invoice", qb_ref__in=txn_ids)
    )
    jobs: dict[str, tuple[int, int | None]] = {}
    cost_codes: dict[str, int] = {}
    our_bills: set[str] = set()
    for object_type, object_id, qb_ref, project_id in linked.values_list(
        "object_type", "object_id", "qb_ref", "project_id"
    ):
        if object_type == "project":
            jobs[qb_ref] = (object_id, None)
        elif object_type == "sub_job" and project_id is not None:
            jobs[qb_ref] = (project_id, object_id)
        elif object_type == "cost_code":
            cost_codes[qb_ref] = object_id
        elif object_type == "subcontractor_invoice":
            our_bills.add(qb_ref)
    unlinked = _place_under_linked_jobs(book, {key: name for key, name in customers.items() if key not in jobs}, jobs)
    return _JobCostPlaces(
        jobs=jobs,
        unlinked_customers=unlinked,
        cost_codes=cost_codes,
        cost_types={name.lower(): pk for name, pk in ps.CostType.objects.values_list("name", "pk")},
        syncing=dict(
            ProjectAccountingSettings.objects.filter(sync_job_costs=True).values_list("project_id", "job_costs_since")
        ),
        our_bills=our_bills,
    )


def _place_under_linked_jobs(book: str, missing: dict[str, str], jobs: dict[str, tuple[int, int | None]]) -> set[str]:
    """Customers no project or sub job is linked to, placed (in `jobs`) on the nearest one they are under in
    QuickBooks ("Owner:Job:Building A:Level 2:Room 5", deeper than sub jobs go here, costs Level 2). Returns
    those of them that are in QuickBooks' customer list as read and under no linked job."""
    if not missing:
        return set()
    prefixes = {
        ":".join(parts[:end])
        for name in missing.values()
        if len(parts := name.split(":")) > 1
        for end in range(1, len(parts))
    }
    customers = AccountingRecord.objects.filter(book=book, list_type=AccountingRecord.ListType.CUSTOMER).filter(
        Q(external_id__in=missing) | Q(full_name__in=prefixes)
    )
    by_name: dict[str, str] = {}
    known: set[str] = set()
    for external_id, full_name in customers.values_list("external_id", "full_name"):
        by_name[full_name] = external_id
        if external_id in missing:
            known.add(external_id)
    above = {by_name[prefix] for prefix in prefixes if prefix in by_name} - set(jobs)
    if above:
        for object_type, object_id, qb_ref, project_id in ErpItem.objects.filter(
            object_type__in=("project", "sub_job"), qb_ref__in=above, record_deleted_at__isnull=True
        ).values_list("object_type", "object_id", "qb_ref", "project_id"):
            if object_type == "project":
                jobs[qb_ref] = (object_id, None)
            elif project_id is not None:
                jobs[qb_ref] = (project_id, object_id)
    for list_id, name in missing.items():
        parts = name.split(":")
        nearest = next(
            (
                jobs[ref]
                for end in range(len(parts) - 1, 0, -1)
                if (ref := by_name.get(":".join(parts[:end]))) is not None and ref in jobs
            ),
            None,
        )
        if nearest is not None:
            jobs[list_id] = nearest
    return {list_id for list_id in known if list_id not in jobs}


def _job_cost_line(
    record: dict[str, Any], number: int, line: dict[str, Any], places: _JobCostPlaces
) -> project_services.JobCostLine | None:
    """A line of a QuickBooks transaction as a job cost row, or None when it is kept nowhere: it costs no job
    (no customer:job and no cost code item, or a journal line's vendor), costs nothing, or is of a project that
    does not bring its job costs back (or brings them back from a later date). A line that cannot be placed on
    a project's cost code is kept with the reason, for the unsyncable direct costs report."""
    kind, day = record["type"], record["txn_date"]
    amount = line.get("amount") or ZERO
    if not amount:
        return None  # a voided transaction's lines, among others: nothing was spent
    if kind in _CREDIT_KINDS or line.get("line_type") == "JournalCredit":
        amount = -amount
    customer_id, customer_name = _line_customer(line)
    item_id, item_name = line.get("item_list_id") or "", line.get("item_full_name") or ""
    cost_code = places.cost_codes.get(item_id)
    place = places.jobs.get(customer_id)
    project = sub_job = None
    reason = ""
    if not customer_id:
        if cost_code is None:
            return None  # overhead, or an item that is no cost code: not a job's cost
        reason = f"It names the cost code item {item_name} but no customer:job."
    elif place is None:
        if kind == "JournalEntry" and customer_id not in places.unlinked_customers and ":" not in customer_name:
            return None  # a journal line's entity that is no customer:job (a vendor, an employee)
        if customer_id in places.unlinked_customers:
            reason = f"QuickBooks' customer:job {customer_name} is linked to no project here."
        else:
            reason = (
                f"Unknown customer:job {customer_name}: QuickBooks' customers have not been read since it was added."
            )
    else:
        project, sub_job = place
        if project not in places.syncing:
            return None
        since = places.syncing[project]
        if since is not None and day < since:
            return None
        if item_id and cost_code is None:
            reason = f"QuickBooks' item {item_name} is linked to no cost code here."
    ours = record["txn_id"] in places.our_bills
    if reason and ours:
        return None  # our invoice's retainage (on the retainage item), say: the invoice says what it is
    if project is None and not places.keeps_unplaced(day):
        return None
    return project_services.JobCostLine(
        qb_txn_id=record["txn_id"],
        qb_txn_line_id=line.get("txn_line_id") or f"#{number}",
        txn_type=kind,
        txn_date=day,
        ref_number=record.get("ref_number") or "",
        project_id=project,
        sub_job_id=sub_job,
        cost_code_id=cost_code,
        # A class that is no cost type (classes may track departments too) leaves the line without one.
        cost_type_id=places.cost_types.get((line.get("class_full_name") or "").lower()),
        vendor_name=record.get("vendor_full_name") or record.get("payee_entity_full_name") or "",
        customer_full_name=customer_name,
        item_full_name=item_name,
        account_full_name=line.get("account_full_name") or "",
        amount=amount,
        memo=line.get("desc") or line.get("memo") or record.get("memo") or "",
        from_synced_invoice=ours,
        unplaced_reason=reason,
    )


@read_transactions_of(*JOB_COST_KINDS)
def read_job_costs(book: str, records: list[dict[str, Any]]) -> None:
    """A page of QuickBooks' transactions that may cost a job was read (bills, checks, credit card charges and
    credits, vendor credits, item receipts, journal entries): each transaction's rows are replaced by those
    of its lines now, so an edit in QuickBooks changes them and a page read twice doubles nothing.

    A line is placed on the project (and sub job) its customer:job is linked to, or the nearest linked one
    it is under; on the cost code linked to its item; on the cost type named as its class. An expense or
    journal line (no item) is a cost of its project with no cost code. Credits count negative. The lines of
    a bill that is one of our synced invoices are kept, marked (`from_synced_invoice`): the reports count
    them once, as invoiced (its retainage, on no cost code, is not kept). Any other line that cannot be
    placed is kept with why, for the unsyncable direct costs report. A few queries a page, none a line."""
    if book != hooks.current_book():
        return  # links are to the company file items go to: another one's jobs are not ours
    transactions = [record for record in records if record.get("txn_id")]
    if not transactions:
        return
    with transaction.atomic():
        places = _job_cost_places(book, transactions)
        lines = [
            row
            for record in transactions
            if record.get("txn_date") and record.get("type") in JOB_COST_KINDS
            for number, line in enumerate(record["lines"], start=1)
            if (row := _job_cost_line(record, number, line, places)) is not None
        ]
        project_services.replace_job_costs([record["txn_id"] for record in transactions], lines)


@read_transactions_of("TxnDeleted")
def read_deleted_job_costs(book: str, records: list[dict[str, Any]]) -> None:
    """Transactions deleted in QuickBooks lose their job cost rows."""
    if book != hooks.current_book():
        return
    project_services.replace_job_costs(
        [
            record["txn_id"]
            for record in records
            if record.get("txn_del_type") in JOB_COST_KINDS and record.get("txn_id")
        ],
        [],
    )


# --- what each project brings back from QuickBooks -------------------------------------------------------------

PROJECT_ACCOUNTING_FIELDS = ("sync_job_costs", "job_costs_since", "sync_paid_invoices", "notify_when_paid")


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    return None if day is None else timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def set_project_accounting(actor: User, project: ps.Project, **changes: Any) -> ProjectAccountingSettings:
    """Choose what a project brings back from QuickBooks: its job cost transactions (from a date, if given)
    and the payments of its subcontractor invoices (with an e-mail to the sender when one is paid in full).

    Turning one on, or moving the date earlier, has the current company file's transactions of that kind
    read again in the next session, from that date (or from the start): the reads before kept nothing of
    this project. A transaction dated after the date but last changed in QuickBooks before it (entered
    ahead of its date) is then not read; transactions dated before it are read and not kept. Turning job
    costs off drops the project's rows; a later date drops those before it."""
    permissions.require(actor, Action.SYNC_JOB_COSTS)
    unknown = sorted(set(changes) - set(PROJECT_ACCOUNTING_FIELDS))
    if unknown:
        raise ValueError(f"Not a project accounting setting: {', '.join(unknown)}")
    with transaction.atomic():
        row, _ = ProjectAccountingSettings.objects.select_for_update().get_or_create(project=project)
        before = {name: getattr(row, name) for name in PROJECT_ACCOUNTING_FIELDS}
        for name, value in changes.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        earlier = row.job_costs_since is None or (
            before["job_costs_since"] is not None and row.job_costs_since < before["job_costs_since"]
        )
        if row.sync_job_costs and (not before["sync_job_costs"] or (earlier and before["job_costs_since"] is not None)):
            hooks.read_back(["job_costs"], again=True, since=_start_of(row.job_costs_since))
        if row.sync_paid_invoices and not before["sync_paid_invoices"]:
            hooks.read_back(["payments"], again=True)
        # What the project no longer brings back goes: the detail is what it brings back now.
        if before["sync_job_costs"] and not row.sync_job_costs:
            project_services.forget_job_costs(project.pk)
        elif row.sync_job_costs and row.job_costs_since is not None:
            if before["job_costs_since"] is None or row.job_costs_since > before["job_costs_since"]:
                project_services.forget_job_costs(project.pk, before=row.job_costs_since)
    return row


# The states in which an item is in, or on its way to, its company file.
_IN_A_COMPANY_FILE = (ErpState.QUEUED, ErpState.SYNCED, ErpState.FAILED)


def set_project_company_file(actor: User, project: ps.Project, book: str) -> ProjectAccountingSettings:
    """Choose the company file a project's items go to (`book`, a connection's key; "" for the default's).

    Refused while any of its items is queued for, synced to or failed in the file it goes to now: they
    are that file's records, and its later items (a change order, an invoice) must follow them there."""
    permissions.require(actor, Action.CONFIGURE_SETTINGS)
    books = hooks.books()
    if book and not any(known.key == book for known in books):
        raise ValidationError({"book": "No company file is set up under that key."})
    with transaction.atomic():
        row, _ = ProjectAccountingSettings.objects.select_for_update().get_or_create(project=project)
        before = selectors.company_file_of(project, books)
        row.book = book
        after = selectors.book_named(books, book)
        if before != after:
            held = ErpItem.objects.filter(project=project, state__in=_IN_A_COMPANY_FILE).count()
            if held:
                raise CompanyFileInUse(str(project), held)
        row.save(update_fields=["book", "updated_at"])
    return row


def sync_project_accounting(actor: User, project: ps.Project) -> list[str]:
    """Have what the project brings back read in the next session, from where the last read stopped.
    Returns the subjects queued ("job_costs", "payments"; none when the project brings nothing back)."""
    permissions.require(actor, Action.SYNC_JOB_COSTS)
    row = ProjectAccountingSettings.objects.filter(project=project).first()
    enabled = {
        "job_costs": row is not None and row.sync_job_costs,
        "payments": row is not None and row.sync_paid_invoices,
    }
    subjects = [subject for subject, on in enabled.items() if on]
    if subjects:
        hooks.read_back(subjects)
    return subjects


# --- Ready to Import: records QuickBooks holds, tied to the project side's -----------------------------------

# Who may tie a record of each type to QuickBooks' own (PRODUCT.md section 3), and the list it is found in.
LINK_ACTIONS: dict[str, Action] = {
    "company": Action.LINK_QUICKBOOKS_COMPANIES,
    "project": Action.ADD_QUICKBOOKS_JOB_AS_PROJECT,
    "sub_job": Action.ADD_QUICKBOOKS_JOB_AS_PROJECT,
    "cost_code": Action.REFRESH_COST_CODES,
    # A budget imported from an estimate is tied to it.
    "budget": Action.IMPORT_BUDGET,
    "prime_contract": Action.IMPORT_PRIME_CONTRACT,
    "employee": Action.LINK_QUICKBOOKS_COMPANIES,
}
LINKED_LIST: dict[str, str] = {
    "company": AccountingRecord.ListType.VENDOR,
    "project": AccountingRecord.ListType.CUSTOMER,
    "sub_job": AccountingRecord.ListType.CUSTOMER,
    "cost_code": AccountingRecord.ListType.ITEM,
    "budget": AccountingRecord.ListType.ESTIMATE,
    "prime_contract": AccountingRecord.ListType.ESTIMATE,
    "employee": AccountingRecord.ListType.EMPLOYEE,
}


@dataclass(frozen=True)
class Link:
    """A record and the QuickBooks record it is; `options` are kept as if accepted with them (a job's parent
    customer), so that its next export is the same record's Mod."""

    record: Model
    accounting_record: AccountingRecord
    options: Mapping[str, Any] = field(default_factory=dict)


def link_record(
    record: Model,
    actor: User | None,
    accounting_record: AccountingRecord,
    options: Mapping[str, Any] | None = None,
    *,
    permitted_by: Action | None = None,
) -> ErpItem:
    """Tie one record to the QuickBooks record it is (see `link_many`)."""
    return link_many([Link(record, accounting_record, options or {})], actor, permitted_by=permitted_by)[0]


def link_many(links: Sequence[Link], actor: User | None, *, permitted_by: Action | None = None) -> list[ErpItem]:
    """Tie records to the QuickBooks records they are, in one transaction: each item moves along LINK (a draft
    or a rejected item becomes synced) with the record's ListID and EditSequence, so the next export of it
    is a Mod of that record, never an Add beside it. Nothing is sent to QuickBooks.

    Refused, with nothing linked: a QuickBooks record of another list or company file than the current one,
    one already linked to another record, or two records for one. `actor` None is the system (an import
    that the person who asked for it was allowed to run); `permitted_by` the action that allows the link
    instead of the type's (adding a QuickBooks vendor to the directory links the company it adds)."""
    if not links:
        return []
    book = hooks.current_book()
    for spec in {exportable_type_of(link.record).slug: exportable_type_of(link.record) for link in links}.values():
        if spec.slug not in LINK_ACTIONS:
            raise LinkRefused(f"A {spec.label.lower()} cannot be linked to a QuickBooks record.")
        if actor is not None:
            permissions.require(actor, permitted_by or LINK_ACTIONS[spec.slug])
    with transaction.atomic():
        items = _items_of([link.record for link in links])
        wanted: dict[tuple[str, str], str] = {}
        for link, item in zip(links, items, strict=True):
            found = link.accounting_record
            if found.list_type != LINKED_LIST[item.object_type] or (book is not None and found.book != book):
                raise LinkRefused(
                    f"{item.label} cannot be linked to {found.full_name}: that is not a QuickBooks "
                    f"{AccountingRecord.ListType(LINKED_LIST[item.object_type]).label.lower()} of the company file "
                    "items go to."
                )
            key = (item.object_type, found.external_id)
            if key in wanted:
                raise LinkRefused(f"{found.full_name} cannot be linked to both {wanted[key]} and {item.label}.")
            wanted[key] = item.label
        taken = {
            (object_type, qb_ref): label
            for object_type, qb_ref, label, pk in ErpItem.objects.filter(
                object_type__in={key[0] for key in wanted}, qb_ref__in={key[1] for key in wanted}
            ).values_list("object_type", "qb_ref", "label", "pk")
            if pk not in {item.pk for item in items}
        }
        clash = next((key for key in wanted if key in taken), None)
        if clash is not None:
            raise LinkRefused(
                f"{wanted[clash]} cannot be linked: QuickBooks' record is already linked to {taken[clash]}."
            )
        moves = [
            Move(
                item.pk,
                [
                    link.accounting_record.external_id,
                    link.accounting_record.edit_sequence,
                    # The name QuickBooks holds it under: what transactions refer to it by until it is exported;
                    # a transaction's line ids, which its changes must name to keep its lines.
                    {"full_name": link.accounting_record.full_name, **_linked_details(link.accounting_record)},
                    dict(link.options),
                    "",
                    # What it was when linked, as if sent: the names later payloads use are looked up in it.
                    dict(exportable_type_of(link.record).payload(link.record)),
                ],
                reason=f"Linked to {link.accounting_record.full_name}",
                payload={
                    "qb_ref": link.accounting_record.external_id,
                    "edit_sequence": link.accounting_record.edit_sequence,
                    "full_name": link.accounting_record.full_name,
                },
            )
            for link, item in zip(links, items, strict=True)
        ]
        move_many(
            Step.LINK,
            moves,
            actor=actor,
            fields=["qb_ref", "qb_edit_sequence", "qb_details", "accept_options", "erp_error", "sent_payload"],
        )
    return list(ErpItem.objects.filter(pk__in=[item.pk for item in items]).order_by("pk"))


def _linked_details(found: AccountingRecord) -> dict[str, Any]:
    if found.list_type != AccountingRecord.ListType.ESTIMATE:
        return {}
    return {"all_line_ids": [line["txn_line_id"] for line in found.details.get("lines") or () if line["txn_line_id"]]}


def _items_of(records: Sequence[Model]) -> list[ErpItem]:
    """The workflow items of `records`, in their order, made in draft (in bulk) for those that have none."""
    found = items_for_records(list(records))
    missing = [record for record in records if (type(record), record.pk) not in found]
    if missing:
        ErpItem.objects.bulk_create(
            [
                ErpItem(
                    **_item_identity(record),
                    object_type=exportable_type_of(record).slug,
                    **_identity(exportable_type_of(record), record),
                )
                for record in missing
            ],
            ignore_conflicts=True,
        )
        found = items_for_records(list(records))
    return [found[(type(record), record.pk)] for record in records]


def _importable(object_type: str, accounting_record: AccountingRecord) -> AccountingRecord:
    """The record, read again, if Ready to Import still offers it; else why not."""
    found = selectors.ready_to_import(object_type).filter(pk=accounting_record.pk).first()
    if found is None:
        raise LinkRefused(
            f"{accounting_record.full_name} is no longer waiting in Ready to Import: it was linked, added or set "
            "aside meanwhile, or is not in the company file items go to."
        )
    return found


def add_company_from_accounting(actor: User, accounting_record: AccountingRecord) -> ps.Company:
    """Add a QuickBooks vendor to the directory as a new company, linked to it."""
    permissions.require(actor, Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)
    with transaction.atomic():
        record = _importable("company", accounting_record)
        fields = {name: value for name, value in selectors.quickbooks_values(record).items() if value}
        existing = ps.Company.objects.filter(name__iexact=fields["name"]).first()
        if existing is not None:
            raise LinkRefused(
                f"The directory already has {existing.name}: link the QuickBooks vendor to it instead of adding "
                "a second one."
            )
        company = project_services.save_record(
            actor, ps.Company, fields, permitted_by=Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY
        )
        link_record(company, actor, record, permitted_by=Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)
    return company


def _link_taking(
    actor: User,
    record: Model,
    accounting_record: AccountingRecord,
    take_from_quickbooks: Iterable[str],
    *,
    allowed: tuple[str, ...],
    action: Action,
    under_customer: bool = False,
) -> tuple[ErpItem, AccountingRecord]:
    """Link `record` to a QuickBooks record of Ready to Import, its fields in `take_from_quickbooks` (of the
    `allowed` ones) first taking QuickBooks' values; every other field keeps ours, and reaches QuickBooks
    with the record's next export. Nothing is overwritten unless picked. A job (`under_customer`) keeps the
    customer it is under as if the approver had chosen it at accept."""
    permissions.require(actor, action)
    taken = tuple(name for name in take_from_quickbooks if name in allowed)
    found = _importable(exportable_type_of(record).slug, accounting_record)
    if taken:
        values = selectors.quickbooks_values(found, taken)
        project_services.save_record(actor, type(record), values, instance=record, permitted_by=action)
    options = {"parent_customer": found.full_name.rpartition(":")[0]} if under_customer else None
    return link_record(record, actor, found, options), found


def link_company(
    actor: User, company: ps.Company, accounting_record: AccountingRecord, take_from_quickbooks: Iterable[str] = ()
) -> ErpItem:
    """Link a directory company to a QuickBooks vendor, taking the vendor's values of the fields picked."""
    with transaction.atomic():
        item, _ = _link_taking(
            actor,
            company,
            accounting_record,
            take_from_quickbooks,
            allowed=COMPANY_COMPARED,
            action=Action.LINK_QUICKBOOKS_COMPANIES,
        )
    return item


# The directory's fields a link may take from the QuickBooks vendor.
COMPANY_COMPARED = tuple(name for name, _label, _path in selectors.COMPARED_FIELDS)


def link_exact_companies(actor: User) -> int:
    """Link every QuickBooks vendor waiting in Ready to Import to the one directory company of the same name
    (ignoring case) that is not linked yet, keeping the directory's fields. Returns how many were linked."""
    permissions.require(actor, Action.LINK_QUICKBOOKS_COMPANIES)
    with transaction.atomic():
        records = list(selectors.ready_to_import("company"))
        suggestions = selectors.company_suggestions(records)
        pairs: dict[int, Link] = {}
        claimed: set[int] = set()
        for record in records:
            exact = [suggestion.company for suggestion in suggestions[record.pk] if suggestion.exact]
            if len(exact) == 1 and exact[0].pk not in claimed:
                claimed.add(exact[0].pk)
                pairs[record.pk] = Link(exact[0], record)
        return len(link_many(list(pairs.values()), actor))


def set_aside(actor: User, accounting_record: AccountingRecord, *, archived: bool) -> AccountingRecord:
    """Set a QuickBooks vendor aside from Ready to Import (the directory does not need it), or bring it back."""
    permissions.require(actor, Action.ARCHIVE_COMPANY)
    with transaction.atomic():
        record = AccountingRecord.objects.select_for_update().get(pk=accounting_record.pk)
        record.archived_at = timezone.now() if archived else None
        record.archived_by = actor if archived else None
        record.save(update_fields=["archived_at", "archived_by"])
    return record


def restore_company(actor: User, company: ps.Company) -> ps.Company:
    """Bring an archived directory company back (it can be sent again)."""
    permissions.require(actor, Action.ARCHIVE_COMPANY)
    project_services.set_archived([company.pk], archived=False)
    company.refresh_from_db()
    return company


def _job_number_and_name(job_name: str) -> tuple[str, str]:
    """A QuickBooks job's name as a project's number and name: "1042 Main Street Clinic" is number 1042; a
    name with no number first is both (the project's job name is then that name alone)."""
    first, _, rest = job_name.strip().partition(" ")
    if rest and any(character.isdigit() for character in first) and len(first) <= 50:
        return first, rest.strip()
    return job_name.strip()[:50], job_name.strip()


def add_project_from_accounting(actor: User, accounting_record: AccountingRecord) -> ps.Project:
    """Add a QuickBooks job as a new project, linked to it: number, name and address from the job, and its
    customer as the owner (the directory's owner of that name, or a new one)."""
    permissions.require(actor, Action.ADD_QUICKBOOKS_JOB_AS_PROJECT)
    with transaction.atomic():
        record = _importable("project", accounting_record)
        number, name = _job_number_and_name(record.details.get("name") or record.full_name.rsplit(":", 1)[-1])
        if ps.Project.objects.filter(number__iexact=number).exists():
            raise LinkRefused(f"Project {number} exists: link the QuickBooks job to it instead of adding another.")
        parent = record.full_name.rsplit(":", 1)[0] if ":" in record.full_name else ""
        owner = ps.Company.objects.filter(name__iexact=parent).first() if parent else None
        if owner is None and parent:
            owner = project_services.save_record(
                actor,
                ps.Company,
                {"name": parent[:200], "vendor_type": ps.Company.VendorType.OWNER},
                permitted_by=Action.ADD_QUICKBOOKS_JOB_AS_PROJECT,
            )
        address = {name: value for name, value in selectors.quickbooks_values(record, ADDRESS_FIELDS).items() if value}
        project = project_services.save_record(
            actor,
            ps.Project,
            {"number": number, "name": name, "owner": owner, **address},
            permitted_by=Action.ADD_QUICKBOOKS_JOB_AS_PROJECT,
        )
        link_record(project, actor, record, {"parent_customer": parent})
        import_sub_jobs(actor, project, book=record.book)
    return project


def link_project(
    actor: User, project: ps.Project, accounting_record: AccountingRecord, take_from_quickbooks: Iterable[str] = ()
) -> ErpItem:
    """Link a project to a QuickBooks job (under the job's customer), taking the job's address fields picked."""
    with transaction.atomic():
        item, found = _link_taking(
            actor,
            project,
            accounting_record,
            take_from_quickbooks,
            allowed=ADDRESS_FIELDS,
            action=Action.ADD_QUICKBOOKS_JOB_AS_PROJECT,
            under_customer=True,
        )
        # The job's sub jobs were read with it: the project gets them now, not at the next change of each.
        import_sub_jobs(actor, project, book=found.book)
    return item


# --- sub jobs QuickBooks holds under a linked project's job ---------------------------------------------------


@dataclass
class SubJobImport:
    """What reading a project's sub jobs from QuickBooks did: the sub jobs it added and those it linked (both
    linked to their QuickBooks records now), and the QuickBooks records it left, each with why."""

    created: list[ps.SubJob] = field(default_factory=list)
    linked: list[ps.SubJob] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def import_sub_jobs(actor: User | None, project: ps.Project, *, book: str | None = None) -> SubJobImport:
    """Add to a project linked to its QuickBooks job the sub jobs QuickBooks holds under that job and that no
    sub job here is linked to, nested as there (up to `SubJob.MAX_DEPTH` levels; deeper ones are left out and
    said), each linked to its QuickBooks record: nothing is sent. A sub job here of the same name under the
    same parent that is not linked yet is linked rather than doubled. Reads the company file's customers as
    last imported (`book`, the current company file by default); `actor` None is the system (an import)."""
    if actor is not None:
        permissions.require(actor, LINK_ACTIONS["sub_job"])
    result = SubJobImport()
    book = book or hooks.current_book()
    with transaction.atomic():
        job_ref = (
            ErpItem.objects.filter(object_type="project", object_id=project.pk, state=ErpState.SYNCED)
            .exclude(qb_ref="")
            .values_list("qb_ref", flat=True)
            .first()
        )
        customers = AccountingRecord.objects.filter(book=book, list_type=AccountingRecord.ListType.CUSTOMER)
        job = customers.filter(external_id=job_ref).first() if job_ref and book else None
        if job is None:
            return result
        children: dict[str, list[AccountingRecord]] = {}
        for record in customers.filter(full_name__startswith=f"{job.full_name}:").order_by("full_name", "id"):
            children.setdefault(record.parent_external_id, []).append(record)
        linked_to = dict(
            ErpItem.objects.filter(
                object_type="sub_job", qb_ref__in=[r.external_id for rows in children.values() for r in rows]
            ).values_list("qb_ref", "object_id")
        )
        here = {sub_job.pk: sub_job for sub_job in project.sub_jobs.all()}
        by_name = {(sub_job.parent_id, sub_job.name.lower()): sub_job for sub_job in here.values()}
        items = items_for_records(list(here.values()))
        links: list[Link] = []
        # From the job down, a level at a time: a sub job is added before those under it.
        level: list[tuple[str, ps.SubJob | None]] = [(job.external_id, None)]
        for depth in range(1, ps.SubJob.MAX_DEPTH + 2):
            below: list[tuple[str, ps.SubJob | None]] = []
            for parent_ref, parent in level:
                for record in children.get(parent_ref, []):
                    if depth > ps.SubJob.MAX_DEPTH:
                        result.left_out.append(
                            f"{record.full_name}: QuickBooks nests it {depth} levels under the job; a sub job "
                            f"is at most {ps.SubJob.MAX_DEPTH} levels deep here, so it and what is under it "
                            "stay in QuickBooks only."
                        )
                        continue
                    sub_job = _sub_job_for(record, project, parent, here, by_name, items, linked_to, links, result)
                    if sub_job is not None:
                        below.append((record.external_id, sub_job))
            level = below
        link_many(links, actor)
    return result


def _sub_job_for(
    record: AccountingRecord,
    project: ps.Project,
    parent: ps.SubJob | None,
    here: dict[int, ps.SubJob],
    by_name: dict[tuple[int | None, str], ps.SubJob],
    items: dict[tuple[type[Model], int], ErpItem],
    linked_to: dict[str, int],
    links: list[Link],
    result: SubJobImport,
) -> ps.SubJob | None:
    """The project's sub job for one QuickBooks record under its job: the one linked to it, one of its name
    to link, or a new one (None when it cannot be had, with why in `result`)."""
    if record.external_id in linked_to:
        return here.get(linked_to[record.external_id])  # another project's: what is under it is not ours
    name = str(record.details.get("name") or record.full_name.rsplit(":", 1)[-1])
    same = by_name.get((parent.pk if parent is not None else None, name.lower()))
    if same is not None:
        item = items.get((ps.SubJob, same.pk))
        if item is not None and (item.qb_ref or not may_move(Step.LINK, item.state)):
            result.left_out.append(
                f"{record.full_name}: the sub job {same.path} is {state_words(item.state)} here and not linked to "
                "it; it links itself when QuickBooks answers its export with the name in use."
            )
            return None
        links.append(Link(same, record))
        result.linked.append(same)
        return same
    fields: dict[str, Any] = {
        "name": name,
        "description": str(record.details.get("job_desc") or "")[:99],
        "is_active": record.is_active,
        **{key: value for key, value in selectors.quickbooks_values(record, ADDRESS_FIELDS).items() if value},
    }
    try:
        sub_job = project_services.add_sub_job_from_accounting(project, parent, fields)
    except ValidationError as exc:
        result.left_out.append(f"{record.full_name}: {' '.join(exc.messages)}")
        return None
    here[sub_job.pk] = sub_job
    by_name[(sub_job.parent_id, sub_job.name.lower())] = sub_job
    links.append(Link(sub_job, record))
    result.created.append(sub_job)
    return sub_job


def _sub_jobs_read(book: str, external_ids: list[str]) -> None:
    """Customers of a page of QuickBooks' list were read: the projects linked to a job some of them are under
    get them as sub jobs. Two queries a page, and an import only for the projects the page concerns."""
    if book != hooks.current_book():
        return  # links are to the company file items go to
    under_jobs = list(
        AccountingRecord.objects.filter(
            book=book,
            list_type=AccountingRecord.ListType.CUSTOMER,
            external_id__in=external_ids,
            details__sublevel__gte=2,
        ).values_list("full_name", flat=True)
    )
    if not under_jobs:
        return
    job_names = AccountingRecord.objects.filter(
        book=book, list_type=AccountingRecord.ListType.CUSTOMER, external_id=OuterRef("qb_ref")
    ).values("full_name")[:1]
    projects_by_job = dict(
        ErpItem.objects.filter(object_type="project", state=ErpState.SYNCED, record_deleted_at__isnull=True)
        .exclude(qb_ref="")
        .annotate(job=Subquery(job_names))
        .exclude(job=None)
        .values_list("job", "object_id")
    )
    wanted: set[int] = set()
    for full_name in under_jobs:
        parts = full_name.split(":")
        wanted.update(
            projects_by_job[prefix]
            for prefix in (":".join(parts[:end]) for end in range(1, len(parts)))
            if prefix in projects_by_job
        )
    for project in ps.Project.objects.filter(pk__in=wanted).order_by("pk"):
        imported = import_sub_jobs(None, project, book=book)
        for message in imported.left_out:
            logger.warning("Sub jobs of project %s: %s", project.number, message)


# --- what the project side's edits mean for the workflow ------------------------------------------------------


def ensure_editable(record: Model, changed_fields: set[str], *, lines_changed: bool = False) -> None:
    """Refuse an edit of the fields QuickBooks will receive while the item is in accounting's hands.

    Call inside the edit's transaction: the item's row is locked so a send cannot slip in between.
    """
    if not is_exportable(record) or record.pk is None:
        return
    spec = exportable_type_of(record)
    item = ErpItem.objects.select_for_update().filter(**_item_identity(record)).first()
    if item is None or not is_locked(item.state):
        return
    touched = sorted(changed_fields & set(spec.locked_fields))
    if lines_changed and spec.has_lines:
        touched.append("lines")
    if touched:
        raise RecordLocked(item.label, item.state, touched, allowed_steps(item.state))


def ensure_deletable(record: Model) -> None:
    """A record may be deleted only while nothing of it is in accounting's hands or in QuickBooks."""
    if not is_exportable(record) or record.pk is None:
        return
    item = ErpItem.objects.select_for_update().filter(**_item_identity(record)).first()
    if item is None:
        return
    if item.state != ErpState.DRAFT or item.qb_ref:
        raise StepNotAllowed("delete", item.label, item.state, allowed_steps(item.state))


def refresh_item_label(record: Model) -> None:
    """Keep the queue's label and project in step with an edited record."""
    if is_exportable(record):
        ErpItem.objects.filter(**_item_identity(record)).update(**_identity(exportable_type_of(record), record))


def record_deleted(model: type[Model], pk: int) -> None:
    """Keep the item and its history after the record is gone: the audit trail outlives the record."""
    ErpItem.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk).update(
        record_deleted_at=timezone.now()
    )


class RecordWatcher:
    """What the workflow does when the project side edits or deletes a record (registered at start-up)."""

    def before_change(self, record: Model, changed_fields: set[str], *, lines_changed: bool) -> None:
        ensure_editable(record, changed_fields, lines_changed=lines_changed)

    def before_delete(self, record: Model) -> None:
        ensure_deletable(record)

    def changed(self, record: Model) -> None:
        refresh_item_label(record)

    def deleted(self, model: type[Model], pk: int) -> None:
        record_deleted(model, pk)


# --- settings ----------------------------------------------------------------------------------------------------


def update_settings(actor: User, **changes: Any) -> ErpSettings:
    permissions.require(actor, Action.CONFIGURE_SETTINGS)
    if "direct_export_types" in changes:
        permissions.require(actor, Action.ENABLE_DIRECT_EXPORT)
    with transaction.atomic():
        row = ErpSettings.objects.select_for_update().get(pk=ErpSettings.load().pk)
        for name, value in changes.items():
            setattr(row, name, value)
        row.full_clean()
        row.save(update_fields=[*changes, "updated_at"])
    return row


# --- the standard cost code list, refreshed from QuickBooks' service items ----------------------------------


@dataclass(frozen=True)
class CostCodeDifference:
    """A field of a cost code that its QuickBooks item holds otherwise: the directory's value is kept."""

    code: str
    field: str
    directory: str
    quickbooks: str


@dataclass
class CostCodeRefresh:
    """What a refresh of the cost code list from QuickBooks' service items did, for the person who asked."""

    created: list[str] = field(default_factory=list)
    divisions_created: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    differences: list[CostCodeDifference] = field(default_factory=list)
    # Cost codes that are QuickBooks items but cannot be linked now, and items that cannot be cost codes: why.
    not_linked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence of counts: "Cost codes refreshed from QuickBooks: 12 added, 3 linked, ..."."""
        added = f"{len(self.created)} added"
        if self.divisions_created:
            added += f" (and {_count(len(self.divisions_created), 'division')})"
        parts = [
            added,
            f"{len(self.linked)} linked",
            f"{len(self.deactivated)} made inactive",
            *([f"{len(self.reactivated)} made active again"] if self.reactivated else []),
            f"{self.unchanged} unchanged",
        ]
        text = f"Cost codes refreshed from QuickBooks: {', '.join(parts)}."
        if self.differences:
            text += (
                f" {_count(len({d.code for d in self.differences}), 'cost code')} QuickBooks describes otherwise "
                "kept the directory's values."
            )
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _item_name(record: AccountingRecord) -> str:
    """An item's own name (the last part of its full name "Division:Code")."""
    return str(record.details.get("name") or record.full_name.rsplit(":", 1)[-1]).strip()


def _code_differences(cost_code: ps.CostCode, item: AccountingRecord, division: str) -> list[CostCodeDifference]:
    name, description = _item_name(item), str(item.details.get("description") or "").strip()
    found = []
    if name != cost_code.code:
        found.append(CostCodeDifference(cost_code.code, "code", cost_code.code, name))
    if description and description != cost_code.description.strip():
        found.append(CostCodeDifference(cost_code.code, "description", cost_code.description, description))
    if division.lower() != cost_code.division.code.lower():
        found.append(CostCodeDifference(cost_code.code, "division", cost_code.division.code, division))
    return found


_DIVISION_CODE = ps.Division._meta.get_field("code").max_length or 20
_DIVISION_NAME = ps.Division._meta.get_field("name").max_length or 200
_DESCRIPTION = ps.CostCode._meta.get_field("description").max_length or 255


def refresh_cost_codes(actor: User) -> CostCodeRefresh:
    """Bring the standard cost code list in line with the service items of the current company file, as its
    lists were last read: a top-level item is a division (matched by code, or added), a sub-item a cost code
    under its parent's division. An item no cost code is linked to is matched to the cost code of its name
    and linked to it, or added as a new cost code, linked. A linked cost code follows its item's active
    flag. Nothing else of an existing cost code changes: where QuickBooks holds another description (or
    name, or division), the directory's is kept and the difference reported. Bulk: a few queries, whatever
    the number of items."""
    permissions.require(actor, Action.REFRESH_COST_CODES)
    book = hooks.current_book()
    if book is None:
        raise WorkflowError(
            "No QuickBooks company file is set up yet: add a connection on the sync health page and read "
            "QuickBooks' lists there first."
        )
    result = CostCodeRefresh()
    retainage_item = ErpSettings.load().retainage_item_name.strip().lower()
    with transaction.atomic():
        items = list(
            AccountingRecord.objects.filter(book=book, list_type=AccountingRecord.ListType.ITEM).order_by(
                "full_name", "pk"
            )
        )
        if not items:
            raise WorkflowError(
                "QuickBooks' service items have not been read yet: read QuickBooks' lists from the sync health "
                "page, then refresh the cost codes."
            )
        by_id = {item.external_id: item for item in items}
        tops = {item.external_id: item for item in items if not item.parent_external_id}
        division_items: dict[str, AccountingRecord] = {}
        for item in tops.values():
            name = _item_name(item)
            if name.lower() == retainage_item:
                continue  # the item retainage is held on, not a division
            if len(name) > _DIVISION_CODE:
                result.skipped.append(f"{item.full_name}: a division code has at most {_DIVISION_CODE} characters.")
                continue
            division_items[item.external_id] = item

        # What is here: cost codes and their workflow items, divisions.
        workflow = list(
            ErpItem.objects.filter(object_type="cost_code").values_list(
                "object_id", "state", "qb_ref", "record_deleted_at"
            )
        )
        item_of_code = {object_id: (state, qb_ref) for object_id, state, qb_ref, deleted in workflow if not deleted}
        code_of_ref: dict[str, int | None] = {
            qb_ref: (None if deleted else object_id) for object_id, _state, qb_ref, deleted in workflow if qb_ref
        }
        codes = {code.pk: code for code in ps.CostCode.objects.select_related("division")}
        code_named = {code.code.lower(): code for code in codes.values()}
        division_named = {division.code.lower(): division for division in ps.Division.objects.all()}

        new_divisions: dict[str, str] = {}
        for item in division_items.values():
            name = _item_name(item)
            if name.lower() not in division_named:
                description = str(item.details.get("description") or "").strip()
                new_divisions[name] = (description or name)[:_DIVISION_NAME]
        result.divisions_created = sorted(new_divisions)

        def division_code(item: AccountingRecord) -> str:
            name = _item_name(item)
            existing = division_named.get(name.lower())
            return existing.code if existing is not None else name

        to_link: list[Link] = []
        new_codes: list[tuple[project_services.NewCostCode, AccountingRecord]] = []
        activate: dict[bool, list[str]] = {True: [], False: []}
        activate_ids: dict[bool, list[int]] = {True: [], False: []}
        seen: set[str] = set()
        # The linked items first: a name two items share stays with the one that is linked.
        for item in sorted(items, key=lambda item: item.external_id not in code_of_ref):
            if not item.parent_external_id:
                continue
            parent = by_id.get(item.parent_external_id)
            name = _item_name(item)
            if parent is None:
                result.skipped.append(f"{item.full_name}: its parent item has not been read from QuickBooks.")
                continue
            if parent.parent_external_id:
                result.skipped.append(
                    f"{item.full_name}: a sub-item of a sub-item; cost codes are one level under their division."
                )
                continue
            if parent.external_id not in division_items:
                result.skipped.append(f"{item.full_name}: its parent item cannot be a division.")
                continue
            if name.lower() in seen:
                result.skipped.append(f"{item.full_name}: another item is named {name} too; cost codes are unique.")
                continue
            seen.add(name.lower())
            division = division_code(parent)
            if item.external_id in code_of_ref:
                code_id = code_of_ref[item.external_id]
                if code_id is None or code_id not in codes:
                    result.skipped.append(f"{item.full_name}: it was linked to a cost code that is deleted.")
                    continue
                linked = codes[code_id]
                result.differences.extend(_code_differences(linked, item, division))
                if linked.is_active != item.is_active:
                    activate[item.is_active].append(linked.code)
                    activate_ids[item.is_active].append(linked.pk)
                else:
                    result.unchanged += 1
                continue
            cost_code = code_named.get(name.lower())
            if cost_code is None:
                description = str(item.details.get("description") or "").strip() or name
                row = project_services.NewCostCode(name, description[:_DESCRIPTION], division, item.is_active)
                new_codes.append((row, item))
                if len(description) > _DESCRIPTION:
                    result.differences.append(
                        CostCodeDifference(name, "description", description[:_DESCRIPTION], description)
                    )
                continue
            state, qb_ref = item_of_code.get(cost_code.pk, (ErpState.DRAFT, ""))
            if qb_ref:
                result.not_linked.append(
                    f"{cost_code.code}: QuickBooks' item {item.full_name} has its name, but the cost code is linked "
                    "to another QuickBooks item."
                )
                continue
            if not may_move(Step.LINK, state):
                *others, last = [state_words(source) for source in sorted(TRANSITIONS[Step.LINK].sources)]
                linkable = f"{', '.join(others)} or {last}" if others else last
                result.not_linked.append(
                    f"{cost_code.code} is {state_words(state)}: a refresh links it to QuickBooks' item "
                    f"{item.full_name} once it is {linkable}."
                )
                continue
            to_link.append(Link(cost_code, item))
            result.linked.append(cost_code.code)
            result.differences.extend(_code_differences(cost_code, item, division))
            if cost_code.is_active != item.is_active:
                activate[item.is_active].append(cost_code.code)
                activate_ids[item.is_active].append(cost_code.pk)

        _divisions, added = project_services.add_cost_codes(actor, new_divisions, [row for row, _ in new_codes])
        for row, item in new_codes:
            to_link.append(Link(added[row.code], item))
        result.created = sorted(row.code for row, _ in new_codes)
        link_many(to_link, actor)
        for active in (True, False):
            project_services.set_cost_codes_active(activate_ids[active], active=active)
        result.reactivated, result.deactivated = sorted(activate[True]), sorted(activate[False])
    return result
