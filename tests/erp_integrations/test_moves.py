"""The one writer of an item's state (`move_many`), the one dispatcher of a person's steps (`take_step`)
with its words beside the transition table, and the connector told of queued items in the same
transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from erp_integrations import hooks, selectors, services
from erp_integrations.errors import StepNotAllowed
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from erp_integrations.workflow import TRANSITIONS, Step, done_message
from qbxml import services as qb_services
from qbxml.models import QbRequest
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def sent_items(pm, count: int) -> list[ErpItem]:  # type: ignore[no-untyped-def]
    companies = [CompanyFactory() for _ in range(count)]
    for company in companies:
        services.item_send(company, pm)
    return [services.item_for(company) for company in companies]


def test_move_many_moves_every_item_with_one_history_row_each(pm, approver):
    items = sent_items(pm, 3)
    moved = services.move_many(
        Step.REJECT,
        [services.Move(item.pk, ["Not ours"], reason="Not ours") for item in items],
        actor=approver,
        fields=["erp_error"],
    )
    assert sorted(moved) == sorted(item.pk for item in items)
    assert set(ErpItem.objects.values_list("state", "erp_error")) == {(ErpState.REJECTED, "Not ours")}
    rejections = ErpEvent.objects.filter(action="reject")
    assert sorted(rejections.values_list("item_id", flat=True)) == sorted(moved)
    assert {(e.actor_id, e.from_state, e.to_state, e.reason) for e in rejections} == {
        (approver.pk, ErpState.PENDING, ErpState.REJECTED, "Not ours")
    }


def test_move_many_refuses_all_when_one_move_is_not_in_the_table(pm, approver):
    first, second = sent_items(pm, 2)
    services.item_retrieve(selectors.record_of(second), pm)
    with pytest.raises(StepNotAllowed, match="cannot be accepted: it is a draft now"):
        services.move_many(Step.ACCEPT, [services.Move(first.pk), services.Move(second.pk)], actor=approver)
    assert ErpItem.objects.get(pk=first.pk).state == ErpState.PENDING, "nothing moved"
    assert not ErpEvent.objects.filter(action="accept").exists()


def test_move_many_leaves_out_what_moved_meanwhile_when_told_to(pm, approver):
    first, second = sent_items(pm, 2)
    services.item_retrieve(selectors.record_of(second), pm)
    moved = services.move_many(
        Step.ACCEPT, [services.Move(first.pk), services.Move(second.pk)], actor=approver, skip_refused=True
    )
    assert moved == [first.pk]
    assert ErpItem.objects.get(pk=second.pk).state == ErpState.DRAFT


@pytest.mark.parametrize("step", [Step.SEND, Step.RETRIEVE, Step.ACCEPT, Step.REJECT])
def test_take_step_dispatches_each_step_to_its_service(pm, approver, step):
    company = CompanyFactory()
    if step != Step.SEND:
        services.item_send(company, pm)
    actor = pm if step in (Step.SEND, Step.RETRIEVE) else approver
    item = services.take_step(step, company, actor, reason="Wrong vendor")
    assert item.state == TRANSITIONS[step].target
    assert ErpItem.objects.get(pk=item.pk).state == TRANSITIONS[step].target
    assert ErpEvent.objects.filter(item=item).latest("id").action == step.value


def test_take_step_refuses_quickbooks_steps():
    with pytest.raises(ValueError, match="sync_succeeded is not a step a person takes"):
        services.take_step(Step.SYNC_SUCCEEDED, CompanyFactory(), None)  # type: ignore[arg-type]


def test_every_step_a_person_takes_has_its_words():
    for transition in TRANSITIONS.values():
        assert transition.past and transition.history
        if transition.by_person:
            assert "{label}" in transition.done and transition.button
    assert done_message("accept", "SC-001", ErpState.QUEUED) == "SC-001 accepted: it is queued for QuickBooks."
    assert "direct export" in done_message("send", "SC-001", ErpState.QUEUED)
    assert done_message("send", "SC-001", ErpState.PENDING) == "SC-001 sent to accounting for acceptance."


def test_accepting_queues_the_request_in_the_same_transaction(pm, approver):
    qb_services.connection_create(None, name="Main company", username="qbuser", password="wc-password-1")
    company = CompanyFactory(name="Queued At Once LLC")
    services.item_send(company, pm)
    with transaction.atomic():
        item = services.item_accept(company, approver)
        (request,) = QbRequest.objects.filter(item=item)
        assert (request.kind, request.status) == ("vendor", QbRequest.Status.READY)
        transaction.set_rollback(True)
    assert not QbRequest.objects.exists(), "rolled back with the accept"
    assert ErpItem.objects.get(pk=item.pk).state == ErpState.PENDING


def test_retrying_a_failed_item_queues_a_new_request(pm, approver):
    qb_services.connection_create(None, name="Main company", username="qbuser", password="wc-password-1")
    company = CompanyFactory()
    services.item_send(company, pm)
    item = services.item_accept(company, approver)
    QbRequest.objects.filter(item=item).update(status=QbRequest.Status.FAILED)
    services.item_sync_failed(item.pk, error="QuickBooks said no")
    services.item_retry(company, approver)
    statuses = sorted(QbRequest.objects.filter(item=item).values_list("status", flat=True))
    assert statuses == [QbRequest.Status.FAILED, QbRequest.Status.READY]


def test_with_no_connection_accepted_items_wait_queued(pm, approver):
    company = CompanyFactory()
    services.item_send(company, pm)
    item = services.item_accept(company, approver)
    assert item.state == ErpState.QUEUED
    assert not QbRequest.objects.exists()


def test_the_connector_is_told_only_of_items_entering_the_queue(pm, approver, monkeypatch):
    told: list[list[int]] = []

    class Listening:
        def items_queued(self, item_ids: list[int]) -> None:
            told.append(item_ids)

        def preview(self, item: ErpItem) -> str:
            return ""

        def quickbooks_names(self, list_type: str) -> list[str]:
            return []

        def current_book(self) -> str | None:
            return None

        def read_back(self, subjects: list[str], *, again: bool = False, since: Any = None) -> None:
            pass

    monkeypatch.setattr(hooks, "_connectors", [Listening()])
    company = CompanyFactory()
    services.item_send(company, pm)
    assert told == []
    item = services.item_accept(company, approver)
    assert told == [[item.pk]]
