"""A project manager reads a project's job costs from QuickBooks in a real browser: from the project page to the
summary beside the budget with its chart, narrows the lines to a cost code, turns the page, downloads them, and
goes on to the lines that could not be placed."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from procore_sync import services as project_services
from tests.browser.conftest import screenshot, sign_in
from tests.factories import BudgetFactory, BudgetLineItemFactory, CostCodeFactory, ProjectFactory, cost_type

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_project_manager_reads_the_job_costs_beside_the_budget(page, pm):
    project = ProjectFactory(number="1042", name="Main Street Clinic")
    forms, pour = CostCodeFactory(code="03-100", description="Formwork"), CostCodeFactory(code="03-200")
    budget = BudgetFactory(project=project)
    BudgetLineItemFactory(budget=budget, cost_code=forms, cost_type=cost_type("Labor"), original_amount=Decimal("5000"))
    BudgetLineItemFactory(budget=budget, cost_code=pour, cost_type=cost_type("Labor"), original_amount=Decimal("500"))
    job = "Harbor Health:1042 Main Street Clinic"
    lines = [
        project_services.JobCostLine(
            qb_txn_id=f"T{n}",
            qb_txn_line_id="L1",
            txn_type="Check",
            txn_date=datetime.date(2024, 11, 1 + n % 28),
            ref_number=str(1000 + n),
            project_id=project.pk,
            sub_job_id=None,
            cost_code_id=(forms if n % 2 else pour).pk,
            cost_type_id=cost_type("Labor").pk,
            vendor_name="Acme Concrete",
            customer_full_name=job,
            item_full_name="03:03-100" if n % 2 else "03:03-200",
            account_full_name="",
            amount=Decimal("25.00"),
            memo=f"Crew day {n}",
            from_synced_invoice=False,
            unplaced_reason="",
        )
        for n in range(60)
    ]
    lines.append(
        lines[0]._replace(
            qb_txn_id="T-permit",
            cost_code_id=None,
            cost_type_id=None,
            vendor_name="City of Springfield",
            item_full_name="Permits",
            amount=Decimal("55.00"),
            unplaced_reason="QuickBooks' item Permits is linked to no cost code here.",
        )
    )
    project_services.replace_job_costs([], lines)

    sign_in(page, "pm")
    page.get_by_role("link", name="Main Street Clinic").click()
    page.get_by_role("link", name="Job costs").click()
    page.get_by_role("heading", name="Job costs").wait_for()

    assert page.locator('[data-total="budget"]').inner_text() == "5,500.00"
    assert page.locator('[data-total="actual"]').inner_text() == "1,500.00"
    chart = page.get_by_role("img", name=re.compile("Budget, committed and actual cost per cost code"))
    assert chart.locator("rect").count() == 6, "a budget, a committed and an actual bar per cost code"
    assert "chart__actual--over" in (chart.locator("rect.chart__actual").nth(1).get_attribute("class") or "")
    summary = page.locator("#summary tbody tr")
    assert [summary.nth(n).locator('[data-figure="actual_cost"]').inner_text() for n in range(2)] == [
        "750.00",
        "750.00",
    ]
    assert "1 line QuickBooks charged to this project could not be placed" in page.locator(".callout").inner_text()
    screenshot(page, "pm-job-costs")

    page.get_by_label("Cost code", exact=True).select_option(label="03-100 Formwork")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"cost_code="))
    assert page.locator('[data-total="actual"]').inner_text() == "750.00"
    assert "30" in page.get_by_role("heading", name=re.compile("The lines")).inner_text()
    assert page.locator("#lines tbody tr").count() == 30

    page.get_by_label("Cost code", exact=True).select_option(value="")
    page.get_by_role("button", name="Filter").click()
    page.locator("#lines").get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("#lines tbody tr").count() == 10

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the lines (CSV)").click()
    assert download.value.suggested_filename == "job-costs-1042.csv"

    page.get_by_role("link", name="See the unsyncable direct costs").click()
    page.get_by_role("heading", name="Unsyncable direct costs").wait_for()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "linked to no cost code" in rows.first.inner_text()
    card = page.locator('[data-reason="item_not_cost_code"]').first
    assert "Refresh the cost codes from QuickBooks" in card.inner_text()
    assert rows.first.get_by_role("link", name="Find the cost code").is_visible()
    card.get_by_role("link", name="Show these lines").click()
    page.wait_for_url(re.compile(r"reason=item_not_cost_code"))
    assert page.locator("table tbody tr").count() == 1
    screenshot(page, "pm-unsyncable-direct-costs")
