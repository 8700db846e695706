"""QuickBooks connections: created by command or API, their health readable, their password never shown."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from qbxml.models import QbConnection, QbRequest, QbSession
from tests.qbxml.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_command_creates_a_connection_with_a_hashed_password(capsys):
    call_command("qbwc_connection", "create", "Main file", "--username", "qbuser", "--password", "s3cret-pass")
    connection = QbConnection.objects.get(name="Main file")
    assert connection.is_default, "the first connection receives the accepted items"
    assert "s3cret-pass" not in connection.password_hash
    assert connection.check_password("s3cret-pass") and not connection.check_password("wrong")
    assert "app.qwc" in capsys.readouterr().out


def test_the_command_refuses_a_short_password_and_a_taken_user_name():
    with pytest.raises(CommandError, match="at least 8"):
        call_command("qbwc_connection", "create", "A", "--username", "a", "--password", "short")
    call_command("qbwc_connection", "create", "A", "--username", "a", "--password", "long-enough")
    with pytest.raises(CommandError, match="username"):
        call_command("qbwc_connection", "create", "B", "--username", "a", "--password", "long-enough")


def test_the_command_lists_connections_and_changes_a_password(capsys, connection):
    call_command("qbwc_connection", "list")
    assert "Main company (default)" in capsys.readouterr().out
    call_command("qbwc_connection", "set-password", "Main company", "--password", "another-pass")
    connection.refresh_from_db()
    assert connection.check_password("another-pass")


def test_only_one_connection_is_the_default():
    call_command("qbwc_connection", "create", "A", "--username", "a", "--password", "long-enough")
    call_command("qbwc_connection", "create", "B", "--username", "b", "--password", "long-enough", "--default")
    assert list(QbConnection.objects.filter(is_default=True).values_list("name", flat=True)) == ["B"]


def test_erp_admins_read_connections_with_their_health_and_never_a_password(erp_admin, connection, queued_company):
    QbSession.objects.create(
        connection=connection,
        ticket_hash="x" * 64,
        expires_at="2099-01-01T00:00:00Z",
        total_requests=4,
        done_requests=1,
    )
    QbRequest.objects.create(connection=connection, kind="vendor", status="ready")
    QbRequest.objects.create(connection=connection, kind="vendor", status="failed")
    client = APIClient()
    client.force_authenticate(erp_admin)
    body = client.get("/api/v1/qb-connections/").json()
    (row,) = body["results"]
    assert row["name"] == "Main company"
    # The accepted vendor's request was made when it was accepted, beside the ready one made here.
    assert row["waiting_to_send"] == 2 and row["failed_items"] == 0
    assert row["running_session"]["progress_percent"] == 25
    assert row["qwc_url"] == f"/qbwc/connections/{connection.pk}/app.qwc"
    assert "password" not in row and "password_hash" not in row


def test_an_erp_admin_creates_a_connection_through_the_api(erp_admin):
    client = APIClient()
    client.force_authenticate(erp_admin)
    response = client.post(
        "/api/v1/qb-connections/", {"name": "Second file", "username": "second", "password": "long-enough"}
    )
    assert response.status_code == 201, response.json()
    assert QbConnection.objects.get(name="Second file").check_password("long-enough")
    missing = client.post("/api/v1/qb-connections/", {"name": "Third", "username": "third"})
    assert missing.status_code == 400
    assert "password" in missing.json()["errors"]


def test_approvers_cannot_manage_connections(approver, connection):
    client = APIClient()
    client.force_authenticate(approver)
    response = client.get("/api/v1/qb-connections/")
    assert response.status_code == 403
    assert "Admin on ERP Integrations" in response.json()["detail"]


def test_a_password_change_through_the_api_takes_effect(erp_admin, connection):
    client = APIClient()
    client.force_authenticate(erp_admin)
    response = client.patch(f"/api/v1/qb-connections/{connection.pk}/", {"password": "brand-new-pass"})
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.check_password("brand-new-pass") and not connection.check_password(PASSWORD)
