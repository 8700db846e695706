"""Sent items are locked against edits of the fields QuickBooks will receive."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp_integrations import services as erp
from erp_integrations.errors import RecordLocked, StepNotAllowed
from erp_integrations.models import ErpItem
from procore_sync import models as ps
from procore_sync import services
from tests.factories import CompanyFactory, commitment_with_lines

pytestmark = pytest.mark.django_db


def lines_of(commitment):
    return [
        {
            "id": line.pk,
            "line_number": line.line_number,
            "cost_code": line.cost_code,
            "cost_type": line.cost_type,
            "description": line.description,
            "amount": line.amount,
        }
        for line in commitment.lines.all()
    ]


@pytest.mark.parametrize("state", ["pending", "queued"])
def test_quickbooks_fields_cannot_change_while_accounting_holds_the_item(state, pm, approver):
    company = CompanyFactory(name="Acme Drywall")
    erp.item_send(company, pm)
    if state == "queued":
        erp.item_accept(company, approver)
    with pytest.raises(RecordLocked) as refusal:
        services.save_record(pm, ps.Company, {"name": "Acme Drywall LLC"}, instance=company)
    assert refusal.value.details["locked_fields"] == ["name"]
    company.refresh_from_db()
    assert company.name == "Acme Drywall"


def test_fields_quickbooks_does_not_receive_stay_editable(pm):
    commitment = commitment_with_lines()
    erp.item_send(commitment, pm)
    services.save_record(pm, ps.Commitment, {"description": "Notes for the site team"}, instance=commitment)
    commitment.refresh_from_db()
    assert commitment.description == "Notes for the site team"


def test_saving_the_same_values_is_not_an_edit(pm):
    commitment = commitment_with_lines()
    erp.item_send(commitment, pm)
    services.save_record(pm, ps.Commitment, {"title": commitment.title}, lines_of(commitment), instance=commitment)


def test_lines_are_locked_too(pm):
    commitment = commitment_with_lines()
    erp.item_send(commitment, pm)
    changed = lines_of(commitment)
    changed[0]["amount"] = Decimal("1.00")
    with pytest.raises(RecordLocked) as refusal:
        services.save_record(pm, ps.Commitment, {}, changed, instance=commitment)
    assert refusal.value.details["locked_fields"] == ["lines"]
    with pytest.raises(RecordLocked):
        services.save_record(pm, ps.Commitment, {}, lines_of(commitment)[:1], instance=commitment)
    assert commitment.lines.count() == 2


def test_retrieving_unlocks_the_item(pm):
    company = CompanyFactory(name="Acme Drywall")
    erp.item_send(company, pm)
    erp.item_retrieve(company, pm)
    services.save_record(pm, ps.Company, {"name": "Acme Drywall LLC"}, instance=company)
    company.refresh_from_db()
    assert company.name == "Acme Drywall LLC"


def test_rejection_unlocks_the_item_for_the_fix_and_resend(pm, approver):
    company = CompanyFactory(name="Acme Drywall")
    erp.item_send(company, pm)
    erp.item_reject(company, approver, "Use the legal name")
    services.save_record(pm, ps.Company, {"name": "Acme Drywall Inc"}, instance=company)
    item = erp.item_resend(company, pm)
    assert item.state == "pending"
    assert item.sent_payload["name"] == "Acme Drywall Inc"


def test_records_in_accounting_or_quickbooks_cannot_be_deleted(pm, approver):
    company = CompanyFactory()
    erp.item_send(company, pm)
    with pytest.raises(StepNotAllowed):
        services.delete_record(pm, company)
    assert ps.Company.objects.filter(pk=company.pk).exists()


def test_a_draft_record_can_be_deleted_and_its_history_is_kept(pm):
    company = CompanyFactory()
    erp.item_send(company, pm)
    erp.item_retrieve(company, pm)
    services.delete_record(pm, company)
    item = ErpItem.objects.get(object_type="company")
    assert item.record_deleted_at is not None
    assert item.events.count() == 2


def test_invariants_roll_back_the_whole_edit(pm):
    commitment = commitment_with_lines(lines=1)
    invoice_lines = [
        {
            "commitment_line": commitment.lines.get(),
            "work_completed_this_period": Decimal("60000.00"),
            "retainage_held": Decimal("6000.00"),
        }
    ]
    fields = {
        "commitment": commitment,
        "number": "INV-9",
        "billing_period_start": "2026-01-01",
        "billing_period_end": "2026-01-31",
        "invoice_date": "2026-02-01",
    }
    with pytest.raises(ValidationError) as refusal:
        services.save_record(pm, ps.SubcontractorInvoice, fields, invoice_lines)
    assert "scheduled value" in str(refusal.value)
    assert not ps.SubcontractorInvoice.objects.exists()
