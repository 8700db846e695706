from __future__ import annotations

from django.apps import AppConfig


class ErpIntegrationsConfig(AppConfig):
    name = "erp_integrations"
    verbose_name = "ERP Integrations"

    def ready(self) -> None:
        from erp_integrations.services import RecordWatcher
        from procore_sync import hooks

        hooks.register(RecordWatcher())
