"""A project manager on a phone reads a project's ERP job costs: the chart of budget, committed and actual cost
reads at 390 px, a figure opens the records behind it (the commitment lines, the checks with their part),
the actual cost opens QuickBooks' lines; then the company's view across projects."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.procore_sync.test_job_cost_report import build_job

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_a_figure_of_the_job_costs_opens_what_it_is_made_of_on_a_phone(phone, pm):
    job = build_job()
    page = phone
    sign_in(page, "pm")
    page.goto(f"/projects/{job['project'].pk}/job-costs/")
    page.get_by_role("heading", name="Job costs", exact=True).wait_for()

    chart = page.get_by_role("img", name=re.compile("Budget, committed and actual cost per cost code"))
    assert chart.locator("g[data-bar]").count() == 2
    label = chart.locator("text.chart__label").first.bounding_box()
    assert label is not None and label["height"] >= 10, "the chart's text reads at a phone's width"
    svg = chart.bounding_box()
    assert svg is not None and svg["x"] + svg["width"] <= 390, "the chart fits the screen"
    assert chart.locator("rect.chart__committed").count() == 2
    screenshot(page, "pm-job-costs-phone")

    concrete = page.locator("#summary tbody tr").first
    concrete.locator('[data-figure="committed"] a').click()
    page.get_by_role("heading", name=re.compile("Committed: 8,700.00")).wait_for()
    rows = page.locator("table[data-detail='committed'] tbody tr")
    assert rows.count() == 2
    assert "SC-900" in rows.first.inner_text() and "change order 001" in rows.nth(1).inner_text()
    assert page.locator("[data-listed-total]").inner_text() == "8,700.00"
    screenshot(page, "pm-job-cost-detail-phone")

    page.get_by_role("link", name="Back to the job costs").click()
    page.locator("tfoot [data-figure='paid'] a").click()
    page.get_by_role("heading", name=re.compile("Paid: 2,700.00")).wait_for()
    checks = page.locator("table[data-detail='paid'] tbody tr")
    assert [checks.nth(n).locator("td").nth(1).inner_text().split()[:2] for n in range(checks.count())] == [
        ["Check", "5002"],
        ["Check", "5001"],
    ], "the voided check paid nothing"
    assert page.locator("[data-listed-total]").inner_text() == "2,700.00"

    page.go_back()
    page.locator("#summary tbody tr").first.locator('[data-figure="actual_cost"] a').click()
    page.wait_for_url(re.compile(r"#lines$"))
    assert page.locator("#lines tbody tr").count() == 2, "the concrete subcontract's two QuickBooks lines"

    page.goto("/projects/job-costs/")
    page.get_by_role("heading", name="Job costs by project").wait_for()
    assert page.locator("tr[data-project='1042'] [data-figure='paid']").inner_text() == "2,700.00"
    assert page.locator("tr[data-project='total'] [data-figure='actual_cost']").inner_text() == "6,293.00"
    screenshot(page, "company-job-costs-phone")
