"""Ready to Import's REST API: the lists with suggestions, link, add, link all exact matches, set aside, the
archived companies, and the refusals (403 for a missing level, 409 for a vendor linked already)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import services
from erp_integrations.models import ErpState
from procore_sync import models as ps
from tests.erp_integrations.accounting import customer, vendor
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

API = "/api/v1/erp"


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_vendor_list_carries_its_suggestions(book, erp_admin):
    record = vendor(book, "ABC Electric, Inc.", phone="555-201-0001")
    company = CompanyFactory(name="ABC Electric")

    body = api_for(erp_admin).get(f"{API}/quickbooks-vendors/").json()

    assert body["count"] == 1
    (row,) = body["results"]
    assert (row["id"], row["full_name"], row["details"]["phone"]) == (record.pk, "ABC Electric, Inc.", "555-201-0001")
    assert row["suggestions"] == [
        {
            "id": company.pk,
            "name": "ABC Electric",
            "reasons": ["the same name without Inc, LLC and punctuation"],
            "exact": False,
        }
    ]


def test_link_takes_the_picked_fields_and_a_second_link_is_a_conflict(book, erp_admin):
    record = vendor(book, "ABC Electric", phone="217-555-0100")
    company = CompanyFactory(name="ABC Electric", phone="217-555-9999")
    api = api_for(erp_admin)

    response = api.post(
        f"{API}/quickbooks-vendors/{record.pk}/link/",
        {"record": company.pk, "take_from_quickbooks": ["phone"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["state"], response.json()["qb_ref"]) == (ErpState.SYNCED, record.external_id)
    company.refresh_from_db()
    assert company.phone == "217-555-0100"
    again = api.post(
        f"{API}/quickbooks-vendors/{record.pk}/link/", {"record": CompanyFactory(name="Other").pk}, format="json"
    )
    assert again.status_code == 409
    assert "no longer waiting in Ready to Import" in again.json()["detail"]


def test_add_set_aside_and_link_exact_matches(book, erp_admin):
    added = vendor(book, "Delta Drywall")
    aside = vendor(book, "Power Utility")
    vendor(book, "Exact Co")
    CompanyFactory(name="exact co")
    api = api_for(erp_admin)

    response = api.post(f"{API}/quickbooks-vendors/{added.pk}/add/")
    assert response.status_code == 201
    assert ps.Company.objects.get(pk=response.json()["id"]).name == "Delta Drywall"

    assert api.post(f"{API}/quickbooks-vendors/{aside.pk}/set-aside/", {}, format="json").json()["archived_by"] == (
        erp_admin.username
    )
    assert [row["full_name"] for row in api.get(f"{API}/quickbooks-vendors/?archived=true").json()["results"]] == [
        "Power Utility"
    ]
    assert api.post(f"{API}/quickbooks-vendors/link-exact-matches/").json() == {"linked": 1}
    assert api.get(f"{API}/quickbooks-vendors/").json()["count"] == 0


def test_each_level_gets_its_answer(book, erp_admin):
    record = vendor(book, "ABC Electric")
    reader = grant(UserFactory(username="reader"), Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    standard = grant(UserFactory(username="standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)
    nobody = UserFactory(username="nobody")

    assert api_for(nobody).get(f"{API}/quickbooks-vendors/").status_code == 403
    assert api_for(reader).get(f"{API}/quickbooks-vendors/").status_code == 200
    assert api_for(reader).post(f"{API}/quickbooks-vendors/{record.pk}/add/").status_code == 403
    assert api_for(reader).get(f"{API}/archived-companies/").status_code == 403
    link = {"record": CompanyFactory(name="ABC Electric").pk}
    refused = api_for(standard).post(f"{API}/quickbooks-vendors/{record.pk}/link/", link, format="json")
    assert refused.status_code == 403
    assert refused.json()["missing_permission"] == "Admin on ERP Integrations"
    assert api_for(standard).post(f"{API}/quickbooks-vendors/link-exact-matches/").status_code == 403
    assert api_for(standard).get(f"{API}/archived-companies/").status_code == 200


def test_jobs_are_added_or_linked(book, erp_admin):
    added = customer(book, "Harbor Health:1042 Main Street Clinic")
    linked = customer(book, "Harbor Health:1043 Annex", address={"city": "Springfield"})
    project = ProjectFactory(number="1043", name="Annex", city="Chicago")
    api = api_for(erp_admin)

    rows = api.get(f"{API}/quickbooks-jobs/").json()["results"]
    assert [(row["full_name"], row["suggestions"]) for row in rows] == [
        ("Harbor Health:1042 Main Street Clinic", []),
        ("Harbor Health:1043 Annex", [{"id": project.pk, "name": "1043 Annex"}]),
    ]
    response = api.post(f"{API}/quickbooks-jobs/{added.pk}/add/")
    assert response.status_code == 201
    assert (response.json()["number"], response.json()["name"]) == ("1042", "Main Street Clinic")
    response = api.post(
        f"{API}/quickbooks-jobs/{linked.pk}/link/",
        {"record": project.pk, "take_from_quickbooks": ["city", "number"]},
        format="json",
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.city, project.number) == ("Springfield", "1043")
    assert services.item_for(project).accept_options == {"parent_customer": "Harbor Health"}


def test_an_archived_company_is_restored(book):
    standard = grant(UserFactory(username="standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)
    company = CompanyFactory(name="Gone", is_archived=True)
    api = api_for(standard)
    assert [row["name"] for row in api.get(f"{API}/archived-companies/").json()["results"]] == ["Gone"]
    assert api.post(f"{API}/archived-companies/{company.pk}/restore/").status_code == 200
    company.refresh_from_db()
    assert not company.is_archived
