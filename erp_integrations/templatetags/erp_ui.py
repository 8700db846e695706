"""Template helpers shared by every page: state badges, money, permission questions, form fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms, template
from django.utils.html import format_html

from erp_integrations import permissions
from erp_integrations.models import ErpState

register = template.Library()

STATE_LABELS = dict(ErpState.choices)


@register.simple_tag
def state_badge(state: str | None) -> str:
    """The item's state as a coloured badge whose text says the state (colour is never the only cue)."""
    state = state or ErpState.DRAFT
    return format_html(
        '<span class="badge badge--{}">{}</span>', state, STATE_LABELS.get(state, str(state).capitalize())
    )


@register.simple_tag(takes_context=True)
def erp_can(context: template.Context, action: str, record: Any = None) -> bool:
    """`{% erp_can "accept" record as can_accept %}`: asks the one permission gate."""
    request = context.get("request")
    if request is None:
        return False
    return bool(permissions.check(request.user, action, record))


@register.filter
def money(value: Any) -> str:
    """12345.5 → 12,345.50; empty stays empty."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def humanize_key(value: str) -> str:
    """job_name → Job name."""
    return str(value).replace("_", " ").strip().capitalize()


@register.inclusion_tag("_field.html")
def field(bound_field: forms.BoundField, label: str | None = None, hide_label: bool = False) -> dict[str, Any]:
    """One labelled form control with its help text and errors, tied together for screen readers."""
    return {"field": bound_field, "label": label or bound_field.label, "hide_label": hide_label}
