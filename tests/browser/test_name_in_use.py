"""In the browser: a vendor QuickBooks refused because another vendor holds its name. The accountant reads the two
side by side on the item's page and links the item to QuickBooks' vendor; an approver renames another one and
sends it again."""

from __future__ import annotations

import pytest
from django.test import Client

from erp_integrations.models import ErpState
from qbxml import services as qb_services
from qbxml.simulator import QuickBooksCompany
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CompanyFactory
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import USERNAME, connector_for, item_of, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VENDOR = "ABC Electric"


@pytest.fixture
def quickbooks() -> QuickBooksCompany:
    company = QuickBooksCompany("Existing Construction Co")
    company.add_vendor(
        VENDOR,
        company_name="ABC Electric of Chicago",
        Phone="(312) 555-0199",
        VendorAddress={"Addr1": "9 Lake Shore Drive", "City": "Chicago"},
    )
    return company


@pytest.fixture
def sync(quickbooks):  # type: ignore[no-untyped-def]
    qb_services.connection_create(None, name="Main company", username=USERNAME, password=PASSWORD)
    connector = connector_for(quickbooks, client=Client())
    return lambda: sync_until_nothing_to_do(connector)


@pytest.fixture
def refused(pm, approver, sync):  # type: ignore[no-untyped-def]
    company = CompanyFactory(name=VENDOR, phone="217-555-0100", address_line1="100 Main St", city="Springfield")
    queue_for_quickbooks([company], pm, approver)
    sync()
    assert item_of(company).state == ErpState.FAILED
    return company


def test_the_accountant_links_the_refused_vendor_to_quickbooks_vendor_of_that_name(
    page, refused, quickbooks, erp_admin
):
    item = item_of(refused)
    sign_in(page, "erp_admin")

    page.goto(f"/erp/items/{item.pk}/")
    panel = page.locator("[data-name-in-use]")
    panel.get_by_role("heading", name="The name is in use in QuickBooks").wait_for()
    compare = panel.locator("table.table--compare")
    for detail in ("ABC Electric of Chicago", "(312) 555-0199", "9 Lake Shore Drive", "100 Main St"):
        assert detail in compare.inner_text(), detail
    screenshot(page, "name-in-use-panel")
    panel.get_by_role("button", name=f"Link to {VENDOR}").click()

    page.get_by_text(f"{VENDOR} is linked to QuickBooks").wait_for()
    existing = quickbooks.find_list("Vendor", VENDOR)
    assert page.locator("[data-qb-ref]").inner_text() == existing.list_id
    assert page.locator("[data-name-in-use]").count() == 0
    item.refresh_from_db()
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, existing.list_id)


def test_an_approver_renames_the_refused_vendor_and_it_syncs_under_the_new_name(page, refused, quickbooks, sync):
    item = item_of(refused)
    sign_in(page, "approver")

    page.goto(f"/erp/items/{item.pk}/")
    panel = page.locator("[data-name-in-use]")
    assert panel.get_by_role("button", name=f"Link to {VENDOR}").count() == 0, "linking needs Admin on ERP"
    panel.get_by_label("New company name").fill("ABC Electric (Springfield)")
    panel.get_by_role("button", name="Rename and resend").click()

    page.get_by_text("ABC Electric (Springfield) is queued for QuickBooks again under its new name.").wait_for()
    sync()
    item.refresh_from_db()
    assert item.state == ErpState.SYNCED
    assert item.qb_ref == quickbooks.find_list("Vendor", "ABC Electric (Springfield)").list_id


def test_the_panel_fits_a_phone(browser, live_server, refused, erp_admin):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, "erp_admin")
        page.goto(f"/erp/items/{item_of(refused).pk}/")
        page.locator("[data-name-in-use]").get_by_role("button", name=f"Link to {VENDOR}").wait_for()
        screenshot(page, "phone-name-in-use")
        assert int(page.evaluate("document.documentElement.scrollWidth")) == 390
    finally:
        context.close()
