"""Sub jobs on the project side: their rules (nesting, cycles, names), the lines that name one, the REST API,
the project page's list (by accounting status, as CSV), the forms, and sending one to accounting."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import services as erp
from erp_integrations.errors import DependencyNotReady, SendRefused
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from procore_sync import services
from tests.factories import (
    BudgetFactory,
    CommitmentLineFactory,
    CostCodeFactory,
    InvoiceLineFactory,
    ProjectFactory,
    SubJobFactory,
    UserFactory,
    commitment_with_lines,
    cost_type,
    grant,
    invoice_for,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_sub_job(actor: Any, project: ps.Project, name: str, parent: ps.SubJob | None = None) -> ps.SubJob:
    return services.save_record(actor, ps.SubJob, {"project": project, "parent": parent, "name": name})


# --- the rules -----------------------------------------------------------------------------------------


def test_sub_jobs_nest_three_levels_under_the_job_and_no_deeper(pm):
    project = ProjectFactory()
    building = new_sub_job(pm, project, "Building A")
    level = new_sub_job(pm, project, "Level 2", building)
    suite = new_sub_job(pm, project, "Suite 210", level)

    with pytest.raises(ValidationError) as refused:
        new_sub_job(pm, project, "Room 4", suite)

    assert "3 levels deep" in str(refused.value)
    assert (suite.path, suite.depth) == ("Building A:Level 2:Suite 210", 3)


def test_moving_a_sub_job_takes_the_ones_under_it_along_and_they_must_still_fit(pm):
    project = ProjectFactory()
    building = new_sub_job(pm, project, "Building A")
    level = new_sub_job(pm, project, "Level 2", building)
    wing = new_sub_job(pm, project, "East wing")
    north = new_sub_job(pm, project, "North", wing)

    with pytest.raises(ValidationError, match="3 levels deep"):
        services.save_record(pm, ps.SubJob, {"parent": north}, instance=building)  # Level 2 would be 4 deep

    services.save_record(pm, ps.SubJob, {"parent": wing}, instance=building)
    level.refresh_from_db()
    assert level.path == "East wing:Building A:Level 2"


def test_a_sub_job_cannot_be_under_itself_or_one_under_it(pm):
    project = ProjectFactory()
    building = new_sub_job(pm, project, "Building A")
    level = new_sub_job(pm, project, "Level 2", building)

    for parent in (building, level):
        with pytest.raises(ValidationError, match="cannot be under itself"):
            services.save_record(pm, ps.SubJob, {"parent": parent}, instance=building)


def test_names_are_unique_among_siblings_ignoring_case_as_in_quickbooks(pm):
    project, other = ProjectFactory(), ProjectFactory()
    building_a = new_sub_job(pm, project, "Building A")
    building_b = new_sub_job(pm, project, "Building B")
    new_sub_job(pm, project, "Level 2", building_a)
    new_sub_job(pm, project, "Level 2", building_b)  # another parent: another full name
    new_sub_job(pm, other, "Building A")  # another project

    with pytest.raises(ValidationError, match="already has a sub job building a directly under the job"):
        new_sub_job(pm, project, "building a")
    with pytest.raises(ValidationError, match="under Building A"):
        new_sub_job(pm, project, "LEVEL 2", building_a)


def test_a_parent_of_another_project_is_refused(pm):
    project, other = ProjectFactory(), ProjectFactory()

    with pytest.raises(ValidationError, match="belongs to another project"):
        new_sub_job(pm, project, "Level 2", SubJobFactory(project=other))


def test_a_line_names_a_sub_job_of_its_own_project_only(pm):
    commitment = commitment_with_lines(1)
    ours, theirs = SubJobFactory(project=commitment.project), SubJobFactory()
    line = commitment.lines.get()
    data = {"id": line.pk, "line_number": 1, "cost_code": line.cost_code, "cost_type": line.cost_type}

    with pytest.raises(ValidationError, match="belongs to another project"):
        services.save_record(pm, ps.Commitment, {}, [{**data, "sub_job": theirs}], instance=commitment)
    services.save_record(pm, ps.Commitment, {}, [{**data, "sub_job": ours}], instance=commitment)

    assert commitment.lines.get().sub_job == ours


def test_a_change_order_line_that_changes_a_line_keeps_that_lines_sub_job(pm):
    commitment = commitment_with_lines(1)
    building, other = SubJobFactory(project=commitment.project), SubJobFactory(project=commitment.project)
    line = commitment.lines.get()
    line.sub_job = building
    line.save()
    fields = {"commitment": commitment, "number": "001", "title": "More", "date": "2026-02-01"}

    with pytest.raises(ValidationError, match="keeps that line's sub job"):
        services.save_record(
            pm, ps.CommitmentChangeOrder, fields, [{"commitment_line": line, "sub_job": other, "amount": "10"}]
        )
    change_order = services.save_record(
        pm, ps.CommitmentChangeOrder, fields, [{"commitment_line": line, "amount": Decimal("10")}]
    )

    assert change_order.lines.get().effective_sub_job == building


# --- the API -------------------------------------------------------------------------------------------


def test_create_nested_sub_jobs_and_list_them_by_project_through_the_api(pm):
    project, other = ProjectFactory(), ProjectFactory()
    SubJobFactory(project=other)
    client = api_for(pm)

    building = client.post(f"{API}/sub-jobs/", {"project": project.pk, "name": "Building A"}, format="json")
    level = client.post(
        f"{API}/sub-jobs/",
        {"project": project.pk, "parent": building.json()["id"], "name": "Level 2", "city": "Springfield"},
        format="json",
    )

    assert building.status_code == 201, building.content
    assert level.status_code == 201, level.content
    assert (level.json()["path"], level.json()["erp_status"]) == ("Building A:Level 2", "draft")
    listed = client.get(f"{API}/sub-jobs/", {"project": project.pk}).json()
    assert [row["path"] for row in listed["results"]] == ["Building A", "Building A:Level 2"]


def test_a_parent_of_another_project_gets_the_same_answer_as_one_that_does_not_exist(pm):
    project = ProjectFactory()
    theirs = SubJobFactory()
    client = api_for(pm)

    answers = [
        client.post(f"{API}/sub-jobs/", {"project": project.pk, "parent": parent, "name": "Level 2"}, format="json")
        for parent in (theirs.pk, 999_999)
    ]

    assert [answer.status_code for answer in answers] == [400, 400]
    messages = [answer.json()["errors"]["parent"][0] for answer in answers]
    assert messages == [f'No sub job "{theirs.pk}" on this project.', 'No sub job "999999" on this project.']


def test_a_line_naming_another_projects_sub_job_is_refused_as_an_unknown_one(pm):
    project = ProjectFactory()
    theirs = SubJobFactory()
    ours = SubJobFactory(project=project)
    code = CostCodeFactory()
    vendor = commitment_with_lines(0).vendor
    client = api_for(pm)

    def commitment_naming(sub_job: int) -> Any:
        line = {"line_number": 1, "cost_code": code.pk, "cost_type": cost_type().pk, "amount": "100.00"}
        body = {
            "project": project.pk,
            "number": f"SC-{sub_job}"[:11],
            "title": "Concrete",
            "vendor": vendor.pk,
            "lines": [{**line, "sub_job": sub_job}],
        }
        return client.post(f"{API}/commitments/", body, format="json")

    refused = [commitment_naming(sub_job) for sub_job in (theirs.pk, 999_999)]
    made = commitment_naming(ours.pk)

    assert [answer.status_code for answer in refused] == [400, 400]
    assert refused[0].json()["errors"]["lines"]["0"]["sub_job"] == [f'No sub job "{theirs.pk}" on this project.']
    assert made.status_code == 201, made.content
    assert made.json()["lines"][0]["sub_job"] == ours.pk


def test_budget_and_change_order_lines_name_sub_jobs_through_the_api(pm):
    commitment = commitment_with_lines(1)
    project = commitment.project
    ours, theirs = SubJobFactory(project=project), SubJobFactory()
    code = CostCodeFactory()
    client = api_for(pm)
    line = {"cost_code": code.pk, "cost_type": cost_type().pk}

    budget = client.post(
        f"{API}/budgets/",
        {"project": project.pk, "lines": [{**line, "sub_job": ours.pk, "original_amount": "10.00"}]},
        format="json",
    )
    change_order = {"commitment": commitment.pk, "number": "001", "title": "More", "date": "2026-02-01"}
    refused = client.post(
        f"{API}/change-orders/",
        {**change_order, "lines": [{**line, "sub_job": theirs.pk, "amount": "5.00"}]},
        format="json",
    )
    made = client.post(
        f"{API}/change-orders/",
        {**change_order, "lines": [{**line, "sub_job": ours.pk, "amount": "5.00"}]},
        format="json",
    )

    assert budget.status_code == 201, budget.content
    assert budget.json()["lines"][0]["sub_job"] == ours.pk
    assert refused.status_code == 400
    assert refused.json()["errors"]["lines"]["0"]["sub_job"] == [
        f'No sub job "{theirs.pk}" on the project of this commitment.'
    ]
    assert made.status_code == 201, made.content


def test_send_and_accept_a_sub_job_through_the_api_once_its_project_is_accepted(pm, approver):
    project = ProjectFactory()
    sub_job = SubJobFactory(project=project, name="Building A")
    url = f"{API}/sub-jobs/{sub_job.pk}"

    sent = api_for(pm).post(f"{url}/send/")
    waiting = api_for(approver).post(f"{url}/accept/", {}, format="json")
    erp.item_send(project, pm)
    erp.item_accept(project, approver)
    accepted = api_for(approver).post(f"{url}/accept/", {}, format="json")

    assert (sent.status_code, sent.json()["erp_status"]) == (200, "pending")
    assert waiting.status_code == 409
    assert "project" in waiting.json()["detail"] and "not yet accepted or synced" in waiting.json()["detail"]
    assert (accepted.status_code, accepted.json()["erp_status"]) == (200, "queued")
    item = erp.item_for(sub_job)
    assert item.accept_options == {"job_full_name": f"{project.owner.name}:{project.number} {project.name}"}
    assert item.sent_payload["path"] == "Building A"
    pending = api_for(approver).get(f"{API}/sub-jobs/", {"erp_status": "queued"}).json()
    assert [row["id"] for row in pending["results"]] == [sub_job.pk]


def test_a_sub_job_needs_admin_on_the_projects_admin_tool_to_be_sent(db):
    project = ProjectFactory()
    sub_job = SubJobFactory(project=project)
    standard = grant(UserFactory(), Tool.ADMIN, Level.STANDARD, project)
    admin = grant(UserFactory(), Tool.ADMIN, Level.ADMIN, project)

    refused = api_for(standard).post(f"{API}/sub-jobs/{sub_job.pk}/send/")
    sent = api_for(admin).post(f"{API}/sub-jobs/{sub_job.pk}/send/")

    assert refused.status_code == 403 and "Admin on Admin" in refused.json()["detail"]
    assert sent.status_code == 200


# --- checks at send ------------------------------------------------------------------------------------


def test_a_name_with_a_colon_or_a_full_name_too_long_for_quickbooks_is_refused_at_send(pm):
    project = ProjectFactory(name="N" * 150)
    with_colon = SubJobFactory(project=project, name="Building: A")
    long = SubJobFactory(project=project, name="L" * 41)

    problems = {}
    for sub_job in (with_colon, long):
        with pytest.raises(SendRefused) as refused:
            erp.item_send(sub_job, pm)
        problems[sub_job.name] = [problem["message"] for problem in refused.value.details["problems"]]

    assert any("cannot contain a colon" in message for message in problems["Building: A"])
    assert any("QuickBooks allows at most 209" in message for message in problems["L" * 41])


def test_a_budget_line_naming_a_sub_job_makes_the_budget_wait_for_it(pm, approver):
    budget = BudgetFactory()
    sub_job = SubJobFactory(project=budget.project)
    code = CostCodeFactory()
    ps.BudgetLineItem.objects.create(
        budget=budget, cost_code=code, cost_type=cost_type(), sub_job=sub_job, original_amount=Decimal("5")
    )
    for record in (budget.project, code):
        erp.item_send(record, pm)
        erp.item_accept(record, approver)
    erp.item_send(budget, pm)

    with pytest.raises(DependencyNotReady, match="sub job"):
        erp.item_accept(budget, approver)

    assert erp.item_for(budget).sent_payload["lines"][0]["sub_job"] == sub_job.path


# --- the project page ------------------------------------------------------------------------------------


def test_the_project_page_lists_sub_jobs_with_their_status_filters_them_and_downloads_them(pm, approver):
    project = ProjectFactory()
    building = SubJobFactory(project=project, name="Building A")
    level = SubJobFactory(project=project, parent=building, name="Level 2")
    SubJobFactory(project=project, name="Parking")
    for record in (project, building):
        erp.item_send(record, pm)
        erp.item_accept(record, approver)
    erp.item_synced(erp.item_for(building).pk, qb_ref="80000042-1", edit_sequence="1")
    erp.item_send(level, pm)
    client = client_for(pm)
    url = reverse("projects:detail", args=[project.pk])

    everything = client.get(url).content.decode()
    synced = client.get(url, {"sub_jobs": "synced"}).content.decode()
    download = client.get(reverse("erp:record-csv", args=["sub_job"]), {"project": project.pk, "erp_status": "synced"})

    assert all(path in everything for path in ("Building A:Level 2", "Parking", "Pending acceptance"))
    assert 'aria-current="page">Synced <span class="count">1</span>' in synced
    assert "Building A" in synced and "Parking" not in synced and "Level 2" not in synced
    rows = list(csv.DictReader(io.StringIO(download.getvalue().decode())))
    assert download["Content-Type"].startswith("text/csv")
    assert [(row["Path"], row["Accounting status"], row["QuickBooks id"]) for row in rows] == [
        ("Building A", "Synced", "80000042-1")
    ]
    assert rows[0]["Sub job"] == f"{project.number} {project.name}:Building A"


def test_the_project_page_costs_the_same_queries_with_three_or_thirty_sub_jobs(pm):
    project = ProjectFactory()
    parents = [SubJobFactory(project=project, name=f"Building {n}") for n in range(3)]
    client = client_for(pm)
    url = reverse("projects:detail", args=[project.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for parent in parents:
        for n in range(9):
            SubJobFactory(project=project, parent=parent, name=f"Level {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.content.decode().count('<th scope="row">Building 2:Level ') == 9
    assert len(many) == len(few)


def test_create_edit_and_delete_a_sub_job_from_the_project_page(pm):
    project, other = ProjectFactory(), ProjectFactory()
    building = SubJobFactory(project=project, name="Building A")
    theirs = SubJobFactory(project=other, name="Their building")
    client = client_for(pm)

    form = client.get(reverse("projects:sub-job-new", args=[project.pk])).content.decode()
    created = client.post(
        reverse("projects:sub-job-new", args=[project.pk]),
        {"name": "Level 2", "parent": building.pk, "is_active": "on", "city": "Springfield"},
    )
    refused = client.post(
        reverse("projects:sub-job-new", args=[project.pk]), {"name": "Level 3", "parent": theirs.pk}
    ).content.decode()

    assert "Building A" in form and "Their building" not in form, "only the project's sub jobs are offered"
    assert created.status_code == 302 and created["Location"].endswith("#sub-jobs")
    level = project.sub_jobs.get(name="Level 2")
    assert (level.parent, level.city) == (building, "Springfield")
    assert "Select a valid choice" in refused
    edit = client.get(reverse("projects:sub-job-edit", args=[building.pk])).content.decode()
    assert f'<option value="{level.pk}"' not in edit, "a sub job cannot go under one under it"
    client.post(reverse("projects:sub-job-edit", args=[level.pk]), {"name": "Level two", "parent": building.pk})
    level.refresh_from_db()
    assert level.name == "Level two" and not level.is_active

    deleted = client.post(reverse("projects:sub-job-delete", args=[level.pk]), follow=True)
    assert not ps.SubJob.objects.filter(pk=level.pk).exists()
    assert "Sub job Building A:Level two deleted." in deleted.content.decode()


def test_a_sub_job_a_line_names_or_accounting_holds_is_not_deleted(pm):
    commitment = commitment_with_lines(0)
    named = SubJobFactory(project=commitment.project)
    CommitmentLineFactory(commitment=commitment, sub_job=named)
    sent = SubJobFactory(project=commitment.project)
    erp.item_send(sent, pm)
    client = client_for(pm)

    for sub_job in (named, sent):
        response = client.post(reverse("projects:sub-job-delete", args=[sub_job.pk]), follow=True)
        assert "was not deleted" in response.content.decode() or "cannot be deleted" in response.content.decode()

    assert ps.SubJob.objects.filter(pk__in=[named.pk, sent.pk]).count() == 2


def test_the_commitment_form_offers_the_projects_sub_jobs_for_each_line(pm):
    commitment = commitment_with_lines(1)
    SubJobFactory(project=commitment.project, name="Building A")
    SubJobFactory(name="Elsewhere")

    body = client_for(pm).get(reverse("projects:commitment-edit", args=[commitment.pk])).content.decode()

    assert "Building A" in body and "Elsewhere" not in body
    assert "— the job —" in body


def test_a_sub_job_sent_from_the_project_page_goes_to_accounting(pm):
    sub_job = SubJobFactory()
    client = client_for(pm)

    response = client.post(
        reverse("erp:record-step", args=["sub_job", sub_job.pk, "send"]), {"next": "/"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Pending acceptance" in response.content.decode()
    assert ErpItem.objects.get(object_type="sub_job", object_id=sub_job.pk).state == ErpState.PENDING


def test_an_invoice_line_says_the_sub_job_it_bills_and_a_list_costs_no_query_a_line(pm, django_assert_max_num_queries):
    commitment = commitment_with_lines(2)
    building = SubJobFactory(project=commitment.project, name="Building A")
    commitment.lines.filter(line_number=1).update(sub_job=building)
    invoice = invoice_for(commitment)
    InvoiceLineFactory(invoice=invoice, commitment_line=commitment.lines.get(line_number=2))
    for n in range(3):
        invoice_for(commitment, number=f"INV-{n}", work=Decimal("10.00"))
    client = api_for(pm)

    lines = client.get(f"{API}/subcontractor-invoices/{invoice.pk}/").json()["lines"]
    assert [line["sub_job"] for line in lines] == [building.pk, None]
    with django_assert_max_num_queries(7):  # whatever the number of invoices and lines (and their payments)
        listed = client.get(f"{API}/subcontractor-invoices/").json()["results"]
    assert sorted(line["sub_job"] or 0 for row in listed for line in row["lines"]) == [
        0,
        building.pk,
        building.pk,
        building.pk,
        building.pk,
    ]
