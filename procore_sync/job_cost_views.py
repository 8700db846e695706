"""The job cost pages: a project's costs as QuickBooks holds them (per cost code and cost type beside the
budget, with a chart, and every line below, filtered, a page at a time, and as CSV), and the unsyncable direct
costs: the lines QuickBooks charged to a job that could not be placed on a project's cost code, with why.

Thin: reads through selectors, the one gate decides (a missing permission is a 403 page that names it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from access import permissions
from access.permissions import Action
from procore_sync import job_cost_pdf, selectors
from procore_sync import models as ps
from procore_sync.forms import JobCostFilterForm
from procore_sync.money import ZERO
from procore_sync.views import csv_response, pdf_response

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


@dataclass(frozen=True)
class Figure:
    """A column of the job costs report: the row's attribute, its heading, and the drill-down that lists what
    it sums ("actual" is QuickBooks' lines, below the summary; "" for a figure computed from the others)."""

    name: str
    label: str
    drill: str = ""
    budget_only: bool = False  # shown only when the project has a budget


FIGURES = [
    Figure("original_budget", "Original budget", "original_budget", budget_only=True),
    Figure("approved_changes", "Approved changes", "budget", budget_only=True),
    Figure("budget", "Revised budget", "budget", budget_only=True),
    Figure("committed", "Committed", "committed"),
    Figure("billed", "Invoiced", "billed"),
    Figure("paid", "Paid", "paid"),
    Figure("actual_cost", "Actual cost", "actual"),
    Figure("remaining", "Budget − actual", budget_only=True),
    Figure("unbilled", "Committed − invoiced"),
]
SUMMARY_HEADER = [
    "Cost code",
    "Description",
    "Cost type",
    "Sub job",
    *(figure.label for figure in FIGURES),
    "Direct costs",
    "Our invoices in QuickBooks",
    "Percent spent",
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


def _figures(row: selectors.JobCostRow) -> list[str]:
    return [
        *(f"{getattr(row, figure.name):.2f}" for figure in FIGURES),
        f"{row.direct_cost:.2f}",
        f"{row.invoiced_cost:.2f}",
        "" if row.percent_used is None else str(row.percent_used),
        str(row.lines),
    ]


def summary_rows(summary: selectors.JobCostSummary) -> Iterator[list[Any]]:
    """The summary's rows as CSV rows, and its total last."""
    for row in [*summary.rows, summary.total]:
        yield [row.cost_code, row.description, row.cost_type, row.sub_job, *_figures(row)]


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
    """A cost code's bars on the chart: its revised budget, what is committed and its actual cost, as widths in
    the chart's units, below its label."""

    label: str
    title: str
    budget: Any
    committed: Any
    actual: Any
    budget_width: float
    committed_width: float
    actual_width: float
    over_budget: bool
    y: int


CHART_WIDTH = 360  # the chart's width in its units: about a phone's width, so its text reads at 390 px
CHART_ROW = 52  # a cost code's label, its three bars and the gap below them
CHART_CODES = 25  # the cost codes charted, the largest first; the table holds every one


def chart_size(row: selectors.JobCostRow) -> Any:
    return max(row.budget, row.committed, row.actual_cost)


def chart_bars(charted: list[tuple[str, str, selectors.JobCostRow]], *, limit: int = CHART_CODES) -> list[Bar]:
    """The chart of some rows (a label, a title and the row: per cost code, or per project): of the `limit`
    largest by budget, commitments or cost, in their order, the budget, committed and actual cost, scaled to
    the largest of them."""
    largest_first = sorted(charted, key=lambda item: chart_size(item[2]), reverse=True)[:limit]
    kept = {id(row) for _, _, row in largest_first if chart_size(row) > 0}
    shown = [item for item in charted if id(item[2]) in kept]
    largest = max([chart_size(row) for _, _, row in shown] or [ZERO])
    if largest <= 0:
        return []

    def width(value: Any) -> float:
        return round(max(float(value), 0.0) * CHART_WIDTH / float(largest), 1)

    return [
        Bar(
            label=label,
            title=title,
            budget=row.budget,
            committed=row.committed,
            actual=row.actual_cost,
            budget_width=width(row.budget),
            committed_width=width(row.committed),
            actual_width=width(row.actual_cost),
            over_budget=row.on_budget and row.actual_cost > row.budget,
            y=index * CHART_ROW,
        )
        for index, (label, title, row) in enumerate(shown)
    ]


def cost_code_bars(summary: selectors.JobCostSummary) -> list[Bar]:
    return chart_bars(
        [
            (f"{group.cost_code} {group.description}" if group.cost_code else "No cost code", group.description, group)
            for group in summary.cost_codes
        ]
    )


class CountedPaginator(Paginator):
    """A paginator told how many objects its list holds, for a list whose count another query already read."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


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


def _filters_of(request: HttpRequest, prefix: str) -> tuple[JobCostFilterForm, selectors.JobCostFilters]:
    form = JobCostFilterForm(request.GET, auto_id=f"{prefix}-%s")
    form.is_valid()
    return form, form.filters()


@login_required
@require_GET
def project_job_costs(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A project's ERP job costs: per cost code, cost type and sub job, the budget, what is committed, invoiced
    and paid, and QuickBooks' actual cost, with the variances and a chart; QuickBooks' lines below a page at a
    time. `?format=csv` gives every line that matches, `?format=summary-csv` the summary, `?format=pdf` the
    summary as a PDF."""
    project = project_or_404(request.user, pk)
    permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT, project=project)
    form, filters = _filters_of(request, "job-costs")
    rows = selectors.job_costs_of_project(project, filters)
    download = request.GET.get("format")
    if download == "csv":
        return csv_response(f"job-costs-{project.number}.csv", DETAIL_HEADER, detail_rows(rows))
    summary = selectors.job_cost_summary(project, filters)
    if download == "summary-csv":
        return csv_response(f"job-cost-summary-{project.number}.csv", SUMMARY_HEADER, summary_rows(summary))
    if download == "pdf":
        return pdf_response(
            f"job-costs-{project.number}.pdf",
            job_cost_pdf.job_costs_pdf(project, summary, FIGURES, _filter_words(summary, filters)),
        )
    # The summary counted the same lines under the same filters: the list need not count them again.
    page = CountedPaginator(rows, PAGE_SIZE, count=summary.total.lines).get_page(request.GET.get("page"))
    bars = cost_code_bars(summary)
    narrowed = any(getattr(filters, name) is not None for name in ("cost_code", "cost_type", "sub_job"))
    unfiltered = selectors.job_cost_summary(project) if narrowed else summary
    context = {
        "project": project,
        "form": form,
        "choices": selectors.job_cost_choices(unfiltered.rows),
        "summary": summary,
        "figures": [figure for figure in FIGURES if summary.has_budget or not figure.budget_only],
        "bars": bars,
        "charted_all": len(bars) == len([group for group in summary.cost_codes if chart_size(group) > 0]),
        "chart_width": CHART_WIDTH,
        "chart_height": max(len(bars) * CHART_ROW, CHART_ROW),
        "page": page,
        "rows": list(page.object_list),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "csv_query": _query_without(request, "page", "format"),
        "unplaced": selectors.unplaced_costs_count(project),
        "can_see_unplaced": bool(permissions.check(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT, project=project)),
    }
    return render(request, "projects/job_costs.html", context)


def _filter_words(summary: selectors.JobCostSummary, filters: selectors.JobCostFilters) -> str:
    """The filters in words, for a download that must say what it holds."""
    words = [_cell_words(summary, filters)] if summary.rows else []
    if filters.date_from or filters.date_to:
        start = filters.date_from.isoformat() if filters.date_from else "the start"
        end = filters.date_to.isoformat() if filters.date_to else "today"
        words.append(f"from {start} to {end}")
    if filters.vendor:
        words.append(f"vendors matching “{filters.vendor}”")
    if filters.source:
        words.append("QuickBooks' lines: " + ("entered there" if filters.source == "direct" else "our invoices' bills"))
    return "; ".join(word for word in words if word)


DETAIL_TITLES = {
    "original_budget": "Original budget",
    "budget": "Revised budget",
    "committed": "Committed",
    "billed": "Invoiced",
    "paid": "Paid",
}


@login_required
@require_GET
def job_cost_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """What one figure of a project's job costs is made of (`?column=` one of DETAIL_COLUMNS, with the row's
    cost code, cost type and sub job, and the report's filters): the records behind it, each linked to its
    page, with its QuickBooks reference. The actual cost's lines are the report's own list below."""
    project = project_or_404(request.user, pk)
    permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT, project=project)
    form, filters = _filters_of(request, "detail")
    column = request.GET.get("column", "")
    if column == "actual":
        return redirect(f"{reverse('projects:job-costs', args=[project.pk])}?{_query_without(request, 'column')}#lines")
    if column not in selectors.DETAIL_COLUMNS:
        raise Http404("No such figure of the job costs report.")
    detail = selectors.job_cost_detail(project, column, filters)
    summary = selectors.job_cost_summary(project, filters)
    context = {
        "project": project,
        "form": form,
        "detail": detail,
        "title": DETAIL_TITLES[column],
        "figure": getattr(summary.total, column),
        "cut": selectors.DETAIL_LIMIT,
        "where": _cell_words(summary, filters),
        "back_query": _query_without(request, "column", "cost_code", "cost_type", "sub_job"),
    }
    return render(request, "projects/job_cost_detail.html", context)


