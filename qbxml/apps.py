from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QbxmlConfig(AppConfig):
    name = "qbxml"
    verbose_name = "QuickBooks Desktop connector"

    def ready(self) -> None:
        from erp_integrations import hooks
        from qbxml.connector import Connector

        hooks.register(Connector())
        post_migrate.connect(_beat_rows_in_step, sender=self)


def _beat_rows_in_step(**kwargs: Any) -> None:
    """Every `migrate` leaves Celery beat's tasks as the settings and schedules say (the daily digest, each
    connection's scheduled imports), before any beat starts."""
    from qbxml import schedules

    state = kwargs.get("apps")
    try:
        # Not after a migrate to an older state, whose tables lack the schedule's.
        if state is not None:
            state.get_model("django_celery_beat", "PeriodicTask")
            state.get_model("qbxml", "QbSyncSchedule")
    except LookupError:
        return
    schedules.beat_in_step()
