"""The approver's pages, under /erp/."""

from __future__ import annotations

from django.urls import path

from erp_integrations import views

app_name = "erp"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    *[
        path(f"items/<int:pk>/{step}/", views.item_step, {"step": step}, name=f"item-{step}")
        for step in ("accept", "reject", "retry", "unlink")
    ],
    path("connections/", views.connections, name="connections"),
    path("connections/<int:pk>/progress/", views.connection_progress, name="connection-progress"),
    path("settings/", views.settings_page, name="settings"),
]
