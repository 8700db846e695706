"""A vendor, job or sub job that QuickBooks refused because its name is in use there (status 3100): what the
item's page shows the accountant, and the two ways out an accountant takes.

- **Link** the item to the QuickBooks record holding the name, when it is the same party after all: the
  workflow's LINK step (a failed item may take it), through the Ready to Import services, so the same gate
  (linking QuickBooks records: Admin on ERP Integrations) and the same checks apply.
- **Rename** the record here and send it again: the record's name is saved through the project side's one
  writer, and the item is queued again under the new name (RETRY), by the accounting approver.

The connector keeps QuickBooks' status on the item's message ("... (status 3100)"), the one thing the workflow
holds of why QuickBooks refused it; the record holding the name is read from the company file's lists, which
the connector reads again when it meets such a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Model

from access import permissions
from access.permissions import Action, Person
from erp_integrations import hooks, selectors, services
from erp_integrations.errors import LinkRefused, StepNotAllowed
from erp_integrations.exportables import EXPORTABLE_TYPES, exportable_type_of
from erp_integrations.exportables.base import ADDRESS_FIELDS
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from erp_integrations.selectors import Difference
from erp_integrations.workflow import Step, allowed_steps, may_move
from procore_sync import models as ps
from procore_sync import services as project_services
from qbxml.lib.parse import Status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# How the connector ends the message of a request QuickBooks refused: the status code, kept on the item.
STATUS_MARK = f"(status {Status.NAME_IN_USE})"

Linker = Callable[["User", Any, AccountingRecord, list[str]], ErpItem]


def _link_company(actor: User, company: ps.Company, found: AccountingRecord, taken: list[str]) -> ErpItem:
    return services.link_company(actor, company, found, taken)


def _link_project(actor: User, project: ps.Project, found: AccountingRecord, taken: list[str]) -> ErpItem:
    return services.link_project(actor, project, found, taken)


def _link_sub_job(actor: User, sub_job: ps.SubJob, found: AccountingRecord, taken: list[str]) -> ErpItem:
    # Ready to Import offers no sub jobs: the link itself (and its gate) is the same. The sub job keeps the job
    # it was accepted under, so that its next export is a Mod of this record under that job.
    item = services.item_for(sub_job)
    return services.link_record(sub_job, actor, found, item.accept_options)


@dataclass(frozen=True)
class NamedType:
    """A type whose QuickBooks name must be unique: how its item names it there, the field a rename changes,
    the QuickBooks list its record is in, what the page compares and how it is linked."""

    list_type: str
    quickbooks_name: Callable[[dict[str, Any], dict[str, Any]], str]  # (sent payload, accept options)
    field_label: str
    compared: tuple[str, ...]
    pickable: tuple[str, ...]
    link: Linker


NAMED_TYPES: dict[str, NamedType] = {
    "company": NamedType(
        AccountingRecord.ListType.VENDOR,
        lambda payload, options: payload["name"],
        "Company name",
        services.COMPANY_COMPARED,
        services.COMPANY_COMPARED,
        _link_company,
    ),
    "project": NamedType(
        AccountingRecord.ListType.CUSTOMER,
        lambda payload, options: f"{options.get('parent_customer', '')}:{payload['job_name']}",
        "Project name",
        ADDRESS_FIELDS,
        ADDRESS_FIELDS,
        _link_project,
    ),
    "sub_job": NamedType(
        AccountingRecord.ListType.CUSTOMER,
        lambda payload, options: f"{options.get('job_full_name', '')}:{payload['path']}",
        "Sub job name",
        ADDRESS_FIELDS,
        (),
        _link_sub_job,
    ),
}


# --- reads ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameInUse:
    """What the item's page shows of a name QuickBooks holds for another record."""

    item: ErpItem
    record: Model
    name: str  # the QuickBooks full name refused
    field_label: str
    current_name: str  # the record's name here, which a rename replaces
    holder: AccountingRecord | None  # the QuickBooks record holding it, as the lists last read it
    # Why the item cannot be linked to it ("" when it can).
    not_linkable: str
    differences: list[Difference]
    pickable: tuple[str, ...]
    # What the user lacks to link it, or to rename it, in the gate's words ("" when allowed).
    link_needs: str
    rename_needs: str

    @property
    def can_link(self) -> bool:
        return not self.link_needs

    @property
    def can_rename(self) -> bool:
        return not self.rename_needs


