"""Job costs back from QuickBooks, through the SOAP endpoint and the simulated company file: every kind of
transaction that costs a job (bills, checks, credit card charges and credits, vendor credits, item receipts,
journal entries) lands on the project, sub job, cost code and cost type it names; the bill of one of our own
invoices is kept once, marked; what cannot be placed is kept with why; an edit in QuickBooks changes the
rows, a deletion removes them, and a session that dies halfway leaves nothing doubled or lost. The totals are
checked against the simulator's own sums."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection as db_connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from erp_integrations import services as erp
from erp_integrations.models import ProjectAccountingSettings
from procore_sync import models as ps
from procore_sync import selectors as project_selectors
from qbxml import imports
from qbxml.lib import build
from qbxml.lib.parse import iter_responses
from qbxml.simulator import QuickBooksCompany, SeedLine
from tests.factories import (
    CommitmentFactory,
    CommitmentLineFactory,
    CompanyFactory,
    CostCodeFactory,
    DivisionFactory,
    ProjectFactory,
    SubJobFactory,
    cost_type,
    invoice_for,
)
from tests.qbxml.helpers import SCHEMA_ENV, ManualSession, connector_for, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

JOB = "Harbor Health:1042 Main Street Clinic"
BUILDING = f"{JOB}:Building A"
ANNEX = "Harbor Health:1043 Annex"
OTHER_JOB = "Other Owner:Warehouse"
# The imports a project's job costs are read through (payments are the other half of the read-back).
JOB_COST_IMPORTS = [name for name, imported in imports.TRANSACTIONS.items() if imported.query in erp.JOB_COST_KINDS]
JOB_COST_IMPORTS.append("deleted")
CREDITS = {"CreditCardCredit", "VendorCredit"}


@dataclass
class World:
    company: QuickBooksCompany
    project: ps.Project
    building: ps.SubJob
    annex: ps.Project
    codes: dict[str, ps.CostCode]
    invoice: ps.SubcontractorInvoice
    our_bill: str  # the TxnID of the invoice's bill


def simulated_company() -> QuickBooksCompany:
    """A company file that validates every request against Intuit's schema when QBXML_SCHEMA_DIR says where."""
    return QuickBooksCompany("Harbor Builders", schema_dir=os.environ.get(SCHEMA_ENV) or None)


@pytest.fixture
def world(connection, pm, approver, client) -> World:  # type: ignore[no-untyped-def]
    """Our project with a sub job, a second project that does not bring its job costs back, two cost codes and a
    subcontract with an invoice, all exported to QuickBooks (so linked); QuickBooks' customers read, with a job
    of its own that no project is linked to."""
    owner = CompanyFactory(name="Harbor Health", vendor_type=ps.Company.VendorType.OWNER)
    project = ProjectFactory(owner=owner, number="1042", name="Main Street Clinic")
    building = SubJobFactory(project=project, name="Building A")
    annex = ProjectFactory(owner=owner, number="1043", name="Annex")
    division = DivisionFactory(code="03", name="Concrete")
    codes = {code: CostCodeFactory(code=code, division=division) for code in ("03-100", "03-200")}
    vendor = CompanyFactory(name="Acme Concrete")
    commitment = CommitmentFactory(project=project, vendor=vendor, number="SC-001")
    CommitmentLineFactory(commitment=commitment, line_number=1, cost_code=codes["03-100"], cost_type=cost_type("Labor"))
    invoice = invoice_for(commitment, work=Decimal("8000.00"), number="INV-001")
    company = simulated_company()
    queue_for_quickbooks([*codes.values(), vendor, project, building, annex, commitment, invoice], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))
    our_bill = erp.item_for(invoice).qb_ref
    assert our_bill and company.get_txn(our_bill) is not None

    company.add_class("Material")
    company.add_customer("Other Owner")
    company.add_customer("Warehouse", "Other Owner")
    company.add_item_service("Permits")
    imports.refresh(None, connection, ["customers"])
    sync_until_nothing_to_do(connector_for(company, client=client))
    ProjectAccountingSettings.objects.create(project=project, sync_job_costs=True)
    ProjectAccountingSettings.objects.create(project=annex, sync_job_costs=False)
    return World(company, project, building, annex, codes, invoice, our_bill)


