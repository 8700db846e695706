"""REST API of the job costs QuickBooks sends back: a project's lines (filtered, paginated) and its summary per
cost code, cost type and sub job beside the budget; the unsyncable direct costs. Each list is CSV too
(`?format=csv`, or `Accept: text/csv`). Thin: selectors read, the one gate decides."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action
from procore_sync import job_cost_views, selectors
from procore_sync import models as ps
from procore_sync.forms import JobCostFilterForm
from procore_sync.views import csv_response


class CsvRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` through content negotiation: the views answer it with `csv_response` themselves.
    What reaches this renderer is an error, written as one CSV cell."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        return f'detail\r\n"{str(detail).replace(chr(34), chr(34) * 2)}"\r\n'.encode()


RENDERERS = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer]

FILTERS = [
    OpenApiParameter("cost_code", str, description='A cost code id, or "none" for the lines with no cost code.'),
    OpenApiParameter("cost_type", str, description='A cost type id, or "none".'),
    OpenApiParameter("sub_job", str, description='A sub job id, or "none" for the job itself.'),
    OpenApiParameter("vendor", str, description="Part of the vendor's name."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Lines dated on or after it."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Lines dated on or before it."),
    OpenApiParameter(
        "source", str, enum=["direct", "invoices"], description="Entered in QuickBooks, or our invoices' bills."
    ),
    OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every line that matches, as CSV."),
]
UNPLACED_FILTERS = [
    OpenApiParameter("project", int, description="Only the lines of this project (id)."),
    OpenApiParameter(
        "reason",
        str,
        enum=list(selectors.UNPLACED_REASONS),
        description="Only the lines of this reason: a job linked to no project, a job not read yet, an item that "
        "is no cost code, a cost code item on no job.",
    ),
    OpenApiParameter("q", str, description="Part of the customer:job, item, account or memo."),
    *[parameter for parameter in FILTERS if parameter.name in ("vendor", "date_from", "date_to", "format")],
]


def _filters(request: Request) -> selectors.JobCostFilters:
    form = JobCostFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: [str(error) for error in errors] for name, errors in form.errors.items()})
    return form.filters()


def _project(request: Request, pk: int) -> ps.Project:
    """The project, if the user may see it (else 404) and its job costs report (else 403)."""
    project = get_object_or_404(selectors.records_for(request.user, ps.Project), pk=pk)
    permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT, project=project)
    return project


def _wants_csv(request: Request) -> bool:
    return getattr(request.accepted_renderer, "format", "") == "csv"


class JobCostSerializer(serializers.ModelSerializer):
    cost_code_code = serializers.CharField(source="cost_code.code", allow_null=True, read_only=True)
    cost_type_name = serializers.CharField(source="cost_type.name", allow_null=True, read_only=True)
    sub_job_path = serializers.CharField(source="sub_job.path", allow_null=True, read_only=True)

    class Meta:
        model = ps.JobCostTransaction
        fields = [
            "id",
            "qb_txn_id",
            "qb_txn_line_id",
            "txn_type",
            "txn_date",
            "ref_number",
            "project",
            "sub_job",
            "sub_job_path",
            "cost_code",
            "cost_code_code",
            "cost_type",
            "cost_type_name",
            "vendor_name",
            "customer_full_name",
            "item_full_name",
            "account_full_name",
            "amount",
            "memo",
            "from_synced_invoice",
            "unplaced_reason",
        ]
        read_only_fields = fields


class ProjectJobCostsView(generics.ListAPIView):
    """A project's job cost lines from QuickBooks, newest first (the bills of our own invoices among them,
    `from_synced_invoice`): for ERP Integrations admins, and Reports readers who are Budget or Prime Contract
    admins on the project."""

    serializer_class = JobCostSerializer
    queryset = ps.JobCostTransaction.objects.none()
    renderer_classes = RENDERERS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.job_costs_of_project(_project(self.request, self.kwargs["pk"]), _filters(self.request))

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if _wants_csv(request):
            project = _project(request, kwargs["pk"])
            rows = selectors.job_costs_of_project(project, _filters(request))
            return csv_response(
                f"job-costs-{project.number}.csv", job_cost_views.DETAIL_HEADER, job_cost_views.detail_rows(rows)
            )
        return super().get(request, *args, **kwargs)


def _money_field(help_text: str = "") -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=15, decimal_places=2, help_text=help_text)


class TotalSerializer(serializers.Serializer):
    """The report's figures of a row, a cost code, a project or the company."""

    original_budget = _money_field()
    approved_changes = _money_field("The budget modifications.")
    budget = _money_field("Revised: the original plus the modifications.")
    committed = _money_field("Commitments in force (approved, complete, terminated) and their approved change orders.")
    billed = _money_field("Subcontractor invoices submitted: work completed and materials stored.")
    paid = _money_field("QuickBooks' bill payments of those invoices, shared over their lines.")
    direct_cost = _money_field("Entered in QuickBooks.")
    invoiced_cost = _money_field("The bills of our own synced invoices, as QuickBooks holds them.")
    actual_cost = _money_field("QuickBooks' actual cost: direct costs and our invoices' bills.")
    remaining = _money_field("Revised budget less actual cost.")
    unbilled = _money_field("Committed less invoiced.")
    percent_used = serializers.IntegerField(allow_null=True, help_text="Actual cost as a percent of the budget.")
    lines = serializers.IntegerField(help_text="QuickBooks' lines counted.")


