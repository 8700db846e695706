from __future__ import annotations

from django.urls import path

from qbxml import views

urlpatterns = [
    path("", views.web_connector_endpoint, name="qbwc"),
    path("connections/<int:pk>/app.qwc", views.qwc_file, name="qbwc-qwc"),
]
