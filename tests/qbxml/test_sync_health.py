"""Sync health: one computation of each connection's figures for the page and the API; a page that polls
while a session runs and only then; recent runs that tell a session that stopped answering from one that
runs; and every session's qbXML readable by ERP Integrations admins, page by page, and downloadable."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from qbxml import imports, pages, selectors, services
from qbxml.models import QbConnection, QbExchange, QbListImport, QbRequest, QbSession
from qbxml.queue.enqueue import enqueue
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory, UserFactory, grant
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import ManualSession, connector_for, play_session, queue_for_quickbooks

pytestmark = pytest.mark.django_db

S = QbRequest.Status


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def health_page(user: Any) -> str:
    response = client_for(user).get(reverse("qb:connections"))
    assert response.status_code == 200
    return response.content.decode()


def api_row(user: Any, connection: QbConnection) -> dict[str, Any]:
    response = api_for(user).get(f"/api/v1/qb-connections/{connection.pk}/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def health(connection: QbConnection) -> selectors.ConnectionHealth:
    found = selectors.health_of(connection.pk)
    assert found is not None
    return found


def figures_on_page(body: str, connection: QbConnection) -> dict[str, int]:
    """The figures a connection's card shows (`data-figure`), absent ones as 0 (the card leaves them out)."""
    card = body[body.index(f'id="connection-card-{connection.pk}"') :]
    card = card[: card.index("</section>")]
    found = {name: int(value) for name, value in re.findall(r'data-figure="(\w+)"[^>]*>(\d+)<', card)}
    names = ("waiting_to_send", "awaiting_answer", "failed_items", "refused_list_records", "list_imports_in_progress")
    return {name: found.get(name, 0) for name in names}


def open_session(connection: QbConnection, *, silent_for: timedelta = timedelta(0), **fields: Any) -> QbSession:
    now = timezone.now()
    session = QbSession.objects.create(
        connection=connection, ticket_hash=f"{QbSession.objects.count():064d}", expires_at=now + timedelta(hours=8)
    )
    QbSession.objects.filter(pk=session.pk).update(
        started_at=now - silent_for - timedelta(minutes=1), last_seen_at=now - silent_for, **fields
    )
    session.refresh_from_db()
    return session


def queued_items(count: int) -> list[ErpItem]:
    """Accepted items written in bulk, as items accepted while no connection could take them are."""
    start = ps.Company.objects.count()
    companies = ps.Company.objects.bulk_create(
        [ps.Company(name=f"Queued vendor {n:03d}") for n in range(start, start + count)]
    )
    content_type = ContentType.objects.get_for_model(ps.Company)
    return ErpItem.objects.bulk_create(
        [
            ErpItem(
                content_type=content_type,
                object_id=company.pk,
                object_type="company",
                label=company.name,
                state=ErpState.QUEUED,
                sent_payload={"name": company.name},
            )
            for company in companies
        ]
    )


def streamed(response: Any) -> bytes:
    assert response.streaming, "a download of any size is streamed"
    return b"".join(response.streaming_content)


def run_a_session(client: Client, company: QuickBooksCompany) -> list[str]:
    return play_session(ManualSession(connector_for(company, client=client)), company)


# --- the figures ------------------------------------------------------------------------------------------


def test_a_connection_that_never_ran_says_so(erp_admin, connection):
    figures = health(connection)
    assert figures.last_run is None and figures.running is None and figures.state == "idle"
    assert "The Web Connector has not run yet." in health_page(erp_admin)
    assert api_row(erp_admin, connection)["last_run"] is None


def test_after_a_run_the_page_tells_the_last_run_and_not_that_it_never_ran(
    erp_admin, connection, queued_company, client
):
    run_a_session(client, QuickBooksCompany("Sync Health Co"))
    figures = health(connection)
    assert figures.last_run is not None and figures.last_run.state == "closed"
    assert (figures.last_run.synced, figures.last_run.failed) == (1, 0)
    assert figures.running is None and figures.waiting_to_send == 0
    body = health_page(erp_admin)
    assert "has not run yet" not in body
    assert "Not syncing now. Last run:" in body and "Finished" in body
    assert "Synced 1 item(s), 0 failed." in body
    assert ".." not in re.sub(r"<[^>]+>", "", body).replace("...", ""), "no doubled full stop after the summary"
    assert ">Running<" not in body