class JobCostRowSerializer(TotalSerializer):
    cost_code = serializers.IntegerField(source="cost_code_id", allow_null=True)
    cost_code_code = serializers.CharField(source="cost_code")
    description = serializers.CharField()
    cost_type = serializers.IntegerField(source="cost_type_id", allow_null=True)
    cost_type_name = serializers.CharField(source="cost_type")
    sub_job = serializers.IntegerField(source="sub_job_id", allow_null=True)
    sub_job_path = serializers.CharField(source="sub_job")
    on_budget = serializers.BooleanField(help_text="Whether the budget has this line.")


class CostCodeTotalSerializer(TotalSerializer):
    cost_code = serializers.IntegerField(source="cost_code_id", allow_null=True)
    cost_code_code = serializers.CharField(source="cost_code")
    description = serializers.CharField()


class JobCostSummarySerializer(serializers.Serializer):
    project = serializers.IntegerField()
    has_budget = serializers.BooleanField()
    rows = JobCostRowSerializer(many=True, help_text="Per cost code, cost type and sub job.")
    cost_codes = CostCodeTotalSerializer(many=True, help_text="Per cost code.")
    total = TotalSerializer()


class ProjectJobCostSummaryView(APIView):
    """A project's job costs per cost code, cost type and sub job, summed by the database, beside the budget's
    line amounts, with totals per cost code and for the project. Not paginated: a row per budget line or
    cost code and cost type charged."""

    renderer_classes = RENDERERS

    @extend_schema(parameters=FILTERS, responses=JobCostSummarySerializer)
    def get(self, request: Request, pk: int) -> Any:
        project = _project(request, pk)
        summary = selectors.job_cost_summary(project, _filters(request))
        if _wants_csv(request):
            return csv_response(
                f"job-cost-summary-{project.number}.csv",
                job_cost_views.SUMMARY_HEADER,
                job_cost_views.summary_rows(summary),
            )
        data = {
            "project": project.pk,
            "has_budget": summary.has_budget,
            "rows": summary.rows,
            "cost_codes": summary.cost_codes,
            "total": summary.total,
        }
        return Response(JobCostSummarySerializer(data).data)


class ProjectTotalSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_number = serializers.CharField(source="project.number")
    project_name = serializers.CharField(source="project.name")
    costs = TotalSerializer(help_text="The project's figures, as its own summary totals them.")


class CompanyJobCostsSerializer(serializers.Serializer):
    projects = ProjectTotalSerializer(many=True)
    total = TotalSerializer()


