"""The company's lists in the browser pages, through the Django test client: companies, cost codes and cost
types, their list, page, forms and delete, each permission cell, and the workflow's steps on their pages."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services as erp
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from tests.factories import (
    CompanyFactory,
    CostCodeFactory,
    DivisionFactory,
    UserFactory,
    commitment_with_lines,
    cost_type,
    grant,
)

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Kind:
    slug: str
    # A record of the list, and what a form posts for a new one (with its unique key's value).
    make: Any
    new: dict[str, str]
    key: str
    # The tool its levels are held on.
    tool: Tool

    def url(self, page: str, record: Model | None = None) -> str:
        return reverse(f"directory:{self.slug}-{page}", args=[record.pk] if record is not None else [])

    @property
    def model(self) -> type[Model]:
        return {"company": ps.Company, "cost_code": ps.CostCode, "cost_type": ps.CostType}[self.slug]


def _cost_code_post() -> dict[str, str]:
    return {
        "code": "09-250",
        "description": "Gypsum board",
        "division": str(DivisionFactory(code="09", name="Finishes").pk),
        "default_cost_type": str(cost_type("Labor").pk),
        "is_active": "on",
    }


def _kinds() -> list[Kind]:
    return [
        Kind(
            "company",
            lambda: CompanyFactory(name="Clearwater Plumbing", tax_id="12-3456789", email="office@clearwater.test"),
            {
                "name": "Granite Ridge Masonry",
                "vendor_type": "subcontractor",
                "contact_name": "Ana Ruiz",
                "phone": "530-555-0142",
                "email": "ana@graniteridge.test",
                "tax_id": "94-1234567",
                "address_line1": "12 Quarry Rd",
                "city": "Auburn",
                "state": "CA",
                "postal_code": "95603",
                "country": "USA",
            },
            "name",
            Tool.DIRECTORY,
        ),
        Kind(
            "cost_code",
            lambda: CostCodeFactory(code="03-300", description="Cast-in-place concrete"),
            {},  # filled by _cost_code_post (it needs a division)
            "code",
            Tool.ADMIN,
        ),
        Kind(
            "cost_type",
            lambda: ps.CostType.objects.create(code="RNT", name="Rental", sort_order=70),
            {"name": "Permits", "code": "PRM", "sort_order": "80", "is_active": "on"},
            "code",
            Tool.ADMIN,
        ),
    ]


KIND_SLUGS = ["company", "cost_code", "cost_type"]


@pytest.fixture(params=KIND_SLUGS)
def kind(request: pytest.FixtureRequest) -> Kind:
    return next(kind for kind in _kinds() if kind.slug == request.param)


def post_data(kind: Kind) -> dict[str, str]:
    return _cost_code_post() if kind.slug == "cost_code" else dict(kind.new)


def user_with(level: Level, tools: list[Tool], *, name: str = "someone") -> Any:
    user = UserFactory(username=name)
    for tool in tools:
        grant(user, tool, level)
    return user


@pytest.fixture
def reader(db: Any) -> Any:
    return user_with(Level.READ_ONLY, list(PROJECT_TOOLS), name="reader")


@pytest.fixture
def standard(db: Any) -> Any:
    return user_with(Level.STANDARD, list(PROJECT_TOOLS), name="standard")


@pytest.fixture
def outsider(db: Any) -> Any:
    """Read Only on Budget only: nothing of the company's lists."""
    return user_with(Level.READ_ONLY, [Tool.BUDGET], name="outsider")


# --- who may do what: every page, every level ----------------------------------------------------------


def test_someone_without_the_tool_is_refused_every_page(kind, outsider):
    record = kind.make()
    client = client_for(outsider)
    for url in (kind.url("list"), kind.url("detail", record), kind.url("new"), kind.url("edit", record)):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"This needs " in response.content
    assert client.post(kind.url("new"), post_data(kind)).status_code == 403
    assert client.post(kind.url("delete", record)).status_code == 403
    assert kind.model._default_manager.filter(pk=record.pk).exists()
    assert not kind.model._default_manager.filter(**{kind.key: post_data(kind)[kind.key]}).exists()


