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


def drill_query(row: Any, bases: dict[str, str], scope: str) -> str:
    """The report's filters narrowed to the row, encoded: `scope` "row" to its cost code, cost type and sub
    job; "code" to its cost code (a cost code's subtotal, within the report's cost type and sub job); "total"
    the report's own. `bases`: the report's other filters per scope (`_bases`). The keys added are ids or
    "none": nothing to quote."""
    keys = []
    if scope in ("row", "code"):
        keys.append(f"cost_code={_key(row.cost_code_id)}")
    if scope == "row":
        keys += [f"cost_type={_key(row.cost_type_id)}", f"sub_job={_key(row.sub_job_id)}"]
    return "&".join(part for part in (bases[scope], *keys) if part)


# What each scope sets of the report's own filters.
SCOPE_KEYS = {"row": ("cost_code", "cost_type", "sub_job"), "code": ("cost_code",), "total": ()}


def _bases(context: template.Context) -> dict[str, str]:
    """The report's query without the filters each scope sets, encoded once a page (a row's cells ask for it
    hundreds of times)."""
    cache = context.render_context
    if "job_costs_bases" not in cache:
        query = context.get("csv_query") or ""
        bases = {}
        for scope, names in SCOPE_KEYS.items():
            others = QueryDict(query, mutable=True)
            for name in names:
                others.pop(name, None)
            bases[scope] = others.urlencode()
        cache["job_costs_bases"] = bases
    return cache["job_costs_bases"]


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
    query = escape(drill_query(row, _bases(context), scope))
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
