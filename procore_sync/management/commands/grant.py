"""python manage.py grant USER --tool TOOL --level LEVEL [--project NUMBER] [--can-push-to-accounting]"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access import services
from access.tools import Level, Tool
from procore_sync.models import Project


class Command(BaseCommand):
    help = "Grant a user a level on a tool (company-wide, or on one project), and the Can Push to Accounting privilege."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--tool", choices=[tool.value for tool in Tool])
        parser.add_argument("--level", choices=[level.slug for level in Level])
        parser.add_argument("--project", help="Project number; without it the grant is company-wide.")
        push = parser.add_mutually_exclusive_group()
        push.add_argument("--can-push-to-accounting", action="store_true", dest="push")
        push.add_argument("--no-push-to-accounting", action="store_true", dest="no_push")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        if bool(options["tool"]) != bool(options["level"]):
            raise CommandError("--tool and --level go together.")
        if not options["tool"] and not (options["push"] or options["no_push"]):
            raise CommandError("Nothing to grant: give --tool and --level, or --can-push-to-accounting.")
        project = None
        if options["project"]:
            try:
                project = Project.objects.get(number=options["project"])
            except Project.DoesNotExist:
                raise CommandError(f"No project numbered {options['project']!r}.") from None
        if options["tool"]:
            tool, level = Tool(options["tool"]), Level.from_slug(options["level"])
            try:
                services.grant(user, tool, level, project)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            where = f"project {project.number}" if project else "the whole company"
            self.stdout.write(f"{user.get_username()}: {level.label} on {tool.label} for {where}.")
        if options["push"] or options["no_push"]:
            services.set_push_privilege(user, bool(options["push"]))
            state = "may" if options["push"] else "may not"
            self.stdout.write(f"{user.get_username()} {state} push to accounting.")
