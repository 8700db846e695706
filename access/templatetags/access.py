"""Template helpers of access: ask the one permission gate from a page."""

from __future__ import annotations

from typing import Any

from django import template

from access import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, action: str, record: Any = None, object_type: str | None = None) -> bool:
    """`{% can "accept" record as can_accept %}`, `{% can "view" object_type="company" as can_read %}` (any
    record of a company-wide type): asks the one permission gate."""
    request = context.get("request")
    if request is None:
        return False
    return bool(permissions.check(request.user, action, record, object_type=object_type))
