"""Starting from a company file that has years of vendors and jobs, through the SOAP endpoint and the
simulator: read the lists, link, send. A linked company goes out as a change of QuickBooks' vendor (one
vendor afterwards, not two), a job added as a project changes its job, and a company QuickBooks has under
the same name, unlinked, is refused at send."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_integrations import selectors
from erp_integrations import services as erp
from erp_integrations.errors import SendRefused
from erp_integrations.models import AccountingRecord, ErpState
from procore_sync import models as ps
from qbxml import imports
from qbxml.simulator import QuickBooksCompany
from tests.factories import CommitmentFactory, CommitmentLineFactory, CompanyFactory, ProjectFactory
from tests.qbxml.helpers import connector_for, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db


@pytest.fixture
def company() -> QuickBooksCompany:
    company = QuickBooksCompany("Existing Construction Co")
    company.add_vendor("ABC Electric", Phone="217-555-0100", Email="ap@abc.example")
    company.add_vendor("Delta Drywall", Phone="555-0101")
    company.add_customer("Harbor Health")
    company.add_customer("1042 Main Street Clinic", "Harbor Health")
    return company


def read_lists(company: QuickBooksCompany, connection, client, names=("vendors", "customers")) -> None:  # type: ignore[no-untyped-def]
    imports.refresh(None, connection, names)
    sync_until_nothing_to_do(connector_for(company, client=client))


def vendor_record(name: str) -> AccountingRecord:
    return AccountingRecord.objects.get(list_type="vendor", full_name=name)


def test_a_linked_company_goes_out_as_a_change_of_quickbooks_vendor(
    company, connection, client, pm, approver, erp_admin
):
    read_lists(company, connection, client)
    directory = CompanyFactory(name="ABC Electric", phone="217-555-0100", email="billing@abc.example")

    erp.link_company(erp_admin, directory, vendor_record("ABC Electric"))
    erp.item_resend(directory, pm)
    erp.item_accept(directory, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))

    vendors = [view for view in company.vendors() if view.name.lower() == "abc electric"]
    assert len(vendors) == 1, "changed, not added beside it"
    assert vendors[0].fields["Email"] == "billing@abc.example"
    item = erp.item_for(directory)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, vendors[0].list_id)
    assert item.qb_edit_sequence == vendors[0].edit_sequence


def test_a_same_name_company_unlinked_is_refused_at_send(company, connection, client, pm):
    read_lists(company, connection, client)
    directory = CompanyFactory(name="abc electric")

    with pytest.raises(SendRefused) as refused:
        erp.item_send(directory, pm)

    assert "link abc electric to it from Ready to Import" in refused.value.details["problems"][0]["message"]
    assert len(company.vendors()) == 2


def test_a_vendor_added_to_the_directory_and_a_job_added_as_a_project_change_their_records(
    company, connection, client, pm, approver, erp_admin
):
    read_lists(company, connection, client)
    assert [r.full_name for r in selectors.ready_to_import("company")] == ["ABC Electric", "Delta Drywall"]
    assert [r.full_name for r in selectors.ready_to_import("project")] == ["Harbor Health:1042 Main Street Clinic"]

    added = erp.add_company_from_accounting(erp_admin, vendor_record("Delta Drywall"))
    job = selectors.ready_to_import("project").get()
    project = erp.add_project_from_accounting(erp_admin, job)
    assert list(selectors.ready_to_import("project")) == []

    added.phone = "555-0199"
    added.save()
    project.city = "Springfield"
    project.save()
    for record in (added, project):
        erp.item_resend(record, pm)
        erp.item_accept(record, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))

    assert [view.fields.get("Phone") for view in company.vendors() if view.name == "Delta Drywall"] == ["555-0199"]
    jobs = [view for view in company.customers() if view.parent_full_name == "Harbor Health"]
    assert [job.name for job in jobs] == ["1042 Main Street Clinic"]
    assert jobs[0].fields["BillAddress"]["City"] == "Springfield"


def test_a_vendor_made_inactive_in_quickbooks_archives_its_company(company, connection, client, erp_admin):
    read_lists(company, connection, client, names=("vendors",))
    directory = CompanyFactory(name="ABC Electric")
    erp.link_company(erp_admin, directory, vendor_record("ABC Electric"))

    company.edit_list("Vendor", "ABC Electric", is_active=False)
    read_lists(company, connection, client, names=("vendors",))
    directory.refresh_from_db()
    assert directory.is_archived

    company.edit_list("Vendor", "ABC Electric", is_active=True)
    read_lists(company, connection, client, names=("vendors",))
    directory.refresh_from_db()
    assert not directory.is_archived


def test_transactions_name_linked_records_as_quickbooks_holds_them_until_they_are_resent(
    company, connection, client, pm, approver, erp_admin
):
    """A company, a project and a cost code linked with names of their own: a purchase order goes out under
    QuickBooks' names (vendor, customer:job, division:code), not ours, which QuickBooks does not know yet."""
    company.add_item_service("03", description="Concrete")
    company.add_item_service("03-100", "03", description="Foundations")
    company.add_class("Subcontract")
    read_lists(company, connection, client, names=("vendors", "customers", "items", "classes"))
    vendor = CompanyFactory(name="ABC Electric LLC")
    erp.link_company(erp_admin, vendor, vendor_record("ABC Electric"))
    project = ProjectFactory(number="1042", name="Clinic", owner=None)
    erp.link_project(erp_admin, project, selectors.ready_to_import("project").get())
    erp.refresh_cost_codes(erp_admin)
    cost_code = ps.CostCode.objects.get(code="03-100")
    commitment = CommitmentFactory(project=project, vendor=vendor, number="SC-7")
    CommitmentLineFactory(commitment=commitment, cost_code=cost_code, amount=Decimal("1200.00"))

    queue_for_quickbooks([commitment], pm, approver)
    sync_until_nothing_to_do(connector_for(company, client=client))

    assert erp.item_for(commitment).state == ErpState.SYNCED, erp.item_for(commitment).erp_error
    (order,) = company.purchase_orders()
    assert order.entity == "ABC Electric"
    assert [(line.item, line.customer) for line in order.lines] == [
        ("03:03-100", "Harbor Health:1042 Main Street Clinic")
    ]
    assert len(company.vendors()) == 2 and len(company.customers()) == 2
