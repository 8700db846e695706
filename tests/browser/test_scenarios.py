"""What the approver, the project admin and a viewer do every day, in a real browser."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from procore_sync import models as ps
from qbxml import services as qb_services
from qbxml.models import QbSession
from tests.browser.conftest import open_tab, screenshot, sign_in
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, commitment_with_lines, grant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pending_commitment(pm: Any, approver: Any, **kwargs: Any) -> ps.Commitment:
    """A commitment sent for acceptance whose project, vendor and cost codes are already accepted."""
    commitment = commitment_with_lines(lines=3, **kwargs)
    for dependency in (commitment.project, commitment.vendor, *[line.cost_code for line in commitment.lines.all()]):
        if ErpItem.objects.filter(
            object_type=services.exportable_type_of(dependency).slug, object_id=dependency.pk
        ).exists():
            continue
        services.item_send(dependency, pm)
        services.item_accept(dependency, approver)
    services.item_send(commitment, pm)
    return commitment


def item_of(record: Any) -> ErpItem:
    return ErpItem.objects.get(object_type=services.exportable_type_of(record).slug, object_id=record.pk)


def test_approver_filters_opens_and_accepts_a_commitment(page, pm, approver):
    commitment = pending_commitment(pm, approver)
    sign_in(page, "approver")
    assert page.get_by_role("heading", name="ERP Integrations", level=1).is_visible()

    open_tab(page.get_by_role("navigation", name="Object types").get_by_role("link", name=re.compile("^Commitments")))
    open_tab(page.get_by_role("navigation", name="Filters").get_by_role("link", name=re.compile("^Ready to Export")))
    assert "type=commitment" in page.url
    row_link = page.get_by_role("link", name=f"{commitment.number} {commitment.title}")
    row_link.click()

    page.get_by_role("heading", name=re.compile(commitment.number), level=1).wait_for()
    lines = page.locator("table.table--lines tbody tr")
    assert lines.count() == 3
    assert page.locator("table.table--lines tfoot").inner_text().count("150,000.00") == 1
    history = page.locator("ol.timeline")
    assert "Sent to accounting" in history.inner_text()
    screenshot(page, "approver-commitment-detail")

    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_text("accepted: it is queued for QuickBooks").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Queued for QuickBooks"
    assert "Accepted" in page.locator("ol.timeline").inner_text()
    screenshot(page, "approver-commitment-accepted")

    # Back to the list: the commitment has left Ready to Export for the queue to QuickBooks.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Commitments").click()
    filters = page.get_by_role("navigation", name="Filters")
    assert filters.get_by_role("link", name=re.compile("^Queued")).get_attribute("aria-current") == "page"
    assert page.get_by_role("link", name=f"{commitment.number} {commitment.title}").is_visible()
    assert filters.get_by_role("link", name=re.compile("^Ready to Export")).inner_text().split()[-1] == "0"
    screenshot(page, "approver-commitment-in-queue")
    assert item_of(commitment).state == ErpState.QUEUED


def test_approver_rejects_a_commitment_with_a_reason(page, pm, approver):
    commitment = pending_commitment(pm, approver)
    sign_in(page, "approver")
    page.goto(f"/erp/items/{item_of(commitment).pk}/")
    page.get_by_label("Reason (optional)").fill("Retainage on this subcontract is 5%, not 10%.")
    page.get_by_role("button", name="Reject", exact=True).click()
    # Rejecting cannot be undone: the page asks first.
    page.get_by_role("dialog", name=re.compile("^Reject ")).get_by_role("button", name="Reject").click()
    page.get_by_text("rejected: the sender has been told").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Rejected"
    assert "Retainage on this subcontract is 5%, not 10%." in page.locator(".callout--rejected").inner_text()
    screenshot(page, "approver-commitment-rejected")
    assert item_of(commitment).state == ErpState.REJECTED


def test_project_admin_sees_the_reason_edits_and_resends(page, pm, approver):
    commitment = pending_commitment(pm, approver)
    services.item_reject(commitment, approver, "Title should name the building.")
    sign_in(page, "pm")
    assert page.get_by_role("heading", name="Projects", level=1).is_visible()
    page.get_by_role("link", name=commitment.project.name).click()
    row = page.locator("table.table--commitments tbody tr", has_text=commitment.number)
    assert "Title should name the building." in row.inner_text()
    assert row.locator(".badge").inner_text() == "Rejected"
    screenshot(page, "pm-project-rejected")

    row.get_by_role("link", name=commitment.title).click()
    page.get_by_role("link", name="Edit commitment").click()
    page.get_by_text("Title should name the building.").wait_for()  # the edit page shows why it came back
    page.get_by_label("Title").fill("Concrete, Building A")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("saved").first.wait_for()
    assert page.get_by_role("heading", name="Concrete, Building A").is_visible()

    assert page.evaluate("typeof window.htmx") == "object"  # served from static/, no CDN
    url_before = page.url
    page.get_by_role("button", name="Resend to accounting").click()
    status = page.locator(f"#erp-commitment-{commitment.pk}")
    status.locator(".badge--pending").wait_for()
    assert status.locator(".badge").inner_text() == "Pending acceptance"
    assert page.get_by_text("sent to accounting for acceptance").is_visible()
    assert page.url == url_before  # swapped in place by htmx
    screenshot(page, "pm-commitment-resent")
    item = item_of(commitment)
    assert item.state == ErpState.PENDING
    assert item.sent_payload["title"] == "Concrete, Building A"


def test_approver_accepts_twenty_items_at_once(page, pm, approver):
    companies = [CompanyFactory(name=f"Bulk vendor {n:02d}") for n in range(20)]
    for company in companies:
        services.item_send(company, pm)
    sign_in(page, "approver")
    open_tab(
        page.get_by_role("navigation", name="Object types").get_by_role("link", name=re.compile("^Companies.Vendors"))
    )
    assert "type=company" in page.url
    page.get_by_label("Select every item on this page").check()
    assert page.get_by_text("20 selected").is_visible()
    screenshot(page, "approver-bulk-selected")
    page.get_by_role("button", name="Accept selected").click()
    page.get_by_text("Accepted 20 items.").wait_for()
    assert page.get_by_text("Nothing is waiting for acceptance.").is_visible()
    screenshot(page, "approver-bulk-accepted")
    assert set(ErpItem.objects.filter(object_type="company").values_list("state", flat=True)) == {ErpState.QUEUED}


def test_viewer_sees_no_actions_and_is_refused_the_accept_url(page, pm, approver):
    viewer = UserFactory(username="viewer")
    for tool in PROJECT_TOOLS:
        grant(viewer, tool, Level.READ_ONLY)
    grant(viewer, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    commitment = pending_commitment(pm, approver, project=ProjectFactory())
    item = item_of(commitment)
    sign_in(page, "viewer")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"

    assert page.get_by_role("link", name=f"{commitment.number} {commitment.title}").is_visible()
    assert page.get_by_role("button", name="Accept selected").count() == 0
    assert page.locator('input[name="ids"]').count() == 0
    page.goto(f"/erp/items/{item.pk}/")
    assert page.get_by_role("button", name="Accept", exact=True).count() == 0
    assert page.get_by_role("button", name="Reject", exact=True).count() == 0
    page.goto(f"/projects/{commitment.project_id}/")
    assert page.get_by_role("button", name=re.compile("accounting|Retrieve")).count() == 0

    response = page.goto(f"/erp/items/{item.pk}/accept/")
    assert response.status == 403
    assert page.get_by_text(
        "This needs Standard on ERP Integrations and the Can Push to Accounting privilege."
    ).is_visible()
    screenshot(page, "viewer-accept-forbidden")
    assert item_of(commitment).state == ErpState.PENDING


def test_a_link_clicked_while_the_list_is_loading_abandons_the_list(page, pm, approver):
    """Once the reader has clicked an item, a list answer still on its way is abandoned, not swapped in.

    A swap landing then would push its URL onto the history, and a history push can cancel the
    navigation the reader asked for. Both answers are held back here to make the overlap certain.
    """
    commitment = pending_commitment(pm, approver)
    sign_in(page, "approver")
    page.goto("/erp/?type=commitment")
    held: dict[str, Any] = {}
    failed: list[str] = []

    def hold(route: Any) -> None:
        kind = "list" if route.request.headers.get("hx-request") else "page"
        if kind in held:
            route.continue_()
        else:
            held[kind] = route

    page.route(re.compile(r"/erp/"), hold)
    page.on("requestfailed", lambda request: failed.append(request.headers.get("hx-request", "page")))
    page.get_by_role("navigation", name="Filters").get_by_role("link", name=re.compile("^Ready to Export")).click()
    while "list" not in held:
        page.wait_for_timeout(20)
    # Playwright would wait for the navigation to finish, and it is held: the click returns at once.
    page.get_by_role("link", name=f"{commitment.number} {commitment.title}").click(no_wait_after=True)
    while "page" not in held:
        page.wait_for_timeout(20)

    page.wait_for_timeout(100)
    assert failed == ["true"], "the list's request should have been aborted when the page was left"
    held["page"].continue_()
    page.get_by_role("heading", name=re.compile(commitment.number), level=1).wait_for()
    assert f"/erp/items/{item_of(commitment).pk}/" in page.url


def test_of_two_filters_clicked_quickly_the_last_is_shown(page, pm, approver):
    """The first filter's answer is held back until the second has landed: it must not replace it."""
    pending_commitment(pm, approver)
    sign_in(page, "approver")
    page.goto("/erp/?type=commitment")
    held: list[Any] = []
    failed: list[str] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"tab=synced"), hold_the_first)
    page.on("requestfailed", lambda request: failed.append(request.url))
    filters = page.get_by_role("navigation", name="Filters")
    filters.get_by_role("link", name=re.compile("^Synced")).click()
    while not held:
        page.wait_for_timeout(20)
    open_tab(filters.get_by_role("link", name=re.compile("^Queued")))

    with contextlib.suppress(Exception):  # already aborted by the later click: nothing left to answer
        held[0].continue_()
    page.wait_for_timeout(300)  # time for the earlier answer to land, had it not been dropped
    assert filters.get_by_role("link", name=re.compile("^Queued")).get_attribute("aria-current") == "page"
    assert "tab=queued" in page.url
    assert any("tab=synced" in url for url in failed)


