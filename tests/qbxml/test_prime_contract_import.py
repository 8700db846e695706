"""Importing a prime contract from QuickBooks: the estimates of a linked project's job are read in a Web
Connector session; one is imported as the project's prime contract (items become cost codes, classes cost
types) and linked to it, so that a change order then adds its lines to that very estimate. Standard on ERP
Integrations imports; the page and the API refuse others, and say why an estimate cannot be imported."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import selectors
from erp_integrations import services as erp
from erp_integrations.errors import LinkRefused
from erp_integrations.models import ErpState
from procore_sync import models as ps
from procore_sync import services
from qbxml import imports
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.factories import CostCodeFactory, ProjectFactory, UserFactory, cost_type, grant
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
    """A project and two cost codes in QuickBooks, and an estimate entered there for the project's job."""
    project = ProjectFactory(number="1042", name="Main Street Clinic")
    codes = [CostCodeFactory(code="02-200"), CostCodeFactory(code="03-300", default_cost_type=cost_type("Material"))]
    cost_type("Subcontract")
    company = QuickBooksCompany("Estimating Builders")
    queue_for_quickbooks([*codes, project], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))
    job = item_of(project).qb_details.get("full_name") or company.customers()[-1].full_name
    company.add_class("Subcontract")
    estimate = company.add_estimate(
        job,
        "EST-7",
        [
            SeedLine(amount=D("120000.00"), item=f"{codes[0].division.code}:02-200", class_name="Subcontract"),
            SeedLine(amount=D("80000.00"), item=f"{codes[1].division.code}:03-300", description="Structure"),
        ],
        memo="Main Street Clinic, owner's contract",
    )
    imports.refresh(None, connection, ["estimates"])
    sync_until_nothing_to_do(connector_for(company, client=client))
    return {"project": project, "company": company, "estimate": estimate, "codes": codes}


def offered(project: ps.Project) -> list:
    return selectors.estimates_to_import(project) or []


def test_an_estimate_of_the_job_is_imported_as_the_prime_contract_and_linked(synced, standard, pm, approver, client):
    project, company, estimate = synced["project"], synced["company"], synced["estimate"]
    [record] = offered(project)

    contract = erp.import_prime_contract(standard, project, record)

    assert (contract.number, contract.title, contract.owner) == (
        "EST-7",
        "Main Street Clinic, owner's contract",
        project.owner,
    )
    # A line's class is its cost type; without one, the cost code's default cost type.
    assert [(line.cost_code.code, line.cost_type.name, line.amount) for line in contract.lines.all()] == [
        ("02-200", "Subcontract", D("120000.00")),
        ("03-300", "Material", D("80000.00")),
    ]
    item = item_of(contract)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, estimate.txn_id)
    assert len(item.qb_details["all_line_ids"]) == 2
    assert offered(project) == [], "an estimate linked is offered no more"

    change_order = services.save_record(
        pm,
        ps.PrimeContractChangeOrder,
        {"prime_contract": contract, "number": "001", "title": "Canopy", "date": "2026-03-01"},
        [{"contract_line": contract.lines.get(line_number=1), "amount": D("5000.00")}],
    )
    queue_for_quickbooks([change_order], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))

    [in_quickbooks] = [txn for txn in company.estimates() if txn.txn_id == estimate.txn_id]
    assert in_quickbooks.total == D("205000.00"), "the change order's line is on the estimate imported"
    assert len(in_quickbooks.lines) == 3
    assert item_of(change_order).state == ErpState.SYNCED


def test_an_estimate_whose_item_is_no_cost_code_is_refused_naming_the_line(synced, standard, connection, client):
    project, company = synced["project"], synced["company"]
    company.add_item_service("Allowances")
    job = company.find_txn("Estimate", "EST-7").entity
    company.add_estimate(job, "EST-8", [SeedLine(amount=D("10.00"), item="Allowances")])
    imports.refresh(None, connection, ["estimates"])
    sync_until_nothing_to_do(connector_for(company, client=client))
    [other] = [record for record in offered(project) if record.details["ref_number"] == "EST-8"]

    with pytest.raises(LinkRefused) as refused:
        erp.import_prime_contract(standard, project, other)

    assert "line 1's item Allowances is no cost code here" in refused.value.message
    assert not ps.PrimeContract.objects.exists()


def test_a_project_with_a_contract_or_not_linked_imports_nothing(synced, standard, pm):
    project = synced["project"]
    [record] = offered(project)
    unlinked = ProjectFactory()

    assert selectors.estimates_to_import(unlinked) is None
    with pytest.raises(LinkRefused, match="is not linked to a QuickBooks job yet"):
        erp.import_prime_contract(standard, unlinked, record)
    erp.import_prime_contract(standard, project, record)
    with pytest.raises(LinkRefused, match="has a prime contract already"):
        erp.import_prime_contract(standard, project, record)


def test_the_page_reads_and_imports_for_standard_on_erp_only(synced, standard, pm):
    project = synced["project"]
    url = reverse("erp:import-prime-contract", args=[project.pk])
    page = Client()
    page.force_login(standard)
    reader = UserFactory(username="erp_reader")
    grant(reader, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    other = Client()
    other.force_login(reader)

    shown = page.get(url).content.decode()
    [record] = offered(project)
    imported = page.post(url, {"action": "import", "estimate": record.pk})
    again = page.post(url, {"action": "import", "estimate": record.pk}, follow=True).content.decode()

    assert "Estimating Builders" not in shown and "estimate EST-7" in shown and "120,000.00" in shown
    assert imported.status_code == 302 and imported["Location"] == reverse("owner:prime-contract", args=[project.pk])
    assert "That estimate is no longer offered" in again
    assert other.get(url).status_code == 403
    assert other.post(url, {"action": "read"}).status_code == 403


def test_the_api_lists_and_imports(synced, standard):
    project = synced["project"]
    api = APIClient()
    api.force_authenticate(standard)
    url = f"/api/v1/erp/projects/{project.pk}/prime-contract/estimates/"

    listed = api.get(url).json()
    made = api.post(url, {"estimate": listed[0]["id"]}, format="json")
    gone = api.post(url, {"estimate": listed[0]["id"]}, format="json")
    read = api.post("/api/v1/erp/estimates/read/")

    assert [each["details"]["ref_number"] for each in listed] == ["EST-7"]
    assert made.status_code == 201
    assert ps.PrimeContract.objects.get(pk=made.json()["prime_contract"]).project == project
    assert gone.status_code == 400
    assert read.status_code == 200 and read.json() == {"queued": True}


def test_an_estimate_read_again_replaces_what_was_kept_of_it(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from erp_integrations.models import AccountingRecord

    def page(memo: str, count: int) -> list[dict]:
        return [
            {"txn_id": f"{n}-1", "ref_number": f"E-{n}", "customer_list_id": "80-1", "memo": memo, "lines": []}
            for n in range(count)
        ]

    erp.read_estimates("book-1", page("first", 3))
    with CaptureQueriesContext(connection) as queries:
        erp.read_estimates("book-1", page("second", 30))

    kept = AccountingRecord.objects.filter(list_type="estimate")
    assert kept.count() == 30
    assert set(kept.values_list("details__memo", flat=True)) == {"second"}
    assert len(queries) <= 6, "a few queries a page, none an estimate"
