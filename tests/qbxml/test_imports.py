"""Reading QuickBooks' lists back through the SOAP endpoint, from a simulated company file that holds
thousands of vendors, customers, jobs, sub jobs and items: each list comes back whole the first time, a
second refresh brings only what changed, and an iterator that dies or a session that ends midway costs a
restart, never a duplicate."""

from __future__ import annotations

import html
import math

import pytest

from erp_integrations.models import AccountingRecord
from qbxml import imports
from qbxml.models import QbConnection, QbExchange, QbListImport
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory
from tests.qbxml.helpers import ManualSession, connector_for, play_session, queue_for_quickbooks

pytestmark = pytest.mark.django_db

VENDORS, PARENTS, JOBS_EACH, SUB_JOBS, ITEMS = 2500, 300, 3, 200, 400
ALL_LISTS = list(imports.LISTS)


@pytest.fixture
def company() -> QuickBooksCompany:
    company = QuickBooksCompany("Existing Construction Co")
    for n in range(VENDORS):
        company.add_vendor(f"Vendor {n:05d}", Phone=f"555-{n:04d}", Email=f"ap{n}@vendor.example")
    for n in range(PARENTS):
        company.add_customer(f"Owner {n:04d}")
        for job in range(JOBS_EACH):
            company.add_customer(f"Job {n:04d}-{job}", f"Owner {n:04d}")
    for n in range(SUB_JOBS):
        company.add_customer(f"Building {n}", f"Owner {n:04d}:Job {n:04d}-0")
    for division in range(ITEMS // 20):
        company.add_item_service(f"{division:02d}")
        for code in range(19):
            company.add_item_service(f"{division:02d}-{code:03d}", f"{division:02d}", description=f"Work {code}")
    company.add_class("Labor")
    company.add_employee("Jon Smith")
    company.add_payroll_item_wage("Hourly Rate")
    return company


@pytest.fixture
def session(company, connection, client) -> ManualSession:  # type: ignore[no-untyped-def]
    return ManualSession(connector_for(company, client=client))


def play(session: ManualSession, company: QuickBooksCompany, *, stop_after: int | None = None) -> list[str]:
    return play_session(session, company, stop_after=stop_after)


def held(list_type: str) -> int:
    return AccountingRecord.objects.filter(list_type=list_type).count()


def test_each_list_comes_back_whole_a_page_at_a_time(session, company, connection):
    imports.refresh(None, connection, ALL_LISTS)

    messages = play(session, company)

    customers = PARENTS * (1 + JOBS_EACH) + SUB_JOBS
    assert held("vendor") == VENDORS
    assert held("customer") == customers
    assert held("item") == ITEMS // 20 * 20
    assert held("class") == 1
    assert (held("employee"), held("payroll_item")) == (1, 1)
    assert held("account") == len(company.accounts())
    pages = math.ceil(VENDORS / 100) + math.ceil(customers / 100) + math.ceil(ITEMS / 100)
    assert len(messages) == pages + 4, "one message per page; classes, accounts, employees and wage items whole"
    sub_job = AccountingRecord.objects.get(full_name="Owner 0000:Job 0000-0:Building 0")
    job = AccountingRecord.objects.get(full_name="Owner 0000:Job 0000-0")
    assert sub_job.parent_external_id == job.external_id and sub_job.details["sublevel"] == 2
    vendor = AccountingRecord.objects.get(list_type="vendor", full_name="Vendor 00042")
    assert (vendor.details["phone"], vendor.details["email"]) == ("555-0042", "ap42@vendor.example")
    assert set(QbListImport.objects.values_list("status", "last_error")) == {("idle", "")}


def test_a_second_refresh_with_nothing_changed_costs_one_query_message_per_list(session, company, connection, client):
    imports.refresh(None, connection, ALL_LISTS)
    play(session, company)
    before = set(AccountingRecord.objects.values_list("list_type", "external_id", "edit_sequence"))

    imports.refresh(None, connection, ALL_LISTS)
    messages = play(ManualSession(connector_for(company, client=client)), company)

    assert len(messages) == len(ALL_LISTS)
    assert all("<FromModifiedDate>" in message for message in messages)
    assert set(QbListImport.objects.values_list("last_rows", flat=True)) == {0}
    assert set(AccountingRecord.objects.values_list("list_type", "external_id", "edit_sequence")) == before


def test_a_change_made_in_quickbooks_comes_back_as_a_change(session, company, connection, client):
    imports.refresh(None, connection, ["vendors"])
    play(session, company)
    company.edit_list("Vendor", "Vendor 00007", name="Vendor 00007 Renamed", Phone="555-7777")
    company.edit_list("Vendor", "Vendor 00008", is_active=False)

    imports.refresh(None, connection, ["vendors"])
    play(ManualSession(connector_for(company, client=client)), company)

    assert QbListImport.objects.get().last_rows == 2
    renamed = AccountingRecord.objects.get(full_name="Vendor 00007 Renamed")
    assert renamed.details["phone"] == "555-7777"
    assert not AccountingRecord.objects.filter(full_name="Vendor 00007").exists(), "the same record, renamed"
    assert AccountingRecord.objects.get(full_name="Vendor 00008").is_active is False
    assert held("vendor") == VENDORS


def test_an_import_cut_off_with_its_session_starts_again_without_duplicates(
    session, company, connection, client, settings
):
    settings.QBWC_SESSION_IDLE_SECONDS = 0  # the dead session's silence has run out
    imports.refresh(None, connection, ["vendors"])
    play(session, company, stop_after=5)  # the Web Connector dies after five pages
    assert 0 < held("vendor") < VENDORS
    assert QbListImport.objects.get().status == "running"

    messages = play(ManualSession(connector_for(company, client=client)), company)

    assert 'iterator="Start"' in messages[0], "a new iterator: the old one died with its session"
    assert held("vendor") == VENDORS
    assert QbListImport.objects.get().last_rows == VENDORS


def test_an_iterator_that_dies_within_a_session_restarts_from_the_bound(session, company, connection):
    imports.refresh(None, connection, ["vendors"])
    assert session.open() == ""
    first = session.send()
    session.receive(company.process(first))
    company.end_session()  # QuickBooks forgets its iterators

    dead = session.send()
    assert 'iterator="Continue"' in dead
    session.receive(company.process(dead))  # 3391
    restart = session.send()

    assert 'iterator="Start"' in restart
    while restart:
        if session.receive(company.process(restart)) == 100:
            break
        restart = session.send()
    assert held("vendor") == VENDORS


def test_imports_go_before_the_queue_s_requests(session, company, connection, pm, approver):
    queue_for_quickbooks([CompanyFactory(name="New Subcontractor LLC")], pm, approver)
    imports.refresh(None, connection, ["classes"])

    messages = play(session, company)

    assert "<ClassQueryRq" in messages[0] and "<VendorAddRq" in messages[1]
    assert QbExchange.objects.filter(direction="request").count() == 2
    assert QbConnection.objects.get().last_error == ""


# --- asking for a refresh ---------------------------------------------------------------------------------


def test_the_command_queues_the_lists_it_is_told(connection):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("qbwc_refresh", "--connection", "Main company", "--lists", "vendors,items", stdout=out)

    assert sorted(QbListImport.objects.values_list("list_name", "status")) == [
        ("items", "queued"),
        ("vendors", "queued"),
    ]
    assert "reads them before it sends anything" in out.getvalue()
    with pytest.raises(CommandError, match="No list 'invoices'"):
        call_command("qbwc_refresh", "--connection", "Main company", "--lists", "invoices")


def test_an_erp_admin_refreshes_from_the_api_and_reads_how_each_list_stands(connection, erp_admin, approver):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(erp_admin)
    response = api.post(f"/api/v1/qb-connections/{connection.pk}/refresh/", {"lists": ["vendors"]}, format="json")

    assert response.status_code == 200
    assert [(row["list_name"], row["status"]) for row in response.json()["list_imports"]] == [("vendors", "queued")]
    api.force_authenticate(approver)
    assert api.post(f"/api/v1/qb-connections/{connection.pk}/refresh/", {}, format="json").status_code == 403


def test_the_sync_health_page_refreshes_and_shows_each_list(session, company, connection, erp_admin):
    from django.test import Client
    from django.urls import reverse

    page = Client()
    page.force_login(erp_admin)
    assert "Not read yet" in page.get(reverse("qb:connections")).content.decode()

    response = page.post(reverse("qb:refresh-lists", args=[connection.pk]), follow=True)

    assert "reads QuickBooks' lists before it sends anything" in html.unescape(response.content.decode())
    play(session, company)
    body = page.get(reverse("qb:connections")).content.decode()
    assert "Vendors" in body and f">{VENDORS}<" in body and "Up to date" in body


def test_a_large_answer_is_written_by_a_task_while_the_web_connector_is_told_noop(
    session, company, connection, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from qbxml import tasks

    settings.QBWC_WRITE_LATER_BYTES = 1  # every answer counts as large
    handed: list[int] = []
    monkeypatch.setattr(tasks.write_import_page, "delay", handed.append)
    imports.refresh(None, connection, ["vendors"])
    assert session.open() == ""

    first = session.send()
    with django_capture_on_commit_callbacks(execute=True):
        assert session.receive(company.process(first)) < 100
    run = QbListImport.objects.get()

    assert handed == [run.pk]
    assert session.send() == "" and session.last_error() == "NoOp", "nothing goes out while it is written"
    assert held("vendor") == 0
    assert imports.write_kept_answer(run.pk) is True
    assert held("vendor") == 100
    second = session.send()
    assert "iteratorID=" in second and 'iterator="Continue"' in second

    # A kept answer no task wrote in time (the workers are down) is written by the session's next call.
    with django_capture_on_commit_callbacks(execute=True):
        session.receive(company.process(second))
    QbListImport.objects.update(answer_kept_at=timezone.now() - timedelta(minutes=5))
    assert "iteratorID=" in session.send()
    assert held("vendor") == 200
