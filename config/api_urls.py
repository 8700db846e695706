from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from erp_integrations import api as erp_api
from procore_sync import api as ps_api
from qbxml import api as qb_api

router = DefaultRouter()
router.register("companies", ps_api.CompanyViewSet, basename="company")
router.register("projects", ps_api.ProjectViewSet, basename="project")
router.register("cost-codes", ps_api.CostCodeViewSet, basename="cost-code")
router.register("cost-types", ps_api.CostTypeViewSet, basename="cost-type")
router.register("budgets", ps_api.BudgetViewSet, basename="budget")
router.register("budget-modifications", ps_api.BudgetModificationViewSet, basename="budget-modification")
router.register("commitments", ps_api.CommitmentViewSet, basename="commitment")
router.register("change-orders", ps_api.ChangeOrderViewSet, basename="change-order")
router.register("subcontractor-invoices", ps_api.SubcontractorInvoiceViewSet, basename="subcontractor-invoice")
router.register("erp/items", erp_api.ErpItemViewSet, basename="erp-item")
router.register("qb-connections", qb_api.QbConnectionViewSet, basename="qb-connection")

urlpatterns = [
    path("auth/token/", erp_api.ObtainTokenView.as_view(), name="api-token"),
    path("erp/settings/", erp_api.ErpSettingsView.as_view(), name="erp-settings"),
    path("", include(router.urls)),
]
