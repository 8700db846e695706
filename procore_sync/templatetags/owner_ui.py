"""Template helpers of the owner side's pages."""

from __future__ import annotations

from typing import Any

from django import template

from procore_sync import owner_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def may_read_owner_side(context: template.Context, project: Any) -> bool:
    """`{% may_read_owner_side project as can_owner %}`: whether the user may open the project's prime contract
    page (a reader of the Prime Contract tool, or of Invoicing, who bills the owner)."""
    request = context.get("request")
    return request is not None and owner_selectors.may_read_owner_side(request.user, project)
