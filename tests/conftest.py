from __future__ import annotations

import os

import pytest
from django.db import connection

from tests.factories import UserFactory, grant

STRICT = os.environ.get("STRICT_TESTS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Under STRICT_TESTS=1 a skipped test is a failed test: the strict run must run everything."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under STRICT_TESTS=1: {reason}"


@pytest.fixture
def requires_postgres(db):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real row locks: set DATABASE_URL=postgres://...")


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        pytest.skip("needs a real broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    return url


@pytest.fixture
def pm(db):  # type: ignore[no-untyped-def]
    """A project admin: Admin on every project tool, company-wide."""
    from access.tools import PROJECT_TOOLS, Level

    user = UserFactory(username="pm", email="pm@example.com")
    for tool in PROJECT_TOOLS:
        grant(user, tool, Level.ADMIN)
    return user


@pytest.fixture
def approver(db):  # type: ignore[no-untyped-def]
    """An accounting approver: Standard on ERP Integrations and Can Push to Accounting."""
    from access.tools import Level, Tool

    user = UserFactory(username="approver", email="approver@example.com")
    grant(user, Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    return user


@pytest.fixture
def erp_admin(db):  # type: ignore[no-untyped-def]
    from access.tools import Level, Tool

    user = UserFactory(username="erp_admin")
    grant(user, Tool.ERP_INTEGRATIONS, Level.ADMIN, push=True)
    return user


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"live_server", "page", "transactional_db"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def default_cost_types(request: pytest.FixtureRequest) -> None:
    """The cost types a data migration adds: another transactional test's flush may have removed them, so a
    transactional test (a browser test, a test of concurrent sessions) adds them back first."""
    if not _is_transactional(request):
        return
    import importlib

    from django.apps import apps

    migration = importlib.import_module("procore_sync.migrations.0002_default_cost_types")
    request.getfixturevalue("transactional_db")
    migration.add_cost_types(apps, None)
