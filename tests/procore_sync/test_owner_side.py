"""The owner side's rules: one prime contract per project with its schedule of values, change orders (PCCOs)
that add lines or change the value of existing ones, and owner invoices that never bill a line beyond its
scheduled value nor release more retention than they held, nor bill a change the owner has not approved.
Through the one service every record type is written with, and through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from access.tools import Level, Tool
from procore_sync import models as ps
from procore_sync import services
from tests.factories import (
    CostCodeFactory,
    OwnerInvoiceFactory,
    PrimeChangeOrderFactory,
    ProjectFactory,
    UserFactory,
    cost_type,
    grant,
    prime_contract_with_lines,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def owner_admin(db):  # type: ignore[no-untyped-def]
    """Admin on Prime Contract and Invoicing, company-wide."""
    user = UserFactory(username="owner_admin")
    grant(user, Tool.PRIME_CONTRACT, Level.ADMIN)
    grant(user, Tool.INVOICING, Level.ADMIN)
    return user


@pytest.fixture
def contract(db) -> ps.PrimeContract:  # type: ignore[no-untyped-def]
    """Two lines of 100,000.00, 10 % retention by default; the second line holds 5 %."""
    contract = prime_contract_with_lines(2)
    contract.lines.filter(line_number=2).update(retention_percent=D("5.00"))
    return contract


def line(contract: ps.PrimeContract, number: int) -> ps.PrimeContractLine:
    return contract.lines.get(line_number=number)


def bill(actor: Any, contract: ps.PrimeContract, lines: list[dict[str, Any]], **fields: Any) -> ps.OwnerInvoice:
    header = {
        "prime_contract": contract,
        "number": fields.pop("number", "OI-1"),
        "billing_period_start": "2026-02-01",
        "billing_period_end": "2026-02-28",
        "invoice_date": "2026-03-01",
        **fields,
    }
    return services.save_record(actor, ps.OwnerInvoice, header, lines)


def test_a_prime_contract_is_saved_with_its_schedule_of_values(owner_admin):
    project = ProjectFactory()
    code = CostCodeFactory()

    contract = services.save_record(
        owner_admin,
        ps.PrimeContract,
        {"project": project, "owner": project.owner, "number": "PC-1", "title": "The clinic"},
        [
            {"line_number": 1, "cost_code": code, "cost_type": cost_type(), "amount": D("250000.00")},
            {
                "line_number": 2,
                "cost_code": code,
                "cost_type": cost_type(),
                "amount": D("50000.00"),
                "retention_percent": D("5"),
            },
        ],
    )

    assert contract.original_value() == D("300000.00")
    assert [each.effective_retention_percent for each in contract.lines.all()] == [D("10.00"), D("5.00")]


def test_a_project_has_one_prime_contract(owner_admin, contract):
    with pytest.raises(ValidationError) as refused:
        services.save_record(
            owner_admin,
            ps.PrimeContract,
            {"project": contract.project, "owner": contract.owner, "number": "PC-2", "title": "Another"},
        )

    assert "The project has a prime contract already." in str(refused.value)


def test_a_pcco_changes_a_line_and_adds_one(owner_admin, contract):
    change_order = services.save_record(
        owner_admin,
        ps.PrimeContractChangeOrder,
        {"prime_contract": contract, "number": "001", "title": "Added scope", "date": "2026-03-01"},
        [
            {"contract_line": line(contract, 1), "amount": D("15000.00")},
            {"cost_code": CostCodeFactory(), "cost_type": cost_type(), "description": "Canopy", "amount": D("8000.00")},
        ],
    )

    assert contract.revised_value() == D("223000.00")
    added = change_order.lines.get(contract_line__isnull=True)
    assert added.effective_retention_percent == D("10.00")
    assert change_order.lines.get(contract_line__isnull=False).effective_retention_percent == D("10.00")


def test_a_pcco_line_of_another_contract_is_refused(owner_admin, contract):
    other = prime_contract_with_lines(1)

    with pytest.raises(ValidationError) as refused:
        services.save_record(
            owner_admin,
            ps.PrimeContractChangeOrder,
            {"prime_contract": contract, "number": "001", "title": "Wrong", "date": "2026-03-01"},
            [{"contract_line": other.lines.get(), "amount": D("1.00")}],
        )

    assert "The line belongs to another prime contract." in str(refused.value)


def test_an_owner_invoice_bills_holds_and_totals(owner_admin, contract):
    invoice = bill(
        owner_admin,
        contract,
        [
            {
                "contract_line": line(contract, 1),
                "work_completed_this_period": D("40000.00"),
                "materials_stored": D("5000.00"),
                "retention_held": D("4500.00"),
            }
        ],
    )

    [billed] = invoice.lines.all()
    assert (billed.completed_and_stored, billed.amount_due) == (D("45000.00"), D("40500.00"))


def test_an_invoice_cannot_bill_a_line_beyond_its_scheduled_value(owner_admin, contract):
    bill(owner_admin, contract, [{"contract_line": line(contract, 1), "work_completed_this_period": D("90000.00")}])

    with pytest.raises(ValidationError) as refused:
        bill(
            owner_admin,
            contract,
            [{"contract_line": line(contract, 1), "work_completed_this_period": D("10000.01")}],
            number="OI-2",
        )

    assert "would be billed 100000.01 in all, more than its scheduled value of 100000.00" in str(refused.value)
    assert ps.OwnerInvoice.objects.count() == 1, "nothing of the refused invoice is kept"


def test_an_approved_pcco_raises_what_a_line_may_bill_and_an_unapproved_one_cannot_be_billed(owner_admin, contract):
    approved = PrimeChangeOrderFactory(prime_contract=contract)
    ps.PrimeContractChangeOrderLine.objects.create(
        change_order=approved, contract_line=line(contract, 1), amount=D("20000.00")
    )
    pending = PrimeChangeOrderFactory(prime_contract=contract, status=ps.PrimeContractChangeOrder.Status.PENDING)
    new_line = ps.PrimeContractChangeOrderLine.objects.create(
        change_order=pending, cost_code=CostCodeFactory(), cost_type=cost_type(), amount=D("5000.00")
    )

    bill(owner_admin, contract, [{"contract_line": line(contract, 1), "work_completed_this_period": D("120000.00")}])
    with pytest.raises(ValidationError) as refused:
        bill(
            owner_admin,
            contract,
            [{"change_order_line": new_line, "work_completed_this_period": D("100.00")}],
            number="OI-2",
        )

    assert "is not approved: its lines cannot be billed yet" in str(refused.value)


def test_an_invoice_cannot_release_more_retention_than_was_held(owner_admin, contract):
    bill(
        owner_admin,
        contract,
        [
            {
                "contract_line": line(contract, 2),
                "work_completed_this_period": D("50000.00"),
                "retention_held": D("2500.00"),
            }
        ],
    )

    with pytest.raises(ValidationError) as refused:
        bill(
            owner_admin,
            contract,
            [{"contract_line": line(contract, 2), "retention_released": D("2500.01")}],
            number="OI-2",
        )
    released = bill(
        owner_admin, contract, [{"contract_line": line(contract, 2), "retention_released": D("2500.00")}], number="OI-3"
    )

    assert "would release 2500.01 of retention in all, more than the 2500.00 held on it" in str(refused.value)
    assert released.lines.get().amount_due == D("2500.00")


def test_a_void_invoice_does_not_count(owner_admin, contract):
    OwnerInvoiceFactory(prime_contract=contract, status=ps.OwnerInvoice.Status.VOID).lines.create(
        contract_line=line(contract, 1), work_completed_this_period=D("100000.00")
    )

    invoice = bill(
        owner_admin, contract, [{"contract_line": line(contract, 1), "work_completed_this_period": D("100000.00")}]
    )

    assert invoice.lines.get().completed_and_stored == D("100000.00")


def test_the_api_writes_and_reads_the_owner_side(owner_admin, contract):
    api = APIClient()
    api.force_authenticate(owner_admin)

    change_order = api.post(
        "/api/v1/prime-contract-change-orders/",
        {
            "prime_contract": contract.pk,
            "number": "001",
            "title": "Added scope",
            "date": "2026-03-01",
            "lines": [{"contract_line": line(contract, 1).pk, "amount": "15000.00"}],
        },
        format="json",
    )
    invoice = api.post(
        "/api/v1/owner-invoices/",
        {
            "prime_contract": contract.pk,
            "number": "OI-1",
            "billing_period_start": "2026-02-01",
            "billing_period_end": "2026-02-28",
            "invoice_date": "2026-03-01",
            "lines": [
                {
                    "contract_line": line(contract, 1).pk,
                    "work_completed_this_period": "30000.00",
                    "retention_held": "3000.00",
                }
            ],
        },
        format="json",
    )
    read = api.get(f"/api/v1/prime-contracts/{contract.pk}/")
    too_much = api.post(
        "/api/v1/owner-invoices/",
        {
            "prime_contract": contract.pk,
            "number": "OI-2",
            "billing_period_start": "2026-03-01",
            "billing_period_end": "2026-03-31",
            "invoice_date": "2026-04-01",
            "lines": [{"contract_line": line(contract, 1).pk, "work_completed_this_period": "85000.01"}],
        },
        format="json",
    )

    assert change_order.status_code == 201, change_order.content
    assert invoice.status_code == 201, invoice.content
    assert invoice.json()["totals"]["amount_due"] == "27000.00"
    assert read.json()["original_value"] == "200000.00"
    assert [each["effective_retention_percent"] for each in read.json()["lines"]] == ["10.00", "5.00"]
    assert too_much.status_code == 400
    assert "more than its scheduled value of 115000.00" in str(too_much.json())


def test_the_owner_side_follows_its_tools(contract):
    prime_only = UserFactory(username="prime_only")
    grant(prime_only, Tool.PRIME_CONTRACT, Level.ADMIN)
    api = APIClient()
    api.force_authenticate(prime_only)

    contracts = api.get("/api/v1/prime-contracts/")
    invoices = api.post(
        "/api/v1/owner-invoices/",
        {
            "prime_contract": contract.pk,
            "number": "OI-1",
            "billing_period_start": "2026-02-01",
            "billing_period_end": "2026-02-28",
            "invoice_date": "2026-03-01",
        },
        format="json",
    )

    assert [each["id"] for each in contracts.json()["results"]] == [contract.pk]
    assert invoices.status_code == 400, "the contract is not one an invoicing user may write under"
    assert "does not exist" in str(invoices.json()), invoices.json()


def test_the_prime_contract_list_costs_the_same_queries_at_2_and_at_12_contracts(owner_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listed() -> int:
        api = APIClient()
        api.force_authenticate(owner_admin)
        with CaptureQueriesContext(connection) as queries:
            body = api.get("/api/v1/prime-contracts/").json()
        assert all(row["billing"]["contract_value"] == "200000.00" for row in body["results"])
        return len(queries)

    for _ in range(2):
        prime_contract_with_lines(2)
    listed()  # warm what a running server has warm
    few = listed()
    for _ in range(10):
        contract = prime_contract_with_lines(2)
        OwnerInvoiceFactory(prime_contract=contract).lines.create(
            contract_line=contract.lines.first(), work_completed_this_period=D("10.00")
        )

    assert listed() == few
