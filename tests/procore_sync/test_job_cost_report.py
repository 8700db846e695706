"""The ERP job costs report: per cost code, cost type and sub job, the budget (original, changes, revised),
what is committed, invoiced and paid here, and QuickBooks' actual cost; the figures behind each cell, the
company's view across projects, the CSV and PDF, who may see them, and what they cost in queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from access.tools import Level, Tool
from procore_sync import job_cost_pdf, job_cost_views, selectors
from procore_sync import models as ps
from procore_sync import services as project_services
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CommitmentFactory,
    CommitmentLineFactory,
    CompanyFactory,
    CostCodeFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    ProjectFactory,
    SubJobFactory,
    UserFactory,
    cost_type,
    grant,
)
from tests.procore_sync.test_job_cost_pages import api_for

pytestmark = pytest.mark.django_db
D = Decimal
_numbers = iter(range(1, 10**9))


def cost(project: ps.Project, amount: str, code: ps.CostCode, kind: str, **fields: Any) -> project_services.JobCostLine:
    number = next(_numbers)
    values: dict[str, Any] = {
        "qb_txn_id": f"T{number}",
        "qb_txn_line_id": f"L{number}",
        "txn_type": "Check",
        "txn_date": datetime.date(2026, 3, 5),
        "ref_number": f"{1000 + number}",
        "project_id": project.pk,
        "sub_job_id": None,
        "cost_code_id": code.pk,
        "cost_type_id": cost_type(kind).pk,
        "vendor_name": "Acme Concrete",
        "customer_full_name": "Harbor:Clinic",
        "item_full_name": f"03:{code.code}",
        "account_full_name": "",
        "amount": D(amount),
        "memo": "",
        "from_synced_invoice": False,
        "unplaced_reason": "",
    }
    values.update(fields)
    return project_services.JobCostLine(**values)


def pay(invoice: ps.SubcontractorInvoice, amount: str, *, ref: str, day: datetime.date, void: bool = False) -> None:
    ps.BillPayment.objects.create(
        qb_txn_id=f"P-{ref}",
        bill_txn_id=f"B-{invoice.number}",
        method=ps.BillPayment.Method.CHECK,
        vendor=invoice.commitment.vendor,
        commitment=invoice.commitment,
        invoice=invoice,
        ref_number=ref,
        txn_date=day,
        amount=D(amount),
        payment_total=D(amount),
        is_void=void,
    )


@pytest.fixture
def job(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_job()


def build_job() -> dict[str, Any]:
    """A project with a budget and a modification; a subcontract (in force) with two lines, an approved change
    order changing one and adding a line on a sub job, a pending one; a draft and a void commitment; two
    invoices submitted (one paid in two checks, a voided check) and a draft; QuickBooks' lines."""
    project = ProjectFactory(number="1042", name="Main Street Clinic")
    other = ProjectFactory(number="2001", name="Depot")
    building = SubJobFactory(project=project, name="Building A")
    concrete, framing = CostCodeFactory(code="03-100"), CostCodeFactory(code="06-100")
    budget = BudgetFactory(project=project)
    concrete_line = BudgetLineItemFactory(
        budget=budget, cost_code=concrete, cost_type=cost_type("Subcontract"), original_amount=D("10000.00")
    )
    framing_line = BudgetLineItemFactory(
        budget=budget, cost_code=framing, cost_type=cost_type("Subcontract"), original_amount=D("6000.00")
    )
    modification = BudgetModificationFactory(budget=budget, number=1, date=datetime.date(2026, 2, 10))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=concrete_line, amount=D("1500.00"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=framing_line, amount=D("-1500.00"))

    vendor = CompanyFactory(name="Acme Concrete")
    subcontract = CommitmentFactory(project=project, vendor=vendor, number="SC-900")
    first = CommitmentLineFactory(
        commitment=subcontract,
        line_number=1,
        cost_code=concrete,
        cost_type=cost_type("Subcontract"),
        amount=D("8000.00"),
    )
    second = CommitmentLineFactory(
        commitment=subcontract,
        line_number=2,
        cost_code=framing,
        cost_type=cost_type("Subcontract"),
        amount=D("4000.00"),
    )
    approved = ChangeOrderFactory(commitment=subcontract, number="001")
    ChangeOrderLineFactory(
        change_order=approved, commitment_line=first, cost_code=None, cost_type=None, amount=D("700.00")
    )
    added = ChangeOrderLineFactory(
        change_order=approved,
        cost_code=concrete,
        cost_type=cost_type("Subcontract"),
        sub_job=building,
        amount=D("300.00"),
    )
    pending = ChangeOrderFactory(commitment=subcontract, number="002", status=ps.CommitmentChangeOrder.Status.PENDING)
    ChangeOrderLineFactory(
        change_order=pending, commitment_line=first, cost_code=None, cost_type=None, amount=D("999.00")
    )
    for status in (ps.Commitment.Status.DRAFT, ps.Commitment.Status.VOID):
        CommitmentLineFactory(
            commitment=CommitmentFactory(project=project, vendor=vendor, status=status),
            cost_code=concrete,
            cost_type=cost_type("Subcontract"),
            amount=D("5555.00"),
        )

    march = InvoiceFactory(commitment=subcontract, number="INV-1", invoice_date=datetime.date(2026, 3, 1))
    InvoiceLineFactory(
        invoice=march, commitment_line=first, work_completed_this_period=D("2000.00"), retainage_held=D("200.00")
    )
    InvoiceLineFactory(
        invoice=march, commitment_line=second, work_completed_this_period=D("1000.00"), retainage_held=D("100.00")
    )
    april = InvoiceFactory(commitment=subcontract, number="INV-2", invoice_date=datetime.date(2026, 4, 1))
    InvoiceLineFactory(
        invoice=april,
        change_order_line=added,
        work_completed_this_period=D("300.00"),
        materials_stored=D("0.00"),
        retainage_held=D("0.00"),
    )
    draft = InvoiceFactory(commitment=subcontract, number="INV-3", status=ps.SubcontractorInvoice.Status.DRAFT)
    InvoiceLineFactory(invoice=draft, commitment_line=first, work_completed_this_period=D("777.00"))
    # INV-1 made 2,700.00 due (1,800 on concrete, 900 on framing): paid 1,000.00 then 1,700.00; a voided check.
    pay(march, "1000.00", ref="5001", day=datetime.date(2026, 3, 20))
    pay(march, "1700.00", ref="5002", day=datetime.date(2026, 4, 20))
    pay(march, "2700.00", ref="5000", day=datetime.date(2026, 3, 15), void=True)

    project_services.replace_job_costs(
        [],
        [
            cost(project, "1500.00", concrete, "Subcontract", txn_type="Bill", from_synced_invoice=True),
            cost(project, "250.00", concrete, "Subcontract", txn_date=datetime.date(2026, 4, 2)),
            cost(project, "99.00", framing, "Material"),
            cost(other, "4444.00", concrete, "Subcontract"),
        ],
    )
    return {
        "project": project,
        "other": other,
        "building": building,
        "concrete": concrete,
        "framing": framing,
        "subcontract": subcontract,
        "march": march,
    }


