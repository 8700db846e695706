"""The accountant report: what reached QuickBooks, when, sent and accepted by whom, with QuickBooks ids, filtered
by date, type, project and person, per type, as a page, a CSV download and an API endpoint; for ERP
Integrations admins only."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import reports, services
from erp_integrations.models import ErpEvent, ErpItem, ErpSettings, ErpState
from erp_integrations.workflow import Step
from procore_sync import models as ps
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, commitment_with_lines, grant

pytestmark = pytest.mark.django_db

API = "/api/v1/erp/reports/accountant/"
PAGE = "/erp/reports/accountant/"
CSV = "/erp/reports/accountant.csv"
AT = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=datetime.UTC)


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def synced(record: Any, sender: Any, acceptor: Any, qb_ref: str, at: datetime.datetime = AT) -> ErpItem:
    """Send, accept and sync `record` through the workflow; the sync at `at`."""
    services.item_send(record, sender)
    services.item_accept(record, acceptor)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return services.item_synced(services.item_for(record).pk, qb_ref=qb_ref, edit_sequence="1")


def ready_commitment(pm: Any, approver: Any, **kwargs: Any) -> ps.Commitment:
    """A commitment whose project, vendor and cost codes are accepted, so it can be accepted in turn."""
    commitment = commitment_with_lines(**kwargs)
    for dependency in (commitment.project, commitment.vendor, *[line.cost_code for line in commitment.lines.all()]):
        if services.item_for(dependency).state == ErpState.DRAFT:
            services.item_send(dependency, pm)
            services.item_accept(dependency, approver)
    return commitment


def rows(**filters: Any) -> list[reports.ReportRow]:
    return reports.report_rows(reports.syncs(reports.ReportFilters(**filters)))


def csv_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- the rows ----------------------------------------------------------------------------------------------------


def test_a_sync_is_a_row_with_its_sender_its_acceptor_its_quickbooks_id_and_its_amount(pm, approver):
    commitment = ready_commitment(pm, approver, lines=2)
    synced(commitment, pm, approver, qb_ref="PO-1")

    [row] = rows(object_type="commitment")

    assert (row.label, row.qb_ref, row.kind) == (services.item_for(commitment).label, "PO-1", "Add")
    assert row.sent_by == pm and row.accepted_by == approver
    assert row.synced_at == AT and row.sent_at is not None and row.accepted_at is not None
    assert row.project == commitment.project
    assert row.amount == Decimal("100000.00")  # two lines of 50,000.00


def test_a_record_sent_again_after_its_sync_is_a_second_row_an_update_with_who_accepted_it_then(pm, approver):
    company = CompanyFactory(name="Again Paving")
    synced(company, pm, approver, qb_ref="V-1", at=AT)
    other = grant(UserFactory(username="second"), Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    resender = grant(UserFactory(username="resender"), Tool.DIRECTORY, Level.ADMIN)
    services.item_resend(company, resender)
    services.item_accept(company, other)
    with mock.patch("django.utils.timezone.now", return_value=AT + datetime.timedelta(days=1)):
        services.item_synced(services.item_for(company).pk, qb_ref="V-1", edit_sequence="2")

    later, first = rows(object_type="company")

    assert (later.kind, later.sent_by, later.accepted_by) == ("Update", resender, other)
    assert (first.kind, first.sent_by, first.accepted_by) == ("Add", pm, approver)


def test_under_direct_export_the_sender_is_also_the_acceptor(pm):
    settings_row = ErpSettings.load()
    settings_row.direct_export_types = ["company"]
    settings_row.save()
    company = CompanyFactory(name="Direct Paving")
    services.item_send(company, pm)
    services.item_synced(services.item_for(company).pk, qb_ref="V-D", edit_sequence="1")

    [row] = rows()

    assert (row.sent_by, row.accepted_by, row.kind) == (pm, pm, "Add")


def test_only_syncs_are_rows_not_sends_accepts_or_failures(pm, approver):
    pending = CompanyFactory(name="Pending Paving")
    services.item_send(pending, pm)
    failed = CompanyFactory(name="Failed Paving")
    services.item_send(failed, pm)
    services.item_accept(failed, approver)
    services.item_sync_failed(services.item_for(failed).pk, error="The name is in use.")
    synced(CompanyFactory(name="Synced Paving"), pm, approver, qb_ref="V-9")

    assert [row.label for row in rows()] == ["Synced Paving"]


def test_records_without_money_have_no_amount_and_an_invoice_has_its_amount_due():
    assert reports.payload_amount({"name": "Acme"}) is None
    assert reports.payload_amount({"amount_due": "950.00", "lines": [{"amount": "1000.00"}]}) == Decimal("950.00")
    assert reports.payload_amount({"lines": [{"amount": "1.10"}, {"amount": "2.20"}]}) == Decimal("3.30")
    assert reports.payload_amount({"lines": []}) is None


# --- the filters ---------------------------------------------------------------------------------------------------


@pytest.fixture
def three_syncs(pm, approver):  # type: ignore[no-untyped-def]
    """A company synced on March 1 by pm and approver; a project on March 10; a company on March 20 sent by
    a directory admin and accepted by another approver."""
    synced(CompanyFactory(name="March First"), pm, approver, "V-1", at=AT.replace(day=1))
    project = ProjectFactory(name="Tenth Street", number="P-10")
    synced(project, pm, approver, "J-10", at=AT)
    sender = grant(UserFactory(username="dir", first_name="Dana", last_name="Dir"), Tool.DIRECTORY, Level.ADMIN)
    acceptor = grant(UserFactory(username="acc2"), Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)
    synced(CompanyFactory(name="March Twentieth"), sender, acceptor, "V-20", at=AT.replace(day=20))
    return {"project": project, "sender": sender, "acceptor": acceptor}


def test_the_date_range_takes_whole_days_at_both_ends(three_syncs):
    labels = [row.label for row in rows(synced_from=datetime.date(2026, 3, 1), synced_to=datetime.date(2026, 3, 10))]

    assert labels == ["P-10 Tenth Street", "March First"]


def test_the_type_filter(three_syncs):
    assert [row.label for row in rows(object_type="company")] == ["March Twentieth", "March First"]


def test_the_project_filter(three_syncs):
    assert [row.label for row in rows(project_id=three_syncs["project"].pk)] == ["P-10 Tenth Street"]


def test_the_person_filter_finds_the_sender_and_the_acceptor(three_syncs, approver):
    assert [row.label for row in rows(person_id=three_syncs["sender"].pk)] == ["March Twentieth"]
    assert [row.label for row in rows(person_id=three_syncs["acceptor"].pk)] == ["March Twentieth"]
    assert [row.label for row in rows(person_id=approver.pk)] == ["P-10 Tenth Street", "March First"]


def test_the_totals_count_each_type(three_syncs):
    totals = {t.object_type: t.count for t in reports.totals_by_type(reports.syncs(reports.ReportFilters()))}

    assert totals == {"company": 2, "project": 1}


def test_the_totals_add_up_the_amounts_of_a_type_that_has_money(pm, approver):
    for _ in range(2):
        synced(ready_commitment(pm, approver, lines=1), pm, approver, qb_ref="PO")

    [total] = reports.totals_by_type(reports.syncs(reports.ReportFilters(object_type="commitment")))

    assert (total.count, total.amount) == (2, Decimal("100000.00"))


# --- who may see it ----------------------------------------------------------------------------------------------


def test_an_erp_integrations_admin_sees_the_report_and_its_link(erp_admin, three_syncs):
    response = page_client(erp_admin).get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("erp:accountant-report")}"' in body
    assert "March Twentieth" in body and "V-20" in body and "Dana Dir" in body
    assert api_client(erp_admin).get(API).status_code == 200


@pytest.mark.parametrize(
    ("level", "push"),
    [(Level.STANDARD, False), (Level.STANDARD, True), (Level.READ_ONLY, False), (Level.NONE, False)],
    ids=["standard", "approver", "read_only", "none"],
)
def test_anyone_below_erp_integrations_admin_is_refused_the_page_the_csv_and_the_api(level, push):
    user = grant(UserFactory(username="below"), Tool.ERP_INTEGRATIONS, level, push=push)

    assert page_client(user).get(PAGE).status_code == 403
    assert page_client(user).get(CSV).status_code == 403
    assert api_client(user).get(API).status_code == 403
    assert api_client(user).get(API, {"format": "csv"}).status_code == 403
    assert reverse("erp:accountant-report") not in page_client(user).get(reverse("home"), follow=True).content.decode()


# --- the page, the CSV and the API ---------------------------------------------------------------------------


def test_the_page_filters_from_the_address_and_its_csv_link_keeps_the_filters(erp_admin, three_syncs):
    body = page_client(erp_admin).get(PAGE, {"type": "company", "synced_to": "2026-03-10"}).content.decode()

    table = body.split("data-report", 1)[1]  # the project filter's choices name every project
    assert "March First" in table
    assert "March Twentieth" not in table and "Tenth Street" not in table
    assert '<option value="company" selected>' in body
    assert f"{CSV}?type=company&amp;synced_to=2026-03-10" in body


def test_the_csv_has_the_header_and_one_row_per_sync_as_filtered(erp_admin, three_syncs):
    table = csv_of(page_client(erp_admin).get(CSV, {"type": "company"}))

    assert table[0] == [
        "Synced",
        "Type",
        "Item",
        "Project",
        "QuickBooks id",
        "Add or update",
        "Sent by",
        "Sent",
        "Accepted by",
        "Accepted",
        "Amount",
    ]
    assert [(line[0], line[2], line[4], line[5], line[6]) for line in table[1:]] == [
        ("2026-03-20 14:00", "March Twentieth", "V-20", "Add", "Dana Dir"),
        ("2026-03-01 14:00", "March First", "V-1", "Add", "pm"),
    ]


def test_the_api_filters_paginates_and_totals_and_answers_csv(erp_admin, three_syncs):
    body = api_client(erp_admin).get(API, {"person": three_syncs["sender"].pk}).json()

    assert body["count"] == 1
    [row] = body["results"]
    assert (row["item_label"], row["qb_ref"], row["sent_by_name"], row["is_update"]) == (
        "March Twentieth",
        "V-20",
        "Dana Dir",
        False,
    )
    assert body["totals"] == [{"object_type": "company", "type_label": "Company", "count": 1, "amount": None}]
    table = csv_of(api_client(erp_admin).get(API, {"format": "csv", "project": three_syncs["project"].pk}))
    assert [line[2] for line in table[1:]] == ["P-10 Tenth Street"]


def test_the_page_shows_fifty_syncs_a_page_and_the_next_page_the_rest(pm, approver, erp_admin):
    _history(51, pm, approver)
    client = page_client(erp_admin)

    first = client.get(PAGE).content.decode()
    second = client.get(PAGE, {"page": 2}).content.decode()

    assert first.split("data-report", 1)[1].count("<tr>") == 51  # the header row and fifty syncs
    assert second.split("data-report", 1)[1].count("<tr>") == 2
    assert "51–51 of 51" in second


def test_a_csv_asked_for_with_a_backwards_date_range_is_refused_with_why(erp_admin):
    response = page_client(erp_admin).get(CSV, {"synced_from": "2026-03-10", "synced_to": "2026-03-01"})

    assert response.status_code == 400
    assert "The end of the date range comes before its start." in response.content.decode()


def test_a_backwards_date_range_is_a_400_in_the_api(erp_admin):
    response = api_client(erp_admin).get(API, {"synced_from": "2026-03-10", "synced_to": "2026-03-01"})

    assert response.status_code == 400
    assert "synced_to" in response.json()["errors"]


# --- cost at any size --------------------------------------------------------------------------------------------


def _history(count: int, pm: Any, approver: Any) -> None:
    """`count` synced companies, their history written as the workflow writes it (send, accept, sync)."""
    companies = CompanyFactory.create_batch(count)
    kind = ContentType.objects.get_for_model(ps.Company)
    items = ErpItem.objects.bulk_create(
        ErpItem(content_type=kind, object_id=c.pk, object_type="company", label=c.name, state=ErpState.SYNCED)
        for c in companies
    )
    now = timezone.now()
    steps = [
        (Step.SEND, pm, ErpState.DRAFT, ErpState.PENDING, {"name": "x"}),
        (Step.ACCEPT, approver, ErpState.PENDING, ErpState.QUEUED, None),
        (Step.SYNC_SUCCEEDED, None, ErpState.QUEUED, ErpState.SYNCED, {"qb_ref": "V"}),
    ]
    ErpEvent.objects.bulk_create(
        ErpEvent(item=item, action=step, actor=actor, from_state=a, to_state=b, payload=payload, created_at=now)
        for step, actor, a, b, payload in steps
        for item in items
    )


def _queries(erp_admin: Any, count: int) -> tuple[int, int, int]:
    page, api, download = page_client(erp_admin), api_client(erp_admin), page_client(erp_admin)
    # The sessions and the user's permission caches warmed: the cost measured is the report's.
    page.get(PAGE)
    api.get(API)
    with CaptureQueriesContext(connection) as page_queries:
        response = page.get(PAGE)
    with CaptureQueriesContext(connection) as api_queries:
        body = api.get(API).json()
    with CaptureQueriesContext(connection) as csv_queries:
        table = csv_of(download.get(CSV))
    assert response.status_code == 200 and body["count"] == count and len(table) == count + 1
    assert body["totals"][0]["count"] == count
    assert all(line[6] == "pm" and line[8] == "approver" for line in table[1:])
    return len(page_queries), len(api_queries), len(csv_queries)


def test_the_page_the_csv_and_the_api_cost_the_same_queries_at_5_rows_and_at_200(pm, approver, erp_admin):
    _history(5, pm, approver)
    small = _queries(erp_admin, 5)
    _history(195, pm, approver)

    assert _queries(erp_admin, 200) == small
