"""The sync health pages, under /erp/connections/ beside the approver's pages."""

from __future__ import annotations

from django.urls import path

from qbxml import pages

app_name = "qb"

urlpatterns = [
    path("", pages.connections, name="connections"),
    path("<int:pk>/progress/", pages.connection_progress, name="connection-progress"),
    path("<int:pk>/status/", pages.connection_status, name="connection-status"),
    path("<int:pk>/release/", pages.release_session, name="release-session"),
    path("<int:pk>/refresh/", pages.refresh_lists, name="refresh-lists"),
    path("<int:pk>/schedule/", pages.schedule_save, name="schedule"),
    path("<int:pk>/refresh-now/", pages.refresh_now, name="refresh-now"),
    path("sessions/<int:pk>/exchanges/", pages.session_exchanges, name="session-exchanges"),
    path("sessions/<int:pk>/exchanges.zip", pages.session_download, name="session-download"),
    path("exchanges/<int:pk>/download/", pages.exchange_download, name="exchange-download"),
]
