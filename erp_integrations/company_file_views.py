"""Which QuickBooks company file a project's items go to: chosen on the project's accounting page and
through the API, by ERP Integrations admins (`services.set_project_company_file` decides)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import hooks, selectors, services
from erp_integrations.errors import WorkflowError
from procore_sync.models import Project


def company_file_choice(project: Project) -> dict[str, Any]:
    """What the page and the API show: the files set up and the one the project's items go to."""
    books = hooks.books()
    chosen = selectors.company_file_of(project, books)
    row = selectors.project_accounting(project)
    return {
        "books": [
            {"key": book.key, "name": book.name, "is_default": book.is_default, "is_active": book.is_active}
            for book in books
        ],
        "chosen": row.book,
        "goes_to": chosen.name if chosen else None,
    }


@login_required
@require_POST
def project_company_file(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require(request.user, Action.CONFIGURE_SETTINGS)
    project = get_object_or_404(Project, pk=pk)
    try:
        services.set_project_company_file(signed_in(request.user), project, request.POST.get("book", "").strip())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        goes_to = selectors.company_file_of(project)
        messages.success(request, f"{project}'s items go to {goes_to.name if goes_to else 'no company file yet'}.")
    return redirect("erp:project-accounting", pk)


_CHOICE = inline_serializer(
    "ProjectCompanyFile",
    {
        "books": serializers.ListField(child=serializers.DictField()),
        "chosen": serializers.CharField(help_text="The chosen file's key; empty for the default connection's."),
        "goes_to": serializers.CharField(allow_null=True, help_text="The company file the items go to."),
    },
)


class ProjectCompanyFileView(APIView):
    """The company file a project's items go to (ERP Integrations admins). PUT {"book": key} chooses one
    ("" for the default connection's); refused (409) while the project's items are in the file it has."""

    def _project(self, request: Request, pk: int) -> Project:
        permissions.require(request.user, Action.CONFIGURE_SETTINGS)
        return get_object_or_404(Project, pk=pk)

    @extend_schema(responses=_CHOICE)
    def get(self, request: Request, pk: int) -> Response:
        return Response(company_file_choice(self._project(request, pk)))

    @extend_schema(
        request=inline_serializer("ProjectCompanyFileChoice", {"book": serializers.CharField(allow_blank=True)}),
        responses=_CHOICE,
    )
    def put(self, request: Request, pk: int) -> Response:
        project = self._project(request, pk)
        book = request.data.get("book", "") if isinstance(request.data, dict) else None
        if not isinstance(book, str):
            raise serializers.ValidationError({"book": ["A company file's key, or empty for the default."]})
        try:
            services.set_project_company_file(signed_in(request.user), project, book.strip())
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(company_file_choice(project))
