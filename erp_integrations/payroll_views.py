"""The payroll side of Ready to Import: QuickBooks' employees that no employee here is linked to, each with the
employees of the same name, to link or to add. Thin: `erp_integrations.payroll` reads and writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import payroll, selectors
from erp_integrations.errors import WorkflowError
from erp_integrations.models import AccountingRecord
from procore_sync import models as ps


@login_required
@require_http_methods(["GET", "POST"])
def employees(request: HttpRequest) -> HttpResponse:
    """`/erp/payroll/employees/`: link a QuickBooks employee to an employee here, or add it as one."""
    user = signed_in(request.user)
    permissions.require(user, Action.VIEW_ERP_QUEUE)
    if request.method == "POST":
        record = get_object_or_404(
            AccountingRecord, pk=request.POST.get("record"), list_type=AccountingRecord.ListType.EMPLOYEE
        )
        try:
            if request.POST.get("action") == "add":
                employee = payroll.add_employee_from_accounting(user, record)
                messages.success(request, f"{employee.name} added as an employee, linked to QuickBooks.")
            else:
                employee = get_object_or_404(ps.Employee, pk=request.POST.get("employee"))
                payroll.link_employee(user, employee, record)
                messages.success(request, f"{employee.name} is linked to the QuickBooks employee {record.full_name}.")
        except WorkflowError as exc:
            messages.error(request, exc.message)
        return redirect("payroll_employees:list")
    records = list(selectors.ready_to_import("employee", search=request.GET.get("q", "").strip()[:100]))
    suggestions = payroll.employee_suggestions(records)
    context = {
        "rows": [(record, suggestions.get(record.pk, [])) for record in records],
        "unlinked": list(selectors.unlinked_records("employee").order_by("name")),
        "can_link": bool(permissions.check(user, Action.LINK_QUICKBOOKS_COMPANIES)),
        "can_add": bool(permissions.check(user, Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY)),
    }
    return render(request, "payroll/import_employees.html", context)