def figures(row: selectors.JobCostRow) -> dict[str, Decimal]:
    names = ("original_budget", "approved_changes", "budget", "committed", "billed", "paid", "actual_cost")
    return {name: getattr(row, name) for name in names}


def by_key(summary: selectors.JobCostSummary) -> dict[tuple[str, str, str], dict[str, Decimal]]:
    return {(row.cost_code, row.cost_type, row.sub_job): figures(row) for row in summary.rows}


def test_each_figure_counts_what_it_says_and_nothing_else(job):
    summary = selectors.job_cost_summary(job["project"])

    rows = by_key(summary)
    assert rows[("03-100", "Subcontract", "")] == {
        "original_budget": D("10000.00"),
        "approved_changes": D("1500.00"),
        "budget": D("11500.00"),
        "committed": D("8700.00"),  # the line and its approved change; not the pending one, the draft or void
        "billed": D("2000.00"),  # not the draft invoice
        "paid": D("1800.00"),  # two thirds of each check: the line made 1,800 of the 2,700 due
        "actual_cost": D("1750.00"),
    }
    assert rows[("03-100", "Subcontract", "Building A")] == {
        "original_budget": D("0.00"),
        "approved_changes": D("0.00"),
        "budget": D("0.00"),
        "committed": D("300.00"),
        "billed": D("300.00"),
        "paid": D("0.00"),
        "actual_cost": D("0.00"),
    }
    assert rows[("06-100", "Subcontract", "")]["committed"] == D("4000.00")
    assert rows[("06-100", "Subcontract", "")]["paid"] == D("900.00")
    assert rows[("06-100", "Subcontract", "")]["budget"] == D("4500.00")
    assert rows[("06-100", "Material", "")]["actual_cost"] == D("99.00")
    total = summary.total
    assert figures(total) == {
        "original_budget": D("16000.00"),
        "approved_changes": D("0.00"),
        "budget": D("16000.00"),
        "committed": D("13000.00"),
        "billed": D("3300.00"),
        "paid": D("2700.00"),
        "actual_cost": D("1849.00"),
    }
    assert (total.remaining, total.unbilled, total.percent_used) == (D("14151.00"), D("9700.00"), 12)


