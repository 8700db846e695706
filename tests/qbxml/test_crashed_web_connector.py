"""A Web Connector dies mid-session: the next one is told `busy`, and getLastError, the connection's last
error and the sync health page say which session holds the company file and until when. An ERP
Integrations admin may release it at once (kept on the session: who, when); the next session then looks
up what the dead one had sent before sending anything again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from qbxml.models import QbConnection, QbRequest, QbSession
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory
from tests.qbxml.helpers import ManualSession, connector_for, item_of, queue_for_quickbooks

pytestmark = pytest.mark.django_db

LOST_ANSWER_NOTE = "Found in QuickBooks: its first answer was lost."


@pytest.fixture
def company() -> QuickBooksCompany:
    return QuickBooksCompany("Main Company")


@pytest.fixture
def died_mid_session(pm, approver, company, connection, client):  # type: ignore[no-untyped-def]
    """A session whose Web Connector took a message, QuickBooks carried it out, and then nothing: the
    answer never came back."""
    vendor = CompanyFactory(name="Crashed Session Vendor", phone="555-0199")
    queue_for_quickbooks([vendor], pm, approver)
    dead = ManualSession(connector_for(company, client=client))
    assert dead.open() == ""
    company.process(dead.send())  # made in QuickBooks; the answer is lost with the Web Connector
    company.end_session()
    return vendor


def test_the_next_web_connector_is_told_which_session_holds_the_file_and_until_when(died_mid_session, company, client):
    running = QbSession.objects.get(status=QbSession.Status.OPEN)
    second = ManualSession(connector_for(company, client=client))

    assert second.open() == "busy"

    text = second.last_error()
    assert "Another Web Connector session holds this company file" in text
    assert f"released at {timezone.localtime(running.silent_release_at):%Y-%m-%d %H:%M:%S}" in text
    assert "an ERP Integrations admin can release it now" in text
    assert QbConnection.objects.get().last_error == text


def test_an_erp_admin_releases_the_file_and_the_next_session_looks_up_before_adding(
    died_mid_session, company, client, erp_admin
):
    admin = Client()
    admin.force_login(erp_admin)
    page = admin.get(reverse("qb:connections")).content.decode()
    assert "This session holds the company file" in page and "Release the company file now" in page

    response = admin.post(reverse("qb:release-session", args=[QbConnection.objects.get().pk]), follow=True)

    assert "is released" in response.content.decode()
    released = QbSession.objects.get()
    assert (released.status, released.released_by) == (QbSession.Status.RELEASED, erp_admin)
    assert "Released by erp_admin" in released.summary
    second = ManualSession(connector_for(company, client=client))
    assert second.open() == ""
    message = second.send()
    assert "<VendorQueryRq" in message and "<VendorAddRq" not in message, "looked up, not added again"
    assert second.receive(company.process(message)) == 100
    second.close()
    assert company.add_count("Vendor", "Crashed Session Vendor") == 1
    item = item_of(died_mid_session)
    assert item.state == "synced"
    assert item.events.filter(reason=LOST_ANSWER_NOTE).exists()


def test_the_api_releases_the_file_once_and_leaves_what_was_sent_in_doubt(died_mid_session, erp_admin):
    dead = QbSession.objects.get()
    api = APIClient()
    api.force_authenticate(erp_admin)

    response = api.post(f"/api/v1/qb-connections/{dead.connection_id}/release-session/")

    assert response.status_code == 200
    assert response.json()["running_session"] is None
    assert QbRequest.objects.get().status == QbRequest.Status.SENT, "in doubt until the next session asks"
    again = api.post(f"/api/v1/qb-connections/{dead.connection_id}/release-session/")
    assert again.status_code == 409


def test_releasing_needs_admin_on_erp_integrations(died_mid_session, approver):
    api = APIClient()
    api.force_authenticate(approver)
    connection = QbConnection.objects.get()
    assert api.post(f"/api/v1/qb-connections/{connection.pk}/release-session/").status_code == 403
    page = Client()
    page.force_login(approver)
    assert page.post(reverse("qb:release-session", args=[connection.pk])).status_code == 403
    assert QbSession.objects.get().status == QbSession.Status.OPEN
