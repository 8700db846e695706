"""Sub jobs through the SOAP endpoint and the simulated QuickBooks: a sub job lands as a sub-customer of its
project's job ("Owner:Job:Building A", nested ones under it), the lines that name it charge it (purchase order,
change order and bill lines, the bill's retainage), a budget's lines keep it apart on the job's estimate; and a
project linked to a QuickBooks job gets that job's sub-customers as its sub jobs, linked, once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from erp_integrations import selectors
from erp_integrations import services as erp
from erp_integrations.errors import DependencyNotReady
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from procore_sync import models as ps
from qbxml import imports
from qbxml.simulator import QuickBooksCompany
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    ProjectFactory,
    SubJobFactory,
    commitment_with_lines,
    invoice_for,
)
from tests.qbxml.helpers import (
    connector_for,
    item_of,
    queue_for_quickbooks,
    schema_dir_or_skip,
    sync_until_nothing_to_do,
)

pytestmark = pytest.mark.django_db


def job_of(project: ps.Project) -> str:
    return f"{project.owner.name}:{project.number} {project.name}"


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    """A project with a sub job and one under it, and a commitment whose first line names the first."""
    project = ProjectFactory(owner=CompanyFactory(name="Harbor Health", vendor_type="owner"), name="Tower")
    building = SubJobFactory(project=project, name="Building A", city="Springfield")
    level = SubJobFactory(project=project, parent=building, name="Level 2", description="Fit-out of level 2")
    commitment = commitment_with_lines(2, project=project, vendor=CompanyFactory(name="Acme Concrete"))
    ps.CommitmentLine.objects.filter(commitment=commitment, line_number=1).update(sub_job=building)
    return {"project": project, "building": building, "level": level, "commitment": commitment}


def codes_of(*records: Any) -> list[ps.CostCode]:
    found: dict[int, ps.CostCode] = {}
    for record in records:
        for line in record.lines.select_related("cost_code"):
            code = line.cost_code if not isinstance(line, ps.SubcontractorInvoiceLine) else None
            if code is not None:
                found[code.pk] = code
    return list(found.values())


def test_a_sub_job_lands_under_its_job_and_a_commitment_line_naming_it_charges_it(
    site, connection, pm, approver, client
):
    company = QuickBooksCompany("Harbor Builders")
    project, building, level, commitment = site["project"], site["building"], site["level"], site["commitment"]
    queue_for_quickbooks([*codes_of(commitment), commitment.vendor, project, building, level, commitment], pm, approver)

    sync_until_nothing_to_do(connector_for(company, client=client))

    job = job_of(project)
    sub_job = company.find_list("Customer", f"{job}:Building A")
    nested = company.find_list("Customer", f"{job}:Building A:Level 2")
    assert sub_job is not None and nested is not None
    assert (sub_job.parent_full_name, sub_job.sublevel) == (job, 2)
    assert (nested.parent_full_name, nested.sublevel) == (f"{job}:Building A", 3)
    assert sub_job.fields["BillAddress"]["City"] == "Springfield"
    assert nested.fields["JobDesc"] == "Fit-out of level 2"
    for record, view in ((building, sub_job), (level, nested)):
        item = item_of(record)
        assert (item.state, item.qb_ref, item.qb_edit_sequence) == (ErpState.SYNCED, view.list_id, view.edit_sequence)
    (order,) = company.purchase_orders()
    assert [line.customer for line in order.lines] == [f"{job}:Building A", job]
    assert company.add_count("Customer", f"{job}:Building A") == 1


def test_change_order_and_invoice_lines_charge_their_sub_jobs(site, connection, pm, approver, client):
    company = QuickBooksCompany("Harbor Builders")
    project, building, level, commitment = site["project"], site["building"], site["level"], site["commitment"]
    first_line = commitment.lines.get(line_number=1)
    change_order = ChangeOrderFactory(commitment=commitment)
    ChangeOrderLineFactory(change_order=change_order, commitment_line=first_line, cost_code=None, cost_type=None)
    new_line = ChangeOrderLineFactory(change_order=change_order, sub_job=level, amount=Decimal("1500.00"))
    invoice = invoice_for(commitment, number="INV-7")
    ps.SubcontractorInvoiceLine.objects.create(
        invoice=invoice,
        commitment_line=commitment.lines.get(line_number=2),
        work_completed_this_period=Decimal("4000.00"),
        retainage_held=Decimal("400.00"),
    )
    records = [*codes_of(commitment, change_order), commitment.vendor, project, building, level, commitment]
    queue_for_quickbooks([*records, change_order, invoice], pm, approver)

    sync_until_nothing_to_do(connector_for(company, client=client))

    job = job_of(project)
    assert not ErpItem.objects.exclude(state=ErpState.SYNCED).exists()
    (order,) = company.purchase_orders()
    change_lines = [line for line in order.lines if line.description.startswith(f"CCO {change_order.number}:")]
    assert sorted((line.customer, line.amount) for line in change_lines) == [
        (f"{job}:Building A", Decimal("2500.00")),  # the changed line keeps its sub job
        (f"{job}:Building A:Level 2", new_line.amount),
    ]
    (bill,) = company.bills()
    charged = {(line.customer, line.amount) for line in bill.lines}
    assert charged == {
        (f"{job}:Building A", Decimal("10000.00")),
        (job, Decimal("4000.00")),
        # Retainage is held on each customer:job the bill charges.
        (f"{job}:Building A", Decimal("-1000.00")),
        (job, Decimal("-400.00")),
    }
    assert bill.total == Decimal("12600.00")


def test_a_budgets_lines_of_a_sub_job_stay_apart_on_the_jobs_estimate(site, connection, pm, approver, client):
    company = QuickBooksCompany("Harbor Builders")
    project, building = site["project"], site["building"]
    budget = BudgetFactory(project=project)
    job_line = BudgetLineItemFactory(budget=budget, description="Foundations")
    BudgetLineItemFactory(
        budget=budget,
        cost_code=job_line.cost_code,
        cost_type=job_line.cost_type,
        sub_job=building,
        description="Foundations",
        original_amount=Decimal("2500.00"),
    )
    queue_for_quickbooks([job_line.cost_code, project, building, budget], pm, approver)

    sync_until_nothing_to_do(connector_for(company, client=client))

    (estimate,) = company.estimates()
    assert estimate.entity == job_of(project)
    assert sorted((line.description, line.amount) for line in estimate.lines) == [
        ("Building A - Foundations", Decimal("2500.00")),
        ("Foundations", Decimal("10000.00")),
    ]


def test_accepting_a_commitment_waits_for_the_sub_jobs_its_lines_name(site, pm, approver):
    commitment, building = site["commitment"], site["building"]
    queue_for_quickbooks([*codes_of(commitment), commitment.vendor, commitment.project], pm, approver)
    erp.item_send(commitment, pm)

    with pytest.raises(DependencyNotReady) as refused:
        erp.item_accept(commitment, approver)

    assert "sub job" in refused.value.message and "Building A" in refused.value.message
    queue_for_quickbooks([building], pm, approver)
    erp.item_accept(commitment, approver)
    assert item_of(building).pk in item_of(commitment).depends_on


def test_a_renamed_sub_job_goes_out_as_a_change_of_its_quickbooks_record(site, connection, pm, approver, client):
    company = QuickBooksCompany("Harbor Builders")
    project, building = site["project"], site["building"]
    queue_for_quickbooks([project, building], pm, approver)
    connector = connector_for(company, client=client)
    sync_until_nothing_to_do(connector)

    building.name = "Building North"
    building.save()
    erp.item_resend(building, pm)
    erp.item_accept(building, approver)
    sync_until_nothing_to_do(connector)

    job = job_of(project)
    assert company.find_list("Customer", f"{job}:Building A") is None
    renamed = company.find_list("Customer", f"{job}:Building North")
    assert renamed is not None and renamed.list_id == item_of(building).qb_ref
    assert company.request_count("CustomerMod") == 1


def test_a_sub_job_quickbooks_already_has_under_the_job_is_linked_not_added_twice(
    site, connection, pm, approver, client
):
    company = QuickBooksCompany("Harbor Builders")
    project, building = site["project"], site["building"]
    queue_for_quickbooks([project], pm, approver)
    connector = connector_for(company, client=client)
    sync_until_nothing_to_do(connector)
    existing = company.add_customer("Building A", job_of(project))

    queue_for_quickbooks([building], pm, approver)
    sync_until_nothing_to_do(connector)

    item = item_of(building)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, existing.list_id)
    assert "Linked to the existing QuickBooks record" in item.events.order_by("-id").first().reason


def test_every_sub_job_request_is_valid_against_the_schema(site, connection, pm, approver, client):
    company = QuickBooksCompany("Harbor Builders", schema_dir=schema_dir_or_skip())
    project, building, level, commitment = site["project"], site["building"], site["level"], site["commitment"]
    invoice = invoice_for(commitment, number="INV-8")
    queue_for_quickbooks(
        [*codes_of(commitment), commitment.vendor, project, building, level, commitment, invoice], pm, approver
    )

    sync_until_nothing_to_do(connector_for(company, client=client))

    assert not ErpItem.objects.exclude(state=ErpState.SYNCED).exists()
    building.city = "Shelbyville"
    building.save()
    erp.item_resend(building, pm)
    erp.item_accept(building, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))
    assert item_of(building).state == ErpState.SYNCED


# --- a linked project gets its job's sub jobs ----------------------------------------------------------


@pytest.fixture
def existing() -> QuickBooksCompany:
    """A company file whose job has sub-customers three levels deep, one more under them, and another job's."""
    company = QuickBooksCompany("Existing Construction Co")
    company.add_customer("Harbor Health")
    job = "Harbor Health:1042 Main Street Clinic"
    company.add_customer("1042 Main Street Clinic", "Harbor Health")
    company.add_customer("Building A", job, JobDesc="The clinic wing", BillAddress={"City": "Springfield"})
    company.add_customer("Level 2", f"{job}:Building A")
    company.add_customer("Suite 210", f"{job}:Building A:Level 2")
    company.add_customer("Room 4", f"{job}:Building A:Level 2:Suite 210")
    company.add_customer("Parking", job, is_active=False)
    company.add_customer("2001 Other Job", "Harbor Health")
    company.add_customer("Building A", "Harbor Health:2001 Other Job")
    return company