def test_a_double_click_on_a_bulk_action_posts_it_once(page, pm, approver):
    company = CompanyFactory(name="Double-click vendor")
    services.item_send(company, pm)
    sign_in(page, "approver")
    page.goto("/erp/?type=company")
    posts: list[Any] = []

    def hold_posts(route: Any) -> None:
        if route.request.method == "POST":
            posts.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/erp/"), hold_posts)
    page.get_by_label("Select every item on this page").check()
    accept = page.get_by_role("button", name="Accept selected")
    accept.click()
    while not posts:
        page.wait_for_timeout(20)
    accept.click()  # the second click of a double click, while the first answer is on its way
    page.wait_for_timeout(300)  # time for a second post to be sent, were it not dropped

    assert len(posts) == 1
    posts[0].continue_()
    page.get_by_text("Accepted 1 item.").wait_for()
    assert ErpEvent.objects.filter(action="accept").count() == 1


def test_an_erp_admin_sees_which_session_holds_the_company_file_and_releases_it(page, pm, approver, erp_admin):
    connection = qb_services.connection_create(None, name="Main company", username="qbuser", password="wc-pass-123")
    QbSession.objects.create(
        connection=connection, ticket_hash="d" * 64, expires_at=timezone.now() + timedelta(hours=1), total_requests=3
    )
    sign_in(page, "erp_admin")
    page.goto("/erp/connections/")
    page.get_by_text("This session holds the company file").wait_for()
    screenshot(page, "erp-admin-sync-health-running-session")

    page.get_by_role("button", name="Release the company file now").click()

    page.get_by_text("Main company is released").wait_for()
    assert page.get_by_text("Released by an admin").first.is_visible()
    assert QbSession.objects.get().status == QbSession.Status.RELEASED
