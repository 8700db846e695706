"""REST API of Ready to Import: QuickBooks' vendors and jobs that nothing here is linked to, with their
suggestions and differences; link, add, link all exact matches, set aside; the archived companies."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import payroll, selectors, services
from erp_integrations.exportables.base import ADDRESS_FIELDS
from erp_integrations.models import AccountingRecord, ErpItem
from procore_sync import models as ps


class ErpItemLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ErpItem
        fields = ["id", "object_type", "object_id", "label", "state", "qb_ref", "qb_edit_sequence"]


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="company.pk")
    name = serializers.CharField(source="company.name")
    reasons = serializers.ListField(child=serializers.CharField())
    exact = serializers.BooleanField()


class AccountingRecordSerializer(serializers.ModelSerializer):
    """A QuickBooks record waiting in Ready to Import, with what may be it."""

    suggestions = serializers.SerializerMethodField()
    archived_by = serializers.SerializerMethodField()

    class Meta:
        model = AccountingRecord
        fields = [
            "id",
            "list_type",
            "external_id",
            "full_name",
            "edit_sequence",
            "is_active",
            "details",
            "time_modified",
            "archived_at",
            "archived_by",
            "suggestions",
        ]

    def get_archived_by(self, record: AccountingRecord) -> str | None:
        return record.archived_by.get_username() if record.archived_by else None

    def get_suggestions(self, record: AccountingRecord) -> list[dict[str, Any]]:
        found: dict[int, list[Any]] = self.context.get("suggestions", {})
        if record.list_type == AccountingRecord.ListType.VENDOR:
            return SuggestionSerializer(found.get(record.pk, []), many=True).data  # type: ignore[return-value]
        return [{"id": project.pk, "name": str(project)} for project in found.get(record.pk, [])]


class LinkSerializer(serializers.Serializer):
    record = serializers.IntegerField(help_text="The directory company's (or project's) id.")
    take_from_quickbooks = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="The fields that take QuickBooks' value; every other field keeps ours.",
    )


class SetAsideSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)


class _ReadyToImport(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    object_type = ""
    serializer_class = AccountingRecordSerializer
    # What the schema is generated from (get_queryset needs a company file, which generating it has not).
    queryset = AccountingRecord.objects.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        permissions.require(request.user, Action.VIEW_ERP_QUEUE)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        archived = self.request.query_params.get("archived") == "true"
        search = self.request.query_params.get("q", "").strip()[:100]
        return selectors.ready_to_import(self.object_type, search=search, archived=archived)

    def _suggest(self, records: list[AccountingRecord]) -> dict[int, list[Any]]:
        if self.object_type == "company":
            return selectors.company_suggestions(records)  # type: ignore[return-value]
        return selectors.project_suggestions(records)  # type: ignore[return-value]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "suggestions": getattr(self, "_suggestions", {})}

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self._suggestions = self._suggest(list(page if page is not None else queryset))
        return page

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = get_object_or_404(AccountingRecord, pk=kwargs["pk"], list_type=self._list_type())
        self._suggestions = self._suggest([record])
        return Response(self.get_serializer(record).data)

    def _list_type(self) -> str:
        return selectors.IMPORTABLE[self.object_type][0]

    def _record(self, pk: str | None) -> AccountingRecord:
        return get_object_or_404(AccountingRecord, pk=pk, list_type=self._list_type())


class QuickBooksVendorViewSet(_ReadyToImport):
    """QuickBooks vendors that no directory company is linked to (`?archived=true`: those set aside)."""

    object_type = "company"

    @extend_schema(request=LinkSerializer, responses=ErpItemLinkSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        body = LinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = get_object_or_404(ps.Company, pk=body.validated_data["record"])
        item = services.link_company(
            signed_in(request.user), company, self._record(pk), body.validated_data["take_from_quickbooks"]
        )
        return Response(ErpItemLinkSerializer(item).data)

    @extend_schema(request=None, responses=inline_serializer("AddedCompany", {"id": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def add(self, request: Request, pk: str | None = None) -> Response:
        company = services.add_company_from_accounting(signed_in(request.user), self._record(pk))
        return Response({"id": company.pk, "name": company.name}, status=201)

    @extend_schema(request=SetAsideSerializer, responses=AccountingRecordSerializer)
    @action(detail=True, methods=["post"], url_path="set-aside")
    def set_aside(self, request: Request, pk: str | None = None) -> Response:
        body = SetAsideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.set_aside(signed_in(request.user), self._record(pk), archived=body.validated_data["archived"])
        return Response(self.get_serializer(record).data)

    @extend_schema(request=None, responses=inline_serializer("LinkedCount", {"linked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="link-exact-matches")
    def link_exact_matches(self, request: Request) -> Response:
        return Response({"linked": services.link_exact_companies(signed_in(request.user))})


class QuickBooksJobViewSet(_ReadyToImport):
    """QuickBooks jobs that no project is linked to."""

    object_type = "project"

    @extend_schema(request=LinkSerializer, responses=ErpItemLinkSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        body = LinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = get_object_or_404(ps.Project, pk=body.validated_data["record"])
        taken = [name for name in body.validated_data["take_from_quickbooks"] if name in ADDRESS_FIELDS]
        item = services.link_project(signed_in(request.user), project, self._record(pk), taken)
        return Response(ErpItemLinkSerializer(item).data)

    @extend_schema(request=None, responses=inline_serializer("AddedProject", {"id": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def add(self, request: Request, pk: str | None = None) -> Response:
        project = services.add_project_from_accounting(signed_in(request.user), self._record(pk))
        return Response({"id": project.pk, "number": project.number, "name": project.name}, status=201)


class QuickBooksEmployeeViewSet(_ReadyToImport):
    """QuickBooks employees that no employee here is linked to: link one to an employee (its time then goes
    by QuickBooks' name), or add it as a new employee."""

    object_type = "employee"

    def _suggest(self, records: list[AccountingRecord]) -> dict[int, list[Any]]:
        return payroll.employee_suggestions(records)  # type: ignore[return-value]

    @extend_schema(request=LinkSerializer, responses=ErpItemLinkSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        body = LinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        employee = get_object_or_404(ps.Employee, pk=body.validated_data["record"])
        item = payroll.link_employee(signed_in(request.user), employee, self._record(pk))
        return Response(ErpItemLinkSerializer(item).data)

    @extend_schema(request=None, responses=inline_serializer("AddedEmployee", {"id": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def add(self, request: Request, pk: str | None = None) -> Response:
        employee = payroll.add_employee_from_accounting(signed_in(request.user), self._record(pk))
        return Response({"id": employee.pk, "name": employee.name}, status=201)


class ArchivedCompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.Company
        fields = ["id", "name", "phone", "email", "updated_at"]


class ArchivedCompanyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Directory companies archived for ERP; `restore` brings one back."""

    serializer_class = ArchivedCompanySerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        permissions.require(request.user, Action.VIEW_ARCHIVED_COMPANIES)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.archived_companies()

    @extend_schema(request=None, responses=ArchivedCompanySerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        company = get_object_or_404(ps.Company, pk=pk, is_archived=True)
        return Response(self.get_serializer(services.restore_company(signed_in(request.user), company)).data)