def _cell_words(summary: selectors.JobCostSummary, filters: selectors.JobCostFilters) -> str:
    """The row drilled into, in words: its cost code, cost type and sub job, as the summary names them."""
    if not summary.rows:
        return ""
    row = summary.rows[0]
    parts = []
    if filters.cost_code is not None:
        parts.append(f"{row.cost_code} {row.description}".strip() if filters.cost_code else "No cost code")
    if filters.cost_type is not None:
        parts.append(row.cost_type or "No cost type")
    if filters.sub_job is not None:
        parts.append(row.sub_job or "The job itself")
    return " · ".join(parts)


COMPANY_HEADER = [
    "Project number",
    "Project",
    *(figure.label for figure in FIGURES),
    "Direct costs",
    "Our invoices in QuickBooks",
    "Percent spent",
    "Lines",
]


def company_rows(company: selectors.CompanyJobCosts) -> Iterator[list[Any]]:
    """The company's job costs as CSV rows: a project each, and the total last."""
    for line in company.projects:
        yield [line.project.number, line.project.name, *_figures(line.costs)]
    yield ["", "Total", *_figures(company.total)]


@dataclass(frozen=True)
class DetailRecord:
    """A record behind a figure, as the API lists it."""

    kind: str
    id: int
    date: Any
    reference: str
    description: str
    vendor: str
    amount: Any


