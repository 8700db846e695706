"""Two people acting on one item at once: exactly one transition wins, the other gets a clear conflict."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from erp_integrations import services
from erp_integrations.errors import StepNotAllowed
from erp_integrations.models import ErpEvent
from tests.factories import CompanyFactory, UserFactory, grant


def _race(step_function, record, actors):
    """Run `step_function` for each actor in its own thread and database connection, all at once."""
    barrier = threading.Barrier(len(actors))
    outcomes: dict[int, object] = {}

    def attempt(index, actor):
        try:
            barrier.wait()
            outcomes[index] = step_function(record, actor)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(index, actor)) for index, actor in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_approvers_accepting_one_item_at_once_exactly_one_wins(requires_postgres, monkeypatch):
    from access.tools import Level, Tool

    sender = grant(UserFactory(username="sender"), Tool.DIRECTORY, Level.ADMIN)
    first = grant(UserFactory(username="first"), Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    second = grant(UserFactory(username="second"), Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    company = CompanyFactory()
    services.item_send(company, sender)

    # Hold each transaction open after its state check, so that without the row lock both would pass it.
    checked = services._check_dependencies

    def slow_check(*args, **kwargs):
        result = checked(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(services, "_check_dependencies", slow_check)
    outcomes = _race(services.item_accept, company, [first, second])

    winners = [outcome for outcome in outcomes.values() if not isinstance(outcome, Exception)]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], StepNotAllowed), outcomes
    assert "queued for QuickBooks" in losers[0].message
    assert losers[0].details["current_state"] == "queued"
    assert ErpEvent.objects.filter(action="accept").count() == 1
    assert services.item_for(company).state == "queued"


@pytest.mark.django_db(transaction=True)
def test_a_double_send_records_one_transition(requires_postgres):
    from access.tools import Level, Tool

    sender = grant(UserFactory(username="sender"), Tool.DIRECTORY, Level.ADMIN)
    company = CompanyFactory()
    outcomes = _race(services.item_send, company, [sender, sender])
    failures = [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], StepNotAllowed), outcomes
    assert ErpEvent.objects.filter(action="send").count() == 1
