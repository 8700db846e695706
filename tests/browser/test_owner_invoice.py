"""A project admin bills the owner in a real browser: the owner invoice form holds each line's retention as the
work is typed and saves it, refuses to bill a line past its value, and the pay application prints its totals
without the site's navigation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import ProjectFactory, prime_contract_with_lines

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

D = Decimal


@pytest.fixture
def contract(db) -> ps.PrimeContract:  # type: ignore[no-untyped-def]
    """Two lines of 100,000.00: the first at the contract's 10 % retention, the second at 5 %."""
    project = ProjectFactory(name="Harbor Tower")
    contract = prime_contract_with_lines(2, project=project, number="PC-7", title="Harbor Tower shell")
    contract.lines.filter(line_number=2).update(retention_percent=D("5.00"), description="Site work")
    return contract


def _fill_header(page, number: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Number").fill(number)
    page.get_by_label("Invoice date").fill("2026-02-28")
    page.get_by_label("Billing period start").fill("2026-02-01")
    page.get_by_label("Billing period end").fill("2026-02-28")


def test_the_owner_invoice_form_holds_retention_as_work_is_typed_and_saves(page, pm, contract):
    first, second = contract.lines.all()
    sign_in(page, "pm")
    page.goto(f"/projects/{contract.project_id}/")
    page.get_by_role("link", name="Prime contract and owner invoices").click()
    page.get_by_role("link", name="New owner invoice").click()
    page.locator("form[data-retention-ready]").wait_for()  # the script runs once the page is parsed
    _fill_header(page, "OI-1")

    page.get_by_label("Bills line, line 1").select_option(value=f"line-{first.pk}")
    page.get_by_label("Work this period, line 1").fill("30000")
    held_1 = page.get_by_label("Retention held, line 1")
    assert held_1.input_value() == "3000.00"
    page.get_by_label("Materials stored, line 1").fill("5000.05")
    assert held_1.input_value() == "3500.01", "10 % of 35,000.05, half up"
    page.get_by_label("Bills line, line 2").select_option(value=f"line-{second.pk}")
    page.get_by_label("Work this period, line 2").fill("20000")
    assert page.get_by_label("Retention held, line 2").input_value() == "1000.00", "the line's own 5 %"
    # A retention typed over is the person's: the amounts no longer move it.
    page.get_by_label("Bills line, line 3").select_option(value=f"line-{second.pk}")
    page.get_by_label("Work this period, line 3").fill("100")
    held_3 = page.get_by_label("Retention held, line 3")
    held_3.fill("0.00")
    page.get_by_label("Work this period, line 3").fill("200")
    assert held_3.input_value() == "0.00"
    screenshot(page, "pm-owner-invoice-form")
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Owner invoice OI-1 (PC-7) created.").wait_for()
    invoice = ps.OwnerInvoice.objects.get(number="OI-1")
    assert [(each.completed_and_stored, each.retention_held) for each in invoice.lines.all()] == [
        (D("35000.05"), D("3500.01")),
        (D("20000.00"), D("1000.00")),
        (D("200.00"), D("0.00")),
    ]
    row = page.locator("#invoices tbody tr", has_text="OI-1")
    assert "55,200.05" in row.inner_text() and "50,700.04" in row.inner_text()  # billed, and due after retention


def test_billing_a_line_past_its_value_is_refused_above_the_lines(page, pm, contract):
    first = contract.lines.first()
    sign_in(page, "pm")
    page.goto(f"/projects/prime-contracts/{contract.pk}/invoices/new/")
    _fill_header(page, "OI-9")
    page.get_by_label("Bills line, line 1").select_option(value=f"line-{first.pk}")
    page.get_by_label("Work this period, line 1").fill("100000.01")
    page.get_by_role("button", name="Save").click()

    alert = page.locator("#lines-heading ~ .callout--error")
    alert.wait_for()
    assert "would be billed 100000.01 in all, more than its scheduled value of 100000.00" in alert.inner_text()
    assert page.get_by_label("Work this period, line 1").input_value() == "100000.01", "what was typed stays"
    assert not ps.OwnerInvoice.objects.exists()


def test_the_pay_application_shows_its_totals_and_prints_without_the_navigation(page, pm, contract):
    first, second = contract.lines.all()
    invoice = ps.OwnerInvoice.objects.create(
        prime_contract=contract,
        number="OI-1",
        billing_period_start="2026-02-01",
        billing_period_end="2026-02-28",
        invoice_date="2026-02-28",
    )
    invoice.lines.create(contract_line=first, work_completed_this_period=D("40000.00"), retention_held=D("4000.00"))
    invoice.lines.create(contract_line=second, work_completed_this_period=D("10000.00"), retention_held=D("500.00"))
    sign_in(page, "pm")
    page.goto(f"/projects/{contract.project_id}/prime-contract/")
    page.get_by_role("link", name="View the pay application of OI-1").click()

    page.get_by_role("heading", name="Application No. 1: invoice OI-1").wait_for()
    assert page.locator('[data-figure="contract_sum_to_date"]').inner_text() == "200,000.00"
    assert page.locator('[data-figure="completed_and_stored_to_date"]').inner_text() == "50,000.00"
    assert page.locator('[data-figure="retention"]').inner_text() == "4,500.00"
    assert page.locator('[data-figure="current_payment_due"]').inner_text() == "45,500.00"
    assert page.locator('[data-total="balance_to_finish"]').inner_text() == "150,000.00"
    navigation = page.get_by_role("navigation", name="Main")
    assert navigation.is_visible()
    # Shown once its script can print: the script runs after the page is parsed, so it is waited for.
    page.get_by_role("button", name="Print").wait_for(state="visible", timeout=5000)
    screenshot(page, "pm-pay-application")

    page.emulate_media(media="print")
    assert not navigation.is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert not page.get_by_role("navigation", name="Breadcrumb").is_visible()
    assert page.locator('[data-figure="current_payment_due"]').is_visible(), "the document itself prints"
    page.emulate_media(media="screen")
    assert navigation.is_visible()


def test_the_contract_page_and_the_pay_application_fit_a_phone(page, pm, contract):
    page.set_viewport_size({"width": 390, "height": 844})
    invoice = ps.OwnerInvoice.objects.create(
        prime_contract=contract,
        number="OI-1",
        billing_period_start="2026-02-01",
        billing_period_end="2026-02-28",
        invoice_date="2026-02-28",
    )
    invoice.lines.create(contract_line=contract.lines.first(), work_completed_this_period=D("40000.00"))
    sign_in(page, "pm")
    for url in [
        f"/projects/{contract.project_id}/prime-contract/",
        f"/projects/owner-invoices/{invoice.pk}/pay-application/",
        f"/projects/owner-invoices/{invoice.pk}/edit/",
    ]:
        page.goto(url)
        # The page does not scroll sideways: its wide tables scroll inside their own container.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        wraps = page.locator(".table-wrap")
        assert wraps.count() > 0
        assert page.evaluate(
            "Array.from(document.querySelectorAll('.table-wrap')).some(w => w.scrollWidth > w.clientWidth)"
        ), f"{url}: a wide table scrolls inside its container"
