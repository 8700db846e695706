"""Importing a project's budget from one of its job's QuickBooks estimates (Standard on ERP Integrations): the page
(choose an estimate, see its preview, import) and the API (`/api/v1/projects/{id}/budget/import-estimate/`, an
action of the projects resource). Thin: `budget_estimate_import` maps, checks, saves and links."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import budget_estimate_import as bei
from erp_integrations import services
from erp_integrations.models import AccountingRecord
from procore_sync import budget_import as bi
from procore_sync.budget_import_api import BudgetImportRequest
from procore_sync.budget_import_views import preview_context
from procore_sync.models import Project

MODES = {mode.value for mode in bi.Mode}


def _mode(value: Any) -> bi.Mode:
    return bi.Mode(value) if value in MODES else bi.Mode.REPLACE


@login_required
@require_http_methods(["GET", "POST"])
def import_budget_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's estimates nothing is tied to; one chosen, its preview (nothing saved); "Import" makes the budget's
    lines from it and ties the budget to it; "Read estimates" asks QuickBooks for them in the next session."""
    permissions.require(request.user, Action.IMPORT_BUDGET)
    project = get_object_or_404(Project, pk=pk)
    actor = signed_in(request.user)
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" and data.get("action") == "read":
        services.read_estimates_of_jobs(actor)
        messages.success(request, "The next Web Connector session reads QuickBooks' estimates.")
        return redirect("erp:import-budget-estimate", pk)
    offered = bei.estimates(project)
    chosen = bei.estimate_offered(project, data["estimate"]) if data.get("estimate") else None
    if data.get("estimate") and chosen is None:
        messages.error(request, "That estimate is no longer offered: it was imported, linked or deleted.")
        return redirect("erp:import-budget-estimate", pk)
    mode = _mode(data.get("mode"))
    context: dict[str, Any] = {"project": project, "estimates": offered, "chosen": chosen, "mode": mode.value}
    context["modes"] = [(choice.value, bi.MODE_LABELS[choice]) for choice in bi.Mode]
    if chosen is None:
        return render(request, "erp/import_budget_estimate.html", context)
    if request.method == "POST":
        if data.get("edit_sequence", "") != chosen.edit_sequence:
            messages.error(request, "The estimate changed in QuickBooks since its preview: look at it again.")
            return redirect(reverse("erp:import-budget-estimate", args=[pk]) + f"?estimate={chosen.pk}&mode={mode}")
        try:
            found = bei.import_estimate(actor, project, chosen, mode)[1]
        except bei.EstimateImportRefused as refused:
            return _render_preview(request, context, refused.found)
        count = len(found.result.rows)
        messages.success(
            request,
            f"Imported {count} line{'' if count == 1 else 's'} from {chosen.full_name} into the budget of {project}; "
            "the budget is tied to that estimate.",
        )
        return redirect(reverse("projects:detail", args=[project.pk]) + "#budget")
    return _render_preview(request, context, bei.preview(actor, project, chosen, mode))


def _render_preview(request: HttpRequest, context: dict[str, Any], found: bei.EstimatePreview) -> HttpResponse:
    context.update(found=found, **preview_context(found.result))
    return render(request, "erp/import_budget_estimate.html", context, status=200 if found.ok else 422)


# --- the API: an action of the projects resource -----------------------------------------------------------------


class EstimateImportRequest(BudgetImportRequest):
    # The CSV import's request, its mode included, with an estimate instead of a file.
    file = None  # type: ignore[assignment]
    estimate = serializers.IntegerField(help_text="The estimate's id, as the GET lists it.")
    dry_run = serializers.BooleanField(default=False, help_text="true: the preview only, nothing saved.")


class OfferedEstimateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountingRecord
        fields = ["id", "external_id", "full_name", "details", "time_modified"]
        read_only_fields = fields


class BudgetEstimateImportActions:
    """`budget/import-estimate/` on the projects resource: GET lists the estimates to import (with `?estimate=id`,
    one's preview); POST imports one into the budget and ties the budget to it (400 with the preview's errors)."""

    @extend_schema(
        operation_id="project_budget_import_estimate",
        methods=["GET"],
        parameters=[
            OpenApiParameter("estimate", int, description="An estimate's id: its preview instead of the list."),
            OpenApiParameter("mode", str, enum=[mode.value for mode in bi.Mode]),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The estimates, or one's preview.")},
    )
    @extend_schema(
        operation_id="project_budget_import_estimate_create",
        methods=["POST"],
        request=EstimateImportRequest,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The preview of a dry run."),
            201: inline_serializer("BudgetFromEstimate", {"budget": serializers.IntegerField()}),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The preview with its errors; nothing saved."),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="budget/import-estimate",
        url_name="budget-import-estimate",
        # The ERP Integrations action decides, not the projects resource's own permissions.
        permission_classes=[IsAuthenticated],
    )
    def budget_import_estimate(self, request: Request, pk: str | None = None) -> Response:
        permissions.require(request.user, Action.IMPORT_BUDGET)
        project = get_object_or_404(Project, pk=pk)
        actor = signed_in(request.user)
        if request.method == "GET":
            if not request.query_params.get("estimate"):
                return Response({"estimates": OfferedEstimateSerializer(bei.estimates(project) or [], many=True).data})
            chosen = self._offered(project, request.query_params.get("estimate"))
            return Response(bei.preview(actor, project, chosen, _mode(request.query_params.get("mode"))).as_dict())
        given = EstimateImportRequest(data=request.data)
        given.is_valid(raise_exception=True)
        chosen = self._offered(project, given.validated_data["estimate"])
        mode = bi.Mode(given.validated_data["mode"])
        if given.validated_data["dry_run"]:
            return Response({"dry_run": True, **bei.preview(actor, project, chosen, mode).as_dict()})
        try:
            budget, found = bei.import_estimate(actor, project, chosen, mode)
        except bei.EstimateImportRefused as refused:
            body = {"detail": f"Nothing was imported: {refused}", "dry_run": False, **refused.found.as_dict()}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"dry_run": False, "budget": budget.pk, "imported": len(found.result.rows), **found.as_dict()},
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _offered(project: Project, estimate_id: Any) -> AccountingRecord:
        chosen = bei.estimate_offered(project, estimate_id)
        if chosen is None:
            raise serializers.ValidationError({"estimate": ["No such estimate of this project's job to import."]})
        return chosen