def is_name_in_use(item: ErpItem) -> bool:
    """Whether the item failed because QuickBooks holds its name for another record."""
    return item.state == ErpState.FAILED and item.object_type in NAMED_TYPES and STATUS_MARK in item.erp_error


def quickbooks_name(item: ErpItem) -> str:
    """The name the item was sent to QuickBooks under (its full name: "Customer:Job" for a job)."""
    return NAMED_TYPES[item.object_type].quickbooks_name(item.sent_payload or {}, item.accept_options or {})


def holder_of(name: str) -> AccountingRecord | None:
    """The record of the current company file holding `name` (as QuickBooks compares names: ignoring case), in
    the lists names are unique across; None when no list read has it."""
    book = hooks.current_book()
    if book is None or not name:
        return None
    records = AccountingRecord.objects.filter(
        book=book,
        list_type__in=[AccountingRecord.ListType.VENDOR, AccountingRecord.ListType.CUSTOMER],
        full_name__iexact=name,
    )
    return records.order_by("-is_active", "id").first()


def holder_for(item: ErpItem) -> AccountingRecord | None:
    """The QuickBooks record an item is to be linked to: the one holding its name, or (a request repeated once
    it is done) the one it is linked to already."""
    if is_name_in_use(item):
        return holder_of(quickbooks_name(item))
    return selectors.linked_record(item) if item.state == ErpState.SYNCED else None


def _linked_elsewhere(item: ErpItem, holder: AccountingRecord) -> ErpItem | None:
    return (
        selectors.linked_items(holder.list_type)
        .filter(qb_ref=holder.external_id)
        .exclude(pk=item.pk)
        .only("label")
        .first()
    )


def _not_linkable(item: ErpItem, named: NamedType, holder: AccountingRecord | None) -> str:
    if holder is None:
        return "QuickBooks' record of that name is not known here yet: looking it up in QuickBooks at the next sync."
    if item.qb_ref:
        return (
            "It is linked to its own QuickBooks record already: QuickBooks refused the new name, so rename it "
            "to one QuickBooks does not hold."
        )
    if holder.list_type != named.list_type:
        kind = AccountingRecord.ListType(holder.list_type).label.lower()
        return f"QuickBooks holds the name for a {kind}, which this cannot be linked to: rename it here."
    other = _linked_elsewhere(item, holder)
    if other is not None:
        return f"QuickBooks' record is linked to {other.label} here already: rename this one."
    if not holder.is_active:
        return "QuickBooks' record is inactive: make it active in QuickBooks to link to it, or rename this one."
    return ""


def _differences(item: ErpItem, record: Model, named: NamedType, holder: AccountingRecord) -> list[Difference]:
    found = selectors.differences(record, holder, tuple(name for name in named.compared if name != "name"))
    theirs = holder.details.get("name") or holder.full_name.rsplit(":", 1)[-1]
    ours = (item.sent_payload or {}).get("job_name") or getattr(record, "name", "")
    rows = [Difference("name", "Name in QuickBooks", str(ours), str(theirs))]
    if item.object_type == "company":
        rows.append(Difference("company_name", "Company name", str(ours), str(holder.details.get("company_name", ""))))
    return rows + found


def name_in_use(item: ErpItem, user: Person | None = None) -> NameInUse | None:
    """What the page offers for an item QuickBooks refused on its name; None for any other item."""
    if not is_name_in_use(item):
        return None
    try:
        record = selectors.record_of(item)
    except ObjectDoesNotExist:  # deleted: nothing to link or rename
        return None
    named = NAMED_TYPES[item.object_type]
    name = quickbooks_name(item)
    holder = holder_of(name)
    not_linkable = _not_linkable(item, named, holder)
    return NameInUse(
        item=item,
        record=record,
        name=name,
        field_label=named.field_label,
        current_name=str(getattr(record, "name", "")),
        holder=holder,
        not_linkable=not_linkable,
        differences=_differences(item, record, named, holder) if holder is not None else [],
        pickable=named.pickable,
        link_needs=permissions.check(user, services.LINK_ACTIONS[item.object_type]).missing,
        rename_needs=permissions.check(user, Action.RETRY, record).missing,
    )


