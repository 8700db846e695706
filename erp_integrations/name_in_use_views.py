"""The way out of a name QuickBooks holds for another record (status 3100), from the item's page and the API:
link the item to that QuickBooks record, or rename the record here and send it again.

Thin: the reads and writes are `erp_integrations.name_in_use`'s, the one gate decides. A refusal is a message
on the item's page (a 409 or 400 from the API); a missing permission is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from erp_integrations import name_in_use, selectors
from erp_integrations.api import ErpItemSerializer
from erp_integrations.errors import LinkRefused, WorkflowError
from erp_integrations.models import AccountingRecord, ErpItem
from erp_integrations.workflow import done_message


def _refusal(exc: WorkflowError | ValidationError) -> str:
    if isinstance(exc, WorkflowError):
        return exc.message
    return " ".join(exc.messages)


def _holder(item: ErpItem, record_id: Any) -> AccountingRecord:
    """The QuickBooks record asked for, or (none asked for) the one holding the item's name."""
    if record_id not in (None, ""):
        return get_object_or_404(AccountingRecord, pk=int(record_id) if str(record_id).isdigit() else 0)
    holder = name_in_use.holder_for(item)
    if holder is None:
        raise LinkRefused(f"No QuickBooks record holding the name of {item.label} is known here yet.")
    return holder


# --- pages -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def link_existing(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the item to the QuickBooks record holding its name, taking QuickBooks' values of the fields picked."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    item = get_object_or_404(ErpItem, pk=pk)
    # Each differing field has a pair of radio buttons: "directory" (ours, kept) or "quickbooks" (taken).
    taken = [name[5:] for name, value in request.POST.items() if name.startswith("pick_") and value == "quickbooks"]
    try:
        record = _holder(item, request.POST.get("record"))
        linked = name_in_use.link_to_holder(signed_in(request.user), item, record, taken)
    except (WorkflowError, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, done_message("link", linked.label, linked.state))
    return redirect("erp:item", pk=item.pk)


@login_required
@require_POST
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename the item's record and queue it for QuickBooks again under the new name."""
    permissions.require(request.user, Action.VIEW_ERP_QUEUE)
    item = get_object_or_404(ErpItem, pk=pk)
    try:
        renamed = name_in_use.rename_and_resend(signed_in(request.user), item, request.POST.get("name", ""))
    except ObjectDoesNotExist:
        messages.error(request, f"{item.label}: its record was deleted, nothing can be done with it.")
    except (WorkflowError, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, f"{renamed.label} is queued for QuickBooks again under its new name.")
    return redirect("erp:item", pk=item.pk)


PAGE_URLS = [
    path("items/<int:pk>/link-existing/", link_existing, name="item-link-existing"),
    path("items/<int:pk>/rename/", rename, name="item-rename"),
]


# --- API ---------------------------------------------------------------------------------------------------------


class LinkExistingSerializer(serializers.Serializer):
    record = serializers.IntegerField(
        required=False,
        help_text="The QuickBooks record holding the name (a Ready to Import record's id); by default the one "
        "the company file's lists hold under that name.",
    )
    take_from_quickbooks = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="The fields that take QuickBooks' value; every other field keeps ours.",
    )


class RenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, help_text="The record's new name, as QuickBooks will hold it.")


class _ItemAction(APIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        permissions.require(request.user, Action.VIEW_ERP_QUEUE)

    def _item(self, pk: int) -> ErpItem:
        item = get_object_or_404(ErpItem, pk=pk)
        selectors.record_of(item)  # a deleted record: 410
        return item

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ObjectDoesNotExist):
            return Response({"detail": "The record of this item was deleted."}, status=status.HTTP_410_GONE)
        return super().handle_exception(exc)


class LinkExistingView(_ItemAction):
    """Link an item QuickBooks refused on its name (3100) to the QuickBooks record holding it: synced, nothing
    sent. Needs the type's link permission (Admin on ERP Integrations)."""

    @extend_schema(request=LinkExistingSerializer, responses=ErpItemSerializer)
    def post(self, request: Request, pk: int) -> Response:
        body = LinkExistingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = self._item(pk)
        record = _holder(item, body.validated_data.get("record"))
        linked = name_in_use.link_to_holder(
            signed_in(request.user), item, record, body.validated_data["take_from_quickbooks"]
        )
        return Response(ErpItemSerializer(linked, context={"request": request}).data)


class RenameView(_ItemAction):
    """Rename the record of an item QuickBooks refused on its name (3100) and queue it again under the new
    name. Needs the accounting approver."""

    @extend_schema(request=RenameSerializer, responses=ErpItemSerializer)
    def post(self, request: Request, pk: int) -> Response:
        body = RenameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = self._item(pk)
        renamed = name_in_use.rename_and_resend(signed_in(request.user), item, body.validated_data["name"])
        return Response(ErpItemSerializer(renamed, context={"request": request}).data)


API_URLS = [
    path("erp/items/<int:pk>/link-existing/", LinkExistingView.as_view(), name="erp-item-link-existing"),
    path("erp/items/<int:pk>/rename/", RenameView.as_view(), name="erp-item-rename"),
]
