"""Template helpers every page shares: money, durations, form fields with their labels and errors."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms, template

register = template.Library()


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
    """job_name → Job name; address_line1 → Address line 1 (a number is a word of its own)."""
    words = re.sub(r"(?<=[A-Za-z])(?=\d)", " ", str(value).replace("_", " "))
    return words.strip().capitalize()


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
