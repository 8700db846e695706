"""The project manager makes, in the browser only, what a commitment needs: a new company in the directory and a
new cost code; then the commitment on a project with them. The approver finds the commitment waiting on the
draft company, follows it to the company's page; the project manager sends the company and the cost code from
their pages; the approver accepts them in the queue; a Web Connector session takes them to QuickBooks; the
project manager sees the commitment synced. Each new page must also fit a 390 px wide phone.

`DIRECTORY_SCREENSHOTS=1` saves pictures of the new pages into docs/screenshots/directory-*.png (1440 px wide,
one at 390 px); without it nothing is written there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from erp_integrations import services as erp
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from qbxml import services as qb_services
from qbxml.simulator import QuickBooksCompany
from tests.browser.conftest import open_tab, screenshot, sign_in
from tests.factories import DivisionFactory, ProjectFactory
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import USERNAME, ManualSession, connector_for, play_session

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FOR_THE_DOCS = os.environ.get("DIRECTORY_SCREENSHOTS") == "1"


def docs_picture(page: Any, name: str, width: int = 1440) -> None:
    """The page as the README shows it, when asked for (the run that refreshes the pictures)."""
    if not FOR_THE_DOCS:
        return
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(DOCS / f"directory-{name}.png"), full_page=True)
    page.set_viewport_size(before)


def fits_a_phone(page: Any) -> None:
    """At 390 px the page does not scroll sideways: wide tables scroll inside their own box."""
    before = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(before)
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def state_of(record: Any) -> str:
    return ErpItem.objects.get(object_type=erp.exportable_type_of(record).slug, object_id=record.pk).state


def accept_all_of(page: Any, type_label: str) -> None:
    open_tab(page.get_by_role("navigation", name="Object types").get_by_role("link", name=re.compile(f"^{type_label}")))
    # A type opens on Ready to Export: clicking it again would swap the list in after the selection below.
    ready = page.get_by_role("navigation", name="Filters").get_by_role("link", name=re.compile("^Ready to Export"))
    assert ready.get_attribute("aria-current") == "page"
    page.get_by_label("Select every item on this page").check()
    page.get_by_role("button", name="Accept selected").click()
    page.get_by_text("Accepted 1 item.").wait_for()


def test_the_project_manager_makes_a_company_and_a_cost_code_for_a_commitment_that_reaches_quickbooks(
    page: Any, browser: Any, live_server: Any, pm: Any, approver: Any
) -> None:
    qb_services.connection_create(None, name="Main company", username=USERNAME, password=PASSWORD)
    DivisionFactory(code="22", name="Plumbing")
    # The project is already with accounting: the walk is about what the directory adds.
    project = ProjectFactory(number="P-210", name="Riverside Clinic")
    erp.item_send(project, pm)
    erp.item_accept(project, approver)

    # --- the project manager: a new company, with its address and tax id ------------------------------
    sign_in(page, "pm")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    page.get_by_role("heading", name="Companies", level=1).wait_for()
    fits_a_phone(page)
    page.get_by_role("link", name="New company").click()
    page.get_by_label(re.compile("^Name")).fill("Clearwater Plumbing")
    page.get_by_label(re.compile("^Type")).select_option(label="Subcontractor")
    page.get_by_label("Contact name").fill("Dana Brooks")
    page.get_by_label("Phone").fill("916-555-0187")
    page.get_by_label("Email").fill("office@clearwater-plumbing.test")
    page.get_by_label("Tax id").fill("68-0412345")
    page.get_by_label("Address line 1").fill("4100 Industrial Blvd")
    page.get_by_label("City").fill("West Sacramento")
    page.get_by_label("State / province").fill("CA")
    page.get_by_label("Postal code").fill("95691")
    fits_a_phone(page)
    docs_picture(page, "company-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Company Clearwater Plumbing created.").wait_for()
    page.get_by_role("heading", name="Clearwater Plumbing", level=1).wait_for()
    company = ps.Company.objects.get(name="Clearwater Plumbing")
    assert company.tax_id == "68-0412345" and company.postal_code == "95691"
    assert "68-0412345" in page.locator("table.table--fields").inner_text()
    assert page.locator(f"#erp-company-{company.pk} .badge").inner_text() == "Draft"

    # --- a new cost code ----------------------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cost codes").click()
    page.get_by_role("heading", name="Cost codes", level=1).wait_for()
    page.get_by_role("link", name="New cost code").click()
    page.get_by_label(re.compile("^Code")).fill("22-1100")
    page.get_by_label("Description").fill("Domestic water piping")
    page.get_by_label("Division").select_option(label="22 Plumbing")
    page.get_by_label("Default cost type").select_option(label="Subcontract")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Cost code 22-1100 Domestic water piping created.").wait_for()
    cost_code = ps.CostCode.objects.get(code="22-1100")

    # --- the commitment, with them, sent ------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Riverside Clinic").click()
    page.get_by_role("link", name="New commitment").click()
    page.get_by_label(re.compile("^Number")).fill("SC-210")
    page.get_by_label(re.compile("^Title")).fill("Plumbing rough-in")
    page.get_by_label("Vendor").select_option(label="Clearwater Plumbing")
    page.get_by_label("Cost code, line 1").select_option(label="22-1100 Domestic water piping")
    page.get_by_label("Amount, line 1").fill("84500.00")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Plumbing rough-in", level=1).wait_for()
    commitment = ps.Commitment.objects.get(number="SC-210")
    assert commitment.vendor == company and commitment.lines.get().cost_code == cost_code
    page.get_by_role("button", name="Send to accounting").click()
    page.locator(f"#erp-commitment-{commitment.pk} .badge--pending").wait_for()

    # --- the approver: the commitment waits on a draft company; its name leads to the company -------
    approver_context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    approver_context.set_default_timeout(30_000)
    desk = approver_context.new_page()
    sign_in(desk, "approver")
    desk.goto(f"/erp/items/{ErpItem.objects.get(object_type='commitment').pk}/")
    dependencies = desk.get_by_role("region", name="Depends on")
    assert "Draft" in dependencies.locator("tr", has_text="Clearwater Plumbing").inner_text()
    desk.get_by_role("button", name="Accept", exact=True).click()
    desk.get_by_text("company Clearwater Plumbing is a draft").wait_for()
    assert state_of(commitment) == ErpState.PENDING
    desk.get_by_role("region", name="Depends on").get_by_role("link", name="Clearwater Plumbing").click()
    desk.get_by_role("heading", name="Clearwater Plumbing", level=1).wait_for()
    assert desk.get_by_role("button", name="Send to accounting").count() == 0, "only the directory's admin sends"
    screenshot(desk, "approver-draft-company")

    # --- the project manager sends the company and the cost code from their pages -------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    page.get_by_role("link", name="Clearwater Plumbing").click()
    page.get_by_role("button", name="Send to accounting").click()
    page.locator(f"#erp-company-{company.pk} .badge--pending").wait_for()
    page.get_by_role("navigation", name="Company lists").get_by_role("link", name="Cost codes").click()
    assert page.locator("table.table--directory tbody tr", has_text="22-1100").locator(".badge").inner_text() == (
        "Draft"
    )
    fits_a_phone(page)
    docs_picture(page, "cost-codes")
    page.get_by_role("link", name="22-1100").click()
    page.get_by_role("button", name="Send to accounting").click()
    page.locator(f"#erp-cost_code-{cost_code.pk} .badge--pending").wait_for()
    fits_a_phone(page)
    docs_picture(page, "cost-code")
    assert (state_of(company), state_of(cost_code)) == (ErpState.PENDING, ErpState.PENDING)

    # --- the approver accepts them in the queue -----------------------------------------------------
    desk.goto("/erp/")
    accept_all_of(desk, "Companies")
    accept_all_of(desk, "Cost Codes")
    accept_all_of(desk, "Commitments")
    assert {state_of(record) for record in (company, cost_code, commitment)} == {ErpState.QUEUED}
    approver_context.close()

    # --- the Web Connector takes them to QuickBooks -------------------------------------------------
    quickbooks = QuickBooksCompany("Sierra Ridge Constructors")
    play_session(ManualSession(connector_for(quickbooks, client=Client())), quickbooks)
    assert {state_of(record) for record in (project, company, cost_code, commitment)} == {ErpState.SYNCED}

    # --- the project manager sees them synced ------------------------------------------------------
    page.goto(f"/projects/commitments/{commitment.pk}/")
    assert page.locator(f"#erp-commitment-{commitment.pk} .badge").inner_text() == "Synced"
    page.goto(f"/directory/companies/{company.pk}/")
    assert page.locator(f"#erp-company-{company.pk} .badge").inner_text() == "Synced"
    used = page.get_by_role("region", name="Where it is used")
    assert used.get_by_role("link", name=re.compile("SC-210")).is_visible()
    fits_a_phone(page)
    docs_picture(page, "company")
    docs_picture(page, "company-phone", width=390)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    assert page.locator("table.table--directory tbody tr", has_text="Clearwater Plumbing").locator(
        ".badge"
    ).inner_text() == ("Synced")
    fits_a_phone(page)
    docs_picture(page, "companies")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cost types").click()
    page.get_by_role("heading", name="Cost types", level=1).wait_for()
    assert page.locator("table.table--directory tbody tr", has_text="Subcontract").count() == 1
    fits_a_phone(page)
    screenshot(page, "pm-directory-synced")
