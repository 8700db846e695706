from __future__ import annotations

from django.apps import AppConfig


class ProcoreSyncConfig(AppConfig):
    name = "procore_sync"
    verbose_name = "Project records"

    def ready(self) -> None:
        from procore_sync.records import register_with_the_gate

        register_with_the_gate()
