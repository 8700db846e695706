from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from erp_integrations import api as erp_api
from erp_integrations import (
    company_file_views,
    import_api,
    name_in_use_views,
    prime_contract_import_views,
    profile_views,
    report_views,
)
from procore_sync import api as ps_api
from procore_sync import budget_import_api, job_cost_api, payroll_api
from qbxml import api as qb_api
from qbxml import payroll_views

router = DefaultRouter()
# The project side's resources, each with the workflow's fields and steps where the record goes to QuickBooks.
for prefix, viewset, basename in [*ps_api.ROUTES, *payroll_api.ROUTES]:
    router.register(prefix, erp_api.with_workflow(viewset), basename=basename)
router.register("erp/items", erp_api.ErpItemViewSet, basename="erp-item")
router.register("qb-connections", qb_api.QbConnectionViewSet, basename="qb-connection")
# Ready to Import: QuickBooks' records that nothing here is linked to.
router.register("erp/quickbooks-vendors", import_api.QuickBooksVendorViewSet, basename="quickbooks-vendor")
router.register("erp/quickbooks-jobs", import_api.QuickBooksJobViewSet, basename="quickbooks-job")
router.register("erp/quickbooks-employees", import_api.QuickBooksEmployeeViewSet, basename="quickbooks-employee")
router.register("erp/archived-companies", import_api.ArchivedCompanyViewSet, basename="archived-company")

urlpatterns = [
    path("auth/token/", erp_api.ObtainTokenView.as_view(), name="api-token"),
    path("me/notifications/", profile_views.MyNotificationsView.as_view(), name="me-notifications"),
    path("erp/settings/", erp_api.ErpSettingsView.as_view(), name="erp-settings"),
    path("erp/cost-codes/refresh/", erp_api.CostCodeRefreshView.as_view(), name="erp-cost-codes-refresh"),
    path(
        "erp/cost-codes/default-cost-type/",
        erp_api.DefaultCostTypeView.as_view(),
        name="erp-cost-codes-default-cost-type",
    ),
    path("erp/projects/<int:pk>/accounting/", erp_api.ProjectAccountingView.as_view(), name="erp-project-accounting"),
    path(
        "erp/projects/<int:pk>/accounting/sync/",
        erp_api.ProjectAccountingSyncView.as_view(),
        name="erp-project-accounting-sync",
    ),
    path(
        "erp/projects/<int:pk>/company-file/",
        company_file_views.ProjectCompanyFileView.as_view(),
        name="erp-project-company-file",
    ),
    path(
        "erp/projects/<int:pk>/prime-contract/estimates/",
        prime_contract_import_views.ProjectEstimatesView.as_view(),
        name="erp-project-estimates",
    ),
    path("erp/estimates/read/", prime_contract_import_views.ReadEstimatesView.as_view(), name="erp-estimates-read"),
    # The job costs QuickBooks sends back.
    path("projects/<int:pk>/budget/import/", budget_import_api.BudgetImportView.as_view(), name="budget-import"),
    path("projects/<int:pk>/job-costs/", job_cost_api.ProjectJobCostsView.as_view(), name="project-job-costs"),
    path(
        "projects/<int:pk>/job-costs/summary/",
        job_cost_api.ProjectJobCostSummaryView.as_view(),
        name="project-job-cost-summary",
    ),
    path("erp/reports/accountant/", report_views.AccountantReportView.as_view(), name="erp-accountant-report"),
    path("job-costs/", job_cost_api.CompanyJobCostsView.as_view(), name="company-job-costs"),
    path(
        "projects/<int:pk>/job-costs/summary/detail/",
        job_cost_api.ProjectJobCostDetailView.as_view(),
        name="project-job-cost-detail",
    ),
    path("erp/unplaced-costs/", job_cost_api.UnplacedCostsView.as_view(), name="erp-unplaced-costs"),
    path("erp/unplaced-costs/reasons/", job_cost_api.UnplacedReasonsView.as_view(), name="erp-unplaced-reasons"),
    path("qbxml/connections/<int:pk>/schedule/", qb_api.ConnectionScheduleView.as_view(), name="qb-schedule"),
    path("qbxml/connections/<int:pk>/refresh/", qb_api.ConnectionRefreshView.as_view(), name="qb-refresh-now"),
    *name_in_use_views.API_URLS,
    # Before the router's: "iif" is no time entry's id.
    *(path(route, view.as_view(), name=name) for route, view, name in payroll_views.API_URLS),
    path("", include(router.urls)),
]
