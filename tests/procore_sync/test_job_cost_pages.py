"""A project's job costs and the unsyncable direct costs: the summary's numbers beside the budget, the lines'
filters, pages and CSV, through the selectors, the REST API and the pages; who may see them; and what they
cost in queries, the same for a few lines and for many."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from procore_sync import models as ps
from procore_sync import selectors
from procore_sync import services as project_services
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    CostCodeFactory,
    ProjectFactory,
    SubJobFactory,
    UserFactory,
    cost_type,
    grant,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = Decimal
_lines = iter(range(1, 10**9))


def line(
    project: ps.Project | None,
    amount: str,
    *,
    code: ps.CostCode | None = None,
    kind: str | None = None,
    sub_job: ps.SubJob | None = None,
    vendor: str = "Acme Concrete",
    day: datetime.date = datetime.date(2024, 11, 10),
    txn_type: str = "Check",
    ours: bool = False,
    reason: str = "",
    customer: str = "Harbor Health:1042 Main Street Clinic",
    item: str = "",
) -> project_services.JobCostLine:
    number = next(_lines)
    return project_services.JobCostLine(
        qb_txn_id=f"T{number}",
        qb_txn_line_id=f"L{number}",
        txn_type=txn_type,
        txn_date=day,
        ref_number=str(number),
        project_id=project.pk if project else None,
        sub_job_id=sub_job.pk if sub_job else None,
        cost_code_id=code.pk if code else None,
        cost_type_id=cost_type(kind).pk if kind else None,
        vendor_name=vendor,
        customer_full_name=customer,
        item_full_name=item or (f"03:{code.code}" if code else ""),
        account_full_name="" if code else "Job Expenses",
        amount=D(amount),
        memo=f"line {number}",
        from_synced_invoice=ours,
        unplaced_reason=reason,
    )


def write(*lines: project_services.JobCostLine) -> None:
    project_services.replace_job_costs([], list(lines))


@pytest.fixture
def site(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A project with a budget (and a modification moving 500 between its lines) and QuickBooks' lines of
    every sort on it; another project's line; the lines that could not be placed."""
    project = ProjectFactory(number="1042", name="Main Street Clinic")
    other = ProjectFactory(number="2001", name="Depot")
    building = SubJobFactory(project=project, name="Building A")
    codes = {code: CostCodeFactory(code=code) for code in ("03-100", "03-200", "03-300")}
    budget = BudgetFactory(project=project)
    labor = BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Labor"))
    BudgetLineItemFactory(
        budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Material"), original_amount=D("2000.00")
    )
    other_labor = BudgetLineItemFactory(
        budget=budget, cost_code=codes["03-200"], cost_type=cost_type("Labor"), original_amount=D("5000.00")
    )
    modification = BudgetModificationFactory(budget=budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=labor, amount=D("-500.00"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=other_labor, amount=D("500.00"))
    write(
        line(project, "250.00", code=codes["03-100"], kind="Labor", day=datetime.date(2024, 11, 1)),
        line(project, "8000.00", code=codes["03-100"], kind="Labor", txn_type="Bill", ours=True, vendor="Delta"),
        line(project, "-30.00", code=codes["03-100"], kind="Material", txn_type="CreditCardCredit", vendor=""),
        line(
            project, "75.00", code=codes["03-300"], kind="Labor", vendor="Delta Drywall", day=datetime.date(2024, 12, 3)
        ),
        line(project, "40.00"),
        line(project, "120.00", code=codes["03-200"], kind="Labor", sub_job=building),
        line(project, "55.00", reason="QuickBooks' item Permits is linked to no cost code here.", item="Permits"),
        line(
            None,
            "33.00",
            reason="QuickBooks' customer:job Other:Job is linked to no project here.",
            customer="Other:Job",
        ),
        line(other, "999.00", code=codes["03-100"], kind="Labor", customer="Other:Depot"),
    )
    return {"project": project, "other": other, "building": building, "codes": codes}


def rows_of(summary: selectors.JobCostSummary) -> list[tuple[Any, ...]]:
    return [
        (row.cost_code, row.cost_type, row.sub_job, row.budget, row.direct_cost, row.invoiced_cost, row.remaining)
        for row in summary.rows
    ]


def test_the_summary_sums_each_cost_code_and_cost_type_beside_the_budget(site):
    summary = selectors.job_cost_summary(site["project"])

    assert rows_of(summary) == [
        ("03-100", "Labor", "", D("9500.00"), D("250.00"), D("8000.00"), D("1250.00")),
        ("03-100", "Material", "", D("2000.00"), D("-30.00"), D("0.00"), D("2030.00")),
        ("03-200", "Labor", "", D("5500.00"), D("0.00"), D("0.00"), D("5500.00")),
        ("03-200", "Labor", "Building A", D("0.00"), D("120.00"), D("0.00"), D("-120.00")),
        ("03-300", "Labor", "", D("0.00"), D("75.00"), D("0.00"), D("-75.00")),
        ("", "", "", D("0.00"), D("40.00"), D("0.00"), D("-40.00")),
    ]
    assert [row.on_budget for row in summary.rows] == [True, True, True, False, False, False]
    assert summary.rows[0].original_budget == D("10000.00")
    groups = {group.cost_code: (group.budget, group.actual_cost, len(group.rows or [])) for group in summary.cost_codes}
    assert groups == {
        "03-100": (D("11500.00"), D("8220.00"), 2),
        "03-200": (D("5500.00"), D("120.00"), 2),
        "03-300": (D("0.00"), D("75.00"), 1),
        "": (D("0.00"), D("40.00"), 1),
    }
    total = summary.total
    assert (total.original_budget, total.budget, total.direct_cost, total.invoiced_cost) == (
        D("17000.00"),
        D("17000.00"),
        D("455.00"),
        D("8000.00"),
    )
    assert total.actual_cost == sum(row.amount for row in selectors.job_costs_of_project(site["project"]))
    assert summary.has_budget


def test_the_summary_takes_the_filters_of_the_lines(site):
    project, codes = site["project"], site["codes"]

    by_code = selectors.job_cost_summary(project, selectors.JobCostFilters(cost_code=codes["03-100"].pk))
    direct = selectors.job_cost_summary(project, selectors.JobCostFilters(source="direct"))
    december = selectors.job_cost_summary(project, selectors.JobCostFilters(date_from=datetime.date(2024, 12, 1)))
    no_code = selectors.job_cost_summary(project, selectors.JobCostFilters(cost_code=selectors.NO_VALUE))

    assert [row.cost_type for row in by_code.rows] == ["Labor", "Material"]
    assert by_code.total.budget == D("11500.00"), "the budget lines of the cost code, whatever the dates"
    assert direct.total.invoiced_cost == D("0.00") and direct.total.direct_cost == D("455.00")
    assert december.total.actual_cost == D("75.00")
    assert (no_code.total.actual_cost, no_code.total.budget) == (D("40.00"), D("0.00"))


def test_the_summary_costs_ten_queries_whatever_the_number_of_lines(site, django_assert_num_queries):
    write(*(line(site["project"], "1.00", code=site["codes"]["03-200"], kind="Labor") for _ in range(300)))

    # Five sources of the project side, QuickBooks' lines, and the names of the cost codes, types and sub jobs.
    with django_assert_num_queries(10):
        summary = selectors.job_cost_summary(site["project"])

    assert summary.rows[2].direct_cost == D("300.00")


# --- the API --------------------------------------------------------------------------------------------------


@pytest.fixture
def reporter(site):  # type: ignore[no-untyped-def]
    """Read Only on Reports and Admin on Budget, on the project only."""
    user = UserFactory(username="reporter")
    grant(user, Tool.REPORTS, Level.READ_ONLY, site["project"])
    return grant(user, Tool.BUDGET, Level.ADMIN, site["project"])


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_lines_filter_by_cost_code_cost_type_vendor_dates_and_source(site, erp_admin):
    api, codes = api_for(erp_admin), site["codes"]
    url = f"{API}/projects/{site['project'].pk}/job-costs/"

    def amounts(**query: Any) -> list[str]:
        response = api.get(url, query)
        assert response.status_code == 200, response.json()
        return sorted(row["amount"] for row in response.json()["results"])

    assert amounts() == sorted(["250.00", "8000.00", "-30.00", "75.00", "40.00", "120.00"])
    assert amounts(cost_code=codes["03-100"].pk) == ["-30.00", "250.00", "8000.00"]
    assert amounts(cost_code="none") == ["40.00"]
    assert amounts(cost_type=cost_type("Material").pk) == ["-30.00"]
    assert amounts(sub_job=site["building"].pk) == ["120.00"]
    assert amounts(vendor="drywall") == ["75.00"]
    assert amounts(date_from="2024-11-02", date_to="2024-11-30") == sorted(["8000.00", "-30.00", "40.00", "120.00"])
    assert amounts(source="invoices") == ["8000.00"]
    row = api.get(url, {"source": "invoices"}).json()["results"][0]
    assert (row["cost_code_code"], row["cost_type_name"], row["from_synced_invoice"], row["txn_type"]) == (
        "03-100",
        "Labor",
        True,
        "Bill",
    )
    refused = api.get(url, {"cost_code": "x", "date_from": "2024-12-01", "date_to": "2024-11-01"})
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"cost_code", "date_to"}


