"""The accountant report's page, its CSV download and its API endpoint (ERP Integrations admins).

Thin: one filter form read from the query string by all three, the rows from `reports`, the one gate.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action
from erp_integrations import reports
from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.templatetags.erp_ui import person_name
from procore_sync.job_cost_api import RENDERERS
from procore_sync.models import Project
from procore_sync.views import csv_response

PAGE_SIZE = 50

CSV_HEADER = [
    "Synced",
    "Type",
    "Item",
    "Project",
    "QuickBooks id",
    "Add or update",
    "Sent by",
    "Sent",
    "Accepted by",
    "Accepted",
    "Amount",
]


def _type_choices() -> list[tuple[str, str]]:
    return [("", "Every type")] + sorted(((slug, spec.label) for slug, spec in EXPORTABLE_TYPES.items()), key=_second)


def _second(choice: tuple[str, str]) -> str:
    return choice[1]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class ReportFilterForm(forms.Form):
    """The report's filters, from a query string: the page, the CSV and the API read them alike."""

    synced_from = forms.DateField(required=False, label="Synced from", widget=forms.DateInput(attrs={"type": "date"}))
    synced_to = forms.DateField(required=False, label="Synced to", widget=forms.DateInput(attrs={"type": "date"}))
    type = forms.ChoiceField(required=False, label="Type", choices=_type_choices)
    project = forms.ModelChoiceField(
        queryset=Project.objects.order_by("number", "name"), required=False, empty_label="Every project"
    )
    person = PersonChoiceField(
        queryset=reports.report_people(), required=False, empty_label="Anyone", label="Sent or accepted by"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The filters sit in a row, each label beside its field: no colon after it.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("synced_from"), data.get("synced_to")
        if start and end and start > end:
            self.add_error("synced_to", "The end of the date range comes before its start.")
        return data

    def filters(self) -> reports.ReportFilters:
        data = self.cleaned_data
        return reports.ReportFilters(
            synced_from=data.get("synced_from"),
            synced_to=data.get("synced_to"),
            object_type=data.get("type") or "",
            project_id=data["project"].pk if data.get("project") else None,
            person_id=data["person"].pk if data.get("person") else None,
        )


def _time(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_rows(rows: Iterable[reports.ReportRow]) -> Iterator[list[Any]]:
    for row in rows:
        yield [
            _time(row.synced_at),
            row.type_label,
            row.label,
            row.project.number if row.project else "",
            row.qb_ref,
            row.kind,
            person_name(row.sent_by),
            _time(row.sent_at),
            person_name(row.accepted_by),
            _time(row.accepted_at),
            "" if row.amount is None else f"{row.amount:.2f}",
        ]


def _csv(filters: reports.ReportFilters) -> StreamingHttpResponse:
    return csv_response("accountant-report.csv", CSV_HEADER, csv_rows(reports.iter_rows(reports.syncs(filters))))


@login_required
@require_GET
def accountant_report(request: HttpRequest) -> HttpResponse:
    """What reached QuickBooks, when, sent and accepted by whom, with its QuickBooks id: filtered, paginated,
    with the counts and amounts per type."""
    permissions.require(request.user, Action.VIEW_ACCOUNTANT_REPORT)
    form = ReportFilterForm(request.GET)
    filters = form.filters() if form.is_valid() else reports.ReportFilters()
    events = reports.syncs(filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "erp/accountant_report.html",
        {
            "form": form,
            "page": page,
            "rows": reports.report_rows(page.object_list),
            "totals": reports.totals_by_type(events),
            "csv_query": query.urlencode(),
        },
    )


@login_required
@require_GET
def accountant_report_csv(request: HttpRequest) -> HttpResponseBase:
    """Every row the page's filters select, not one page, streamed."""
    permissions.require(request.user, Action.VIEW_ACCOUNTANT_REPORT)
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(" ".join(str(e) for errors in form.errors.values() for e in errors), status=400)
    return _csv(form.filters())


# --- the API -------------------------------------------------------------------------------------------------


class ReportRowSerializer(serializers.Serializer):
    synced_at = serializers.DateTimeField()
    object_type = serializers.CharField()
    type_label = serializers.CharField()
    item_label = serializers.CharField(source="label")
    project = serializers.IntegerField(source="project.pk", allow_null=True, default=None)
    project_number = serializers.CharField(source="project.number", allow_null=True, default=None)
    qb_ref = serializers.CharField()
    is_update = serializers.BooleanField()
    sent_by = serializers.IntegerField(source="sent_by.pk", allow_null=True, default=None)
    sent_by_name = serializers.SerializerMethodField()
    sent_at = serializers.DateTimeField(allow_null=True)
    accepted_by = serializers.IntegerField(source="accepted_by.pk", allow_null=True, default=None)
    accepted_by_name = serializers.SerializerMethodField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    def get_sent_by_name(self, row: reports.ReportRow) -> str:
        return person_name(row.sent_by)

    def get_accepted_by_name(self, row: reports.ReportRow) -> str:
        return person_name(row.accepted_by)


class TypeTotalSerializer(serializers.Serializer):
    object_type = serializers.CharField()
    # Not `label`: a serializer is a field, whose `label` is its own.
    type_label = serializers.CharField(source="label")
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class ReportPageSerializer(serializers.Serializer):
    """What the endpoint answers: one page of rows, and the totals of every row the filters select."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportRowSerializer(many=True)
    totals = TypeTotalSerializer(many=True)


FILTER_PARAMETERS = [
    OpenApiParameter("synced_from", OpenApiTypes.DATE, description="Synced on or after this day."),
    OpenApiParameter("synced_to", OpenApiTypes.DATE, description="Synced on or before this day."),
    OpenApiParameter("type", str, description="An object type (e.g. commitment, subcontractor_invoice)."),
    OpenApiParameter("project", int, description="A project id."),
    OpenApiParameter("person", int, description="A user id: who sent or who accepted it."),
    OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every row that matches, as CSV."),
]


class AccountantReportView(APIView):
    """The accountant report (ERP Integrations admins): newest sync first, paginated, with the totals per type
    of everything the filters select; `?format=csv` for every row as CSV."""

    renderer_classes = RENDERERS

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "application/json"): ReportPageSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> Any:
        permissions.require(request.user, Action.VIEW_ACCOUNTANT_REPORT)
        form = ReportFilterForm(_plain(request.query_params))
        if not form.is_valid():
            raise ValidationError({name: [str(error) for error in errors] for name, errors in form.errors.items()})
        filters = form.filters()
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return _csv(filters)
        events = reports.syncs(filters)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events, request, view=self) or []
        response = paginator.get_paginated_response(ReportRowSerializer(reports.report_rows(page), many=True).data)
        response.data["totals"] = TypeTotalSerializer(reports.totals_by_type(events), many=True).data
        return response


def _plain(params: QueryDict) -> QueryDict:
    # `format` is content negotiation's, not a filter.
    params = params.copy()
    params.pop("format", None)
    return params
