"""REST API of the QuickBooks connections (ERP Integrations admins)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import permissions
from access.permissions import Action, signed_in
from qbxml import imports, schedules, selectors, services
from qbxml.models import QbConnection, QbSyncSchedule


class RunSerializer(serializers.Serializer):
    """One Web Connector session, as the sync health page shows it."""

    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(help_text="The Web Connector's last call in the session.")
    duration_seconds = serializers.IntegerField(help_text="Until it ended, or its last call; so far if running.")
    state = serializers.ChoiceField(
        choices=[str(state) for state in selectors.RUN_LABELS],
        help_text="stalled: open, but its Web Connector stopped calling (the next session takes over)",
    )
    status_label = serializers.CharField(source="label")
    total_requests = serializers.IntegerField()
    done_requests = serializers.IntegerField()
    synced = serializers.IntegerField()
    failed = serializers.IntegerField()
    summary = serializers.CharField()
    exchanges = serializers.IntegerField(help_text="qbXML documents kept of the session.")
    exchanges_url = serializers.SerializerMethodField()

    def get_exchanges_url(self, run: selectors.Run) -> str:
        return reverse("qb:session-exchanges", args=[run.id])


class RunningSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    silent_release_at = serializers.DateTimeField(
        help_text="When the connection is released from the session if its Web Connector stays silent."
    )
    progress_percent = serializers.IntegerField()
    total_requests = serializers.IntegerField()
    done_requests = serializers.IntegerField()
    synced_count = serializers.IntegerField(source="synced")
    failed_count = serializers.IntegerField(source="failed")


class RefreshSerializer(serializers.Serializer):
    lists = serializers.ListField(
        child=serializers.ChoiceField(choices=list(imports.IMPORTS)),
        required=False,
        help_text="the lists, and transactions if named; every list when left out",
    )


class ListImportSerializer(serializers.Serializer):
    list_name = serializers.CharField()
    status = serializers.CharField()
    rows_read = serializers.IntegerField(help_text="in the run going on")
    last_rows = serializers.IntegerField(help_text="read by the last run that finished")
    last_finished_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()


class QbConnectionSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8, style={"input_type": "password"})
    # The figures of `selectors.ConnectionHealth`, the same the sync health page shows.
    waiting_to_send = serializers.IntegerField(
        source="health.waiting_to_send",
        read_only=True,
        help_text="requests waiting for a message, and accepted items whose requests the next session makes",
    )
    not_yet_requested = serializers.IntegerField(
        source="health.not_yet_requested", read_only=True, help_text="of waiting_to_send: items with no request yet"
    )
    held_back = serializers.IntegerField(
        source="health.held_back", read_only=True, help_text="of waiting_to_send: held back by a failed dependency"
    )
    awaiting_answer = serializers.IntegerField(
        source="health.awaiting_answer", read_only=True, help_text="sent in a message whose answer is not read yet"
    )
    failed_items = serializers.IntegerField(
        source="health.failed_items", read_only=True, help_text="items whose export here failed: retry or reject"
    )
    refused_list_records = serializers.IntegerField(
        source="health.refused_list_records",
        read_only=True,
        help_text="list records an export needs (classes, parents) that QuickBooks refused",
    )
    list_imports_in_progress = serializers.SerializerMethodField()
    last_run = RunSerializer(source="health.last_run", read_only=True, allow_null=True)
    running_session = RunningSessionSerializer(source="health.running", read_only=True, allow_null=True)
    stalled_session = RunSerializer(
        source="health.stalled",
        read_only=True,
        allow_null=True,
        help_text="the open session whose Web Connector stopped calling; the next session takes over",
    )
    recent_runs = RunSerializer(source="health.recent_runs", many=True, read_only=True)
    list_imports = ListImportSerializer(source="health.list_imports", many=True, read_only=True)
    qwc_url = serializers.SerializerMethodField()

    class Meta:
        model = QbConnection
        fields = [
            "id",
            "name",
            "username",
            "password",
            "company_file_path",
            "is_default",
            "is_active",
            "run_every_minutes",
            "time_zone",
            "owner_id",
            "file_id",
            "reported_company_file",
            "company_name",
            "product_name",
            "edition",
            "qbxml_version",
            "last_contact_at",
            "last_error",
            "waiting_to_send",
            "not_yet_requested",
            "held_back",
            "awaiting_answer",
            "failed_items",
            "refused_list_records",
            "list_imports_in_progress",
            "last_run",
            "running_session",
            "stalled_session",
            "recent_runs",
            "list_imports",
            "qwc_url",
            "created_at",
        ]
        read_only_fields = [
            "owner_id",
            "file_id",
            "reported_company_file",
            "company_name",
            "product_name",
            "edition",
            "qbxml_version",
            "last_contact_at",
            "last_error",
            "created_at",
        ]

    def to_representation(self, instance: QbConnection) -> dict[str, Any]:
        # A list has the health of its page computed at once (`context["healths"]`); one row, its own.
        health = self.context.get("healths", {}).get(instance.pk)
        if health is None:
            (health,) = selectors.health_of_connections([instance])
        instance.health = health  # type: ignore[attr-defined]
        return super().to_representation(instance)

    def get_list_imports_in_progress(self, connection: QbConnection) -> int:
        return len(connection.health.list_imports_in_progress)  # type: ignore[attr-defined]

    def get_qwc_url(self, connection: QbConnection) -> str:
        return f"/qbwc/connections/{connection.pk}/app.qwc"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": "A new connection needs a Web Connector password."})
        return attrs


class QbConnectionViewSet(viewsets.ModelViewSet):
    """QuickBooks company files, each reached by its own Web Connector user, with their sync health."""

    serializer_class = QbConnectionSerializer
    queryset = QbConnection.objects.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        permissions.require(request.user, Action.MANAGE_CONNECTIONS)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.connections_with_health().order_by("name")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        healths = {health.pk: health for health in selectors.health_of_connections(rows)}
        serializer = self.get_serializer(rows, many=True, context={**self.get_serializer_context(), "healths": healths})
        return Response(serializer.data) if page is None else self.get_paginated_response(serializer.data)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        connection = services.connection_create(
            signed_in(self.request.user),
            name=data["name"],
            username=data["username"],
            password=data["password"],
            company_file_path=data.get("company_file_path", ""),
            is_default=data.get("is_default"),
        )
        serializer.instance = self.get_queryset().get(pk=connection.pk)

    @extend_schema(request=None, responses=QbConnectionSerializer, summary="Release the connection's running session")
    @action(detail=True, methods=["post"], url_path="release-session")
    def release_session(self, request: Request, pk: str | None = None) -> Response:
        """The connection's Web Connector died mid-session: let a new session start now (the released one's
        requests that QuickBooks may have carried out are looked up first)."""
        connection = self.get_object()
        if services.session_release(signed_in(request.user), connection) is None:
            return Response({"detail": "No session is running on this connection."}, status=409)
        return Response(self.get_serializer(self.get_queryset().get(pk=connection.pk)).data)

    @extend_schema(request=RefreshSerializer, responses=QbConnectionSerializer, summary="Read QuickBooks' lists back")
    @action(detail=True, methods=["post"], url_path="refresh")
    def refresh(self, request: Request, pk: str | None = None) -> Response:
        """Queue lists (all by default) to be read in the connection's next Web Connector session."""
        connection = self.get_object()
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        imports.refresh(signed_in(request.user), connection, body.validated_data.get("lists") or list(imports.LISTS))
        return Response(self.get_serializer(self.get_queryset().get(pk=connection.pk)).data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        instance = serializer.instance
        assert instance is not None, "an update has its record"
        with transaction.atomic():
            if data.get("is_default"):
                QbConnection.objects.exclude(pk=instance.pk).update(is_default=False)
            connection = serializer.save(**data)
            if password:
                services.connection_set_password(signed_in(self.request.user), connection, password)
        serializer.instance = self.get_queryset().get(pk=connection.pk)


# --- the sync schedule ---------------------------------------------------------------------------------------


class ScheduleRowSerializer(serializers.Serializer):
    subject = serializers.CharField(source="name")
    title = serializers.CharField(source="subject.label")
    every = serializers.ChoiceField(
        choices=QbSyncSchedule.Every.choices, help_text="minutes between reads: 0 (never), 60, 120, 240 or 1440"
    )
    every_label = serializers.CharField()
    last_queued_at = serializers.DateTimeField(allow_null=True, help_text="by the schedule or Refresh now")
    last_ran_at = serializers.DateTimeField(allow_null=True, help_text="when its imports last all finished")
    next_due_at = serializers.DateTimeField(allow_null=True, help_text="null when never scheduled")
    waiting = serializers.BooleanField(help_text="queued for the next session, or being read")


class ScheduleSerializer(serializers.Serializer):
    """A connection's sync schedule: how often each subject is read back, and the quiet window (in the
    QuickBooks machine's time zone; an end before the start runs past midnight)."""

    every = serializers.DictField(
        child=serializers.ChoiceField(choices=QbSyncSchedule.Every.choices),
        write_only=True,
        required=False,
        help_text="subject: minutes (0, 60, 120, 240, 1440); subjects left out keep theirs",
    )
    subjects = ScheduleRowSerializer(many=True, read_only=True)
    quiet_start = serializers.TimeField(allow_null=True, required=False)
    quiet_end = serializers.TimeField(allow_null=True, required=False)
    quiet_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, help_text="Monday 0 to Sunday 6"
    )
    time_zone = serializers.CharField(read_only=True)
    quiet_window = serializers.CharField(read_only=True, allow_null=True, help_text="the window in words")


