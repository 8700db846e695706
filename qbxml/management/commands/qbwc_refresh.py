"""python manage.py qbwc_refresh --connection NAME [--lists vendors,customers,items,classes,accounts]

Queues the QuickBooks lists to be read in the connection's next Web Connector session."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qbxml import imports
from qbxml.models import QbConnection


class Command(BaseCommand):
    help = "Queue QuickBooks lists (or transactions) to be read back in the connection's next Web Connector session."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True, help="the connection's name")
        parser.add_argument(
            "--lists",
            default=",".join(imports.LISTS),
            help=f"comma-separated, of {', '.join(imports.IMPORTS)} (the lists by default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = QbConnection.objects.get(name=options["connection"])
        except QbConnection.DoesNotExist:
            raise CommandError(f"No connection named {options['connection']!r}: see qbwc_connection list.") from None
        names = [name.strip() for name in options["lists"].split(",") if name.strip()]
        try:
            queued = imports.refresh(None, connection, names)
        except imports.UnknownList as exc:
            raise CommandError(str(exc)) from None
        for run in queued:
            self.stdout.write(f"{run.list_name}: {run.get_status_display().lower()}")
        self.stdout.write(f"The next session of {connection.name} reads them before it sends anything.")