def test_a_running_session_is_running_on_the_page_in_recent_runs_and_in_the_api(erp_admin, connection):
    session = open_session(connection, total_requests=8, done_requests=2, synced_count=2)
    figures = health(connection)
    assert figures.running is not None and figures.running.id == session.pk and figures.stalled is None
    body = health_page(erp_admin)
    assert "Syncing now" in body and 'aria-valuenow="25"' in body
    assert '<span class="session-status session-status--running">Running</span>' in body
    assert "2 of 8" in body
    row = api_row(erp_admin, connection)
    assert row["running_session"]["id"] == session.pk and row["running_session"]["progress_percent"] == 25
    assert row["last_run"]["state"] == "running" and row["stalled_session"] is None


def test_a_session_silent_past_the_timeout_stopped_answering_and_is_not_running(erp_admin, connection):
    silent = timedelta(seconds=settings.QBWC_SESSION_IDLE_SECONDS + 5)
    session = open_session(connection, silent_for=silent, total_requests=10, done_requests=4)
    figures = health(connection)
    assert figures.running is None and figures.stalled is not None and figures.state == "stalled"
    assert figures.last_run is not None and figures.last_run.label == "Stopped answering"
    # It lasted until its last call, not until now.
    assert figures.last_run.duration == session.last_seen_at - session.started_at
    body = health_page(erp_admin)
    assert "the last session stopped answering" in body
    assert ">Stopped answering<" in body and ">Running<" not in body and "Syncing now" not in body
    assert 'hx-trigger="every 3s"' not in body
    row = api_row(erp_admin, connection)
    assert row["running_session"] is None and row["stalled_session"]["id"] == session.pk
    assert row["recent_runs"][0]["state"] == "stalled"


def test_a_session_just_within_the_timeout_still_runs(connection):
    open_session(connection, silent_for=timedelta(seconds=settings.QBWC_SESSION_IDLE_SECONDS - 5))
    assert health(connection).state == "running"


def test_queued_items_with_no_request_yet_are_waiting_to_send(erp_admin, connection):
    queued_items(65)
    second = services.connection_create(None, name="Second file", username="second", password=PASSWORD)
    assert not second.is_default
    figures = health(connection)
    assert (figures.waiting_to_send, figures.not_yet_requested, figures.waiting_requests) == (65, 65, 0)
    assert health(second).waiting_to_send == 0, "only the default connection makes requests of queued items"
    body = health_page(erp_admin)
    assert figures_on_page(body, connection)["waiting_to_send"] == 65
    assert "65 accepted items with no request yet" in body
    assert api_row(erp_admin, connection)["waiting_to_send"] == 65


def test_waiting_to_send_is_the_same_before_and_after_the_items_become_requests(pm, approver):
    vendors: list[Any] = [CompanyFactory(name=f"Early vendor {n}") for n in range(3)]
    queue_for_quickbooks(vendors, pm, approver)  # accepted while no connection exists: no request yet
    connection = services.connection_create(None, name="Main company", username="qbuser", password=PASSWORD)
    before = health(connection)
    assert (before.waiting_to_send, before.not_yet_requested) == (3, 3)
    assert enqueue(connection) == 3
    after = health(connection)
    assert (after.waiting_to_send, after.not_yet_requested, after.waiting_requests) == (3, 0, 3)


def test_requests_in_a_message_taken_await_the_answer_and_held_or_prepared_ones_still_wait(connection):
    QbRequest.objects.bulk_create(
        [QbRequest(connection=connection, kind="vendor", status=status) for status in (S.READY, S.HELD, S.SENT)]
        + [QbRequest(connection=connection, kind="vendor", status=S.SENT, sent_at=timezone.now())]
    )
    figures = health(connection)
    # The SENT one with no `sent_at` is in the next message, which the Web Connector has not taken yet.
    assert (figures.waiting_to_send, figures.held_back, figures.awaiting_answer) == (3, 1, 1)


def _item(state: str) -> ErpItem:
    (item,) = queued_items(1)
    ErpItem.objects.filter(pk=item.pk).update(state=state, label=f"Item {item.pk}")
    return item