def test_a_reader_sees_the_list_and_the_page_without_a_button(kind, reader):
    record = kind.make()
    client = client_for(reader)
    body = client.get(kind.url("list")).content.decode()
    assert kind.url("detail", record) in body
    assert kind.url("new") not in body
    body = client.get(kind.url("detail", record)).content.decode()
    assert "Details" in body
    assert kind.url("edit", record) not in body and kind.url("delete", record) not in body
    assert "Send to accounting" not in body
    assert client.get(kind.url("new")).status_code == 403
    assert client.get(kind.url("edit", record)).status_code == 403
    assert client.post(kind.url("edit", record), post_data(kind)).status_code == 403
    assert client.get(kind.url("delete", record)).status_code == 403
    assert client.post(kind.url("delete", record)).status_code == 403
    assert kind.model._default_manager.filter(pk=record.pk).exists()


def test_a_standard_user_creates_and_edits_but_neither_deletes_nor_sends(kind, standard):
    record = kind.make()
    client = client_for(standard)
    assert kind.url("new") in client.get(kind.url("list")).content.decode()
    body = client.get(kind.url("detail", record)).content.decode()
    assert kind.url("edit", record) in body
    assert kind.url("delete", record) not in body
    assert "Send to accounting" not in body

    response = client.post(kind.url("new"), post_data(kind))
    created = kind.model._default_manager.get(**{kind.key: post_data(kind)[kind.key]})
    assert response.status_code == 302 and response["Location"] == kind.url("detail", created)
    assert client.get(kind.url("delete", created)).status_code == 403
    assert client.post(kind.url("delete", created)).status_code == 403
    assert kind.model._default_manager.filter(pk=created.pk).exists()


def test_an_approver_reads_but_neither_edits_nor_sends(kind, approver):
    record = kind.make()
    client = client_for(approver)
    body = client.get(kind.url("detail", record)).content.decode()
    assert "Details" in body and "Send to accounting" not in body
    assert kind.url("edit", record) not in body
    assert client.get(kind.url("new")).status_code == 403
    assert client.post(kind.url("new"), post_data(kind)).status_code == 403


def test_an_admin_of_the_tool_creates_sends_and_deletes(kind, pm):
    client = client_for(pm)
    form = client.get(kind.url("new"))
    assert form.status_code == 200 and b"Save" in form.content
    response = client.post(kind.url("new"), post_data(kind), follow=True)
    created = kind.model._default_manager.get(**{kind.key: post_data(kind)[kind.key]})
    assert response.redirect_chain[-1][0] == kind.url("detail", created)
    body = response.content.decode()
    assert "created." in body
    assert kind.url("delete", created) in body
    if kind.slug != "cost_type":  # a class is made when a line needs it: no step of its own
        assert "Send to accounting" in body
    edit = client.get(kind.url("edit", created))
    assert edit.status_code == 200 and post_data(kind)[kind.key] in edit.content.decode()
    changed = {**post_data(kind), kind.key: f"{post_data(kind)[kind.key]}-2"}
    response = client.post(kind.url("edit", created), changed)
    assert response["Location"] == kind.url("detail", created)
    created.refresh_from_db()
    assert getattr(created, kind.key) == changed[kind.key]
    confirm = client.get(kind.url("delete", created))
    assert confirm.status_code == 200 and b"This cannot be undone" in confirm.content
    response = client.post(kind.url("delete", created), follow=True)
    assert response.redirect_chain[-1][0] == kind.url("list")
    assert b"deleted." in response.content
    assert not kind.model._default_manager.filter(pk=created.pk).exists()


