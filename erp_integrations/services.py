"""Every write of the acceptance workflow. One function per step, for every exportable type.

Each step: checks the permission gate, runs in one transaction, locks the item's row, checks the current
state against the transition table, saves with `update_fields`, appends a history row, and queues its
side effects to run after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from erp_integrations import permissions, tasks
from erp_integrations.bulk import insert_values, select_in, update_values
from erp_integrations.errors import (
    AcceptOptionsInvalid,
    DependencyNotReady,
    RecordLocked,
    SendRefused,
    StepNotAllowed,
    state_words,
)
from erp_integrations.exportables import ExportableType, exportable_type_of, is_exportable
from erp_integrations.models import ErpEvent, ErpItem, ErpSettings, ErpState
from erp_integrations.permissions import Action
from erp_integrations.selectors import items_for_records
from erp_integrations.workflow import DEPENDENCY_READY_STATES, TRANSITIONS, Step, allowed_steps, is_locked
from procore_sync import models as ps
from qbxml.lib import limits
from qbxml.lib.text import text_problems


def _item_identity(record: Model) -> dict[str, Any]:
    return {"content_type": ContentType.objects.get_for_model(type(record)), "object_id": record.pk}


def item_for(record: Model) -> ErpItem:
    """The workflow item of `record`, created in draft the first time it is needed."""
    spec = exportable_type_of(record)
    project = spec.project_of(record)
    item, _ = ErpItem.objects.get_or_create(
        **_item_identity(record),
        defaults={"object_type": spec.slug, "label": spec.describe(record)[:255], "project": project},
    )
    return item


def _locked_item(record: Model) -> ErpItem:
    item = item_for(record)
    return ErpItem.objects.select_for_update().get(pk=item.pk)


def _apply(
    item: ErpItem,
    step: Step,
    actor: Any,
    *,
    reason: str = "",
    payload: Any = None,
    fields: dict[str, Any] | None = None,
) -> ErpEvent:
    """Move a locked item along `step` of the transition table and record it."""
    event = _move(item, step, actor, reason=reason, payload=payload, fields=fields)
    item.save(update_fields=sorted({"state", "updated_at", *(fields or {})}))
    event.save()
    return event


def _move(
    item: ErpItem,
    step: Step,
    actor: Any,
    *,
    reason: str = "",
    payload: Any = None,
    fields: dict[str, Any] | None = None,
) -> ErpEvent:
    """Change a locked item in memory along `step`, and return its unsaved history row.

    The only writer of `state`: it refuses a step that does not start from the item's current state.
    """
    transition = TRANSITIONS[step]
    if item.state not in transition.sources:
        raise StepNotAllowed(step, item.label, item.state, allowed_steps(item.state))
    from_state = item.state
    item.state = transition.target
    item.updated_at = timezone.now()
    for name, value in (fields or {}).items():
        setattr(item, name, value)
    return ErpEvent(
        item=item,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=step.value,
        from_state=from_state,
        to_state=item.state,
        reason=reason,
        payload=payload,
    )


def _refresh_identity(spec: ExportableType, record: Model) -> dict[str, Any]:
    return {"label": spec.describe(record)[:255], "project": spec.project_of(record)}


def _check_sendable(spec: ExportableType, record: Model, label: str) -> dict[str, Any]:
    problems = spec.problems(record)
    if problems:
        raise SendRefused(label, [problem.as_dict() for problem in problems])
    return spec.payload(record)


def item_send(record: Model, actor: Any) -> ErpItem:
    """Send a draft record for accounting acceptance (and accept it at once under direct export)."""
    return _send_step(record, actor, Step.SEND, Action.SEND)


def item_resend(record: Model, actor: Any) -> ErpItem:
    """Send again after a rejection, or push an update of a synced record."""
    return _send_step(record, actor, Step.RESEND, Action.RESEND)


def _send_step(record: Model, actor: Any, step: Step, action: Action) -> ErpItem:
    permissions.require(actor, action, record)
    spec = exportable_type_of(record)
    with transaction.atomic():
        item = _locked_item(record)
        # Read the record again under the item's lock: edits take the same lock, so what is validated and
        # recorded as sent is what is stored, not what the caller happened to hold in memory.
        record = type(record)._default_manager.get(pk=record.pk)
        if item.state not in TRANSITIONS[step].sources:
            raise StepNotAllowed(step, item.label, item.state, allowed_steps(item.state))
        # Validation runs after the state check: an item already sent is a conflict, not a form to fix.
        payload = _check_sendable(spec, record, spec.describe(record))
        _apply(
            item,
            step,
            actor,
            payload=payload,
            fields={
                **_refresh_identity(spec, record),
                "sent_payload": payload,
                "sent_by": actor,
                "sent_at": timezone.now(),
                "erp_error": "",
            },
        )
        _direct_export(item, spec, record, actor)
    return item


def _direct_export(item: ErpItem, spec: ExportableType, record: Model, actor: Any) -> None:
    """Under direct export the approver's step is taken at send, when what the item needs is ready."""
    if spec.slug not in ErpSettings.load().direct_export_types:
        return
    try:
        options = _accept_options(spec, record, {})
        depends_on = _check_dependencies(spec, record, item.label)
    except (DependencyNotReady, AcceptOptionsInvalid) as exc:
        item.erp_error = f"Not exported directly: {exc.message}"
        item.save(update_fields=["erp_error", "updated_at"])
        return
    _apply(
        item, Step.ACCEPT, actor, reason="Direct export", fields={"accept_options": options, "depends_on": depends_on}
    )


