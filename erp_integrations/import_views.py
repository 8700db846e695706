"""Ready to Import's pages: QuickBooks' vendors and jobs that nothing here is linked to, with the directory
companies and projects that may be them; linking (a pick per differing field), adding, the bulk link of exact
matches, setting a vendor aside; and the archived companies list.

Thin: reads through selectors, writes through services, the one gate decides. A refusal is a message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import hooks, selectors, services
from erp_integrations.errors import WorkflowError
from erp_integrations.exportables.base import ADDRESS_FIELDS
from erp_integrations.exportables.project import job_name
from erp_integrations.models import AccountingRecord
from procore_sync import models as ps
from procore_sync.views import csv_response

PAGE_SIZE = 50
PROJECT_COMPARED = ("name", *ADDRESS_FIELDS)


def _refused(request: HttpRequest, exc: WorkflowError | ValidationError | PermissionDenied) -> None:
    text = exc.message if isinstance(exc, WorkflowError) else " ".join(getattr(exc, "messages", [str(exc)]))
    messages.error(request, text)


def _picked(request: HttpRequest, fields: Iterable[str]) -> list[str]:
    """The fields whose "QuickBooks'" choice was picked (each differing field has a pair of radio buttons)."""
    return [name for name in fields if request.POST.get(f"pick_{name}") == "quickbooks"]


def _address(record: AccountingRecord) -> str:
    values = selectors.quickbooks_values(record, ("address_line1", "city", "state"))
    return ", ".join(value for value in values.values() if value)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _common(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "book": hooks.current_book(),
        "counts": selectors.ready_to_import_counts(),
        "can_link_companies": bool(permissions.check(user, Action.LINK_QUICKBOOKS_COMPANIES)),
        "can_add_companies": bool(permissions.check(user, Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)),
        "can_archive": bool(permissions.check(user, Action.ARCHIVE_COMPANY)),
        "can_add_jobs": bool(permissions.check(user, Action.ADD_QUICKBOOKS_JOB_AS_PROJECT)),
        "can_view_archived": bool(permissions.check(user, Action.VIEW_ARCHIVED_COMPANIES)),
    }


# --- companies --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def companies(request: HttpRequest) -> HttpResponseBase:
    """QuickBooks' vendors not in the directory, each with the companies that may be it and why."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    search = request.GET.get("q", "").strip()[:100]
    records = selectors.ready_to_import("company", search=search)
    if request.GET.get("format") == "csv":
        everything = list(records)
        suggestions = selectors.company_suggestions(everything)
        return csv_response(
            "quickbooks-vendors-ready-to-import.csv",
            ["QuickBooks vendor", "Phone", "E-mail", "Address", "Suggested company", "Why"],
            (
                [
                    record.full_name,
                    record.details.get("phone", ""),
                    record.details.get("email", ""),
                    _address(record),
                    found[0].company.name if (found := suggestions[record.pk]) else "",
                    "; ".join(found[0].reasons) if found else "",
                ]
                for record in everything
            ),
        )
    page = _page(request, records)
    rows = list(page.object_list)
    suggestions = selectors.company_suggestions(rows)
    context = {
        **_common(request),
        "page": page,
        "search": search,
        "rows": [
            {"record": record, "address": _address(record), "suggestions": suggestions[record.pk]} for record in rows
        ],
        "exact_matches": sum(1 for record in rows if any(s.exact for s in suggestions[record.pk])),
    }
    return render(request, "erp/import_companies.html", context)


def _record_or_404(pk: int, list_type: str) -> AccountingRecord:
    return get_object_or_404(AccountingRecord, pk=pk, list_type=list_type)


