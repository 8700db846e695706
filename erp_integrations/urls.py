"""The approver's pages, under /erp/."""

from __future__ import annotations

from django.urls import path

from erp_integrations import (
    budget_estimate_import_views,
    company_file_views,
    cost_code_views,
    import_views,
    name_in_use_views,
    prime_contract_import_views,
    record_list_views,
    report_views,
    views,
)

app_name = "erp"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("queue.csv", views.queue_csv, name="queue-csv"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    *[
        path(f"items/<int:pk>/{step}/", views.item_step, {"step": step}, name=f"item-{step}")
        for step in ("accept", "reject", "retry", "unlink")
    ],
    *name_in_use_views.PAGE_URLS,
    path("records/<slug:slug>/<int:pk>/<slug:step>/", views.record_step, name="record-step"),
    path("records/<slug:slug>.csv", record_list_views.record_list_csv, name="record-csv"),
    path("settings/", views.settings_page, name="settings"),
    path("reports/accountant/", report_views.accountant_report, name="accountant-report"),
    path("reports/accountant.csv", report_views.accountant_report_csv, name="accountant-report-csv"),
    path("cost-codes/", cost_code_views.cost_codes, name="cost-codes"),
    path("cost-codes/default-cost-type/", cost_code_views.default_cost_type, name="cost-codes-default-cost-type"),
    path("cost-codes/refresh/", cost_code_views.refresh, name="cost-codes-refresh"),
    path("import/companies/", import_views.companies, name="import-companies"),
    path("import/companies/act/", import_views.companies_act, name="import-companies-act"),
    path("import/companies/<int:pk>/", import_views.company, name="import-company"),
    path("import/projects/", import_views.projects, name="import-projects"),
    path("import/projects/<int:pk>/", import_views.project, name="import-project"),
    path("archived-companies/", import_views.archived_companies, name="archived-companies"),
    path("projects/<int:pk>/accounting/", views.project_accounting, name="project-accounting"),
    path("projects/<int:pk>/company-file/", company_file_views.project_company_file, name="project-company-file"),
    path(
        "projects/<int:pk>/prime-contract/import/",
        prime_contract_import_views.import_prime_contract,
        name="import-prime-contract",
    ),
    path(
        "projects/<int:pk>/budget/import-estimate/",
        budget_estimate_import_views.import_budget_estimate,
        name="import-budget-estimate",
    ),
]
