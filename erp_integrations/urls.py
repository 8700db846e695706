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
    path("records/<slug:slug>/<int:pk>/<slug:step>/", views.record_step, name="record-step"),
    path("settings/", views.settings_page, name="settings"),
]
