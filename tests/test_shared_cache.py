"""Throttles and the Web Connector's per-ticket messages hold across server processes: two servers on one
database (and, where Redis runs, one Redis) count as one, as gunicorn's workers must."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qbxml.lib import soap

ROOT = Path(__file__).resolve().parents[1]
TOKEN_RATE = 20  # REST_FRAMEWORK's "token" throttle, per minute
USERNAME, PASSWORD = "qbuser", "wc-password-1"
# Something for a Web Connector session to do, so that it stays open.
QUEUE_ONE_REQUEST = (
    "from qbxml.models import QbConnection, QbRequest; "
    "QbRequest.objects.create(connection=QbConnection.objects.get(), kind='class', support_key='class:Labor', "
    "target='Labor')"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} stopped: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the server on port {port} did not start")


@pytest.fixture(params=["database", "redis"])
def cache_url(request: pytest.FixtureRequest) -> str:
    if request.param == "database":
        return ""
    broker = request.getfixturevalue("broker_url")  # skips without a Redis
    url = broker.rsplit("/", 1)[0] + "/14"
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def two_servers(tmp_path: Path, cache_url: str) -> Iterator[list[str]]:
    """Two server processes of the product, on one SQLite file and the cache under test."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "CACHE_URL": cache_url,
    }
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["qbwc_connection", "create", "Main company", "--username", USERNAME, "--password", PASSWORD],
        ["shell", "-c", QUEUE_ONE_REQUEST],
    ):
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
        )
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and server
            [sys.executable, "bench/_wsgi_server.py", "127.0.0.1", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _post(url: str, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - our own test servers
        url, data=data, method="POST", headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_token_throttle_counts_the_calls_of_every_process_together(two_servers):
    statuses = []
    for attempt in range(TOKEN_RATE + 6):
        server = two_servers[attempt % 2]
        form = urllib.parse.urlencode({"username": f"nobody-{attempt}", "password": "wrong"}).encode()
        status, _ = _post(f"{server}/api/v1/auth/token/", form, "application/x-www-form-urlencoded")
        statuses.append(status)
    assert statuses.count(429) == 6, statuses
    assert statuses[:TOKEN_RATE] == [400] * TOKEN_RATE


def _call(server: str, operation: str, **params: str) -> object:
    _, body = _post(f"{server}/qbwc/", soap.build_call(operation, dict(params)), "text/xml; charset=utf-8")
    return soap.parse_result(body, operation)


def test_why_a_web_connector_is_told_busy_is_told_by_any_process(two_servers):
    first, second = two_servers
    running = _call(first, "authenticate", strUserName=USERNAME, strPassword=PASSWORD)
    assert isinstance(running, list) and running[1] == ""

    busy = _call(second, "authenticate", strUserName=USERNAME, strPassword=PASSWORD)
    assert isinstance(busy, list) and busy[1] == "busy"

    text = str(_call(first, "getLastError", ticket=busy[0]))
    assert "Another Web Connector session holds this company file" in text