def item_retrieve(record: Model, actor: Any) -> ErpItem:
    """The sender pulls back an item nobody has accepted or rejected yet."""
    return _simple_step(record, actor, Step.RETRIEVE, Action.RETRIEVE)


def _simple_step(
    record: Model,
    actor: Any,
    step: Step,
    action: Action,
    *,
    reason: str = "",
    fields: Callable[[ErpItem], dict[str, Any]] | None = None,
    after: Callable[[ErpEvent], None] | None = None,
) -> ErpItem:
    permissions.require(actor, action, record)
    with transaction.atomic():
        item = _locked_item(record)
        event = _apply(item, step, actor, reason=reason, fields=fields(item) if fields else None)
        if after is not None:
            after(event)
    return item


def _check_dependencies(spec: ExportableType, record: Model, label: str) -> list[int]:
    """The items `record` depends on, all queued or synced; else DependencyNotReady naming the others."""
    dependencies = [dep for dep in spec.dependencies(record) if is_exportable(dep)]
    if not dependencies:
        return []
    states = _states_of(dependencies)
    waiting = []
    for dependency in dependencies:
        dep_spec = exportable_type_of(dependency)
        state, _ = states.get((dep_spec.model, dependency.pk), (ErpState.DRAFT, 0))
        if state not in DEPENDENCY_READY_STATES:
            waiting.append(
                f"{dep_spec.label.lower()} {dep_spec.describe(dependency)} is {state_words(state)}, "
                "not yet accepted or synced"
            )
    if waiting:
        raise DependencyNotReady(label, waiting)
    return sorted(item_id for _, item_id in states.values())


def _states_of(records: list[Model]) -> dict[tuple[type[Model], int], tuple[str, int]]:
    """The workflow states (and item ids) of many records in one query per type."""
    return {key: (item.state, item.pk) for key, item in items_for_records(records).items()}


def _accept_options(spec: ExportableType, record: Model, options: dict[str, Any]) -> dict[str, Any]:
    """What QuickBooks needs beyond the record, as the approver gave it (or its default)."""
    if spec.slug != "project":
        return {}
    assert isinstance(record, ps.Project)
    parent = str(options.get("parent_customer") or "").strip()
    if not parent and record.owner_id:
        parent = record.owner.name  # type: ignore[union-attr]
    if not parent:
        raise AcceptOptionsInvalid(
            "Choose the QuickBooks customer this job belongs to (parent_customer): the project has no owner.",
            "parent_customer",
        )
    problems = text_problems("The parent customer", parent, limits.CUSTOMER_NAME, list_name=True)
    if problems:
        raise AcceptOptionsInvalid(" ".join(problems), "parent_customer")
    return {"parent_customer": parent}