class CompanyJobCostsView(APIView):
    """The job costs of every project the user may see the report of (every project for ERP Integrations
    admins), a line per project, with the company's total: the same figures as each project's summary."""

    renderer_classes = RENDERERS

    @extend_schema(
        parameters=[p for p in FILTERS if p.name in ("vendor", "date_from", "date_to", "format")],
        responses=CompanyJobCostsSerializer,
    )
    def get(self, request: Request) -> Any:
        allowed = selectors.projects_allowed(request.user, Action.VIEW_JOB_COSTS_REPORT)
        if allowed == []:
            permissions.require(request.user, Action.VIEW_JOB_COSTS_REPORT)
        company = selectors.company_job_costs(allowed, _filters(request))
        if _wants_csv(request):
            return csv_response(
                "job-costs-by-project.csv", job_cost_views.COMPANY_HEADER, job_cost_views.company_rows(company)
            )
        data = {"projects": company.projects, "total": company.total}
        return Response(CompanyJobCostsSerializer(data).data)


class DetailRecordSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="budget_line, budget_modification_line, commitment_line, ...")
    id = serializers.IntegerField()
    date = serializers.DateField(allow_null=True)
    reference = serializers.CharField(help_text="QuickBooks' RefNumber: the commitment, invoice or check number.")
    description = serializers.CharField()
    vendor = serializers.CharField()
    amount = _money_field("What it adds to the figure.")


class JobCostDetailSerializer(serializers.Serializer):
    column = serializers.CharField()
    records = DetailRecordSerializer(many=True)
    listed_total = _money_field("What the records listed add up to (the figure, unless the list was cut).")


class ProjectJobCostDetailView(APIView):
    """The records behind one figure of a project's job costs: `column` (original_budget, budget, committed,
    billed or paid) with the row's cost code, cost type and sub job as filters; QuickBooks' own lines are
    `projects/{id}/job-costs/`."""

    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("column", str, enum=list(selectors.DETAIL_COLUMNS), required=True),
            *[p for p in FILTERS if p.name != "format" and p.name != "source"],
        ],
        responses=JobCostDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Any:
        project = _project(request, pk)
        column = request.query_params.get("column", "")
        if column not in selectors.DETAIL_COLUMNS:
            raise ValidationError({"column": [f"One of {', '.join(selectors.DETAIL_COLUMNS)}."]})
        detail = selectors.job_cost_detail(project, column, _filters(request))
        data = {"column": column, "records": job_cost_views.detail_records(detail), "listed_total": detail.listed_total}
        return Response(JobCostDetailSerializer(data).data)


class UnplacedGroupSerializer(serializers.Serializer):
    reason = serializers.CharField(source="reason.kind", default="", help_text="Empty for a reason of no known kind.")
    title = serializers.CharField(source="reason.title", default="Another reason")
    fix = serializers.CharField(source="reason.fix", default="")
    lines = serializers.IntegerField()
    amount = _money_field()
    first = serializers.DateField()
    last = serializers.DateField()


class UnplacedReasonsView(APIView):
    """The unsyncable direct costs grouped by why they could not be placed, each with how to fix it; the lines
    of one reason are `erp/unplaced-costs/?reason=`."""

    @extend_schema(parameters=UNPLACED_FILTERS[:-1], responses=UnplacedGroupSerializer(many=True))
    def get(self, request: Request) -> Any:
        allowed = selectors.projects_allowed(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
        if allowed == []:
            permissions.require(request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
        groups = selectors.unplaced_groups(allowed, _filters(request))
        return Response(UnplacedGroupSerializer(groups, many=True).data)


class UnplacedCostsView(generics.ListAPIView):
    """The unsyncable direct costs: lines QuickBooks charged to a job that could not be placed on a project's
    cost code, with why, newest first. For Reports readers who are Budget or Prime Contract admins: those on
    no project company-wide, a project's on that project."""

    serializer_class = JobCostSerializer
    queryset = ps.JobCostTransaction.objects.none()
    renderer_classes = RENDERERS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        allowed = selectors.projects_allowed(self.request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
        if allowed == []:
            permissions.require(self.request.user, Action.VIEW_UNSYNCABLE_COSTS_REPORT)
        return selectors.unplaced_costs(allowed, _filters(self.request))

    @extend_schema(parameters=UNPLACED_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if _wants_csv(request):
            return csv_response(
                "unsyncable-direct-costs.csv",
                job_cost_views.UNPLACED_HEADER,
                job_cost_views.unplaced_rows(self.get_queryset()),
            )
        return super().get(request, *args, **kwargs)