def read_customers(company: QuickBooksCompany, connection: Any, client: Any) -> None:
    imports.refresh(None, connection, ["customers"])
    sync_until_nothing_to_do(connector_for(company, client=client))


def tree(project: ps.Project) -> list[tuple[str, bool]]:
    return sorted((sub_job.path, sub_job.is_active) for sub_job in project.sub_jobs.all())


def test_a_project_added_from_a_job_gets_its_sub_jobs_linked_and_a_second_import_adds_none(
    existing, connection, client, erp_admin
):
    read_customers(existing, connection, client)
    project = erp.add_project_from_accounting(
        erp_admin, selectors.ready_to_import("project").get(full_name__contains="1042")
    )

    assert tree(project) == [
        ("Building A", True),
        ("Building A:Level 2", True),
        ("Building A:Level 2:Suite 210", True),
        ("Parking", False),
    ]
    building = project.sub_jobs.get(name="Building A")
    assert (building.description, building.city) == ("The clinic wing", "Springfield")
    for sub_job in project.sub_jobs.all():
        record = AccountingRecord.objects.get(
            list_type="customer", full_name=f"Harbor Health:1042 Main Street Clinic:{sub_job.path}"
        )
        item = item_of(sub_job)
        assert (item.state, item.qb_ref, item.qb_edit_sequence) == (
            ErpState.SYNCED,
            record.external_id,
            record.edit_sequence,
        )
    # Room 4 is four levels under the job: it stays in QuickBooks, said, not made.
    assert not ps.SubJob.objects.filter(name="Room 4").exists()
    assert ps.SubJob.objects.count() == 4, "the other job's Building A is not this project's"

    again = erp.import_sub_jobs(erp_admin, project)
    existing.touch("Harbor Health:1042 Main Street Clinic:Building A")
    read_customers(existing, connection, client)

    assert (again.created, again.linked) == ([], [])
    assert any("Room 4" in message and "3 levels deep" in message for message in again.left_out)
    assert ps.SubJob.objects.count() == 4


