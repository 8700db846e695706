"""Time entries into a payroll IIF file: the workflow's side of it. The file is written by the connector
(`qbxml.payroll`), from what was accepted; here its entries leave the queue as QuickBooks' (synced), and the
project side keeps the file and marks them in it, all in one transaction: no entry is in two files."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from access import permissions
from access.permissions import Action
from erp_integrations import selectors
from erp_integrations.errors import LinkRefused
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from erp_integrations.services import (
    SyncOutcome,
    _importable,
    item_waiting,
    link_record,
    record_sync_outcomes,
)
from procore_sync import models as ps
from procore_sync import payroll
from procore_sync import services as project_services

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def payroll_file_written(
    actor: User, item_ids: Sequence[int], content: bytes, total_hours: Decimal
) -> ps.PayrollExport:
    """Keep the file of these queued time entries' items and move each to synced with the file's number."""
    permissions.require(actor, Action.EXPORT_PAYROLL_IIF)
    with transaction.atomic():
        entry_ids = list(
            ErpItem.objects.filter(pk__in=list(item_ids), object_type="time_entry").values_list("object_id", flat=True)
        )
        export = payroll.record_export(actor, content, entry_ids, total_hours)
        # Strict: an item another export moved meanwhile refuses this file, which then is not kept.
        record_sync_outcomes(
            [
                SyncOutcome(
                    item_id, True, details={"payroll_export": export.pk}, note=f"In payroll time file {export.pk}"
                )
                for item_id in item_ids
            ],
            strict=True,
        )
    return export


def payroll_entries_waiting(reasons: dict[int, str]) -> None:
    """Say on each queued time entry that could not go in the file why (its employee is not linked...)."""
    by_reason: dict[str, list[int]] = {}
    for item_id, reason in reasons.items():
        by_reason.setdefault(reason, []).append(item_id)
    for reason, item_ids in by_reason.items():
        item_waiting(item_ids, reason)


# --- what the payroll pages and the API read ---------------------------------------------------------------


def payroll_files(actor: User) -> list[ps.PayrollExport]:
    """The payroll files written, newest first (without their contents)."""
    permissions.require(actor, Action.EXPORT_PAYROLL_IIF)
    return list(payroll.exports())


def payroll_file(actor: User, pk: int) -> ps.PayrollExport:
    """One payroll file, with its contents: the same bytes however often it is downloaded."""
    permissions.require(actor, Action.EXPORT_PAYROLL_IIF)
    return ps.PayrollExport.objects.get(pk=pk)


def entries_waiting_for_a_file() -> list[ErpItem]:
    """The accepted time entries no file has taken yet, each with why it waits (when an export said so)."""
    return list(
        ErpItem.objects.filter(object_type="time_entry", state=ErpState.QUEUED, record_deleted_at__isnull=True)
        .only("pk", "label", "erp_error", "object_id")
        .order_by("pk")
    )


# --- QuickBooks' employees, in Ready to Import ---------------------------------------------------------------


def _name_keys(name: str) -> set[str]:
    """A person's name as QuickBooks lists may hold it: "Jon Smith", and "Smith, Jon" for the same person."""
    plain = " ".join(name.split()).casefold()
    last, comma, first = plain.partition(",")
    return {plain, f"{first.strip()} {last.strip()}".strip()} if comma else {plain}


def employee_suggestions(records: list[AccountingRecord]) -> dict[int, list[ps.Employee]]:
    """For each QuickBooks employee, the employees not linked to QuickBooks of the same name: one query."""
    by_key: dict[str, list[ps.Employee]] = {}
    for employee in selectors.unlinked_records("employee").only("id", "name"):
        for key in _name_keys(employee.name):
            by_key.setdefault(key, []).append(employee)
    found: dict[int, list[ps.Employee]] = {}
    for record in records:
        matches = {e.pk: e for key in _name_keys(record.full_name) for e in by_key.get(key, [])}
        found[record.pk] = list(matches.values())
    return found


def add_employee_from_accounting(actor: User, accounting_record: AccountingRecord) -> ps.Employee:
    """Add a QuickBooks employee as an employee here, linked to it: its hours then go to that employee."""
    permissions.require(actor, Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)
    with transaction.atomic():
        record = _importable("employee", accounting_record)
        existing = ps.Employee.objects.filter(name__iexact=record.full_name).first()
        if existing is not None:
            raise LinkRefused(
                f"{existing.name} is an employee here already: link the QuickBooks employee to it instead of adding "
                "a second one."
            )
        employee = project_services.save_record(
            actor,
            ps.Employee,
            {"name": record.full_name, "is_active": record.is_active},
            permitted_by=Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY,
        )
        link_record(employee, actor, record, permitted_by=Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)
    return employee


def link_employee(actor: User, employee: ps.Employee, accounting_record: AccountingRecord) -> ErpItem:
    """Link an employee to the QuickBooks employee it is: its time goes by QuickBooks' name from then on."""
    permissions.require(actor, Action.LINK_QUICKBOOKS_COMPANIES)
    with transaction.atomic():
        return link_record(employee, actor, _importable("employee", accounting_record))