@login_required
@require_http_methods(["GET", "POST"])
def company(request: HttpRequest, pk: int) -> HttpResponse:
    """One QuickBooks vendor beside a directory company, field by field: link with a pick per difference."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    record = _record_or_404(pk, AccountingRecord.ListType.VENDOR)
    suggestions = selectors.company_suggestions([record])[record.pk]
    chosen_id = request.POST.get("company") or request.GET.get("company")
    if chosen_id and chosen_id.isdigit():
        chosen: ps.Company | None = get_object_or_404(ps.Company, pk=int(chosen_id))
    else:
        chosen = suggestions[0].company if suggestions else None
    if request.method == "POST" and chosen is not None:
        try:
            services.link_company(signed_in(request.user), chosen, record, _picked(request, services.COMPANY_COMPARED))
        except (WorkflowError, ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                f"{chosen.name} is linked to QuickBooks' {record.full_name}: its next export changes that vendor.",
            )
            return redirect("erp:import-companies")
    unlinked = selectors.unlinked_records("company").exclude(vendor_type=ps.Company.VendorType.OWNER)
    context = {
        **_common(request),
        "record": record,
        "suggestions": suggestions,
        "chosen": chosen,
        "companies": unlinked.order_by("name")[:500],
        "differences": selectors.differences(chosen, record, services.COMPANY_COMPARED) if chosen else [],
        "pickable": services.COMPANY_COMPARED,
    }
    return render(request, "erp/import_company.html", context)


@login_required
@require_POST
def companies_act(request: HttpRequest) -> HttpResponse:
    """Add a vendor to the directory, set it aside or bring it back, or link every exact match."""
    actor = signed_in(request.user)
    action = request.POST.get("action", "")
    record_id = request.POST.get("record", "")
    record = _record_or_404(int(record_id), AccountingRecord.ListType.VENDOR) if record_id.isdigit() else None
    back = request.POST.get("next") or reverse("erp:import-companies")
    if not back.startswith("/"):
        back = reverse("erp:import-companies")
    try:
        if action == "link_exact":
            linked = services.link_exact_companies(actor)
            messages.success(
                request,
                f"Linked {linked} QuickBooks vendor{'s' if linked != 1 else ''} to the directory companies of the "
                "same name."
                if linked
                else "No QuickBooks vendor has exactly one directory company of its name.",
            )
        elif record is None:
            messages.error(request, "Choose a QuickBooks vendor.")
        elif action == "add":
            added = services.add_company_from_accounting(actor, record)
            messages.success(request, f"{added.name} is added to the directory, linked to QuickBooks' vendor.")
        elif action in ("set_aside", "bring_back"):
            services.set_aside(actor, record, archived=action == "set_aside")
            messages.success(
                request,
                f"{record.full_name} is set aside: it no longer waits in Ready to Import."
                if action == "set_aside"
                else f"{record.full_name} waits in Ready to Import again.",
            )
        else:
            messages.error(request, "Choose what to do.")
    except (WorkflowError, ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect(back)


# --- projects ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def projects(request: HttpRequest) -> HttpResponseBase:
    """QuickBooks' jobs no project is linked to."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    search = request.GET.get("q", "").strip()[:100]
    records = selectors.ready_to_import("project", search=search)
    if request.GET.get("format") == "csv":
        everything = list(records)
        suggestions = selectors.project_suggestions(everything)
        return csv_response(
            "quickbooks-jobs-ready-to-import.csv",
            ["QuickBooks job", "Customer", "Address", "Suggested project"],
            (
                [
                    record.full_name,
                    record.full_name.rsplit(":", 1)[0],
                    _address(record),
                    str(found[0]) if (found := suggestions[record.pk]) else "",
                ]
                for record in everything
            ),
        )
    page = _page(request, records)
    rows = list(page.object_list)
    suggestions = selectors.project_suggestions(rows)
    context = {
        **_common(request),
        "page": page,
        "search": search,
        "rows": [
            {
                "record": record,
                "customer": record.full_name.rsplit(":", 1)[0],
                "job": record.full_name.rsplit(":", 1)[-1],
                "address": _address(record),
                "suggestions": suggestions[record.pk],
            }
            for record in rows
        ],
    }
    return render(request, "erp/import_projects.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, pk: int) -> HttpResponse:
    """One QuickBooks job beside a project: link it (taking the address fields picked), or add it as a new one."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    record = _record_or_404(pk, AccountingRecord.ListType.CUSTOMER)
    suggestions = selectors.project_suggestions([record])[record.pk]
    chosen_id = request.POST.get("project") or request.GET.get("project")
    if chosen_id and chosen_id.isdigit():
        chosen: ps.Project | None = get_object_or_404(ps.Project, pk=int(chosen_id))
    else:
        chosen = suggestions[0] if suggestions else None
    actor = signed_in(request.user)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add":
                added = services.add_project_from_accounting(actor, record)
                messages.success(request, f"Project {added} is added, linked to QuickBooks' job {record.full_name}.")
                return redirect("projects:detail", added.pk)
            if chosen is not None:
                services.link_project(actor, chosen, record, _picked(request, ADDRESS_FIELDS))
                messages.success(request, f"{chosen} is linked to QuickBooks' job {record.full_name}.")
                return redirect("erp:import-projects")
        except (WorkflowError, ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
    differences = []
    if chosen is not None:
        differences = selectors.differences(chosen, record, ADDRESS_FIELDS)
        theirs = record.details.get("name") or record.full_name.rsplit(":", 1)[-1]
        differences.insert(0, selectors.Difference("name", "QuickBooks job name", job_name(chosen), theirs))
    unlinked = selectors.unlinked_records("project")
    context = {
        **_common(request),
        "record": record,
        "customer": record.full_name.rsplit(":", 1)[0],
        "suggestions": suggestions,
        "chosen": chosen,
        "projects": unlinked.order_by("number")[:500],
        "differences": differences,
        "pickable": ADDRESS_FIELDS,
    }
    return render(request, "erp/import_project.html", context)


# --- the archived companies --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def archived_companies(request: HttpRequest) -> HttpResponseBase:
    """Directory companies archived for ERP, and QuickBooks vendors set aside from Ready to Import."""
    permissions.require(request.user, Action.VIEW_ARCHIVED_COMPANIES)
    if request.method == "POST":
        archived = get_object_or_404(ps.Company, pk=request.POST.get("company") or 0, is_archived=True)
        try:
            services.restore_company(signed_in(request.user), archived)
        except PermissionDenied as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"{archived.name} is restored: it can be sent to accounting again.")
        return redirect("erp:archived-companies")
    search = request.GET.get("q", "").strip()[:100]
    archived_list = selectors.archived_companies()
    set_aside = selectors.ready_to_import("company", archived=True)
    if search:
        archived_list = archived_list.filter(Q(name__icontains=search))
        set_aside = set_aside.filter(full_name__icontains=search)
    if request.GET.get("format") == "csv":
        return csv_response(
            "archived-companies.csv",
            ["Name", "Where", "Phone", "E-mail", "Archived"],
            [
                *([c.name, "Directory", c.phone, c.email, c.updated_at.date().isoformat()] for c in archived_list),
                *(
                    [
                        r.full_name,
                        "QuickBooks, set aside",
                        r.details.get("phone", ""),
                        r.details.get("email", ""),
                        r.archived_at.date().isoformat() if r.archived_at else "",
                    ]
                    for r in set_aside
                ),
            ],
        )
    context = {
        **_common(request),
        "search": search,
        "archived": _page(request, archived_list),
        "set_aside": list(set_aside[:500]),
    }
    return render(request, "erp/archived_companies.html", context)
