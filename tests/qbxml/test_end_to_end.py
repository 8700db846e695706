"""The demo company, from the project team's drafts to QuickBooks: the project manager sends every draft
that passes validation and the accounting approver accepts every pending item, both through the REST API
as the demo users; then the Web Connector syncs with the simulated QuickBooks through the SOAP endpoint,
and QuickBooks holds exactly what was accepted, each record once, also after a second sync."""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from demo.company import DEMO_CONNECTION_PASSWORD, DEMO_CONNECTION_USER, USERS
from erp_integrations.models import ErpItem, ErpSettings, ErpState
from procore_sync import models as ps
from qbxml import payroll
from qbxml.models import QbRequest
from qbxml.simulator import QuickBooksCompany
from tests.qbxml.helpers import SCHEMA_ENV, connector_for, schema_dir_or_skip, sync_until_nothing_to_do

PASSWORDS = {user.username: user.password for user in USERS}
# REST resources in dependency order: what a record needs is accepted before it.
RESOURCES = [
    ("cost-codes", "cost_code"),
    ("companies", "company"),
    ("projects", "project"),
    ("budgets", "budget"),
    ("budget-modifications", "budget_modification"),
    ("commitments", "commitment"),
    ("change-orders", "change_order"),
    ("subcontractor-invoices", "subcontractor_invoice"),
    ("prime-contracts", "prime_contract"),
    ("prime-contract-change-orders", "prime_change_order"),
    ("owner-invoices", "owner_invoice"),
]
TYPE_ORDER = [object_type for _, object_type in RESOURCES]


