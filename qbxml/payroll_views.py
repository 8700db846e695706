"""The payroll IIF file, as pages and as the API (`/api/v1/time-entries/iif/`): write the next file, list
the files written, download one again (the same bytes). Thin: `qbxml.payroll` writes, the workflow's
`payroll` module reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import payroll as erp_payroll
from erp_integrations.errors import WorkflowError
from erp_integrations.models import ErpSettings
from qbxml import payroll

IIF_CONTENT_TYPE = "application/octet-stream"


def _file_response(export: Any) -> HttpResponse:
    response = HttpResponse(bytes(export.content), content_type=IIF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _file_or_404(user: User, pk: int) -> Any:
    try:
        return erp_payroll.payroll_file(user, pk)
    except ObjectDoesNotExist:
        raise Http404("No such payroll file.") from None


# --- pages --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payroll_files(request: HttpRequest) -> HttpResponse:
    """`/erp/payroll/`: the accepted time waiting for a file, the button that writes it, and every file."""
    user = signed_in(request.user)
    permissions.require(user, Action.EXPORT_PAYROLL_IIF)
    if request.method == "POST":
        try:
            result = payroll.export_payroll_iif(user)
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            (messages.success if result.export is not None else messages.info)(request, result.message)
            if result.waiting:
                messages.warning(request, f"{len(result.waiting)} entries wait: see why below.")
        return redirect(reverse("payroll_files:list"))
    context = {
        "files": erp_payroll.payroll_files(user),
        "waiting": erp_payroll.entries_waiting_for_a_file(),
        "by_iif": ErpSettings.load().time_export == ErpSettings.TimeExport.IIF,
    }
    return render(request, "payroll/files.html", context)


@login_required
@require_GET
def payroll_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _file_response(_file_or_404(signed_in(request.user), pk))


# --- the API ------------------------------------------------------------------------------------------------


class PayrollFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", default="", allow_null=True)
    entry_count = serializers.IntegerField()
    total_hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    filename = serializers.CharField()
    download = serializers.SerializerMethodField()

    def get_download(self, export: Any) -> str:
        request = self.context.get("request")
        url = reverse("payroll-iif-file", args=[export.pk])
        return request.build_absolute_uri(url) if request is not None else url


class WaitingSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    label = serializers.CharField()  # type: ignore[assignment]
    reason = serializers.CharField()


class PayrollExportResultSerializer(serializers.Serializer):
    file = PayrollFileSerializer(source="export", allow_null=True)
    message = serializers.CharField()
    waiting = WaitingSerializer(many=True)


class PayrollFilesView(APIView):
    """The payroll IIF files (GET, newest first), and writing the next one (POST): every accepted time entry
    not in a file yet whose employee, job and cost code QuickBooks holds. Admin on ERP Integrations."""

    serializer_class = PayrollFileSerializer

    @extend_schema(responses=PayrollFileSerializer(many=True))
    def get(self, request: Request) -> Response:
        files = erp_payroll.payroll_files(signed_in(request.user))
        return Response(PayrollFileSerializer(files, many=True, context={"request": request}).data)

    @extend_schema(request=None, responses={201: PayrollExportResultSerializer, 200: PayrollExportResultSerializer})
    def post(self, request: Request) -> Response:
        result = payroll.export_payroll_iif(signed_in(request.user))
        data = PayrollExportResultSerializer(result, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED if result.export is not None else status.HTTP_200_OK)


class PayrollFileView(APIView):
    """One payroll IIF file, as QuickBooks imports it (Windows-1252, CRLF): the same bytes every time."""

    @extend_schema(responses={(200, IIF_CONTENT_TYPE): bytes})
    def get(self, request: Request, pk: int) -> HttpResponse:
        return _file_response(_file_or_404(signed_in(request.user), pk))


API_URLS = [
    ("time-entries/iif/", PayrollFilesView, "payroll-iif-files"),
    ("time-entries/iif/<int:pk>/", PayrollFileView, "payroll-iif-file"),
]
