"""The REST API's contract, through real HTTP paths: authentication, lists, nested lines, the ERP fields,
the error bodies, every workflow step from every state, edit locking, the approvers' queue and the schema."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import ErpEvent
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

API = "/api/v1"

# PRODUCT.md section 2, written out again: (state, step) -> the state the step leads to.
TRANSITIONS = {
    ("draft", "send"): "pending",
    ("pending", "retrieve"): "draft",
    ("pending", "accept"): "queued",
    ("pending", "reject"): "rejected",
    ("rejected", "resend"): "pending",
    ("synced", "resend"): "pending",
    ("synced", "unlink"): "draft",
    ("failed", "retry"): "queued",
    ("failed", "reject"): "rejected",
}
STATES = ["draft", "pending", "queued", "synced", "failed", "rejected"]
STEPS = ["send", "retrieve", "accept", "reject", "resend", "retry", "unlink"]
ALLOWED = {state: {step for (source, step) in TRANSITIONS if source == state} for state in STATES}


# --- people and records -----------------------------------------------------------------------------


@pytest.fixture
def boss(db):  # type: ignore[no-untyped-def]
    """Admin on every project tool and on ERP Integrations, and an accounting approver."""
    user = UserFactory(username="boss", email="boss@example.com")
    for tool in PROJECT_TOOLS:
        user = grant(user, tool, Level.ADMIN)
    return grant(user, Tool.ERP_INTEGRATIONS, Level.ADMIN, push=True)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ready_commitment(pm: Any, approver: Any, **kwargs: Any) -> ps.Commitment:
    """A commitment whose project, vendor and cost codes are accepted, so it can be accepted in turn."""
    commitment = commitment_with_lines(**kwargs)
    for dependency in (commitment.project, commitment.vendor, *[line.cost_code for line in commitment.lines.all()]):
        if services.item_for(dependency).state == "draft":
            services.item_send(dependency, pm)
            services.item_accept(dependency, approver)
    return commitment


def put_in_state(record: Any, state: str, pm: Any, approver: Any) -> None:
    if state == "draft":
        return
    services.item_send(record, pm)
    if state == "pending":
        return
    if state == "rejected":
        services.item_reject(record, approver, "Wrong vendor")
        return
    services.item_accept(record, approver)
    if state == "queued":
        return
    item = services.item_for(record)
    if state == "synced":
        services.item_synced(item.pk, qb_ref="80000001-1234567890", edit_sequence="1234567890")
    else:
        services.item_sync_failed(item.pk, error="QuickBooks said no")


def sendable(resource: str, project: ps.Project | None = None) -> Any:
    """A record of `resource` that passes send-time validation (under `project` when it has one)."""
    project = project or ProjectFactory()
    if resource == "companies":
        return CompanyFactory()
    if resource == "projects":
        return project
    if resource == "cost-codes":
        return CostCodeFactory()
    if resource == "budgets":
        budget = BudgetFactory(project=project)
        BudgetLineItemFactory(budget=budget)
        return budget
    if resource == "budget-modifications":
        budget = BudgetFactory(project=project)
        first, second = BudgetLineItemFactory(budget=budget), BudgetLineItemFactory(budget=budget)
        modification = BudgetModificationFactory(budget=budget)
        ps.BudgetModificationLine.objects.create(modification=modification, budget_line=first, amount=Decimal("-5"))
        ps.BudgetModificationLine.objects.create(modification=modification, budget_line=second, amount=Decimal("5"))
        return modification
    if resource == "commitments":
        return commitment_with_lines(project=project)
    if resource == "change-orders":
        commitment = commitment_with_lines(project=project)
        change_order = ChangeOrderFactory(commitment=commitment)
        ChangeOrderLineFactory(change_order=change_order, commitment_line=commitment.lines.first())
        return change_order
    if resource == "subcontractor-invoices":
        return invoice_for(commitment_with_lines(project=project))
    if resource == "prime-contracts":
        return prime_contract_with_lines(project=project)
    if resource == "prime-contract-change-orders":
        contract = prime_contract_with_lines(project=project)
        change_order = PrimeChangeOrderFactory(prime_contract=contract)
        change_order.lines.create(contract_line=contract.lines.first(), amount=Decimal("500.00"))
        return change_order
    if resource == "owner-invoices":
        contract = prime_contract_with_lines(project=project)
        invoice = OwnerInvoiceFactory(prime_contract=contract)
        invoice.lines.create(
            contract_line=contract.lines.first(),
            work_completed_this_period=Decimal("1000.00"),
            retention_held=Decimal("100.00"),
        )
        return invoice
    raise AssertionError(resource)


EXPORTABLE_RESOURCES = [
    "companies",
    "projects",
    "cost-codes",
    "budgets",
    "budget-modifications",
    "commitments",
    "change-orders",
    "subcontractor-invoices",
    "prime-contracts",
    "prime-contract-change-orders",
    "owner-invoices",
]
PROJECT_RESOURCES = [r for r in EXPORTABLE_RESOURCES if r not in ("companies", "cost-codes")]


# --- authentication ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_throttle():  # type: ignore[no-untyped-def]
    """The token endpoint is throttled per address; start each test with a clean count."""
    cache.clear()
    yield
    cache.clear()


def test_a_token_is_obtained_with_username_and_password_and_then_authenticates(pm, fresh_throttle):
    client = APIClient()

    response = client.post(f"{API}/auth/token/", {"username": "pm", "password": "correct horse battery"}, format="json")

    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{API}/commitments/").status_code == 200


def test_a_wrong_password_gets_no_token(pm, fresh_throttle):
    response = APIClient().post(f"{API}/auth/token/", {"username": "pm", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_locked_out_user_name_gets_429_with_retry_after_even_with_the_right_password(pm, fresh_throttle, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.post(f"{API}/auth/token/", {"username": "pm", "password": "wrong"}).status_code == 400

    response = client.post(f"{API}/auth/token/", {"username": "pm", "password": "correct horse battery"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Too many failed sign-ins for pm" in response.json()["detail"]
    assert "token" not in response.json()
    other = client.post(f"{API}/auth/token/", {"username": "approver-less", "password": "x"})
    assert other.status_code == 400, "another user name from the same address is not held up"


def test_an_unknown_token_is_refused(pm):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert client.get(f"{API}/commitments/").status_code in (401, 403)


@pytest.mark.parametrize(
    "path", [*[f"{API}/{resource}/" for resource in EXPORTABLE_RESOURCES], f"{API}/erp/items/", f"{API}/erp/settings/"]
)
def test_an_unauthenticated_request_is_refused(path):
    response = APIClient().get(path)

    assert response.status_code in (401, 403)


def test_an_unauthenticated_write_is_refused_and_changes_nothing(db):
    commitment = commitment_with_lines()

    response = APIClient().post(f"{API}/commitments/{commitment.pk}/send/")

    assert response.status_code in (401, 403)
    assert not ErpEvent.objects.exists()


# --- lists -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", [*EXPORTABLE_RESOURCES, "cost-types"])
def test_every_list_is_paginated(boss, resource):
    if resource != "cost-types":
        sendable(resource)

    body = client_for(boss).get(f"{API}/{resource}/").json()

    assert {"count", "next", "previous", "results"} <= set(body)
    assert body["count"] == len(body["results"]) >= 1


def test_a_long_list_comes_in_pages(boss):
    project = ProjectFactory()
    for _ in range(55):
        CompanyFactory()

    body = client_for(boss).get(f"{API}/companies/").json()
    second = client_for(boss).get(body["next"]).json()

    assert body["count"] == 56  # with the project's owner
    assert len(body["results"]) == 50
    assert len(second["results"]) == 6
    assert project.owner_id in {row["id"] for row in body["results"] + second["results"]}


@pytest.mark.parametrize("resource", PROJECT_RESOURCES)
def test_lists_filter_by_project(boss, resource):
    project_a, project_b = ProjectFactory(), ProjectFactory()
    record_a, record_b = sendable(resource, project_a), sendable(resource, project_b)

    ids = {row["id"] for row in client_for(boss).get(f"{API}/{resource}/", {"project": project_a.pk}).json()["results"]}

    assert record_a.pk in ids
    assert record_b.pk not in ids


@pytest.mark.parametrize("resource", EXPORTABLE_RESOURCES)
def test_lists_filter_by_erp_status(boss, resource):
    sent, kept = sendable(resource), sendable(resource)
    services.item_send(sent, boss)
    client = client_for(boss)

    pending = {row["id"] for row in client.get(f"{API}/{resource}/", {"erp_status": "pending"}).json()["results"]}
    drafts = {row["id"] for row in client.get(f"{API}/{resource}/", {"erp_status": "draft"}).json()["results"]}
    synced = client.get(f"{API}/{resource}/", {"erp_status": "synced"}).json()

    assert sent.pk in pending and kept.pk not in pending
    assert kept.pk in drafts and sent.pk not in drafts
    assert synced["count"] == 0


def test_an_unknown_erp_status_filter_is_a_400(boss):
    response = client_for(boss).get(f"{API}/commitments/", {"erp_status": "lost"})

    assert response.status_code == 400
    assert "erp_status" in response.json()["errors"]


# --- every exportable record carries its workflow fields ---------------------------------------------


@pytest.mark.parametrize("resource", EXPORTABLE_RESOURCES)
def test_every_exportable_record_carries_its_erp_fields(boss, resource):
    record = sendable(resource)
    services.item_send(record, boss)
    client = client_for(boss)

    detail = client.get(f"{API}/{resource}/{record.pk}/").json()
    listed = next(row for row in client.get(f"{API}/{resource}/").json()["results"] if row["id"] == record.pk)

    for body in (detail, listed):
        assert body["erp_status"] == "pending"
        assert body["erp_error"] == ""
        assert body["qb_ref"] == ""
        assert [(event["action"], event["from"], event["to"]) for event in body["erp_history"]] == [
            ("send", "draft", "pending")
        ]
        assert body["erp_history"][0]["by"] == "boss"


def test_a_synced_records_json_carries_its_quickbooks_reference(pm, approver):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, "synced", pm, approver)

    body = client_for(pm).get(f"{API}/commitments/{commitment.pk}/").json()

    assert body["erp_status"] == "synced"
    assert body["qb_ref"] == "80000001-1234567890"


def test_a_failed_records_json_carries_the_error(pm, approver):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, "failed", pm, approver)

    body = client_for(pm).get(f"{API}/commitments/{commitment.pk}/").json()

    assert body["erp_status"] == "failed"
    assert body["erp_error"] == "QuickBooks said no"


# --- create, retrieve, update and delete with nested lines ------------------------------------------


def _budget_case() -> dict[str, Any]:
    project = ProjectFactory()
    codes = [CostCodeFactory() for _ in range(3)]
    labor = cost_type("Labor").pk

    def line(code: int, amount: str) -> dict[str, Any]:
        return {
            "cost_code": codes[code].pk,
            "cost_type": labor,
            "description": f"line {code}",
            "original_amount": amount,
        }

    return {
        "body": {"project": project.pk, "is_locked": False},
        "lines": [line(0, "100.00"), line(1, "200.00")],
        "changed": lambda first: {**line(0, "150.00"), "id": first},
        "added": line(2, "300.00"),
        "amount": "original_amount",
        "line_model": ps.BudgetLineItem,
        "parent": "budget",
    }


def _commitment_case() -> dict[str, Any]:
    project, vendor = ProjectFactory(), CompanyFactory()
    codes = [CostCodeFactory() for _ in range(3)]
    sub = cost_type().pk

    def line(number: int, amount: str) -> dict[str, Any]:
        return {
            "line_number": number,
            "cost_code": codes[number - 1].pk,
            "cost_type": sub,
            "description": f"Scope {number}",
            "amount": amount,
        }

    return {
        "body": {"project": project.pk, "number": "SC-500", "title": "Concrete", "vendor": vendor.pk},
        "lines": [line(1, "1000.00"), line(2, "2000.00")],
        "changed": lambda first: {**line(1, "1500.00"), "id": first},
        "added": line(3, "3000.00"),
        "amount": "amount",
        "line_model": ps.CommitmentLine,
        "parent": "commitment",
    }


def _change_order_case() -> dict[str, Any]:
    commitment = commitment_with_lines(lines=2)
    first_line, second_line = commitment.lines.all()
    code = CostCodeFactory()

    return {
        "body": {"commitment": commitment.pk, "number": "001", "title": "Extra", "date": "2026-02-01"},
        "lines": [
            {"commitment_line": first_line.pk, "description": "More", "amount": "100.00"},
            {"cost_code": code.pk, "cost_type": cost_type().pk, "description": "New scope", "amount": "50.00"},
        ],
        "changed": lambda first: {
            "id": first,
            "commitment_line": first_line.pk,
            "description": "More",
            "amount": "120.00",
        },
        "added": {"commitment_line": second_line.pk, "description": "Less", "amount": "-30.00"},
        "amount": "amount",
        "line_model": ps.CommitmentChangeOrderLine,
        "parent": "change_order",
    }


def _invoice_case() -> dict[str, Any]:
    commitment = commitment_with_lines(lines=3)
    lines = list(commitment.lines.all())

    def line(index: int, work: str) -> dict[str, Any]:
        return {"commitment_line": lines[index].pk, "work_completed_this_period": work, "retainage_held": "0.00"}

    return {
        "body": {
            "commitment": commitment.pk,
            "number": "INV-500",
            "billing_period_start": "2026-02-01",
            "billing_period_end": "2026-02-28",
            "invoice_date": "2026-03-01",
        },
        "lines": [line(0, "1000.00"), line(1, "2000.00")],
        "changed": lambda first: {**line(0, "1500.00"), "id": first},
        "added": line(2, "3000.00"),
        "amount": "work_completed_this_period",
        "line_model": ps.SubcontractorInvoiceLine,
        "parent": "invoice",
    }


LINED_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "budgets": _budget_case,
    "commitments": _commitment_case,
    "change-orders": _change_order_case,
    "subcontractor-invoices": _invoice_case,
}


@pytest.mark.parametrize("resource", list(LINED_CASES))
def test_records_with_lines_are_created_read_updated_and_deleted(boss, resource):
    case = LINED_CASES[resource]()
    client = client_for(boss)

    created = client.post(f"{API}/{resource}/", {**case["body"], "lines": case["lines"]}, format="json")
    assert created.status_code == 201, created.content
    record_id = created.json()["id"]
    first_id, second_id = (line["id"] for line in created.json()["lines"])
    assert created.json()["erp_status"] == "draft"

    url = f"{API}/{resource}/{record_id}/"
    read = client.get(url)
    assert read.status_code == 200
    assert [line["id"] for line in read.json()["lines"]] == [first_id, second_id]

    # A line with an id is updated, a line without one is created, a line left out is removed.
    updated = client.patch(url, {"lines": [case["changed"](first_id), case["added"]]}, format="json")
    assert updated.status_code == 200, updated.content
    lines = {line["id"]: line for line in updated.json()["lines"]}
    assert first_id in lines and second_id not in lines and len(lines) == 2
    assert Decimal(lines[first_id][case["amount"]]) == Decimal(case["changed"](first_id)[case["amount"]])
    (new_id,) = set(lines) - {first_id}
    assert Decimal(lines[new_id][case["amount"]]) == Decimal(case["added"][case["amount"]])
    line_model = case["line_model"]
    assert set(line_model.objects.filter(**{f"{case['parent']}_id": record_id}).values_list("pk", flat=True)) == {
        first_id,
        new_id,
    }

    deleted = client.delete(url)
    assert deleted.status_code == 204
    assert client.get(url).status_code == 404
    assert not line_model.objects.filter(**{f"{case['parent']}_id": record_id}).exists()


@pytest.mark.parametrize("resource", list(LINED_CASES))
def test_a_patch_without_lines_leaves_the_lines_alone(boss, resource):
    case = LINED_CASES[resource]()
    client = client_for(boss)
    created = client.post(f"{API}/{resource}/", {**case["body"], "lines": case["lines"]}, format="json").json()

    response = client.patch(f"{API}/{resource}/{created['id']}/", {}, format="json")

    assert response.status_code == 200, response.content
    assert [line["id"] for line in response.json()["lines"]] == [line["id"] for line in created["lines"]]


def test_a_line_id_of_another_record_is_refused(boss):
    other = commitment_with_lines()
    commitment = commitment_with_lines()
    foreign = other.lines.first()

    response = client_for(boss).patch(
        f"{API}/commitments/{commitment.pk}/",
        {"lines": [{"id": foreign.pk, "line_number": 9, "amount": "1.00"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "lines" in response.json()["errors"]
    foreign.refresh_from_db()
    assert foreign.commitment_id == other.pk


def test_a_company_is_created_read_updated_and_deleted(boss):
    client = client_for(boss)

    created = client.post(f"{API}/companies/", {"name": "Acme Concrete"}, format="json")
    assert created.status_code == 201, created.content
    url = f"{API}/companies/{created.json()['id']}/"
    assert client.patch(url, {"city": "Springfield"}, format="json").json()["city"] == "Springfield"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


# --- errors ------------------------------------------------------------------------------------------


def test_a_400_lists_every_field_error_at_once(boss):
    response = client_for(boss).post(
        f"{API}/commitments/",
        {"project": ProjectFactory().pk, "number": "", "vendor": 999999, "default_retainage_percent": "150"},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"number", "title", "vendor", "default_retainage_percent"} <= set(errors)


def test_a_400_from_the_models_rules_has_the_same_shape(boss):
    commitment = commitment_with_lines()

    response = client_for(boss).post(
        f"{API}/commitments/",
        {
            "project": commitment.project_id,
            "number": commitment.number,
            "title": "Duplicate",
            "vendor": commitment.vendor_id,
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_a_send_with_problems_is_a_400_listing_every_problem(boss):
    commitment = commitment_with_lines(lines=0, number="SC-2026-000123", status=ps.Commitment.Status.VOID)

    response = client_for(boss).post(f"{API}/commitments/{commitment.pk}/send/")

    assert response.status_code == 400
    problems = response.json()["problems"]
    assert {problem["field"] for problem in problems} == {"number", "status", "lines"}
    assert any("11" in problem["message"] for problem in problems if problem["field"] == "number")
    assert services.item_for(commitment).state == "draft"


def test_a_send_lists_a_too_long_number_and_a_colon_in_the_vendor_name_together(boss):
    """The purchase order's RefNumber is 11 characters and the vendor is a list name (no colon): the sender
    sees both problems at send, not the approver after a failed export (PRODUCT.md section 1)."""
    vendor = CompanyFactory(name="Acme: West")
    commitment = commitment_with_lines(number="SC-2026-000123", vendor=vendor)

    response = client_for(boss).post(f"{API}/commitments/{commitment.pk}/send/")

    assert response.status_code == 400, response.content
    problems = response.json()["problems"]
    messages = " ".join(problem["message"] for problem in problems)
    assert "11" in messages
    assert ":" in messages and "colon" in messages
    assert {"number", "vendor"} <= {problem["field"] for problem in problems}
    assert services.item_for(commitment).state == "draft"


def test_a_403_names_the_missing_permission(db):
    commitment = commitment_with_lines()
    user = grant(UserFactory(), Tool.COMMITMENTS, Level.STANDARD)

    response = client_for(user).post(f"{API}/commitments/{commitment.pk}/send/")

    assert response.status_code == 403
    body = response.json()
    assert "Admin on Commitments" in body["detail"]
    assert "Admin on Commitments" in body["missing_permission"]


def test_a_403_on_accept_names_the_privilege(pm, approver):
    commitment = ready_commitment(pm, approver)
    services.item_send(commitment, pm)

    response = client_for(pm).post(f"{API}/commitments/{commitment.pk}/accept/")

    assert response.status_code == 403
    assert "Can Push to Accounting" in response.json()["detail"]
    assert services.item_for(commitment).state == "pending"


@pytest.mark.parametrize("resource", EXPORTABLE_RESOURCES)
def test_an_unknown_id_is_a_404(boss, resource):
    client = client_for(boss)

    assert client.get(f"{API}/{resource}/999999/").status_code == 404
    assert client.post(f"{API}/{resource}/999999/send/").status_code == 404


def test_a_step_not_allowed_now_is_a_409_with_the_state_and_the_allowed_actions(boss):
    commitment = commitment_with_lines()

    response = client_for(boss).post(f"{API}/commitments/{commitment.pk}/retry/")

    assert response.status_code == 409
    body = response.json()
    assert body["current_state"] == "draft"
    assert body["allowed_actions"] == ["send"]
    assert "detail" in body


@pytest.mark.parametrize("state", STATES)
def test_a_409_names_the_current_state_in_the_same_words_as_erp_status(pm, approver, boss, state):
    """Clients compare `current_state` with the `erp_status` they hold: one vocabulary for both."""
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, state, pm, approver)
    not_allowed = next(step for step in STEPS if step not in ALLOWED[state])

    response = client_for(boss).post(f"{API}/commitments/{commitment.pk}/{not_allowed}/")

    assert response.status_code == 409
    assert (
        response.json()["current_state"]
        == client_for(boss).get(f"{API}/commitments/{commitment.pk}/").json()["erp_status"]
    )


# --- every step from every state -------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("state", STATES)
def test_every_step_from_every_state(pm, approver, boss, state, step):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, state, pm, approver)
    client = client_for(boss)
    url = f"{API}/commitments/{commitment.pk}/"
    body = {"reason": "Checked by the test"} if step in ("reject", "unlink") else {}

    response = client.post(f"{url}{step}/", body, format="json")

    if (state, step) in TRANSITIONS:
        assert response.status_code == 200, response.content
        assert response.json()["erp_status"] == TRANSITIONS[(state, step)]
        assert response.json()["erp_history"][-1]["action"] == step
    else:
        assert response.status_code == 409, response.content
        assert "current_state" in response.json()
        assert set(response.json()["allowed_actions"]) == ALLOWED[state]
        assert client.get(url).json()["erp_status"] == state


@pytest.mark.parametrize("step", ["accept", "reject", "retry"])
@pytest.mark.parametrize("state", STATES)
def test_the_approvers_steps_by_item_id_follow_the_same_table(pm, approver, state, step):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, state, pm, approver)
    item = services.item_for(commitment)

    response = client_for(approver).post(f"{API}/erp/items/{item.pk}/{step}/", {}, format="json")

    if (state, step) in TRANSITIONS:
        assert response.status_code == 200, response.content
        assert response.json()["erp_status"] == TRANSITIONS[(state, step)]
    else:
        assert response.status_code == 409
        assert set(response.json()["allowed_actions"]) == ALLOWED[state]


def test_a_double_click_on_send_sends_once(boss):
    commitment = commitment_with_lines()
    client = client_for(boss)
    url = f"{API}/commitments/{commitment.pk}/send/"

    first, second = client.post(url), client.post(url)

    assert first.status_code == 200
    assert first.json()["erp_status"] == "pending"
    assert second.status_code == 409
    assert second.json()["allowed_actions"] == sorted(ALLOWED["pending"], key=STEPS.index)
    assert ErpEvent.objects.filter(action="send").count() == 1


def test_accept_is_refused_with_a_reason_while_a_dependency_is_not_ready(pm, approver):
    commitment = commitment_with_lines()
    services.item_send(commitment, pm)

    response = client_for(approver).post(f"{API}/commitments/{commitment.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["waiting_on"]
    assert services.item_for(commitment).state == "pending"


# --- edit locking ------------------------------------------------------------------------------------


def _locked_change(commitment: ps.Commitment, field: str) -> dict[str, Any]:
    """A change of `field` only: for the lines, the same lines with the first one's amount changed."""
    if field == "title":
        return {"title": "Another title"}
    if field == "number":
        return {"number": "SC-999"}
    lines = [
        {
            "id": line.pk,
            "line_number": line.line_number,
            "cost_code": line.cost_code_id,
            "cost_type": line.cost_type_id,
            "description": line.description,
            "amount": str(line.amount),
        }
        for line in commitment.lines.all()
    ]
    lines[0]["amount"] = "1.00"
    return {"lines": lines}


