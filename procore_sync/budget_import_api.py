"""REST API of the budget import: POST a CSV file (multipart, field `file`) to a project's budget; with
`?dry_run=1` the answer is the preview and nothing is saved, without it the file is imported, all of it or, with
any error, nothing (400 with the preview's errors). Thin: `budget_import` reads, checks and writes."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procore_sync import budget_import as bi
from procore_sync import models as ps
from procore_sync import selectors

TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}


class BudgetImportRequest(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file: Cost code, Cost type, Description, Amount (and Sub job).")
    mode = serializers.ChoiceField(
        choices=[mode.value for mode in bi.Mode],
        default=bi.Mode.REPLACE.value,
        help_text="replace: these lines replace the budget's; append: they are added to them.",
    )


def _dry_run(request: Request) -> bool:
    value = request.query_params.get("dry_run", "").strip().lower()
    if value not in TRUE | FALSE:
        raise ValidationError({"dry_run": ["Write dry_run=1 for a preview, or leave it out to import."]})
    return value in TRUE


class BudgetImportView(APIView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(
        operation_id="project_budget_import",
        request={"multipart/form-data": BudgetImportRequest},
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="1: the preview only, nothing saved.")],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The preview, or what was imported."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The preview with its errors; nothing saved."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        project = get_object_or_404(selectors.records_for(request.user, ps.Project), pk=pk)
        dry_run = _dry_run(request)
        given = BudgetImportRequest(data=request.data)
        given.is_valid(raise_exception=True)
        upload: Any = given.validated_data["file"]
        if upload.size > bi.MAX_BYTES:
            raise ValidationError({"file": [f"The file is larger than {bi.MAX_BYTES // (1024 * 1024)} MB; split it."]})
        data, mode = upload.read(), bi.Mode(given.validated_data["mode"])
        budget = ps.Budget.objects.filter(project=project).first()
        decision = bi.may_import(request.user, project, budget)  # type: ignore[arg-type]
        if not decision:
            raise PermissionDenied(f"Importing into this budget needs {decision.missing}.")
        if dry_run:
            result = bi.preview(request.user, project, data, mode)  # type: ignore[arg-type]
            return Response({"dry_run": True, **result.as_dict()})
        try:
            result = bi.import_budget(request.user, project, data, mode)  # type: ignore[arg-type]
        except bi.ImportRefused as refused:
            body = {"detail": f"Nothing was imported: {refused}", "dry_run": False, **refused.preview.as_dict()}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"dry_run": False, "imported": len(result.rows), **result.as_dict()})
