"""Send-time validation: every problem at once, in words a project manager understands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_integrations import services
from erp_integrations.errors import SendRefused
from procore_sync import models as ps
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    CompanyFactory,
    CostCodeFactory,
    ProjectFactory,
    commitment_with_lines,
    invoice_for,
)

pytestmark = pytest.mark.django_db


def refusal_of(record, user):
    with pytest.raises(SendRefused) as refusal:
        services.item_send(record, user)
    assert services.item_for(record).state == "draft", "a refused send leaves the record where it was"
    return refusal.value.details["problems"]


def messages(problems):
    return " | ".join(problem["message"] for problem in problems)


def test_every_problem_of_a_company_is_reported_at_once(pm):
    company = CompanyFactory(
        name="Smith: Concrete & Masonry Contractors of the Greater Area",
        city="X" * 40,
        postal_code="12345-67890-123",
    )
    problems = refusal_of(company, pm)
    fields = [problem["field"] for problem in problems]
    assert fields.count("name") == 2  # too long, and a colon
    assert "city" in fields and "postal_code" in fields
    text = messages(problems)
    assert "QuickBooks allows at most 41" in text
    assert "colon" in text
    assert "at most 31" in text and "at most 13" in text


def test_a_character_quickbooks_cannot_store_is_named(pm):
    problems = refusal_of(CompanyFactory(name="Ōtaki Steel 鋼"), pm)
    text = messages(problems)
    assert '"Ō" (LATIN CAPITAL LETTER O WITH MACRON)' in text


def test_typographic_quotes_and_dashes_are_not_problems(pm):
    company = CompanyFactory(name="O’Brien – Sons “Steel”")
    assert services.item_send(company, pm).state == "pending"


def test_cost_codes_longer_than_an_item_name_are_refused(pm):
    problems = refusal_of(CostCodeFactory(code="03-30-00-CAST-IN-PLACE-CONCRETE-X"), pm)
    assert problems == [
        {"field": "code", "message": "The cost code is 33 characters long; QuickBooks allows at most 31."}
    ]


def test_a_project_whose_job_name_is_too_long_is_refused(pm):
    problems = refusal_of(ProjectFactory(number="2026-001", name="Riverside Medical Office Building Phase II"), pm)
    assert "job name" in messages(problems)


def test_a_commitment_number_longer_than_a_purchase_order_number_is_refused(pm):
    commitment = commitment_with_lines(number="SUB-2026-00042")
    problems = refusal_of(commitment, pm)
    assert problems[0]["field"] == "number"
    assert "14 characters long; QuickBooks allows at most 11" in problems[0]["message"]


def test_a_commitment_without_lines_or_value_is_refused(pm):
    commitment = commitment_with_lines(lines=0)
    assert "no lines" in messages(refusal_of(commitment, pm))


def test_a_void_commitment_and_an_archived_vendor_are_both_reported(pm):
    commitment = commitment_with_lines(status=ps.Commitment.Status.VOID, vendor__is_archived=True)
    text = messages(refusal_of(commitment, pm))
    assert "void" in text and "archived" in text


def test_a_budget_must_be_locked_and_have_lines(pm):
    budget = BudgetFactory(is_locked=False)
    text = messages(refusal_of(budget, pm))
    assert "Lock the budget" in text and "no line items" in text


def test_a_budget_modification_must_net_to_zero(pm):
    line = BudgetLineItemFactory()
    other = BudgetLineItemFactory(budget=line.budget)
    modification = BudgetModificationFactory(budget=line.budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=line, amount=Decimal("-500"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=other, amount=Decimal("400"))
    assert "net to zero; these net to -100.00" in messages(refusal_of(modification, pm))


def test_negative_invoices_are_refused(pm):
    commitment = commitment_with_lines()
    invoice = invoice_for(commitment, work=Decimal("-100.00"), retainage=Decimal("0.00"))
    assert "amount due is -100.00" in messages(refusal_of(invoice, pm))


def test_an_invoice_cannot_bill_more_than_the_commitment(pm):
    commitment = commitment_with_lines(lines=1)  # one line of 50,000.00
    invoice_for(commitment, work=Decimal("40000.00"))
    second = invoice_for(commitment, work=Decimal("15000.00"))
    text = messages(refusal_of(second, pm))
    assert "more than its scheduled value of 50000.00" in text


def test_a_change_order_that_is_not_approved_cannot_be_sent(pm):
    change_order = ChangeOrderFactory(status=ps.CommitmentChangeOrder.Status.PENDING)
    text = messages(refusal_of(change_order, pm))
    assert "approved" in text and "no lines" in text


def test_a_valid_record_is_sent_with_its_payload(pm):
    commitment = commitment_with_lines(lines=2, number="SC-001")
    item = services.item_send(commitment, pm)
    assert item.state == "pending"
    assert item.sent_payload["number"] == "SC-001"
    assert [line["amount"] for line in item.sent_payload["lines"]] == ["50000.00", "50000.00"]


def test_an_owner_is_not_sent_as_a_vendor(pm):
    owner = CompanyFactory(name="Riverside Holdings", vendor_type=ps.Company.VendorType.OWNER)
    problems = refusal_of(owner, pm)
    assert [problem["field"] for problem in problems] == ["vendor_type"]
    assert "parent customer" in problems[0]["message"]
