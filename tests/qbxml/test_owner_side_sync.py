"""The owner side through the workflow, the SOAP endpoint and the simulated QuickBooks: a prime contract with
two change orders (PCCOs) and three monthly owner invoices (retention held each month, all of it released
on the last) each sync once; the contract's estimate sums to the revised contract, the invoices to what was
billed less retention plus what was released, and each item is linked to its QuickBooks record."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from erp_integrations import services as erp
from erp_integrations.errors import SendRefused
from erp_integrations.models import ErpSettings, ErpState
from procore_sync import models as ps
from procore_sync import services
from qbxml.models import QbRequest
from qbxml.simulator import QuickBooksCompany
from tests.factories import CostCodeFactory, ProjectFactory, cost_type
from tests.qbxml.helpers import SCHEMA_ENV, connector_for, item_of, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def company() -> QuickBooksCompany:
    """Checks every request against Intuit's schema where it is given (the strict run gives it)."""
    return QuickBooksCompany("Owner Side Builders", schema_dir=os.environ.get(SCHEMA_ENV) or None)


@pytest.fixture
def owner_admin(pm):  # type: ignore[no-untyped-def]
    """The project admin: Admin on every project tool, Prime Contract and Invoicing included."""
    return pm


def sync(company: QuickBooksCompany, client: Any) -> None:
    sync_until_nothing_to_do(connector_for(company, client=client))


@pytest.fixture
def contract(owner_admin) -> ps.PrimeContract:  # type: ignore[no-untyped-def]
    project = ProjectFactory(number="1042", name="Main Street Clinic")
    sitework, building = CostCodeFactory(code="02-200"), CostCodeFactory(code="03-300")
    return services.save_record(
        owner_admin,
        ps.PrimeContract,
        {
            "project": project,
            "owner": project.owner,
            "number": "PC-1042",
            "title": "Main Street Clinic",
            "status": ps.PrimeContract.Status.APPROVED,
            "contract_date": datetime.date(2026, 1, 5),
        },
        [
            {"line_number": 1, "cost_code": sitework, "cost_type": cost_type(), "amount": D("100000.00")},
            {
                "line_number": 2,
                "cost_code": building,
                "cost_type": cost_type(),
                "amount": D("100000.00"),
                "retention_percent": D("5.00"),
            },
        ],
    )


def change_order(actor: Any, contract: ps.PrimeContract, number: str, lines: list[dict[str, Any]]) -> Any:
    return services.save_record(
        actor,
        ps.PrimeContractChangeOrder,
        {"prime_contract": contract, "number": number, "title": f"Change {number}", "date": "2026-02-15"},
        lines,
    )


