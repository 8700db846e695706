"""The job costs report's cells: each figure's value, linked to the page listing what it is made of.

A project's report has a row per cost code, cost type and sub job (hundreds of them) and a dozen figures a
row: the cells of a row are written here at once, in Python, rather than by a template loop per cell, so
that the page's time stays that of its queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from procore_sync.templatetags.ui import money

register = template.Library()


def _key(value: int | None) -> str:
    return "none" if value is None else str(value)


def drill_query(row: Any, query: str, scope: str) -> QueryDict:
    """The report's filters (`query`) narrowed to the row: `scope` "row" to its cost code, cost type and sub
    job; "code" to its cost code (a cost code's subtotal); "total" not at all."""
    narrowed = QueryDict(query, mutable=True)
    if scope in ("row", "code"):
        narrowed["cost_code"] = _key(row.cost_code_id)
    if scope == "row":
        narrowed["cost_type"] = _key(row.cost_type_id)
        narrowed["sub_job"] = _key(row.sub_job_id)
    return narrowed


def drill_href(drill: str, escaped_query: str) -> str:
    """Where a figure leads, relative to the report's page, as an HTML attribute's value, for a row's query
    (encoded and escaped): the records behind it, or for the actual cost QuickBooks' lines below the summary."""
    if drill == "actual":
        return f"?{escaped_query}#lines"
    return f"detail/?{escaped_query}&amp;column={drill}"


@register.simple_tag
def figure_of(row: Any, name: str) -> Any:
    return getattr(row, name)


@register.simple_tag(takes_context=True)
def figure_cells(context: template.Context, row: Any, scope: str = "row") -> SafeString:
    """A row's cells: for a row of the summary its cost type and sub job; a figure each (of the context's
    `figures`), linked to what it is made of when it is a sum of records; then the percent spent when the
    project has a budget. The names are escaped, the row's query encoded and escaped once; the figures are
    digits and the attribute names ours."""
    query = escape(drill_query(row, context.get("csv_query") or "", scope).urlencode())
    cells = []
    if scope == "row":
        cells += [f"<td>{escape(row.cost_type or '—')}</td>", f"<td>{escape(row.sub_job or '—')}</td>"]
    for figure in context["figures"]:
        value = getattr(row, figure.name)
        if figure.budget_only and scope == "row" and not row.on_budget and figure.drill:
            cells.append(f'<td class="num" data-figure="{figure.name}"><span class="muted">not budgeted</span></td>')
        elif figure.drill:
            url = drill_href(figure.drill, query)
            link = f'<a href="{url}" class="figure-link">{money(value)}</a>'
            cells.append(f'<td class="num" data-figure="{figure.name}">{link}</td>')
        else:
            css = "num text-danger" if value < 0 else "num"
            cells.append(f'<td class="{css}" data-figure="{figure.name}">{money(value)}</td>')
    if context["summary"].has_budget:
        cells.append(f'<td class="num">{"—" if row.percent_used is None else f"{row.percent_used}%"}</td>')
    return mark_safe("".join(cells))  # noqa: S308 - built of escaped and known parts, as the docstring says
