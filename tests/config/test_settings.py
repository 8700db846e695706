"""Settings come from the environment, fail loudly on bad values, and pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.pop("CELERY_BROKER_URL", None)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-from-the-environment-" + "x" * 20,
    "DJANGO_ALLOWED_HOSTS": "qb.example.com",
    "DATABASE_URL": "postgres://qb:secret@127.0.0.1:5432/qb",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def test_the_deployment_checks_are_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_its_secrets_and_services(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    "name, value", [("DJANGO_DEBUG", "maybe"), ("DB_CONN_MAX_AGE", "ten"), ("DJANGO_ENV", "staging")]
)
def test_a_bad_value_stops_the_process_with_its_name(name, value):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_refuses_debug():
    result = manage("check", **PRODUCTION, DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DJANGO_DEBUG cannot be on in production" in result.stderr