def invoice(actor: Any, contract: ps.PrimeContract, number: str, month: int, lines: list[dict[str, Any]]) -> Any:
    start = datetime.date(2026, month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return services.save_record(
        actor,
        ps.OwnerInvoice,
        {
            "prime_contract": contract,
            "number": number,
            "billing_period_start": start,
            "billing_period_end": end,
            "invoice_date": end,
            "status": ps.OwnerInvoice.Status.APPROVED,
        },
        lines,
    )


def billed(line: Any, work: str, held: str = "0", released: str = "0", materials: str = "0") -> dict[str, Any]:
    target = "contract_line" if isinstance(line, ps.PrimeContractLine) else "change_order_line"
    return {
        target: line,
        "work_completed_this_period": D(work),
        "materials_stored": D(materials),
        "retention_held": D(held),
        "retention_released": D(released),
    }


def test_a_contract_two_changes_and_three_invoices_reach_quickbooks_once_each(
    contract, owner_admin, approver, company, client, connection
):
    first, second = contract.lines.order_by("line_number")
    canopy_code = CostCodeFactory(code="05-500")
    pcco_1 = change_order(
        owner_admin,
        contract,
        "001",
        [
            {"contract_line": first, "amount": D("15000.00"), "description": "Deeper footings"},
            {"cost_code": canopy_code, "cost_type": cost_type(), "amount": D("8000.00"), "description": "Canopy"},
        ],
    )
    pcco_2 = change_order(owner_admin, contract, "002", [{"contract_line": second, "amount": D("-5000.00")}])
    canopy = pcco_1.lines.get(contract_line__isnull=True)
    invoices = [
        invoice(owner_admin, contract, "OI-1", 2, [billed(first, "40000", "4000"), billed(second, "20000", "1000")]),
        invoice(owner_admin, contract, "OI-2", 3, [billed(first, "50000", "5000"), billed(canopy, "8000", "800")]),
        invoice(
            owner_admin,
            contract,
            "OI-3",
            4,
            [
                billed(first, "25000", "2500", released="11500"),
                billed(second, "75000", "3750", released="4750"),
                billed(canopy, "0", released="800"),
            ],
        ),
    ]
    codes = list(ps.CostCode.objects.filter(code__in=["02-200", "03-300", "05-500"]))

    queue_for_quickbooks([*codes, contract.project, contract, pcco_1, pcco_2, *invoices], owner_admin, approver)
    sync(company, client)
    sync(company, client)  # a second sync sends nothing again

    [estimate] = [txn for txn in company.estimates() if txn.ref_number == "PC-1042"]
    assert estimate.total == D("218000.00") == contract.revised_value()
    assert len(estimate.lines) == 2 + 2 + 1, "the schedule of values, PCCO 001's two lines, PCCO 002's one"
    assert {line.description for line in estimate.lines if line.description.startswith("PCCO")} == {
        "PCCO 001: Deeper footings",
        "PCCO 001: Canopy",
        "PCCO 002:",
    }
    quickbooks_invoices = {txn.ref_number: txn for txn in company.invoices()}
    assert sorted(quickbooks_invoices) == ["OI-1", "OI-2", "OI-3"]
    assert quickbooks_invoices["OI-1"].total == D("55000.00")
    assert quickbooks_invoices["OI-2"].total == D("52200.00")
    assert quickbooks_invoices["OI-3"].total == D("110800.00")
    billed_in_all = sum((txn.total for txn in quickbooks_invoices.values()), D(0))
    assert billed_in_all == D("218000.00"), "the whole revised contract billed, every retention released"
    for record in (contract, pcco_1, pcco_2, *invoices):
        assert item_of(record).state == ErpState.SYNCED, record
    assert item_of(invoices[0]).qb_ref == quickbooks_invoices["OI-1"].txn_id
    assert company.add_count("Invoice", "OI-1") == 1
    assert company.add_count("Estimate", "PC-1042") == 1
    retention = [line for line in quickbooks_invoices["OI-3"].lines if line.item == "Retention"]
    assert sorted(line.amount for line in retention) == [D("-6250.00"), D("17050.00")]


def test_an_invoice_for_nothing_due_is_refused_at_send(contract, owner_admin):
    first = contract.lines.get(line_number=1)
    invoice(owner_admin, contract, "OI-1", 2, [billed(first, "10000", "1000")])
    nothing_due = invoice(owner_admin, contract, "OI-2", 3, [billed(first, "0")])

    with pytest.raises(SendRefused) as refused:
        erp.item_send(nothing_due, owner_admin)

    assert "QuickBooks takes only invoices for more than zero" in str(refused.value.details["problems"])


def test_an_invoice_on_a_draft_contract_is_refused_at_send(contract, owner_admin):
    first = contract.lines.get(line_number=1)
    draft = invoice(owner_admin, contract, "OI-1", 2, [billed(first, "10000", "1000")])
    ps.PrimeContract.objects.filter(pk=contract.pk).update(status=ps.PrimeContract.Status.DRAFT)

    with pytest.raises(SendRefused) as refused:
        erp.item_send(draft, owner_admin)

    assert "The prime contract is a draft" in str(refused.value.details["problems"])


def test_billing_only_sends_the_invoices_without_an_estimate(
    contract, owner_admin, approver, company, client, connection
):
    ErpSettings.objects.update_or_create(pk=1, defaults={"prime_contract_estimates": False})
    first = contract.lines.get(line_number=1)
    billing = invoice(owner_admin, contract, "OI-1", 2, [billed(first, "10000", "1000")])

    with pytest.raises(SendRefused):
        erp.item_send(contract, owner_admin)
    queue_for_quickbooks([first.cost_code, contract.project, billing], owner_admin, approver)
    sync(company, client)

    assert [txn.ref_number for txn in company.estimates()] == []
    assert [(txn.ref_number, txn.total) for txn in company.invoices()] == [("OI-1", D("9000.00"))]
    assert not QbRequest.objects.filter(kind="contract_estimate").exists()


def test_the_owners_payments_come_back_onto_the_right_invoices(
    contract, owner_admin, approver, erp_admin, company, client, connection
):
    from rest_framework.test import APIClient

    from erp_integrations.models import ProjectAccountingSettings
    from procore_sync import selectors
    from qbxml import imports

    first, second = contract.lines.order_by("line_number")
    invoices = [
        invoice(owner_admin, contract, "OI-1", 2, [billed(first, "40000", "4000"), billed(second, "20000", "1000")]),
        invoice(owner_admin, contract, "OI-2", 3, [billed(first, "50000", "5000")]),
    ]
    codes = list(ps.CostCode.objects.filter(code__in=["02-200", "03-300"]))
    queue_for_quickbooks([*codes, contract.project, contract, *invoices], owner_admin, approver)
    sync(company, client)
    ProjectAccountingSettings.objects.create(project=contract.project, sync_paid_invoices=True)
    quickbooks = {txn.ref_number: txn for txn in company.invoices()}
    job = quickbooks["OI-1"].entity
    # The owner pays the first invoice in two checks, the second with the first's rest, into the bank and
    # into Undeposited Funds; a payment of an invoice entered in QuickBooks is not ours.
    company.add_account("Undeposited Funds", "OtherCurrentAsset")
    company.add_received_payment(job, quickbooks["OI-1"].txn_id, "30000.00", ref_number="1001")
    company.add_received_payment(
        job,
        applied=[(quickbooks["OI-1"].txn_id, None), (quickbooks["OI-2"].txn_id, "20000.00")],
        ref_number="1002",
        deposit_to="Undeposited Funds",
    )

    imports.refresh(None, connection, ["received_payments"])
    sync(company, client)

    rows = sorted(ps.OwnerPayment.objects.values_list("ref_number", "invoice__number", "amount"))
    assert rows == [
        ("1001", "OI-1", D("30000.00")),
        ("1002", "OI-1", D("25000.00")),
        ("1002", "OI-2", D("20000.00")),
    ]
    billing = selectors.owner_billing(contract)
    assert billing.billed == D("110000.00")
    assert billing.retention_receivable == D("10000.00")
    assert billing.amount_due == D("100000.00")
    assert billing.received == D("75000.00")
    assert billing.undeposited == D("45000.00")
    assert billing.open_balance == D("25000.00")
    api = APIClient()
    api.force_authenticate(owner_admin)
    listed = {each["number"]: each for each in api.get("/api/v1/owner-invoices/").json()["results"]}
    assert (listed["OI-1"]["received"], listed["OI-1"]["open_balance"]) == ("55000.00", "0.00")
    assert (listed["OI-2"]["received"], listed["OI-2"]["open_balance"]) == ("20000.00", "25000.00")
    payments = api.get("/api/v1/owner-payments/", {"invoice": invoices[1].pk}).json()["results"]
    assert [(each["ref_number"], each["is_undeposited"]) for each in payments] == [("1002", True)]
    assert api.get(f"/api/v1/prime-contracts/{contract.pk}/").json()["billing"]["open_balance"] == "25000.00"
    page = Client()
    page.force_login(owner_admin)
    body = page.get(reverse("owner:prime-contract", args=[contract.project_id])).content.decode()
    assert "<dd data-received>75,000.00</dd>" in body and "<dd data-open-balance>25,000.00</dd>" in body
    assert "45,000.00 of what was received is in QuickBooks' Undeposited Funds" in body
