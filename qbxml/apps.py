from __future__ import annotations

from django.apps import AppConfig


class QbxmlConfig(AppConfig):
    name = "qbxml"
    verbose_name = "QuickBooks Desktop connector"
