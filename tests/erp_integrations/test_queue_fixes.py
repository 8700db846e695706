"""The queue and an item's page as their users asked: who sees the qbXML, what a synced item says, times in
the lists, the sort in the address, the questions before steps that cannot be undone, bulk steps and the
Queued tab in the API, CSV downloads, the rejection e-mail's link, and the words of the pages."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access import services as access_services
from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from erp_integrations.tasks import record_url
from procore_sync import models as ps
from tests.config.test_settings import PRODUCTION, manage
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, commitment_with_lines, grant

pytestmark = pytest.mark.django_db

API = "/api/v1"
LEVELS = [Level.NONE, Level.READ_ONLY, Level.STANDARD, Level.ADMIN]


@pytest.fixture
def viewer(db):  # type: ignore[no-untyped-def]
    """Reads every project tool and ERP Integrations; may accept nothing."""
    user = UserFactory(username="viewer")
    for tool in PROJECT_TOOLS:
        grant(user, tool, Level.READ_ONLY)
    return grant(user, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def item_of(record: Any) -> ErpItem:
    return services.item_for(record)


def pending_company(pm: Any, name: str) -> ErpItem:
    company = CompanyFactory(name=name)
    services.item_send(company, pm)
    return item_of(company)


def synced_company(
    pm: Any, approver: Any, name: str, qb_ref: str = "80000001-1700000000", at: datetime.datetime | None = None
) -> ErpItem:
    company = CompanyFactory(name=name)
    services.item_send(company, pm)
    services.item_accept(company, approver)
    with mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
        return services.item_synced(item_of(company).pk, qb_ref=qb_ref, edit_sequence="1700000000")


def failed_company(pm: Any, approver: Any, name: str) -> ErpItem:
    company = CompanyFactory(name=name)
    services.item_send(company, pm)
    services.item_accept(company, approver)
    return services.item_sync_failed(item_of(company).pk, error="The name is in use.")


def body_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- who sees the qbXML --------------------------------------------------------------------------------------


def test_an_approver_sees_the_qbxml_the_item_will_send(pm, approver):
    item = pending_company(pm, "Preview Paving")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[item.pk])))

    assert '<h2 id="qbxml-heading">qbXML</h2>' in body
    assert "&lt;VendorAdd&gt;" in body and "&lt;Name&gt;Preview Paving&lt;/Name&gt;" in body


@pytest.mark.parametrize(
    ("level", "push"),
    [(Level.READ_ONLY, True), (Level.STANDARD, False)],
    ids=["read_only_with_the_privilege", "standard_without_the_privilege"],
)
def test_who_is_neither_approver_nor_erp_admin_does_not_see_the_qbxml(pm, level, push):
    item = pending_company(pm, "Hidden Paving")
    user = grant(UserFactory(), Tool.ERP_INTEGRATIONS, level, push=push)

    body = body_of(page_client(user).get(reverse("erp:item", args=[item.pk])))

    assert "qbxml-heading" not in body
    assert "VendorAdd" not in body


# --- what a synced item says ---------------------------------------------------------------------------------


def test_a_synced_item_says_what_quickbooks_received_its_id_and_when(pm, approver, settings):
    settings.TIME_ZONE = "UTC"
    synced_at = datetime.datetime(2026, 3, 4, 15, 6, tzinfo=datetime.UTC)
    item = synced_company(pm, approver, "Received Roofing", at=synced_at)
    # The record changed since: the page shows what QuickBooks holds, not the record's values now.
    ps.Company.objects.filter(pk=item.object_id).update(name="Renamed Roofing")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[item.pk])))

    assert "What QuickBooks received" in body
    assert "What QuickBooks will receive" not in body
    assert "Received Roofing" in body.split('id="payload-heading"', 1)[1].split("</section>", 1)[0]
    assert "80000001-1700000000" in body
    assert "Synced on" in body and "Mar 4, 2026 15:06" in body


def test_an_item_not_synced_yet_still_says_what_quickbooks_will_receive(pm, approver):
    item = pending_company(pm, "Pending Paving")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[item.pk])))

    assert "What QuickBooks will receive" in body
    assert "What QuickBooks received" not in body
    assert "Synced on" not in body


def test_the_queue_rows_show_the_time_of_day_not_only_the_date(pm, approver, settings):
    settings.TIME_ZONE = "UTC"
    item = pending_company(pm, "Timed Tiling")
    ErpItem.objects.filter(pk=item.pk).update(
        sent_at=datetime.datetime(2026, 5, 6, 7, 8, tzinfo=datetime.UTC),
        updated_at=datetime.datetime(2026, 5, 6, 9, 10, tzinfo=datetime.UTC),
    )

    body = body_of(page_client(approver).get(reverse("erp:queue"), {"type": "company"}))

    assert "May 6, 2026 07:08" in body
    assert "May 6, 2026 09:10" in body


def test_the_history_shows_the_time_of_each_step(pm, approver, settings):
    settings.TIME_ZONE = "UTC"
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime.datetime(2026, 7, 8, 11, 12, tzinfo=datetime.UTC)
    ):
        item = pending_company(pm, "History Hauling")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[item.pk])))

    timeline = body.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "Jul 8, 2026 11:12" in timeline


# --- the sort is in the address --------------------------------------------------------------------------------


def labels_in(body: str) -> list[str]:
    return re.findall(r'<a href="/erp/items/\d+/">([^<]+)</a>', body)


def test_the_queue_reads_its_sort_from_the_address_and_its_links_carry_it(pm, approver):
    for name in ("Bravo Builders", "Alpha Asphalt", "Charlie Concrete"):
        pending_company(pm, name)
    client = page_client(approver)

    ascending = body_of(client.get(reverse("erp:queue"), {"type": "company", "sort": "item"}))
    descending = body_of(client.get(reverse("erp:queue"), {"type": "company", "sort": "-item"}))

    assert labels_in(ascending) == ["Alpha Asphalt", "Bravo Builders", "Charlie Concrete"]
    assert labels_in(descending) == ["Charlie Concrete", "Bravo Builders", "Alpha Asphalt"]
    # The column's link reverses the sort; the tabs, the search and the pages keep it.
    assert 'href="/erp/?type=company&amp;sort=-item"' in ascending
    assert 'href="/erp/?type=company&amp;tab=synced&amp;sort=item"' in ascending
    assert '<input type="hidden" name="sort" value="item">' in ascending
    # Under htmx too: the header links sit inside the bulk form, which pushes no address, so each says so.
    sort_link = re.search(r'<a href="/erp/\?type=company&amp;sort=-item"[^>]*>', ascending)
    assert sort_link and 'hx-push-url="true"' in sort_link.group(0)


# --- questions before steps that cannot be undone ---------------------------------------------------------------


def test_reject_and_unlink_on_the_item_page_ask_first(pm, approver):
    pending = pending_company(pm, "Asked Asphalt")
    synced = synced_company(pm, approver, "Asked Again")
    client = page_client(approver)

    pending_page = body_of(client.get(reverse("erp:item", args=[pending.pk])))
    synced_page = body_of(client.get(reverse("erp:item", args=[synced.pk])))

    assert 'data-confirm-title="Reject Asked Asphalt?"' in pending_page
    assert 'data-confirm-title="Unlink Asked Again from QuickBooks?"' in synced_page
    for page in (pending_page, synced_page):
        assert '<dialog id="confirm-dialog"' in page
        assert "/static/js/confirm.js" in page
        assert "cdn" not in page.lower()


def test_bulk_reject_asks_first_and_bulk_accept_does_not(pm, approver):
    pending_company(pm, "Bulk Asked")

    body = body_of(page_client(approver).get(reverse("erp:queue"), {"type": "company"}))

    reject = re.search(r'<button[^>]*value="reject"[^>]*>', body)
    accept = re.search(r'<button[^>]*value="accept"[^>]*>', body)
    assert reject and 'data-confirm-title="Reject {count} {items}?"' in reject.group(0)
    assert accept and "data-confirm-title" not in accept.group(0)
    assert '<dialog id="confirm-dialog"' in body


def test_the_confirmation_script_is_served_from_the_products_static_files(approver):
    from django.contrib.staticfiles import finders

    script = finders.find("js/confirm.js")

    assert script is not None
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    assert "showModal" in text and "requestSubmit" in text


# --- bulk steps in the API ------------------------------------------------------------------------------------


def _is_approver(level: Level, push: bool) -> bool:
    return level in (Level.STANDARD, Level.ADMIN) and push


ITEM_IN_STATE = {"accept": "pending", "reject": "pending", "retry": "failed"}


@pytest.mark.parametrize("push", [False, True], ids=["without_push", "with_push"])
@pytest.mark.parametrize("level", LEVELS, ids=[level.slug for level in LEVELS])
@pytest.mark.parametrize("step", ["accept", "reject", "retry"])
def test_bulk_steps_in_the_api_follow_the_permission_matrix(pm, approver, step, level, push):
    items = [
        failed_company(pm, approver, f"Cell {n}") if step == "retry" else pending_company(pm, f"Cell {n}")
        for n in range(2)
    ]
    user = UserFactory()
    if level is not Level.NONE:
        user = grant(user, Tool.ERP_INTEGRATIONS, level, push=push)
    elif push:
        access_services.set_push_privilege(user, True)

    response = api_client(user).post(
        f"{API}/erp/items/bulk/", {"step": step, "ids": [item.pk for item in items]}, format="json"
    )

    if _is_approver(level, push):
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["done"] == 2 and body["refused"] == 0
        assert {row["result"] for row in body["results"]} == {"done"}
    else:
        assert response.status_code == 403, response.content
        assert "missing_permission" in response.json()
        assert {item.state for item in ErpItem.objects.filter(pk__in=[i.pk for i in items])} == {ITEM_IN_STATE[step]}


def test_bulk_accept_reports_each_item_done_or_refused_with_its_reason(pm, approver):
    company = pending_company(pm, "Ready Roofing")
    commitment = commitment_with_lines(lines=1)
    services.item_send(commitment, pm)  # its vendor and project are drafts: refused
    waiting = item_of(commitment)
    synced = synced_company(pm, approver, "Already There")

    response = api_client(approver).post(
        f"{API}/erp/items/bulk/", {"step": "accept", "ids": [company.pk, waiting.pk, synced.pk, 999999]}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["done"], body["refused"]) == (1, 3)
    rows = {row["id"]: row for row in body["results"]}
    assert rows[company.pk]["result"] == "done" and rows[company.pk]["erp_status"] == "queued"
    assert rows[waiting.pk]["result"] == "refused"
    assert "cannot be accepted yet" in rows[waiting.pk]["reason"]
    assert rows[synced.pk]["result"] == "refused" and "synced with QuickBooks" in rows[synced.pk]["reason"]
    assert rows[999999] == {
        "id": 999999,
        "label": "",
        "result": "refused",
        "reason": "No such item: it no longer exists.",
        "erp_status": "",
    }
    assert item_of(commitment).state == ErpState.PENDING


def test_bulk_reject_through_the_api_records_the_reason_and_tells_the_senders(
    pm, approver, django_capture_on_commit_callbacks
):
    items = [pending_company(pm, f"Rejected {n}") for n in range(2)]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(approver).post(
            f"{API}/erp/items/bulk/",
            {"step": "reject", "ids": [item.pk for item in items], "reason": "Duplicates"},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["done"] == 2
    assert list(ErpEvent.objects.filter(action="reject").values_list("reason", flat=True)) == ["Duplicates"] * 2
    assert len(mail.outbox) == 2


def test_the_page_and_the_api_refuse_a_bulk_step_in_the_same_words(pm, approver):
    commitment = commitment_with_lines(lines=1)
    services.item_send(commitment, pm)
    item = item_of(commitment)

    api = api_client(approver).post(f"{API}/erp/items/bulk/", {"step": "accept", "ids": [item.pk]}, format="json")
    page = page_client(approver).post(reverse("erp:queue"), {"action": "accept", "ids": [item.pk]}, follow=True)

    reason = api.json()["results"][0]["reason"]
    assert reason.startswith(f"{item.label} cannot be accepted yet:")
    assert reason.replace("'", "&#x27;") in page.content.decode()


@pytest.mark.parametrize(
    "body",
    [{"step": "accept", "ids": []}, {"step": "unlink", "ids": [1]}, {"step": "accept"}, {"ids": [1]}],
    ids=["no_ids", "not_a_bulk_step", "ids_missing", "step_missing"],
)
def test_a_bulk_request_the_api_cannot_read_is_a_400(approver, body):
    response = api_client(approver).post(f"{API}/erp/items/bulk/", body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Some values need fixing."


# --- the Queued tab in the API ---------------------------------------------------------------------------------


def test_the_queue_api_lists_the_queued_tab_and_counts_it(pm, approver):
    company = CompanyFactory(name="Queued Quarry")
    services.item_send(company, pm)
    services.item_accept(company, approver)
    pending_company(pm, "Still Pending")
    client = api_client(approver)

    listed = client.get(f"{API}/erp/items/", {"tab": "queued"})
    counts = client.get(f"{API}/erp/items/counts/", {"type": "company"})

    assert listed.status_code == 200
    assert [row["label"] for row in listed.json()["results"]] == ["Queued Quarry"]
    assert counts.json()["queued"] == 1
    assert counts.json()["ready_to_export"] == 1


def test_the_page_and_the_api_count_the_same_tabs(pm, approver):
    from erp_integrations.views import FILTERS

    counts = api_client(approver).get(f"{API}/erp/items/counts/").json()

    assert list(counts) == [tab for tab, _ in FILTERS]


# --- CSV downloads ---------------------------------------------------------------------------------------------


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_download_holds_the_tabs_items_as_filtered_and_sorted(pm, approver, settings):
    settings.TIME_ZONE = "UTC"
    for name in ("Bravo Builders", "Alpha Asphalt", "Charlie Concrete", "Alpha Again"):
        pending_company(pm, name)
    synced_company(pm, approver, "Alpha Synced", qb_ref="80000009-1")
    client = page_client(approver)

    rows = csv_rows(client.get(reverse("erp:queue-csv"), {"type": "company", "q": "alpha", "sort": "-item"}))
    synced = csv_rows(client.get(reverse("erp:queue-csv"), {"type": "company", "tab": "synced"}))

    assert rows[0] == [
        "Id",
        "Type",
        "Item",
        "Project",
        "Status",
        "Sent by",
        "Sent",
        "Last change",
        "QuickBooks id",
        "Error",
    ]
    assert [row[2] for row in rows[1:]] == ["Alpha Asphalt", "Alpha Again"]
    assert rows[1][4] == "Pending acceptance" and rows[1][5] == "pm"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1][6])
    assert [(row[2], row[8]) for row in synced[1:]] == [("Alpha Synced", "80000009-1")]


@pytest.mark.parametrize(
    "tab", ["ready_to_export", "ready_to_update", "queued", "failed_to_export", "synced", "archived"]
)
def test_every_tab_downloads_its_own_items(pm, approver, tab):
    pending_company(pm, "Pending One")
    synced_company(pm, approver, "Synced One")
    failed_company(pm, approver, "Failed One")
    queued = CompanyFactory(name="Queued One")
    services.item_send(queued, pm)
    services.item_accept(queued, approver)
    expected = {
        "ready_to_export": ["Pending One"],
        "ready_to_update": [],
        "queued": ["Queued One"],
        "failed_to_export": ["Failed One"],
        "synced": ["Synced One"],
        "archived": [],
    }

    rows = csv_rows(page_client(approver).get(reverse("erp:queue-csv"), {"tab": tab}))

    assert [row[2] for row in rows[1:]] == expected[tab]


def test_the_queue_links_its_csv_download_with_the_current_filters(pm, approver):
    pending_company(pm, "Linked List")

    body = body_of(page_client(approver).get(reverse("erp:queue"), {"type": "company", "q": "linked", "sort": "item"}))

    assert 'href="/erp/queue.csv?type=company&amp;q=linked&amp;sort=item"' in body
    assert "Download CSV" in body


def test_the_csv_download_is_closed_to_users_without_erp_integrations(pm):
    response = page_client(pm).get(reverse("erp:queue-csv"))

    assert response.status_code == 403


def test_a_reader_of_erp_integrations_may_download_the_csv(pm, viewer):
    pending_company(pm, "Read Only Rows")

    rows = csv_rows(page_client(viewer).get(reverse("erp:queue-csv")))

    assert [row[2] for row in rows[1:]] == ["Read Only Rows"]


# --- the rejection e-mail links to the record -------------------------------------------------------------------


def test_the_rejection_email_links_to_the_records_page(pm, approver, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://qb.example.com"
    commitment = commitment_with_lines(lines=1)
    services.item_send(commitment, pm)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.item_reject(commitment, approver, "Wrong vendor")

    (message,) = mail.outbox
    assert f"https://qb.example.com/projects/commitments/{commitment.pk}/" in message.body
    assert "Wrong vendor" in message.body


def test_the_rejection_links_to_the_records_own_page_or_else_to_its_item(pm, approver, settings):
    settings.SITE_URL = "https://qb.example.com/bridge"
    item = pending_company(pm, "Own Page Paving")

    assert record_url(item) == f"https://qb.example.com/bridge/directory/companies/{item.object_id}/"
    assert record_url(item_of(ProjectFactory())).startswith("https://qb.example.com/bridge/projects/")
    ps.Company.objects.filter(pk=item.object_id).delete()
    assert record_url(item) == f"https://qb.example.com/bridge/erp/items/{item.pk}/"


def test_the_rejection_email_names_the_approver_by_full_name(pm, approver, django_capture_on_commit_callbacks):
    approver.first_name, approver.last_name = "Ada", "Approver"
    approver.save()
    item = pending_company(pm, "Named Nails")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.item_reject(ps.Company.objects.get(pk=item.object_id), approver, "")

    assert mail.outbox[0].body.startswith("Ada Approver rejected Named Nails")


def test_site_url_defaults_to_the_first_allowed_host_in_production_and_must_be_an_address():
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.SITE_URL)", **PRODUCTION)
    given = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SITE_URL)",
        **PRODUCTION,
        SITE_URL="https://qb.example.com/",
    )
    wrong = manage("check", **PRODUCTION, SITE_URL="qb.example.com")
    wildcard = manage("check", **{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ".example.com"})

    # The shell may say first what it imported: the printed value is its last line.
    assert shown.stdout.strip().splitlines()[-1] == "https://qb.example.com", shown.stderr
    assert given.stdout.strip().splitlines()[-1] == "https://qb.example.com", given.stderr
    assert wrong.returncode != 0 and "SITE_URL" in wrong.stderr
    assert wildcard.returncode != 0 and "SITE_URL" in wildcard.stderr


# --- words ----------------------------------------------------------------------------------------------------


def test_a_dependency_refusal_names_each_waiting_record_once(pm, approver):
    commitment = commitment_with_lines(lines=1)
    services.item_send(commitment, pm)
    item = item_of(commitment)

    response = page_client(approver).post(reverse("erp:item-accept", args=[item.pk]), follow=True)

    messages = body_of(response).split('id="messages"', 1)[1].split("</div>\n", 1)[0]
    assert f"{item.label} cannot be accepted yet:" in messages
    assert messages.count(commitment.vendor.name) == 1
    assert messages.count("not yet accepted or synced") == messages.count("<li>")


def test_quickbooks_steps_in_the_history_are_not_said_to_be_by_quickbooks(pm, approver):
    failed = failed_company(pm, approver, "Refused Roofing")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[failed.pk])))

    timeline = body.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "QuickBooks refused it" in timeline
    assert "by QuickBooks" not in timeline


def test_the_item_page_names_people_by_full_name_everywhere(pm, approver):
    approver.first_name, approver.last_name = "Ada", "Approver"
    approver.save()
    pm.first_name, pm.last_name = "Pat", "Manager"
    pm.save()
    item = pending_company(pm, "Named Nails")
    services.item_reject(ps.Company.objects.get(pk=item.object_id), approver, "Duplicate")

    body = body_of(page_client(approver).get(reverse("erp:item", args=[item.pk])))

    assert "Rejected by Ada Approver on" in body
    assert "Sent to accounting</strong> by Pat Manager" in body
    assert "Sent by Pat Manager" in body
    assert re.search(r"\bby (approver|pm)\b", body) is None


def test_the_queue_names_the_sender_by_full_name_falling_back_to_the_login(pm, approver):
    pending_company(pm, "Login Sender")
    named = UserFactory(username="named_pm", first_name="Nora", last_name="Named")
    for tool in PROJECT_TOOLS:
        named = grant(named, tool, Level.ADMIN)
    pending_company(named, "Named Sender")

    body = body_of(page_client(approver).get(reverse("erp:queue"), {"type": "company", "sort": "item"}))

    assert '<td class="hide-md">pm</td>' in body
    assert '<td class="hide-md">Nora Named</td>' in body


def test_a_reader_is_told_the_queue_is_read_only_and_what_accepting_needs(pm, viewer):
    pending_company(pm, "Viewed Vendor")

    body = body_of(page_client(viewer).get(reverse("erp:queue")))

    assert (
        "You can view this queue; accepting needs Standard on ERP Integrations and the Can Push to Accounting "
        "privilege." in body
    )
    assert "Accept what goes to QuickBooks" not in body


def test_an_approver_is_told_what_the_queue_is_for(approver):
    body = body_of(page_client(approver).get(reverse("erp:queue")))

    assert "Accept what goes to QuickBooks Desktop" in body
    assert "You can view this queue" not in body


def test_the_sync_health_page_ends_each_sentence_once(erp_admin):
    from qbxml import services as qb_services
    from qbxml.models import QbSession

    connection = qb_services.connection_create(None, name="Main company", username="qbuser", password="pw-123456")
    QbSession.objects.create(
        connection=connection,
        ticket_hash="b" * 64,
        expires_at=timezone.now(),
        status=QbSession.Status.CLOSED,
        ended_at=timezone.now(),
        summary="Synced 2 item(s), 1 failed.",
    )

    body = body_of(page_client(erp_admin).get(reverse("qb:connections")))

    assert "1 failed." in body
    assert "failed.." not in body