def test_a_sub_job_added_in_quickbooks_under_a_linked_job_comes_with_the_next_customers_import(
    existing, connection, client, erp_admin
):
    read_customers(existing, connection, client)
    project = ProjectFactory(number="1042", name="Main Street Clinic", owner=None)
    by_hand = SubJobFactory(project=project, name="building a")  # made here, not linked yet
    erp.link_project(erp_admin, project, selectors.ready_to_import("project").get(full_name__contains="1042"))
    assert item_of(by_hand).qb_ref == AccountingRecord.objects.get(full_name__endswith="Clinic:Building A").external_id
    assert ps.SubJob.objects.filter(project=project).count() == 4, "linked, not doubled"

    existing.add_customer("Building B", "Harbor Health:1042 Main Street Clinic")
    read_customers(existing, connection, client)

    added = project.sub_jobs.get(name="Building B")
    assert item_of(added).state == ErpState.SYNCED
    assert ps.SubJob.objects.filter(project=project).count() == 5
    read_customers(existing, connection, client)
    assert ps.SubJob.objects.filter(project=project).count() == 5


def test_a_customers_page_costs_four_queries_when_no_linked_project_is_concerned(
    existing, connection, client, django_assert_max_num_queries
):
    read_customers(existing, connection, client)
    book = connection.book
    ids = list(AccountingRecord.objects.filter(list_type="customer").values_list("external_id", flat=True))

    # The current company file, the page's sub-customers, linked jobs; the linked records that follow QuickBooks'
    # active flag.
    with django_assert_max_num_queries(4):
        erp.accounting_records_read(book, "customer", ids)