def test_an_item_that_failed_twice_is_one_failed_item_and_a_retried_one_is_none(erp_admin, connection):
    failed_twice = _item(ErpState.FAILED)
    synced_after_retry = _item(ErpState.SYNCED)
    QbRequest.objects.bulk_create(
        [
            QbRequest(connection=connection, item=failed_twice, kind="vendor", status=S.FAILED),
            QbRequest(connection=connection, item=failed_twice, kind="vendor", status=S.FAILED),
            QbRequest(connection=connection, item=synced_after_retry, kind="vendor", status=S.FAILED),
            QbRequest(connection=connection, item=synced_after_retry, kind="vendor", status=S.DONE),
        ]
    )
    figures = health(connection)
    assert (figures.failed_items, figures.refused_list_records) == (1, 0)
    body = health_page(erp_admin)
    assert figures_on_page(body, connection)["failed_items"] == 1
    assert "1 item failed to export" in body, "the queue's figure agrees with the connection's"
    assert "Failed requests" not in body


def test_a_refused_list_record_counts_until_a_later_request_makes_it(connection):
    QbRequest.objects.create(connection=connection, kind="class", support_key="class:Labor", status=S.FAILED)
    QbRequest.objects.create(connection=connection, kind="class", support_key="class:Labor", status=S.FAILED)
    QbRequest.objects.create(connection=connection, kind="class", support_key="class:Other", status=S.FAILED)
    assert health(connection).refused_list_records == 2, "one per list record, however often it was refused"
    QbRequest.objects.create(connection=connection, kind="class", support_key="class:Labor", status=S.DONE)
    figures = health(connection)
    assert (figures.refused_list_records, figures.failed_items) == (1, 0)


def test_lists_being_read_are_in_progress(erp_admin, connection):
    QbListImport.objects.create(connection=connection, list_name="vendors", status=QbListImport.Status.QUEUED)
    QbListImport.objects.create(connection=connection, list_name="customers", status=QbListImport.Status.RUNNING)
    QbListImport.objects.create(connection=connection, list_name="items", status=QbListImport.Status.IDLE)
    assert [run.list_name for run in health(connection).list_imports_in_progress] == ["customers", "vendors"]
    assert api_row(erp_admin, connection)["list_imports_in_progress"] == 2


def test_the_page_and_the_api_give_the_same_figures(erp_admin, connection):
    queued_items(4)
    failed = _item(ErpState.FAILED)
    QbRequest.objects.bulk_create(
        [
            QbRequest(connection=connection, kind="vendor", status=S.READY),
            QbRequest(connection=connection, kind="vendor", status=S.SENT, sent_at=timezone.now()),
            QbRequest(connection=connection, item=failed, kind="vendor", status=S.FAILED),
            QbRequest(connection=connection, kind="class", support_key="class:Labor", status=S.FAILED),
        ]
    )
    QbListImport.objects.create(connection=connection, list_name="vendors", status=QbListImport.Status.QUEUED)
    open_session(connection, total_requests=3, done_requests=1)
    on_page = figures_on_page(health_page(erp_admin), connection)
    row = api_row(erp_admin, connection)
    in_api = {name: row[name] for name in on_page}
    assert on_page == in_api
    assert on_page == {
        "waiting_to_send": 5,
        "awaiting_answer": 1,
        "failed_items": 1,
        "refused_list_records": 1,
        "list_imports_in_progress": 1,
    }
    listed = api_for(erp_admin).get("/api/v1/qb-connections/").json()["results"]
    assert {name: listed[0][name] for name in on_page} == on_page


def test_recent_runs_show_start_duration_requests_outcome_status_and_a_link_to_the_qbxml(
    erp_admin, connection, queued_company, client
):
    run_a_session(client, QuickBooksCompany("Sync Health Co"))
    (run,) = health(connection).recent_runs
    assert run.exchanges == 2, "the message and its answer"
    body = health_page(erp_admin)
    row = body[body.index(f'data-run="{run.id}"') :]
    row = row[: row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1].endswith(" s") and cells[2:6] == ["1 of 1", "1", "0", "Finished"]
    assert reverse("qb:session-exchanges", args=[run.id]) in row and "2 documents" in row
    api_run = api_row(erp_admin, connection)["recent_runs"][0]
    assert api_run["exchanges_url"] == reverse("qb:session-exchanges", args=[run.id])
    assert (api_run["done_requests"], api_run["total_requests"], api_run["synced"], api_run["failed"]) == (1, 1, 1, 0)


