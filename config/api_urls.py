from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from erp_integrations import api as erp_api
from procore_sync import api as ps_api
from qbxml import api as qb_api

router = DefaultRouter()
# The project side's resources, each with the workflow's fields and steps where the record goes to QuickBooks.
for prefix, viewset, basename in ps_api.ROUTES:
    router.register(prefix, erp_api.with_workflow(viewset), basename=basename)
router.register("erp/items", erp_api.ErpItemViewSet, basename="erp-item")
router.register("qb-connections", qb_api.QbConnectionViewSet, basename="qb-connection")

urlpatterns = [
    path("auth/token/", erp_api.ObtainTokenView.as_view(), name="api-token"),
    path("erp/settings/", erp_api.ErpSettingsView.as_view(), name="erp-settings"),
    path("", include(router.urls)),
]
