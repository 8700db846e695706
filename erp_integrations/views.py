"""The approver's pages (the ERP Integrations lists, an item's detail and its steps, settings), and the
steps a record's project page offers.

Thin: reads go through selectors, writes through services, and the one permission gate decides. A
workflow refusal (`WorkflowError`) becomes a message on the page; a missing permission is a 403 page
that names it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from access import permissions
from access.permissions import Action, Person, signed_in
from access.tools import Level
from erp_integrations import hooks, selectors, services
from erp_integrations.errors import WorkflowError
from erp_integrations.exportables import EXPORTABLE_TYPES, Exportable, exportable_type_of, is_exportable
from erp_integrations.exportables.base import PayloadField, payload_fields
from erp_integrations.forms import BULK_ACTIONS, AcceptForm, BulkForm, ProjectAccountingForm, ReasonForm, SettingsForm
from erp_integrations.models import ErpItem, ErpSettings, ErpState
from erp_integrations.record_status import record_statuses
from erp_integrations.templatetags.erp_ui import person_name
from erp_integrations.workflow import (
    APPROVER_STEPS,
    DEPENDENCY_READY_STATES,
    PROJECT_SIDE_STEPS,
    TRANSITIONS,
    Step,
    allowed_steps,
    done_message,
)
from procore_sync.models import CostType, Project
from procore_sync.selectors import records_for
from procore_sync.views import csv_response, next_url, page_of

logger = logging.getLogger(__name__)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# --- shared helpers ------------------------------------------------------------------------------------


def workflow_error_message(exc: WorkflowError) -> str:
    """The refusal's message, with the problems or waiting dependencies it lists, as safe HTML: the list
    once, below the message's headline (a message that lists them itself would say each twice)."""
    details: list[str] = [problem["message"] for problem in exc.details.get("problems", [])]
    details.extend(exc.details.get("waiting_on", []))
    if not details:
        return exc.message
    return format_html(
        "{}<ul>{}</ul>", exc.headline, format_html_join("", "<li>{}</li>", ((detail,) for detail in details))
    )


def validation_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- the ERP Integrations lists ---------------------------------------------------------------------------

FILTERS: list[tuple[str, str]] = [
    ("ready_to_import", "Ready to Import"),
    ("ready_to_export", "Ready to Export"),
    ("ready_to_update", "Ready to Update"),
    ("queued", "Queued"),
    ("failed_to_export", "Failed to Export"),
    ("synced", "Synced"),
    ("archived", "Archived"),
]
DEFAULT_TAB = "ready_to_export"
PAGE_SIZE = 50

# Sortable columns: the key in the URL, its label, the fields, and whether it sorts newest/largest first.
SORTS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "item": ("Item", ("label",), False),
    "project": ("Project", ("project__number",), False),
    # As the column shows the sender: by full name, the login where there is none.
    "sent_by": ("Sent by", ("sent_by__first_name", "sent_by__last_name", "sent_by__username"), False),
    "sent": ("Sent", ("sent_at",), True),
    "updated": ("Last change", ("updated_at",), True),
}
DEFAULT_SORT = "-updated"

# What may be done to several items at once, per tab.
TAB_BULK_ACTIONS = {
    "ready_to_export": ["accept", "reject"],
    "ready_to_update": ["accept", "reject"],
    "failed_to_export": ["retry", "reject"],
}

EMPTY_TEXT = {
    "ready_to_import": "Records QuickBooks has that are not here yet appear after the QuickBooks lists are read.",
    "ready_to_export": "Nothing is waiting for acceptance.",
    "ready_to_update": "No synced item has been sent again with changes.",
    "queued": "Nothing accepted is waiting for the Web Connector.",
    "failed_to_export": "Nothing failed to export.",
    "synced": "Nothing has reached QuickBooks yet.",
    "archived": "No item's record was deleted.",
}