def item_accept(record: Model, actor: Any, options: dict[str, Any] | None = None) -> ErpItem:
    """The accounting approver accepts: the item is queued for QuickBooks."""
    permissions.require(actor, Action.ACCEPT, record)
    spec = exportable_type_of(record)
    with transaction.atomic():
        item = _locked_item(record)
        if item.state not in TRANSITIONS[Step.ACCEPT].sources:
            raise StepNotAllowed(Step.ACCEPT, item.label, item.state, allowed_steps(item.state))
        accept_options = _accept_options(spec, record, options or {})
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


def item_reject(record: Model, actor: Any, reason: str = "") -> ErpItem:
    """The approver rejects, with an optional reason; the sender is told by email."""
    reason = (reason or "").strip()

    def notify(event: ErpEvent) -> None:
        transaction.on_commit(lambda: tasks.notify_rejection.delay(event.pk))

    return _simple_step(record, actor, Step.REJECT, Action.REJECT, reason=reason, after=notify)


def item_retry(record: Model, actor: Any) -> ErpItem:
    """Queue a failed item again."""
    return _simple_step(record, actor, Step.RETRY, Action.RETRY, fields=lambda item: {"erp_error": ""})


def item_unlink(record: Model, actor: Any, reason: str = "") -> ErpItem:
    """Forget the link to the QuickBooks record (which must have been deleted in QuickBooks first)."""

    def cleared(item: ErpItem) -> dict[str, Any]:
        return {"qb_ref": "", "qb_edit_sequence": "", "qb_details": {}, "synced_payload": None, "erp_error": ""}

    return _simple_step(record, actor, Step.UNLINK, Action.UNLINK, reason=reason, fields=cleared)


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


_SYNC_FIELDS = ["state", "updated_at", "qb_ref", "qb_edit_sequence", "qb_details", "erp_error"]
_EVENT_FIELDS = ["item", "actor", "action", "from_state", "to_state", "reason", "payload", "created_at"]


def record_sync_outcomes(outcomes: list[SyncOutcome]) -> int:
    """Apply QuickBooks' answers to their items: synced or failed, in one transaction, with their history.

    Called by the connector inside the transaction that also closes the requests, so an answer and the
    items' states are committed together or not at all. Items no longer queued are left as they are.
    Returns how many items moved.

    An answer holds hundreds of items: they are read and written as rows, not model instances, and their
    payloads are never decoded (what QuickBooks received is copied from what was sent, in the database).
    """
    if not outcomes:
        return 0
    with transaction.atomic():
        current = {
            pk: (state, details)
            for pk, state, details in select_in(
                ErpItem, ["id", "state", "qb_details"], {"pk": {o.item_id for o in outcomes}}, for_update=True
            )
        }
        now = timezone.now()
        synced_rows: list[list[Any]] = []
        failed_rows: list[list[Any]] = []
        event_rows: list[list[Any]] = []
        for outcome in outcomes:
            state, details = current.get(outcome.item_id, (None, None))
            step = Step.SYNC_SUCCEEDED if outcome.ok else Step.SYNC_FAILED
            if state not in TRANSITIONS[step].sources:
                continue  # no longer queued: retrieved, rejected or answered already
            target = TRANSITIONS[step].target
            if outcome.ok:
                merged = {**(details or {}), **outcome.details}
                synced_rows.append([target, now, outcome.qb_ref, outcome.edit_sequence, merged, "", outcome.item_id])
                reason, payload = outcome.note, {"qb_ref": outcome.qb_ref, "edit_sequence": outcome.edit_sequence}
            else:
                failed_rows.append([target, now, outcome.error, outcome.item_id])
                reason, payload = outcome.error, None
            event_rows.append([outcome.item_id, None, step.value, state, target, reason, payload, now])
        # What QuickBooks received is what was sent: copied in the database, never decoded here.
        update_values(ErpItem, _SYNC_FIELDS, synced_rows, copy={"synced_payload": "sent_payload"})
        update_values(ErpItem, ["state", "updated_at", "erp_error"], failed_rows)
        insert_values(ErpEvent, _EVENT_FIELDS, event_rows)
    return len(event_rows)


