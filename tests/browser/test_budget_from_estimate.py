"""An accountant imports a project's budget from a QuickBooks estimate of its job, in a real browser: the estimate
with a line whose item is no cost code here is previewed with that line's error and offers no import; the other
estimate's preview maps every line (one onto a sub job), is imported, and the project's budget has its lines, tied
to the estimate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from access.tools import Level, Tool
from erp_integrations import services
from erp_integrations.models import AccountingRecord, ErpState
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.erp_integrations.accounting import customer
from tests.factories import CostCodeFactory, ProjectFactory, SubJobFactory, UserFactory, cost_type, grant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def estimate(book: str, job: AccountingRecord, number: str, lines: list[tuple[str, str, str, str]]) -> AccountingRecord:
    """An estimate of `job` as a read of QuickBooks' estimates keeps it: (item, class, description, amount) lines."""
    return AccountingRecord.objects.create(
        book=book,
        list_type=AccountingRecord.ListType.ESTIMATE,
        external_id=f"{number}-1700000000",
        full_name=f"{job.full_name} estimate {number}",
        parent_external_id=job.external_id,
        edit_sequence="1700000011",
        details={
            "ref_number": number,
            "txn_date": "2026-11-02",
            "memo": "",
            "job": job.full_name,
            "total": str(sum(Decimal(amount) for *_, amount in lines)),
            "lines": [
                {
                    "txn_line_id": f"{number}-{n}",
                    "item_list_id": "",
                    "item_full_name": item,
                    "class_full_name": class_name,
                    "description": description,
                    "amount": amount,
                }
                for n, (item, class_name, description, amount) in enumerate(lines, start=1)
            ],
        },
    )


def test_an_accountant_previews_estimates_and_imports_the_budget_from_one(page, book):
    project = ProjectFactory(name="Harbor Tower")
    SubJobFactory(project=project, name="Building A")
    code = CostCodeFactory(code="03-100", default_cost_type=cost_type("Labor"))
    item = f"{code.division.code}:03-100"
    job = customer(book, "Harbor Owner:Harbor Tower")
    services.link_record(project, None, job)
    estimate(book, job, "EST-1", [(item, "", "Footings", "1200.00"), ("Allowances", "", "Contingency", "500.00")])
    chosen = estimate(
        book, job, "EST-2", [(item, "", "Footings", "1200.00"), (item, "", "Building A - Footings", "800.00")]
    )
    accountant = UserFactory(username="accountant")
    grant(accountant, Tool.ERP_INTEGRATIONS, Level.STANDARD)
    grant(accountant, Tool.BUDGET, Level.READ_ONLY)
    sign_in(page, "accountant")

    page.goto(f"/projects/{project.pk}/")
    page.locator("#budget").get_by_role("link", name="Import from a QuickBooks estimate").click()
    page.get_by_role("heading", name="The job's estimates").wait_for()
    page.get_by_role("link", name="Preview Harbor Owner:Harbor Tower estimate EST-1").click()

    page.get_by_role("heading", name="Rows with errors").wait_for()
    assert "There is no cost code “Allowances”." in page.locator("tr.import-preview__error").inner_text()
    assert page.get_by_role("button", name="Import").count() == 0

    page.get_by_role("link", name="Import the budget from QuickBooks").click()
    page.get_by_role("link", name="Preview Harbor Owner:Harbor Tower estimate EST-2").click()
    page.get_by_role("heading", name="Rows", exact=True).wait_for()
    rows = page.locator(".import-preview tbody tr")
    assert rows.count() == 2
    assert "Building A" in rows.nth(1).inner_text() and "800.00" in rows.nth(1).inner_text()
    assert "A new budget is made: 2 lines, total 2,000.00" in page.locator("#import-summary").inner_text()
    screenshot(page, "budget-from-estimate-preview")
    page.get_by_role("button", name="Import 2 lines and tie the budget to the estimate").click()

    page.get_by_text("Imported 2 lines from Harbor Owner:Harbor Tower estimate EST-2").wait_for()
    budget = ps.Budget.objects.get(project=project)
    assert sorted(budget.lines.values_list("sub_job__name", "original_amount"), key=str) == sorted(
        [(None, Decimal("1200.00")), ("Building A", Decimal("800.00"))], key=str
    )
    linked = services.item_for(budget)
    assert (linked.state, linked.qb_ref) == (ErpState.SYNCED, chosen.external_id)
