"""The payroll IIF file: accepted time entries (queued, while the company exports time that way) written as the
timer activities QuickBooks Desktop payroll imports, from what was accepted and with the names QuickBooks
holds, exactly as `TimeTrackingAdd` would send them.

An entry goes only when everything it names is in QuickBooks: its employee linked, its job (and sub job)
and cost code synced, its cost type's class known. An IIF import adds the names it does not find, so an
entry sent early would leave QuickBooks with a second "Jon Smith" or a stray job; the others wait, each
with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from access import permissions
from access.permissions import Action
from erp_integrations import payroll as erp_payroll
from erp_integrations.errors import WorkflowError
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from qbxml.lib import iif
from qbxml.lib.values import FieldError
from qbxml.mapping import Context, ExportError, ItemView
from qbxml.mapping.names import load_names
from qbxml.mapping.time_entry import time_data
from qbxml.models import QbConnection, QbRequest
from qbxml.queue import lifecycle
from qbxml.queue.enqueue import known_support_keys, routed_to
from qbxml.queue.items import export_settings, item_views

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_NOT_YET = {
    "employee": "The employee {label} is not linked to a QuickBooks employee yet",
    "project": "The job {label} is not in QuickBooks yet",
    "sub_job": "The sub job {label} is not in QuickBooks yet",
    "cost_code": "The cost code {label} is not in QuickBooks yet",
}


@dataclass(frozen=True)
class Waiting:
    item_id: int
    label: str
    reason: str


@dataclass
class PayrollFile:
    """What an export did: the file written (None when nothing could go) and the entries left waiting."""

    export: Any = None
    waiting: list[Waiting] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.export is not None:
            return (
                f"Payroll time file {self.export.pk} written: {self.export.entry_count} "
                f"entr{'y' if self.export.entry_count == 1 else 'ies'}, {self.export.total_hours} hours."
            )
        if self.waiting:
            return "No time entry could go in a file: each waits for what it names to reach QuickBooks."
        return "No accepted time entry is waiting for a payroll file: every one is in a file already."


def _default_connection() -> QbConnection | None:
    return QbConnection.objects.filter(is_default=True).first()


def _payroll_items(connection: QbConnection | None) -> set[str] | None:
    """The wage payroll items QuickBooks holds (lower case), once they were read; None before."""
    if connection is None:
        return None
    names = AccountingRecord.objects.filter(
        book=connection.book, list_type=AccountingRecord.ListType.PAYROLL_ITEM, is_active=True
    ).values_list("full_name", flat=True)
    found = {name.casefold() for name in names}
    return found or None


def _why_not(
    view: ItemView,
    dependencies: dict[int, tuple[str, str, str]],
    classes: set[str] | None,
    payroll_items: set[str] | None,
) -> str:
    """Why the entry cannot go in a file yet ("" when it can)."""
    missing = []
    for item_id in view.depends_on:
        object_type, state, label = dependencies.get(item_id, ("", "", ""))
        if state != ErpState.SYNCED and object_type in _NOT_YET:
            missing.append(_NOT_YET[object_type].format(label=label))
    cost_type = view.payload.get("cost_type")
    if classes is not None and cost_type and f"class:{cost_type}" not in classes:
        missing.append(f"The class {cost_type} is not in QuickBooks yet (send the cost type through the Web Connector)")
    payroll_item = view.payload.get("payroll_item") or ""
    if payroll_items is not None and payroll_item.casefold() not in payroll_items:
        # The import would make a payroll item of that name, with no rate and no accounts.
        missing.append(f"QuickBooks has no active wage payroll item {payroll_item}")
    return "; ".join(missing) + ("." if missing else "")


def export_payroll_iif(actor: User) -> PayrollFile:
    """Write the IIF file of every accepted time entry not in a file yet that can go, and keep it."""
    permissions.require(actor, Action.EXPORT_PAYROLL_IIF)
    settings = export_settings()
    if not settings.time_by_iif:
        raise WorkflowError(
            "Time entries go to QuickBooks through the Web Connector (the ERP settings say so): there is no payroll "
            "file to write."
        )
    with transaction.atomic():
        connection = _default_connection()
        # An entry queued while time went through the Web Connector has its request: it goes that way, not twice.
        live = QbRequest.objects.filter(item=OuterRef("pk"), status__in=lifecycle.ACTIVE)
        items = ErpItem.objects.filter(
            object_type="time_entry", state=ErpState.QUEUED, record_deleted_at__isnull=True
        ).exclude(Exists(live))
        if connection is not None:
            items = routed_to(connection, items)
        # Locked until the file is kept: a second export at the same time waits, then finds them synced.
        item_ids = list(items.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
        views = item_views(item_ids)
        dependencies = {
            pk: (object_type, state, label)
            for pk, object_type, state, label in ErpItem.objects.filter(
                pk__in={dep for view in views.values() for dep in view.depends_on}
            ).values_list("pk", "object_type", "state", "label")
        }
        classes = known_support_keys(connection) if connection is not None else None
        payroll_items = _payroll_items(connection)
        ctx = Context(settings=settings, items=views)
        load_names(ctx, [view.payload for view in views.values()])
        activities: list[iif.TimeActivity] = []
        taken: list[int] = []
        waiting: list[Waiting] = []
        for view in sorted(views.values(), key=lambda v: (v.payload["date"], v.payload["employee"], v.id)):
            reason = _why_not(view, dependencies, classes, payroll_items)
            if not reason:
                try:
                    activity = _activity(view, ctx)
                    iif.activity_row(activity)
                except (ExportError, FieldError, iif.IifError) as exc:
                    reason = str(exc)
            if reason:
                waiting.append(Waiting(view.id, view.label, reason))
                continue
            activities.append(activity)
            taken.append(view.id)
        erp_payroll.payroll_entries_waiting({entry.item_id: entry.reason for entry in waiting})
        if not activities:
            return PayrollFile(None, waiting)
        content = iif.timer_file(activities, company_name=connection.company_name if connection is not None else "")
        total = sum((activity.hours for activity in activities), Decimal("0.00"))
        export = erp_payroll.payroll_file_written(actor, taken, content, total)
    return PayrollFile(export, waiting)


def _activity(view: ItemView, ctx: Context) -> iif.TimeActivity:
    data = time_data(view, ctx)
    return iif.TimeActivity(
        date=data.txn_date,
        job=data.customer_full_name or "",
        employee=data.employee_full_name,
        item=data.item_service_full_name or "",
        payroll_item=data.payroll_item_wage or "",
        hours=data.hours,
        class_name=data.class_full_name or "",
        note=data.notes,
        billable=data.billable_status == "Billable",
    )
