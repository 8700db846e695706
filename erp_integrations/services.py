"""Every write of the acceptance workflow. One function per step, for every exportable type.

Each step: checks the permission gate, runs in one transaction, locks the item's row, checks the current
state against the transition table, writes the item and appends a history row (both through `move_many`,
the one writer of an item's state, for one item or a thousand), and queues its side effects to run after
commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from access import permissions
from access.permissions import Action
from erp_integrations import hooks, tasks
from erp_integrations.bulk import insert_values, select_in, update_values
from erp_integrations.errors import (
    DependencyNotReady,
    RecordLocked,
    SendRefused,
    StepNotAllowed,
    WorkflowError,
    state_words,
)
from erp_integrations.exportables import Exportable, exportable_type_of, is_exportable
from erp_integrations.models import AccountingRecord, ErpEvent, ErpItem, ErpSettings, ErpState
from erp_integrations.selectors import items_for_records
from erp_integrations.workflow import DEPENDENCY_READY_STATES, TRANSITIONS, Step, allowed_steps, is_locked, may_move
from procore_sync import services as project_services

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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


def _check_sendable(spec: Exportable[Any], record: Model) -> dict[str, Any]:
    problems = spec.problems(record)
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
        payload = _check_sendable(spec, record)
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
    if waiting:
        raise DependencyNotReady(label, waiting)
    return sorted(dep_item.pk for dep_item in items.values())


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
        moved += move_many(
            Step.SYNC_FAILED,
            [Move(o.item_id, [o.error], reason=o.error) for o in outcomes if not o.ok],
            fields=["erp_error"],
            skip_refused=not strict,
        )
    return len(moved)


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
    directory company linked to it; made active again, it restores it."""
    if list_type != AccountingRecord.ListType.VENDOR or not external_ids:
        return
    active = dict(
        AccountingRecord.objects.filter(book=book, list_type=list_type, external_id__in=external_ids).values_list(
            "external_id", "is_active"
        )
    )
    linked = ErpItem.objects.filter(object_type="company", qb_ref__in=list(active)).values_list("object_id", "qb_ref")
    by_state: dict[bool, list[int]] = {True: [], False: []}
    for company_id, qb_ref in linked:
        by_state[not active[qb_ref]].append(company_id)
    for archived, company_ids in by_state.items():
        project_services.set_archived(company_ids, archived=archived)


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
