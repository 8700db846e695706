"""Ready to Import's pages through the Django client: the lists with their suggestions and CSV, the side-by-side
page and its picks, add, link all exact matches, set aside and bring back, the archived list, the jobs, and
what each level of ERP Integrations may do there."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.test import Client
from django.urls import reverse

from access.tools import Level, Tool
from erp_integrations import services
from erp_integrations.models import AccountingRecord, ErpState
from procore_sync import models as ps
from tests.erp_integrations.accounting import customer, vendor
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def reader(db):  # type: ignore[no-untyped-def]
    return grant(UserFactory(username="erp_reader"), Tool.ERP_INTEGRATIONS, Level.READ_ONLY)


@pytest.fixture
def standard(db):  # type: ignore[no-untyped-def]
    return grant(UserFactory(username="erp_standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)


def test_the_companies_list_shows_each_vendor_with_its_suggestions(book, erp_admin):
    vendor(book, "ABC Electric, Inc.", phone="217-555-0100")
    CompanyFactory(name="ABC Electric LLC")
    CompanyFactory(name="Sparks & Co", phone="(217) 555 0100")

    body = text(client_for(erp_admin).get(reverse("erp:import-companies")))

    assert "ABC Electric, Inc." in body
    assert "ABC Electric LLC" in body and "the same name without Inc, LLC and punctuation" in body
    assert "Sparks & Co" in body
    assert "the same phone" in body
    assert "Add to directory" in body and "Link…" in body


def test_the_queue_tab_counts_and_points_to_the_lists(book, erp_admin):
    vendor(book, "ABC Electric")
    customer(book, "Harbor Health:1042 Clinic")
    body = text(client_for(erp_admin).get(reverse("erp:queue") + "?tab=ready_to_import"))
    assert reverse("erp:import-companies") in body and reverse("erp:import-projects") in body
    assert 'Ready to Import <span class="count">2</span>' in body


def test_the_companies_list_downloads_as_csv(book, erp_admin):
    vendor(book, "ABC Electric", phone="555-0100", email="ap@abc.example")
    CompanyFactory(name="ABC Electric")

    response = client_for(erp_admin).get(reverse("erp:import-companies") + "?format=csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:5] == ["QuickBooks vendor", "Phone", "E-mail", "Address", "Suggested company"]
    assert rows[1][:5] == ["ABC Electric", "555-0100", "ap@abc.example", "", "ABC Electric"]
    assert rows[1][5] == "the same name"


def test_the_link_page_shows_differences_and_links_with_the_picks(book, erp_admin):
    record = vendor(book, "ABC Electric", phone="217-555-0100", email="ap@abc.example")
    company = CompanyFactory(name="ABC Electric", phone="217-555-9999", email="old@abc.example")
    page = client_for(erp_admin)

    body = text(page.get(reverse("erp:import-company", args=[record.pk])))
    assert 'name="pick_phone" value="quickbooks"' in body and "217-555-9999" in body and "217-555-0100" in body
    assert 'name="pick_name"' not in body  # the same on both sides: nothing to pick

    response = page.post(
        reverse("erp:import-company", args=[record.pk]),
        {"company": company.pk, "pick_phone": "quickbooks", "pick_email": "directory"},
        follow=True,
    )

    assert "ABC Electric is linked to QuickBooks' ABC Electric" in text(response)
    company.refresh_from_db()
    assert (company.phone, company.email) == ("217-555-0100", "old@abc.example")
    assert services.item_for(company).state == ErpState.SYNCED


def test_adding_and_setting_aside_from_the_list(book, standard):
    added = vendor(book, "Delta Drywall", phone="555-0101")
    utility = vendor(book, "Power Utility")
    page = client_for(standard)
    act = reverse("erp:import-companies-act")

    response = page.post(act, {"action": "add", "record": added.pk}, follow=True)
    assert "Delta Drywall is added to the directory" in text(response)
    assert ps.Company.objects.get(name="Delta Drywall").phone == "555-0101"

    response = page.post(act, {"action": "set_aside", "record": utility.pk}, follow=True)
    assert "Power Utility is set aside" in text(response)
    body = text(page.get(reverse("erp:import-companies")))
    assert "Power Utility" not in body and "Delta Drywall" not in body

    archived = text(page.get(reverse("erp:archived-companies")))
    assert "Power Utility" in archived and "by erp_standard" in archived
    page.post(act, {"action": "bring_back", "record": utility.pk})
    assert "Power Utility" in text(page.get(reverse("erp:import-companies")))


def test_link_all_exact_matches_from_the_page(book, erp_admin):
    for n in range(3):
        vendor(book, f"Exact {n}")
        CompanyFactory(name=f"Exact {n}")
    page = client_for(erp_admin)
    assert "Link all exact matches" in text(page.get(reverse("erp:import-companies")))

    response = page.post(reverse("erp:import-companies-act"), {"action": "link_exact"}, follow=True)

    assert "Linked 3 QuickBooks vendors" in text(response)
    assert AccountingRecord.objects.count() == 3


def test_what_each_level_may_do(book, reader, standard):
    record = vendor(book, "ABC Electric")
    company = CompanyFactory(name="ABC Electric")

    read_only = text(client_for(reader).get(reverse("erp:import-companies")))
    assert "ABC Electric" in read_only
    assert "Add to directory" not in read_only and "Set aside" not in read_only and "Link…" not in read_only
    assert client_for(reader).get(reverse("erp:archived-companies")).status_code == 403
    assert (
        client_for(reader).post(reverse("erp:import-companies-act"), {"action": "add", "record": record.pk}).status_code
        == 302
    )
    assert not ps.Company.objects.filter(name="ABC Electric").exclude(pk=company.pk).exists()

    page = client_for(standard)
    body = text(page.get(reverse("erp:import-companies")))
    assert "Add to directory" in body and "Link…" not in body
    response = page.post(reverse("erp:import-company", args=[record.pk]), {"company": company.pk}, follow=True)
    assert "Admin on ERP Integrations" in text(response)
    assert services.item_for(company).state == ErpState.DRAFT


def test_the_archived_list_restores_a_company(book, standard):
    company = CompanyFactory(name="Gone Inactive", is_archived=True)
    page = client_for(standard)
    assert "Gone Inactive" in text(page.get(reverse("erp:archived-companies")))
    rows = list(
        csv.reader(io.StringIO(page.get(reverse("erp:archived-companies") + "?format=csv").getvalue().decode()))
    )
    assert rows[1][:2] == ["Gone Inactive", "Directory"]

    response = page.post(reverse("erp:archived-companies"), {"company": company.pk}, follow=True)

    assert "Gone Inactive is restored" in text(response)
    company.refresh_from_db()
    assert not company.is_archived


def test_a_job_is_added_as_a_project_from_its_page(book, erp_admin, standard):
    job = customer(book, "Harbor Health:1042 Main Street Clinic")
    assert "Adding or linking jobs needs Admin" in text(client_for(standard).get(reverse("erp:import-projects")))

    response = client_for(erp_admin).post(reverse("erp:import-project", args=[job.pk]), {"action": "add"}, follow=True)

    project = ps.Project.objects.get(number="1042")
    assert response.redirect_chain[-1][0] == reverse("projects:detail", args=[project.pk])
    assert "Project 1042 Main Street Clinic is added" in text(response)


def test_a_job_is_linked_to_a_project_from_its_page(book, erp_admin):
    job = customer(book, "Harbor Health:1042 Main Street Clinic", address={"city": "Springfield"})
    project = ProjectFactory(number="1042", name="Clinic", city="Chicago")
    page = client_for(erp_admin)

    body = text(page.get(reverse("erp:import-project", args=[job.pk])))
    assert "1042 Clinic" in body and "(looks like it)" in body and 'name="pick_city"' in body

    response = page.post(
        reverse("erp:import-project", args=[job.pk]),
        {"project": project.pk, "action": "link", "pick_city": "quickbooks"},
        follow=True,
    )

    assert "is linked to QuickBooks' job Harbor Health:1042 Main Street Clinic" in text(response)
    project.refresh_from_db()
    assert project.city == "Springfield"
    assert services.item_for(project).accept_options == {"parent_customer": "Harbor Health"}
