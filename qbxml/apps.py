from __future__ import annotations

from django.apps import AppConfig


class QbxmlConfig(AppConfig):
    name = "qbxml"
    verbose_name = "QuickBooks Desktop connector"

    def ready(self) -> None:
        from erp_integrations import hooks
        from qbxml.connector import Connector

        hooks.register(Connector())