def logged_in(username: str) -> Client:
    """A client of the demo user, signed in through the login page with its demo password."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 302, f"the demo user {username} signs in"
    return client


def every_page(client: Client, url: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        results.extend(body["results"])
        url = body["next"] or ""
    return results


def send_every_draft(pm: Client, *, owners: bool = False) -> Counter[str]:
    """The project manager sends each draft record; the ones validation refuses stay drafts.

    Owners are left out unless `owners`: an owner is the customer of its projects' jobs in QuickBooks,
    and QuickBooks names are unique across its lists, so it cannot also be a vendor of the same name
    (test_exactly_once.py: test_a_job_whose_customer_name_is_taken_by_a_vendor_...).
    """
    sent: Counter[str] = Counter()
    for resource, object_type in RESOURCES:
        for record in every_page(pm, f"/api/v1/{resource}/?erp_status=draft"):
            if resource == "companies" and record["vendor_type"] == ps.Company.VendorType.OWNER and not owners:
                continue
            response = pm.post(f"/api/v1/{resource}/{record['id']}/send/", content_type="application/json")
            if response.status_code == 400:
                continue  # refused at send with the reasons: the sender fixes them first
            assert response.status_code == 200, (resource, record["id"], response.content)
            assert response.json()["erp_status"] == ErpState.PENDING
            sent[object_type] += 1
    return sent


def accept_every_pending(approver: Client) -> Counter[str]:
    """The approver accepts each pending item from the queue, in dependency order."""
    pending = every_page(approver, "/api/v1/erp/items/?erp_status=pending")
    pending.sort(key=lambda item: (TYPE_ORDER.index(item["type"]), item["id"]))
    accepted: Counter[str] = Counter()
    for item in pending:
        # Every demo project has an owner: the job's parent customer defaults to it.
        response = approver.post(f"/api/v1/erp/items/{item['id']}/accept/", {}, content_type="application/json")
        assert response.status_code == 200, (item["label"], response.content)
        assert response.json()["erp_status"] == ErpState.QUEUED
        accepted[item["type"]] += 1
    return accepted


def records_of(object_type: str) -> list[Any]:
    """The project-side records whose items are accepted for QuickBooks (queued), or synced."""
    items = ErpItem.objects.filter(object_type=object_type, state__in=[ErpState.QUEUED, ErpState.SYNCED])
    ids = list(items.values_list("object_id", flat=True))
    model = {
        "company": ps.Company,
        "project": ps.Project,
        "cost_code": ps.CostCode,
        "budget": ps.Budget,
        "budget_modification": ps.BudgetModification,
        "commitment": ps.Commitment,
        "change_order": ps.CommitmentChangeOrder,
        "subcontractor_invoice": ps.SubcontractorInvoice,
        "prime_contract": ps.PrimeContract,
        "prime_change_order": ps.PrimeContractChangeOrder,
        "owner_invoice": ps.OwnerInvoice,
        "employee": ps.Employee,
    }[object_type]
    return list(model.objects.filter(pk__in=ids).order_by("pk"))


def job_full_name(project: ps.Project) -> str:
    return f"{project.owner.name}:{project.number} {project.name}"


class Expected:
    """What QuickBooks must hold once every accepted item is synced, read from the project records."""

    def __init__(self) -> None:
        retainage_item = ErpSettings.load().retainage_item_name
        retention_item = ErpSettings.load().retention_item_name
        self.vendors = sorted(company.name for company in records_of("company"))
        self.employees = sorted(employee.name for employee in records_of("employee"))
        projects = records_of("project")
        self.jobs = sorted(job_full_name(project) for project in projects)
        self.customers = sorted({project.owner.name for project in projects} | set(self.jobs))
        cost_codes = records_of("cost_code")
        self.cost_code_items = sorted(f"{code.division.code}:{code.code}" for code in cost_codes)
        self.divisions = sorted({code.division.code for code in cost_codes})
        self.invoices = records_of("subcontractor_invoice")
        self.owner_invoices = records_of("owner_invoice")
        self.items = sorted(
            set(self.cost_code_items)
            | set(self.divisions)
            | ({retainage_item} if self.invoices else set())
            | ({retention_item} if self.owner_invoices else set())
        )
        # Each prime contract's estimate: its schedule of values and the change orders accepted with it.
        self.contract_estimates: dict[str, Decimal] = {}
        accepted_changes = records_of("prime_change_order")
        for contract in records_of("prime_contract"):
            total = sum((line.amount for line in contract.lines.all()), Decimal("0"))
            for change_order in accepted_changes:
                if change_order.prime_contract_id == contract.pk:
                    total += sum((line.amount for line in change_order.lines.all()), Decimal("0"))
            self.contract_estimates[contract.number] = total
        self.retainage_item = retainage_item
        self.budgets = records_of("budget")
        modifications = records_of("budget_modification")
        # Each estimate: the revised amount per item (cost code) and class (cost type).
        self.estimate_lines: dict[str, dict[tuple[str, str], Decimal]] = {}
        for budget in self.budgets:
            amounts: dict[tuple[str, str], Decimal] = {}
            changes = [
                (line.budget_line, line.amount)
                for modification in modifications
                if modification.budget_id == budget.pk
                for line in modification.lines.select_related("budget_line")
            ]
            for line, amount in [(line, line.original_amount) for line in budget.lines.all()] + changes:
                key = (f"{line.cost_code.division.code}:{line.cost_code.code}", line.cost_type.name)
                amounts[key] = amounts.get(key, Decimal("0")) + amount
            self.estimate_lines[job_full_name(budget.project)] = amounts
        self.commitments = records_of("commitment")
        change_orders = records_of("change_order")
        cost_types: set[str] = set()
        self.revised_budget: dict[str, Decimal] = {}
        for budget in self.budgets:
            lines = list(budget.lines.select_related("cost_type"))
            cost_types |= {line.cost_type.name for line in lines}
            total = sum((line.original_amount for line in lines), Decimal("0"))
            for modification in modifications:
                if modification.budget_id == budget.pk:
                    total += sum((line.amount for line in modification.lines.all()), Decimal("0"))
            self.revised_budget[job_full_name(budget.project)] = total
        self.po_lines: dict[str, int] = {}
        self.po_totals: dict[str, Decimal] = {}
        self.po_vendors: dict[str, str] = {}
        for commitment in self.commitments:
            lines = list(commitment.lines.select_related("cost_type"))
            cost_types |= {line.cost_type.name for line in lines}
            count, total = len(lines), sum((line.amount for line in lines), Decimal("0"))
            for change_order in change_orders:
                if change_order.commitment_id != commitment.pk:
                    continue
                co_lines = list(change_order.lines.all())
                cost_types |= {line.effective_cost_type.name for line in co_lines}
                # QuickBooks cannot change one line twice in one modification: changes to a line are summed.
                count += len(
                    {
                        (line.commitment_line_id, line.effective_cost_code.pk, line.effective_cost_type.pk)
                        for line in co_lines
                    }
                )
                total += sum((line.amount for line in co_lines), Decimal("0"))
            self.po_lines[commitment.number] = count
            self.po_totals[commitment.number] = total
            self.po_vendors[commitment.number] = commitment.vendor.name
        for invoice in self.invoices:
            for line in invoice.lines.all():
                target = line.target
                kind = target.cost_type if isinstance(target, ps.CommitmentLine) else target.effective_cost_type
                cost_types.add(kind.name)
        self.classes = sorted(cost_types)


def assert_quickbooks_holds_exactly(company: QuickBooksCompany, expected: Expected) -> None:
    vendors = [vendor.name for vendor in company.vendors()]
    assert sorted(vendors) == expected.vendors, "each accepted company is one vendor"
    for name in expected.vendors:
        assert company.add_count("Vendor", name) == 1, name

    assert sorted(employee.name for employee in company.employees()) == expected.employees
    for name in expected.employees:
        assert company.add_count("Employee", name) == 1, name

    customers = [customer.full_name for customer in company.customers()]
    assert sorted(customers) == expected.customers
    jobs = sorted(customer.full_name for customer in company.customers() if customer.parent_full_name)
    assert jobs == expected.jobs
    for name in expected.customers:
        assert company.add_count("Customer", name) == 1, name

    items = {item.full_name: item for item in company.items()}
    assert sorted(items) == expected.items
    for full_name in expected.cost_code_items:
        division, _, code = full_name.partition(":")
        assert items[full_name].parent_full_name == division and items[full_name].name == code
    for full_name in expected.items:
        assert company.add_count("Item", full_name) == 1, full_name

    assert sorted(cls.full_name for cls in company.classes()) == expected.classes
    for name in expected.classes:
        assert company.add_count("Class", name) == 1, name

    contract_estimates = [e for e in company.estimates() if (e.ref_number or "") in expected.contract_estimates]
    assert {e.ref_number: e.total for e in contract_estimates} == expected.contract_estimates
    estimates = [e for e in company.estimates() if e not in contract_estimates]
    assert sorted(estimate.entity or "" for estimate in estimates) == sorted(expected.revised_budget)
    for estimate in estimates:
        assert estimate.total == expected.revised_budget[estimate.entity or ""], estimate.entity
        amounts: dict[tuple[str, str], Decimal] = {}
        for line in estimate.lines:
            key = (line.item or "", line.class_name or "")
            amounts[key] = amounts.get(key, Decimal("0")) + line.amount
        assert amounts == expected.estimate_lines[estimate.entity or ""], estimate.entity
    assert company.request_count("EstimateAdd") == len(expected.budgets) + len(expected.contract_estimates)

    owner_invoices = {invoice.ref_number: invoice for invoice in company.invoices()}
    assert sorted(owner_invoices) == sorted(invoice.number for invoice in expected.owner_invoices)
    for owner_invoice in expected.owner_invoices:
        due = sum((line.amount_due for line in owner_invoice.lines.all()), Decimal("0"))
        assert owner_invoices[owner_invoice.number].total == due, owner_invoice.number
        assert company.add_count("Invoice", owner_invoice.number) == 1, owner_invoice.number

    orders = company.purchase_orders()
    assert sorted(order.ref_number or "" for order in orders) == sorted(expected.po_lines)
    for order in orders:
        number = order.ref_number or ""
        assert order.entity == expected.po_vendors[number]
        assert len(order.lines) == expected.po_lines[number], number
        assert order.total == expected.po_totals[number], number
        assert company.add_count("PurchaseOrder", number) == 1, number

    bills = company.bills()
    assert sorted((bill.ref_number or "", bill.entity) for bill in bills) == sorted(
        (invoice.number, invoice.commitment.vendor.name) for invoice in expected.invoices
    )
    by_number = {bill.ref_number: bill for bill in bills}
    for invoice in expected.invoices:
        bill = by_number[invoice.number]
        totals = invoice.totals()
        assert bill.total == totals["amount_due"], invoice.number
        retainage = [line for line in bill.lines if line.item == expected.retainage_item]
        if totals["retainage_held"]:
            assert [line.amount for line in retainage] == [-totals["retainage_held"]], invoice.number
        else:
            assert retainage == [], invoice.number
        assert company.add_count("Bill", invoice.number) == 1, invoice.number


def book_counts(company: QuickBooksCompany) -> dict[str, int]:
    return {
        "vendors": len(company.vendors()),
        "customers": len(company.customers()),
        "items": len(company.items()),
        "classes": len(company.classes()),
        "estimates": len(company.estimates()),
        "purchase_orders": len(company.purchase_orders()),
        "bills": len(company.bills()),
        "lines": sum(len(txn.lines) for txn in company.transactions()),
    }


@pytest.fixture(scope="module")
def accepted_demo(django_db_setup, django_db_blocker) -> Iterator[Expected]:  # type: ignore[no-untyped-def]
    """The demo company with every draft sent and every pending item accepted, through the REST API.

    Built once for the module (about 10 s of API calls) inside a transaction rolled back at the end; each
    test runs in a savepoint of it (the `db` fixture), so each sync starts from the same accepted queue.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("demo", verbosity=0, stdout=io.StringIO())
            sent = send_every_draft(logged_in("pm"))
            accepted = accept_every_pending(logged_in("approver"))
            assert sent and accepted
            assert not ErpItem.objects.filter(state=ErpState.PENDING).exists(), "nothing is left to accept"
            yield Expected()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def sync_and_check(expected: Expected, schema_dir: Path | None) -> None:
    queued = set(ErpItem.objects.filter(state=ErpState.QUEUED).values_list("pk", flat=True))
    assert len(queued) > 100
    company = QuickBooksCompany("Sierra Ridge Constructors", schema_dir=schema_dir)
    connector = connector_for(
        company, client=Client(), username=DEMO_CONNECTION_USER, password=DEMO_CONNECTION_PASSWORD
    )

    reports = sync_until_nothing_to_do(connector)

    assert all(report.finished for report in reports[:-1]), reports
    assert [report.last_error for report in reports] == [""] * len(reports)
    failed = {item.label: item.erp_error for item in ErpItem.objects.filter(state=ErpState.FAILED)}
    assert failed == {}
    # The demo sends time to QuickBooks payroll as an IIF file: once what its entries name is in QuickBooks,
    # the accountant writes it, and every accepted entry is in it.
    written = payroll.export_payroll_iif(get_user_model().objects.get(username="admin"))
    assert written.waiting == [] and written.export.entry_count > 0
    items = ErpItem.objects.filter(pk__in=queued)
    assert Counter(items.values_list("state", flat=True)) == {ErpState.SYNCED: len(queued)}
    # A time entry's QuickBooks record is the payroll file it is in, which QuickBooks gives no id.
    assert not items.filter(qb_ref="").exclude(object_type="time_entry").exists(), "every synced item keeps its id"
    assert not QbRequest.objects.exclude(status=QbRequest.Status.DONE).exists()
    assert_quickbooks_holds_exactly(company, expected)

    # The next scheduled run finds nothing to do, and nothing is added twice.
    before = book_counts(company)
    again = connector.run_session()
    assert again.authenticated == "none"
    assert book_counts(company) == before
    assert_quickbooks_holds_exactly(company, expected)


def test_the_demo_company_sent_accepted_and_synced_lands_in_quickbooks_exactly_once(db, accepted_demo):
    sync_and_check(accepted_demo, schema_dir=None)


@pytest.mark.skipif(
    not os.environ.get(SCHEMA_ENV, "").strip(),
    reason=f"{SCHEMA_ENV} is not set: point it at ../shared/qbxml-schema to have the simulated QuickBooks "
    "validate every request against Intuit's XSD (the strict CI run sets it)",
)
def test_the_demo_company_syncs_with_a_quickbooks_that_validates_every_request_against_the_xsd(db, accepted_demo):
    sync_and_check(accepted_demo, schema_dir=schema_dir_or_skip())