def seed_every_kind(company: QuickBooksCompany) -> dict[str, str]:
    """One transaction of each kind that costs a job, entered in QuickBooks; returns their TxnIDs by a name."""
    item_100, item_200 = "03:03-100", "03:03-200"
    seeded = {
        "check": company.add_job_cost_transaction(
            "Check",
            [
                SeedLine(250, item=item_100, customer=JOB, class_name="Labor", description="Formwork crew"),
                SeedLine(40, account="Job Expenses", customer=JOB, description="Dump fees"),
            ],
            payee="Acme Concrete",
            ref_number="10440",
        ),
        "charge": company.add_job_cost_transaction(
            "CreditCardCharge", [SeedLine(120, item=item_200, customer=BUILDING, class_name="Material")]
        ),
        "card_credit": company.add_job_cost_transaction(
            "CreditCardCredit", [SeedLine(30, item=item_100, customer=JOB, class_name="Material")]
        ),
        "vendor_credit": company.add_job_cost_transaction(
            "VendorCredit", [SeedLine(15, item=item_200, customer=JOB, class_name="Labor")], payee="Acme Concrete"
        ),
        "receipt": company.add_job_cost_transaction(
            "ItemReceipt", [SeedLine(75, item=item_100, customer=BUILDING, class_name="Labor")], payee="Acme Concrete"
        ),
        "bill": company.add_bill(
            "Acme Concrete",
            "B-77",
            [
                SeedLine(500, item=item_100, customer=JOB, class_name="Labor"),
                SeedLine(90, item=item_200, customer=ANNEX, class_name="Labor"),
            ],
        ),
        "journal": company.add_job_cost_transaction(
            "JournalEntry",
            [
                SeedLine(60, account="Job Expenses", customer=JOB, class_name="Labor"),
                SeedLine(-20, account="Job Expenses", customer=JOB),
            ],
        ),
        "unplaced": company.add_job_cost_transaction(
            "Check",
            [
                SeedLine(33, item=item_100, customer=OTHER_JOB, class_name="Labor"),
                SeedLine(44, item=item_200, class_name="Labor"),
                SeedLine(55, item="Permits", customer=JOB),
                SeedLine(66, account="Job Expenses"),
            ],
            payee="Acme Concrete",
        ),
    }
    return {name: view.txn_id for name, view in seeded.items()}


def read_job_costs(world: World, client: Any) -> None:
    imports.refresh(None, world_connection(), JOB_COST_IMPORTS)
    sync_until_nothing_to_do(connector_for(world.company, client=client))


def world_connection() -> Any:
    from qbxml.models import QbConnection

    return QbConnection.objects.get(is_default=True)


def signed(kind: str, line: Any) -> Decimal:
    return -line.amount if kind in CREDITS or line.line_type == "JournalCredit" else line.amount


def simulator_total(
    company: QuickBooksCompany,
    jobs: Iterable[str],
    *,
    leave_out: Iterable[str] = (),
    kinds: Iterable[str] = erp.JOB_COST_KINDS,
) -> Decimal:
    """What QuickBooks itself holds as the cost of these customer:jobs (their lines, credits negative)."""
    jobs, left_out = set(jobs), set(leave_out)
    return sum(
        (
            signed(txn.kind, line)
            for kind in kinds
            for txn in company.transactions(kind)
            if txn.txn_id not in left_out
            for line in txn.lines
            if line.customer in jobs
        ),
        Decimal("0.00"),
    )


def placed(project: ps.Project, **filters: Any) -> list[tuple[str | None, str | None, str | None, Decimal]]:
    """The project's placed rows as (cost code, cost type, sub job, amount), sorted."""
    rows = ps.JobCostTransaction.objects.filter(project=project, unplaced_reason="", **filters)
    return sorted(
        (
            (
                row.cost_code.code if row.cost_code else None,
                row.cost_type.name if row.cost_type else None,
                row.sub_job.name if row.sub_job else None,
                row.amount,
            )
            for row in rows.select_related("cost_code", "cost_type", "sub_job")
        ),
        key=lambda row: tuple(str(part) for part in row),
    )


