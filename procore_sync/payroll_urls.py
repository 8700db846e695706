"""The timesheet pages, under /projects/."""

from __future__ import annotations

from django.urls import path

from procore_sync import payroll_views

app_name = "payroll"

urlpatterns = [
    path("timesheets/", payroll_views.timesheets, name="timesheets"),
    path("<int:pk>/timesheet/", payroll_views.timesheet, name="timesheet"),
]
