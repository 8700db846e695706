"""The project-side record pages in a real browser: what accounting holds is read-only while the rest saves, an
invoice's retainage follows the commitment's percentage as the amounts are typed, a record is deleted after a
confirmation (or the refusal says why), and the pages fit a phone's width without scrolling sideways."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest

from access.tools import Level, Tool
from erp_integrations import services as erp
from erp_integrations.models import ErpItem
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    CostCodeFactory,
    ProjectFactory,
    SubJobFactory,
    commitment_with_lines,
    grant,
    invoice_for,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LONG_SCOPE = "Interior partitions: framing, drywall, taping and level 5 finishing at levels 1 through 4, incl. soffits"


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_while_pending_what_quickbooks_receives_is_read_only_and_the_notes_still_save(page, pm):
    commitment = commitment_with_lines(lines=2, title="Drywall and framing")
    erp.item_send(commitment, pm)
    sign_in(page, "pm")
    page.goto(f"/projects/commitments/{commitment.pk}/edit/")

    note = page.locator("#locked-note")
    assert "Pending acceptance: what QuickBooks will receive cannot change until it is accepted or retrieved" in (
        note.inner_text()
    )
    title = page.get_by_label("Title")
    assert title.is_disabled() and title.input_value() == "Drywall and framing"
    assert title.get_attribute("aria-describedby").split()[0] == "locked-note"
    assert page.locator('input[name="lines-0-amount"]').is_disabled()
    assert page.get_by_role("button", name="Add a line").count() == 0
    description = page.get_by_label("Description", exact=True)
    assert description.is_enabled()
    description.fill("Site access through gate B.")
    screenshot(page, "commitment-edit-pending")
    page.get_by_role("button", name="Save").click()

    page.get_by_text(f"Commitment {commitment.number} Drywall and framing saved.").wait_for()
    commitment.refresh_from_db()
    assert commitment.description == "Site access through gate B."
    assert commitment.title == "Drywall and framing"
    assert commitment.lines.count() == 2


def test_an_invoice_line_holds_the_commitments_retainage_as_the_amounts_are_typed(page, pm):
    commitment = commitment_with_lines(lines=1, default_retainage_percent=Decimal("5.00"))
    line = commitment.lines.get()
    sign_in(page, "pm")
    page.goto(f"/projects/commitments/{commitment.pk}/invoices/new/")
    page.locator("form[data-retention-ready]").wait_for()  # the script runs once the page is parsed
    page.get_by_label("Number").fill("PA-7")
    page.get_by_label("Invoice date").fill("2026-04-30")
    page.get_by_label("Billing period start").fill("2026-04-01")
    page.get_by_label("Billing period end").fill("2026-04-30")

    page.get_by_label("Bills line, line 1").select_option(value=f"line-{line.pk}")
    held = page.get_by_label("Retainage held, line 1")
    page.get_by_label("Work this period, line 1").fill("1234.50")
    assert held.input_value() == "61.73", "5 % of 1,234.50 is 61.725: half up"
    page.get_by_label("Materials stored, line 1").fill("100.00")
    assert held.input_value() == "66.73"

    # A second line keeps a retainage typed over, whatever its amounts become.
    page.get_by_label("Bills line, line 2").select_option(value=f"line-{line.pk}")
    page.get_by_label("Work this period, line 2").fill("200.00")
    second = page.get_by_label("Retainage held, line 2")
    assert second.input_value() == "10.00"
    second.fill("0.00")
    page.get_by_label("Work this period, line 2").fill("300.00")
    assert second.input_value() == "0.00"
    screenshot(page, "invoice-retainage")

    page.get_by_role("button", name="Save").click()
    page.get_by_text("Invoice PA-7").first.wait_for()
    invoice = ps.SubcontractorInvoice.objects.get(number="PA-7")
    assert sorted(invoice.lines.values_list("retainage_held", flat=True)) == [Decimal("0.00"), Decimal("66.73")]

    # Opened again, a line that held the percentage follows its amounts; one held otherwise keeps its amount.
    page.goto(f"/projects/invoices/{invoice.pk}/edit/")
    page.locator("form[data-retention-ready]").wait_for()
    followed, kept = (1, 2) if page.get_by_label("Retainage held, line 1").input_value() == "66.73" else (2, 1)
    page.get_by_label(f"Work this period, line {followed}").fill("2000.00")
    assert page.get_by_label(f"Retainage held, line {followed}").input_value() == "105.00"
    page.get_by_label(f"Work this period, line {kept}").fill("400.00")
    assert page.get_by_label(f"Retainage held, line {kept}").input_value() == "0.00"


def test_an_invoice_is_deleted_after_a_confirmation_and_a_pending_one_is_refused(page, pm):
    commitment = commitment_with_lines(lines=1)
    kept = invoice_for(commitment, number="INV-SENT")
    gone = invoice_for(commitment, number="INV-DRAFT")
    erp.item_send(kept, pm)
    sign_in(page, "pm")
    page.goto(f"/projects/commitments/{commitment.pk}/")

    page.get_by_role("link", name="Delete invoice INV-DRAFT").click()
    page.get_by_role("heading", name=re.compile(r"^Delete Invoice INV-DRAFT")).wait_for()
    assert "will be deleted" in page.locator("main").inner_text()
    screenshot(page, "invoice-delete-confirm")
    page.get_by_role("button", name=re.compile("^Delete Invoice INV-DRAFT")).click()
    page.get_by_text(f"Invoice INV-DRAFT ({commitment.number}) deleted.").wait_for()
    assert not ps.SubcontractorInvoice.objects.filter(pk=gone.pk).exists()
    assert page.get_by_role("link", name="Delete invoice INV-DRAFT").count() == 0

    page.get_by_role("link", name="Delete invoice INV-SENT").click()
    page.get_by_role("button", name=re.compile("^Delete Invoice INV-SENT")).click()
    refusal = page.locator("#messages")
    refusal.get_by_text("was not deleted").wait_for()
    assert "pending acceptance" in refusal.inner_text()
    assert ps.SubcontractorInvoice.objects.filter(pk=kept.pk).exists()


@pytest.fixture
def busy_project(pm):  # type: ignore[no-untyped-def]
    """A project with long names and every section filled, as a phone shows it at its narrowest."""
    owner = CompanyFactory.create(name="Harbor Health Partners Limited Liability Company", vendor_type="owner")
    # A name without a space to break it at: it must wrap anywhere rather than widen the page.
    project = ProjectFactory.create(number="2026-0042", name="MainStreetClinicExpansionParkingStructure", owner=owner)
    budget = BudgetFactory.create(project=project)
    for n in range(3):
        BudgetLineItemFactory.create(
            budget=budget, cost_code=CostCodeFactory.create(), description=f"Concrete placement phase {n}"
        )
    BudgetModificationFactory.create(budget=budget, reason="Contingency to the parking structure's post-tensioning")
    vendor = CompanyFactory.create(name="Midwest Drywall and Acoustical Ceilings")
    commitment = commitment_with_lines(
        lines=3,
        project=project,
        vendor=vendor,
        title="Interior-framing-drywall-and-acoustical-ceilings",
        description="Drawings: https://plans.example.com/projects/2026-0042/drawings/A-501-interior-partitions-rev-7.pdf",
    )
    commitment.lines.filter(line_number=1).update(description=LONG_SCOPE)
    SubJobFactory.create(project=project, name="Building A East Wing Parking Structure", description="Levels P1-P3")
    change_order = ChangeOrderFactory.create(commitment=commitment, title="Added soffits at the lobby and corridors")
    ChangeOrderLineFactory.create(change_order=change_order, description="Soffit framing and finishing at lobby")
    invoice = invoice_for(commitment, number="MDH-0001")
    ps.BillPayment.objects.create(
        qb_txn_id="TX-1",
        bill_txn_id="BILL-1",
        commitment=commitment,
        invoice=invoice,
        vendor=vendor,
        method="check",
        ref_number="104211",
        txn_date=datetime.date(2026, 3, 15),
        amount=Decimal("9000.00"),
        payment_total=Decimal("9000.00"),
    )
    erp.item_send(commitment, pm)
    return {"project": project, "commitment": commitment, "item": ErpItem.objects.get(object_type="commitment")}


def test_the_record_pages_fit_a_phone_without_scrolling_sideways(browser, live_server, pm, busy_project):
    # An ERP admin reads the item page whole: its payload tables and its qbXML.
    grant(pm, Tool.ERP_INTEGRATIONS, Level.ADMIN)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, "pm")
        commitment = busy_project["commitment"]
        pages = {
            "project": f"/projects/{busy_project['project'].pk}/",
            "commitment": f"/projects/commitments/{commitment.pk}/",
            "invoice-form": f"/projects/commitments/{commitment.pk}/invoices/new/",
            "erp-item": f"/erp/items/{busy_project['item'].pk}/",
        }
        widths = {}
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state()
            widths[name] = page_width(page)
            screenshot(page, f"phone-{name}")
        assert widths == {name: 390 for name in pages}, widths
        # The tables scroll inside their own frame instead.
        page.goto(pages["commitment"])
        frames = page.locator(".table-wrap").evaluate_all("els => els.map(e => e.scrollWidth > e.clientWidth)")
        assert any(frames), "at least one table is wider than a phone and scrolls in its frame"
    finally:
        context.close()


def test_the_invoice_lines_fit_a_laptop_screen_with_their_retainage_columns(browser, live_server, pm):
    commitment = commitment_with_lines(lines=2)
    commitment.lines.update(description=LONG_SCOPE)
    change_order = ChangeOrderFactory.create(commitment=commitment)
    ChangeOrderLineFactory.create(change_order=change_order, description=LONG_SCOPE, amount=Decimal("100.00"))
    invoice_for(commitment, number="MDH-0002")
    invoice = ps.SubcontractorInvoice.objects.get(number="MDH-0002")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, "pm")
        page.goto(f"/projects/invoices/{invoice.pk}/edit/")
        frame = page.locator(".table-wrap").first
        scroll, client = frame.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll <= client, (scroll, client)
        assert page.get_by_label("Retainage released, line 1").is_visible()
        box = page.get_by_label("Retainage released, line 1").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440
        screenshot(page, "laptop-invoice-form")
    finally:
        context.close()


def test_a_project_admin_creates_a_project_then_deletes_it_after_confirming(page, pm):
    sign_in(page, "pm")
    page.goto("/projects/")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Number").fill("2026-88")
    page.get_by_label("Name").fill("Riverside Depot")
    page.get_by_label("Address line 1").fill("8 River Rd")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Project 2026-88 Riverside Depot created.").wait_for()
    assert page.get_by_role("heading", name="Riverside Depot", level=1).is_visible()

    page.get_by_role("link", name="Delete project").click()
    page.get_by_role("heading", name="Delete Project 2026-88 Riverside Depot?").wait_for()
    page.get_by_role("button", name="Delete Project 2026-88 Riverside Depot").click()
    page.get_by_text("Project 2026-88 Riverside Depot deleted.").wait_for()
    assert page.url.endswith("/projects/")
    assert not ps.Project.objects.filter(number="2026-88").exists()


def test_a_budget_modification_is_made_from_the_budget_and_sent_from_the_project_page(page, pm):
    budget = BudgetFactory.create()
    first = BudgetLineItemFactory.create(budget=budget)
    second = BudgetLineItemFactory.create(budget=budget)
    sign_in(page, "pm")
    page.goto(f"/projects/{budget.project_id}/")
    page.locator("#budget").get_by_role("link", name="New budget modification").click()
    page.get_by_label("Reason").fill("Contingency to formwork")
    page.get_by_label("Date").fill("2026-05-04")
    page.get_by_label("Budget line, line 1").select_option(value=str(first.pk))
    page.get_by_label("Amount, line 1").fill("-250.00")
    page.get_by_label("Budget line, line 2").select_option(value=str(second.pk))
    page.get_by_label("Amount, line 2").fill("250.00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Budget modification #1 ({budget.project.number}) created.").wait_for()

    modification = ps.BudgetModification.objects.get(budget=budget)
    status = page.locator(f"#erp-budget_modification-{modification.pk}")
    status.get_by_role("button", name="Send to accounting").click()
    status.locator(".badge--pending").wait_for()
    assert ErpItem.objects.get(object_type="budget_modification").state == "pending"
    screenshot(page, "budget-modification-sent")