def test_a_same_name_sub_job_pending_acceptance_is_linked_and_one_queued_is_left_to_its_export(
    existing, connection, client, erp_admin, pm, approver
):
    read_customers(existing, connection, client)
    project = ProjectFactory(number="1042", name="Main Street Clinic", owner=CompanyFactory(name="Harbor Health"))
    pending = SubJobFactory(project=project, name="Building A")
    queued = SubJobFactory(project=project, name="Parking")
    erp.item_send(project, pm)
    erp.item_accept(project, approver)
    erp.item_send(pending, pm)
    queue_for_quickbooks([queued], pm, approver)
    job = AccountingRecord.objects.get(list_type="customer", full_name="Harbor Health:1042 Main Street Clinic")
    erp.item_synced(item_of(project).pk, qb_ref=job.external_id, edit_sequence=job.edit_sequence)

    imported = erp.import_sub_jobs(erp_admin, project)

    assert [sub_job.pk for sub_job in imported.linked] == [pending.pk]
    assert item_of(pending).state == ErpState.SYNCED
    assert item_of(queued).state == ErpState.QUEUED
    assert any(message.endswith("with the name in use.") and "Parking" in message for message in imported.left_out)
    assert project.sub_jobs.filter(name__iexact="parking").count() == 1


def test_a_sub_customer_made_inactive_in_quickbooks_makes_its_sub_job_inactive_and_back(
    existing, connection, client, erp_admin
):
    read_customers(existing, connection, client)
    project = erp.add_project_from_accounting(
        erp_admin, selectors.ready_to_import("project").get(full_name__contains="1042")
    )
    building = "Harbor Health:1042 Main Street Clinic:Building A"

    existing.edit_list("Customer", building, is_active=False)
    read_customers(existing, connection, client)
    assert project.sub_jobs.get(name="Building A").is_active is False

    existing.edit_list("Customer", building, is_active=True)
    read_customers(existing, connection, client)
    assert project.sub_jobs.get(name="Building A").is_active is True
