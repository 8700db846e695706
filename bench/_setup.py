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


def _django_on(database_url: str) -> None:
    """Set Django up on `database_url` and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def django_on_fresh_sqlite() -> Path:
    """Point Django at a new SQLite file (never the user's db.sqlite3), migrate it, and return its path."""
    path = Path(tempfile.mkdtemp(prefix="qb-bench-")) / "bench.sqlite3"
    _django_on(f"sqlite:///{path}")
    return path


POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def _postgres(sql: str) -> None:
    """Run one statement on the machine's PostgreSQL (CREATE and DROP DATABASE cannot run in a transaction)."""
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def django_on_fresh_postgres() -> str:
    """Point Django at a new PostgreSQL database on this machine's server, migrate it, and return its name
    (a template for the rounds' copies: `postgres_copy`)."""
    name = f"qb_bench_{os.getpid()}"
    _postgres(f'DROP DATABASE IF EXISTS "{name}"')
    _postgres(f'CREATE DATABASE "{name}"')
    _django_on(f"{POSTGRES_SERVER}/{name}")
    return name


def postgres_copy(template: str, copy: str) -> str:
    """A fresh copy of the migrated template database, which Django now uses; returns its URL."""
    from django.db import connections

    connections.close_all()
    _postgres(f'DROP DATABASE IF EXISTS "{copy}"')
    _postgres(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    connections["default"].settings_dict["NAME"] = copy
    return f"{POSTGRES_SERVER}/{copy}"


def drop_postgres(*names: str) -> None:
    from django.db import connections

    connections.close_all()
    for name in names:
        _postgres(f'DROP DATABASE IF EXISTS "{name}"')


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
