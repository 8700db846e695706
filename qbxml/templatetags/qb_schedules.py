"""The sync schedule's section of the ERP settings page, drawn by the connector itself: the settings page
belongs to the workflow, which knows nothing of QuickBooks connections."""

from __future__ import annotations

from typing import Any

from django import template

from access import permissions
from qbxml import imports, schedules
from qbxml.forms import ScheduleForm
from qbxml.models import QbConnection

register = template.Library()


def can_refresh(user: Any, subject: schedules.Subject) -> bool:
    return all(permissions.check(user, imports.IMPORTS[name].refresh) for name in subject.imports)


@register.inclusion_tag("qbxml/_sync_schedules.html", takes_context=True)
def sync_schedules(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    sections = []
    for connection in QbConnection.objects.order_by("-is_default", "name"):
        rows = schedules.schedule_of(connection)
        form = ScheduleForm(initial=ScheduleForm.initial_from(connection, rows), connection=connection)
        sections.append(
            {
                "connection": connection,
                "form": form,
                "rows": [(row, can_refresh(request.user, row.subject), form.every_field(row.name)) for row in rows],
                "window": schedules.quiet_window(connection),
            }
        )
    return {"request": request, "csrf_token": context.get("csrf_token"), "sections": sections}
