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


@register.filter
def duration(value: Any) -> str:
    """A timedelta in words: 15 minutes, 1 hour 30 minutes."""
    try:
        minutes = int(value.total_seconds() // 60)
    except AttributeError:
        return str(value)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.inclusion_tag("_line_field.html")
def line_field(form: forms.BaseForm, name: str, number: Any) -> dict[str, Any]:
    """One control of a line of a formset, labelled with its line for screen readers."""
    bound = form[name]
    return {"field": bound, "label": f"{bound.label}, line {number}"}


@register.filter
def bound_field(form: forms.BaseForm, name: str) -> forms.BoundField:
    return form[name]


EVENT_LABELS = {
    "send": "Sent to accounting",
    "retrieve": "Retrieved by the sender",
    "accept": "Accepted",
    "reject": "Rejected",
    "resend": "Sent again",
    "retry": "Queued again",
    "unlink": "Unlinked from QuickBooks",
    "sync_succeeded": "Synced to QuickBooks",
    "sync_failed": "QuickBooks refused it",
}


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, str(action).replace("_", " ").capitalize())