def test_the_totals_reconcile_with_the_records_and_with_the_company_view(job):
    summary = selectors.job_cost_summary(job["project"])
    company = selectors.company_job_costs(None)

    placed = ps.JobCostTransaction.objects.filter(project=job["project"], unplaced_reason="")
    assert summary.total.actual_cost == sum((row.amount for row in placed), D("0"))
    assert summary.total.paid == sum(
        (payment.amount for payment in ps.BillPayment.objects.filter(is_void=False)), D("0")
    )
    line = next(line for line in company.projects if line.project == job["project"])
    assert figures(line.costs) == figures(summary.total)
    depot = next(line for line in company.projects if line.project == job["other"])
    assert depot.costs.actual_cost == D("4444.00")
    assert company.total.actual_cost == summary.total.actual_cost + D("4444.00")


def test_dates_narrow_invoices_payments_and_quickbooks_lines_not_the_budget_nor_commitments(job):
    march = selectors.JobCostFilters(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31))

    total = selectors.job_cost_summary(job["project"], march).total

    assert (total.budget, total.committed) == (D("16000.00"), D("13000.00"))
    assert (total.billed, total.paid, total.actual_cost) == (D("3000.00"), D("1000.00"), D("1599.00"))


def test_cost_type_sub_job_and_vendor_filters_narrow_every_source(job):
    material = selectors.job_cost_summary(job["project"], selectors.JobCostFilters(cost_type=cost_type("Material").pk))
    building = selectors.job_cost_summary(job["project"], selectors.JobCostFilters(sub_job=job["building"].pk))
    nobody = selectors.job_cost_summary(job["project"], selectors.JobCostFilters(vendor="Nobody"))

    assert figures(material.total)["actual_cost"] == D("99.00")
    assert figures(material.total)["committed"] == D("0.00")
    assert (building.total.committed, building.total.billed, building.total.paid) == (D("300.00"), D("300.00"), D("0"))
    assert (nobody.total.committed, nobody.total.billed, nobody.total.paid, nobody.total.actual_cost) == (
        D("0"),
        D("0"),
        D("0"),
        D("0"),
    )
    assert nobody.total.budget == D("16000.00"), "the budget has no vendor"


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        ("100.00", ["1", "1", "1"], ["33.33", "33.33", "33.34"]),
        ("10.00", ["0", "0"], ["5.00", "5.00"]),
        ("-7.00", ["2", "5"], ["-2.00", "-5.00"]),
        ("0.01", ["1", "1", "1"], ["0.00", "0.00", "0.01"]),
    ],
)
def test_a_payment_is_shared_to_the_cent(amount, weights, expected):
    shares = selectors.allocate(D(amount), [(n, D(weight)) for n, weight in enumerate(weights)])

    assert [share for _, share in shares] == [D(value) for value in expected]
    assert sum(share for _, share in shares) == D(amount)


@pytest.mark.parametrize("column", selectors.DETAIL_COLUMNS)
def test_the_records_behind_a_figure_add_up_to_it(job, column):
    filters = selectors.JobCostFilters(cost_code=job["concrete"].pk, cost_type=cost_type("Subcontract").pk, sub_job=0)

    detail = selectors.job_cost_detail(job["project"], column, filters)

    row = selectors.job_cost_summary(job["project"], filters).total
    assert detail.listed_total == getattr(row, column)
    assert detail.listed_total != 0


def test_the_paid_figure_lists_each_check_with_its_part(job):
    filters = selectors.JobCostFilters(cost_code=job["concrete"].pk)

    detail = selectors.job_cost_detail(job["project"], "paid", filters)

    assert [(part.payment.ref_number, part.share) for part in detail.payments] == [
        ("5002", D("1133.33")),
        ("5001", D("666.67")),
    ]


