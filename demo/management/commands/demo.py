"""python manage.py demo: load the demo company (safe to run again), print where to go and who to be."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import company

URL = "http://127.0.0.1:8000/"


@contextlib.contextmanager
def _quiet_loggers(names: tuple[str, ...]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load a demo general contractor: 3 projects, 15 companies, the CSI MasterFormat cost codes, budgets, "
        "commitments, change orders and invoices in every workflow state, and 4 users with fixed demo "
        "passwords. Running it again creates nothing twice and resets the demo users' passwords and roles. "
        "Refused when DJANGO_ENV=production."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=URL, help="where the server will answer (printed in the summary)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError(
                "The demo has well-known passwords: it does not run with DJANGO_ENV=production. "
                "Create real users with `manage.py createsuperuser` and `manage.py grant`."
            )
        started = time.monotonic()
        # A rejection emails its sender through a task. Without a broker the task runs in-process: the
        # development email backend prints the email and Celery logs the task, in the middle of the
        # summary. Both are shown with -v 2.
        mail = io.StringIO()
        quiet = options["verbosity"] < 2
        with contextlib.redirect_stdout(mail), _quiet_loggers(("celery", "kombu") if quiet else ()):
            result = company.load()
        elapsed = time.monotonic() - started
        if options["verbosity"] >= 2 and mail.getvalue():
            self.stdout.write(mail.getvalue())
        self._summary(result, elapsed, options["url"].rstrip("/") + "/")

    def _summary(self, result: company.LoadResult, elapsed: float, url: str) -> None:
        write = self.stdout.write
        if result.created or result.steps:
            created = ", ".join(f"{count} {name}" for name, count in result.created.items())
            write(f"Demo company {company.GENERAL_CONTRACTOR} loaded in {elapsed:.1f} s.")
            if created:
                write(f"  Created: {created}.")
            if result.steps:
                write(f"  Workflow steps taken by the demo users: {result.steps}.")
        else:
            write(f"Demo company {company.GENERAL_CONTRACTOR} already loaded: nothing to add ({elapsed:.1f} s).")
        if result.users_changed:
            write(f"  Demo users set to their demo password and role: {', '.join(result.users_changed)}.")
        states = company.state_counts()
        write("  Items by accounting state: " + ", ".join(f"{count} {state}" for state, count in states.items()) + ".")
        write("")
        write(f"  Open      {url}")
        write(f"  API docs  {url}api/docs/")
        write("")
        rows = [("User", "Password", "Role")] + [(user.username, user.password, user.role) for user in company.USERS]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        for username, password, role in rows:
            write(f"  {username.ljust(widths[0])}  {password.ljust(widths[1])}  {role}")
        write("")
        write("  To see accepted items arrive in a simulated QuickBooks, run in another terminal:")
        write(
            f'    .venv/bin/python manage.py qbwc_simulate --connection "{company.DEMO_CONNECTION}"'
            f" --password {company.DEMO_CONNECTION_PASSWORD}" + ("" if url == URL else f" --url {url}qbwc/")
        )
        write("")
        write("  Demo passwords are public: never load the demo where others can reach the server.")
