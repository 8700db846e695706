"""Importing a project's prime contract from one of its job's QuickBooks estimates (Standard on ERP
Integrations): the page and the API. Thin: the selector lists the estimates, the services read and import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import selectors, services
from erp_integrations.errors import WorkflowError
from erp_integrations.models import AccountingRecord
from procore_sync.models import Project


def _estimate(project: Project, estimate_id: Any) -> AccountingRecord | None:
    offered = selectors.estimates_to_import(project) or []
    return next((estimate for estimate in offered if str(estimate.pk) == str(estimate_id)), None)


@login_required
@require_http_methods(["GET", "POST"])
def import_prime_contract(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's estimates nothing is linked to, each with its lines; "Read estimates" asks QuickBooks for
    them in the next session; "Import" makes the prime contract from one and links it to it."""
    permissions.require(request.user, Action.IMPORT_PRIME_CONTRACT)
    project = get_object_or_404(Project, pk=pk)
    actor = signed_in(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "read":
            services.read_estimates_of_jobs(actor)
            messages.success(request, "The next Web Connector session reads QuickBooks' estimates.")
            return redirect("erp:import-prime-contract", pk)
        estimate = _estimate(project, request.POST.get("estimate"))
        if estimate is None:
            messages.error(request, "That estimate is no longer offered: it was imported, linked or deleted.")
            return redirect("erp:import-prime-contract", pk)
        try:
            contract = services.import_prime_contract(actor, project, estimate)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect("erp:import-prime-contract", pk)
        messages.success(request, f"Prime contract {contract.number} imported from {estimate.full_name}.")
        return redirect(reverse("owner:prime-contract", args=[project.pk]))
    context = {"project": project, "estimates": selectors.estimates_to_import(project)}
    return render(request, "erp/import_prime_contract.html", context)


class EstimateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountingRecord
        fields = ["id", "external_id", "full_name", "details", "time_modified", "imported_at"]
        read_only_fields = fields


class ProjectEstimatesView(APIView):
    """The QuickBooks estimates of a linked project's job that nothing is linked to (GET), and importing its
    prime contract from one (POST {"estimate": id}); 409 with the reason when it cannot be."""

    def _project(self, request: Request, pk: int) -> Project:
        permissions.require(request.user, Action.IMPORT_PRIME_CONTRACT)
        return get_object_or_404(Project, pk=pk)

    @extend_schema(responses=EstimateSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        project = self._project(request, pk)
        return Response(EstimateSerializer(selectors.estimates_to_import(project) or [], many=True).data)

    @extend_schema(
        request=inline_serializer("PrimeContractImport", {"estimate": serializers.IntegerField()}),
        responses=inline_serializer("PrimeContractImported", {"prime_contract": serializers.IntegerField()}),
    )
    def post(self, request: Request, pk: int) -> Response:
        project = self._project(request, pk)
        estimate = _estimate(project, request.data.get("estimate") if isinstance(request.data, dict) else None)
        if estimate is None:
            raise serializers.ValidationError({"estimate": ["No such estimate of this project's job to import."]})
        contract = services.import_prime_contract(signed_in(request.user), project, estimate)
        return Response({"prime_contract": contract.pk}, status=201)


class ReadEstimatesView(APIView):
    """Have QuickBooks' estimates read in the next Web Connector session."""

    @extend_schema(request=None, responses=inline_serializer("EstimatesRead", {"queued": serializers.BooleanField()}))
    def post(self, request: Request) -> Response:
        services.read_estimates_of_jobs(signed_in(request.user))
        return Response({"queued": True})