def test_the_site_navigation_shows_the_lists_to_their_readers_only(pm, outsider, approver):
    body = client_for(pm).get(reverse("projects:list")).content.decode()
    nav = body.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert reverse("directory:company-list") in nav and ">Directory<" in nav
    assert reverse("directory:cost_code-list") in nav and reverse("directory:cost_type-list") in nav
    nav = client_for(outsider).get(reverse("projects:list")).content.decode().split('aria-label="Main"', 1)[1]
    nav = nav.split("</nav>", 1)[0]
    assert "/directory/" not in nav
    # ERP Integrations readers keep their cost code list in the navigation; the Directory's tabs lead here.
    nav = client_for(approver).get(reverse("directory:company-list")).content.decode()
    main = nav.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert reverse("erp:cost-codes") in main and reverse("directory:cost_code-list") not in main
    tabs = nav.split('aria-label="Company lists"', 1)[1].split("</nav>", 1)[0]
    assert reverse("directory:cost_code-list") in tabs and reverse("directory:cost_type-list") in tabs


# --- the list ----------------------------------------------------------------------------------------------


def test_the_company_list_searches_pages_and_shows_each_accounting_state(pm):
    sent = CompanyFactory(name="Alpine Electric")
    erp.item_send(sent, pm)
    CompanyFactory(name="Birch Roofing", city="Truckee")
    ps.Company.objects.bulk_create([ps.Company(name=f"Zed Supply {n:02d}") for n in range(60)])
    client = client_for(pm)
    body = client.get(reverse("directory:company-list")).content.decode()
    assert "Alpine Electric" in body and "Pending acceptance" in body and "Draft" in body
    assert "Page 1 of 2" in body
    assert "Zed Supply 59" not in body
    assert "Zed Supply 59" in client.get(reverse("directory:company-list") + "?page=2").content.decode()
    body = client.get(reverse("directory:company-list") + "?q=truckee").content.decode()
    assert "Birch Roofing" in body and "Alpine Electric" not in body
    assert "No company matches" in client.get(reverse("directory:company-list") + "?q=nothing-like-it").content.decode()


def test_archived_companies_are_listed_only_when_asked_for(pm):
    CompanyFactory(name="Dormant Drywall", is_archived=True)
    client = client_for(pm)
    assert "Dormant Drywall" not in client.get(reverse("directory:company-list")).content.decode()
    body = client.get(reverse("directory:company-list") + "?archived=1").content.decode()
    assert "Dormant Drywall" in body and "Archived" in body


def test_the_list_costs_the_same_queries_for_10_and_for_50_companies(pm):
    client = client_for(pm)
    ps.Company.objects.bulk_create([ps.Company(name=f"Count {n:02d}") for n in range(10)])
    url = reverse("directory:company-list")
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    at_10 = queries()
    ps.Company.objects.bulk_create([ps.Company(name=f"Count {n:02d}") for n in range(10, 50)])
    for company in ps.Company.objects.all()[:20]:
        erp.item_send(company, pm)
    assert queries() == at_10


