"""Ready to Import: QuickBooks' vendors and jobs that nothing here is linked to, the suggestions beside them,
linking (with a pick per differing field), adding them to the directory or as projects, the bulk link of
exact matches, setting one aside, and the refusal at send of a company QuickBooks already has."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from access.tools import Level, Tool
from erp_integrations import selectors, services
from erp_integrations.errors import LinkRefused, SendRefused, StepNotAllowed
from erp_integrations.models import AccountingRecord, ErpState
from procore_sync import models as ps
from tests.erp_integrations.accounting import customer, vendor
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

VENDOR = AccountingRecord.ListType.VENDOR


@pytest.fixture
def standard(db):  # type: ignore[no-untyped-def]
    return grant(UserFactory(username="erp_standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)


# --- what waits, and the suggestions ----------------------------------------------------------------------------


def test_ready_to_import_lists_the_active_vendors_nothing_is_linked_to(book, erp_admin):
    waiting = vendor(book, "ABC Electric, Inc.")
    vendor(book, "Old Supplier", is_active=False)
    linked = vendor(book, "Linked Vendor")
    services.link_record(CompanyFactory(name="Linked Vendor"), erp_admin, linked)
    vendor("another-file", "Elsewhere Co")

    assert [record.full_name for record in selectors.ready_to_import("company")] == [waiting.full_name]
    assert selectors.ready_to_import_counts()["company"] == 1


def test_suggestions_say_why_each_company_may_be_the_vendor(book):
    record = vendor(
        book,
        "ABC Electric, Inc.",
        phone="(217) 555-0100",
        email="AP@abc-electric.example",
        tax_id="12-3456789",
    )
    by_name = CompanyFactory(name="ABC Electric LLC")
    by_phone = CompanyFactory(name="A.B.C. Power", phone="217.555.0100")
    by_email = CompanyFactory(name="Electric Partners", email="ap@abc-electric.example")
    by_tax_id = CompanyFactory(name="Holding Corp", tax_id="123456789")
    CompanyFactory(name="Unrelated Plumbing", phone="312-555-0199")

    suggestions = selectors.company_suggestions([record])[record.pk]

    reasons = {suggestion.company.pk: suggestion.reasons for suggestion in suggestions}
    assert reasons == {
        by_name.pk: ("the same name without Inc, LLC and punctuation",),
        by_phone.pk: ("the same phone",),
        by_email.pk: ("the same e-mail",),
        by_tax_id.pk: ("the same tax id",),
    }
    assert not any(suggestion.exact for suggestion in suggestions)


def test_a_company_matching_on_several_counts_comes_first_and_an_exact_name_is_exact(book, erp_admin):
    record = vendor(book, "Rivera Masonry", phone="555-201-0001")
    CompanyFactory(name="Masonry Rivera", phone="555-201-0001")
    best = CompanyFactory(name="rivera masonry", phone="555-201-0001")
    linked_already = CompanyFactory(name="Rivera Masonry Inc")
    services.link_record(linked_already, erp_admin, vendor(book, "Rivera Masonry Inc"))

    suggestions = selectors.company_suggestions([record])[record.pk]

    assert suggestions[0].company == best and suggestions[0].exact
    assert suggestions[0].reasons == ("the same name", "the same phone")
    assert linked_already not in [suggestion.company for suggestion in suggestions]


def test_suggestions_for_a_page_of_vendors_cost_two_queries(book, django_assert_max_num_queries):
    records = [vendor(book, f"Vendor {n} Inc", phone=f"555-300-{n:04d}") for n in range(60)]
    for n in range(60):
        CompanyFactory(name=f"Vendor {n} LLC")
    with django_assert_max_num_queries(2):
        found = selectors.company_suggestions(records)
    assert all(len(found[record.pk]) == 1 for record in records)


# --- linking a company ----------------------------------------------------------------------------------------------


def test_linking_takes_the_picked_fields_from_quickbooks_and_keeps_the_others(book, erp_admin):
    record = vendor(
        book,
        "ABC Electric",
        phone="217-555-0100",
        email="ap@abc.example",
        address={"addr1": "1 Volt Way", "city": "Springfield"},
    )
    company = CompanyFactory(
        name="ABC Electric",
        phone="217-555-9999",
        email="old@abc.example",
        address_line1="",
        city="Chicago",
        state="",
        postal_code="",
    )

    differences = {d.name: d for d in selectors.differences(company, record, services.COMPANY_COMPARED) if d.differs}
    assert set(differences) == {"phone", "email", "address_line1", "city"}
    assert (differences["city"].directory, differences["city"].quickbooks) == ("Chicago", "Springfield")

    item = services.link_company(erp_admin, company, record, take_from_quickbooks=["phone", "city"])

    company.refresh_from_db()
    assert (company.phone, company.city, company.email, company.address_line1) == (
        "217-555-0100",
        "Springfield",
        "old@abc.example",
        "",
    )
    assert (item.state, item.qb_ref, item.qb_edit_sequence) == (ErpState.SYNCED, record.external_id, "1700000007")
    event = item.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("link", "draft", "synced", erp_admin)
    assert event.payload["full_name"] == "ABC Electric"
    assert list(selectors.ready_to_import("company")) == []


def test_a_quickbooks_vendor_links_to_one_company_only(book, erp_admin):
    record = vendor(book, "ABC Electric")
    services.link_company(erp_admin, CompanyFactory(name="ABC Electric"), record)

    with pytest.raises(LinkRefused, match="no longer waiting in Ready to Import"):
        services.link_company(erp_admin, CompanyFactory(name="ABC Electric Two"), record)
    with pytest.raises(LinkRefused, match="already linked to ABC Electric"):
        services.link_record(CompanyFactory(name="ABC Electric Three"), erp_admin, record)


def test_a_vendor_of_another_company_file_is_refused(book, erp_admin):
    elsewhere = vendor("another-file", "ABC Electric")
    with pytest.raises(LinkRefused, match="not a QuickBooks vendor of the company file items go to"):
        services.link_record(CompanyFactory(name="ABC Electric"), erp_admin, elsewhere)


def test_a_pending_company_is_linked_instead_of_accepted_but_a_queued_one_is_not(book, erp_admin, pm, approver):
    pending = CompanyFactory(name="ABC Electric")
    services.item_send(pending, pm)
    item = services.link_company(erp_admin, pending, vendor(book, "ABC Electric Inc"))
    assert (item.state, item.events.last().from_state) == (ErpState.SYNCED, ErpState.PENDING)

    queued = CompanyFactory(name="Delta Drywall")
    services.item_send(queued, pm)
    services.item_accept(queued, approver)
    with pytest.raises(StepNotAllowed, match="cannot be linked: it is queued for QuickBooks"):
        services.link_company(erp_admin, queued, vendor(book, "Delta Drywall Inc"))


def test_only_erp_admins_link_companies(book, standard):
    with pytest.raises(PermissionDenied, match="Admin on ERP Integrations"):
        services.link_company(standard, CompanyFactory(name="ABC Electric"), vendor(book, "ABC Electric"))


def test_a_linked_company_is_resent_as_a_change_of_the_quickbooks_vendor(book, erp_admin, pm, approver):
    record = vendor(book, "ABC Electric")
    company = CompanyFactory(name="ABC Electric", phone="217-555-0100")
    services.link_company(erp_admin, company, record)

    item = services.item_resend(company, pm)

    assert item.state == ErpState.PENDING
    assert item.qb_ref == record.external_id  # the queue's Ready to Update: a Mod, not an Add
    assert selectors.erp_queue(tab="ready_to_update").get() == item


# --- adding to the directory ------------------------------------------------------------------------------------


def test_a_quickbooks_vendor_is_added_to_the_directory_linked(book, standard):
    record = vendor(
        book,
        "Delta Drywall",
        phone="555-0101",
        email="office@delta.example",
        tax_id="98-7654321",
        contact="Dana Delta",
        address={"addr1": "9 Board St", "city": "Peoria", "state": "IL", "postal_code": "61602"},
    )

    company = services.add_company_from_accounting(standard, record)

    assert (company.name, company.phone, company.email, company.tax_id, company.contact_name) == (
        "Delta Drywall",
        "555-0101",
        "office@delta.example",
        "98-7654321",
        "Dana Delta",
    )
    assert (company.address_line1, company.city, company.state, company.postal_code) == (
        "9 Board St",
        "Peoria",
        "IL",
        "61602",
    )
    item = services.item_for(company)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, record.external_id)
    assert item.events.get().actor == standard


def test_adding_a_vendor_the_directory_has_by_name_is_refused(book, standard):
    CompanyFactory(name="delta drywall")
    with pytest.raises(LinkRefused, match="link the QuickBooks vendor to it"):
        services.add_company_from_accounting(standard, vendor(book, "Delta Drywall"))
    assert ps.Company.objects.count() == 1


def test_read_only_cannot_add_a_vendor(book):
    reader = grant(UserFactory(), Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    with pytest.raises(PermissionDenied):
        services.add_company_from_accounting(reader, vendor(book, "Delta Drywall"))


# --- the bulk link --------------------------------------------------------------------------------------------------


def test_link_all_exact_matches_links_only_unambiguous_same_names(book, erp_admin):
    exact = [vendor(book, f"Exact {n}", phone="555-0000") for n in range(3)]
    companies = [CompanyFactory(name=f"exact {n}", phone="555-9999") for n in range(3)]
    vendor(book, "Near Match Inc")
    CompanyFactory(name="Near Match LLC")

    assert services.link_exact_companies(erp_admin) == 3

    for record, company in zip(exact, companies, strict=True):
        item = services.item_for(company)
        assert (item.state, item.qb_ref) == (ErpState.SYNCED, record.external_id)
        company.refresh_from_db()
        assert company.phone == "555-9999"  # never overwritten silently
    assert [record.full_name for record in selectors.ready_to_import("company")] == ["Near Match Inc"]
    assert services.link_exact_companies(erp_admin) == 0


# --- setting aside, archiving -------------------------------------------------------------------------------------


def test_a_vendor_set_aside_leaves_ready_to_import_until_brought_back(book, standard):
    record = vendor(book, "Power Utility")

    services.set_aside(standard, record, archived=True)
    assert list(selectors.ready_to_import("company")) == []
    assert [r.archived_by for r in selectors.ready_to_import("company", archived=True)] == [standard]

    services.set_aside(standard, record, archived=False)
    assert list(selectors.ready_to_import("company")) == [record]


def test_a_vendor_made_inactive_archives_its_linked_company_and_back(book, erp_admin):
    record = vendor(book, "ABC Electric")
    company = CompanyFactory(name="ABC Electric")
    services.link_company(erp_admin, company, record)

    AccountingRecord.objects.filter(pk=record.pk).update(is_active=False)
    services.accounting_records_read(book, VENDOR, [record.external_id])
    assert list(selectors.archived_companies()) == [company]

    AccountingRecord.objects.filter(pk=record.pk).update(is_active=True)
    services.accounting_records_read(book, VENDOR, [record.external_id])
    assert list(selectors.archived_companies()) == []


# --- the refusal at send ------------------------------------------------------------------------------------------


def test_a_company_quickbooks_has_unlinked_is_refused_at_send(book, pm, erp_admin):
    record = vendor(book, "ABC Electric")
    company = CompanyFactory(name="abc electric")

    with pytest.raises(SendRefused) as refused:
        services.item_send(company, pm)
    (problem,) = refused.value.details["problems"]
    assert "QuickBooks already has a vendor named ABC Electric" in problem["message"]
    assert "link abc electric to it from Ready to Import" in problem["message"]

    services.link_company(erp_admin, company, record)
    assert services.item_resend(company, pm).state == ErpState.PENDING


def test_a_company_whose_namesake_is_linked_elsewhere_is_sent(book, pm, erp_admin):
    record = vendor(book, "ABC Electric")
    services.link_record(CompanyFactory(name="ABC Electric Inc"), erp_admin, record)
    assert services.item_send(CompanyFactory(name="ABC Electric"), pm).state == ErpState.PENDING


# --- jobs and projects --------------------------------------------------------------------------------------------


def test_ready_to_import_for_projects_lists_jobs_not_customers_nor_sub_jobs(book):
    customer(book, "Harbor Health")
    job = customer(book, "Harbor Health:1042 Main Street Clinic")
    customer(book, "Harbor Health:1042 Main Street Clinic:Building A")
    assert list(selectors.ready_to_import("project")) == [job]


def test_a_job_is_added_as_a_project_with_its_customer_as_owner(book, erp_admin):
    job = customer(
        book,
        "Harbor Health:1042 Main Street Clinic",
        address={"addr1": "12 Main St", "city": "Springfield", "state": "IL"},
    )

    project = services.add_project_from_accounting(erp_admin, job)

    assert (project.number, project.name, project.address_line1, project.city) == (
        "1042",
        "Main Street Clinic",
        "12 Main St",
        "Springfield",
    )
    assert project.owner is not None
    assert (project.owner.name, project.owner.vendor_type) == ("Harbor Health", ps.Company.VendorType.OWNER)
    item = services.item_for(project)
    assert (item.state, item.qb_ref, item.accept_options) == (
        ErpState.SYNCED,
        job.external_id,
        {"parent_customer": "Harbor Health"},
    )


def test_a_job_goes_under_the_owner_the_directory_has(book, erp_admin):
    owner = CompanyFactory(name="harbor health", vendor_type=ps.Company.VendorType.OWNER)
    project = services.add_project_from_accounting(erp_admin, customer(book, "Harbor Health:Warehouse Fitout"))
    assert project.owner == owner
    assert (project.number, project.name) == ("Warehouse Fitout", "Warehouse Fitout")


def test_a_job_whose_number_exists_is_linked_not_added(book, erp_admin, standard):
    existing = ProjectFactory(number="1042", name="Clinic")
    job = customer(book, "Harbor Health:1042 Main Street Clinic", address={"city": "Springfield"})
    with pytest.raises(LinkRefused, match="Project 1042 exists"):
        services.add_project_from_accounting(erp_admin, job)
    with pytest.raises(PermissionDenied):
        services.link_project(standard, existing, job)

    item = services.link_project(erp_admin, existing, job, take_from_quickbooks=["city", "name"])

    existing.refresh_from_db()
    assert (existing.city, existing.name) == ("Springfield", "Clinic")  # only address fields are taken
    assert (item.state, item.accept_options) == (ErpState.SYNCED, {"parent_customer": "Harbor Health"})