@dataclass(frozen=True)
class QueueQuery:
    object_type: str
    tab: str
    search: str
    sort: str
    page: int

    @classmethod
    def parse(cls, params: QueryDict) -> QueueQuery:
        object_type = params.get("type", "")
        tab = params.get("tab", DEFAULT_TAB)
        sort = params.get("sort", DEFAULT_SORT)
        page = params.get("page", "1")
        return cls(
            object_type=object_type if object_type in EXPORTABLE_TYPES else "",
            tab=tab if tab in selectors.TABS else DEFAULT_TAB,
            search=params.get("q", "").strip()[:100],
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def order_by(self) -> list[str]:
        descending = self.sort.startswith("-")
        _, fields, _ = SORTS[self.sort.lstrip("-")]
        prefix = "-" if descending else ""
        return [f"{prefix}{name}" for name in fields] + [f"{prefix}id"]

    def url(self, view: str = "erp:queue", **changes: Any) -> str:
        """This list's address (or `view`'s, the CSV download's) with `changes`; values at their default are
        left out, so that every list has one address."""
        values = {"type": self.object_type, "tab": self.tab, "q": self.search, "sort": self.sort, "page": self.page}
        values.update(changes)
        defaults = {"type": "", "tab": DEFAULT_TAB, "q": "", "sort": DEFAULT_SORT, "page": 1}
        query = QueryDict(mutable=True)
        for name, value in values.items():
            if value != defaults[name]:
                query[name] = str(value)
        encoded = query.urlencode()
        return reverse(view) + (f"?{encoded}" if encoded else "")

    def items(self) -> Any:
        """The tab's items of the type, searched and sorted as asked."""
        return selectors.erp_queue(
            tab=self.tab, object_type=self.object_type or None, search=self.search or None
        ).order_by(*self.order_by())


@login_required
@require_http_methods(["GET", "POST"])
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """ERP Integrations: the tabs per type, the filters with counts, search, sort, pages, bulk steps."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    query = QueueQuery.parse(request.GET)
    if request.method == "POST":
        _bulk(request)
        if not request.htmx:
            return redirect(query.url())
    context = _queue_context(request, query)
    if not context["may_act"]:
        context["accept_missing"] = permissions.check(request.user, Action.ACCEPT).missing
    template = "erp/_queue.html" if request.htmx and not request.htmx.history_restore_request else "erp/queue.html"
    response = render(request, template, context)
    # The same URL answers a whole page or, under htmx, the list alone: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _queue_context(request: HttpRequest, query: QueueQuery) -> dict[str, Any]:
    counts = selectors.queue_counts()
    if query.object_type:
        counts_here = counts[query.object_type]
    else:
        counts_here = {tab: sum(by_type[tab] for by_type in counts.values()) for tab in selectors.TABS}
    items = query.items()
    # The tab's count is the page's total unless a search narrows it: no second count query.
    total = items.count() if query.search else counts_here[query.tab]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, pages)
    rows = list(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])

    may_act = bool(permissions.check(request.user, Action.ACCEPT))
    bulk_actions = [(name, BULK_ACTIONS[name]) for name in TAB_BULK_ACTIONS.get(query.tab, [])] if may_act else []
    type_tabs = [
        {
            "slug": "",
            "label": "All types",
            "waiting": sum(c["ready_to_export"] + c["ready_to_update"] for c in counts.values()),
            "url": query.url(type="", page=1),
            "active": not query.object_type,
        }
    ] + [
        {
            "slug": slug,
            "label": spec.plural,
            "waiting": counts[slug]["ready_to_export"] + counts[slug]["ready_to_update"],
            "url": query.url(type=slug, page=1),
            "active": query.object_type == slug,
        }
        for slug, spec in EXPORTABLE_TYPES.items()
    ]
    filters = [
        {"tab": tab, "label": label, "count": counts_here[tab], "url": query.url(tab=tab, page=1)}
        for tab, label in FILTERS
    ]
    columns = {}
    for key, (label, _, newest_first) in SORTS.items():
        current = query.sort.lstrip("-") == key
        descending = query.sort.startswith("-")
        if current:
            next_sort = key if descending else f"-{key}"
        else:
            next_sort = f"-{key}" if newest_first else key
        columns[key] = {
            "label": label,
            "url": query.url(sort=next_sort, page=1),
            "aria_sort": ("descending" if descending else "ascending") if current else "none",
            "current": current,
            "descending": descending,
        }
    return {
        "query": query,
        "type_tabs": type_tabs,
        "filters": filters,
        "filter_label": dict(FILTERS)[query.tab],
        "type_label": EXPORTABLE_TYPES[query.object_type].plural if query.object_type else "All types",
        "type_labels": {slug: spec.label for slug, spec in EXPORTABLE_TYPES.items()},
        "columns": columns,
        "items": rows,
        # Where each goes, when there is more than one company file to tell apart.
        "company_files": selectors.company_file_names(rows),
        "total": total,
        "page": page,
        "pages": pages,
        "first_index": (page - 1) * PAGE_SIZE + 1 if rows else 0,
        "last_index": (page - 1) * PAGE_SIZE + len(rows),
        "previous_url": query.url(page=page - 1) if page > 1 else "",
        "next_url": query.url(page=page + 1) if page < pages else "",
        "bulk_actions": bulk_actions,
        "empty_text": EMPTY_TEXT[query.tab],
        # Ready to Import lists QuickBooks' records, not items: its own pages, per type.
        "ready_to_import": [
            {"label": EXPORTABLE_TYPES[slug].plural, "count": counts[slug]["ready_to_import"], "url": url}
            for slug, url in (
                ("company", reverse("erp:import-companies")),
                ("project", reverse("erp:import-projects")),
                ("cost_code", reverse("erp:cost-codes")),
            )
            if not query.object_type or query.object_type == slug
        ]
        if query.tab == "ready_to_import"
        else [],
        "action_url": query.url(page=page),
        "clear_search_url": query.url(q="", page=1),
        # Every item of the tab, as filtered and sorted here, whatever the page.
        "csv_url": query.url("erp:queue-csv", page=1) if query.tab != "ready_to_import" else "",
        "may_act": may_act,
    }


QUEUE_CSV_HEADER = [
    "Id",
    "Type",
    "Item",
    "Project",
    "Status",
    "Sent by",
    "Sent",
    "Last change",
    "QuickBooks id",
    "Error",
]


def _csv_time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
@require_GET
def queue_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The queue's tab as CSV, with the page's type, search and sort: every item, not one page, streamed."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    query = QueueQuery.parse(request.GET)
    states = dict(ErpState.choices)

    def row(item: ErpItem) -> list[Any]:
        return [
            item.pk,
            EXPORTABLE_TYPES[item.object_type].label if item.object_type in EXPORTABLE_TYPES else item.object_type,
            item.label,
            item.project.number if item.project else "",
            states.get(item.state, item.state),
            person_name(item.sent_by),
            _csv_time(item.sent_at),
            _csv_time(item.updated_at),
            item.qb_ref,
            item.erp_error,
        ]

    name = "-".join(part for part in ("erp", query.object_type.replace("_", "-"), query.tab.replace("_", "-")) if part)
    return csv_response(f"{name}.csv", QUEUE_CSV_HEADER, (row(item) for item in query.items().iterator()))


def _bulk(request: HttpRequest) -> None:
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(error) for error in form.non_field_errors()) or "Choose what to do with the selected items.",
        )
        return
    step = Step(form.cleaned_data["action"])
    results = services.take_step_on_items(step, form.ids, signed_in(request.user), reason=form.cleaned_data["reason"])
    done = [result for result in results if result.done]
    refused = [result.reason for result in results if not result.done and result.label]
    missing = sum(1 for result in results if not result.done and not result.label)
    if missing > 0:
        refused.append(f"{missing} of the selected items no longer exist.")
    transition = TRANSITIONS[step]
    if done:
        noun = "item" if len(done) == 1 else "items"
        messages.success(request, f"{transition.done_many} {len(done)} {noun}.")
    if refused:
        messages.error(
            request,
            format_html(
                "{} could not be {}:<ul>{}</ul>",
                f"{len(refused)} item{'s' if len(refused) != 1 else ''}",
                transition.past,
                format_html_join("", "<li>{}</li>", ((text,) for text in refused)),
            ),
        )


# --- one item ----------------------------------------------------------------------------------------------


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return " – ".join(_display(part) for part in value)
    return str(value)


def payload_view(
    payload: dict[str, Any] | None, previous: dict[str, Any] | None, shape: tuple[PayloadField, ...] = ()
) -> dict[str, Any]:
    """What QuickBooks will receive, ready to show: fields, and tables for lines, each marked where it
    differs from what QuickBooks received last (`previous`, for an update).

    `shape` is the payload's declared fields (its type's TypedDict): they are shown in that order, with
    their amounts as money; keys it does not name (an older item's) follow, as stored. PostgreSQL's jsonb
    does not keep the order a payload was built in, so the declaration decides."""
    fields: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    payload = payload or {}
    declared = {field.name: field for field in shape}
    for key in _ordered(list(payload), shape):
        value = payload[key]
        old = previous.get(key) if previous is not None else None
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            line_shape = declared[key].lines if key in declared else ()
            tables.append(
                _table_view(key, value, old if isinstance(old, list) else ([] if previous else None), line_shape)
            )
            continue
        fields.append(
            {
                "key": key,
                "value": _display(value),
                "money": key in declared and declared[key].money,
                "changed": previous is not None and old != value,
                "old": _display(old),
            }
        )
    return {"fields": fields, "tables": tables, "is_update": previous is not None}


def _ordered(keys: list[str], shape: tuple[PayloadField, ...]) -> list[str]:
    rank = {field.name: position for position, field in enumerate(shape)}
    return sorted(keys, key=lambda key: (rank.get(key, len(rank)), keys.index(key)))


def _table_view(
    key: str, rows: list[dict[str, Any]], previous: list[dict[str, Any]] | None, shape: tuple[PayloadField, ...]
) -> dict[str, Any]:
    seen: list[str] = []
    for row in rows:
        seen.extend(name for name in row if name not in seen)
    columns = _ordered(seen, shape)
    money_columns = {field.name for field in shape if field.money}
    match = "line_number" if all("line_number" in row for row in rows) else None

    def row_key(index: int, row: dict[str, Any]) -> Any:
        return row.get(match) if match else index

    before = {row_key(index, row): row for index, row in enumerate(previous or [])}
    shown = []
    for index, row in enumerate(rows):
        old_row = before.pop(row_key(index, row), None)
        status = "" if previous is None else ("added" if old_row is None else "")
        cells = []
        for name in columns:
            changed = old_row is not None and old_row.get(name) != row.get(name)
            if changed:
                status = "changed"
            cells.append(
                {
                    "value": _display(row.get(name)),
                    "money": name in money_columns,
                    "changed": changed,
                    "old": _display(old_row.get(name)) if old_row is not None else "",
                }
            )
        shown.append({"cells": cells, "status": status})
    for old_row in before.values():
        shown.append(
            {
                "cells": [
                    {"value": _display(old_row.get(name)), "money": name in money_columns, "changed": False, "old": ""}
                    for name in columns
                ],
                "status": "removed",
            }
        )
    footer: list[dict[str, Any]] = []
    if money_columns & set(columns):
        for position, name in enumerate(columns):
            if name in money_columns:
                total = sum((Decimal(str(row.get(name) or 0)) for row in rows), Decimal("0"))
                footer.append({"value": total, "money": True})
            else:
                footer.append({"value": "Total" if position == 0 else "", "money": False})
    headers = [{"key": name, "money": name in money_columns} for name in columns]
    return {"key": key, "columns": headers, "rows": shown, "footer": footer}


def _dependencies(spec: Exportable[Any], record: Any) -> list[dict[str, Any]]:
    dependencies = [dep for dep in spec.dependencies(record) if is_exportable(dep)]
    items = selectors.items_for_records(dependencies)
    rows = []
    for dependency in dependencies:
        dep_spec = exportable_type_of(dependency)
        item = items.get((type(dependency), dependency.pk))
        state = item.state if item else ErpState.DRAFT
        rows.append(
            {
                "type": dep_spec.label,
                "label": dep_spec.describe(dependency),
                "state": state,
                "ready": state in DEPENDENCY_READY_STATES,
                "item_id": item.pk if item else None,
                # Its own page, where who keeps it sends it (a draft company, a cost code).
                "url": page_of(dependency),
            }
        )
    return rows


def _qbxml_preview(item: ErpItem) -> str:
    try:
        return hooks.preview(item)
    except Exception as exc:  # the preview must never take the page down with it
        logger.exception("qbXML preview of item %s failed", item.pk)
        return f"<!-- The qbXML preview failed: {exc} -->"


def _item_steps(user: Person, item: ErpItem, record: Any) -> dict[str, bool]:
    """Which of the approver's steps this user may take on this item now."""
    if record is None:
        return {}
    allowed = set(allowed_steps(item.state))
    return {step.value: step in allowed and bool(permissions.check(user, step, record)) for step in APPROVER_STEPS}


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything an approver needs to decide: the fields, the change, the checks, the dependencies,
    the history and the qbXML (for those the gate lets see it: approvers and ERP admins)."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    item = get_object_or_404(ErpItem.objects.select_related("sent_by", "project"), pk=pk)
    spec = EXPORTABLE_TYPES[item.object_type]
    try:
        record: Any = selectors.record_of(item)
    except ObjectDoesNotExist:
        record = None
    # A synced item shows what QuickBooks received; any other, what it will receive.
    received = item.state == ErpState.SYNCED and item.synced_payload is not None
    payload = item.synced_payload if received else item.sent_payload
    payload_is_current = False
    if payload is None and record is not None:
        payload, payload_is_current = spec.payload(record), True
    is_update = bool(item.qb_ref) and item.synced_payload is not None and item.state == ErpState.PENDING
    synced = selectors.last_synced(item) if item.qb_ref else None
    steps = _item_steps(request.user, item, record)
    dependencies = _dependencies(spec, record) if record is not None else []
    context = {
        "item": item,
        "spec": spec,
        "record": record,
        "payload": payload_view(payload, item.synced_payload if is_update else None, payload_fields(spec.payload_type)),
        "payload_is_current": payload_is_current,
        "payload_received": received,
        "synced_at": synced.created_at if synced else None,
        # Which company file it goes to, where there is more than one to tell apart.
        "company_file": selectors.company_file_names([item]).get(item.pk, ""),
        "problems": spec.problems(record) if record is not None else [],
        "dependencies": dependencies,
        "waiting": [dependency for dependency in dependencies if not dependency["ready"]],
        "events": selectors.item_history(item),
        "rejection": selectors.latest_rejection(item) if item.state == ErpState.REJECTED else None,
        "steps": steps,
        "accept_form": _accept_form(spec, record) if steps.get("accept") else None,
        "customers": _customer_names(spec) if steps.get("accept") else [],
        "reject_form": ReasonForm(prefix="reject") if steps.get("reject") else None,
        "unlink_form": ReasonForm(prefix="unlink") if steps.get("unlink") else None,
        "qbxml": _qbxml_preview(item) if permissions.check(request.user, Action.VIEW_QBXML) else None,
        "back_url": _back_url(request, item),
    }
    return render(request, "erp/item_detail.html", context)


def _back_url(request: HttpRequest, item: ErpItem) -> str:
    tab = "archived" if item.record_deleted_at else _tab_of(item)
    return QueueQuery(item.object_type, tab, "", DEFAULT_SORT, 1).url()


def _tab_of(item: ErpItem) -> str:
    if item.state == ErpState.PENDING:
        return "ready_to_update" if item.qb_ref else "ready_to_export"
    tabs = {ErpState.FAILED: "failed_to_export", ErpState.SYNCED: "synced", ErpState.QUEUED: "queued"}
    return tabs.get(ErpState(item.state), DEFAULT_TAB)


def _accept_form(spec: Exportable[Any], record: Any, data: Any = None) -> AcceptForm | None:
    """The approver's form for what QuickBooks needs beyond the record, for the types that take any."""
    if not spec.accept_fields:
        return None
    return AcceptForm(data, prefix="accept", fields=spec.accept_fields, initial=spec.accept_initial(record))


def _customer_names(spec: Exportable[Any]) -> list[str]:
    """The QuickBooks customers a job's parent may be picked from, where the type asks for one."""
    return selectors.customer_names() if "parent_customer" in spec.accept_fields else []


@login_required
@require_http_methods(["GET", "POST"])
def item_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Accept, reject, retry or unlink one item. GET shows the step's form; POST takes the step."""
    step = Step(step)
    item = get_object_or_404(ErpItem, pk=pk)
    try:
        record = selectors.record_of(item)
    except ObjectDoesNotExist:
        messages.error(request, f"{item.label}: its record was deleted, nothing can be done with it.")
        return redirect("erp:item", pk=item.pk)
    # The gate first: a step the user may not take is a 403 that names the missing permission.
    permissions.require(request.user, step, record)
    spec = EXPORTABLE_TYPES[item.object_type]
    accept_form = _accept_form(spec, record, request.POST if request.method == "POST" else None)
    reason_form = ReasonForm(request.POST if request.method == "POST" else None, prefix=step)
    if request.method == "POST":
        options: dict[str, Any] = {}
        valid = reason_form.is_valid()
        if accept_form is not None and step == "accept":
            valid = accept_form.is_valid() and valid
            if valid:
                options = {k: v for k, v in accept_form.cleaned_data.items() if v}
        if valid:
            try:
                services.take_step(
                    step,
                    record,
                    signed_in(request.user),
                    reason=reason_form.cleaned_data.get("reason", ""),
                    options=options,
                )
            except WorkflowError as exc:
                messages.error(request, workflow_error_message(exc))
            else:
                item.refresh_from_db()
                messages.success(request, done_message(step, item.label, item.state))
            return redirect("erp:item", pk=item.pk)
    elif step not in allowed_steps(item.state):
        past = TRANSITIONS[step].past
        messages.info(request, f"{item.label} is {item.get_state_display().lower()}: it cannot be {past} now.")
        return redirect("erp:item", pk=item.pk)
    context = {
        "item": item,
        "spec": spec,
        "step": step,
        "title": TRANSITIONS[step].button,
        "accept_form": accept_form if step == "accept" else None,
        "customers": _customer_names(spec) if step == "accept" else [],
        "reason_form": reason_form if step in ("reject", "unlink") else None,
    }
    return render(request, "erp/item_step.html", context)


# --- a record's steps on the project's pages ----------------------------------------------------------------


@login_required
@require_POST
def record_step(request: HtmxHttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    """Send, retrieve, resend or unlink one record from its project page. In place under htmx; otherwise
    back where it was."""
    spec = EXPORTABLE_TYPES.get(slug)
    if spec is None or step not in PROJECT_SIDE_STEPS:
        raise Http404("No such step.")
    try:
        record = records_for(request.user, spec.model).prefetch_related(None).get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404("No such record, or you cannot see it.") from None
    back = next_url(request, page_of(record))
    try:
        item = services.take_step(step, record, signed_in(request.user), reason=request.POST.get("reason", "")[:2000])
    except WorkflowError as exc:
        messages.error(request, workflow_error_message(exc))
    else:
        messages.success(request, done_message(step, spec.describe(record), item.state))
    if request.htmx:
        status = record_statuses(request.user, record).of(record)
        return render(request, "erp/_record_step_response.html", {"status": status, "next": back})
    return redirect(back)


# --- settings ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, Action.CONFIGURE_SETTINGS)
    row = ErpSettings.load()
    lists = selectors.quickbooks_lists()
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(row), lists=lists)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(row)
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("erp:settings")
        try:
            services.update_settings(signed_in(request.user), **changes)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("erp:settings")
    cost_types = list(CostType.objects.all())
    context = {
        "form": form,
        "settings_row": row,
        "cost_types": cost_types,
        # Each class's name and whether it is active; None when QuickBooks' classes were never read.
        "qb_classes": lists.classes,
        "other_classes": sorted(set(lists.classes or {}) - {cost_type.name for cost_type in cost_types}),
    }
    return render(request, "erp/settings.html", context)


# --- home --------------------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Approvers land on their queue; everyone else on their projects."""
    access = permissions.access_for(request.user)
    if access.level(permissions.ERP) >= Level.READ_ONLY:
        return redirect("erp:queue")
    return redirect("projects:list")


# --- what a project brings back from QuickBooks -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_accounting(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's choice of what QuickBooks sends back (its job costs, its invoices' payments), and "Sync
    now", for ERP Integrations admins."""
    permissions.require(request.user, Action.SYNC_JOB_COSTS)
    project = get_object_or_404(Project, pk=pk)
    row = selectors.project_accounting(project)
    form = ProjectAccountingForm(request.POST or None, instance=row)
    actor = signed_in(request.user)
    if request.method == "POST" and request.POST.get("action") == "sync":
        subjects = services.sync_project_accounting(actor, project)
        if subjects:
            words = " and ".join(
                {"job_costs": "job cost transactions", "payments": "invoice payments"}[s] for s in subjects
            )
            messages.success(request, f"The next Web Connector session brings back the {words} of {project}.")
        else:
            messages.info(request, f"{project} brings nothing back from QuickBooks yet: choose what first.")
        return redirect("erp:project-accounting", pk)
    if request.method == "POST" and form.is_valid():
        services.set_project_accounting(
            actor, project, **{name: form.cleaned_data[name] for name in services.PROJECT_ACCOUNTING_FIELDS}
        )
        messages.success(request, f"Saved what {project} brings back from QuickBooks.")
        return redirect("erp:project-accounting", pk)
    return render(request, "erp/project_accounting.html", {"project": project, "form": form, "row": row})
