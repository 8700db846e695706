"""An ERP Integrations admin keeps the sync health page open in a real browser while a Web Connector session
starts, runs and ends: the page notices the session by itself, follows its progress while it runs, stops
asking once it ended, and the session's qbXML can then be read and downloaded."""

from __future__ import annotations

import re
from typing import Any

import pytest

from qbxml import pages, services
from qbxml.models import QbSession
from qbxml.simulator import QuickBooksCompany
from tests.browser.conftest import sign_in
from tests.factories import CompanyFactory
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import queue_for_quickbooks

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERNAME = "qbuser"


def polls_during(page: Any, calls: list[str], seconds: float) -> list[str]:
    """The card's requests made while waiting `seconds` (Playwright's wait, which hands over the browser's
    events as they come; a plain sleep would hold them back)."""
    before = len(calls)
    page.wait_for_timeout(seconds * 1000)
    return calls[before:]


def test_the_health_page_follows_a_session_it_did_not_see_start_and_stops_when_it_ends(
    page: Any, erp_admin: Any, pm: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "IDLE_POLL_SECONDS", 1)  # the idle card asks every second, not every 15
    connection = services.connection_create(None, name="Main company", username=USERNAME, password=PASSWORD)
    vendors: list[Any] = [CompanyFactory(name="Acme Concrete"), CompanyFactory(name="Baker Steel")]
    queue_for_quickbooks(vendors, pm, approver)
    company = QuickBooksCompany("Browser Builders")

    progress: list[str] = []
    status: list[str] = []
    page.on("request", lambda r: progress.append(r.url) if "/progress/" in r.url else None)
    page.on("request", lambda r: status.append(r.url) if "/status/" in r.url else None)
    sign_in(page, "erp_admin")
    page.goto("/erp/connections/")
    card = page.locator(f"#connection-card-{connection.pk}")
    assert card.get_attribute("data-sync-state") == "idle"
    assert "The Web Connector has not run yet." in card.inner_text()
    assert card.locator('[data-figure="waiting_to_send"]').inner_text() == "2"
    assert not polls_during(page, progress, 2.5), "no progress polling while nothing runs"
    assert status, "but the idle card asks whether a session started"

    # The Web Connector starts a session after the page was opened.
    ticket, instruction = services.authenticate(USERNAME, PASSWORD)
    assert instruction == ""
    page.locator(f'#connection-card-{connection.pk}[data-sync-state="running"]').wait_for(timeout=10_000)
    assert "Syncing now" in card.inner_text() and "0 of 2 requests" in card.inner_text()
    assert len(polls_during(page, progress, 3.5)) >= 1, "polled every 3 s while it runs"

    message = services.send_request_xml(ticket, company.host_response(), "", "US", "13", "0")
    assert services.receive_response_xml(ticket, company.process(message), "", "") == 100
    services.close_connection(ticket)
    page.locator(f'#connection-card-{connection.pk}[data-sync-state="idle"]').wait_for(timeout=10_000)
    text = card.inner_text()
    assert "Not syncing now. Last run: Finished" in text and "Synced 2 item(s), 0 failed." in text
    session = QbSession.objects.get()
    run = card.locator(f'tr[data-run="{session.pk}"]')
    assert "Finished" in run.inner_text() and "Running" not in run.inner_text()
    assert "2 of 2" in run.inner_text()
    assert card.locator('[data-figure="waiting_to_send"]').inner_text() == "0"
    assert not polls_during(page, progress, 4), "the 3 s polling stopped with the session"

    # The session's qbXML, from its row.
    run.get_by_role("link", name="2 documents").click()
    page.get_by_role("heading", name=f"qbXML of session {session.pk}").wait_for()
    sent = page.get_by_role("region", name="Message 1").locator("pre").first.inner_text()
    assert re.search(r"\n\s+<VendorAddRq requestID=", sent), "indented, one element a line"
    assert "Acme Concrete" in sent and "Baker Steel" in sent
    answer = page.get_by_role("region", name="Message 1").locator("pre").nth(1).inner_text()
    assert "<VendorAddRs" in answer and 'statusCode="0"' in answer
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"Download all")).click()
    download = download_info.value
    assert download.suggested_filename == f"session-{session.pk}-qbxml.zip"
    assert open(download.path(), "rb").read(2) == b"PK"