def project_total(project: ps.Project, **filters: Any) -> Decimal:
    total = ps.JobCostTransaction.objects.filter(project=project, unplaced_reason="", **filters).aggregate(
        total=Sum("amount")
    )["total"]
    return total if total is not None else Decimal("0.00")


def test_every_kind_of_transaction_lands_on_its_project_cost_code_cost_type_and_sub_job(world, client):
    ids = seed_every_kind(world.company)

    read_job_costs(world, client)

    d = Decimal
    assert placed(world.project, from_synced_invoice=False) == sorted(
        [
            ("03-100", "Labor", None, d("250.00")),  # the check's item line
            (None, None, None, d("40.00")),  # its expense line: a cost of the project with no cost code
            ("03-200", "Material", "Building A", d("120.00")),  # the card charge, on the sub job
            ("03-100", "Material", None, d("-30.00")),  # the card credit lowers the cost
            ("03-200", "Labor", None, d("-15.00")),  # so does the vendor credit
            ("03-100", "Labor", "Building A", d("75.00")),  # the item receipt
            ("03-100", "Labor", None, d("500.00")),  # the bill entered in QuickBooks
            (None, "Labor", None, d("60.00")),  # the journal entry's debit on the job
            (None, None, None, d("-20.00")),  # and its credit
        ],
        key=lambda row: tuple(str(part) for part in row),
    )
    # The totals are QuickBooks' own: every line on the job and its sub job, less the lines that are not placed.
    in_quickbooks = simulator_total(world.company, [JOB, BUILDING], leave_out=[world.our_bill])
    assert project_total(world.project, from_synced_invoice=False) == in_quickbooks - d("55.00") == d("980.00")
    check = ps.JobCostTransaction.objects.get(qb_txn_id=ids["check"], cost_code__isnull=False)
    assert (check.txn_type, check.ref_number, check.vendor_name, check.memo) == (
        "Check",
        "10440",
        "Acme Concrete",
        "Formwork crew",
    )
    assert check.txn_date == world.company.get_txn(ids["check"]).txn_date
    journal = ps.JobCostTransaction.objects.filter(qb_txn_id=ids["journal"])
    assert {row.account_full_name for row in journal} == {"Job Expenses"}, "the journal's balancing line costs no job"


def test_the_bill_of_our_own_invoice_is_kept_once_and_marked(world, client):
    seed_every_kind(world.company)

    read_job_costs(world, client)
    read_job_costs(world, client)  # read again: replaced, not added

    ours = ps.JobCostTransaction.objects.filter(qb_txn_id=world.our_bill)
    assert ours.exists() and all(row.from_synced_invoice for row in ours)
    assert placed(world.project, from_synced_invoice=True) == [("03-100", "Labor", None, Decimal("8000.00"))]
    bill = world.company.get_txn(world.our_bill)
    assert project_total(world.project, from_synced_invoice=True) == sum(
        (line.amount for line in bill.lines if line.customer == JOB and line.item != "Retainage"), Decimal("0.00")
    )
    # Every line QuickBooks holds on the job is counted once: as invoiced, or as a direct cost.
    everything = simulator_total(world.company, [JOB, BUILDING])
    retainage = sum((line.amount for line in bill.lines if line.item == "Retainage"), Decimal("0.00"))
    assert project_total(world.project) == everything - retainage - Decimal("55.00")


def test_lines_that_cannot_be_placed_are_kept_with_why(world, client):
    ids = seed_every_kind(world.company)
    world.company.add_customer("Depot", "Other Owner")  # after the customers were read

    world.company.add_job_cost_transaction(
        "Check", [SeedLine(77, item="03:03-100", customer="Other Owner:Depot")], payee="Acme Concrete"
    )
    read_job_costs(world, client)

    unplaced = {
        (row.customer_full_name, row.item_full_name, row.amount): (row.project_id, row.unplaced_reason)
        for row in ps.JobCostTransaction.objects.exclude(unplaced_reason="")
    }
    assert unplaced == {
        (OTHER_JOB, "03:03-100", Decimal("33.00")): (
            None,
            f"QuickBooks' customer:job {OTHER_JOB} is linked to no project here.",
        ),
        ("", "03:03-200", Decimal("44.00")): (None, "It names the cost code item 03:03-200 but no customer:job."),
        (JOB, "Permits", Decimal("55.00")): (
            world.project.pk,
            "QuickBooks' item Permits is linked to no cost code here.",
        ),
        ("Other Owner:Depot", "03:03-100", Decimal("77.00")): (
            None,
            "Unknown customer:job Other Owner:Depot: QuickBooks' customers have not been read since it was added.",
        ),
    }
    kept = ps.JobCostTransaction.objects.filter(qb_txn_id=ids["unplaced"])
    assert kept.count() == 3, "an expense line with neither a job nor a cost code is overhead: not kept"
    # The report groups them by the reason's kind: each reason the import writes is one of them.
    groups = {group.reason.kind: group.lines for group in project_selectors.unplaced_groups(None) if group.reason}
    assert groups == {"unlinked_job": 1, "unknown_job": 1, "item_not_cost_code": 1, "no_job": 1}


