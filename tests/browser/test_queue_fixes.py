"""The queue and an item's page in a real browser: the sort kept in the address, the questions asked before
steps that cannot be undone, the qbXML an approver accepts, and what QuickBooks received of a synced item."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from erp_integrations import services
from erp_integrations.models import ErpItem, ErpState
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pending_company(pm: Any, name: str) -> ErpItem:
    company = CompanyFactory(name=name)
    services.item_send(company, pm)
    return services.item_for(company)


def synced_company(pm: Any, approver: Any, name: str, qb_ref: str) -> ErpItem:
    company = CompanyFactory(name=name)
    services.item_send(company, pm)
    services.item_accept(company, approver)
    return services.item_synced(services.item_for(company).pk, qb_ref=qb_ref, edit_sequence="1700000000")


def state_of(item: ErpItem) -> str:
    return ErpItem.objects.get(pk=item.pk).state


def row_labels(page: Any) -> list[str]:
    return page.locator("table.table--queue tbody th a").all_inner_texts()


def test_the_sort_is_in_the_address_and_survives_reload_and_back(page, pm, approver):
    for name in ("Bravo Builders", "Alpha Asphalt", "Charlie Concrete"):
        pending_company(pm, name)
    sign_in(page, "approver")
    page.goto("/erp/?type=company")
    item_header = page.locator("th", has=page.get_by_role("link", name=re.compile("^Item")))

    item_header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=item"))
    assert item_header.get_attribute("aria-sort") == "ascending"
    assert row_labels(page) == ["Alpha Asphalt", "Bravo Builders", "Charlie Concrete"]

    page.reload()
    assert "sort=item" in page.url
    assert item_header.get_attribute("aria-sort") == "ascending"
    assert row_labels(page) == ["Alpha Asphalt", "Bravo Builders", "Charlie Concrete"]

    item_header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-item"))
    assert row_labels(page) == ["Charlie Concrete", "Bravo Builders", "Alpha Asphalt"]
    screenshot(page, "approver-queue-sorted-by-item-descending")

    page.go_back()
    page.wait_for_url(re.compile(r"sort=item(&|$)"))
    item_header.and_(page.locator('[aria-sort="ascending"]')).wait_for()
    assert row_labels(page) == ["Alpha Asphalt", "Bravo Builders", "Charlie Concrete"]

    page.go_back()
    page.wait_for_url(re.compile(r"/erp/\?type=company$"))
    page.locator('th[aria-sort="none"]', has=page.get_by_role("link", name=re.compile("^Item"))).wait_for()


def test_rejecting_from_the_item_page_asks_first_and_cancel_changes_nothing(page, pm, approver, live_server):
    item = pending_company(pm, "Asked Asphalt")
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item.pk}/")
    page.get_by_label("Reason (optional)").fill("A duplicate of Asphalt Inc.")

    page.get_by_role("button", name="Reject", exact=True).click()
    dialog = page.get_by_role("dialog", name="Reject Asked Asphalt?")
    dialog.wait_for()
    assert "told by e-mail" in dialog.inner_text()
    screenshot(page, "approver-reject-asks-first")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    assert state_of(item) == ErpState.PENDING

    page.get_by_role("button", name="Reject", exact=True).click()
    dialog.get_by_role("button", name="Reject").click()
    page.get_by_text("rejected: the sender has been told").wait_for()
    assert state_of(item) == ErpState.REJECTED
    assert "A duplicate of Asphalt Inc." in page.locator(".callout--rejected").inner_text()
    # Nothing came from elsewhere than the product's own server.
    assert hosts == {urlsplit(live_server.url).netloc}


def test_escape_closes_the_question_without_rejecting(page, pm, approver):
    item = pending_company(pm, "Escaped Asphalt")
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item.pk}/")

    page.get_by_role("button", name="Reject", exact=True).click()
    dialog = page.get_by_role("dialog", name="Reject Escaped Asphalt?")
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    page.wait_for_timeout(200)  # time for a submission to be sent, had Escape let one through
    assert state_of(item) == ErpState.PENDING
    assert "/reject/" not in page.url


def test_unlinking_from_the_item_page_asks_first(page, pm, approver):
    item = synced_company(pm, approver, "Linked Lumber", "80000042-1700000000")
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item.pk}/")

    page.get_by_role("button", name="Unlink from QuickBooks").click()
    dialog = page.get_by_role("dialog", name="Unlink Linked Lumber from QuickBooks?")
    dialog.wait_for()
    assert "80000042-1700000000" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert state_of(item) == ErpState.SYNCED

    page.get_by_role("button", name="Unlink from QuickBooks").click()
    dialog.get_by_role("button", name="Unlink").click()
    page.get_by_text("is no longer linked to QuickBooks").wait_for()
    assert state_of(item) == ErpState.DRAFT


def test_bulk_reject_asks_first_and_rejects_the_selected_items(page, pm, approver):
    items = [pending_company(pm, f"Bulk Rejected {n}") for n in range(2)]
    sign_in(page, "approver")
    page.goto("/erp/?type=company")
    page.get_by_label("Select every item on this page").check()
    page.get_by_label("Reason for rejecting (optional)").fill("Both are duplicates")

    page.get_by_role("button", name="Reject selected").click()
    dialog = page.get_by_role("dialog", name="Reject 2 items?")
    dialog.wait_for()
    dialog.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(200)
    assert {state_of(item) for item in items} == {ErpState.PENDING}

    page.get_by_role("button", name="Reject selected").click()
    dialog.get_by_role("button", name="Reject 2 items").click()
    page.get_by_text("Rejected 2 items.").wait_for()
    assert {state_of(item) for item in items} == {ErpState.REJECTED}


def test_bulk_accept_asks_nothing(page, pm, approver):
    item = pending_company(pm, "Accepted At Once")
    sign_in(page, "approver")
    page.goto("/erp/?type=company")
    page.get_by_label("Select every item on this page").check()

    page.get_by_role("button", name="Accept selected").click()

    page.get_by_text("Accepted 1 item.").wait_for()
    assert not page.locator("#confirm-dialog").is_visible()
    assert state_of(item) == ErpState.QUEUED


def test_an_approver_sees_the_qbxml_an_item_will_send(page, pm, approver):
    item = pending_company(pm, "Preview Paving")
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item.pk}/")

    heading = page.get_by_role("heading", name="qbXML", exact=True)
    heading.wait_for()
    request = page.get_by_label("qbXML request")
    assert "<VendorAdd>" in request.inner_text()
    assert "<Name>Preview Paving</Name>" in request.inner_text()
    screenshot(page, "approver-qbxml-preview")


def test_a_synced_item_shows_what_quickbooks_received(page, pm, approver):
    item = synced_company(pm, approver, "Received Roofing", "80000077-1700000000")
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item.pk}/")

    page.get_by_role("heading", name="What QuickBooks received").wait_for()
    assert page.get_by_role("heading", name="What QuickBooks will receive").count() == 0
    meta = page.locator(".page-header .meta").inner_text()
    assert "QuickBooks id 80000077-1700000000" in meta
    assert re.search(r"Synced on [A-Z][a-z]{2} \d{1,2}, \d{4} \d\d:\d\d", meta)
    assert "Received Roofing" in page.locator("table.table--fields").inner_text()
    screenshot(page, "approver-synced-item")