def test_the_lines_come_a_page_at_a_time_and_whole_as_csv(site, erp_admin):
    write(*(line(site["project"], "2.00", code=site["codes"]["03-200"], kind="Labor") for _ in range(120)))
    api = api_for(erp_admin)
    url = f"{API}/projects/{site['project'].pk}/job-costs/"

    first = api.get(url).json()
    third = api.get(url, {"page": 3}).json()
    download = api.get(url, {"format": "csv", "cost_code": site["codes"]["03-200"].pk})

    assert first["count"] == 126 and len(first["results"]) == 50 and first["next"]
    assert len(third["results"]) == 26 and third["next"] is None
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.getvalue().decode())))
    assert table[0][:5] == ["Date", "Type", "Number", "Vendor", "Cost code"]
    assert len(table) == 1 + 121 and {row[4] for row in table[1:]} == {"03-200"}


def test_the_summary_api_gives_rows_cost_codes_and_totals(site, reporter):
    response = api_for(reporter).get(f"{API}/projects/{site['project'].pk}/job-costs/summary/")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["has_budget"] is True
    assert data["rows"][0] == {
        "cost_code": site["codes"]["03-100"].pk,
        "cost_code_code": "03-100",
        "description": site["codes"]["03-100"].description,
        "cost_type": cost_type("Labor").pk,
        "cost_type_name": "Labor",
        "sub_job": None,
        "sub_job_path": "",
        "on_budget": True,
        "original_budget": "10000.00",
        "approved_changes": "-500.00",
        "budget": "9500.00",
        "committed": "0.00",
        "billed": "0.00",
        "paid": "0.00",
        "direct_cost": "250.00",
        "invoiced_cost": "8000.00",
        "actual_cost": "8250.00",
        "remaining": "1250.00",
        "unbilled": "0.00",
        "percent_used": 87,
        "lines": 2,
    }
    assert [group["cost_code_code"] for group in data["cost_codes"]] == ["03-100", "03-200", "03-300", ""]
    assert data["total"]["actual_cost"] == "8455.00"
    download = api_for(reporter).get(f"{API}/projects/{site['project'].pk}/job-costs/summary/", {"format": "csv"})
    assert list(csv.reader(io.StringIO(download.getvalue().decode())))[-1][0] == "Total"


