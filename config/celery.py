from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qb_bridge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _beat_rows_in_step(**kwargs: Any) -> None:
    """Beat reads its tasks from the database: a DAILY_DIGEST_HOUR changed since the last `migrate` applies
    from this start on."""
    from qbxml import schedules

    schedules.beat_in_step()
