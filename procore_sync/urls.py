"""The project pages, under /projects/."""

from __future__ import annotations

from django.urls import path

from procore_sync import budget_import_views as import_views
from procore_sync import job_cost_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_form, name="new"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_form, name="edit"),
    path("job-costs/", job_cost_views.company_job_costs, name="company-job-costs"),
    path("<int:pk>/job-costs/", job_cost_views.project_job_costs, name="job-costs"),
    path("<int:pk>/job-costs/detail/", job_cost_views.job_cost_detail, name="job-cost-detail"),
    path("unsyncable-direct-costs/", job_cost_views.unplaced_costs, name="unplaced-costs"),
    path("<int:project_pk>/budget/", views.budget_form, name="budget-form"),
    path("<int:project_pk>/budget/import/", import_views.budget_import, name="budget-import"),
    path("<int:project_pk>/budget/import/confirm/", import_views.budget_import_confirm, name="budget-import-confirm"),
    path("<int:project_pk>/budget/import/sample.csv", import_views.budget_import_sample, name="budget-import-sample"),
    path("<int:project_pk>/budget/modifications/new/", views.budget_modification_form, name="budget-modification-new"),
    path("budget-modifications/<int:pk>/edit/", views.budget_modification_form, name="budget-modification-edit"),
    path("<int:project_pk>/sub-jobs/new/", views.sub_job_form, name="sub-job-new"),
    path("sub-jobs/<int:pk>/edit/", views.sub_job_form, name="sub-job-edit"),
    path("sub-jobs/<int:pk>/delete/", views.sub_job_delete, name="sub-job-delete"),
    path("<int:project_pk>/commitments/new/", views.commitment_form, name="commitment-new"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/edit/", views.commitment_form, name="commitment-edit"),
    path("commitments/<int:pk>/payments.csv", views.commitment_payments_csv, name="commitment-payments-csv"),
    path("commitments/<int:commitment_pk>/change-orders/new/", views.change_order_form, name="change-order-new"),
    path("change-orders/<int:pk>/edit/", views.change_order_form, name="change-order-edit"),
    path("commitments/<int:commitment_pk>/invoices/new/", views.invoice_form, name="invoice-new"),
    path("invoices/<int:pk>/edit/", views.invoice_form, name="invoice-edit"),
    path("<slug:object_type>/<int:pk>/delete/", views.record_delete, name="delete"),
]
