"""The workflow's e-mails: what each says in both parts, who gets it, and when nothing goes out."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import notifications, services, tasks
from erp_integrations.models import ErpItem, ErpState, NotificationPreference
from procore_sync import models as ps
from procore_sync import selectors as ps_selectors
from tests.config.test_settings import manage
from tests.factories import CompanyFactory, UserFactory, grant

SITE = "https://qb.example.com"


@pytest.fixture(autouse=True)
def site(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE


def html_of(message: Any) -> str:
    (alternative,) = message.alternatives
    assert alternative[1] == "text/html"
    return str(alternative[0])


def pending(pm: Any, name: str) -> ErpItem:
    company: Any = CompanyFactory(name=name)
    services.item_send(company, pm)
    return services.item_for(company)


def queued(pm: Any, approver: Any, name: str) -> ErpItem:
    item = pending(pm, name)
    services.item_accept(ps.Company.objects.get(pk=item.object_id), approver)
    return item


def failed(pm: Any, approver: Any, name: str, error: str) -> ErpItem:
    item = queued(pm, approver, name)
    services.item_sync_failed(item.pk, error=error)
    return item


def opt_out(user: Any, **changes: bool) -> None:
    notifications.update_preferences(user, changes)


# --- the rejection ---------------------------------------------------------------------------------------------


def test_the_rejection_says_who_why_and_where_in_both_parts(pm, approver, django_capture_on_commit_callbacks):
    approver.first_name, approver.last_name = "Ada", "Approver"
    approver.save()
    item = pending(pm, "O'Brien & Sons")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.item_reject(ps.Company.objects.get(pk=item.object_id), approver, "Wrong <tax> id")

    (message,) = mail.outbox
    link = f"{SITE}/directory/companies/{item.object_id}/"
    assert message.to == [pm.email]
    assert message.subject == "Rejected by accounting: O'Brien & Sons"
    assert message.body == (
        "Ada Approver rejected O'Brien & Sons for QuickBooks.\n\nReason: Wrong <tax> id\n\n"
        f"Edit it and send it again when it is ready:\n{link}\n"
        f"\n-- \nChoose which e-mails you get: {SITE}/accounts/profile/\n"
    )
    html = html_of(message)
    assert "O&#x27;Brien &amp; Sons" in html
    assert "Wrong &lt;tax&gt; id" in html
    assert f'<a href="{link}">' in html
    assert f'<a href="{SITE}/accounts/profile/">' in html


def test_no_rejection_email_for_a_sender_who_turned_them_off(pm, approver, django_capture_on_commit_callbacks):
    opt_out(pm, rejections=False)
    item = pending(pm, "Quiet Quarry")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.item_reject(ps.Company.objects.get(pk=item.object_id), approver, "No")

    assert mail.outbox == []
    assert services.item_for(ps.Company.objects.get(pk=item.object_id)).state == ErpState.REJECTED


# --- the failure to export ------------------------------------------------------------------------------------


def test_a_failure_is_told_to_the_sender_once_after_commit(pm, approver, django_capture_on_commit_callbacks):
    item = queued(pm, approver, "Refused Roofing")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.item_sync_failed(item.pk, error="The name is already in use: Refused Roofing.")
        assert mail.outbox == [], "nothing before the commit"

    assert len(callbacks) == 1
    (message,) = mail.outbox
    link = f"{SITE}/erp/items/{item.pk}/"
    assert message.to == [pm.email]
    assert message.subject == "Failed to export to QuickBooks: Refused Roofing"
    assert "QuickBooks said: The name is already in use: Refused Roofing." in message.body
    assert link in message.body
    html = html_of(message)
    assert "QuickBooks said: The name is already in use: Refused Roofing." in html
    assert f'<a href="{link}">' in html


def test_no_failure_email_when_the_answer_is_rolled_back(pm, approver, django_capture_on_commit_callbacks):
    item = queued(pm, approver, "Rolled Back Rentals")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.item_sync_failed(item.pk, error="Refused")
            raise RuntimeError("the connector's transaction fails")

    assert callbacks == []
    assert mail.outbox == []
    item.refresh_from_db()
    assert item.state == ErpState.QUEUED


def test_one_failure_email_per_item_of_one_answer(pm, approver, django_capture_on_commit_callbacks):
    items = [queued(pm, approver, f"Batch {n}") for n in range(2)]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.record_sync_outcomes([services.SyncOutcome(item.pk, False, error=f"No {item.pk}") for item in items])

    assert sorted(message.subject for message in mail.outbox) == [
        "Failed to export to QuickBooks: Batch 0",
        "Failed to export to QuickBooks: Batch 1",
    ]


def test_no_failure_email_for_a_sender_who_turned_them_off(pm, approver, django_capture_on_commit_callbacks):
    opt_out(pm, failures=False)
    item = queued(pm, approver, "Muted Masonry")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.item_sync_failed(item.pk, error="Refused")

    assert mail.outbox == []


def test_no_failure_email_for_an_item_retried_before_the_task_ran(pm, approver):
    item = failed(pm, approver, "Retried Rebar", "Refused")
    services.item_retry(ps.Company.objects.get(pk=item.object_id), approver)
    mail.outbox.clear()

    assert tasks.notify_failed(item.pk) is False
    assert mail.outbox == []


# --- paid in full --------------------------------------------------------------------------------------------


def paid_item(pm: Any) -> ErpItem:
    return ErpItem.objects.create(
        content_type=ContentType.objects.get_for_model(ps.Company),
        object_id=987654,
        object_type="subcontractor_invoice",
        label="Invoice 7 of Paid Plumbing",
        state=ErpState.SYNCED,
        sent_by=pm,
    )


def paid_in_full(invoice_ids: list[int]) -> dict[int, ps_selectors.PaidStatus]:
    due = Decimal("12500.00")
    status = ps_selectors.PaidStatus("paid", due, due, Decimal("0"), datetime.date(2026, 3, 9))
    return dict.fromkeys(invoice_ids, status)


def test_the_paid_email_has_the_amounts_in_both_parts(pm):
    item = paid_item(pm)
    with mock.patch.object(ps_selectors, "paid_statuses", paid_in_full):
        assert tasks.notify_paid(item.object_id) is True

    (message,) = mail.outbox
    assert message.subject == "Paid in QuickBooks: Invoice 7 of Paid Plumbing"
    said = "12,500.00 of 12,500.00 due, completed on Mar 9, 2026"
    assert said in message.body
    assert said in html_of(message)
    assert f"{SITE}/erp/items/{item.pk}/" in message.body


def test_no_paid_email_for_a_sender_who_turned_them_off(pm):
    item = paid_item(pm)
    opt_out(pm, paid=False)
    with mock.patch.object(ps_selectors, "paid_statuses", paid_in_full):
        assert tasks.notify_paid(item.object_id) is False
    assert mail.outbox == []


# --- the daily digest ------------------------------------------------------------------------------------------


def test_the_digest_tells_each_approver_what_waits_and_what_failed(pm, approver):
    superuser = UserFactory(username="root", email="root@example.com", is_superuser=True)
    waiting = [pending(pm, f"Waiting {n}") for n in range(3)]
    refused = failed(pm, approver, "Refused Rigging", "The vendor's name is too long.")
    mail.outbox.clear()

    assert tasks.send_daily_digest() == 2

    assert sorted(message.to[0] for message in mail.outbox) == [approver.email, superuser.email]
    message = next(message for message in mail.outbox if message.to == [approver.email])
    assert message.subject == "ERP Integrations Daily Summary: 3 waiting for acceptance, 1 failed to export"
    html = html_of(message)
    for part in (message.body, html):
        assert "Waiting for your acceptance: 3" in part
        assert "Companies/Vendors: 3" in part
        assert f"{SITE}/erp/items/{waiting[0].pk}/" in part
        assert "Failed to export: 1" in part
        assert "The vendor&#x27;s name is too long." in html
        assert f"{SITE}/erp/items/{refused.pk}/" in part
    assert "The vendor's name is too long." in message.body


def test_the_digest_goes_to_approvers_only_and_not_to_those_who_turned_it_off(pm, approver):
    reader = UserFactory(username="reader", email="reader@example.com")
    grant(reader, Tool.ERP_INTEGRATIONS, Level.READ_ONLY, push=True)
    quiet = UserFactory(username="quiet", email="quiet@example.com")
    grant(quiet, Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    opt_out(quiet, daily_digest=False)
    pending(pm, "Waiting Walls")
    mail.outbox.clear()

    assert tasks.send_daily_digest() == 1
    assert [message.to for message in mail.outbox] == [[approver.email]]


def test_no_digest_when_nothing_waits_and_nothing_failed(pm, approver):
    queued(pm, approver, "Queued Quoins")
    mail.outbox.clear()

    assert tasks.send_daily_digest() == 0
    assert mail.outbox == []


def test_celery_beat_sends_the_digest_daily_at_the_hour_set(db, settings):
    from django_celery_beat.models import PeriodicTask

    from qbxml import schedules

    settings.DAILY_DIGEST_HOUR = 18
    schedules.beat_in_step()
    entry = PeriodicTask.objects.get(name="erp-daily-digest")
    assert entry.task == tasks.send_daily_digest.name
    assert (entry.crontab.hour, entry.crontab.minute) == ("18", "0")

    refused = manage("check", DAILY_DIGEST_HOUR="24")
    assert refused.returncode != 0
    assert "DAILY_DIGEST_HOUR=24 is not an hour of the day" in refused.stderr


def digest_queries(pm: Any, approver: Any, count: int) -> int:
    for n in range(count):
        pending(pm, f"Many {count} {n}")
    failed(pm, approver, f"Failing {count}", "Refused")
    from erp_integrations import selectors

    with CaptureQueriesContext(connection) as queries:
        content = selectors.digest()
        assert content.pending_total >= count
    return len(queries)


def test_the_digests_content_costs_as_many_queries_for_5_items_as_for_50(pm, approver):
    few = digest_queries(pm, approver, 5)
    ErpItem.objects.filter(state=ErpState.PENDING).update(record_deleted_at=datetime.datetime.now(datetime.UTC))
    many = digest_queries(pm, approver, 50)

    assert few == many == 3


# --- the preferences, in the API ------------------------------------------------------------------------------


def test_a_person_reads_and_changes_their_preferences_in_the_api(pm):
    client = APIClient()
    client.force_authenticate(pm)

    assert client.get("/api/v1/me/notifications/").json() == {
        "daily_digest": True,
        "rejections": True,
        "failures": True,
        "paid": True,
    }
    response = client.patch("/api/v1/me/notifications/", {"daily_digest": False}, format="json")

    assert response.status_code == 200
    assert response.json()["daily_digest"] is False
    assert NotificationPreference.objects.get(user=pm).daily_digest is False
    assert client.get("/api/v1/me/notifications/").json()["rejections"] is True


def test_the_preferences_need_signing_in():
    assert APIClient().get("/api/v1/me/notifications/").status_code in (401, 403)
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_profile_page_saves_the_choices(pm):
    client = Client()
    client.force_login(pm)

    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    assert 'href="/accounts/profile/"' in page.content.decode(), "the name in the navigation links here"

    response = client.post("/accounts/profile/", {"rejections": "on", "failures": "on", "paid": "on"})

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=pm)
    assert (preference.daily_digest, preference.rejections, preference.failures, preference.paid) == (
        False,
        True,
        True,
        True,
    )
