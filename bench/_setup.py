"""Shared set-up of the benchmarks: a fresh database with the schema (SQLite or PostgreSQL), timing helpers,
and the pieces of the whole loop over HTTP: the server process, the Web Connector's transport, and a
simulated company file that keeps what it answered."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


# --- the whole loop over HTTP on loopback: a server process per round, the Web Connector in this one ---------

SERVER = ROOT / "bench" / "_wsgi_server.py"


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="SQLite files, or fresh databases on this machine's PostgreSQL (127.0.0.1:5432, user postgres)",
    )


def fresh_database(template: Path, round_number: int) -> Path:
    """A copy of the migrated, empty SQLite database for one round, which Django now uses."""
    from django.db import connections

    connections.close_all()
    path = template.with_name(f"round-{round_number}.sqlite3")
    shutil.copyfile(template, path)
    connections["default"].settings_dict["NAME"] = str(path)
    return path


class RoundDatabases:
    """A migrated, empty database for each round, on SQLite files or this machine's PostgreSQL; Django uses the
    newest. Use as a context manager: the PostgreSQL databases are dropped at the end."""

    def __init__(self, database: str) -> None:
        self.postgres = database == "postgres"
        self.template: Path | str = django_on_fresh_postgres() if self.postgres else django_on_fresh_sqlite()
        self.copies: list[str] = []
        self.sqlite_path: Path | None = None  # the last round's SQLite file

    def fresh(self, round_number: int) -> str:
        """The round's database, now Django's; returns its URL (for the server process)."""
        if self.postgres:
            self.copies.append(f"{self.template}_round_{round_number}")
            return postgres_copy(str(self.template), self.copies[-1])
        self.sqlite_path = fresh_database(Path(self.template), round_number)
        return f"sqlite:///{self.sqlite_path}"

    def __enter__(self) -> RoundDatabases:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.postgres:
            drop_postgres(*self.copies, str(self.template))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> None:
    """Wait for the server, and warm it with a SOAP call as a running server is: what a process does once
    (importing the endpoint's modules) is not a cost per item."""
    from qbxml.lib import soap

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.2)
    else:
        raise SystemExit(f"the server at {url} did not start")
    warm = urllib.request.Request(  # noqa: S310 - loopback
        url,
        data=soap.build_call("serverVersion", {}),
        method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap.NS}serverVersion"'},
    )
    urllib.request.urlopen(warm, timeout=10).read()  # noqa: S310


@dataclass
class Server:
    """The SOAP endpoint served by its own process (bench/_wsgi_server.py) on 127.0.0.1."""

    url: str
    process: subprocess.Popen[str]

    def memory_mb(self, field: str = "VmHWM") -> float:
        """A memory figure of the server process from /proc/<pid>/status, in MB: VmHWM is its peak resident
        set so far, VmRSS its resident set now."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024  # kB
        raise SystemExit(f"no {field} in /proc/{self.process.pid}/status")


@contextmanager
def served(database_url: str) -> Iterator[Server]:
    """The server process on a free port, on `database_url`, warmed; terminated at the end. Django's
    connections in this process are closed first (a SQLite file is then the server's alone until it answers).
    DEBUG is off, as in production: with it on, Django keeps each request's SQL."""
    from django.db import connections

    connections.close_all()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DJANGO_DEBUG": "false",
    }
    process = subprocess.Popen(  # noqa: S603 - our own server script
        [sys.executable, str(SERVER), "127.0.0.1", str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        server = Server(f"http://127.0.0.1:{port}/qbwc/", process)
        wait_for(server.url)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


class LoopbackTransport:
    """POSTs each SOAP call to the server as the Web Connector does (a SOAP fault comes back as a body), and
    adds up the server's own time of each (its X-Server-Seconds header). `after_call` runs after each."""

    def __init__(self, url: str, after_call: Callable[[str], Any] | None = None) -> None:
        self.url = url
        self.after_call = after_call
        self.server_seconds = 0.0
        self.calls = 0

    def __call__(self, operation: str, body: bytes) -> bytes:
        from qbxml.lib import soap

        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap.NS}{operation}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                self.server_seconds += float(response.headers.get("X-Server-Seconds", "0"))
                answer: bytes = response.read()
        except urllib.error.HTTPError as error:  # a SOAP fault
            answer = error.read()
        self.calls += 1
        if self.after_call is not None:
            self.after_call(operation)
        return answer


class RecordingCompany:
    """The simulated QuickBooks company file, keeping every qbXML message it was sent with its answer, and
    the time it took to answer them."""

    def __init__(self, company: Any) -> None:
        self.company = company
        self.exchanged: list[tuple[str, str]] = []
        self.seconds = 0.0

    def host_response(self) -> str:
        return str(self.company.host_response())

    def process(self, request: str | bytes) -> str:
        started = time.perf_counter()
        answer = str(self.company.process(request))
        self.seconds += time.perf_counter() - started
        self.exchanged.append((request if isinstance(request, str) else request.decode(), answer))
        return answer

    def end_session(self) -> None:
        self.company.end_session()
