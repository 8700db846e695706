"""Every workflow step from every state, for the one state machine every type shares."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from erp_integrations import services
from erp_integrations.errors import DependencyNotReady, StepNotAllowed
from erp_integrations.models import ErpEvent, ErpItem, ErpSettings
from procore_sync import models as ps
from tests.factories import (
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    CostCodeFactory,
    ProjectFactory,
    commitment_with_lines,
    invoice_for,
)

pytestmark = pytest.mark.django_db

# PRODUCT.md section 2, written out again here so the table in workflow.py is checked, not copied.
EXPECTED = {
    ("draft", "send"): "pending",
    ("pending", "retrieve"): "draft",
    ("pending", "accept"): "queued",
    ("pending", "reject"): "rejected",
    ("rejected", "resend"): "pending",
    ("synced", "resend"): "pending",
    ("failed", "retry"): "queued",
    ("failed", "reject"): "rejected",
    ("synced", "unlink"): "draft",
}
STATES = ["draft", "pending", "queued", "synced", "failed", "rejected"]
STEPS = ["send", "retrieve", "accept", "reject", "resend", "retry", "unlink"]


def put_in_state(record, state, pm, approver):
    if state == "draft":
        return
    services.item_send(record, pm)
    if state == "pending":
        return
    if state == "rejected":
        services.item_reject(record, approver, "Wrong vendor")
        return
    services.item_accept(record, approver)
    item = services.item_for(record)
    if state == "synced":
        services.item_synced(item.pk, qb_ref="80000001-1234567890", edit_sequence="1234567890")
    elif state == "failed":
        services.item_sync_failed(item.pk, error="QuickBooks said no")


def run_step(step, record, pm, approver):
    actor = approver if step in {"accept", "reject", "retry", "unlink"} else pm
    function = getattr(services, f"item_{step}")
    return function(record, actor)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("step", STEPS)
def test_each_step_from_each_state_moves_as_the_specification_says_or_is_refused(state, step, pm, approver):
    company = CompanyFactory()
    put_in_state(company, state, pm, approver)
    events_before = ErpEvent.objects.count()
    expected = EXPECTED.get((state, step))
    if expected is None:
        with pytest.raises(StepNotAllowed) as refusal:
            run_step(step, company, pm, approver)
        allowed = sorted(s for (st, s) in EXPECTED if st == state)
        assert sorted(refusal.value.details["allowed_actions"]) == allowed
        assert refusal.value.details["current_state"]
        assert services.item_for(company).state == state
        assert ErpEvent.objects.count() == events_before
    else:
        item = run_step(step, company, pm, approver)
        assert item.state == expected
        event = ErpEvent.objects.latest("id")
        assert (event.action, event.from_state, event.to_state) == (step, state, expected)
        assert ErpEvent.objects.count() == events_before + 1


def test_queued_items_move_only_by_quickbooks_answers(pm, approver):
    company = CompanyFactory()
    put_in_state(company, "queued", pm, approver)
    item = services.item_synced(services.item_for(company).pk, qb_ref="8000-1", edit_sequence="99")
    assert (item.state, item.qb_ref, item.qb_edit_sequence) == ("synced", "8000-1", "99")
    assert item.synced_payload == item.sent_payload
    event = item.events.latest("id")
    assert event.actor is None and event.action == "sync_succeeded"
    with pytest.raises(StepNotAllowed):
        services.item_synced(item.pk, qb_ref="8000-2")


def test_sync_failure_keeps_the_message_and_retry_clears_it(pm, approver):
    company = CompanyFactory()
    put_in_state(company, "failed", pm, approver)
    item = services.item_for(company)
    assert item.erp_error == "QuickBooks said no"
    item = services.item_retry(company, approver)
    assert item.state == "queued" and item.erp_error == ""


def test_unlink_forgets_the_quickbooks_record(pm, approver):
    company = CompanyFactory()
    put_in_state(company, "synced", pm, approver)
    item = services.item_unlink(company, approver, "Deleted in QuickBooks")
    assert (item.state, item.qb_ref, item.qb_edit_sequence, item.synced_payload) == ("draft", "", "", None)
    assert item.events.latest("id").reason == "Deleted in QuickBooks"


def test_resend_of_a_synced_record_is_an_update_ready_for_the_approver(pm, approver):
    company = CompanyFactory(name="Acme Concrete")
    put_in_state(company, "synced", pm, approver)
    company.phone = "555-0100"
    company.save()
    item = services.item_resend(company, pm)
    assert item.state == "pending"
    assert item.qb_ref, "an update keeps the link to the QuickBooks record"
    assert item.sent_payload["phone"] == "555-0100"
    assert item.synced_payload["phone"] == ""


def test_reject_records_the_reason_and_emails_the_sender(pm, approver, django_capture_on_commit_callbacks):
    company = CompanyFactory()
    services.item_send(company, pm)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_reject(company, approver, "  Vendor already exists as Acme Inc.  ")
    event = services.item_for(company).events.latest("id")
    assert event.reason == "Vendor already exists as Acme Inc."
    assert event.actor == approver
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [pm.email]
    assert "Vendor already exists as Acme Inc." in mail.outbox[0].body


def test_the_history_can_be_neither_edited_nor_deleted(pm):
    company = CompanyFactory()
    services.item_send(company, pm)
    event = ErpEvent.objects.get()
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        ErpEvent.objects.all().update(reason="rewritten")
    with pytest.raises(TypeError):
        ErpEvent.objects.all().delete()
    assert ErpEvent.objects.get().reason == ""


def test_the_sent_payload_is_recorded_with_the_send(pm):
    company = CompanyFactory(name="Keystone Masonry")
    services.item_send(company, pm)
    event = ErpEvent.objects.get()
    assert event.payload["name"] == "Keystone Masonry"
    assert event.actor == pm


def _every_type(project):
    company = CompanyFactory()
    cost_code = CostCodeFactory()
    line = BudgetLineItemFactory(budget__project=project, cost_code=cost_code)
    other_line = BudgetLineItemFactory(budget=line.budget, cost_code=CostCodeFactory())
    modification = BudgetModificationFactory(budget=line.budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=line, amount=Decimal("-500"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=other_line, amount=Decimal("500"))
    commitment = commitment_with_lines(project=project, vendor=company)
    change_order = ChangeOrderFactory(commitment=commitment)
    ChangeOrderLineFactory(change_order=change_order)
    invoice = invoice_for(commitment)
    return {
        "company": company,
        "cost_code": cost_code,
        "project": project,
        "budget": line.budget,
        "budget_modification": modification,
        "commitment": commitment,
        "change_order": change_order,
        "subcontractor_invoice": invoice,
    }


def _send_and_accept_all(records, pm, approver):
    """Accept in dependency order: what a record depends on first."""
    order = [
        "company",
        "project",
        "cost_code",
        "budget",
        "budget_modification",
        "commitment",
        "change_order",
        "subcontractor_invoice",
    ]
    extra_codes = ps.CostCode.objects.exclude(pk=records["cost_code"].pk)
    for code in extra_codes:
        services.item_send(code, pm)
        services.item_accept(code, approver)
    for slug in order:
        services.item_send(records[slug], pm)
        services.item_accept(records[slug], approver)


def test_one_workflow_serves_every_exportable_type(pm, approver):
    records = _every_type(ProjectFactory())
    _send_and_accept_all(records, pm, approver)
    states = dict(ErpItem.objects.values_list("object_type", "state").distinct())
    assert set(states) == set(records)
    assert set(states.values()) == {"queued"}


def test_accept_is_refused_while_a_dependency_is_neither_queued_nor_synced(pm, approver):
    commitment = commitment_with_lines(lines=1)
    services.item_send(commitment, pm)
    with pytest.raises(DependencyNotReady) as refusal:
        services.item_accept(commitment, approver)
    waiting = " ".join(refusal.value.details["waiting_on"])
    assert commitment.vendor.name in waiting
    assert commitment.project.number in waiting
    assert commitment.lines.get().cost_code.code in waiting
    assert services.item_for(commitment).state == "pending"


def test_accept_goes_through_once_the_dependencies_are_queued(pm, approver):
    commitment = commitment_with_lines(lines=1)
    for dependency in (commitment.project, commitment.vendor, commitment.lines.get().cost_code):
        services.item_send(dependency, pm)
        services.item_accept(dependency, approver)
    services.item_send(commitment, pm)
    assert services.item_accept(commitment, approver).state == "queued"


def test_accepting_a_project_needs_a_parent_customer_when_it_has_no_owner(pm, approver):
    from erp_integrations.errors import AcceptOptionsInvalid

    project = ProjectFactory(owner=None)
    services.item_send(project, pm)
    with pytest.raises(AcceptOptionsInvalid):
        services.item_accept(project, approver)
    item = services.item_accept(project, approver, {"parent_customer": "Riverside Holdings"})
    assert item.accept_options == {"parent_customer": "Riverside Holdings"}


def test_accepting_a_project_defaults_the_parent_customer_to_its_owner(pm, approver):
    project = ProjectFactory(owner__name="Riverside Holdings")
    services.item_send(project, pm)
    assert services.item_accept(project, approver).accept_options == {"parent_customer": "Riverside Holdings"}


def test_direct_export_accepts_at_send(pm, approver):
    settings_row = ErpSettings.load()
    settings_row.direct_export_types = ["company"]
    settings_row.save()
    company = CompanyFactory()
    item = services.item_send(company, pm)
    assert item.state == "queued"
    assert [event.action for event in item.events.all()] == ["send", "accept"]
    assert item.events.latest("id").reason == "Direct export"


def test_direct_export_leaves_the_item_pending_when_a_dependency_is_not_ready(pm):
    settings_row = ErpSettings.load()
    settings_row.direct_export_types = ["commitment"]
    settings_row.save()
    commitment = commitment_with_lines(lines=1)
    item = services.item_send(commitment, pm)
    assert item.state == "pending"
    assert "not yet accepted or synced" in item.erp_error