def test_a_project_that_does_not_bring_its_job_costs_back_keeps_none_nor_those_before_its_date(world, client):
    ProjectAccountingSettings.objects.filter(project=world.project).update(job_costs_since=date(2024, 11, 1))
    early = world.company.add_job_cost_transaction(
        "Check", [SeedLine(900, item="03:03-100", customer=JOB)], payee="Acme Concrete", txn_date=date(2024, 10, 31)
    )
    on_time = world.company.add_job_cost_transaction(
        "Check", [SeedLine(700, item="03:03-100", customer=JOB)], payee="Acme Concrete", txn_date=date(2024, 11, 1)
    )
    annex = world.company.add_job_cost_transaction(
        "Check", [SeedLine(800, item="03:03-100", customer=ANNEX)], payee="Acme Concrete"
    )

    read_job_costs(world, client)

    assert not ps.JobCostTransaction.objects.filter(qb_txn_id__in=[early.txn_id, annex.txn_id]).exists()
    assert ps.JobCostTransaction.objects.get(qb_txn_id=on_time.txn_id).amount == Decimal("700.00")
    assert not ps.JobCostTransaction.objects.filter(project=world.annex).exists()


def check_mod(txn_id: str, edit_sequence: str, line_id: str, *, amount: str, item: str) -> str:
    """A CheckModRq changing one item line: what a QuickBooks user's edit of the check amounts to."""
    return (
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
        f'<CheckModRq requestID="1"><CheckMod><TxnID>{txn_id}</TxnID><EditSequence>{edit_sequence}</EditSequence>'
        f"<ItemLineMod><TxnLineID>{line_id}</TxnLineID><ItemRef><FullName>{item}</FullName></ItemRef>"
        f"<Amount>{amount}</Amount></ItemLineMod></CheckMod></CheckModRq></QBXMLMsgsRq></QBXML>"
    )


def test_an_edit_in_quickbooks_changes_the_rows_and_a_deletion_removes_them(world, client):
    ids = seed_every_kind(world.company)
    read_job_costs(world, client)
    before = ps.JobCostTransaction.objects.count()

    check = world.company.get_txn(ids["check"])
    item_line = next(line for line in check.lines if line.line_type == "Item")
    answer = world.company.process(
        check_mod(check.txn_id, check.edit_sequence, item_line.txn_line_id, amount="310.00", item="03:03-200")
    )
    assert 'statusCode="0"' in answer
    world.company.delete_transaction(ids["charge"])
    world.company.advance_clock(5)
    read_job_costs(world, client)

    rows = ps.JobCostTransaction.objects.filter(qb_txn_id=ids["check"], qb_txn_line_id=item_line.txn_line_id)
    assert [(row.cost_code.code, row.amount) for row in rows] == [("03-200", Decimal("310.00"))]
    assert not ps.JobCostTransaction.objects.filter(qb_txn_id=ids["charge"]).exists()
    assert ps.JobCostTransaction.objects.count() == before - 1
    in_quickbooks = simulator_total(world.company, [JOB, BUILDING], leave_out=[world.our_bill])
    assert project_total(world.project, from_synced_invoice=False) == in_quickbooks - Decimal("55.00")


