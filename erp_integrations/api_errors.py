"""JSON errors a person can act on: 400 with every field error, 403 naming the missing permission,
404, and 409 with the current state and the actions allowed from it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from erp_integrations.errors import WorkflowError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, WorkflowError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": "Some values need fixing.", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        message = str(exc.detail if isinstance(exc, exceptions.PermissionDenied) else exc) or "Not allowed."
        return Response(
            {"detail": message, "missing_permission": message.removeprefix("This needs ").rstrip(".")},
            status=status.HTTP_403_FORBIDDEN,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Some values need fixing.", "errors": response.data}
    return response