# --- polling ----------------------------------------------------------------------------------------------


def test_the_card_polls_every_3s_only_while_a_session_runs(erp_admin, connection):
    client = client_for(erp_admin)
    idle = client.get(reverse("qb:connections")).content.decode()
    assert 'hx-trigger="every 3s"' not in idle
    assert f'hx-trigger="every {pages.IDLE_POLL_SECONDS}s"' in idle
    assert reverse("qb:connection-status", args=[connection.pk]) in idle

    session = open_session(connection, total_requests=2)
    running = client.get(reverse("qb:connections")).content.decode()
    assert 'hx-trigger="every 3s"' in running
    assert reverse("qb:connection-status", args=[connection.pk]) not in running
    card = client.get(reverse("qb:connection-progress", args=[connection.pk])).content.decode()
    assert "<html" not in card and 'hx-trigger="every 3s"' in card and "Syncing now" in card

    QbSession.objects.filter(pk=session.pk).update(
        status=QbSession.Status.CLOSED, ended_at=timezone.now(), done_requests=2, summary="Synced 2 item(s), 0 failed."
    )
    ended = client.get(reverse("qb:connection-progress", args=[connection.pk])).content.decode()
    assert 'hx-trigger="every 3s"' not in ended, "the polling stops with the session"
    assert "Not syncing now" in ended and ">Finished<" in ended and ">Running<" not in ended


def test_an_idle_card_hears_of_a_session_that_starts_after_the_page_was_loaded(erp_admin, connection):
    client = client_for(erp_admin)
    seen = health(connection).fingerprint
    status_url = reverse("qb:connection-status", args=[connection.pk])
    unchanged = client.get(status_url, {"seen": seen})
    assert unchanged.status_code == 204 and unchanged.content == b""
    open_session(connection, total_requests=5)
    started = client.get(status_url, {"seen": seen})
    assert started.status_code == 200
    assert 'hx-trigger="every 3s"' in started.content.decode() and "Syncing now" in started.content.decode()
    assert selectors.health_fingerprint(connection.pk) == health(connection).fingerprint


def test_the_status_of_an_unknown_connection_is_not_found(erp_admin):
    assert client_for(erp_admin).get(reverse("qb:connection-status", args=[999])).status_code == 404


# --- exchanges --------------------------------------------------------------------------------------------


def user_with(level: Level | None) -> Any:
    user = UserFactory()
    if level is not None:
        grant(user, Tool.ERP_INTEGRATIONS, level)
    return user


def session_with_messages(connection: QbConnection, count: int) -> QbSession:
    session = QbSession.objects.create(
        connection=connection,
        ticket_hash="e" * 64,
        expires_at=timezone.now() + timedelta(hours=1),
        status=QbSession.Status.CLOSED,
        ended_at=timezone.now(),
    )
    documents = []
    for number in range(1, count + 1):
        documents.append(
            QbExchange(
                session=session,
                direction=QbExchange.Direction.REQUEST,
                message_number=number,
                body=f'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
                f'<VendorAddRq requestID="{number}.1"><VendorAdd><Name>Vendor {number}</Name></VendorAdd>'
                "</VendorAddRq></QBXMLMsgsRq></QBXML>",
            )
        )
        documents.append(
            QbExchange(
                session=session,
                direction=QbExchange.Direction.RESPONSE,
                message_number=number,
                body=f'<QBXML><QBXMLMsgsRs><VendorAddRs requestID="{number}.1" statusCode="0"/></QBXMLMsgsRs></QBXML>',
            )
        )
    QbExchange.objects.bulk_create(documents)
    return session