class RefreshSubjectsSerializer(serializers.Serializer):
    subjects = serializers.ListField(
        child=serializers.ChoiceField(choices=list(schedules.SUBJECTS)),
        required=False,
        help_text="every subject when left out",
    )


def _schedule_data(connection: QbConnection) -> dict[str, Any]:
    window = schedules.quiet_window(connection)
    return ScheduleSerializer(
        {
            "subjects": schedules.schedule_of(connection),
            "quiet_start": connection.quiet_start,
            "quiet_end": connection.quiet_end,
            "quiet_days": connection.quiet_days,
            "time_zone": connection.time_zone,
            "quiet_window": window.describe() if window is not None else None,
        }
    ).data


class ConnectionScheduleView(APIView):
    """A connection's sync schedule and quiet window (ERP Integrations admins)."""

    serializer_class = ScheduleSerializer

    def get(self, request: Request, pk: int) -> Response:
        permissions.require(request.user, Action.CONFIGURE_SETTINGS)
        return Response(_schedule_data(get_object_or_404(QbConnection, pk=pk)))

    @extend_schema(request=ScheduleSerializer, responses=ScheduleSerializer)
    def put(self, request: Request, pk: int) -> Response:
        permissions.require(request.user, Action.CONFIGURE_SETTINGS)
        connection = get_object_or_404(QbConnection, pk=pk)
        body = ScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        schedules.schedule_set(
            signed_in(request.user),
            connection,
            every=data.get("every", {}),
            quiet_start=data.get("quiet_start"),
            quiet_end=data.get("quiet_end"),
            quiet_days=data.get("quiet_days", []),
        )
        return Response(_schedule_data(QbConnection.objects.get(pk=pk)))


class ConnectionRefreshView(APIView):
    """Refresh now: queue subjects (all by default) for the connection's next Web Connector session, as the
    schedule does."""

    serializer_class = RefreshSubjectsSerializer

    @extend_schema(request=RefreshSubjectsSerializer, responses=ScheduleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        connection = get_object_or_404(QbConnection, pk=pk)
        body = RefreshSubjectsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subjects = body.validated_data.get("subjects") or list(schedules.SUBJECTS)
        schedules.queue_now(signed_in(request.user), connection, subjects)
        return Response(_schedule_data(connection), status=202)
