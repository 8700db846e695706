"""A user with every right on project A sees nothing of project B through the REST API: B's records do not
exist for them (404, never 403, never 200), and nothing can be created under B."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from access.permissions import Action, check
from access.tools import PROJECT_TOOLS, Level
from erp_integrations import services
from procore_sync import models as ps
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    CostCodeFactory,
    OwnerInvoiceFactory,
    PrimeChangeOrderFactory,
    ProjectFactory,
    UserFactory,
    commitment_with_lines,
    cost_type,
    grant,
    invoice_for,
    prime_contract_with_lines,
)

pytestmark = pytest.mark.django_db

WORKFLOW_STEPS = ["send", "retrieve", "accept", "reject", "resend", "retry", "unlink"]
RESOURCES = [
    "projects",
    "budgets",
    "budget-modifications",
    "commitments",
    "change-orders",
    "subcontractor-invoices",
    "prime-contracts",
    "prime-contract-change-orders",
    "owner-invoices",
]


def _project_records(project: ps.Project) -> dict[str, Any]:
    """One record of every project resource, all under `project`."""
    budget = BudgetFactory(project=project)
    first = BudgetLineItemFactory(budget=budget)
    second = BudgetLineItemFactory(budget=budget)
    modification = BudgetModificationFactory(budget=budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=first, amount=Decimal("-100.00"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=second, amount=Decimal("100.00"))
    commitment = commitment_with_lines(project=project)
    change_order = ChangeOrderFactory(commitment=commitment)
    ChangeOrderLineFactory(change_order=change_order, commitment_line=commitment.lines.first())
    invoice = invoice_for(commitment)
    contract = prime_contract_with_lines(project=project)
    prime_change_order = PrimeChangeOrderFactory(prime_contract=contract)
    prime_change_order.lines.create(contract_line=contract.lines.first(), amount=Decimal("500.00"))
    owner_invoice = OwnerInvoiceFactory(prime_contract=contract)
    owner_invoice.lines.create(contract_line=contract.lines.first(), work_completed_this_period=Decimal("1000.00"))
    return {
        "prime-contracts": contract,
        "prime-contract-change-orders": prime_change_order,
        "owner-invoices": owner_invoice,
        "projects": project,
        "budgets": budget,
        "budget-modifications": modification,
        "commitments": commitment,
        "change-orders": change_order,
        "subcontractor-invoices": invoice,
    }


@pytest.fixture
def two_projects(db):  # type: ignore[no-untyped-def]
    project_a, project_b = ProjectFactory(number="A-100"), ProjectFactory(number="B-200")
    return _project_records(project_a), _project_records(project_b)


@pytest.fixture
def admin_of_a(two_projects):  # type: ignore[no-untyped-def]
    """Admin on every project tool, on project A only."""
    project_a = two_projects[0]["projects"]
    user = UserFactory(username="admin_of_a")
    for tool in PROJECT_TOOLS:
        user = grant(user, tool, Level.ADMIN, project_a)
    return user


@pytest.fixture
def client_a(admin_of_a):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(admin_of_a)
    return client


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_user_holds_every_right_on_project_a_and_none_on_project_b(admin_of_a, two_projects):
    records_a, records_b = two_projects
    for resource in RESOURCES:
        assert check(admin_of_a, Action.SEND, records_a[resource]), resource
        assert not check(admin_of_a, Action.VIEW, records_b[resource]), resource


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_show_project_a_records_and_never_project_b_records(client_a, two_projects, resource):
    records_a, records_b = two_projects

    ids = _ids(client_a.get(f"/api/v1/{resource}/"))

    assert records_a[resource].pk in ids
    assert records_b[resource].pk not in ids


@pytest.mark.parametrize("resource", RESOURCES)
def test_filtering_a_list_by_project_b_gives_nothing(client_a, two_projects, resource):
    project_b = two_projects[1]["projects"]

    assert _ids(client_a.get(f"/api/v1/{resource}/", {"project": project_b.pk})) == set()


@pytest.mark.parametrize("resource", RESOURCES)
def test_project_b_records_are_not_found_by_id(client_a, two_projects, resource):
    record_b = two_projects[1][resource]
    url = f"/api/v1/{resource}/{record_b.pk}/"

    assert client_a.get(url).status_code == 404
    assert client_a.patch(url, {"description": "x"}, format="json").status_code == 404
    assert client_a.put(url, {}, format="json").status_code == 404
    assert client_a.delete(url).status_code == 404
    assert type(record_b).objects.filter(pk=record_b.pk).exists()


@pytest.mark.parametrize("step", WORKFLOW_STEPS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_every_workflow_action_on_a_project_b_record_is_not_found(client_a, two_projects, resource, step):
    record_b = two_projects[1][resource]

    response = client_a.post(f"/api/v1/{resource}/{record_b.pk}/{step}/", {"reason": "x"}, format="json")

    assert response.status_code == 404, response.content
    assert not services.item_for(record_b).events.exists()


@pytest.mark.parametrize("step", WORKFLOW_STEPS)
def test_a_project_b_record_already_in_the_workflow_is_not_found_either(client_a, two_projects, pm, step):
    commitment_b = two_projects[1]["commitments"]
    services.item_send(commitment_b, pm)

    response = client_a.post(f"/api/v1/commitments/{commitment_b.pk}/{step}/", {}, format="json")

    assert response.status_code == 404
    assert services.item_for(commitment_b).state == "pending"


def _create_payloads(records_a: dict[str, Any], records_b: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """For each resource created under a parent: the parent field and a valid body aimed at project B."""
    cost_code, labor = CostCodeFactory(), cost_type("Labor")
    vendor = CompanyFactory()
    return {
        "budgets": ("project", {"project": records_b["projects"].pk, "is_locked": False, "lines": []}),
        "budget-modifications": (
            "budget",
            {"budget": records_b["budgets"].pk, "number": 99, "reason": "Move", "date": "2026-03-01"},
        ),
        "commitments": (
            "project",
            {
                "project": records_b["projects"].pk,
                "number": "SC-900",
                "title": "Sneaky",
                "vendor": vendor.pk,
                "lines": [
                    {"line_number": 1, "cost_code": cost_code.pk, "cost_type": labor.pk, "amount": "10.00"},
                ],
            },
        ),
        "change-orders": (
            "commitment",
            {"commitment": records_b["commitments"].pk, "number": "900", "title": "Sneaky", "date": "2026-03-01"},
        ),
        "subcontractor-invoices": (
            "commitment",
            {
                "commitment": records_b["commitments"].pk,
                "number": "INV-900",
                "billing_period_start": "2026-03-01",
                "billing_period_end": "2026-03-31",
                "invoice_date": "2026-04-01",
            },
        ),
    }


@pytest.mark.parametrize(
    "resource", ["budgets", "budget-modifications", "commitments", "change-orders", "subcontractor-invoices"]
)
def test_nothing_can_be_created_under_project_b(client_a, two_projects, resource):
    records_a, records_b = two_projects
    parent_field, body = _create_payloads(records_a, records_b)[resource]
    model = type(records_b[resource])
    count_before = model.objects.count()

    response = client_a.post(f"/api/v1/{resource}/", body, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert parent_field in errors
    assert "does not exist" in " ".join(errors[parent_field])
    assert model.objects.count() == count_before


@pytest.mark.parametrize(
    ("resource", "parent_field", "parent_of_b"),
    [
        ("commitments", "project", lambda records: records["projects"].pk),
        ("budgets", "project", lambda records: records["projects"].pk),
        ("change-orders", "commitment", lambda records: records["commitments"].pk),
        ("subcontractor-invoices", "commitment", lambda records: records["commitments"].pk),
        ("budget-modifications", "budget", lambda records: records["budgets"].pk),
    ],
)
def test_a_project_a_record_cannot_be_moved_under_project_b(
    client_a, two_projects, resource, parent_field, parent_of_b
):
    records_a, records_b = two_projects
    record_a = records_a[resource]

    response = client_a.patch(
        f"/api/v1/{resource}/{record_a.pk}/", {parent_field: parent_of_b(records_b)}, format="json"
    )

    assert response.status_code == 400, response.content
    assert parent_field in response.json()["errors"]
    record_a.refresh_from_db()
    assert getattr(record_a, f"{parent_field}_id") == getattr(records_a[resource], f"{parent_field}_id")


def test_a_change_order_on_project_a_cannot_change_a_line_of_a_project_b_commitment(client_a, two_projects):
    records_a, records_b = two_projects
    line_b = records_b["commitments"].lines.first()

    response = client_a.post(
        "/api/v1/change-orders/",
        {
            "commitment": records_a["commitments"].pk,
            "number": "901",
            "title": "Reach across",
            "date": "2026-03-01",
            "lines": [{"commitment_line": line_b.pk, "amount": "10.00"}],
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert not ps.CommitmentChangeOrder.objects.filter(number="901").exists()


def test_an_invoice_on_project_a_cannot_bill_a_line_of_a_project_b_commitment(client_a, two_projects):
    records_a, records_b = two_projects
    line_b = records_b["commitments"].lines.first()

    response = client_a.post(
        "/api/v1/subcontractor-invoices/",
        {
            "commitment": records_a["commitments"].pk,
            "number": "INV-901",
            "billing_period_start": "2026-03-01",
            "billing_period_end": "2026-03-31",
            "invoice_date": datetime.date(2026, 4, 1).isoformat(),
            "lines": [{"commitment_line": line_b.pk, "work_completed_this_period": "10.00"}],
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert not ps.SubcontractorInvoice.objects.filter(number="INV-901").exists()


def test_a_budget_modification_on_project_a_cannot_move_money_from_a_project_b_budget_line(client_a, two_projects):
    records_a, records_b = two_projects
    line_a = records_a["budgets"].lines.first()
    line_b = records_b["budgets"].lines.first()

    response = client_a.post(
        "/api/v1/budget-modifications/",
        {
            "budget": records_a["budgets"].pk,
            "number": 901,
            "reason": "Reach across",
            "date": "2026-03-01",
            "lines": [{"budget_line": line_a.pk, "amount": "10.00"}, {"budget_line": line_b.pk, "amount": "-10.00"}],
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert not ps.BudgetModification.objects.filter(number=901).exists()


def test_the_approvers_queue_is_closed_to_a_user_without_erp_integrations(client_a, two_projects):
    assert client_a.get("/api/v1/erp/items/").status_code == 403


def test_the_same_requests_aimed_at_project_a_succeed(client_a, two_projects):
    """The control case: the 404s above come from the isolation, not from a broken endpoint."""
    commitment_a = two_projects[0]["commitments"]

    assert client_a.get(f"/api/v1/commitments/{commitment_a.pk}/").status_code == 200
    response = client_a.patch(f"/api/v1/commitments/{commitment_a.pk}/", {"description": "ok"}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("resource", "line_field", "lines_of"),
    [
        ("change-orders", "commitment_line", "commitments"),
        ("subcontractor-invoices", "commitment_line", "commitments"),
        ("budget-modifications", "budget_line", "budgets"),
    ],
)
def test_another_projects_line_and_an_unknown_line_get_the_same_answer(
    client_a, two_projects, resource, line_field, lines_of
):
    """Nothing tells a line of project B from an id that does not exist: ids cannot be probed."""
    records_a, records_b = two_projects
    parent = records_a[lines_of]
    parent_field = "budget" if lines_of == "budgets" else "commitment"
    line_b = records_b[lines_of].lines.first()
    unknown = 10**9 + line_b.pk
    header = {
        "change-orders": {"number": "902", "title": "Probe", "date": "2026-03-01"},
        "subcontractor-invoices": {
            "number": "INV-902",
            "billing_period_start": "2026-03-01",
            "billing_period_end": "2026-03-31",
            "invoice_date": "2026-04-01",
        },
        "budget-modifications": {"number": 902, "reason": "Probe", "date": "2026-03-01"},
    }[resource]

    def answer(line_id: int) -> Any:
        response = client_a.post(
            f"/api/v1/{resource}/",
            {parent_field: parent.pk, **header, "lines": [{line_field: line_id, "amount": "10.00"}]},
            format="json",
        )
        assert response.status_code == 400, response.content
        return response.json()

    foreign, missing = answer(line_b.pk), answer(unknown)
    expected = {"lines": {"0": {line_field: [f'No line "{{}}" on this {parent_field}.']}}}
    assert foreign["errors"] == json.loads(json.dumps(expected).replace("{}", str(line_b.pk)))
    assert missing["errors"] == json.loads(json.dumps(expected).replace("{}", str(unknown)))
    assert foreign["detail"] == missing["detail"]
