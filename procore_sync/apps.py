from __future__ import annotations

from django.apps import AppConfig


class ProcoreSyncConfig(AppConfig):
    name = "procore_sync"
    verbose_name = "Project records"