@pytest.mark.parametrize("state", ["pending", "queued"])
@pytest.mark.parametrize("field", ["title", "number", "lines"])
def test_a_locked_field_cannot_be_edited_while_in_accountings_hands(pm, approver, state, field):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, state, pm, approver)
    change = _locked_change(commitment, field)
    before = client_for(pm).get(f"{API}/commitments/{commitment.pk}/").json()

    response = client_for(pm).patch(f"{API}/commitments/{commitment.pk}/", change, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body["locked_fields"]) == set(change)
    assert "current_state" in body and "allowed_actions" in body
    after = client_for(pm).get(f"{API}/commitments/{commitment.pk}/").json()
    assert (after["title"], after["number"], after["lines"]) == (before["title"], before["number"], before["lines"])


@pytest.mark.parametrize("state", ["pending", "queued"])
def test_a_locked_edit_names_the_current_state_in_the_same_words_as_erp_status(pm, approver, state):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, state, pm, approver)

    response = client_for(pm).patch(f"{API}/commitments/{commitment.pk}/", {"title": "Another"}, format="json")

    assert response.status_code == 409
    assert response.json()["current_state"] == state


def test_a_field_quickbooks_does_not_receive_can_be_edited_while_pending(pm, approver):
    commitment = ready_commitment(pm, approver)
    put_in_state(commitment, "pending", pm, approver)

    response = client_for(pm).patch(
        f"{API}/commitments/{commitment.pk}/", {"description": "Note for the site team"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Note for the site team"
    assert response.json()["erp_status"] == "pending"


def test_after_a_rejection_the_record_is_edited_and_resent_and_the_history_keeps_the_reason(pm, approver):
    commitment = ready_commitment(pm, approver)
    services.item_send(commitment, pm)
    url = f"{API}/commitments/{commitment.pk}/"

    rejected = client_for(approver).post(f"{url}reject/", {"reason": "Wrong retainage"}, format="json")
    assert rejected.status_code == 200
    assert rejected.json()["erp_status"] == "rejected"
    edited = client_for(pm).patch(url, {"title": "Fixed title", "default_retainage_percent": "5.00"}, format="json")
    assert edited.status_code == 200, edited.content
    resent = client_for(pm).post(f"{url}resend/")

    assert resent.status_code == 200, resent.content
    body = resent.json()
    assert body["erp_status"] == "pending"
    assert [(event["action"], event["reason"]) for event in body["erp_history"]] == [
        ("send", ""),
        ("reject", "Wrong retainage"),
        ("resend", ""),
    ]
    assert services.item_for(commitment).sent_payload["title"] == "Fixed title"


def test_a_rejection_with_a_reason_emails_the_sender(pm, approver, django_capture_on_commit_callbacks):
    commitment = ready_commitment(pm, approver)
    services.item_send(commitment, pm)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(approver).post(
            f"{API}/commitments/{commitment.pk}/reject/", {"reason": "Missing the insurance certificate"}, format="json"
        )

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["pm@example.com"]
    assert commitment.number in email.subject
    assert "Missing the insurance certificate" in email.body


# --- the approvers' queue -------------------------------------------------------------------------------


@pytest.fixture
def queue(pm, approver):  # type: ignore[no-untyped-def]
    pending = ready_commitment(pm, approver)
    services.item_send(pending, pm)
    queued = ready_commitment(pm, approver)
    put_in_state(queued, "queued", pm, approver)
    synced = ready_commitment(pm, approver)
    put_in_state(synced, "synced", pm, approver)
    draft = commitment_with_lines()
    pending_company = CompanyFactory()
    services.item_send(pending_company, pm)
    return {"pending": pending, "queued": queued, "synced": synced, "draft": draft, "company": pending_company}


def test_the_approvers_queue_of_pending_commitments_holds_only_pending_commitments(approver, queue):
    body = client_for(approver).get(f"{API}/erp/items/", {"erp_status": "pending", "type": "commitment"}).json()

    assert body["count"] == 1
    (row,) = body["results"]
    assert (row["type"], row["object_id"], row["erp_status"]) == ("commitment", queue["pending"].pk, "pending")
    assert set(row["allowed_actions"]) == ALLOWED["pending"]
    assert row["sent_by"] == "pm"


def test_the_queue_filters_by_tab(approver, queue):
    client = client_for(approver)

    ready = client.get(f"{API}/erp/items/", {"tab": "ready_to_export", "type": "commitment"}).json()
    synced = client.get(f"{API}/erp/items/", {"tab": "synced", "type": "commitment"}).json()
    every_type = client.get(f"{API}/erp/items/", {"tab": "ready_to_export"}).json()

    assert [row["object_id"] for row in ready["results"]] == [queue["pending"].pk]
    assert [row["object_id"] for row in synced["results"]] == [queue["synced"].pk]
    assert {(row["type"], row["object_id"]) for row in every_type["results"]} == {
        ("commitment", queue["pending"].pk),
        ("company", queue["company"].pk),
    }


def test_the_queue_counts_every_tab(approver, queue):
    response = client_for(approver).get(f"{API}/erp/items/counts/", {"type": "commitment"})

    assert response.status_code == 200
    counts = response.json()
    assert set(counts) == {
        "ready_to_import",
        "ready_to_export",
        "ready_to_update",
        "queued",
        "failed_to_export",
        "synced",
        "archived",
    }
    assert counts["ready_to_export"] == 1
    assert counts["synced"] == 1
    assert counts["failed_to_export"] == 0


def test_an_unknown_tab_or_type_is_a_400(approver, queue):
    client = client_for(approver)

    assert client.get(f"{API}/erp/items/", {"tab": "nope"}).status_code == 400
    assert client.get(f"{API}/erp/items/", {"type": "nope"}).status_code == 400


def test_the_queue_is_closed_to_users_without_erp_integrations(pm):
    response = client_for(pm).get(f"{API}/erp/items/")

    assert response.status_code == 403
    assert "ERP Integrations" in response.json()["detail"]


# --- the schema and the docs ------------------------------------------------------------------------


def test_the_schema_is_an_openapi_3_document_with_every_workflow_action(db):
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for resource in EXPORTABLE_RESOURCES:
        for step in STEPS:
            assert f"/api/v1/{resource}/{{id}}/{step}/" in schema["paths"], (resource, step)
    assert "/api/v1/auth/token/" in schema["paths"]


def test_the_docs_page_opens_for_a_signed_in_user(pm):
    client = APIClient()
    client.force_login(pm)

    response = client.get("/api/docs/")

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_nothing_from_elsewhere(pm, page):
    """The product works offline: Swagger UI and Redoc come from its own static files, not a CDN."""
    import re

    client = APIClient()
    client.force_login(pm)

    body = client.get(page).content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', body) + re.findall(r"""(?:src|href)='([^']+)'""", body)
    assert any("/static/drf_spectacular_sidecar/" in source for source in sources), sources
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    assert "cdn" not in body.lower()