def test_a_session_that_dies_halfway_resumes_with_nothing_doubled_or_lost(world, client, settings):
    settings.QBWC_SESSION_IDLE_SECONDS = 0
    connection = world_connection()
    connection.import_page_size = 2
    connection.save(update_fields=["import_page_size"])
    for n in range(9):
        world.company.add_job_cost_transaction(
            "Check",
            [SeedLine(100 + n, item="03:03-100", customer=JOB), SeedLine(n + 1, account="Job Expenses", customer=JOB)],
            payee="Acme Concrete",
        )
    imports.refresh(None, connection, JOB_COST_IMPORTS)
    session = ManualSession(connector_for(world.company, client=client))
    assert session.open() == ""
    for _ in range(4):  # the bills, then two pages of the checks: the Web Connector dies there
        session.receive(world.company.process(session.send()))
    world.company.end_session()
    halfway = ps.JobCostTransaction.objects.filter(txn_type="Check").count()
    assert 0 < halfway < 18

    sync_until_nothing_to_do(connector_for(world.company, client=client))

    checks = ps.JobCostTransaction.objects.filter(txn_type="Check")
    assert checks.count() == 18
    assert checks.values("qb_txn_id", "qb_txn_line_id").distinct().count() == 18
    assert project_total(world.project, txn_type="Check") == simulator_total(world.company, [JOB], kinds=["Check"])


def parsed_page(company: QuickBooksCompany, kind: str) -> list[dict[str, Any]]:
    message = build.build_message(
        [build.txn_import_query("q", kind, max_returned=1000, include_line_items=True)], version="13.0"
    )
    return [record for response in iter_responses(company.process(message)) for record in response.records]


def test_reading_a_page_costs_the_same_few_queries_whatever_its_size(world):
    for n in range(60):
        world.company.add_job_cost_transaction(
            "Check",
            [
                SeedLine(10 + n, item="03:03-100", customer=JOB, class_name="Labor"),
                SeedLine(5, item="03:03-200", customer=BUILDING),
                SeedLine(7, item="Permits", customer=OTHER_JOB),
            ],
            payee="Acme Concrete",
        )
    records = parsed_page(world.company, "Check")
    book = world_connection().book

    with CaptureQueriesContext(db_connection) as small:
        erp.read_job_costs(book, records[:5])
    with CaptureQueriesContext(db_connection) as large:
        erp.read_job_costs(book, records)
    with CaptureQueriesContext(db_connection) as again:
        erp.read_job_costs(book, records)

    assert len(small) == len(large) == len(again) <= 12
    assert ps.JobCostTransaction.objects.count() == 180
    # SQLite's prepared insert runs for every row in one statement (logged as "180 times: INSERT ...").
    writes = [query["sql"] for query in large.captured_queries if "INSERT" in query["sql"] or "DELETE" in query["sql"]]
    assert len(writes) == 2, writes


def test_another_company_files_transactions_are_not_ours(world):
    world.company.add_job_cost_transaction("Check", [SeedLine(10, item="03:03-100", customer=JOB)])

    erp.read_job_costs("another-book", parsed_page(world.company, "Check"))

    assert not ps.JobCostTransaction.objects.exists()


def test_a_sub_customer_not_read_yet_costs_the_nearest_linked_job_above_it_and_a_void_costs_nothing(world, client):
    world.company.add_customer("Level 9", BUILDING)  # after the customers were read: no sub job is linked to it
    deep = world.company.add_job_cost_transaction(
        "Check", [SeedLine(64, item="03:03-200", customer=f"{BUILDING}:Level 9")], payee="Acme Concrete"
    )
    voided = world.company.add_job_cost_transaction(
        "Check", [SeedLine(81, item="03:03-100", customer=JOB)], payee="Acme Concrete"
    )
    read_job_costs(world, client)
    assert ps.JobCostTransaction.objects.filter(qb_txn_id=voided.txn_id).exists()

    world.company.void_transaction(voided.txn_id)
    read_job_costs(world, client)

    row = ps.JobCostTransaction.objects.get(qb_txn_id=deep.txn_id)
    assert (row.project, row.sub_job, row.unplaced_reason) == (world.project, world.building, "")
    assert row.customer_full_name == f"{BUILDING}:Level 9", "QuickBooks' name is kept"
    assert not ps.JobCostTransaction.objects.filter(qb_txn_id=voided.txn_id).exists()