def name_problems(item: ErpItem, record: Model, new_name: str) -> list[str]:
    """Why QuickBooks would refuse the record under `new_name`: the type's own send checks of its name (length,
    characters), and a name the company file's lists already hold."""
    if not new_name:
        return ["Give it a name."]
    spec = exportable_type_of(record)
    renamed = type(record)._default_manager.get(pk=record.pk)
    renamed.name = new_name  # type: ignore[attr-defined]
    problems = [problem.message for problem in spec.problems(renamed) if problem.field == "name"]
    if problems:
        return problems
    full_name = NAMED_TYPES[item.object_type].quickbooks_name(dict(spec.payload(renamed)), item.accept_options or {})
    held = holder_of(full_name)
    if held is not None and held.external_id != item.qb_ref:
        kind = AccountingRecord.ListType(held.list_type).label.lower()
        return [f'QuickBooks holds "{held.full_name}" already (a {kind}): choose another name.']
    return []


# --- writes -----------------------------------------------------------------------------------------------------


def _locked(item_id: int) -> ErpItem:
    return ErpItem.objects.select_for_update().get(pk=item_id)


def link_to_holder(
    actor: User, item: ErpItem, accounting_record: AccountingRecord, take_from_quickbooks: Iterable[str] = ()
) -> ErpItem:
    """Link an item QuickBooks refused on its name to the QuickBooks record holding it (the item becomes synced
    with that record's ListID; nothing is sent). Taken twice, the second time changes nothing."""
    if item.object_type not in NAMED_TYPES:
        raise LinkRefused(f"{item.label} is not a record QuickBooks keeps by name.")
    permissions.require(actor, services.LINK_ACTIONS[item.object_type])
    named = NAMED_TYPES[item.object_type]
    with transaction.atomic():
        item = _locked(item.pk)
        if item.state == ErpState.SYNCED and item.qb_ref == accounting_record.external_id:
            return item  # a second click: linked already
        if not is_name_in_use(item):
            raise StepNotAllowed(Step.LINK, item.label, item.state, allowed_steps(item.state))
        holder = holder_of(quickbooks_name(item))
        if holder is None or holder.pk != accounting_record.pk:
            raise LinkRefused(
                f"{accounting_record.full_name} is not the QuickBooks record holding the name of {item.label}."
            )
        reason = _not_linkable(item, named, holder)
        if reason:
            raise LinkRefused(f"{item.label} cannot be linked to {holder.full_name}: {reason}")
        record = selectors.record_of(item)
        taken = [name for name in take_from_quickbooks if name in named.pickable]
        return named.link(actor, record, holder, taken)


def rename_and_resend(actor: User, item: ErpItem, new_name: str) -> ErpItem:
    """Rename the record of an item QuickBooks refused on its name, and queue it again under the new name.

    The accounting approver renames it (the gate of RETRY), so the item goes straight back to the queue along
    the workflow's RETRY step, not to pending: acceptance is the approver's, and the approver is the one who
    changed it; what else the item holds was accepted as it is. The name saved is what QuickBooks receives:
    the item's snapshot is taken again with it. Taken twice with the same name, the second time changes nothing.
    """
    new_name = " ".join(new_name.split())
    record = selectors.record_of(item)
    permissions.require(actor, Action.RETRY, record)
    with transaction.atomic():
        item = _locked(item.pk)
        record = selectors.record_of(item)
        if item.state == ErpState.QUEUED and getattr(record, "name", None) == new_name:
            return item  # a second click: renamed and queued already
        if not is_name_in_use(item) or not may_move(Step.RETRY, item.state):
            raise StepNotAllowed(Step.RETRY, item.label, item.state, allowed_steps(item.state))
        problems = name_problems(item, record, new_name)
        if problems:
            raise ValidationError({"name": problems})
        old_name = quickbooks_name(item)
        # The approver's action permits the edit: the name is what QuickBooks refused, not the tool's business.
        record = project_services.save_record(
            actor, type(record), {"name": new_name}, instance=record, permitted_by=Action.RETRY
        )
        record.refresh_from_db()
        payload = dict(EXPORTABLE_TYPES[item.object_type].payload(record))
        services.move_many(
            Step.RETRY,
            [
                services.Move(
                    item.pk,
                    ["", payload],
                    reason=f"Renamed from {old_name} to {new_name}: the name was in use in QuickBooks",
                    payload={"renamed_from": old_name, "renamed_to": new_name},
                )
            ],
            actor=actor,
            fields=["erp_error", "sent_payload"],
        )
    return ErpItem.objects.get(pk=item.pk)
