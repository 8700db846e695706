"""Shared set-up of the benchmarks: a fresh SQLite file database with the schema, and timing helpers."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_on_fresh_sqlite() -> Path:
    """Point Django at a new SQLite file (never the user's db.sqlite3), migrate it, and return its path."""
    sys.path.insert(0, str(ROOT))
    path = Path(tempfile.mkdtemp(prefix="qb-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    return path


def measure(request: Callable[[], Any], repeat: int = 15) -> tuple[float, int, Any]:
    """Median wall time in ms of `request()` served in-process, its query count, and its last response."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    request()  # warm caches (content types, permissions) as a running server has them
    timings = []
    queries = 0
    response = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return statistics.median(timings), queries, response
