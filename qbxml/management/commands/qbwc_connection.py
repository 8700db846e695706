"""python manage.py qbwc_connection create NAME --username U --password P [--company-file PATH] [--default]
python manage.py qbwc_connection list
python manage.py qbwc_connection set-password NAME --password P"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qbxml import services
from qbxml.models import QbConnection
from qbxml.queue.sessions import queue_depth


class Command(BaseCommand):
    help = "Create and list QuickBooks connections (one per company file, each with its Web Connector user)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="a new connection")
        create.add_argument("name")
        create.add_argument("--username", required=True, help="the Web Connector user name")
        create.add_argument("--password", help="the Web Connector password (asked when left out)")
        create.add_argument("--company-file", default="", help="the company file to open; empty: the open one")
        create.add_argument("--default", action="store_true", help="accepted items go to this connection")
        actions.add_parser("list", help="the connections")
        password = actions.add_parser("set-password", help="change a connection's Web Connector password")
        password.add_argument("name")
        password.add_argument("--password")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            password = options["password"] or getpass.getpass("Web Connector password: ")
            try:
                connection = services.connection_create(
                    None,
                    name=options["name"],
                    username=options["username"],
                    password=password,
                    company_file_path=options["company_file"],
                    is_default=True if options["default"] else None,
                )
            except (ValueError, ValidationError) as exc:
                raise CommandError(_message(exc)) from None
            default = " (default)" if connection.is_default else ""
            self.stdout.write(
                f"Created connection {connection.name}{default} for Web Connector user {connection.username}."
            )
            self.stdout.write(f"Download its .qwc file from /qbwc/connections/{connection.pk}/app.qwc")
        elif action == "list":
            for connection in QbConnection.objects.all():
                contact = connection.last_contact_at.isoformat() if connection.last_contact_at else "never"
                self.stdout.write(
                    f"{connection.pk:>3}  {connection.name}{' (default)' if connection.is_default else ''}  "
                    f"user={connection.username}  last contact={contact}  queue={queue_depth(connection)}"
                )
        elif action == "set-password":
            try:
                connection = QbConnection.objects.get(name=options["name"])
            except QbConnection.DoesNotExist:
                raise CommandError(f"No connection named {options['name']!r}.") from None
            password = options["password"] or getpass.getpass("New Web Connector password: ")
            try:
                services.connection_set_password(None, connection, password)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Password of {connection.name} changed.")


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return str(exc)
