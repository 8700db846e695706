"""Side effects through a real Celery broker: the rejection email goes through Redis to a worker."""

from __future__ import annotations

import pytest
from celery.result import EagerResult
from django.core import mail

from config.celery import app
from erp_integrations import services
from tests.factories import CompanyFactory


@pytest.mark.django_db(transaction=True)
def test_the_rejection_email_is_sent_by_a_worker_through_the_broker(broker_url, pm, approver, settings):
    from celery.contrib.testing.worker import start_worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    company = CompanyFactory()
    services.item_send(company, pm)
    app.conf.update(
        broker_url=broker_url,
        result_backend=broker_url,
        task_always_eager=False,
        broker_connection_retry_on_startup=True,
    )
    app.loader.import_module("celery.contrib.testing.tasks")
    try:
        with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=10):
            mail.outbox.clear()
            from erp_integrations.tasks import notify_rejection

            services.item_reject(company, approver, "Duplicate of Acme Inc")
            event = services.item_for(company).events.latest("id")
            # The reject queued its email after commit; wait for the worker's result of that same task.
            result = notify_rejection.delay(event.pk)
            assert not isinstance(result, EagerResult), "the task must travel through the broker"
            assert result.get(timeout=20) is True
    finally:
        app.conf.task_always_eager = True
    assert [message.to for message in mail.outbox] == [[pm.email], [pm.email]]
    assert "Duplicate of Acme Inc" in mail.outbox[0].body
