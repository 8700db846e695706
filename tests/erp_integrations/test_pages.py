"""The approver's pages through the Django test client: lists, item detail, steps, health, settings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import AccountingRecord, ErpEvent, ErpItem, ErpSettings, ErpState
from procore_sync import models as ps
from qbxml.models import QbConnection, QbRequest, QbSession
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, commitment_with_lines, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="viewer")
    for tool in PROJECT_TOOLS:
        grant(user, tool, Level.READ_ONLY)
    return grant(user, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def make_items(count: int, *, start: int = 0, state: str = ErpState.PENDING, sender=None, project=None) -> None:  # type: ignore[no-untyped-def]
    """`count` items on new companies, written in bulk: the pages are about reading them."""
    companies = ps.Company.objects.bulk_create([ps.Company(name=f"Queue vendor {start + n:05d}") for n in range(count)])
    content_type = ContentType.objects.get_for_model(ps.Company)
    items = ErpItem.objects.bulk_create(
        [
            ErpItem(
                content_type=content_type,
                object_id=company.pk,
                object_type="company",
                label=company.name,
                project=project,
                state=state,
                sent_by=sender,
                sent_at=timezone.now(),
                sent_payload={"name": company.name},
            )
            for company in companies
        ]
    )
    ErpEvent.objects.bulk_create(
        [ErpEvent(item=item, actor=sender, action="send", from_state="draft", to_state=state) for item in items]
    )


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def ready_dependencies(commitment: ps.Commitment, pm, approver) -> None:  # type: ignore[no-untyped-def]
    for dependency in (commitment.project, commitment.vendor, *[line.cost_code for line in commitment.lines.all()]):
        services.item_send(dependency, pm)
        services.item_accept(dependency, approver)


# --- the list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    ["", "?type=company", "?tab=synced", "?type=company&q=vendor", "?sort=item", "?sort=-project&page=2"],
)
def test_queue_query_count_is_the_same_at_10_and_500_items(approver, pm, params):
    project = ProjectFactory()
    client = client_for(approver)
    url = reverse("erp:queue") + params
    make_items(10, sender=pm, project=project)
    make_items(5, start=100, state=ErpState.SYNCED, sender=pm)
    client.get(url)  # warm the caches a running server has warm
    at_10 = query_count(client, url)
    make_items(490, start=1000, sender=pm, project=project)
    make_items(200, start=5000, state=ErpState.SYNCED, sender=pm)
    at_500 = query_count(client, url)
    assert at_10 == at_500, f"{at_10} queries at 10 items, {at_500} at 500"
    assert at_500 <= 9  # with the company files the items go to (one query)


def test_queue_shows_every_type_tab_and_filter_with_counts(approver, pm):
    make_items(3, sender=pm)
    make_items(2, start=10, state=ErpState.FAILED, sender=pm)
    body = client_for(approver).get(reverse("erp:queue") + "?type=company").content.decode()
    for label in [
        "Projects/Jobs",
        "Companies/Vendors",
        "Cost Codes",
        "Budgets",
        "Commitments",
        "Change Orders",
        "Subcontractor Invoices",
        "Ready to Import",
        "Ready to Export",
        "Ready to Update",
        "Failed to Export",
        "Synced",
        "Archived",
    ]:
        assert label in body
    assert 'aria-current="page">\n              Ready to Export <span class="count">3</span>' in body
    assert 'Failed to Export <span class="count">2</span>' in body


def test_queue_pages_searches_and_sorts(approver, pm):
    make_items(120, sender=pm)
    client = client_for(approver)
    body = client.get(reverse("erp:queue") + "?sort=item").content.decode()
    assert "1–50 of 120" in body
    assert body.index("Queue vendor 00000") < body.index("Queue vendor 00001")
    body = client.get(reverse("erp:queue") + "?sort=item&page=3").content.decode()
    assert "101–120 of 120" in body and "Page 3 of 3" in body
    body = client.get(reverse("erp:queue") + "?q=vendor 0011").content.decode()
    assert "1–10 of 10" in body
    body = client.get(reverse("erp:queue") + "?sort=-item").content.decode()
    assert body.index("Queue vendor 00119") < body.index("Queue vendor 00118")


def test_queue_under_htmx_returns_only_the_list(approver, pm):
    make_items(2, sender=pm)
    response = client_for(approver).get(reverse("erp:queue"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    body = response.content.decode()
    assert '<div id="queue"' in body
    assert "<html" not in body
    assert 'hx-swap-oob="innerHTML"' in body


def test_approver_sees_bulk_controls_and_viewer_does_not(approver, viewer, pm):
    make_items(2, sender=pm)
    assert "Accept selected" in client_for(approver).get(reverse("erp:queue")).content.decode()
    body = client_for(viewer).get(reverse("erp:queue")).content.decode()
    assert "Accept selected" not in body
    assert 'name="ids"' not in body
    assert "Queue vendor 00000" in body


def test_bulk_accept_accepts_every_selected_item(approver, pm):
    companies = [CompanyFactory() for _ in range(3)]
    for company in companies:
        services.item_send(company, pm)
    ids = list(ErpItem.objects.values_list("pk", flat=True))
    response = client_for(approver).post(reverse("erp:queue"), {"action": "accept", "ids": ids}, follow=True)
    assert "Accepted 3 items." in response.content.decode()
    assert set(ErpItem.objects.values_list("state", flat=True)) == {ErpState.QUEUED}


def test_bulk_accept_reports_what_was_refused_and_accepts_the_rest(approver, pm):
    commitment = commitment_with_lines()
    services.item_send(commitment, pm)
    company = CompanyFactory()
    services.item_send(company, pm)
    ids = list(ErpItem.objects.filter(state=ErpState.PENDING).values_list("pk", flat=True))
    response = client_for(approver).post(reverse("erp:queue"), {"action": "accept", "ids": ids}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Accepted 1 item." in body
    assert "1 item could not be accepted" in body
    assert "cannot be accepted yet" in body


def test_bulk_reject_records_the_reason(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    client_for(approver).post(reverse("erp:queue"), {"action": "reject", "ids": [item.pk], "reason": "Duplicate"})
    item.refresh_from_db()
    assert item.state == ErpState.REJECTED
    assert item.events.last().reason == "Duplicate"


def test_bulk_without_selection_says_so(approver):
    response = client_for(approver).post(reverse("erp:queue"), {"action": "accept"}, follow=True)
    assert "Select at least one item first." in response.content.decode()


def test_bulk_by_a_viewer_is_a_403_naming_the_permission(viewer, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    response = client_for(viewer).post(reverse("erp:queue"), {"action": "accept", "ids": [item.pk]})
    assert response.status_code == 403
    assert "This needs Standard on ERP Integrations and the Can Push to Accounting privilege." in (
        response.content.decode()
    )
    item.refresh_from_db()
    assert item.state == ErpState.PENDING


def test_queue_without_erp_access_is_a_403(pm):
    response = client_for(pm).get(reverse("erp:queue"))
    assert response.status_code == 403
    assert "This needs Read Only on ERP Integrations." in response.content.decode()


def test_post_without_csrf_token_is_refused(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)
    assert client.post(reverse("erp:item-accept", args=[item.pk])).status_code == 403
    assert client.post(reverse("erp:queue"), {"action": "accept", "ids": [item.pk]}).status_code == 403
    item.refresh_from_db()
    assert item.state == ErpState.PENDING


def test_anonymous_users_are_sent_to_sign_in():
    response = Client().get(reverse("erp:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- one item ----------------------------------------------------------------------------------------------


def test_item_detail_shows_fields_lines_checks_dependencies_and_history(approver, pm):
    commitment = commitment_with_lines(lines=3)
    services.item_send(commitment, pm)
    item = ErpItem.objects.get(object_type="commitment")
    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert commitment.number in body
    assert "What QuickBooks will receive" in body
    assert "150,000.00" in body  # the lines' total
    assert "No problems found" in body
    assert "Depends on" in body and commitment.vendor.name in body
    assert "Sent to accounting" in body and "by pm" in body
    assert f'action="/erp/items/{item.pk}/accept/"' in body
    assert "Waiting on" in body
    assert "qbXML" in body  # what it will send is part of what the approver accepts


def test_item_detail_shows_the_qbxml_to_erp_admins(erp_admin, pm):
    company = CompanyFactory(name="Preview Paving")
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    body = client_for(erp_admin).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert '<h2 id="qbxml-heading">qbXML</h2>' in body
    # What the connector would send, built by its own mapping of the vendor.
    assert "&lt;?qbxml version=&quot;13.0&quot;?&gt;" in body
    assert "&lt;VendorAdd&gt;" in body and "&lt;Name&gt;Preview Paving&lt;/Name&gt;" in body


def test_item_detail_of_an_update_marks_what_changed(approver, pm):
    company = CompanyFactory(name="Old Name LLC")
    services.item_send(company, pm)
    services.item_accept(company, approver)
    item = ErpItem.objects.get()
    services.item_synced(item.pk, qb_ref="80000001-1", edit_sequence="1")
    company.name = "New Name LLC"
    company.save()
    services.item_resend(company, pm)
    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert "An update of a record QuickBooks already has" in body
    assert 'class="is-changed"' in body
    assert "Old Name LLC" in body and "New Name LLC" in body


def test_item_detail_lists_problems_of_a_record_that_changed_since(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    ps.Company.objects.filter(pk=company.pk).update(is_archived=True)
    item = ErpItem.objects.get()
    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert "1 problem to fix" in body
    assert "The company is archived" in body


def test_accepting_a_project_asks_for_the_parent_customer_from_quickbooks(approver, pm):
    project = ProjectFactory(owner=None)
    services.item_send(project, pm)
    qb = QbConnection.objects.create(name="Main", username="qbwc", password_hash="x")
    AccountingRecord.objects.create(book=qb.book, list_type="customer", external_id="1", full_name="Acme Holdings")
    AccountingRecord.objects.create(
        book=qb.book, list_type="customer", external_id="2", full_name="Acme:Job", parent_external_id="1"
    )
    item = ErpItem.objects.get()
    client = client_for(approver)
    body = client.get(reverse("erp:item", args=[item.pk])).content.decode()
    assert "Parent customer in QuickBooks" in body
    assert '<option value="Acme Holdings">' in body
    assert '<option value="Acme:Job">' not in body
    # Without a parent the service refuses, and the page says why.
    response = client.post(reverse("erp:item-accept", args=[item.pk]), {"accept-parent_customer": ""}, follow=True)
    assert "Choose the QuickBooks customer this job belongs to" in response.content.decode()
    response = client.post(
        reverse("erp:item-accept", args=[item.pk]), {"accept-parent_customer": "Acme Holdings"}, follow=True
    )
    assert "accepted: it is queued for QuickBooks" in response.content.decode()
    item.refresh_from_db()
    assert item.state == ErpState.QUEUED
    assert item.accept_options == {"parent_customer": "Acme Holdings"}


def test_accept_with_dependencies_not_ready_is_a_message_not_an_error(approver, pm):
    commitment = commitment_with_lines()
    services.item_send(commitment, pm)
    item = ErpItem.objects.get(object_type="commitment")
    response = client_for(approver).post(reverse("erp:item-accept", args=[item.pk]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot be accepted yet" in body
    assert "not yet accepted or synced" in body
    item.refresh_from_db()
    assert item.state == ErpState.PENDING


def test_accept_and_reject_through_the_item_page(approver, pm):
    commitment = commitment_with_lines()
    ready_dependencies(commitment, pm, approver)
    services.item_send(commitment, pm)
    other = commitment_with_lines()
    ready_dependencies(other, pm, approver)
    services.item_send(other, pm)
    client = client_for(approver)
    item = ErpItem.objects.get(object_type="commitment", object_id=commitment.pk)
    response = client.post(reverse("erp:item-accept", args=[item.pk]), follow=True)
    assert "accepted: it is queued for QuickBooks" in response.content.decode()
    item = ErpItem.objects.get(object_type="commitment", object_id=other.pk)
    response = client.post(reverse("erp:item-reject", args=[item.pk]), {"reject-reason": "Wrong vendor"}, follow=True)
    body = response.content.decode()
    assert "rejected: the sender has been told" in body
    assert "“Wrong vendor”" in body


def test_a_step_taken_twice_gets_a_clear_message(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    client = client_for(approver)
    client.post(reverse("erp:item-accept", args=[item.pk]))
    response = client.post(reverse("erp:item-accept", args=[item.pk]), follow=True)
    assert "cannot be accepted: it is queued for quickbooks now" in response.content.decode().lower()


def test_viewer_sees_no_actions_and_the_accept_url_is_a_403(viewer, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    client = client_for(viewer)
    body = client.get(reverse("erp:item", args=[item.pk])).content.decode()
    assert ">Accept<" not in body and ">Reject<" not in body
    for name in ("erp:item-accept", "erp:item-reject"):
        response = client.get(reverse(name, args=[item.pk]))
        assert response.status_code == 403
        assert "This needs Standard on ERP Integrations and the Can Push to Accounting privilege." in (
            response.content.decode()
        )


def test_accept_page_by_get_shows_the_form(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = ErpItem.objects.get()
    body = client_for(approver).get(reverse("erp:item-reject", args=[item.pk])).content.decode()
    assert "Reason (optional)" in body and 'name="reject-reason"' in body


def test_item_of_a_deleted_record_keeps_its_history(approver, pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    services.item_retrieve(company, pm)
    from procore_sync.services import delete_record

    delete_record(pm, company)
    item = ErpItem.objects.get()
    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert "The record was deleted" in body
    assert "Retrieved by the sender" in body


# --- sync health ---------------------------------------------------------------------------------------------


def _connection_with_requests(count: int, name: str = "Main") -> QbConnection:
    qb = QbConnection.objects.create(name=name, username=f"qbwc-{name}", password_hash="x")
    QbRequest.objects.bulk_create(
        [QbRequest(connection=qb, operation="VendorAdd", status="ready") for _ in range(count)]
        + [QbRequest(connection=qb, operation="VendorAdd", status="failed")]
    )
    return qb


def test_connections_show_queue_depth_failures_and_a_polled_progress_bar(erp_admin):
    qb = _connection_with_requests(7)
    qb.last_contact_at = timezone.now() - datetime.timedelta(minutes=5)
    qb.save()
    QbSession.objects.create(
        connection=qb,
        ticket_hash="a" * 64,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
        total_requests=8,
        done_requests=2,
    )
    client = client_for(erp_admin)
    body = client.get(reverse("qb:connections")).content.decode()
    assert '<dt>Waiting to send</dt><dd data-figure="waiting_to_send">7</dd>' in body
    assert '<dt>List records refused</dt><dd data-figure="refused_list_records" class="text-danger">1</dd>' in body
    assert "5\xa0minutes ago" in body
    assert 'aria-valuenow="25"' in body
    assert 'hx-trigger="every 3s"' in body
    assert reverse("qbwc-qwc", args=[qb.pk]) in body
    assert "Setting up the Web Connector" in body
    partial = client.get(reverse("qb:connection-progress", args=[qb.pk])).content.decode()
    assert "<html" not in partial and 'aria-valuenow="25"' in partial
    QbSession.objects.filter(connection=qb).update(status="closed", done_requests=8, summary="Synced 8 items")
    partial = client.get(reverse("qb:connection-progress", args=[qb.pk])).content.decode()
    assert "every 3s" not in partial  # the polling stops with the session
    assert "Synced 8 items" in partial


def test_qwc_download_is_offered_to_erp_admins_only(approver):
    qb = _connection_with_requests(1)
    body = client_for(approver).get(reverse("qb:connections")).content.decode()
    assert reverse("qbwc-qwc", args=[qb.pk]) not in body


def test_connections_query_count_is_the_same_at_10_and_500_requests(erp_admin):
    client = client_for(erp_admin)
    _connection_with_requests(10)
    client.get(reverse("qb:connections"))
    at_10 = query_count(client, reverse("qb:connections"))
    _connection_with_requests(500, name="Second")
    QbRequest.objects.bulk_create(
        [QbRequest(connection=QbConnection.objects.get(name="Main"), operation="BillAdd") for _ in range(490)]
    )
    assert query_count(client, reverse("qb:connections")) == at_10


# --- settings ---------------------------------------------------------------------------------------------------


def test_settings_are_saved_through_the_service(erp_admin):
    client = client_for(erp_admin)
    body = client.get(reverse("erp:settings")).content.decode()
    assert "Cost types and QuickBooks classes" in body and "Subcontract" in body
    response = client.post(
        reverse("erp:settings"),
        {
            "direct_export_types": ["company", "cost_code"],
            "retainage_item_name": "Retention",
            "retention_item_name": "Retention receivable",
            "expense_account_name": "Job Expenses",
            "income_account_name": "Construction Income",
            "sync_every_minutes": "30",
        },
        follow=True,
    )
    assert "Settings saved." in response.content.decode()
    row = ErpSettings.load()
    assert row.direct_export_types == ["company", "cost_code"]
    assert row.retainage_item_name == "Retention"
    # The owner side: its retention item, and billing only (the checkbox left unticked).
    assert (row.retention_item_name, row.prime_contract_estimates) == ("Retention receivable", False)
    assert row.sync_every_minutes == 30


def test_settings_show_field_errors(erp_admin):
    response = client_for(erp_admin).post(
        reverse("erp:settings"),
        {"retainage_item_name": "R" * 40, "expense_account_name": "", "income_account_name": "x"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 31 characters" in body
    assert 'aria-invalid="true"' in body


def test_settings_need_erp_admin(approver):
    response = client_for(approver).get(reverse("erp:settings"))
    assert response.status_code == 403
    assert "This needs Admin on ERP Integrations." in response.content.decode()


# --- sign in ---------------------------------------------------------------------------------------------------


def test_sign_in_and_out(approver):
    client = Client()
    response = client.post(reverse("login"), {"username": "approver", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/").url == reverse("erp:queue")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("erp:queue")).status_code == 302


def test_repeated_failed_sign_ins_are_throttled(approver, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "approver", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(reverse("login"), {"username": "approver", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Even the right password waits out the cool-off.
    response = client.post(reverse("login"), {"username": "approver", "password": "correct horse battery"})
    assert response.status_code == 429
    # Another user from the same address is not locked out.
    UserFactory(username="colleague")
    response = client.post(reverse("login"), {"username": "colleague", "password": "correct horse battery"})
    assert response.status_code == 302


def test_home_sends_each_user_to_their_start_page(approver, pm):
    assert client_for(approver).get("/").url == reverse("erp:queue")
    assert client_for(pm).get("/").url == reverse("projects:list")


def test_every_page_uses_local_static_files_only(approver):
    body = client_for(approver).get(reverse("erp:queue")).content.decode()
    assert "/static/vendor/htmx.min.js" in body and "/static/css/app.css" in body
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body


def test_money_and_badge_helpers():
    from erp_integrations.templatetags.erp_ui import state_badge
    from procore_sync.templatetags.ui import money

    assert money(Decimal("1234567.5")) == "1,234,567.50"
    assert money("-12.3") == "-12.30"
    assert money("") == ""
    assert 'class="badge badge--rejected">Rejected<' in state_badge("rejected")
