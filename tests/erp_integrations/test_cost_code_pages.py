"""The cost code list's pages and API: the list with its QuickBooks state and as CSV, the default cost types
given many cost codes at once (Standard or Admin on ERP Integrations), the refresh from QuickBooks (Admin),
the settings picked from QuickBooks' accounts, items and classes, and the default cost type a new line takes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import AccountingRecord, ErpSettings
from procore_sync import models as ps
from procore_sync import services as project_services
from qbxml import services as qb_services
from tests.factories import CostCodeFactory, DivisionFactory, ProjectFactory, UserFactory, cost_type, grant

pytestmark = pytest.mark.django_db

API = "/api/v1"
PAGE = "/erp/cost-codes/"


@pytest.fixture
def book(db) -> str:  # type: ignore[no-untyped-def]
    return qb_services.connection_create(None, name="Main company", username="qbuser", password="pw-123456").book


def user_with(level: Level, name: str = "") -> object:
    return grant(UserFactory(**({"username": name} if name else {})), Tool.ERP_INTEGRATIONS, level)


@pytest.fixture
def standard(db):  # type: ignore[no-untyped-def]
    return user_with(Level.STANDARD, "erp_standard")


@pytest.fixture
def read_only(db):  # type: ignore[no-untyped-def]
    return user_with(Level.READ_ONLY, "erp_viewer")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def record(book: str, list_type: str, full_name: str, parent: AccountingRecord | None = None, **details: object):  # type: ignore[no-untyped-def]
    return AccountingRecord.objects.create(
        book=book,
        list_type=list_type,
        external_id=f"{list_type}-{full_name}",
        full_name=full_name,
        parent_external_id=parent.external_id if parent else "",
        edit_sequence="1700000001",
        is_active=bool(details.pop("is_active", True)),
        details={"name": full_name.rsplit(":", 1)[-1], "sublevel": full_name.count(":"), **details},
    )


def texts(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages a page showed (after the redirect it followed)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the service: who may, and what it writes ---------------------------------------------------------------------


def test_standard_on_erp_integrations_may_assign_default_cost_types(standard):
    codes = [CostCodeFactory() for _ in range(3)]
    labor = cost_type("Labor")

    assert project_services.assign_default_cost_type(standard, [code.pk for code in codes[:2]], labor) == 2
    assert [code.default_cost_type for code in ps.CostCode.objects.order_by("code")] == [labor, labor, None]
    # Already so: nothing changes, nothing is counted.
    assert project_services.assign_default_cost_type(standard, [codes[0].pk], labor) == 0
    assert project_services.assign_default_cost_type(standard, [codes[0].pk, codes[2].pk], None) == 1
    assert ps.CostCode.objects.filter(default_cost_type__isnull=True).count() == 2


@pytest.mark.parametrize(("level", "allowed"), [(Level.READ_ONLY, False), (Level.STANDARD, True), (Level.ADMIN, True)])
def test_the_permission_to_assign_default_cost_types(level, allowed):
    code = CostCodeFactory()
    user = user_with(level)
    if allowed:
        assert project_services.assign_default_cost_type(user, [code.pk], cost_type("Labor")) == 1
    else:
        with pytest.raises(PermissionDenied, match="Standard on ERP Integrations"):
            project_services.assign_default_cost_type(user, [code.pk], cost_type("Labor"))


def test_a_company_admin_of_the_project_tools_may_not_assign_them(pm):
    with pytest.raises(PermissionDenied):
        project_services.assign_default_cost_type(pm, [CostCodeFactory().pk], cost_type("Labor"))


def test_an_inactive_cost_type_cannot_be_a_default(standard):
    kind = cost_type("Other")
    ps.CostType.objects.filter(pk=kind.pk).update(is_active=False)
    kind.refresh_from_db()
    with pytest.raises(ValidationError, match="inactive"):
        project_services.assign_default_cost_type(standard, [CostCodeFactory().pk], kind)


# --- the list page --------------------------------------------------------------------------------------------------


def test_the_list_shows_every_cost_code_with_its_default_and_quickbooks_state(read_only, book, erp_admin):
    linked = CostCodeFactory(code="03-100", description="Formwork", default_cost_type=cost_type("Labor"))
    CostCodeFactory(code="03-200", description="Rebar", is_active=False)
    quickbooks = record(book, "item", "03:03-100")
    services.link_record(linked, erp_admin, quickbooks)

    response = client_for(read_only).get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "03-100" in body and "Formwork" in body and "Labor" in body and "Synced" in body
    assert "03-200" in body and "Inactive" in body and "Not in QuickBooks" in body
    # A reader sees the list, not the forms that change it.
    assert "Apply to selected" not in body
    assert "Refresh cost codes from QuickBooks" not in body


def test_the_list_filters_by_search_division_and_default_cost_type(read_only):
    CostCodeFactory(code="03-100", description="Formwork", default_cost_type=cost_type("Labor"))
    CostCodeFactory(code="05-100", description="Steel", division=DivisionFactory(code="05", name="Metals"))
    client = client_for(read_only)

    assert "05-100" not in client.get(PAGE, {"q": "form"}).content.decode()
    body = client.get(PAGE, {"division": ps.Division.objects.get(code="05").pk}).content.decode()
    assert "05-100" in body and "03-100" not in body
    body = client.get(PAGE, {"cost_type": "none"}).content.decode()
    assert "05-100" in body and "03-100" not in body


def test_the_list_downloads_as_csv(read_only, book, erp_admin):
    code = CostCodeFactory(code="03-100", description="Formwork", default_cost_type=cost_type("Labor"))
    services.link_record(code, erp_admin, record(book, "item", "03:03-100"))
    CostCodeFactory(code="03-200", description="Rebar, #4 and #5")

    response = client_for(read_only).get(PAGE, {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:5] == ["Code", "Description", "Division", "Division name", "Default cost type"]
    assert rows[1] == ["03-100", "Formwork", "03", "Concrete", "Labor", "yes", "Synced", "item-03:03-100"]
    assert rows[2][:2] == ["03-200", "Rebar, #4 and #5"] and rows[2][-2:] == ["Not in QuickBooks", ""]


def test_the_list_costs_the_same_queries_for_ten_and_two_hundred_codes(read_only, django_assert_max_num_queries):
    division = DivisionFactory()
    ps.CostCode.objects.bulk_create(
        [ps.CostCode(code=f"03-{n:03d}", description="Work", division=division) for n in range(10)]
    )
    client = client_for(read_only)
    client.get(PAGE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as at_10:
        client.get(PAGE)
    ps.CostCode.objects.bulk_create(
        [ps.CostCode(code=f"03-{n:03d}", description="Work", division=division) for n in range(10, 200)]
    )
    with django_assert_max_num_queries(len(at_10)):
        client.get(PAGE)


def test_the_list_needs_read_only_on_erp_integrations(pm):
    assert client_for(pm).get(PAGE).status_code == 403


# --- default cost types from the page ----------------------------------------------------------------------------


def test_a_standard_user_gives_the_selected_codes_a_default_cost_type(standard):
    codes = [CostCodeFactory() for _ in range(3)]
    client = client_for(standard)
    assert "Apply to selected" in client.get(PAGE).content.decode()

    response = client.post(
        reverse("erp:cost-codes-default-cost-type"),
        {
            "action": "apply",
            "cost_type": cost_type("Material").pk,
            "ids": [codes[0].pk, codes[1].pk],
            "next": f"{PAGE}?q=03",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"{PAGE}?q=03", 302)]
    assert texts(response) == ["Material is now the default cost type of 2 cost codes."]
    assert list(ps.CostCode.objects.order_by("code").values_list("default_cost_type__name", flat=True)) == [
        "Material",
        "Material",
        None,
    ]

    response = client.post(
        reverse("erp:cost-codes-default-cost-type"), {"action": "clear", "ids": [codes[0].pk]}, follow=True
    )
    assert texts(response) == ["Default cost type cleared on 1 cost code."]
    assert ps.CostCode.objects.filter(default_cost_type__isnull=True).count() == 2


def test_applying_needs_a_selection_and_a_cost_type(standard):
    code = CostCodeFactory()
    client = client_for(standard)
    url = reverse("erp:cost-codes-default-cost-type")
    response = client.post(url, {"action": "apply", "ids": [code.pk]}, follow=True)
    assert texts(response) == ["Pick the cost type to give the selected cost codes."]
    response = client.post(url, {"action": "apply", "cost_type": cost_type().pk}, follow=True)
    assert texts(response) == ["Select at least one cost code first."]
    assert ps.CostCode.objects.get().default_cost_type is None


def test_a_reader_may_not_assign_default_cost_types(read_only):
    code = CostCodeFactory()
    response = client_for(read_only).post(
        reverse("erp:cost-codes-default-cost-type"),
        {"action": "apply", "cost_type": cost_type().pk, "ids": [code.pk]},
    )
    assert response.status_code == 403
    assert "This needs Standard on ERP Integrations." in response.content.decode()
    assert ps.CostCode.objects.get().default_cost_type is None


# --- the refresh from the page ---------------------------------------------------------------------------------


def test_an_admin_refreshes_the_cost_codes_and_reads_the_summary(erp_admin, book):
    concrete = record(book, "item", "03", description="Concrete")
    record(book, "item", "03:03-100", concrete, description="Formwork")
    CostCodeFactory(code="03-200", description="Ours", division=DivisionFactory(code="03"))
    record(book, "item", "03:03-200", concrete, description="Reinforcing")
    client = client_for(erp_admin)
    body = client.get(PAGE).content.decode()
    assert "Refresh cost codes from QuickBooks" in body
    assert "QuickBooks has 2 service items under a division that no cost code is linked to yet" in body
    # The queue's Ready to Import for cost codes leads here.
    body = client.get(reverse("erp:queue"), {"type": "cost_code", "tab": "ready_to_import"}).content.decode()
    assert f'href="{PAGE}">Cost Codes <span class="count">2</span>' in body

    response = client.post(reverse("erp:cost-codes-refresh"), follow=True)

    messages = texts(response)
    assert messages[0] == (
        "Cost codes refreshed from QuickBooks: 1 added, 1 linked, 0 made inactive, 0 unchanged. "
        "1 cost code QuickBooks describes otherwise kept the directory's values."
    )
    assert "03-200 description: “Ours” here, “Reinforcing” in QuickBooks" in messages[1]
    assert response.redirect_chain[-1][0] == PAGE
    assert ps.CostCode.objects.get(code="03-200").description == "Ours"
    assert "no cost code is linked to yet" not in response.content.decode()


def test_the_refresh_says_when_the_lists_were_never_read(erp_admin, book):
    response = client_for(erp_admin).post(reverse("erp:cost-codes-refresh"))
    assert "read QuickBooks' lists from the sync health page" in texts(response)[0]


def test_a_standard_user_may_not_refresh_the_cost_codes(standard, book):
    record(book, "item", "03:03-100", record(book, "item", "03"))
    assert "Refresh cost codes from QuickBooks" not in client_for(standard).get(PAGE).content.decode()
    response = client_for(standard).post(reverse("erp:cost-codes-refresh"))
    assert response.status_code == 403
    assert "This needs Admin on ERP Integrations." in response.content.decode()
    assert not ps.CostCode.objects.exists()


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_assigns_and_clears_default_cost_types(standard):
    codes = [CostCodeFactory() for _ in range(2)]
    client = api_for(standard)
    url = f"{API}/erp/cost-codes/default-cost-type/"

    response = client.post(
        url, {"cost_codes": [c.pk for c in codes], "cost_type": cost_type("Labor").pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"updated": 2}
    listed = api_for(standard).get(f"{API}/cost-codes/").json()
    assert {row["default_cost_type"] for row in listed["results"]} == {cost_type("Labor").pk}

    response = client.post(url, {"cost_codes": [codes[0].pk], "cost_type": None}, format="json")
    assert response.json() == {"updated": 1}


def test_the_api_names_what_is_wrong(standard):
    response = api_for(standard).post(
        f"{API}/erp/cost-codes/default-cost-type/", {"cost_codes": [999999], "cost_type": None}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["cost_codes"] == ["No cost code 999999."]


def test_the_api_refuses_a_reader_the_default_cost_types(read_only):
    response = api_for(read_only).post(
        f"{API}/erp/cost-codes/default-cost-type/",
        {"cost_codes": [CostCodeFactory().pk], "cost_type": cost_type().pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["missing_permission"] == "Standard on ERP Integrations"


def test_the_api_refreshes_the_cost_codes(erp_admin, standard, book):
    record(book, "item", "03:03-100", record(book, "item", "03", description="Concrete"), description="Formwork")

    assert api_for(standard).post(f"{API}/erp/cost-codes/refresh/").status_code == 403
    response = api_for(erp_admin).post(f"{API}/erp/cost-codes/refresh/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["divisions_created"], body["linked"], body["unchanged"]) == (
        ["03-100"],
        ["03"],
        [],
        0,
    )
    assert body["summary"].startswith("Cost codes refreshed from QuickBooks: 1 added")
    again = api_for(erp_admin).post(f"{API}/erp/cost-codes/refresh/").json()
    assert (again["created"], again["unchanged"], again["differences"]) == ([], 1, [])


def test_the_api_refresh_without_a_company_file_is_a_conflict(erp_admin):
    response = api_for(erp_admin).post(f"{API}/erp/cost-codes/refresh/")
    assert response.status_code == 409
    assert "No QuickBooks company file" in response.json()["detail"]


# --- where the default cost type is used -------------------------------------------------------------------------


def _management(prefix: str, total: int) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def test_a_new_budget_line_without_a_cost_type_takes_its_codes_default(pm):
    project = ProjectFactory()
    defaulted = CostCodeFactory(default_cost_type=cost_type("Equipment"))
    bare = CostCodeFactory()
    client = client_for(pm)
    url = reverse("projects:budget-form", args=[project.pk])
    assert "Code&#x27;s default" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            **_management("lines", 1),
            "lines-0-cost_code": str(defaulted.pk),
            "lines-0-cost_type": "",
            "lines-0-original_amount": "5000.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert ps.Budget.objects.get(project=project).lines.get().cost_type == cost_type("Equipment")

    response = client.post(
        reverse("projects:budget-form", args=[ProjectFactory().pk]),
        {
            **_management("lines", 1),
            "lines-0-cost_code": str(bare.pk),
            "lines-0-cost_type": "",
            "lines-0-original_amount": "10.00",
        },
    )
    assert response.status_code == 200
    assert f"pick a cost type (cost code {bare.code} has no default cost type)" in response.content.decode()


def test_a_picked_cost_type_wins_over_the_default(pm):
    project = ProjectFactory()
    code = CostCodeFactory(default_cost_type=cost_type("Equipment"))
    response = client_for(pm).post(
        reverse("projects:budget-form", args=[project.pk]),
        {
            **_management("lines", 1),
            "lines-0-cost_code": str(code.pk),
            "lines-0-cost_type": str(cost_type("Labor").pk),
            "lines-0-original_amount": "1.00",
        },
    )
    assert response.status_code == 302
    assert ps.Budget.objects.get(project=project).lines.get().cost_type == cost_type("Labor")


def test_a_commitment_line_from_the_api_without_a_cost_type_takes_the_default(pm):
    project = ProjectFactory()
    code = CostCodeFactory(default_cost_type=cost_type("Material"))
    vendor = ps.Company.objects.create(name="Supplier Co")
    response = api_for(pm).post(
        f"{API}/commitments/",
        {
            "project": project.pk,
            "kind": "purchase_order",
            "number": "PO-1",
            "title": "Rebar",
            "vendor": vendor.pk,
            "lines": [{"line_number": 1, "cost_code": code.pk, "amount": "100.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["cost_type"] == cost_type("Material").pk
    assert ps.CommitmentLine.objects.get().amount == Decimal("100.00")


# --- settings from QuickBooks' lists ------------------------------------------------------------------------------


def test_settings_are_typed_until_quickbooks_lists_are_read(erp_admin, book):
    body = client_for(erp_admin).get(reverse("erp:settings")).content.decode()
    assert body.count("Read QuickBooks&#x27; lists from the sync health page to pick from them.") >= 3
    assert 'name="expense_account_name" value="Job Expenses"' in body


def test_settings_pick_accounts_items_and_show_classes_from_the_current_company_file(erp_admin, book):
    for name, kind in [
        ("Job Expenses", "Expense"),
        ("Cost of Goods Sold", "CostOfGoodsSold"),
        ("Construction Income", "Income"),
        ("Checking", "Bank"),
    ]:
        record(book, "account", name, account_type=kind)
    record("another-file", "account", "Elsewhere Expenses", account_type="Expense")
    record(book, "item", "Retention")
    record(book, "item", "03:03-100", record(book, "item", "03"))
    record(book, "class", "Labor")
    record(book, "class", "Material", is_active=False)
    record(book, "class", "Overhead")
    client = client_for(erp_admin)

    body = client.get(reverse("erp:settings")).content.decode()

    expense = body.split('name="expense_account_name"')[1].split("</select>")[0]
    assert "Job Expenses" in expense and "Cost of Goods Sold" in expense
    assert "Checking" not in expense and "Construction Income" not in expense and "Elsewhere" not in expense
    income = body.split('name="income_account_name"')[1].split("</select>")[0]
    assert "Construction Income" in income and "Job Expenses" not in income
    retainage = body.split('name="retainage_item_name"')[1].split("</select>")[0]
    # The stored name stays offered, marked; division parents and sub-items are no retainage items.
    assert "Retainage (not in QuickBooks)" in retainage and "Retention" in retainage
    assert ">03<" not in retainage and "03:03-100" not in retainage
    classes = body.split('id="classes-heading"')[1]
    assert "Will be added" in classes and "Inactive in QuickBooks" in classes and "Overhead" in classes

    response = client.post(
        reverse("erp:settings"),
        {
            "retainage_item_name": "Retention",
            "retention_item_name": "Retention receivable",
            "expense_account_name": "Cost of Goods Sold",
            "income_account_name": "Construction Income",
            "sync_every_minutes": "60",
        },
        follow=True,
    )
    assert "Settings saved." in response.content.decode()
    row = ErpSettings.load()
    assert (row.retainage_item_name, row.expense_account_name) == ("Retention", "Cost of Goods Sold")

    response = client.post(
        reverse("erp:settings"),
        {
            "retainage_item_name": "Retention",
            "retention_item_name": "Retention receivable",
            "expense_account_name": "Checking",
            "income_account_name": "Construction Income",
            "sync_every_minutes": "60",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert ErpSettings.load().expense_account_name == "Cost of Goods Sold"


def test_the_accept_form_offers_the_current_company_files_customers(pm, approver, book):
    record(book, "customer", "Acme Owner")
    record(book, "customer", "Acme Owner:Old Job", record(book, "customer", "Parent Co"))
    record("another-file", "customer", "Elsewhere Owner")
    project = ProjectFactory()
    services.item_send(project, pm)
    item = services.item_for(project)

    body = client_for(approver).get(reverse("erp:item", args=[item.pk])).content.decode()

    assert "Acme Owner" in body and "Parent Co" in body
    assert "Elsewhere Owner" not in body and "Old Job" not in body


def test_every_project_tool_admin_sees_the_default_in_the_line_form(db):
    user = UserFactory()
    for tool in PROJECT_TOOLS:
        grant(user, tool, Level.ADMIN)
    url = reverse("projects:commitment-new", args=[ProjectFactory().pk])
    assert "Code&#x27;s default" in client_for(user).get(url).content.decode()