def detail_records(detail: selectors.JobCostDetail) -> list[DetailRecord]:
    """The records of a drill-down, one shape for every kind."""
    records = [
        DetailRecord(
            "budget_line",
            line.pk,
            None,
            "",
            f"{line.cost_code.code} {line.description}".strip(),
            "",
            line.original_amount,
        )
        for line in detail.budget_lines
    ]
    records += [
        DetailRecord(
            "budget_modification_line",
            line.pk,
            line.modification.date,
            f"#{line.modification.number}",
            line.modification.reason,
            "",
            line.amount,
        )
        for line in detail.budget_changes
    ]
    records += [
        DetailRecord(
            "commitment_line",
            line.pk,
            line.commitment.contract_date,
            line.commitment.number,
            f"#{line.line_number} {line.description}".strip(),
            line.commitment.vendor.name,
            line.amount,
        )
        for line in detail.commitment_lines
    ]
    records += [
        DetailRecord(
            "change_order_line",
            line.pk,
            line.change_order.date,
            line.change_order.commitment.number,
            f"Change order {line.change_order.number}: {line.description or line.change_order.title}",
            line.change_order.commitment.vendor.name,
            line.amount,
        )
        for line in detail.change_order_lines
    ]
    records += [
        DetailRecord(
            "invoice_line",
            line.pk,
            line.invoice.invoice_date,
            line.invoice.number,
            f"Invoice {line.invoice.number} on {line.invoice.commitment.number}",
            line.invoice.commitment.vendor.name,
            line.completed_and_stored,
        )
        for line in detail.invoice_lines
    ]
    records += [
        DetailRecord(
            "bill_payment",
            part.payment.pk,
            part.payment.txn_date,
            part.payment.ref_number,
            f"{part.payment.get_method_display()} for invoice {part.payment.invoice.number}",
            part.payment.invoice.commitment.vendor.name,
            part.share,
        )
        for part in detail.payments
        if part.payment.invoice is not None
    ]
    return records


@login_required
@require_GET
def company_job_costs(request: HttpRequest) -> HttpResponseBase:
    """The job costs of every project the user may see the report of (all of them for ERP Integrations
    admins), a line per project with the company's total and a chart; `?format=csv`."""
    allowed = selectors.projects_allowed(request.user, Action.VIEW_JOB_COSTS_REPORT)
    if allowed == []:
        permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT)  # refused, saying what it needs
    form, filters = _filters_of(request, "company-job-costs")
    company = selectors.company_job_costs(allowed, filters)
    if request.GET.get("format") == "csv":
        return csv_response("job-costs-by-project.csv", COMPANY_HEADER, company_rows(company))
    bars = chart_bars(
        [(f"{line.project.number} {line.project.name}", line.project.name, line.costs) for line in company.projects]
    )
    context = {
        "form": form,
        "company": company,
        "figures": FIGURES,
        "bars": bars,
        "chart_width": CHART_WIDTH,
        "chart_height": max(len(bars) * CHART_ROW, CHART_ROW),
        "everyone": allowed is None,
        "filtered": any(request.GET.get(name) for name in form.fields),
        "csv_query": _query_without(request, "page", "format"),
    }
    return render(request, "projects/company_job_costs.html", context)


@login_required
@require_GET
def unplaced_costs(request: HttpRequest) -> HttpResponseBase:
    """The unsyncable direct costs the user may see, filtered, a page at a time; `?format=csv` gives them all."""
    allowed = selectors.projects_allowed(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
    if allowed == []:
        permissions.require(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)  # refused, saying what it needs
    form, filters = _filters_of(request, "unplaced")
    rows = selectors.unplaced_costs(allowed, filters)
    if request.GET.get("format") == "csv":
        return csv_response("unsyncable-direct-costs.csv", UNPLACED_HEADER, unplaced_rows(rows))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    projects = ps.Project.objects.all() if allowed is None else ps.Project.objects.filter(pk__in=allowed)
    context = {
        "form": form,
        "page": page,
        "rows": [(row, selectors.unplaced_reason_of(row.unplaced_reason)) for row in page.object_list],
        "groups": selectors.unplaced_groups(allowed, replace(filters, reason="")),
        "reason_query": _query_without(request, "page", "format", "reason"),
        "projects": list(projects.order_by("number")),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "csv_query": _query_without(request, "page", "format"),
    }
    return render(request, "projects/unplaced_costs.html", context)