def test_who_may_see_a_projects_job_costs(site, reporter, erp_admin, approver):
    project, other = site["project"], site["other"]
    viewer = grant(UserFactory(username="reader"), Tool.REPORTS, Level.READ_ONLY)  # no Budget or Prime Contract admin

    def status(user: Any, target: ps.Project, suffix: str = "") -> int:
        return int(api_for(user).get(f"{API}/projects/{target.pk}/job-costs/{suffix}").status_code)

    assert status(erp_admin, project) == status(erp_admin, other, "summary/") == 200
    assert status(reporter, project) == status(reporter, project, "summary/") == 200
    assert status(reporter, other) == 404, "a project the user cannot see"
    forbidden = api_for(approver).get(f"{API}/projects/{project.pk}/job-costs/")
    assert forbidden.status_code == 403
    assert "Admin on ERP Integrations" in forbidden.json()["missing_permission"]
    assert status(viewer, project, "summary/") == 403
    assert APIClient().get(f"{API}/projects/{project.pk}/job-costs/").status_code == 401


def test_the_unsyncable_direct_costs_are_seen_company_wide_or_per_project(site, reporter, erp_admin):
    company_wide = UserFactory(username="controller")
    grant(company_wide, Tool.REPORTS, Level.READ_ONLY)
    company_wide = grant(company_wide, Tool.PRIME_CONTRACT, Level.ADMIN)
    url = f"{API}/erp/unplaced-costs/"

    everything = api_for(company_wide).get(url).json()
    projects = api_for(reporter).get(url).json()
    searched = api_for(company_wide).get(url, {"q": "permits"}).json()
    download = api_for(company_wide).get(url, {"format": "csv"})

    assert sorted(row["amount"] for row in everything["results"]) == ["33.00", "55.00"]
    assert [row["amount"] for row in projects["results"]] == ["55.00"], "the reporter's project only"
    assert [row["unplaced_reason"] for row in searched["results"]] == [
        "QuickBooks' item Permits is linked to no cost code here."
    ]
    assert len(list(csv.reader(io.StringIO(download.getvalue().decode())))) == 3
    # The ERP admin holds no Reports level: the report is for Reports readers who are Budget or Prime admins.
    assert api_for(erp_admin).get(url).status_code == 403