@pytest.mark.parametrize(
    ("level", "allowed"),
    [(None, False), (Level.READ_ONLY, False), (Level.STANDARD, False), (Level.ADMIN, True)],
)
def test_only_erp_integrations_admins_read_and_download_the_qbxml(connection, level, allowed):
    session = session_with_messages(connection, 1)
    exchange = QbExchange.objects.filter(session=session).first()
    assert exchange is not None
    client = client_for(user_with(level))
    urls = [
        reverse("qb:session-exchanges", args=[session.pk]),
        reverse("qb:session-download", args=[session.pk]),
        reverse("qb:exchange-download", args=[exchange.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == (200 if allowed else 403), url
    health_status = client.get(reverse("qb:connections")).status_code
    assert health_status == (403 if level is None else 200)
    if health_status == 200:
        link = reverse("qb:session-exchanges", args=[session.pk])
        assert (link in client.get(reverse("qb:connections")).content.decode()) is allowed


def test_an_unknown_session_or_message_is_not_found(erp_admin):
    client = client_for(erp_admin)
    assert client.get(reverse("qb:session-exchanges", args=[999])).status_code == 404
    assert client.get(reverse("qb:session-download", args=[999])).status_code == 404
    assert client.get(reverse("qb:exchange-download", args=[999])).status_code == 404


def test_the_messages_are_pretty_printed_in_order_twenty_to_a_page_with_their_answers(erp_admin, connection):
    session = session_with_messages(connection, 45)
    client = client_for(erp_admin)
    url = reverse("qb:session-exchanges", args=[session.pk])
    first = client.get(url).content.decode()
    numbers = [int(n) for n in re.findall(r'<h2 id="message-(\d+)">', first)]
    assert numbers == list(range(1, 21))
    assert first.count("<h3>Sent to QuickBooks</h3>") == 20
    assert first.count("<h3>QuickBooks' answer</h3>") == 20
    # Indented, one element a line, the processing instruction kept; escaped for the page.
    assert "&lt;?qbxml version=&quot;13.0&quot;?&gt;\n&lt;QBXML&gt;\n  &lt;QBXMLMsgsRq" in first
    assert "\n        &lt;Name&gt;Vendor 1&lt;/Name&gt;\n" in first
    assert "Page 1 of 3" in first
    last = client.get(url, {"page": 3}).content.decode()
    assert [int(n) for n in re.findall(r'<h2 id="message-(\d+)">', last)] == list(range(41, 46))
    assert last.count("<h3>Sent to QuickBooks</h3>") == 5 and "Vendor 45" in last and "Vendor 40<" not in last


def test_a_document_that_is_not_xml_is_shown_as_it_came_and_entities_are_never_resolved(erp_admin, connection):
    session = session_with_messages(connection, 2)
    QbExchange.objects.filter(session=session, message_number=1, direction="response").update(
        body="QuickBooks said <nothing useful"
    )
    QbExchange.objects.filter(session=session, message_number=2, direction="response").update(
        body='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]><x>&e;</x>'
    )
    body = client_for(erp_admin).get(reverse("qb:session-exchanges", args=[session.pk])).content.decode()
    assert "QuickBooks said &lt;nothing useful" in body
    assert body.count("Not well-formed XML: shown as it was received.") == 2
    assert "&lt;x&gt;&amp;e;&lt;/x&gt;" in body
    assert selectors.pretty_xml('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>') is None
    assert selectors.pretty_xml("<a><b>1</b></a>") == "<a>\n  <b>1</b>\n</a>\n"


def test_a_very_long_document_is_shortened_on_the_page_and_whole_in_the_download(erp_admin, connection):
    session = session_with_messages(connection, 1)
    long_body = "<QBXML>" + "<x>1</x>" * (selectors.SHOWN_BODY_CHARS // 8 + 10) + "</QBXML>"
    exchange = QbExchange.objects.get(session=session, direction="response")
    QbExchange.objects.filter(pk=exchange.pk).update(body=long_body)
    client = client_for(erp_admin)
    page = client.get(reverse("qb:session-exchanges", args=[session.pk])).content.decode()
    assert "Shown shortened: download it to read it whole." in page
    download = client.get(reverse("qb:exchange-download", args=[exchange.pk]))
    assert download.content.decode() == long_body


def test_each_message_downloads_as_it_was_kept(erp_admin, connection):
    session = session_with_messages(connection, 3)
    exchange = QbExchange.objects.get(session=session, message_number=2, direction="request")
    response = client_for(erp_admin).get(reverse("qb:exchange-download", args=[exchange.pk]))
    assert response["Content-Type"].startswith("application/xml")
    assert response["Content-Disposition"] == (f'attachment; filename="session-{session.pk}-message-0002-request.xml"')
    assert response.content.decode() == exchange.body


def test_the_whole_session_downloads_as_a_streamed_zip_in_order(erp_admin, connection):
    session = session_with_messages(connection, 3)
    response = client_for(erp_admin).get(reverse("qb:session-download", args=[session.pk]))
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}-qbxml.zip"'
    archive = zipfile.ZipFile(io.BytesIO(streamed(response)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == [f"message-{n:04d}-{direction}.xml" for n in (1, 2, 3) for direction in ("request", "response")]
    for exchange in QbExchange.objects.filter(session=session):
        name = f"message-{exchange.message_number:04d}-{exchange.direction}.xml"
        assert archive.read(name).decode() == exchange.body


def test_a_real_session_is_kept_whole_and_never_holds_the_web_connector_password(
    erp_admin, connection, queued_company, client
):
    messages = run_a_session(client, QuickBooksCompany("Sync Health Co"))
    session = QbSession.objects.get()
    kept = list(QbExchange.objects.filter(session=session).order_by("id"))
    assert [(e.direction, e.message_number) for e in kept] == [("request", 1), ("response", 1)]
    assert kept[0].body == messages[0] and "Acme Concrete" in kept[0].body
    assert all(PASSWORD not in exchange.body for exchange in QbExchange.objects.all())
    admin = client_for(erp_admin)
    page = admin.get(reverse("qb:session-exchanges", args=[session.pk])).content.decode()
    assert "Acme Concrete" in page and "VendorAddRs" in page and PASSWORD not in page
    archive = streamed(admin.get(reverse("qb:session-download", args=[session.pk])))
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert all(PASSWORD.encode() not in opened.read(name) for name in opened.namelist())
        assert len(opened.namelist()) == 2


def test_every_answer_is_kept_beside_its_message_a_list_page_and_one_quickbooks_could_not_read_too(
    erp_admin, connection, queued_company, client
):
    imports.refresh(erp_admin, connection, ["vendors"])
    company = QuickBooksCompany("Sync Health Co")
    session = ManualSession(connector_for(company, client=client))
    assert session.open() == ""
    page_of_vendors = session.send()
    assert "<VendorQueryRq" in page_of_vendors
    session.receive(company.process(page_of_vendors))
    assert "<VendorAddRq" in session.send()
    hresult, text = "0x80040400", "QuickBooks found an error when parsing the provided XML text stream."
    session.connector.call("receiveResponseXML", ticket=session.ticket, response="", hresult=hresult, message=text)
    kept = list(QbExchange.objects.order_by("id").values_list("direction", "message_number", "hresult", "message"))
    assert kept == [
        ("request", 1, "", ""),
        ("response", 1, "", ""),
        ("request", 2, "", ""),
        ("response", 2, hresult, text),
    ]
    assert "<VendorQueryRs" in QbExchange.objects.get(direction="response", message_number=1).body
    page = client_for(erp_admin).get(reverse("qb:session-exchanges", args=[QbSession.objects.get().pk]))
    assert f"{hresult} {text}" in page.content.decode()


def _queries(client: Any, url: str) -> int:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_and_the_api_cost_the_same_queries_for_one_connection_or_four(erp_admin, connection):
    open_session(connection, total_requests=2)
    QbRequest.objects.create(connection=connection, kind="class", support_key="class:Labor", status=S.FAILED)
    page, api = client_for(erp_admin), api_for(erp_admin)
    _queries(page, reverse("qb:connections")), _queries(api, "/api/v1/qb-connections/")  # caches warmed
    one = (_queries(page, reverse("qb:connections")), _queries(api, "/api/v1/qb-connections/"))
    for n in range(3):
        other = services.connection_create(
            None, name=f"File {n}", username=f"file-{n}", password=PASSWORD, is_default=False
        )
        open_session(other, total_requests=1)
        QbListImport.objects.create(connection=other, list_name="vendors", status=QbListImport.Status.QUEUED)
    four = (_queries(page, reverse("qb:connections")), _queries(api, "/api/v1/qb-connections/"))
    assert four == one