def item_synced(
    item_id: int, *, qb_ref: str, edit_sequence: str = "", details: dict[str, Any] | None = None, note: str = ""
) -> ErpItem:
    """QuickBooks holds the item now."""
    with transaction.atomic():
        item = ErpItem.objects.select_for_update().get(pk=item_id)
        if item.state != ErpState.QUEUED:
            raise StepNotAllowed(Step.SYNC_SUCCEEDED, item.label, item.state, allowed_steps(item.state))
        record_sync_outcomes(
            [SyncOutcome(item_id, True, qb_ref=qb_ref, edit_sequence=edit_sequence, details=details or {}, note=note)]
        )
        item.refresh_from_db()
    return item


def item_sync_failed(item_id: int, *, error: str) -> ErpItem:
    """QuickBooks refused the item."""
    with transaction.atomic():
        item = ErpItem.objects.select_for_update().get(pk=item_id)
        if item.state != ErpState.QUEUED:
            raise StepNotAllowed(Step.SYNC_FAILED, item.label, item.state, allowed_steps(item.state))
        record_sync_outcomes([SyncOutcome(item_id, False, error=error)])
        item.refresh_from_db()
    return item


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


def ensure_editable(record: Model, changed_fields: set[str], *, lines_changed: bool = False) -> None:
    """Refuse an edit of the fields QuickBooks will receive while the item is in accounting's hands.

    Call inside the edit's transaction: the item's row is locked so a send cannot slip in between.
    """
    if not is_exportable(record) or record.pk is None:
        return
    spec = exportable_type_of(record)
    try:
        item = ErpItem.objects.select_for_update().get(**_item_identity(record))
    except ErpItem.DoesNotExist:
        return
    if not is_locked(item.state):
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


def record_deleted(model: type[Model], pk: int) -> None:
    """Keep the item and its history after the record is gone: the audit trail outlives the record."""
    ErpItem.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk).update(
        record_deleted_at=timezone.now()
    )


def update_settings(actor: Any, **changes: Any) -> ErpSettings:
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


def refresh_item_label(record: Model) -> None:
    """Keep the queue's label and project in step with an edited record."""
    spec = exportable_type_of(record)
    ErpItem.objects.filter(**_item_identity(record)).update(**_refresh_identity(spec, record))


def access_grant(user: Any, tool: Any, level: Any, project: ps.Project | None = None) -> None:
    """Give `user` exactly `level` on `tool`, on one project or company-wide (replacing what was there)."""
    from django.contrib.auth.models import Permission
    from guardian.shortcuts import assign_perm, remove_perm

    from procore_sync.tools import GRANTABLE_LEVELS, Level, Tool, level_codename

    tool, level = Tool(tool), Level(level)
    if project is not None and not tool.is_project_tool:
        raise ValueError(f"{tool.label} is a company tool: grant it without a project.")
    app_label = "procore_sync" if tool.is_project_tool else "erp_integrations"
    with transaction.atomic():
        for other in GRANTABLE_LEVELS:
            codename = level_codename(tool, other)
            if project is None:
                user.user_permissions.remove(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            else:
                remove_perm(f"{app_label}.{codename}", user, project)
        if level is not Level.NONE:
            codename = level_codename(tool, level)
            if project is None:
                user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            else:
                assign_perm(f"{app_label}.{codename}", user, project)
    _forget_cached_access(user)


def access_set_push_privilege(user: Any, allowed: bool) -> None:
    """Give or take the company-level Can Push to Accounting privilege."""
    from django.contrib.auth.models import Permission

    from procore_sync.tools import CAN_PUSH_TO_ACCOUNTING

    permission = Permission.objects.get(content_type__app_label="erp_integrations", codename=CAN_PUSH_TO_ACCOUNTING)
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    _forget_cached_access(user)


def _forget_cached_access(user: Any) -> None:
    for attribute in ("_erp_access", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attribute):
            delattr(user, attribute)
