"""The company's lists, under /directory/: companies, cost codes, cost types; the same five pages each."""

from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from procore_sync import directory_views as views
from procore_sync.views import record_delete

app_name = "directory"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="directory:company-list"), name="home"),
]
for kind in views.KINDS.values():
    slug = {"slug": kind.slug}
    urlpatterns += [
        path(f"{kind.path}/", views.record_list, slug, name=f"{kind.slug}-list"),
        path(f"{kind.path}/new/", views.record_form, slug, name=f"{kind.slug}-new"),
        path(f"{kind.path}/<int:pk>/", views.record_detail, slug, name=f"{kind.slug}-detail"),
        path(f"{kind.path}/<int:pk>/edit/", views.record_form, slug, name=f"{kind.slug}-edit"),
        # Deleting asks first, as for every record type with pages (`procore_sync.views.record_delete`).
        path(f"{kind.path}/<int:pk>/delete/", record_delete, {"object_type": kind.slug}, name=f"{kind.slug}-delete"),
    ]
