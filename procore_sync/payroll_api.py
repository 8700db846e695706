"""REST API of payroll time: employees and time entries, with the workflow's fields and steps as every record
that goes to QuickBooks (`erp_integrations.api.with_workflow`, applied where the routes are registered).
Thin: the generic record view set writes through `save_record`; the filters are read here."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from access.tools import Tool
from procore_sync import models as ps
from procore_sync import payroll
from procore_sync.api import (
    _LIST_FILTERS,
    RECORD_FIELDS,
    RecordViewSet,
    SubJobField,
    VisibleRelatedField,
    _projects_for,
)


class EmployeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.Employee
        fields = ["id", "name", "is_active", "default_payroll_item", *RECORD_FIELDS]
        read_only_fields = ["created_at", "updated_at"]


class TimeEntrySerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(scope=_projects_for(Tool.TIMESHEETS))
    sub_job = SubJobField(help_text="A sub job of the entry's project; null for the project's job itself.")
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, help_text="More than 0, at most 24, in steps of 0.05 (3 minutes)."
    )
    payroll_item = serializers.CharField(
        max_length=31,
        required=False,
        allow_blank=True,
        help_text="The QuickBooks wage payroll item; empty takes the employee's default.",
    )
    payroll_export: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The payroll IIF file the entry is in, once exported."
    )

    class Meta:
        model = ps.TimeEntry
        fields = [
            "id",
            *payroll.ENTERED_FIELDS,
            "exported_to_iif_at",
            "payroll_export",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["exported_to_iif_at", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        employee = attrs.get("employee") or getattr(self.instance, "employee", None)
        if not (attrs.get("payroll_item") or getattr(self.instance, "payroll_item", "")) and employee is not None:
            # An entry that names no payroll item is paid on the employee's usual one.
            attrs["payroll_item"] = employee.default_payroll_item
        return attrs


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        raise serializers.ValidationError({"date": f"{value} is not a date (YYYY-MM-DD)."}) from None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *_LIST_FILTERS,
            OpenApiParameter("employee", int, description="Only this employee's entries (id)."),
            OpenApiParameter("date_from", datetime.date, description="Only entries on or after this day."),
            OpenApiParameter("date_to", datetime.date, description="Only entries on or before this day."),
            OpenApiParameter("exported", bool, description="true: only entries in a payroll file; false: the others."),
        ]
    )
)
class TimeEntryViewSet(RecordViewSet):
    """Time entries: hours an employee worked on a project (or sub job), cost code and cost type, paid on a
    payroll item. Each goes to QuickBooks payroll through the workflow (send, accept...)."""

    model = ps.TimeEntry
    serializer_class = TimeEntrySerializer
    queryset = ps.TimeEntry.objects.none()
    parent_fields = ("project",)

    def get_queryset(self) -> QuerySet[ps.TimeEntry]:
        entries: QuerySet[ps.TimeEntry] = super().get_queryset()
        params = self.request.query_params
        if params.get("employee"):
            entries = entries.filter(employee_id=params["employee"] if params["employee"].isdigit() else -1)
        if (start := _date(params.get("date_from"))) is not None:
            entries = entries.filter(date__gte=start)
        if (end := _date(params.get("date_to"))) is not None:
            entries = entries.filter(date__lte=end)
        if params.get("exported") in ("true", "false"):
            entries = entries.filter(payroll_export__isnull=params["exported"] == "false")
        return entries


class EmployeeViewSet(RecordViewSet):
    """Employees whose hours go to QuickBooks payroll, by the name QuickBooks holds them under."""

    model = ps.Employee
    serializer_class = EmployeeSerializer
    queryset = ps.Employee.objects.none()


# The resources: URL prefix, view set, route name (registered with the others, workflow included).
ROUTES: list[tuple[str, type[RecordViewSet], str]] = [
    ("time-entries", TimeEntryViewSet, "time-entry"),
    ("employees", EmployeeViewSet, "employee"),
]
