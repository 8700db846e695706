"""What a project brings back from QuickBooks: turning job costs or payments on queues those transactions to
be read again (from the chosen date, or the start), "Sync now" reads from where the last read stopped, and
only ERP Integrations admins choose; the page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import services
from qbxml import imports
from qbxml.models import QbConnection, QbListImport
from tests.factories import ProjectFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

JOB_COSTS = set(imports.SUBJECTS["job_costs"])
PAYMENTS = set(imports.SUBJECTS["payments"])


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


LAST_READ = start_of(datetime.date(2026, 6, 1))


@pytest.fixture
def read_before(book) -> QbConnection:  # type: ignore[no-untyped-def]
    """Every transaction import ran once already and stopped at June 1st."""
    connection = QbConnection.objects.get(is_default=True)
    for name in imports.TRANSACTIONS:
        QbListImport.objects.create(connection=connection, list_name=name, next_from=LAST_READ)
    return connection


def runs() -> dict[str, tuple[str, datetime.datetime | None]]:
    return {run.list_name: (run.status, run.next_from) for run in QbListImport.objects.all()}


def test_turning_job_costs_on_reads_them_again_from_the_chosen_date(read_before, erp_admin):
    project = ProjectFactory()

    services.set_project_accounting(erp_admin, project, sync_job_costs=True, job_costs_since=datetime.date(2026, 1, 1))

    since = start_of(datetime.date(2026, 1, 1))
    assert {name for name, (status, _) in runs().items() if status == "queued"} == JOB_COSTS
    assert {runs()[name][1] for name in JOB_COSTS} == {since}
    assert runs()["check_payments"] == ("idle", LAST_READ)


def test_turning_payments_on_reads_every_payment_again_and_saving_again_reads_nothing(read_before, erp_admin):
    project = ProjectFactory()
    services.set_project_accounting(erp_admin, project, sync_paid_invoices=True)
    assert {name: runs()[name] for name in PAYMENTS} == {name: ("queued", None) for name in PAYMENTS}

    QbListImport.objects.update(status="idle", next_from=LAST_READ)
    services.set_project_accounting(erp_admin, project, sync_paid_invoices=True, notify_when_paid=False)
    assert set(runs().values()) == {("idle", LAST_READ)}


def test_an_earlier_date_reads_again_from_it(read_before, erp_admin):
    project = ProjectFactory()
    services.set_project_accounting(erp_admin, project, sync_job_costs=True, job_costs_since=datetime.date(2026, 5, 1))
    QbListImport.objects.update(status="idle", next_from=LAST_READ)

    services.set_project_accounting(erp_admin, project, job_costs_since=datetime.date(2026, 6, 10))
    assert set(runs().values()) == {("idle", LAST_READ)}, "a later date keeps what was read"
    services.set_project_accounting(erp_admin, project, job_costs_since=datetime.date(2025, 1, 1))
    assert runs()["bills"] == ("queued", start_of(datetime.date(2025, 1, 1)))


def test_sync_now_reads_from_where_the_last_read_stopped(read_before, erp_admin):
    project = ProjectFactory()
    assert services.sync_project_accounting(erp_admin, project) == []
    assert set(runs().values()) == {("idle", LAST_READ)}

    services.set_project_accounting(erp_admin, project, sync_job_costs=True, job_costs_since=datetime.date(2026, 1, 1))
    QbListImport.objects.update(status="idle", next_from=LAST_READ)
    assert services.sync_project_accounting(erp_admin, project) == ["job_costs"]
    assert {runs()[name] for name in JOB_COSTS} == {("queued", LAST_READ)}


def test_only_erp_admins_choose(read_before, approver):
    with pytest.raises(PermissionDenied, match="Admin on ERP Integrations"):
        services.set_project_accounting(approver, ProjectFactory(), sync_job_costs=True)


def test_the_page_saves_and_syncs(read_before, erp_admin):
    project = ProjectFactory(number="1042", name="Clinic")
    page = Client()
    page.force_login(erp_admin)
    url = reverse("erp:project-accounting", args=[project.pk])
    assert "Sync job cost transactions" in page.get(url).content.decode()

    response = page.post(url, {"action": "save", "sync_job_costs": "on", "job_costs_since": "2026-01-01"}, follow=True)
    assert "Saved what 1042 Clinic brings back from QuickBooks" in response.content.decode()
    assert project.accounting_settings.sync_job_costs
    response = page.post(url, {"action": "sync"}, follow=True)
    assert "brings back the job cost transactions of 1042 Clinic" in response.content.decode()

    standard = grant(UserFactory(username="standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)
    page.force_login(standard)
    assert page.get(url).status_code == 403


def test_the_api_reads_changes_and_syncs(read_before, erp_admin):
    project = ProjectFactory()
    api = APIClient()
    api.force_authenticate(erp_admin)
    url = f"/api/v1/erp/projects/{project.pk}/accounting/"

    assert api.get(url).json()["sync_job_costs"] is False
    changed = api.patch(url, {"sync_paid_invoices": True}, format="json")
    assert changed.status_code == 200 and changed.json()["sync_paid_invoices"] is True
    assert {name: runs()[name][0] for name in PAYMENTS} == dict.fromkeys(PAYMENTS, "queued")
    assert api.post(f"{url}sync/").json() == {"queued": ["payments"]}
    assert api.patch(url, {"job_costs_since": "soon"}, format="json").status_code == 400


def test_the_project_page_leads_erp_admins_to_it(erp_admin, pm):
    project = ProjectFactory()
    url = reverse("erp:project-accounting", args=[project.pk])
    page = Client()
    page.force_login(erp_admin)
    assert url in page.get(reverse("projects:detail", args=[project.pk])).content.decode()
    page.force_login(pm)
    assert url not in page.get(reverse("projects:detail", args=[project.pk])).content.decode()


def test_job_costs_turned_off_or_from_a_later_date_drop_the_rows_no_longer_brought_back(read_before, erp_admin):
    from procore_sync import models as ps

    project = ProjectFactory()
    services.set_project_accounting(erp_admin, project, sync_job_costs=True)
    for day in (1, 20):
        ps.JobCostTransaction.objects.create(
            qb_txn_id=f"T{day}", txn_type="Check", txn_date=datetime.date(2026, 3, day), project=project, amount=10
        )

    services.set_project_accounting(erp_admin, project, job_costs_since=datetime.date(2026, 3, 10))
    assert list(ps.JobCostTransaction.objects.values_list("qb_txn_id", flat=True)) == ["T20"]
    services.set_project_accounting(erp_admin, project, sync_job_costs=False)
    assert not ps.JobCostTransaction.objects.exists()
