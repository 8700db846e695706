"""Celery beat and a worker as production runs them, against Redis and the test database: a scheduled import
due now is queued for the connection's next Web Connector session, and the daily digest goes out by e-mail.

Both are real `celery -A config ...` processes. They open the database the test writes to (committed:
`transaction=True`), so an in-memory SQLite cannot serve; the strict run has PostgreSQL. They use a Redis
database and a queue of their own, so they take nothing of another test's or a developer's worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection as db_connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from erp_integrations import services as erp
from qbxml import schedules, services
from qbxml.models import QbListImport, QbSyncSchedule
from tests.factories import CompanyFactory

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
DIGEST_SUBJECT = "ERP Integrations Daily Summary"


@pytest.fixture
def redis_url(broker_url: str) -> str:
    """A Redis database of this test's own, beside the broker's."""
    if not broker_url.startswith(("redis://", "rediss://")):
        pytest.skip(f"needs a Redis broker (CELERY_BROKER_URL=redis://...), not {broker_url.split(':', 1)[0]}")
    return broker_url.rsplit("/", 1)[0] + "/13"


def database_url() -> str:
    """The test database, as another process opens it."""
    db = db_connection.settings_dict
    if db_connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip("needs a database the worker and beat can open too: PostgreSQL (DATABASE_URL=postgres://...)")
        return f"sqlite:///{name}"
    if db_connection.vendor != "postgresql":
        pytest.skip(f"runs on PostgreSQL or a SQLite file, not {db_connection.vendor}")
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_env(tmp_path: Path, redis_url: str, digest_hour: int) -> dict[str, str]:
    """The processes' environment: the production settings, with e-mails written as files to read back."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    queue = f"qb-beat-test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "beat_test_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        'EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"\n'
        f"EMAIL_FILE_PATH = {str(outbox)!r}\n"
        f"CELERY_TASK_DEFAULT_QUEUE = {queue!r}\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "beat_test_settings",
        "DJANGO_ENV": "development",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "DAILY_DIGEST_HOUR": str(digest_hour),
        "QUEUE": queue,
        "OUTBOX": str(outbox),
    }


def start(env: dict[str, str], cwd: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    log = (cwd / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - celery of this virtualenv, our own app
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture
def worker_and_beat(celery_env: dict[str, str], tmp_path: Path) -> Iterator[None]:
    """Started once the test's data is committed (the fixture is asked for last); stopped before the
    database is emptied."""
    processes = [
        start(
            celery_env,
            tmp_path,
            "worker",
            "worker",
            "--pool",
            "solo",
            "--queues",
            celery_env["QUEUE"],
            "--hostname",
            f"{celery_env['QUEUE']}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ),
        start(celery_env, tmp_path, "beat", "beat", "--max-interval", "1", "--loglevel", "INFO"),
    ]
    try:
        yield
    finally:
        for process in processes:
            stop(process)


def logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}" for path in tmp_path.glob("*.log"))


def digest_emails(outbox: Path) -> list[str]:
    texts = [path.read_text(errors="replace") for path in outbox.glob("*.log")]
    return [text for text in texts if DIGEST_SUBJECT in text]


@pytest.fixture
def digest_hour(settings) -> int:  # type: ignore[no-untyped-def]
    """The digest at this hour: beat loads a daily task only within a couple of hours of its time."""
    settings.DAILY_DIGEST_HOUR = timezone.localtime().hour
    return int(settings.DAILY_DIGEST_HOUR)


@pytest.fixture
def due_now(transactional_db, pm, approver, erp_admin, digest_hour):  # type: ignore[no-untyped-def]
    """A connection whose vendors are due by schedule, a digest overdue, and an item waiting for it."""
    connection = services.connection_create(None, name="Main company", username="qbuser", password="wc-password-1")
    schedules.schedule_set(
        erp_admin, connection, every={"vendors": 60}, quiet_start=None, quiet_end=None, quiet_days=[]
    )
    erp.item_send(CompanyFactory(name="Waiting Walls"), pm)
    schedules.beat_in_step()
    # Beat counts the digest from its last run: two days ago, it is overdue.
    PeriodicTask.objects.filter(name=schedules.DIGEST_TASK_NAME).update(last_run_at=timezone.now() - timedelta(days=2))
    return connection


def test_beat_queues_the_scheduled_refresh_and_a_worker_sends_the_digest(
    due_now, celery_env, tmp_path, worker_and_beat
):  # type: ignore[no-untyped-def]
    outbox = Path(celery_env["OUTBOX"])
    deadline = time.monotonic() + TIMEOUT
    queued = emails = None
    while time.monotonic() < deadline:
        queued = QbListImport.objects.filter(
            connection=due_now, list_name="vendors", status=QbListImport.Status.QUEUED
        ).first()
        emails = digest_emails(outbox)
        if queued is not None and emails:
            break
        time.sleep(0.5)

    assert queued is not None, f"the scheduled refresh was not queued within {TIMEOUT} s\n{logs(tmp_path)}"
    assert emails, f"no digest within {TIMEOUT} s\n{logs(tmp_path)}"
    sent = "\n".join(emails)
    assert "To: approver@example.com" in sent, "the accounting approver has it"
    assert all("Waiting for your acceptance: 1" in email for email in emails)
    assert QbSyncSchedule.objects.get(connection=due_now, subject="vendors").last_queued_at is not None
    assert not QbListImport.objects.filter(connection=due_now).exclude(list_name="vendors").exists(), (
        "only what was due"
    )
