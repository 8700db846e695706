"""The signed-in person's own profile: which e-mails they get, on a page and in the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import signed_in
from erp_integrations import notifications, selectors
from erp_integrations.models import NotificationPreference

LABELS = {
    "daily_digest": "Daily summary for accounting approvers",
    "rejections": "Rejections of items I sent",
    "failures": "Items I sent that QuickBooks refused",
    "paid": "Invoices I sent that QuickBooks paid in full",
}


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = list(notifications.PREFERENCE_FIELDS)
        labels = LABELS


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=selectors.notification_preference(user))
    if request.method == "POST" and form.is_valid():
        notifications.update_preferences(user, form.cleaned_data)
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreference
        fields = list(notifications.PREFERENCE_FIELDS)


class MyNotificationsView(APIView):
    """The signed-in person's e-mail preferences (every e-mail is on until turned off)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationPreferenceSerializer

    def get(self, request: Request) -> Response:
        preference = selectors.notification_preference(signed_in(request.user))
        return Response(NotificationPreferenceSerializer(preference).data)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer)
    def patch(self, request: Request) -> Response:
        user = signed_in(request.user)
        serializer = NotificationPreferenceSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preference = notifications.update_preferences(user, serializer.validated_data)
        return Response(NotificationPreferenceSerializer(preference).data)
