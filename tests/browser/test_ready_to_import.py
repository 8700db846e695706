"""Starting from an existing QuickBooks file, in the browser: the ERP admin links a QuickBooks vendor to the
directory company it is, picking a field from each side; adds a vendor to the directory; links every exact
match in one click; and adds a QuickBooks job as a project."""

from __future__ import annotations

import re

import pytest

from erp_integrations import services
from erp_integrations.models import ErpState
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.erp_integrations.accounting import customer, vendor
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_erp_admin_links_a_vendor_picking_per_field(page, book, erp_admin):
    record = vendor(book, "ABC Electric, Inc.", phone="217-555-0100", email="ap@abc.example")
    company = CompanyFactory(name="ABC Electric LLC", phone="217-555-9999", email="billing@abc.example")
    sign_in(page, "erp_admin")

    page.goto("/erp/?tab=ready_to_import")
    page.locator(".ready-to-import").get_by_role("link", name=re.compile("^Companies")).click()
    page.get_by_role("heading", name="Ready to Import: companies").wait_for()
    row = page.get_by_role("row", name=re.compile("ABC Electric, Inc."))
    assert "the same name without Inc, LLC and punctuation" in row.inner_text()
    row.get_by_role("link", name="ABC Electric LLC").click()

    page.get_by_role("heading", name="Link QuickBooks' ABC Electric, Inc.").wait_for()
    compare = page.locator("table.table--compare")
    assert "217-555-9999" in compare.inner_text() and "217-555-0100" in compare.inner_text()
    page.get_by_role("radio", name="217-555-0100").check()  # QuickBooks' phone; our e-mail stays
    screenshot(page, "ready-to-import-compare")
    page.get_by_role("button", name="Link ABC Electric LLC to this vendor").click()

    page.get_by_text("ABC Electric LLC is linked to QuickBooks' ABC Electric, Inc.").wait_for()
    company.refresh_from_db()
    assert (company.phone, company.email) == ("217-555-0100", "billing@abc.example")
    item = services.item_for(company)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, record.external_id)
    assert "ABC Electric, Inc." not in page.locator("main").inner_text().split("Ready to Import: companies")[-1]


def test_an_erp_admin_adds_a_vendor_and_links_every_exact_match(page, book, erp_admin):
    vendor(book, "Delta Drywall", phone="555-0101")
    for n in range(3):
        vendor(book, f"Exact Match {n}")
        CompanyFactory(name=f"Exact Match {n}")
    sign_in(page, "erp_admin")
    page.goto("/erp/import/companies/")

    page.get_by_role("row", name=re.compile("Delta Drywall")).get_by_role("button", name="Add to directory").click()
    page.get_by_text("Delta Drywall is added to the directory").wait_for()
    assert ps.Company.objects.get(name="Delta Drywall").phone == "555-0101"

    page.get_by_role("button", name="Link all exact matches").click()
    page.get_by_text("Linked 3 QuickBooks vendors").wait_for()
    screenshot(page, "ready-to-import-all-linked")
    assert all(
        services.item_for(c).state == ErpState.SYNCED for c in ps.Company.objects.filter(name__startswith="Exact")
    )
    assert page.get_by_text("Every QuickBooks vendor is linked").is_visible()


def test_an_erp_admin_adds_a_quickbooks_job_as_a_project(page, book, erp_admin):
    customer(book, "Harbor Health:1042 Main Street Clinic", address={"addr1": "12 Main St", "city": "Springfield"})
    sign_in(page, "erp_admin")
    page.goto("/erp/import/projects/")

    row = page.get_by_role("row", name=re.compile("1042 Main Street Clinic"))
    assert "Harbor Health" in row.inner_text()
    row.get_by_role("button", name="Add as project").click()

    page.get_by_text("Project 1042 Main Street Clinic is added").wait_for()
    project = ps.Project.objects.get(number="1042")
    assert (project.name, project.city, project.owner.name if project.owner else "") == (
        "Main Street Clinic",
        "Springfield",
        "Harbor Health",
    )
    assert services.item_for(project).state == ErpState.SYNCED
