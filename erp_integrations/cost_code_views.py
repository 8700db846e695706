"""The standard cost code list's pages: every cost code with its division, default cost type and QuickBooks
state (and as CSV); giving many of them a default cost type at once; refreshing the list from QuickBooks'
service items.

Thin: reads through selectors, writes through services, the one gate decides. A refusal is a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import hooks, selectors, services
from erp_integrations.errors import WorkflowError
from erp_integrations.forms import CostCodeFilterForm, DefaultCostTypeForm
from erp_integrations.models import ErpState
from procore_sync import services as project_services
from procore_sync.views import csv_response, next_url

PAGE_SIZE = 100
# How many of a refresh's differences and refusals its message lists (the rest are counted).
LISTED = 20
STATE_LABELS = dict(ErpState.choices)


def _quickbooks_state(code: Any) -> str:
    if code.erp_state is None:
        return "Not in QuickBooks"
    return str(STATE_LABELS.get(code.erp_state, code.erp_state))


@login_required
@require_GET
def cost_codes(request: HttpRequest) -> HttpResponseBase:
    """Every standard cost code, filtered; `?format=csv` gives all that match."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    filters = CostCodeFilterForm(request.GET, auto_id="filter-%s")
    codes = selectors.cost_code_list(**filters.filters())
    if request.GET.get("format") == "csv":
        return _csv(codes)
    page = Paginator(codes, PAGE_SIZE).get_page(request.GET.get("page"))
    may_assign = bool(permissions.check(request.user, Action.ASSIGN_DEFAULT_COST_TYPES))
    book = hooks.current_book()
    context = {
        "filters": filters,
        "page": page,
        "codes": list(page.object_list),
        "filtered": any(request.GET.get(name) for name in ("q", "division", "cost_type")),
        "csv_query": _csv_query(request),
        "assign_form": DefaultCostTypeForm() if may_assign else None,
        "can_refresh": bool(permissions.check(request.user, Action.REFRESH_COST_CODES)),
        "book": book,
        # QuickBooks' service items under a division that no cost code is linked to: what a refresh adds or links.
        "waiting": selectors.ready_to_import("cost_code", book=book).count() if book else 0,
    }
    return render(request, "erp/cost_codes.html", context)


def _csv_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return query.urlencode()


def _csv(codes: Any) -> HttpResponseBase:
    return csv_response(
        "cost-codes.csv",
        ["Code", "Description", "Division", "Division name", "Default cost type", "Active", "QuickBooks", "ListID"],
        (
            [
                code.code,
                code.description,
                code.division.code,
                code.division.name,
                code.default_cost_type.name if code.default_cost_type else "",
                "yes" if code.is_active else "no",
                _quickbooks_state(code),
                code.qb_ref or "",
            ]
            for code in codes
        ),
    )


@login_required
@require_POST
def default_cost_type(request: HttpRequest) -> HttpResponse:
    """Give the selected cost codes one default cost type, or clear theirs."""
    permissions.require(request.user, Action.ASSIGN_DEFAULT_COST_TYPES)
    back = next_url(request, reverse("erp:cost-codes"))
    form = DefaultCostTypeForm(request.POST)
    if not form.is_valid():
        errors = [str(error) for error in form.non_field_errors()]
        messages.error(request, " ".join(errors) or "Choose what to do with the selected cost codes.")
        return redirect(back)
    cost_type = form.chosen_cost_type()
    try:
        changed = project_services.assign_default_cost_type(signed_in(request.user), form.ids, cost_type)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    noun = "cost code" if changed == 1 else "cost codes"
    if cost_type is None:
        messages.success(request, f"Default cost type cleared on {changed} {noun}.")
    else:
        messages.success(request, f"{cost_type.name} is now the default cost type of {changed} {noun}.")
    return redirect(back)


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Refresh the cost code list from the service items QuickBooks' lists last reported."""
    permissions.require(request.user, Action.REFRESH_COST_CODES)
    try:
        result = services.refresh_cost_codes(signed_in(request.user))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, result.summary())
        if result.differences:
            messages.warning(
                request,
                _listed(
                    "QuickBooks holds these otherwise; the cost codes keep the directory's values:",
                    [
                        f"{d.code} {d.field}: “{d.directory}” here, “{d.quickbooks}” in QuickBooks"
                        for d in result.differences
                    ],
                ),
            )
        if result.not_linked or result.skipped:
            messages.info(request, _listed("Not linked or not added:", [*result.not_linked, *result.skipped]))
    return redirect(next_url(request, reverse("erp:cost-codes")))


def _listed(heading: str, lines: list[str]) -> str:
    shown = lines[:LISTED]
    more = len(lines) - len(shown)
    return format_html(
        "{}<ul>{}</ul>{}",
        heading,
        format_html_join("", "<li>{}</li>", ((line,) for line in shown)),
        f"And {more} more." if more else "",
    )