def test_the_csv_has_every_field_of_every_match(pm):
    CompanyFactory(name="Clearwater Plumbing", tax_id="12-3456789", city="Sacramento")
    CompanyFactory(name="Other Co")
    response = client_for(pm).get(reverse("directory:company-list") + "?q=clearwater&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="companies.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Id", "Name", "Type"] and "Tax id" in rows[0] and "City" in rows[0]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == "Clearwater Plumbing" and row["Tax id"] == "12-3456789" and row["City"] == "Sacramento"
    assert row["Type"] == "Subcontractor" and row["Archived"] == "No"


def test_the_cost_code_csv_names_the_division_and_default_cost_type(pm):
    code = CostCodeFactory(code="03-300", description="Cast-in-place", default_cost_type=cost_type("Material"))
    response = client_for(pm).get(reverse("directory:cost_code-list") + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Id", "Code", "Description", "Division", "Default cost type", "Active"]
    assert rows[1] == [str(code.pk), "03-300", "Cast-in-place", "03 Concrete", "Material", "Yes"]


# --- a record's page ----------------------------------------------------------------------------------------


def test_a_company_page_shows_every_field_and_what_names_it(pm):
    commitment = commitment_with_lines(lines=1, vendor=CompanyFactory(name="Clearwater Plumbing", tax_id="12-3"))
    company = commitment.vendor
    body = client_for(pm).get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    for value in ("Clearwater Plumbing", "12-3", "100 Main St", "Springfield", "62701", "Subcontractor"):
        assert value in body
    assert "Where it is used" in body and "Commitments" in body
    assert reverse("projects:commitment", args=[commitment.pk]) in body
    assert "QuickBooks vendor" in body and "Draft" in body


def test_a_cost_code_page_lists_the_commitments_and_budgets_that_use_it(pm):
    commitment = commitment_with_lines(lines=1)
    code = commitment.lines.get().cost_code
    body = client_for(pm).get(reverse("directory:cost_code-detail", args=[code.pk])).content.decode()
    assert reverse("projects:commitment", args=[commitment.pk]) in body
    assert "Concrete" in body  # its division


def test_a_cost_type_page_lists_the_cost_codes_that_default_to_it(pm):
    code = CostCodeFactory(code="05-120", default_cost_type=cost_type("Material"))
    body = client_for(pm).get(reverse("directory:cost_type-detail", args=[cost_type("Material").pk])).content.decode()
    assert "Cost codes" in body and reverse("directory:cost_code-detail", args=[code.pk]) in body
    assert "Made in QuickBooks when a line" in body


def test_what_names_a_record_is_only_what_the_reader_may_read(db):
    company = CompanyFactory(name="Clearwater Plumbing")
    commitment = commitment_with_lines(lines=1, vendor=company)
    directory_only = user_with(Level.READ_ONLY, [Tool.DIRECTORY], name="directory-reader")
    body = client_for(directory_only).get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    assert "Clearwater Plumbing" in body
    assert reverse("projects:commitment", args=[commitment.pk]) not in body


def test_a_record_nobody_may_see_is_not_found(pm):
    assert client_for(pm).get(reverse("directory:company-detail", args=[987654])).status_code == 404


# --- forms -------------------------------------------------------------------------------------------------


def test_a_new_company_with_every_field(pm):
    data = post_data(_kinds()[0])
    client_for(pm).post(reverse("directory:company-new"), data)
    company = ps.Company.objects.get(name="Granite Ridge Masonry")
    assert (company.tax_id, company.email, company.address_line1, company.postal_code) == (
        "94-1234567",
        "ana@graniteridge.test",
        "12 Quarry Rd",
        "95603",
    )


def test_errors_are_shown_beside_their_field_and_nothing_is_saved(pm):
    CompanyFactory(name="Clearwater Plumbing")
    client = client_for(pm)
    response = client.post(reverse("directory:company-new"), {"name": "", "vendor_type": "subcontractor"})
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    response = client.post(
        reverse("directory:company-new"), {"name": "clearwater plumbing", "vendor_type": "subcontractor"}
    )
    assert response.status_code == 200
    assert "callout--error" in response.content.decode() or 'id="id_name_error"' in response.content.decode()
    assert ps.Company.objects.filter(name__iexact="clearwater plumbing").count() == 1


def test_an_edit_saves_and_comes_back_to_the_record(pm):
    company = CompanyFactory(name="Clearwater Plumbing")
    data = {**post_data(_kinds()[0]), "name": "Clearwater Plumbing", "phone": "916-555-0100"}
    response = client_for(pm).post(reverse("directory:company-edit", args=[company.pk]), data)
    assert response["Location"] == reverse("directory:company-detail", args=[company.pk])
    company.refresh_from_db()
    assert company.phone == "916-555-0100"


def test_what_quickbooks_will_receive_is_read_only_while_accounting_holds_it(pm):
    company = CompanyFactory(name="Clearwater Plumbing")
    erp.item_send(company, pm)
    client = client_for(pm)
    body = client.get(reverse("directory:company-edit", args=[company.pk])).content.decode()
    assert "Pending acceptance: what QuickBooks will receive cannot change" in body
    assert 'name="name"' in body and "disabled" in body.split('name="name"', 1)[1].split(">", 1)[0]
    data = {**post_data(_kinds()[0]), "name": "Renamed Plumbing"}
    client.post(reverse("directory:company-edit", args=[company.pk]), data)
    company.refresh_from_db()
    assert company.name == "Clearwater Plumbing"


# --- delete ------------------------------------------------------------------------------------------------


def test_delete_is_refused_while_a_commitment_names_the_company(pm):
    commitment = commitment_with_lines(lines=1, vendor=CompanyFactory(name="Clearwater Plumbing"))
    client = client_for(pm)
    response = client.post(reverse("directory:company-delete", args=[commitment.vendor_id]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:company-detail", args=[commitment.vendor_id])
    assert "Company Clearwater Plumbing was not deleted: Other records depend on this one" in response.content.decode()
    assert ps.Company.objects.filter(pk=commitment.vendor_id).exists()


def test_delete_is_refused_while_accounting_holds_the_record(pm):
    code = CostCodeFactory(code="03-300")
    erp.item_send(code, pm)
    response = client_for(pm).post(reverse("directory:cost_code-delete", args=[code.pk]), follow=True)
    assert "was not deleted" in response.content.decode()
    assert ps.CostCode.objects.filter(pk=code.pk).exists()


def test_delete_only_by_post(pm):
    company = CompanyFactory()
    response = client_for(pm).get(reverse("directory:company-delete", args=[company.pk]))
    assert response.status_code == 200 and b'method="post"' in response.content
    assert ps.Company.objects.filter(pk=company.pk).exists()


# --- the workflow's steps on the record's page --------------------------------------------------------------


def test_the_company_is_sent_retrieved_and_resent_from_its_page(pm, approver):
    company = CompanyFactory(name="Clearwater Plumbing")
    client = client_for(pm)
    page = reverse("directory:company-detail", args=[company.pk])
    send = reverse("erp:record-step", args=["company", company.pk, "send"])
    assert f'action="{send}"' in client.get(page).content.decode()
    response = client.post(send, {"next": page}, follow=True)
    assert response.redirect_chain[-1][0] == page
    assert ErpItem.objects.get(object_type="company", object_id=company.pk).state == ErpState.PENDING
    body = response.content.decode()
    assert "Pending acceptance" in body and "Retrieve" in body
    client.post(reverse("erp:record-step", args=["company", company.pk, "retrieve"]), {"next": page})
    assert ErpItem.objects.get(object_type="company", object_id=company.pk).state == ErpState.DRAFT
    client.post(send, {"next": page})
    erp.item_reject(company, approver, "Tax id missing")
    body = client.get(page).content.decode()
    assert "Tax id missing" in body and "Resend to accounting" in body


def test_an_item_waiting_on_a_draft_company_links_to_the_company_page(pm, approver):
    vendor = CompanyFactory(name="Clearwater Plumbing")
    commitment = commitment_with_lines(lines=1, vendor=vendor)
    erp.item_send(commitment, pm)
    item = ErpItem.objects.get(object_type="commitment")
    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()
    assert f'<a href="{reverse("directory:company-detail", args=[vendor.pk])}">Clearwater Plumbing</a>' in body
    code = commitment.lines.get().cost_code
    assert reverse("directory:cost_code-detail", args=[code.pk]) in body
    assert reverse("projects:detail", args=[commitment.project_id]) in body


def test_a_commitment_held_up_by_a_draft_company_links_its_sender_to_the_company(pm, approver):
    from erp_integrations.models import ErpSettings

    settings_row = ErpSettings.load()
    settings_row.direct_export_types = ["commitment"]
    settings_row.save()
    commitment = commitment_with_lines(lines=1, vendor=CompanyFactory(name="Clearwater Plumbing"))
    erp.item_send(commitment, pm)
    body = client_for(pm).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
    assert "company Clearwater Plumbing is a draft" in body
    company_page = reverse("directory:company-detail", args=[commitment.vendor_id])
    assert f'<a href="{company_page}">Company Clearwater Plumbing</a>' in body
    # Once sent and accepted, the company no longer holds it up.
    erp.item_send(commitment.vendor, pm)
    erp.item_accept(commitment.vendor, approver)
    assert company_page not in client_for(pm).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