# --- the pages ------------------------------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_job_costs_page_shows_the_summary_chart_and_lines_and_is_linked_from_the_project(site, reporter):
    client = client_for(reporter)
    project = site["project"]

    page = client.get(reverse("projects:detail", args=[project.pk]))
    assert reverse("projects:job-costs", args=[project.pk]) in page.content.decode()
    response = client.get(reverse("projects:job-costs", args=[project.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'data-total="actual">$8,455.00' in html or 'data-total="actual">8,455.00' in html
    assert "1 line QuickBooks charged to this project could not be placed" in html
    assert response.context["page"].paginator.count == 6
    summary_csv = client.get(reverse("projects:job-costs", args=[project.pk]), {"format": "summary-csv"})
    assert summary_csv["Content-Type"].startswith("text/csv")
    lines_csv = client.get(reverse("projects:job-costs", args=[project.pk]), {"format": "csv", "vendor": "delta"})
    assert len(list(csv.reader(io.StringIO(lines_csv.getvalue().decode())))) == 1 + 2


def test_the_job_costs_page_refuses_who_may_not_see_it(site, approver):
    response = client_for(approver).get(reverse("projects:job-costs", args=[site["project"].pk]))
    assert response.status_code == 403


def test_the_unsyncable_direct_costs_page_lists_what_could_not_be_placed(site, reporter):
    response = client_for(reporter).get(reverse("projects:unplaced-costs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "QuickBooks&#x27;s item Permits" not in html and "item Permits is linked to no cost code here" in html
    assert "Other:Job" not in html, "a line on no project needs the report company-wide"


def page_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_pages_and_the_api_cost_the_same_queries_for_many_lines(site, reporter):
    client, api = client_for(reporter), api_for(reporter)
    project = site["project"]
    page_url = reverse("projects:job-costs", args=[project.pk])
    api_url = f"{API}/projects/{project.pk}/job-costs/"
    unplaced_url = reverse("projects:unplaced-costs")
    page_queries(api, api_url)  # the API client keeps its user, and the grants read with it, across requests
    before = (page_queries(client, page_url), page_queries(api, api_url), page_queries(client, unplaced_url))

    building = site["building"]
    write(
        *(line(project, "3.00", code=site["codes"]["03-200"], kind="Labor", sub_job=building) for _ in range(200)),
        *(line(project, "4.00", reason="QuickBooks' item X is linked to no cost code here.") for _ in range(200)),
    )

    after = (page_queries(client, page_url), page_queries(api, api_url), page_queries(client, unplaced_url))
    assert before == after


# --- the unsyncable direct costs, by reason ---------------------------------------------------------------------


def test_the_unsyncable_costs_are_grouped_by_reason_each_with_its_fix(site):
    write(
        line(
            None,
            "12.00",
            code=site["codes"]["03-100"],
            kind="Labor",
            customer="",
            reason="It names the cost code item 03:03-100 but no customer:job.",
        ),
        line(
            None,
            "8.00",
            reason="Unknown customer:job New:Job: QuickBooks' customers have not been read since it was added.",
            customer="New:Job",
        ),
    )

    groups = selectors.unplaced_groups(None)

    assert [(group.reason.kind if group.reason else "", group.lines, group.amount) for group in groups] == [
        ("unlinked_job", 1, D("33.00")),
        ("unknown_job", 1, D("8.00")),
        ("item_not_cost_code", 1, D("55.00")),
        ("no_job", 1, D("12.00")),
    ]
    only_items = selectors.unplaced_costs(None, selectors.JobCostFilters(reason="item_not_cost_code"))
    assert [row.item_full_name for row in only_items] == ["Permits"]


def test_the_unsyncable_costs_page_shows_each_reason_and_where_to_fix_it(site):
    admin = grant(UserFactory(username="reports-admin"), Tool.REPORTS, Level.READ_ONLY)
    grant(admin, Tool.BUDGET, Level.ADMIN)
    client = Client()
    client.force_login(admin)

    page = client.get(reverse("projects:unplaced-costs")).content.decode()
    items = client.get(reverse("projects:unplaced-costs"), {"reason": "item_not_cost_code"}).content.decode()

    assert 'data-reason="unlinked_job"' in page and "Link the job to its project" in page
    assert f'href="{reverse("erp:import-projects")}?q=Other%3AJob"' in page
    assert "Refresh the cost codes from QuickBooks" in page
    assert items.count('<tr data-reason="item_not_cost_code">') == 1
    assert '<tr data-reason="unlinked_job">' not in items


def test_the_api_groups_the_unsyncable_costs_by_reason(site, reporter):
    grant(reporter, Tool.REPORTS, Level.READ_ONLY)
    grant(reporter, Tool.BUDGET, Level.ADMIN)

    groups = api_for(reporter).get(f"{API}/erp/unplaced-costs/reasons/").json()
    lines = api_for(reporter).get(f"{API}/erp/unplaced-costs/", {"reason": "unlinked_job"}).json()

    assert [(group["reason"], group["lines"], group["amount"]) for group in groups] == [
        ("unlinked_job", 1, "33.00"),
        ("item_not_cost_code", 1, "55.00"),
    ]
    assert "Ready to Import" in groups[0]["fix"]
    assert [row["customer_full_name"] for row in lines["results"]] == ["Other:Job"]
