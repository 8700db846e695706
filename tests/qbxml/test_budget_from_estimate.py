"""A budget imported from QuickBooks: an estimate of a linked project's job (or of one of its sub jobs) is read in a
Web Connector session, previewed with its lines mapped (item → cost code, class → cost type, customer:job →
project or sub job) and what cannot be mapped named, then imported into the project's budget through the CSV
import's checks and bulk save, and the budget tied to the estimate: its next export changes that estimate, never
adds a second. Standard on ERP Integrations imports; a locked budget, or one in QuickBooks already, is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import budget_estimate_import as bei
from erp_integrations import services as erp
from erp_integrations.models import ErpEvent, ErpState
from procore_sync import budget_import as bi
from procore_sync import models as ps
from procore_sync import services
from qbxml import imports
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.factories import CostCodeFactory, ProjectFactory, SubJobFactory, UserFactory, cost_type, grant
from tests.qbxml.helpers import connector_for, item_of, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def standard(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="erp_standard")
    grant(user, Tool.ERP_INTEGRATIONS, Level.STANDARD)
    return user


@pytest.fixture
def synced(pm, approver, connection, client):  # type: ignore[no-untyped-def]
    """A project, a sub job and two cost codes in QuickBooks, and an estimate entered there for the job."""
    project = ProjectFactory(number="2044", name="Riverside Lofts")
    sub_job = SubJobFactory(project=project, name="Building A")
    codes = [CostCodeFactory(code="02-200"), CostCodeFactory(code="03-300", default_cost_type=cost_type("Material"))]
    cost_type("Subcontract")
    company = QuickBooksCompany("Estimating Builders")
    queue_for_quickbooks([*codes, project, sub_job], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))
    # The parent customer, its job (the project) and the job's sub-customer (the sub job), by their depth.
    job, sub_customer = (
        next(customer.full_name for customer in company.customers() if customer.full_name.count(":") == depth)
        for depth in (1, 2)
    )
    company.add_class("Subcontract")
    division = codes[0].division.code
    estimate = company.add_estimate(
        job,
        "EST-21",
        [
            SeedLine(amount=D("120000.00"), item=f"{division}:02-200", class_name="Subcontract"),
            SeedLine(amount=D("80000.00"), item=f"{codes[1].division.code}:03-300", description="Structure"),
            SeedLine(amount=D("5000.00"), item=f"{codes[1].division.code}:03-300", description="Building A - Slab"),
        ],
        memo="Riverside budget",
    )
    imports.refresh(None, connection, ["estimates"])
    sync_until_nothing_to_do(connector_for(company, client=client))
    return {
        "project": project,
        "sub_job": sub_job,
        "sub_customer": sub_customer,
        "company": company,
        "estimate": estimate,
        "codes": codes,
    }


def read_estimates(company: QuickBooksCompany, connection: Any, client: Any) -> None:
    imports.refresh(None, connection, ["estimates"])
    sync_until_nothing_to_do(connector_for(company, client=client))


def offered(project: ps.Project, ref_number: str = "EST-21") -> Any:
    return next(found for found in bei.estimates(project) or [] if found.details["ref_number"] == ref_number)


def test_the_preview_maps_each_line_and_saves_nothing(synced, standard):
    project = synced["project"]

    found = bei.preview(standard, project, offered(project))

    assert found.ok, found.result.errors
    assert [
        (row.line, row.cost_code, row.cost_type_name, row.sub_job, row.description, row.amount)
        for row in found.result.rows
    ] == [
        (1, "02-200", "Subcontract", "", "", D("120000.00")),
        (2, "03-300", "Material", "", "Structure", D("80000.00")),
        # Our own budget estimates write a sub job's lines "path - description": read back onto the sub job.
        (3, "03-300", "Material", "Building A", "Slab", D("5000.00")),
    ]
    assert found.result.total == D("205000.00") and found.creates_budget
    assert not ps.Budget.objects.filter(project=project).exists()


def test_an_estimate_is_imported_as_the_budget_tied_to_it_and_its_export_changes_that_estimate(
    synced, standard, pm, approver, client
):
    project, company, estimate = synced["project"], synced["company"], synced["estimate"]

    budget, found = bei.import_estimate(standard, project, offered(project))

    # The job's own line before its sub job's, on every database (PostgreSQL sorts NULL last).
    lines = budget.lines.order_by("cost_code__code", F("sub_job_id").asc(nulls_first=True)).values_list(
        "cost_code__code", "cost_type__name", "sub_job__name", "original_amount"
    )
    assert list(lines) == [
        ("02-200", "Subcontract", None, D("120000.00")),
        ("03-300", "Material", None, D("80000.00")),
        ("03-300", "Material", "Building A", D("5000.00")),
    ]
    item = item_of(budget)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, estimate.txn_id)
    event = ErpEvent.objects.filter(item=item).latest("id")
    assert (event.actor, event.to_state) == (standard, ErpState.SYNCED)
    assert "EST-21" in event.reason
    assert bei.estimates(project) == [], "an estimate tied to the budget is offered no more"

    services.save_record(pm, ps.Budget, {"is_locked": True}, None, instance=budget)
    line = budget.lines.get(cost_code__code="02-200")
    services.save_record(
        pm,
        ps.Budget,
        {},
        [{"id": each.pk} for each in budget.lines.exclude(pk=line.pk)]
        + [{"id": line.pk, "original_amount": D("125000.00")}],
        instance=budget,
    )
    erp.item_resend(budget, pm)
    erp.item_accept(budget, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))

    assert [txn.txn_id for txn in company.estimates()] == [estimate.txn_id], "no second estimate beside it"
    assert company.estimates()[0].total == D("210000.00")
    assert item_of(budget).state == ErpState.SYNCED


def test_an_estimate_of_a_sub_job_puts_every_line_on_it(synced, standard, connection, client):
    project, company, sub_job = synced["project"], synced["company"], synced["sub_job"]
    code = synced["codes"][0]
    company.add_estimate(
        synced["sub_customer"],
        "EST-22",
        [SeedLine(amount=D("900.00"), item=f"{code.division.code}:02-200", class_name="Subcontract")],
    )
    read_estimates(company, connection, client)

    found = bei.preview(standard, project, offered(project, "EST-22"))

    assert found.sub_job == sub_job
    assert [(row.cost_code, row.sub_job, row.amount) for row in found.result.rows] == [
        ("02-200", "Building A", D("900.00"))
    ]


def test_lines_that_cannot_be_mapped_are_listed_with_why_and_nothing_is_imported(synced, standard, connection, client):
    project, company = synced["project"], synced["company"]
    company.add_item_service("Allowances")
    company.add_class("Overhead")
    code = synced["codes"][0]
    job = company.find_txn("Estimate", "EST-21").entity
    company.add_estimate(
        job,
        "EST-23",
        [
            SeedLine(amount=D("10.00"), item="Allowances"),
            SeedLine(amount=D("20.00"), item=f"{code.division.code}:02-200", class_name="Overhead"),
            SeedLine(amount=D("30.00"), item=f"{code.division.code}:02-200"),
        ],
    )
    read_estimates(company, connection, client)

    found = bei.preview(standard, project, offered(project, "EST-23"))
    with pytest.raises(bei.EstimateImportRefused):
        bei.import_estimate(standard, project, offered(project, "EST-23"))

    assert {row.line: row.errors for row in found.result.rows if row.errors} == {
        1: ["There is no cost code “Allowances”."],
        2: ["There is no cost type “Overhead” (by code or name)."],
        3: ["The cost type is missing and cost code 02-200 has no default cost type."],
    }
    assert not ps.Budget.objects.filter(project=project).exists()


def test_lines_of_one_cost_code_and_cost_type_are_added_together(synced, standard, connection, client):
    project, company = synced["project"], synced["company"]
    code = synced["codes"][1]
    job = company.find_txn("Estimate", "EST-21").entity
    company.add_estimate(
        job,
        "EST-24",
        [
            SeedLine(amount=D("100.00"), item=f"{code.division.code}:03-300", description="Walls"),
            SeedLine(amount=D("50.00"), item=f"{code.division.code}:03-300", description="More walls"),
        ],
    )
    read_estimates(company, connection, client)

    budget, found = bei.import_estimate(standard, project, offered(project, "EST-24"))

    assert list(budget.lines.values_list("description", "original_amount")) == [("Walls", D("150.00"))]
    assert found.notes == ["Line 2 is 03-300 Material as line 1 is: the budget's line adds them together."]


def test_the_unlocked_draft_budget_keeps_its_lines_when_the_estimate_is_added_to_it(synced, standard, pm):
    project = synced["project"]
    budget = services.save_record(
        pm,
        ps.Budget,
        {"project": project, "is_locked": False},
        [{"cost_code": CostCodeFactory(code="09-900"), "cost_type": cost_type("Labor"), "original_amount": D("7.00")}],
    )

    replaced = bei.preview(standard, project, offered(project), bi.Mode.REPLACE)
    saved, _ = bei.import_estimate(standard, project, offered(project), bi.Mode.APPEND)

    assert (replaced.result.existing_lines, replaced.result.removed_lines) == (1, 1)
    assert saved.pk == budget.pk
    assert sorted(saved.lines.values_list("cost_code__code", flat=True)) == ["02-200", "03-300", "03-300", "09-900"]
    assert item_of(saved).state == ErpState.SYNCED


def test_a_locked_budget_or_one_in_quickbooks_already_cannot_be_imported_into(synced, standard, pm, approver, client):
    project, company = synced["project"], synced["company"]
    budget = services.save_record(
        pm,
        ps.Budget,
        {"project": project, "is_locked": True},
        [{"cost_code": synced["codes"][0], "cost_type": cost_type("Labor"), "original_amount": D("7.00")}],
    )

    locked = bei.preview(standard, project, offered(project))
    queue_for_quickbooks([budget], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))
    services.save_record(pm, ps.Budget, {"is_locked": False}, None, instance=budget)
    exported = bei.preview(standard, project, offered(project))

    assert any("The budget is locked" in error for error in locked.result.errors), locked.result.errors
    assert any("in QuickBooks already" in error for error in exported.result.errors), exported.result.errors
    with pytest.raises(bei.EstimateImportRefused):
        bei.import_estimate(standard, project, offered(project))
    assert list(budget.lines.values_list("original_amount", flat=True)) == [D("7.00")]


def test_importing_needs_standard_on_erp_integrations(synced):
    project = synced["project"]
    estimator = grant(UserFactory(username="estimator"), Tool.BUDGET, Level.ADMIN)

    found = bei.preview(estimator, project, offered(project))

    assert found.result.missing_permission
    with pytest.raises(Exception, match="needs"):
        bei.import_estimate(estimator, project, offered(project))
    assert not ps.Budget.objects.filter(project=project).exists()


def test_the_page_previews_and_imports_for_standard_on_erp_only(synced, standard):
    project = synced["project"]
    url = reverse("erp:import-budget-estimate", args=[project.pk])
    page = Client()
    page.force_login(standard)
    reader = UserFactory(username="erp_reader")
    grant(reader, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    other = Client()
    other.force_login(reader)
    record = offered(project)

    listed = page.get(url).content.decode()
    shown = page.get(url, {"estimate": record.pk}).content.decode()
    stale = page.post(url, {"action": "import", "estimate": record.pk, "edit_sequence": "old", "mode": "replace"})
    assert stale.status_code == 302 and not ps.Budget.objects.filter(project=project).exists()
    imported = page.post(
        url, {"action": "import", "estimate": record.pk, "edit_sequence": record.edit_sequence, "mode": "replace"}
    )
    again = page.get(url, {"estimate": record.pk}, follow=True).content.decode()

    assert "estimate EST-21" in listed and "205,000.00" in listed
    assert "Nothing is saved yet. A new budget is made: 3 lines" in shown and "Building A" in shown
    assert imported.status_code == 302 and imported["Location"].endswith(
        reverse("projects:detail", args=[project.pk]) + "#budget"
    )
    assert project.budget.lines.count() == 3
    assert "That estimate is no longer offered" in again
    assert other.get(url).status_code == 403


def test_the_api_lists_previews_and_imports(synced, standard):
    project = synced["project"]
    api = APIClient()
    api.force_authenticate(standard)
    url = f"/api/v1/projects/{project.pk}/budget/import-estimate/"

    listed = api.get(url).json()["estimates"]
    estimate_id = listed[0]["id"]
    previewed = api.get(url, {"estimate": estimate_id}).json()
    dry = api.post(url, {"estimate": estimate_id, "dry_run": True}, format="json")
    made = api.post(url, {"estimate": estimate_id}, format="json")
    gone = api.post(url, {"estimate": estimate_id}, format="json")

    assert [each["details"]["ref_number"] for each in listed] == ["EST-21"]
    assert previewed["ok"] and previewed["counts"]["rows"] == 3 and previewed["total"] == "205000.00"
    division = synced["codes"][0].division.code
    assert previewed["rows"][0]["read_from"] == f"item {division}:02-200, class Subcontract"
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert made.status_code == 201
    assert ps.Budget.objects.get(pk=made.json()["budget"]).project == project
    assert gone.status_code == 400


def test_the_api_refuses_who_lacks_erp_integrations(synced):
    project = synced["project"]
    api = APIClient()
    api.force_authenticate(grant(UserFactory(username="estimator"), Tool.BUDGET, Level.ADMIN))

    answer = api.get(f"/api/v1/projects/{project.pk}/budget/import-estimate/")

    assert answer.status_code == 403
