"""QuickBooks' employees in Ready to Import, under /erp/payroll/employees/."""

from __future__ import annotations

from django.urls import path

from erp_integrations import payroll_views

app_name = "payroll_employees"

urlpatterns = [
    path("", payroll_views.employees, name="list"),
]
