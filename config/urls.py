from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from erp_integrations import profile_views
from erp_integrations import views as erp_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("qbwc/", include("qbxml.urls")),
    # The browser pages.
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("erp/connections/", include("qbxml.page_urls")),
    path("erp/", include("erp_integrations.urls")),
    path("erp/payroll/employees/", include("erp_integrations.payroll_urls")),
    path("erp/payroll/", include("qbxml.payroll_urls")),
    path("projects/", include("procore_sync.payroll_urls")),
    path("projects/", include("procore_sync.owner_urls")),
    path("projects/", include("procore_sync.urls")),
    path("directory/", include("procore_sync.directory_urls")),
    path("", erp_views.home, name="home"),
]
