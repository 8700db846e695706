"""The payroll IIF pages, under /erp/payroll/."""

from __future__ import annotations

from django.urls import path

from qbxml import payroll_views

app_name = "payroll_files"

urlpatterns = [
    path("", payroll_views.payroll_files, name="list"),
    path("<int:pk>.iif", payroll_views.payroll_file_download, name="download"),
]