def test_the_report_costs_the_same_queries_for_few_and_many_records(job, django_assert_num_queries):
    with django_assert_num_queries(11):
        selectors.job_cost_summary(job["project"])
    for n in range(40):
        commitment = CommitmentFactory(project=job["project"], number=f"PO-{n}")
        line = CommitmentLineFactory(commitment=commitment, cost_code=CostCodeFactory(), amount=D("10.00"))
        invoice = InvoiceFactory(commitment=commitment)
        InvoiceLineFactory(invoice=invoice, commitment_line=line, work_completed_this_period=D("5.00"))
        pay(invoice, "4.50", ref=f"9{n}", day=datetime.date(2026, 5, 1))

    with django_assert_num_queries(11):
        summary = selectors.job_cost_summary(job["project"])
    with django_assert_num_queries(9):
        selectors.company_job_costs(None)

    assert summary.total.paid == D("2700.00") + 40 * D("4.50")


# --- the pages, the downloads and who may see them --------------------------------------------------------------


@pytest.fixture
def reporter(job):  # type: ignore[no-untyped-def]
    """Read Only on Reports and Admin on Budget on the project: may see its job costs, not the company's."""
    user = UserFactory(username="reporter")
    grant(user, Tool.REPORTS, Level.READ_ONLY, job["project"])
    return grant(user, Tool.BUDGET, Level.ADMIN, job["project"])


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_figure_of_the_page_opens_the_records_behind_it(job, reporter):
    client = client_for(reporter)
    page = client.get(reverse("projects:job-costs", args=[job["project"].pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-total="committed">13,000.00' in html
    assert 'data-total="paid">2,700.00' in html
    detail = reverse("projects:job-cost-detail", args=[job["project"].pk])
    concrete, kind = job["concrete"].pk, cost_type("Subcontract").pk
    link = f"detail/?cost_code={concrete}&amp;cost_type={kind}&amp;sub_job=none&amp;column=committed"
    assert f'href="{link}"' in html, "relative to the report's page"
    opened = client.get(detail + link.removeprefix("detail/").replace("&amp;", "&"))
    assert opened.status_code == 200
    text = opened.content.decode()
    assert "8,700.00" in text and "SC-900" in text and "change order 001" in text
    assert "5555" not in text, "the draft and void commitments commit nothing"
    paid = client.get(f"{detail}?cost_code={concrete}&column=paid").content.decode()
    assert "5001" in paid and "666.67" in paid and "5000" not in paid


def test_the_actual_cost_opens_quickbooks_lines_and_an_unknown_figure_is_not_found(job, reporter):
    client = client_for(reporter)
    detail = reverse("projects:job-cost-detail", args=[job["project"].pk])

    actual = client.get(f"{detail}?cost_code={job['concrete'].pk}&column=actual")
    unknown = client.get(f"{detail}?column=profit")

    assert actual.status_code == 302
    assert actual["Location"].startswith(reverse("projects:job-costs", args=[job["project"].pk]))
    assert f"cost_code={job['concrete'].pk}" in actual["Location"] and actual["Location"].endswith("#lines")
    assert unknown.status_code == 404


def test_the_summary_downloads_as_csv_and_pdf(job, reporter):
    client = client_for(reporter)
    url = reverse("projects:job-costs", args=[job["project"].pk])

    response = client.get(url, {"format": "summary-csv"})
    pdf = client.get(url, {"format": "pdf"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == job_cost_views.SUMMARY_HEADER
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert (total["Committed"], total["Invoiced"], total["Paid"], total["Actual cost"]) == (
        "13000.00",
        "3300.00",
        "2700.00",
        "1849.00",
    )
    assert total["Committed − invoiced"] == "9700.00"
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_pdf_holds_the_figures_and_says_its_filters(job):
    summary = selectors.job_cost_summary(job["project"])

    document = job_cost_pdf.job_costs_pdf(
        job["project"], summary, job_cost_views.FIGURES, "from 2026-03-01 to today", compress=False
    )

    assert b"13,000.00" in document and b"2,700.00" in document
    assert b"from 2026-03-01 to today" in document


def test_the_company_view_is_for_those_who_may_see_every_project(job, reporter):
    admin = grant(UserFactory(username="erp-admin"), Tool.ERP_INTEGRATIONS, Level.ADMIN)
    viewer = grant(UserFactory(username="viewer"), Tool.BUDGET, Level.READ_ONLY)
    url = reverse("projects:company-job-costs")

    everything = client_for(admin).get(url).content.decode()
    own = client_for(reporter).get(url).content.decode()
    refused = client_for(viewer).get(url)
    download = client_for(admin).get(url, {"format": "csv"})

    assert "Main Street Clinic" in everything and "Depot" in everything
    assert "Main Street Clinic" in own and "Depot" not in own
    assert refused.status_code == 403
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == job_cost_views.COMPANY_HEADER
    assert [row[0] for row in rows[1:]] == ["1042", "2001", ""]
    assert rows[-1][rows[0].index("Actual cost")] == "6293.00"


def test_a_project_report_needs_its_permission(job):
    outsider = grant(UserFactory(username="outsider"), Tool.BUDGET, Level.ADMIN, job["project"])

    response = client_for(outsider).get(
        reverse("projects:job-cost-detail", args=[job["project"].pk]), {"column": "paid"}
    )

    assert response.status_code == 403


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_gives_every_figure_the_page_shows(job, reporter):
    response = api_for(reporter).get(f"/api/v1/projects/{job['project'].pk}/job-costs/summary/")

    total = response.json()["total"]
    assert response.status_code == 200
    assert (total["committed"], total["billed"], total["paid"], total["unbilled"]) == (
        "13000.00",
        "3300.00",
        "2700.00",
        "9700.00",
    )
    assert (total["approved_changes"], total["percent_used"]) == ("0.00", 12)


def test_the_api_lists_the_records_behind_a_figure(job, reporter):
    url = f"/api/v1/projects/{job['project'].pk}/job-costs/summary/detail/"

    paid = api_for(reporter).get(url, {"column": "paid", "cost_code": job["concrete"].pk}).json()
    wrong = api_for(reporter).get(url, {"column": "profit"})

    assert [(record["reference"], record["amount"]) for record in paid["records"]] == [
        ("5002", "1133.33"),
        ("5001", "666.67"),
    ]
    assert paid["listed_total"] == "1800.00"
    assert wrong.status_code == 400 and "column" in wrong.json()["errors"]


def test_the_company_api_totals_each_project_like_its_summary(job, reporter):
    admin = grant(UserFactory(username="erp-admin"), Tool.ERP_INTEGRATIONS, Level.ADMIN)

    everything = api_for(admin).get("/api/v1/job-costs/").json()
    own = api_for(reporter).get("/api/v1/job-costs/").json()
    refused = api_for(grant(UserFactory(username="viewer"), Tool.BUDGET, Level.READ_ONLY)).get("/api/v1/job-costs/")

    assert [line["project_number"] for line in everything["projects"]] == ["1042", "2001"]
    assert everything["projects"][0]["costs"]["paid"] == "2700.00"
    assert everything["total"]["actual_cost"] == "6293.00"
    assert [line["project_number"] for line in own["projects"]] == ["1042"]
    assert refused.status_code == 403


def test_a_figures_records_show_their_quickbooks_ids_once_synced(job, reporter):
    from django.contrib.contenttypes.models import ContentType

    from erp_integrations.models import ErpItem, ErpState

    for record, txn_id in ((job["subcontract"], "PO-TXN-77"), (job["march"], "BILL-TXN-88")):
        ErpItem.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            object_type=record._meta.model_name,
            label=str(record),
            state=ErpState.SYNCED,
            qb_ref=txn_id,
        )
    detail = reverse("projects:job-cost-detail", args=[job["project"].pk])
    client = client_for(reporter)

    committed = client.get(detail, {"column": "committed", "cost_code": job["concrete"].pk}).content.decode()
    billed = client.get(detail, {"column": "billed", "cost_code": job["concrete"].pk}).content.decode()

    assert committed.count("PO-TXN-77") == 3, "the commitment's line and both change order lines"
    assert "BILL-TXN-88" in billed and "INV-1" in billed


def test_a_cost_codes_subtotal_opens_its_records_within_the_reports_filters(job, reporter):
    kind, concrete = cost_type("Subcontract").pk, job["concrete"].pk
    url = reverse("projects:job-costs", args=[job["project"].pk])

    html = client_for(reporter).get(url, {"cost_type": kind, "date_from": "2026-03-01"}).content.decode()

    subtotal = f'href="detail/?cost_type={kind}&amp;date_from=2026-03-01&amp;cost_code={concrete}&amp;column=committed"'
    row = f"detail/?date_from=2026-03-01&amp;cost_code={concrete}&amp;cost_type={kind}&amp;sub_job=none&amp;column="
    total = f'href="detail/?cost_type={kind}&amp;date_from=2026-03-01&amp;column=paid"'
    assert subtotal in html and row in html and total in html
