"""The job cost pages: a project's costs as QuickBooks holds them (per cost code and cost type beside the
budget, with a chart, and every line below, filtered, a page at a time, and as CSV), and the unsyncable direct
costs: the lines QuickBooks charged to a job that could not be placed on a project's cost code, with why.

Thin: reads through selectors, the one gate decides (a missing permission is a 403 page that names it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from access import permissions
from access.permissions import Action
from procore_sync import models as ps
from procore_sync import selectors
from procore_sync.forms import JobCostFilterForm
from procore_sync.money import ZERO
from procore_sync.views import csv_response

PAGE_SIZE = 50
SOURCES = {False: "QuickBooks", True: "Our invoice"}

DETAIL_HEADER = [
    "Date",
    "Type",
    "Number",
    "Vendor",
    "Cost code",
    "Cost type",
    "Sub job",
    "Source",
    "Memo",
    "Amount",
    "QuickBooks customer:job",
    "QuickBooks item",
    "QuickBooks account",
    "TxnID",
    "TxnLineID",
]
SUMMARY_HEADER = [
    "Cost code",
    "Description",
    "Cost type",
    "Sub job",
    "Original budget",
    "Budget",
    "Direct costs",
    "Our invoices",
    "Actual cost",
    "Remaining",
    "Lines",
]
UNPLACED_HEADER = [
    "Date",
    "Type",
    "Number",
    "Vendor",
    "Project",
    "QuickBooks customer:job",
    "QuickBooks item",
    "QuickBooks account",
    "Memo",
    "Amount",
    "Why it is not placed",
    "TxnID",
    "TxnLineID",
]


def detail_rows(rows: Iterable[ps.JobCostTransaction]) -> Iterator[list[Any]]:
    """A project's job cost lines as CSV rows (the API's CSV is the same)."""
    for row in rows:
        yield [
            row.txn_date.isoformat(),
            row.txn_type,
            row.ref_number,
            row.vendor_name,
            row.cost_code.code if row.cost_code else "",
            row.cost_type.name if row.cost_type else "",
            row.sub_job.path if row.sub_job else "",
            SOURCES[row.from_synced_invoice],
            row.memo,
            f"{row.amount:.2f}",
            row.customer_full_name,
            row.item_full_name,
            row.account_full_name,
            row.qb_txn_id,
            row.qb_txn_line_id,
        ]


def summary_rows(summary: selectors.JobCostSummary) -> Iterator[list[Any]]:
    """The summary's rows as CSV rows, and its total last."""
    for row in [*summary.rows, summary.total]:
        yield [
            row.cost_code,
            row.description,
            row.cost_type,
            row.sub_job,
            f"{row.original_budget:.2f}",
            f"{row.budget:.2f}",
            f"{row.direct_cost:.2f}",
            f"{row.invoiced_cost:.2f}",
            f"{row.actual_cost:.2f}",
            f"{row.remaining:.2f}",
            row.lines,
        ]


def unplaced_rows(rows: Iterable[ps.JobCostTransaction]) -> Iterator[list[Any]]:
    for row in rows:
        yield [
            row.txn_date.isoformat(),
            row.txn_type,
            row.ref_number,
            row.vendor_name,
            str(row.project) if row.project else "",
            row.customer_full_name,
            row.item_full_name,
            row.account_full_name,
            row.memo,
            f"{row.amount:.2f}",
            row.unplaced_reason,
            row.qb_txn_id,
            row.qb_txn_line_id,
        ]


@dataclass(frozen=True)
class Bar:
    """A cost code's two bars of the chart: its budget and its actual cost, as widths in the chart's units."""

    label: str
    title: str
    budget: Any
    actual: Any
    budget_width: float
    actual_width: float
    over_budget: bool
    y: int


CHART_ROW = 34  # the height of a cost code's two bars and their gap, in the chart's units
CHART_BARS = 500  # the width the largest bar takes, right of the labels


def chart_bars(summary: selectors.JobCostSummary) -> list[Bar]:
    """The chart of the summary: per cost code, its budget and actual cost, scaled to the largest of them."""
    groups = summary.cost_codes
    largest = max([max(group.budget, group.actual_cost) for group in groups] or [ZERO])
    if largest <= 0:
        return []

    def width(value: Any) -> float:
        return round(max(float(value), 0.0) * CHART_BARS / float(largest), 1)

    return [
        Bar(
            label=group.cost_code or "No cost code",
            title=group.description,
            budget=group.budget,
            actual=group.actual_cost,
            budget_width=width(group.budget),
            actual_width=width(group.actual_cost),
            over_budget=group.on_budget and group.actual_cost > group.budget,
            y=index * CHART_ROW,
        )
        for index, group in enumerate(groups)
    ]


def project_or_404(user: Any, pk: int) -> ps.Project:
    try:
        return selectors.records_for(user, ps.Project).get(pk=pk)
    except ps.Project.DoesNotExist:
        raise Http404("No such project, or you cannot see it.") from None


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_GET
def project_job_costs(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A project's job costs: the summary beside the budget with its chart, the lines below a page at a
    time; `?format=csv` gives every line that matches, `?format=summary-csv` the summary."""
    project = project_or_404(request.user, pk)
    permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT, project=project)
    form = JobCostFilterForm(request.GET, auto_id="job-costs-%s")
    form.is_valid()
    filters = form.filters()
    rows = selectors.job_costs_of_project(project, filters)
    download = request.GET.get("format")
    if download == "csv":
        return csv_response(f"job-costs-{project.number}.csv", DETAIL_HEADER, detail_rows(rows))
    summary = selectors.job_cost_summary(project, filters)
    if download == "summary-csv":
        return csv_response(f"job-cost-summary-{project.number}.csv", SUMMARY_HEADER, summary_rows(summary))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    bars = chart_bars(summary)
    context = {
        "project": project,
        "form": form,
        "choices": selectors.job_cost_choices(project),
        "summary": summary,
        "bars": bars,
        "chart_height": max(len(bars) * CHART_ROW, CHART_ROW),
        "page": page,
        "rows": list(page.object_list),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "csv_query": _query_without(request, "page", "format"),
        "unplaced": selectors.unplaced_costs_count(project),
        "can_see_unplaced": bool(permissions.check(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT, project=project)),
    }
    return render(request, "projects/job_costs.html", context)


@login_required
@require_GET
def unplaced_costs(request: HttpRequest) -> HttpResponseBase:
    """The unsyncable direct costs the user may see, filtered, a page at a time; `?format=csv` gives them all."""
    allowed = selectors.projects_allowed(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
    if allowed == []:
        permissions.require(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)  # refused, saying what it needs
    form = JobCostFilterForm(request.GET, auto_id="unplaced-%s")
    form.is_valid()
    rows = selectors.unplaced_costs(allowed, form.filters())
    if request.GET.get("format") == "csv":
        return csv_response("unsyncable-direct-costs.csv", UNPLACED_HEADER, unplaced_rows(rows))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    projects = ps.Project.objects.all() if allowed is None else ps.Project.objects.filter(pk__in=allowed)
    context = {
        "form": form,
        "page": page,
        "rows": list(page.object_list),
        "projects": list(projects.order_by("number")),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "csv_query": _query_without(request, "page", "format"),
    }
    return render(request, "projects/unplaced_costs.html", context)
