"""REST API of the workflow: the fields and steps it adds to every exportable resource of the project side
(`with_workflow`), the approver's queue, settings."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from access.sign_ins import locked_out_for
from erp_integrations import selectors, services
from erp_integrations.budget_estimate_import_views import BudgetEstimateImportActions
from erp_integrations.exportables import EXPORTABLE_TYPES, is_exportable_model
from erp_integrations.forms import BULK_ACTIONS, BULK_LIMIT, DEFAULT_COST_TYPE_LIMIT
from erp_integrations.models import ErpItem, ErpSettings, ErpState, ProjectAccountingSettings
from erp_integrations.workflow import Step, allowed_steps
from procore_sync import services as project_services
from procore_sync.models import CostCode, CostType, Project


class ErpFieldsMixin(serializers.Serializer):
    """Adds erp_status, erp_error, qb_ref, erp_allowed_actions and erp_history to a record's JSON."""

    FIELDS = ("erp_status", "erp_error", "qb_ref", "erp_allowed_actions", "erp_history")

    erp_status = serializers.SerializerMethodField()
    erp_error = serializers.SerializerMethodField()
    qb_ref = serializers.SerializerMethodField()
    erp_allowed_actions = serializers.SerializerMethodField()
    erp_history = serializers.SerializerMethodField()

    def _summary(self, record: Any) -> dict[str, Any]:
        cache = self.context.setdefault("_erp_summaries", {})  # type: ignore[attr-defined]
        key = (type(record), record.pk)
        if key not in cache:
            # In a list, read the workflow state of the whole page at once rather than record by record.
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            cache.update(selectors.erp_summaries(list(page) if page is not None else [record]))
        return cache[key]

    def get_erp_status(self, record: Any) -> str:
        return self._summary(record)["erp_status"]

    def get_erp_error(self, record: Any) -> str:
        return self._summary(record)["erp_error"]

    def get_qb_ref(self, record: Any) -> str:
        return self._summary(record)["qb_ref"]

    def get_erp_allowed_actions(self, record: Any) -> list[str]:
        return self._summary(record)["erp_allowed_actions"]

    def get_erp_history(self, record: Any) -> list[dict[str, Any]]:
        return self._summary(record)["erp_history"]


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AcceptSerializer(serializers.Serializer):
    parent_customer = serializers.CharField(required=False, allow_blank=True, max_length=209)


def _run(step: str, record: Any, user: User, data: dict[str, Any]) -> None:
    """Read what the step takes from the request body, then take it through the one dispatcher."""
    options: dict[str, Any] = {}
    reason = ""
    if step == Step.ACCEPT:
        body: serializers.Serializer = AcceptSerializer(data=data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
    elif step in (Step.REJECT, Step.UNLINK):
        body = RejectSerializer(data=data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
    services.take_step(step, record, user, reason=reason, options=options)


def _workflow_action(step: str, request_serializer: type[serializers.Serializer] | None = None) -> Any:
    @extend_schema(request=request_serializer, summary=f"{step.capitalize()} (ERP workflow)")
    def handler(self: Any, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        _run(step, record, signed_in(request.user), request.data if isinstance(request.data, dict) else {})
        return self.workflow_response(record)

    handler.__name__ = f"erp_{step}"
    return action(detail=True, methods=["post"], url_path=step, url_name=f"erp-{step}")(handler)


class ErpActionsMixin:
    """send/, retrieve/, accept/, reject/, resend/, retry/, unlink/ on every exportable resource, and the
    `erp_status` filter of its list."""

    erp_send = _workflow_action("send")
    erp_retrieve = _workflow_action("retrieve")
    erp_accept = _workflow_action("accept", AcceptSerializer)
    erp_reject = _workflow_action("reject", RejectSerializer)
    erp_resend = _workflow_action("resend")
    erp_retry = _workflow_action("retry")
    erp_unlink = _workflow_action("unlink", RejectSerializer)

    def workflow_response(self, record: Any) -> Response:
        fresh = self.get_queryset().get(pk=record.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data)  # type: ignore[attr-defined]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset()  # type: ignore[misc]
        erp_status = self.request.query_params.get("erp_status") or None  # type: ignore[attr-defined]
        if erp_status is None:
            return queryset
        if erp_status not in ErpState.values:
            raise serializers.ValidationError(
                {"erp_status": f"Unknown status; use one of {', '.join(ErpState.values)}."}
            )
        return selectors.with_erp_status(queryset, erp_status)


def _with_erp_fields(serializer: type[serializers.ModelSerializer]) -> type[serializers.ModelSerializer]:
    """The record's serializer with the workflow's fields last; it keeps its name, so the OpenAPI schema
    names the resource as before."""
    meta = type("Meta", (serializer.Meta,), {"fields": [*serializer.Meta.fields, *ErpFieldsMixin.FIELDS]})
    return type(serializer.__name__, (ErpFieldsMixin, serializer), {"Meta": meta, "__module__": serializer.__module__})


# ERP Integrations' own actions on a project-side resource, beyond the workflow's steps.
RESOURCE_ACTIONS: dict[type[Any], tuple[type[Any], ...]] = {Project: (BudgetEstimateImportActions,)}


def with_workflow(viewset: type[Any]) -> type[Any]:
    """A project-side resource with its workflow: the ERP fields in its JSON, its steps, the `erp_status`
    filter. Resources of records that never go to QuickBooks (cost types) are returned as they are."""
    if not is_exportable_model(viewset.model):
        return viewset
    extended = type(
        viewset.__name__,
        (*RESOURCE_ACTIONS.get(viewset.model, ()), ErpActionsMixin, viewset),
        {
            "serializer_class": _with_erp_fields(viewset.serializer_class),
            "__doc__": viewset.__doc__,
            "__module__": viewset.__module__,
        },
    )
    status_filter = OpenApiParameter("erp_status", str, enum=[state.value for state in ErpState])
    return extend_schema_view(list=extend_schema(parameters=[status_filter]))(extended)


class BulkStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(BULK_ACTIONS))
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=BULK_LIMIT)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="With reject.")


class BulkItemResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # Named as in the items' own JSON; mypy reads it as the serializer's own `label` attribute.
    label = serializers.CharField(help_text="Empty for an id with no item.")  # type: ignore[assignment]
    result = serializers.ChoiceField(choices=["done", "refused"])
    reason = serializers.CharField(help_text="Why it was refused.")
    erp_status = serializers.CharField(help_text="Its status once done.")


class BulkResultSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True)


class ErpItemSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="object_type")
    erp_status = serializers.CharField(source="state")
    project = serializers.SerializerMethodField()
    sent_by = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = ErpItem
        fields = [
            "id",
            "type",
            "object_id",
            "label",
            "project",
            "erp_status",
            "erp_error",
            "qb_ref",
            "sent_by",
            "sent_at",
            "updated_at",
            "allowed_actions",
        ]

    def get_project(self, item: ErpItem) -> dict[str, Any] | None:
        if item.project is None:
            return None
        return {"id": item.project.pk, "number": item.project.number, "name": item.project.name}

    def get_sent_by(self, item: ErpItem) -> str | None:
        return item.sent_by.get_username() if item.sent_by else None

    def get_allowed_actions(self, item: ErpItem) -> list[str]:
        return allowed_steps(item.state)


@extend_schema(
    parameters=[
        OpenApiParameter("erp_status", str, enum=[s.value for s in ErpState]),
        OpenApiParameter("type", str, enum=list(EXPORTABLE_TYPES)),
        OpenApiParameter("tab", str, enum=list(selectors.TABS)),
        OpenApiParameter("project", int),
        OpenApiParameter("search", str),
    ]
)
class ErpItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The approver's queue across every type, and the workflow actions by item id, one item or many."""

    serializer_class = ErpItemSerializer
    queryset = ErpItem.objects.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        permissions.require(request.user, Action.VIEW_ERP_QUEUE)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        object_type = params.get("type") or None
        tab = params.get("tab") or None
        erp_status = params.get("erp_status") or None
        if object_type and object_type not in EXPORTABLE_TYPES:
            raise serializers.ValidationError({"type": f"Unknown type; use one of {', '.join(EXPORTABLE_TYPES)}."})
        if tab and tab not in selectors.TABS:
            raise serializers.ValidationError({"tab": f"Unknown tab; use one of {', '.join(selectors.TABS)}."})
        if erp_status and erp_status not in ErpState.values:
            raise serializers.ValidationError(
                {"erp_status": f"Unknown status; use one of {', '.join(ErpState.values)}."}
            )
        project = params.get("project")
        return selectors.erp_queue(
            erp_status=erp_status,
            object_type=object_type,
            tab=tab,
            project=int(project) if project and project.isdigit() else None,
            search=params.get("search") or None,
        )

    @extend_schema(
        responses=inline_serializer("TabCounts", {tab: serializers.IntegerField() for tab in selectors.TABS})
    )
    @action(detail=False, methods=["get"], url_path="counts")
    def counts(self, request: Request) -> Response:
        return Response(selectors.tab_counts(request.query_params.get("type") or None))

    def _step(self, request: Request, pk: str | None, step: str) -> Response:
        item = get_object_or_404(ErpItem, pk=pk)
        try:
            record = selectors.record_of(item)
        except ObjectDoesNotExist:
            return Response({"detail": "The record of this item was deleted."}, status=status.HTTP_410_GONE)
        _run(step, record, signed_in(request.user), request.data if isinstance(request.data, dict) else {})
        item.refresh_from_db()
        return Response(self.get_serializer(item).data)

    @extend_schema(request=AcceptSerializer)
    @action(detail=True, methods=["post"], url_path="accept")
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, pk, "accept")

    @extend_schema(request=RejectSerializer)
    @action(detail=True, methods=["post"], url_path="reject")
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, pk, "reject")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="retry")
    def retry(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, pk, "retry")

    @extend_schema(request=BulkStepSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        """Accept, reject or retry many items at once, as the queue's bulk actions do: each item is done or
        refused on its own, with the reason. 403 when the step is not the user's to take at all."""
        body = BulkStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = services.take_step_on_items(
            body.validated_data["step"],
            body.validated_data["ids"],
            signed_in(request.user),
            reason=body.validated_data.get("reason", ""),
        )
        rows = [
            {
                "id": result.item_id,
                "label": result.label,
                "result": "done" if result.done else "refused",
                "reason": result.reason,
                "erp_status": result.state,
            }
            for result in results
        ]
        return Response(
            BulkResultSerializer(
                {
                    "done": sum(1 for result in results if result.done),
                    "refused": sum(1 for result in results if not result.done),
                    "results": rows,
                }
            ).data
        )


class ObtainTokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; repeated attempts are throttled (429), and a user name
    locked out after failed sign-ins gets 429 with Retry-After, the right password included, as the
    browser's sign-in page says so too."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = str(request.data.get("username") or "") if hasattr(request.data, "get") else ""
        wait = locked_out_for(request._request, username)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            return Response(
                {"detail": f"Too many failed sign-ins for {username}: try again in {seconds} seconds."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(seconds)},
            )
        return super().post(request, *args, **kwargs)


class ErpSettingsSerializer(serializers.ModelSerializer):
    direct_export_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EXPORTABLE_TYPES)), required=False
    )

    class Meta:
        model = ErpSettings
        fields = [
            "direct_export_types",
            "retainage_item_name",
            "retention_item_name",
            "prime_contract_estimates",
            "expense_account_name",
            "income_account_name",
            "time_export",
            "sync_every_minutes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class ErpSettingsView(APIView):
    """The company's ERP settings: readable by ERP Integrations readers, changed by its Admins."""

    serializer_class = ErpSettingsSerializer

    def get(self, request: Request) -> Response:
        permissions.require(request.user, Action.VIEW_ERP_QUEUE)
        return Response(ErpSettingsSerializer(ErpSettings.load()).data)

    @extend_schema(request=ErpSettingsSerializer, responses=ErpSettingsSerializer)
    def patch(self, request: Request) -> Response:
        permissions.require(request.user, Action.CONFIGURE_SETTINGS)
        serializer = ErpSettingsSerializer(ErpSettings.load(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = services.update_settings(signed_in(request.user), **serializer.validated_data)
        return Response(ErpSettingsSerializer(row).data)


# --- the standard cost code list ----------------------------------------------------------------------------


class CostCodeDifferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.ChoiceField(choices=["code", "description", "division"])
    directory = serializers.CharField(help_text="The cost code's value, kept.")
    quickbooks = serializers.CharField(help_text="What QuickBooks' item holds.")


class CostCodeRefreshSerializer(serializers.Serializer):
    summary = serializers.CharField()
    created = serializers.ListField(child=serializers.CharField(), help_text="Cost codes added, linked.")
    divisions_created = serializers.ListField(child=serializers.CharField())
    linked = serializers.ListField(child=serializers.CharField(), help_text="Cost codes of an item's name, linked.")
    deactivated = serializers.ListField(child=serializers.CharField())
    reactivated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()
    differences = CostCodeDifferenceSerializer(many=True)
    not_linked = serializers.ListField(child=serializers.CharField())
    skipped = serializers.ListField(child=serializers.CharField())


class CostCodeRefreshView(APIView):
    """Refresh the standard cost code list from the service items of QuickBooks' lists as last read: new
    items become cost codes under their division, linked; cost codes of an item's name are linked; a linked
    cost code follows its item's active flag; descriptions are never overwritten, differences are reported.
    Admin on ERP Integrations."""

    serializer_class = CostCodeRefreshSerializer

    @extend_schema(request=None, responses=CostCodeRefreshSerializer)
    def post(self, request: Request) -> Response:
        result = services.refresh_cost_codes(signed_in(request.user))
        data = {**dataclasses.asdict(result), "summary": result.summary()}
        return Response(CostCodeRefreshSerializer(data).data)


class DefaultCostTypeSerializer(serializers.Serializer):
    cost_codes = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=DEFAULT_COST_TYPE_LIMIT
    )
    cost_type = serializers.PrimaryKeyRelatedField(
        queryset=CostType.objects.filter(is_active=True), allow_null=True, help_text="null clears it."
    )

    def validate_cost_codes(self, ids: list[int]) -> list[int]:
        missing = sorted(set(ids) - set(CostCode.objects.filter(pk__in=ids).values_list("pk", flat=True)))
        if missing:
            raise serializers.ValidationError(f"No cost code {', '.join(map(str, missing))}.")
        return ids


class DefaultCostTypeView(APIView):
    """Give many standard cost codes one default cost type, or clear theirs (`cost_type` null): the cost type
    a new budget or commitment line of the code takes when it names none. Standard or Admin on ERP
    Integrations."""

    serializer_class = DefaultCostTypeSerializer

    @extend_schema(
        request=DefaultCostTypeSerializer,
        responses=inline_serializer("DefaultCostTypeResult", {"updated": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        permissions.require(request.user, Action.ASSIGN_DEFAULT_COST_TYPES)
        body = DefaultCostTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = project_services.assign_default_cost_type(
            signed_in(request.user), body.validated_data["cost_codes"], body.validated_data["cost_type"]
        )
        return Response({"updated": updated})


class ProjectAccountingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectAccountingSettings
        fields = ["sync_job_costs", "job_costs_since", "sync_paid_invoices", "notify_when_paid", "updated_at"]
        read_only_fields = ["updated_at"]


class ProjectAccountingView(APIView):
    """What a project brings back from QuickBooks (ERP Integrations admins). PATCH turns each on or off;
    turning one on reads the company file's transactions of that kind again in the next session."""

    serializer_class = ProjectAccountingSerializer

    def _project(self, request: Request, pk: int) -> Any:
        permissions.require(request.user, Action.SYNC_JOB_COSTS)
        return get_object_or_404(Project, pk=pk)

    def get(self, request: Request, pk: int) -> Response:
        return Response(ProjectAccountingSerializer(selectors.project_accounting(self._project(request, pk))).data)

    def patch(self, request: Request, pk: int) -> Response:
        project = self._project(request, pk)
        body = ProjectAccountingSerializer(selectors.project_accounting(project), data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        row = services.set_project_accounting(signed_in(request.user), project, **body.validated_data)
        return Response(ProjectAccountingSerializer(row).data)


class ProjectAccountingSyncView(APIView):
    """Have what the project brings back read in the next session, from where the last read stopped."""

    @extend_schema(
        request=None,
        responses=inline_serializer("AccountingSync", {"queued": serializers.ListField(child=serializers.CharField())}),
    )
    def post(self, request: Request, pk: int) -> Response:
        permissions.require(request.user, Action.SYNC_JOB_COSTS)
        project = get_object_or_404(Project, pk=pk)
        return Response({"queued": services.sync_project_accounting(signed_in(request.user), project)})
