"""The job costs report's cells: each figure's value and the page listing what it is made of."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


def _key(value: int | None) -> str:
    return "none" if value is None else str(value)


@register.simple_tag
def figure_of(row: Any, name: str) -> Any:
    return getattr(row, name)


@register.simple_tag
def drill_url(project_pk: int, drill: str, row: Any, query: str, scope: str = "row") -> str:
    """Where a figure's cell leads: the records behind `drill` for the row (`scope` "row": its cost code, cost
    type and sub job; "code": the cost code's subtotal; "total": the project's), within the report's filters
    (`query`). The actual cost leads to QuickBooks' lines on the report's page."""
    narrowed = QueryDict(query, mutable=True)
    if scope in ("row", "code"):
        narrowed["cost_code"] = _key(row.cost_code_id)
    if scope == "row":
        narrowed["cost_type"] = _key(row.cost_type_id)
        narrowed["sub_job"] = _key(row.sub_job_id)
    if drill == "actual":
        return f"{reverse('projects:job-costs', args=[project_pk])}?{narrowed.urlencode()}#lines"
    narrowed["column"] = drill
    return f"{reverse('projects:job-cost-detail', args=[project_pk])}?{narrowed.urlencode()}"
